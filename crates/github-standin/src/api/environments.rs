//! Deployment environments (required reviewers, branch policy), their branch policies, and
//! the repository's OIDC subject claim template: what `github-setup` reads and writes.

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{BranchPolicy, BranchPolicySetting, Environment, OidcSub, Reviewer, State, now};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "repos/get-all-environments" => {
            let template = call.op.example["environments"]
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            let all = state.environments.clone();
            let items: Vec<Value> = all
                .iter()
                .map(|e| environment_json(state, call, e, &template))
                .collect();
            let total = items.len();
            let (items, link) = call.page_of(items);
            let mut reply = Reply::json(200, json!({"total_count": total, "environments": items}));
            reply.headers.extend(link);
            reply
        }
        "repos/get-environment" => {
            match state
                .environments
                .iter()
                .find(|e| e.name == call.param("environment_name"))
            {
                Some(e) => {
                    let e = e.clone();
                    Reply::json(200, environment_json(state, call, &e, &call.op.example))
                }
                None => Reply::not_found(),
            }
        }
        "repos/create-or-update-environment" => put_environment(state, call),
        "repos/list-deployment-branch-policies" => {
            let Some(env) = find(state, call) else {
                return Some(Reply::not_found());
            };
            let items: Vec<Value> = env.branch_policies.iter().map(policy_json).collect();
            let total = items.len();
            let (items, link) = call.page_of(items);
            let mut reply =
                Reply::json(200, json!({"total_count": total, "branch_policies": items}));
            reply.headers.extend(link);
            reply
        }
        "repos/create-deployment-branch-policy" => {
            let name = call.body_str("name").unwrap_or_default().to_string();
            let kind = call.body_str("type").unwrap_or("branch").to_string();
            let policy_id = state.next_id();
            let Some(env) = find(state, call) else {
                return Some(Reply::not_found());
            };
            if env
                .branch_policies
                .iter()
                .any(|p| p.name == name && p.kind == kind)
            {
                // GitHub: "Response if the same branch name pattern already exists".
                return Some(Reply::empty(303));
            }
            let policy = BranchPolicy {
                id: policy_id,
                name,
                kind,
            };
            env.branch_policies.push(policy.clone());
            env.updated_at = now();
            Reply::json(200, policy_json(&policy))
        }
        "actions/get-custom-oidc-sub-claim-for-repo" => Reply::json(
            200,
            match &state.oidc_sub {
                Some(sub) => {
                    json!({"use_default": sub.use_default, "include_claim_keys": sub.include_claim_keys})
                }
                None => json!({"use_default": true}),
            },
        ),
        "actions/set-custom-oidc-sub-claim-for-repo" => {
            let use_default = call.body["use_default"].as_bool().unwrap_or(true);
            let keys: Vec<String> = call.body["include_claim_keys"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect();
            if !use_default && keys.is_empty() {
                return Some(Reply::message(
                    422,
                    "include_claim_keys is required when use_default is false",
                ));
            }
            state.oidc_sub = Some(OidcSub {
                use_default,
                include_claim_keys: keys,
            });
            Reply::json(201, json!({}))
        }
        _ => return None,
    };
    Some(reply)
}

fn find<'s>(state: &'s mut State, call: &Call) -> Option<&'s mut Environment> {
    let name = call.param("environment_name");
    state.environments.iter_mut().find(|e| e.name == name)
}

fn put_environment(state: &mut State, call: &Call) -> Reply {
    let body = &call.body;
    let reviewers = match body.get("reviewers") {
        None => None,
        Some(Value::Null) => Some(Vec::new()),
        Some(list) => {
            let mut reviewers = Vec::new();
            for r in list.as_array().into_iter().flatten() {
                let kind = r["type"].as_str().unwrap_or_default().to_string();
                let id = r["id"].as_u64().unwrap_or_default();
                let known = match kind.as_str() {
                    "User" => state.users.iter().any(|u| u.id == id),
                    "Team" => state.teams.iter().any(|t| t.id == id),
                    _ => false,
                };
                if !known {
                    return Reply::message(422, &format!("Reviewer not found: {kind} {id}"));
                }
                reviewers.push(Reviewer { kind, id });
            }
            if reviewers.len() > 6 {
                return Reply::message(422, "An environment can have at most 6 reviewers");
            }
            Some(reviewers)
        }
    };
    let policy = match body.get("deployment_branch_policy") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(p) => {
            let setting = BranchPolicySetting {
                protected_branches: p["protected_branches"].as_bool().unwrap_or(false),
                custom_branch_policies: p["custom_branch_policies"].as_bool().unwrap_or(false),
            };
            if setting.protected_branches == setting.custom_branch_policies {
                return Reply::message(
                    422,
                    "Exactly one of protected_branches or custom_branch_policies must be true",
                );
            }
            Some(Some(setting))
        }
    };
    let name = call.param("environment_name").to_string();
    let at = now();
    if !state.environments.iter().any(|e| e.name == name) {
        let id = state.next_id();
        state.environments.push(Environment {
            id,
            name: name.clone(),
            wait_timer: 0,
            prevent_self_review: false,
            reviewers: Vec::new(),
            deployment_branch_policy: None,
            branch_policies: Vec::new(),
            created_at: at.clone(),
            updated_at: at.clone(),
        });
    }
    let Some(env) = state.environments.iter_mut().find(|e| e.name == name) else {
        return Reply::not_found();
    };
    if let Some(wait) = body.get("wait_timer").and_then(Value::as_u64) {
        env.wait_timer = wait;
    }
    if let Some(prevent) = body.get("prevent_self_review").and_then(Value::as_bool) {
        env.prevent_self_review = prevent;
    }
    if let Some(reviewers) = reviewers {
        env.reviewers = reviewers;
    }
    if let Some(policy) = policy {
        // Turning custom policies off drops the patterns, as on GitHub.
        if !policy.as_ref().is_some_and(|p| p.custom_branch_policies) {
            env.branch_policies.clear();
        }
        env.deployment_branch_policy = policy;
    }
    env.updated_at = at;
    let env = env.clone();
    Reply::json(200, environment_json(state, call, &env, &call.op.example))
}

fn policy_json(p: &BranchPolicy) -> Value {
    json!({"id": p.id, "node_id": format!("GBP_{}", p.id), "name": p.name, "type": p.kind})
}

fn environment_json(state: &mut State, call: &Call, e: &Environment, template: &Value) -> Value {
    let mut v = template.clone();
    let rules: Vec<Value> = template["protection_rules"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rule = |kind: &str| {
        rules
            .iter()
            .find(|r| r["type"] == kind)
            .cloned()
            .unwrap_or_else(|| json!({"type": kind}))
    };
    let reviewer_template = |kind: &str| {
        let reviewers = rule("required_reviewers")["reviewers"].clone();
        reviewers
            .as_array()
            .into_iter()
            .flatten()
            .find(|r| r["type"] == kind)
            .map(|r| r["reviewer"].clone())
            .unwrap_or_else(|| json!({}))
    };
    let mut protection = Vec::new();
    if e.wait_timer > 0 {
        let mut r = rule("wait_timer");
        r["id"] = json!(e.id * 10 + 1);
        r["wait_timer"] = json!(e.wait_timer);
        protection.push(r);
    }
    if !e.reviewers.is_empty() {
        let mut r = rule("required_reviewers");
        r["id"] = json!(e.id * 10 + 2);
        r["prevent_self_review"] = json!(e.prevent_self_review);
        let user_template = reviewer_template("User");
        let team_template = reviewer_template("Team");
        r["reviewers"] = e
            .reviewers
            .iter()
            .map(|reviewer| {
                let object = if reviewer.kind == "User" {
                    let login = state
                        .users
                        .iter()
                        .find(|u| u.id == reviewer.id)
                        .map(|u| u.login.clone())
                        .unwrap_or_default();
                    user_json(state, &user_template, &login)
                } else {
                    let mut t = team_template.clone();
                    if let Some(team) = state.teams.iter().find(|t| t.id == reviewer.id) {
                        t["id"] = json!(team.id);
                        t["slug"] = json!(team.slug);
                        t["name"] = json!(team.slug);
                    }
                    t
                };
                json!({"type": reviewer.kind, "reviewer": object})
            })
            .collect();
        protection.push(r);
    }
    if e.deployment_branch_policy.is_some() {
        let mut r = rule("branch_policy");
        r["id"] = json!(e.id * 10 + 3);
        protection.push(r);
    }
    v["id"] = json!(e.id);
    v["name"] = json!(e.name);
    v["url"] = json!(format!("{}/environments/{}", call.repo_url(), e.name));
    v["html_url"] = json!(format!(
        "{}/deployments/activity_log?environments_filter={}",
        call.html_url(),
        e.name
    ));
    v["created_at"] = json!(e.created_at);
    v["updated_at"] = json!(e.updated_at);
    v["protection_rules"] = Value::Array(protection);
    v["deployment_branch_policy"] = json!(e.deployment_branch_policy);
    v
}
