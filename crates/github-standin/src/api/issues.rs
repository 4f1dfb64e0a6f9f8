//! Issues (drift reports): list with filters, create, get, update. Issue numbers share one
//! sequence with pull requests, as on GitHub.

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{Issue, State, now};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "issues/list-for-repo" => {
            let wanted_state = call.query("state").unwrap_or("open");
            let labels: Vec<&str> = call
                .query("labels")
                .map(|l| {
                    l.split(',')
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let creator = call.query("creator");
            let mut found: Vec<Issue> = state
                .issues
                .iter()
                .filter(|i| wanted_state == "all" || i.state == wanted_state)
                .filter(|i| labels.iter().all(|l| i.labels.iter().any(|have| have == l)))
                .filter(|i| creator.is_none_or(|c| i.creator.eq_ignore_ascii_case(c)))
                .cloned()
                .collect();
            // GitHub's default sort: newest first.
            if call.query("direction") == Some("asc") {
                found.sort_by_key(|i| i.number);
            } else {
                found.sort_by_key(|i| std::cmp::Reverse(i.number));
            }
            let template = call.example_item();
            let items = found
                .iter()
                .map(|i| issue_json(state, call, i, &template))
                .collect();
            call.page(items)
        }
        "issues/create" => {
            let number = state
                .issues
                .iter()
                .map(|i| i.number)
                .chain(state.pulls.keys().copied())
                .chain(state.comments.iter().map(|c| c.pr))
                .max()
                .unwrap_or(0)
                + 1;
            let at = now();
            let issue = Issue {
                number,
                title: title(&call.body["title"]),
                body: call.body_str("body").map(str::to_string),
                state: "open".into(),
                state_reason: None,
                labels: Vec::new(),
                creator: call.actor.clone(),
                created_at: at.clone(),
                updated_at: at,
                closed_at: None,
            };
            state.issues.push(issue);
            // Labels given at creation are label changes too: GitHub records who added them.
            let _created = state.set_labels(number, &labels(&call.body["labels"]), &call.actor);
            let Some(issue) = state.issues.iter().find(|i| i.number == number).cloned() else {
                return Some(Reply::not_found());
            };
            Reply::json(201, issue_json(state, call, &issue, &call.op.example))
        }
        "issues/get" => {
            let number = call.number("issue_number")?;
            match state.issues.iter().find(|i| i.number == number).cloned() {
                Some(i) => Reply::json(200, issue_json(state, call, &i, &call.op.example)),
                None => Reply::not_found(),
            }
        }
        "issues/update" => {
            let number = call.number("issue_number")?;
            let Some(issue) = state.issues.iter_mut().find(|i| i.number == number) else {
                return Some(Reply::not_found());
            };
            let body = &call.body;
            if body.get("title").is_some_and(|t| !t.is_null()) {
                issue.title = title(&body["title"]);
            }
            if let Some(text) = body.get("body") {
                issue.body = text.as_str().map(str::to_string);
            }
            if let Some(new_state) = body.get("state").and_then(Value::as_str) {
                if new_state == "closed" && issue.state != "closed" {
                    issue.closed_at = Some(now());
                    issue.state_reason = Some(
                        call.body_str("state_reason")
                            .unwrap_or("completed")
                            .to_string(),
                    );
                } else if new_state == "open" && issue.state == "closed" {
                    issue.closed_at = None;
                    issue.state_reason = Some("reopened".into());
                }
                issue.state = new_state.to_string();
            }
            issue.updated_at = now();
            if body.get("labels").is_some() {
                let _known = state.set_labels(number, &labels(&body["labels"]), &call.actor);
            }
            let Some(issue) = state.issues.iter().find(|i| i.number == number).cloned() else {
                return Some(Reply::not_found());
            };
            Reply::json(200, issue_json(state, call, &issue, &call.op.example))
        }
        _ => return None,
    };
    Some(reply)
}

/// The description allows a string or an integer title.
fn title(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Labels are names or `{name}` objects.
pub fn labels(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            l.as_str()
                .or_else(|| l["name"].as_str())
                .map(str::to_string)
        })
        .collect()
}

fn issue_json(state: &mut State, call: &Call, i: &Issue, template: &Value) -> Value {
    let mut v = template.clone();
    let n = i.number;
    v["id"] = json!(200_000 + n);
    v["number"] = json!(n);
    v["title"] = json!(i.title);
    v["body"] = json!(i.body);
    v["state"] = json!(i.state);
    v["state_reason"] = json!(i.state_reason);
    v["labels"] = labels_json(&v["labels"], &i.labels, &call.repo_url());
    v["user"] = user_json(state, &template["user"], &i.creator);
    v["assignee"] = Value::Null;
    v["assignees"] = json!([]);
    v["milestone"] = Value::Null;
    if let Some(obj) = v.as_object_mut() {
        obj.remove("pull_request");
    }
    v["comments"] = json!(state.comments.iter().filter(|c| c.pr == n).count());
    v["created_at"] = json!(i.created_at);
    v["updated_at"] = json!(i.updated_at);
    v["closed_at"] = json!(i.closed_at);
    v["url"] = json!(format!("{}/issues/{n}", call.repo_url()));
    v["comments_url"] = json!(format!("{}/issues/{n}/comments", call.repo_url()));
    v["html_url"] = json!(format!("{}/issues/{n}", call.html_url()));
    v["repository_url"] = json!(call.repo_url());
    v
}

/// An issue's or pull request's `labels` array: each name in the shape of the
/// description's first example label.
pub(super) fn labels_json(examples: &Value, names: &[String], repo_url: &str) -> Value {
    let template = examples
        .as_array()
        .and_then(|l| l.first())
        .cloned()
        .unwrap_or_else(|| json!({}));
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let mut l = template.clone();
            l["id"] = json!(k + 1);
            l["name"] = json!(name);
            l["url"] = json!(format!("{repo_url}/labels/{name}"));
            l
        })
        .collect()
}
