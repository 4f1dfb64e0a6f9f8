//! Commit statuses (the ladder on a commit) and Compare (the no-regression gate's facts).

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{State, Status, now};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "repos/create-commit-status" => {
            let id = state.next_id();
            let text = |key: &str| call.body_str(key).map(str::to_string);
            let status = Status {
                id,
                creator: call.actor.clone(),
                sha: call.param("sha").to_string(),
                state: text("state").unwrap_or_default(),
                context: text("context").unwrap_or_else(|| "default".into()),
                description: text("description"),
                target_url: text("target_url"),
                created_at: now(),
            };
            state.statuses.push(status.clone());
            Reply::json(201, status_json(state, &status, &call.op.example))
        }
        "repos/list-commit-statuses-for-ref" => {
            let sha = state.resolve(call.param("ref"));
            let template = call.example_item();
            let list: Vec<Status> = state
                .statuses
                .iter()
                .rev()
                .filter(|s| s.sha == sha)
                .cloned()
                .collect();
            let items = list
                .iter()
                .map(|s| status_json(state, s, &template))
                .collect();
            call.page(items)
        }
        "repos/get-combined-status-for-ref" => {
            let sha = state.resolve(call.param("ref"));
            let latest: Vec<Status> = state.latest_statuses(&sha).into_iter().cloned().collect();
            let overall = combined_state(latest.iter().map(|s| s.state.as_str()));
            let mut v = call.op.example.clone();
            let template = v["statuses"]
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            let items: Vec<Value> = latest
                .iter()
                .map(|s| {
                    let mut item = template.clone();
                    for (key, value) in status_fields(s) {
                        item[key] = value;
                    }
                    item
                })
                .collect();
            v["state"] = json!(overall);
            v["sha"] = json!(sha);
            v["total_count"] = json!(items.len());
            v["statuses"] = Value::Array(items);
            v["commit_url"] = json!(format!("{}/commits/{sha}", call.repo_url()));
            v["url"] = json!(format!("{}/commits/{sha}/status", call.repo_url()));
            Reply::json(200, v)
        }
        "repos/compare-commits-with-basehead" => {
            let Some((base, head)) = call.param("basehead").split_once("...") else {
                return Some(Reply::not_found());
            };
            let Some(cmp) = state.compare(base, head) else {
                return Some(Reply::not_found());
            };
            let mut v = call.op.example.clone();
            let commit_template = v["base_commit"].clone();
            let commit = |sha: &str| {
                let mut c = commit_template.clone();
                c["sha"] = json!(sha);
                c["url"] = json!(format!("{}/commits/{sha}", call.repo_url()));
                c["html_url"] = json!(format!("{}/commit/{sha}", call.html_url()));
                c
            };
            v["status"] = json!(cmp.status);
            v["ahead_by"] = json!(cmp.ahead_by);
            v["behind_by"] = json!(cmp.behind_by);
            v["total_commits"] = json!(cmp.ahead_by);
            v["base_commit"] = commit(&state.resolve(base));
            v["merge_base_commit"] = cmp.merge_base.as_deref().map_or(Value::Null, commit);
            v["commits"] = cmp.commits.iter().map(|c| commit(c)).collect();
            v["files"] = json!([]);
            let basehead = call.param("basehead");
            v["url"] = json!(format!("{}/compare/{basehead}", call.repo_url()));
            v["html_url"] = json!(format!("{}/compare/{basehead}", call.html_url()));
            v["permalink_url"] = v["html_url"].clone();
            v["diff_url"] = json!(format!("{}/compare/{basehead}.diff", call.html_url()));
            v["patch_url"] = json!(format!("{}/compare/{basehead}.patch", call.html_url()));
            Reply::json(200, v)
        }
        _ => return None,
    };
    Some(reply)
}

/// GitHub's combined state: failure if any context failed or errored, pending if there
/// are none or one is pending, success when every latest status is success.
pub fn combined_state<'a>(states: impl Iterator<Item = &'a str>) -> &'static str {
    let states: Vec<&str> = states.collect();
    if states.iter().any(|s| *s == "failure" || *s == "error") {
        "failure"
    } else if states.is_empty() || states.iter().any(|s| *s != "success") {
        "pending"
    } else {
        "success"
    }
}

fn status_fields(s: &Status) -> Vec<(&'static str, Value)> {
    vec![
        ("id", json!(s.id)),
        ("state", json!(s.state)),
        ("context", json!(s.context)),
        ("description", json!(s.description)),
        ("target_url", json!(s.target_url)),
        ("created_at", json!(s.created_at)),
        ("updated_at", json!(s.created_at)),
    ]
}

fn status_json(state: &mut State, s: &Status, template: &Value) -> Value {
    let mut v = template.clone();
    for (key, value) in status_fields(s) {
        v[key] = value;
    }
    if v.get("creator").is_some() {
        v["creator"] = user_json(state, &template["creator"], &s.creator);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::combined_state;

    #[test]
    fn combined_state_follows_github() {
        let of = |states: &[&str]| combined_state(states.iter().copied());
        assert_eq!(of(&[]), "pending", "no statuses yet");
        assert_eq!(of(&["success", "success"]), "success");
        assert_eq!(of(&["success", "pending"]), "pending");
        assert_eq!(of(&["pending", "error"]), "failure");
        assert_eq!(of(&["success", "failure"]), "failure");
    }
}
