//! Environment approvals recorded on a workflow run: who approved `prod` for this very run.

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{RunApproval, State};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "actions/get-reviews-for-run" => {
            let run = call.number("run_id")?;
            let template = call.example_item();
            let env_template = template["environments"]
                .as_array()
                .and_then(|e| e.first())
                .cloned()
                .unwrap_or(Value::Null);
            let approvals: Vec<RunApproval> = state
                .run_approvals
                .iter()
                .filter(|a| a.run_id == run)
                .cloned()
                .collect();
            let items = approvals
                .iter()
                .map(|a| {
                    let mut v = template.clone();
                    v["state"] = json!(a.state);
                    v["comment"] = json!(a.comment);
                    v["user"] = user_json(state, &template["user"], &a.login);
                    v["environments"] = a
                        .environments
                        .iter()
                        .map(|name| {
                            let mut e = env_template.clone();
                            if let Some(known) = state.environments.iter().find(|e| &e.name == name)
                            {
                                e["id"] = json!(known.id);
                            }
                            e["name"] = json!(name);
                            e["url"] = json!(format!("{}/environments/{name}", call.repo_url()));
                            e
                        })
                        .collect();
                    v
                })
                .collect();
            Reply::json(200, Value::Array(items))
        }
        _ => return None,
    };
    Some(reply)
}
