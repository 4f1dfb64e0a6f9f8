//! Issue and pull request comments (the PR tracker comment lives here).

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{Comment, CommentEdit, State, now};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "issues/list-comments" => {
            let number = call.number("issue_number")?;
            let template = call.example_item();
            let all: Vec<Comment> = state
                .comments
                .iter()
                .filter(|c| c.pr == number)
                .cloned()
                .collect();
            let items = all
                .iter()
                .map(|c| comment_json(state, call, c, &template))
                .collect();
            call.page(items)
        }
        "issues/create-comment" => {
            let number = call.number("issue_number")?;
            let body = call.body_str("body").unwrap_or_default().to_string();
            let id = state.add_comment(number, &call.actor, &body);
            let c = state.comments.iter().find(|c| c.id == id)?.clone();
            Reply::json(201, comment_json(state, call, &c, &call.op.example))
        }
        "issues/update-comment" => {
            let id = call.number("comment_id")?;
            let body = call.body_str("body").unwrap_or_default().to_string();
            let Some(c) = state.comments.iter_mut().find(|c| c.id == id) else {
                return Some(Reply::not_found());
            };
            // GitHub keeps an edit history (GraphQL `userContentEdits`): who, and what the
            // body was; the author stays the original one.
            let previous = std::mem::replace(&mut c.body, body);
            let c = c.clone();
            state.comment_edits.push(CommentEdit {
                comment_id: id,
                editor: call.actor.clone(),
                previous,
                at: now(),
            });
            Reply::json(200, comment_json(state, call, &c, &call.op.example))
        }
        "issues/delete-comment" => {
            let id = call.number("comment_id")?;
            let before = state.comments.len();
            state.comments.retain(|c| c.id != id);
            if before == state.comments.len() {
                Reply::not_found()
            } else {
                Reply::empty(204)
            }
        }
        _ => return None,
    };
    Some(reply)
}

fn comment_json(state: &mut State, call: &Call, c: &Comment, example: &Value) -> Value {
    let mut v = example.clone();
    v["id"] = json!(c.id);
    v["body"] = json!(c.body);
    v["html_url"] = json!(format!(
        "{}/pull/{}#issuecomment-{}",
        call.html_url(),
        c.pr,
        c.id
    ));
    v["url"] = json!(format!("{}/issues/comments/{}", call.repo_url(), c.id));
    v["issue_url"] = json!(format!("{}/issues/{}", call.repo_url(), c.pr));
    v["user"] = user_json(state, &example["user"], &c.author);
    v
}
