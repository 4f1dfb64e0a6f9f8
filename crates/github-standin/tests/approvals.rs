//! Environment approvals of a workflow run, set up in-process and over HTTP.
mod common;

use common::Api;
use github_standin::{RunApproval, Standin};
use serde_json::json;

#[tokio::test]
async fn run_approvals_list_who_approved_which_environment() {
    let standin = Standin::start().await;
    standin.add_run_approval(RunApproval {
        run_id: 42,
        environments: vec!["prod".into()],
        state: "approved".into(),
        login: "carol".into(),
        comment: "ship it".into(),
    });
    let control = Api::new(&standin.url());
    let (status, _) = control
        .post(
            "/_standin/approvals",
            json!({"run_id": 42, "environments": ["stage"], "state": "rejected", "login": "dave"}),
        )
        .await;
    assert_eq!(status, 201);
    let api = Api::new(&standin.api_url());
    let (status, approvals) = api.get("/repos/octo/repo/actions/runs/42/approvals").await;
    assert_eq!(status, 200);
    assert_eq!(approvals[0]["user"]["login"], "carol");
    assert_eq!(approvals[0]["state"], "approved");
    assert_eq!(approvals[0]["environments"][0]["name"], "prod");
    assert_eq!(approvals[0]["comment"], "ship it");
    assert_eq!(approvals[1]["state"], "rejected");
    let (_, none) = api.get("/repos/octo/repo/actions/runs/43/approvals").await;
    assert_eq!(none, json!([]));
    assert_eq!(standin.violations(), Vec::<String>::new());
}
