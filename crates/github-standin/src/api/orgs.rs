//! Teams, team memberships and users: who counts as an approver, and the ids
//! `github-setup` needs for an environment's required reviewers.

use serde_json::json;

use super::{Call, Reply, user_json};
use crate::state::State;

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        // A workflow's `GITHUB_TOKEN` is scoped to its repository: GitHub answers it 403 on
        // organisation reads.
        "teams/get-membership-for-user-in-org" | "teams/get-by-name" if call.workflow_token => {
            Reply::message(403, "Resource not accessible by integration")
        }
        "teams/get-membership-for-user-in-org" => {
            let (org, slug, login) = (
                call.param("org"),
                call.param("team_slug"),
                call.param("username"),
            );
            let member = state.team_members.iter().any(|m| {
                m.org.eq_ignore_ascii_case(org)
                    && m.slug == slug
                    && m.login.eq_ignore_ascii_case(login)
            });
            if member {
                let mut v = call.op.example.clone();
                v["state"] = json!("active");
                v["role"] = json!("member");
                v["url"] = json!(format!(
                    "{}/orgs/{org}/teams/{slug}/memberships/{login}",
                    call.base
                ));
                Reply::json(200, v)
            } else {
                Reply::not_found()
            }
        }
        "teams/get-by-name" => {
            let (org, slug) = (call.param("org"), call.param("team_slug"));
            match state
                .teams
                .iter()
                .find(|t| t.org.eq_ignore_ascii_case(org) && t.slug == slug)
            {
                Some(team) => {
                    let mut v = call.op.example.clone();
                    v["id"] = json!(team.id);
                    v["slug"] = json!(team.slug);
                    v["name"] = json!(team.slug);
                    v["organization"]["login"] = json!(team.org);
                    v["html_url"] = json!(format!("https://github.com/orgs/{org}/teams/{slug}"));
                    Reply::json(200, v)
                }
                None => Reply::not_found(),
            }
        }
        "users/get-by-username" => {
            let login = call.param("username");
            match state
                .users
                .iter()
                .find(|u| u.login.eq_ignore_ascii_case(login))
                .map(|u| u.login.clone())
            {
                Some(login) => Reply::json(200, user_json(state, &call.op.example, &login)),
                None => Reply::not_found(),
            }
        }
        _ => return None,
    };
    Some(reply)
}
