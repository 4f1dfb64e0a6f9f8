//! Who changed an issue's or pull request's labels, and who may write: the issue events
//! list (`labeled`, `unlabeled`, `head_ref_force_pushed`, each with its actor, the app it
//! acted through and its time), label changes through the API (recorded as events under the
//! token's owner: a workflow's `GITHUB_TOKEN` is `github-actions[bot]`, type `Bot`), and a
//! user's permission on the repository.

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{IssueEvent, State};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "issues/list-events" => {
            let number = call.number("issue_number")?;
            if !exists(state, number) {
                return Some(Reply::not_found());
            }
            let template = call.example_item();
            let events: Vec<IssueEvent> = state
                .issue_events
                .iter()
                .filter(|e| e.issue == number)
                .cloned()
                .collect();
            let items = events
                .iter()
                .map(|e| event_json(state, call, e, &template))
                .collect();
            call.page(items)
        }
        "issues/add-labels" => {
            let number = call.number("issue_number")?;
            // The body is `{"labels": [...]}` (GitHub also takes the bare array).
            let names = match &call.body {
                Value::Array(_) => super::issues::labels(&call.body),
                other => super::issues::labels(&other["labels"]),
            };
            match state.add_labels(number, &names, &call.actor) {
                Ok(()) => Reply::json(200, labels_json(state, call, number)),
                Err(_) => Reply::not_found(),
            }
        }
        "issues/remove-label" => {
            let number = call.number("issue_number")?;
            let name = call.param("name").to_string();
            match state.remove_label(number, &name, &call.actor) {
                Ok(()) => Reply::json(200, labels_json(state, call, number)),
                Err(_) => Reply::message(404, "Label does not exist"),
            }
        }
        "repos/get-collaborator-permission-level" => {
            let login = call.param("username").to_string();
            if !state
                .users
                .iter()
                .any(|u| u.login.eq_ignore_ascii_case(&login))
            {
                return Some(Reply::not_found());
            }
            let permission = state.permission(&login);
            let mut v = call.op.example.clone();
            v["user"] = user_json(state, &v["user"], &login);
            // `permission` is GitHub's older four-level name; `role_name` the role itself.
            v["permission"] = json!(match permission.as_str() {
                "maintain" => "write",
                "triage" => "read",
                other => other,
            });
            v["role_name"] = json!(permission);
            Reply::json(200, v)
        }
        _ => return None,
    };
    Some(reply)
}

fn exists(state: &State, number: u64) -> bool {
    state.pulls.contains_key(&number) || state.issues.iter().any(|i| i.number == number)
}

fn labels_json(state: &State, call: &Call, number: u64) -> Value {
    let names: Vec<String> = match state.pulls.get(&number) {
        Some(p) => p.labels.clone(),
        None => state
            .issues
            .iter()
            .find(|i| i.number == number)
            .map(|i| i.labels.clone())
            .unwrap_or_default(),
    };
    let template = call.example_item();
    Value::Array(
        names
            .iter()
            .enumerate()
            .map(|(k, name)| label_json(call, &template, name, k as u64 + 1))
            .collect(),
    )
}

fn label_json(call: &Call, template: &Value, name: &str, id: u64) -> Value {
    let mut l = if template.is_object() {
        template.clone()
    } else {
        json!({})
    };
    l["id"] = json!(id);
    l["name"] = json!(name);
    l["url"] = json!(format!("{}/labels/{name}", call.repo_url()));
    l
}

fn event_json(state: &mut State, call: &Call, e: &IssueEvent, template: &Value) -> Value {
    let mut v = template.clone();
    v["id"] = json!(e.id);
    v["url"] = json!(format!("{}/issues/events/{}", call.repo_url(), e.id));
    v["actor"] = user_json(state, &template["actor"], &e.actor);
    v["event"] = json!(e.event);
    v["commit_id"] = Value::Null;
    v["commit_url"] = Value::Null;
    v["created_at"] = json!(e.created_at);
    v["performed_via_github_app"] = match &e.via_app {
        Some(slug) => json!({
            "id": 15368,
            "slug": slug,
            "name": "GitHub Actions",
            "owner": {"login": "github", "type": "Organization"},
        }),
        None => Value::Null,
    };
    match &e.label {
        Some(name) => v["label"] = json!({"name": name, "color": "ededed"}),
        None => {
            if let Some(obj) = v.as_object_mut() {
                obj.remove("label");
            }
        }
    }
    v
}
