//! Workflow runs and their jobs (the Actions API): what ran, for which event, on which
//! branch and commit, and how each job ended. Runs are set up by the test or the sandbox,
//! which play GitHub's runner; a token cannot create them through the API, exactly as on
//! GitHub, where only an event (a push, a dispatch) starts a run.

use serde_json::{Value, json};

use super::{Call, Reply};
use crate::state::{Job, State, WorkflowRun};

pub fn perform(state: &mut State, call: &Call, id: &str) -> Option<Reply> {
    let reply = match id {
        "actions/list-workflow-runs" => {
            let workflow = call.param("workflow_id");
            let template = call.op.example["workflow_runs"]
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            let filter = |key: &str, value: &str| call.query(key).is_none_or(|q| q == value);
            // Newest first, as GitHub lists them.
            let runs: Vec<&WorkflowRun> = state
                .runs
                .iter()
                .rev()
                .filter(|r| names(r, workflow))
                .filter(|r| filter("event", &r.event))
                .filter(|r| filter("branch", &r.head_branch))
                .filter(|r| filter("head_sha", &r.head_sha))
                .collect();
            let items: Vec<Value> = runs.iter().map(|r| run_json(call, r, &template)).collect();
            let total = items.len();
            let (page, link) = call.page_of(items);
            let mut reply = Reply::json(200, json!({"total_count": total, "workflow_runs": page}));
            reply.headers.extend(link);
            reply
        }
        "actions/get-workflow-run" => {
            let run_id = call.number("run_id")?;
            let Some(run) = state.runs.iter().find(|r| r.id == run_id) else {
                return Some(Reply::not_found());
            };
            Reply::json(200, run_json(call, run, &call.op.example))
        }
        "actions/re-run-workflow" => {
            // A new attempt of the same run: same event, ref and commit; its jobs queue again
            // (the jobs list shows the latest attempt). GitHub refuses a run still going.
            let run_id = call.number("run_id")?;
            let Some(run) = state.runs.iter_mut().find(|r| r.id == run_id) else {
                return Some(Reply::not_found());
            };
            if run.jobs.iter().any(|j| j.status != "completed") {
                return Some(Reply::json(
                    403,
                    json!({"message": "This workflow is already running"}),
                ));
            }
            for job in &mut run.jobs {
                job.status = "queued".into();
                job.conclusion = None;
            }
            state.reruns.push(run_id);
            Reply::json(201, json!({}))
        }
        "actions/list-jobs-for-workflow-run" => {
            let run_id = call.number("run_id")?;
            let Some(run) = state.runs.iter().find(|r| r.id == run_id) else {
                return Some(Reply::not_found());
            };
            let template = call.op.example["jobs"]
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            let items: Vec<Value> = run
                .jobs
                .iter()
                .map(|j| job_json(call, run, j, &template))
                .collect();
            let total = items.len();
            let (page, link) = call.page_of(items);
            let mut reply = Reply::json(200, json!({"total_count": total, "jobs": page}));
            reply.headers.extend(link);
            reply
        }
        _ => return None,
    };
    Some(reply)
}

/// `workflow_id` is the workflow's file name (`promote.yml`) or a number; the stand-in has
/// no workflow ids of its own, so a number names nothing.
fn names(run: &WorkflowRun, workflow: &str) -> bool {
    run.path.rsplit('/').next() == Some(workflow) || run.path == workflow
}

fn run_json(call: &Call, r: &WorkflowRun, template: &Value) -> Value {
    let mut v = template.clone();
    let completed = r.jobs.iter().all(|j| j.status == "completed") && !r.jobs.is_empty();
    let conclusion = completed.then(|| {
        if r.jobs
            .iter()
            .all(|j| matches!(j.conclusion.as_deref(), Some("success" | "skipped")))
        {
            "success"
        } else {
            "failure"
        }
    });
    v["id"] = json!(r.id);
    v["path"] = json!(r.path);
    v["event"] = json!(r.event);
    v["head_branch"] = json!(r.head_branch);
    v["head_sha"] = json!(r.head_sha);
    v["status"] = json!(if completed {
        "completed"
    } else {
        "in_progress"
    });
    v["conclusion"] = json!(conclusion);
    v["run_attempt"] = json!(1);
    v["actor"]["login"] = json!(r.actor);
    v["triggering_actor"]["login"] = json!(r.actor);
    v["url"] = json!(format!("{}/actions/runs/{}", call.repo_url(), r.id));
    v["html_url"] = json!(format!("{}/actions/runs/{}", call.html_url(), r.id));
    v["jobs_url"] = json!(format!("{}/actions/runs/{}/jobs", call.repo_url(), r.id));
    v
}

fn job_json(call: &Call, run: &WorkflowRun, j: &Job, template: &Value) -> Value {
    let mut v = template.clone();
    v["id"] = json!(j.id);
    v["run_id"] = json!(run.id);
    v["name"] = json!(j.name);
    v["status"] = json!(j.status);
    v["conclusion"] = json!(j.conclusion);
    v["head_sha"] = json!(run.head_sha);
    v["head_branch"] = json!(run.head_branch);
    v["workflow_name"] = json!(run.path.rsplit('/').next().unwrap_or(&run.path));
    v["run_url"] = json!(format!("{}/actions/runs/{}", call.repo_url(), run.id));
    v["html_url"] = json!(format!(
        "{}/actions/runs/{}/job/{}",
        call.html_url(),
        run.id,
        j.id
    ));
    v
}
