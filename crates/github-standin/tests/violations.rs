//! Requests that GitHub's REST description does not allow are answered as GitHub would
//! (404 for an undocumented route) and recorded as violations, never silently accepted.
mod common;

use common::Api;
use github_standin::{Fault, Standin};
use serde_json::json;

#[tokio::test]
async fn requests_outside_the_description_are_recorded() {
    let standin = Standin::start().await;
    let api = Api::new(&standin.api_url());

    // octocrab's old update_comment: POST where GitHub documents PATCH.
    let (status, _) = api
        .post("/repos/octo/repo/issues/comments/5", json!({"body": "x"}))
        .await;
    assert_eq!(status, 404);
    // A state GitHub does not know, and a description over 140 characters is fine by the
    // schema, but `state` must be one of the enum.
    api.post(
        "/repos/octo/repo/statuses/abc",
        json!({"state": "done", "context": "c"}),
    )
    .await;
    // An undeclared query parameter.
    api.get("/repos/octo/repo/deployments?env=prod").await;
    // Deployments need `ref`.
    api.post(
        "/repos/octo/repo/deployments",
        json!({"environment": "prod"}),
    )
    .await;

    let violations = standin.violations();
    assert_eq!(violations.len(), 4, "{violations:#?}");
    assert!(violations[0].contains("POST /repos/octo/repo/issues/comments/5: no such operation"));
    assert!(
        violations[1].starts_with("repos/create-commit-status: body:")
            && violations[1].contains("done")
    );
    assert!(violations[2].contains("repos/list-deployments: undeclared query parameter env"));
    assert!(
        violations[3].starts_with("repos/create-deployment: body:")
            && violations[3].contains("ref")
    );
    let recorded = standin.requests();
    assert_eq!(recorded.len(), 4);
    assert_eq!(recorded[2].operation, "repos/list-deployments");
}

#[tokio::test]
async fn a_request_without_a_token_is_a_violation() {
    let standin = Standin::start().await;
    let response = reqwest::get(format!("{}/users/alice", standin.api_url()))
        .await
        .expect("answers");
    assert_eq!(response.status().as_u16(), 404, "unknown user");
    assert_eq!(standin.violations(), ["users/get-by-username: no token"]);
}

#[tokio::test]
async fn injected_faults_hit_the_named_operation_only() {
    let standin = Standin::start().await;
    let api = Api::new(&standin.api_url());
    standin.inject("repos/create-deployment", Fault::After(502), 1);
    standin.inject("repos/list-deployments", Fault::secondary_rate_limit(3), 1);
    let (status, _) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": "abcdef1", "required_contexts": []}),
        )
        .await;
    assert_eq!(status, 502);
    assert_eq!(
        standin.deployments().len(),
        1,
        "After: performed, then the error"
    );
    let (status, body) = api.get("/repos/octo/repo/deployments").await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("secondary rate limit")
    );
    let (status, list) = api.get("/repos/octo/repo/deployments").await;
    assert_eq!(
        (status, list.as_array().map(Vec::len)),
        (200, Some(1)),
        "one time only"
    );
    assert!(standin.violations().is_empty());
}
