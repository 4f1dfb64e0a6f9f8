//! Pull requests, the PRs associated with a commit, and reviews (the approval gate's facts).

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{State, StoredPull};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "repos/list-pull-requests-associated-with-commit" => {
            let sha = call.param("commit_sha").to_string();
            let template = call.example_item();
            let mut found: Vec<StoredPull> = state
                .pulls
                .values()
                .filter(|p| {
                    p.pull.head_sha == sha || p.pull.merge_commit_sha.as_deref() == Some(&sha)
                })
                .cloned()
                .collect();
            let mut items: Vec<Value> = found
                .drain(..)
                .map(|p| pull_json(state, call, &p, &template))
                .collect();
            // PRs set explicitly for the commit (not in the graph), GitHub's example otherwise.
            for (number, merged) in state.prs_for_commit.get(&sha).cloned().unwrap_or_default() {
                if items.iter().any(|v| v["number"] == json!(number)) {
                    continue;
                }
                let mut v = template.clone();
                v["number"] = json!(number);
                v["state"] = json!(if merged { "closed" } else { "open" });
                v["merged_at"] = if merged {
                    json!("2026-01-01T00:00:00Z")
                } else {
                    Value::Null
                };
                items.push(v);
            }
            call.page(items)
        }
        "pulls/list" => {
            // `state` defaults to open; newest first (GitHub's default `sort=created`,
            // `direction=desc`). `base` filters by base branch.
            let wanted = call.query("state").unwrap_or("open").to_string();
            let base = call.query("base").map(str::to_string);
            let template = call.example_item();
            let found: Vec<StoredPull> = state
                .pulls
                .values()
                .rev()
                .filter(|p| wanted == "all" || p.state == wanted)
                .filter(|p| base.as_ref().is_none_or(|b| &p.pull.base_ref == b))
                .cloned()
                .collect();
            let items: Vec<Value> = found
                .iter()
                .map(|p| pull_json(state, call, p, &template))
                .collect();
            call.page(items)
        }
        "pulls/get" => {
            let number = call.number("pull_number")?;
            let Some(p) = state.pulls.get(&number).cloned() else {
                return Some(Reply::not_found());
            };
            Reply::json(200, pull_json(state, call, &p, &call.op.example))
        }
        "pulls/list-reviews" => {
            let number = call.number("pull_number")?;
            let template = call.example_item();
            let reviews: Vec<_> = state
                .reviews
                .iter()
                .filter(|r| r.pr == number)
                .cloned()
                .collect();
            let items = reviews
                .iter()
                .map(|r| {
                    let mut v = template.clone();
                    v["id"] = json!(r.id);
                    v["user"] = user_json(state, &template["user"], &r.login);
                    v["state"] = json!(r.state);
                    v["commit_id"] = json!(r.commit_id);
                    v["submitted_at"] = json!(r.submitted_at);
                    v["pull_request_url"] = json!(format!("{}/pulls/{number}", call.repo_url()));
                    v["html_url"] = json!(format!(
                        "{}/pull/{number}#pullrequestreview-{}",
                        call.html_url(),
                        r.id
                    ));
                    v
                })
                .collect();
            call.page(items)
        }
        _ => return None,
    };
    Some(reply)
}

fn pull_json(state: &mut State, call: &Call, p: &StoredPull, template: &Value) -> Value {
    let n = p.pull.number;
    let mut v = template.clone();
    v["number"] = json!(n);
    v["id"] = json!(100_000 + n);
    v["state"] = json!(p.state);
    v["url"] = json!(format!("{}/pulls/{n}", call.repo_url()));
    v["html_url"] = json!(format!("{}/pull/{n}", call.html_url()));
    v["user"] = user_json(state, &template["user"], &p.pull.author);
    v["head"]["sha"] = json!(p.pull.head_sha);
    v["head"]["ref"] = json!(format!("pr-{n}"));
    v["base"]["ref"] = json!(p.pull.base_ref);
    v["base"]["sha"] = json!(state.resolve(&p.pull.base_ref));
    v["merged_at"] = json!(p.merged_at);
    v["closed_at"] = json!(p.merged_at);
    v["merge_commit_sha"] = json!(p.pull.merge_commit_sha);
    if v.get("merged").is_some() {
        v["merged"] = json!(p.pull.merged);
    }
    v["labels"] = super::issues::labels_json(&v["labels"], &p.labels, &call.repo_url());
    v
}
