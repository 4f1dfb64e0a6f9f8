//! Deployments and deployment statuses: the record of what was applied where.
//!
//! Creation honours GitHub's two surprising defaults, because a client that forgets them
//! fails against GitHub: `auto_merge` (true: GitHub first merges the default branch into
//! the ref when the ref lacks it) and `required_contexts` (all: every status context on the
//! commit must be success, else 409).

use serde_json::{Value, json};

use super::{Call, Reply, user_json};
use crate::state::{Deployment, DeploymentStatus, State, now};

/// The repository's default branch, the one `auto_merge` merges from.
const DEFAULT_BRANCH: &str = "main";

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "repos/create-deployment" => create(state, call),
        "repos/list-deployments" => {
            let filter = |key: &str, value: &str| call.query(key).is_none_or(|q| q == value);
            let found: Vec<Deployment> = state
                .deployments
                .iter()
                .rev()
                .filter(|d| {
                    filter("sha", &d.sha)
                        && filter("ref", &d.git_ref)
                        && filter("task", &d.task)
                        && filter("environment", &d.environment)
                })
                .cloned()
                .collect();
            let template = call.example_item();
            let items = found
                .iter()
                .map(|d| deployment_json(state, call, d, &template))
                .collect();
            call.page(items)
        }
        "repos/get-deployment" => {
            let id = call.number("deployment_id")?;
            match state.deployments.iter().find(|d| d.id == id).cloned() {
                Some(d) => Reply::json(200, deployment_json(state, call, &d, &call.op.example)),
                None => Reply::not_found(),
            }
        }
        "repos/create-deployment-status" => create_status(state, call)?,
        "repos/list-deployment-statuses" => {
            let id = call.number("deployment_id")?;
            let Some(d) = state.deployments.iter().find(|d| d.id == id).cloned() else {
                return Some(Reply::not_found());
            };
            let template = call.example_item();
            let items = d
                .statuses
                .iter()
                .rev()
                .map(|s| status_json(state, call, d.id, s, &template))
                .collect();
            call.page(items)
        }
        _ => return None,
    };
    Some(reply)
}

fn create(state: &mut State, call: &Call) -> Reply {
    let git_ref = call.body_str("ref").unwrap_or_default().to_string();
    let sha = state.resolve(&git_ref);
    let is_branch = sha != git_ref;
    let looks_like_sha =
        (7..=40).contains(&sha.len()) && sha.chars().all(|c| c.is_ascii_hexdigit());
    if !state.commits.contains_key(&sha) && !looks_like_sha {
        return Reply::message(422, &format!("No ref found for: {git_ref}"));
    }
    if call
        .body
        .get("auto_merge")
        .and_then(Value::as_bool)
        .unwrap_or(true)
        && let Some(main) = state.branches.get(DEFAULT_BRANCH).cloned()
        && state
            .compare(&sha, &main)
            .is_some_and(|c| c.status == "ahead" || c.status == "diverged")
    {
        // The ref lacks the default branch's head: GitHub merges it in instead of deploying
        // (a bare SHA cannot take a merge).
        return if is_branch {
            Reply::json(
                202,
                json!({"message": format!("Auto-merged {DEFAULT_BRANCH} into {git_ref} on deployment.")}),
            )
        } else {
            Reply::message(
                409,
                &format!("Conflict merging {DEFAULT_BRANCH} into {git_ref}."),
            )
        };
    }
    let required: Option<Vec<String>> = call.body.get("required_contexts").map(|v| {
        v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect()
    });
    let latest: Vec<(String, String)> = state
        .latest_statuses(&sha)
        .iter()
        .map(|s| (s.context.clone(), s.state.clone()))
        .collect();
    let failing: Vec<Value> = match &required {
        None => latest
            .iter()
            .filter(|(_, st)| st != "success")
            .map(|(c, st)| json!({"context": c, "state": st}))
            .collect(),
        Some(contexts) => contexts
            .iter()
            .filter_map(|c| {
                let st = latest
                    .iter()
                    .find(|(name, _)| name == c)
                    .map(|(_, st)| st.as_str());
                (st != Some("success"))
                    .then(|| json!({"context": c, "state": st.unwrap_or("missing")}))
            })
            .collect(),
    };
    if !failing.is_empty() {
        return Reply::json(
            409,
            json!({
                "message": format!("Conflict: Commit status checks failed for {git_ref}."),
                "errors": [{"contexts": failing, "resource": "Deployment", "field": "required_contexts", "code": "invalid"}],
                "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment",
            }),
        );
    }
    let environment = call
        .body_str("environment")
        .unwrap_or("production")
        .to_string();
    let id = state.next_id();
    let deployment = Deployment {
        id,
        sha,
        git_ref,
        task: call.body_str("task").unwrap_or("deploy").to_string(),
        payload: call
            .body
            .get("payload")
            .cloned()
            .unwrap_or_else(|| json!({})),
        description: call.body_str("description").map(str::to_string),
        production_environment: call
            .body
            .get("production_environment")
            .and_then(Value::as_bool)
            .unwrap_or(environment == "production"),
        transient_environment: call
            .body
            .get("transient_environment")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        environment,
        creator: call.actor.clone(),
        created_at: now(),
        statuses: Vec::new(),
    };
    state.deployments.push(deployment.clone());
    Reply::json(
        201,
        deployment_json(state, call, &deployment, &call.op.example),
    )
}

fn create_status(state: &mut State, call: &Call) -> Option<Reply> {
    let id = call.number("deployment_id")?;
    let status_id = state.next_id();
    let Some(index) = state.deployments.iter().position(|d| d.id == id) else {
        return Some(Reply::not_found());
    };
    let text = |key: &str| call.body_str(key).unwrap_or_default().to_string();
    let state_name = text("state");
    if let Some(environment) = call.body_str("environment") {
        state.deployments[index].environment = environment.to_string();
    }
    let environment = state.deployments[index].environment.clone();
    let status = DeploymentStatus {
        id: status_id,
        state: state_name.clone(),
        description: text("description"),
        environment: environment.clone(),
        environment_url: text("environment_url"),
        log_url: call
            .body_str("log_url")
            .or(call.body_str("target_url"))
            .unwrap_or_default()
            .to_string(),
        creator: call.actor.clone(),
        created_at: now(),
    };
    state.deployments[index].statuses.push(status.clone());
    let auto_inactive = call
        .body
        .get("auto_inactive")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if state_name == "success" && auto_inactive {
        let mut earlier: Vec<usize> = Vec::new();
        for (i, d) in state.deployments.iter().enumerate() {
            if d.id < id
                && d.environment == environment
                && d.statuses.last().is_some_and(|s| s.state == "success")
            {
                earlier.push(i);
            }
        }
        for i in earlier {
            let inactive_id = state.next_id();
            let d = &mut state.deployments[i];
            d.statuses.push(DeploymentStatus {
                id: inactive_id,
                state: "inactive".into(),
                description: String::new(),
                environment: d.environment.clone(),
                environment_url: String::new(),
                log_url: String::new(),
                creator: call.actor.clone(),
                created_at: now(),
            });
        }
    }
    Some(Reply::json(
        201,
        status_json(state, call, id, &status, &call.op.example),
    ))
}

fn deployment_json(state: &mut State, call: &Call, d: &Deployment, template: &Value) -> Value {
    let mut v = template.clone();
    let url = format!("{}/deployments/{}", call.repo_url(), d.id);
    v["id"] = json!(d.id);
    v["sha"] = json!(d.sha);
    v["ref"] = json!(d.git_ref);
    v["task"] = json!(d.task);
    v["payload"] = d.payload.clone();
    v["environment"] = json!(d.environment);
    v["original_environment"] = json!(d.environment);
    v["description"] = json!(d.description);
    v["production_environment"] = json!(d.production_environment);
    v["transient_environment"] = json!(d.transient_environment);
    v["creator"] = user_json(state, &template["creator"], &d.creator);
    v["created_at"] = json!(d.created_at);
    v["updated_at"] = json!(d.statuses.last().map_or(&d.created_at, |s| &s.created_at));
    v["statuses_url"] = json!(format!("{url}/statuses"));
    v["repository_url"] = json!(call.repo_url());
    v["url"] = json!(url);
    v
}

fn status_json(
    state: &mut State,
    call: &Call,
    deployment: u64,
    s: &DeploymentStatus,
    template: &Value,
) -> Value {
    let mut v = template.clone();
    let url = format!("{}/deployments/{deployment}", call.repo_url());
    v["id"] = json!(s.id);
    v["state"] = json!(s.state);
    v["description"] = json!(s.description);
    v["environment"] = json!(s.environment);
    v["environment_url"] = json!(s.environment_url);
    v["log_url"] = json!(s.log_url);
    v["target_url"] = json!(s.log_url);
    v["creator"] = user_json(state, &template["creator"], &s.creator);
    v["created_at"] = json!(s.created_at);
    v["updated_at"] = json!(s.created_at);
    v["url"] = json!(format!("{url}/statuses/{}", s.id));
    v["deployment_url"] = json!(url);
    v["repository_url"] = json!(call.repo_url());
    v
}
