//! Issues as the drift check uses them: open one, find it by label and creator, update
//! its body, close it.
mod common;

use common::Api;
use github_standin::{BOT, Standin};
use serde_json::json;

#[tokio::test]
async fn drift_issue_lifecycle() {
    let standin = Standin::start().await;
    standin.add_comment(3, "someone", "a PR comment takes number 3");
    let api = Api::new(&standin.api_url());

    let (status, created) = api
        .post(
            "/repos/octo/repo/issues",
            json!({"title": "Drift in prod", "body": "3 to change", "labels": ["tfpromote-drift", "env:prod"]}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let number = created["number"].as_u64().expect("number");
    assert_eq!(number, 4, "issues and PRs share one sequence");
    assert_eq!(created["user"]["login"], BOT);
    assert_eq!(created["labels"][1]["name"], "env:prod");
    api.post(
        "/repos/octo/repo/issues",
        json!({"title": "unrelated", "labels": [{"name": "bug"}]}),
    )
    .await;

    let (_, found) = api
        .get(&format!(
            "/repos/octo/repo/issues?state=open&labels=tfpromote-drift,env:prod&creator={BOT}"
        ))
        .await;
    let numbers: Vec<u64> = found
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|i| i["number"].as_u64())
        .collect();
    assert_eq!(numbers, [number]);
    let (_, by_other) = api
        .get("/repos/octo/repo/issues?creator=someone-else")
        .await;
    assert_eq!(by_other, json!([]));

    let (status, updated) = api
        .patch(
            &format!("/repos/octo/repo/issues/{number}"),
            json!({"body": "5 to change"}),
        )
        .await;
    assert_eq!(
        (status, updated["body"].as_str()),
        (200, Some("5 to change"))
    );
    assert_eq!(updated["title"], "Drift in prod", "untouched fields stay");
    let (status, closed) = api
        .patch(
            &format!("/repos/octo/repo/issues/{number}"),
            json!({"state": "closed", "state_reason": "completed"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (closed["state"].as_str(), closed["state_reason"].as_str()),
        (Some("closed"), Some("completed"))
    );
    assert!(closed["closed_at"].is_string());

    let (_, open) = api
        .get("/repos/octo/repo/issues?labels=tfpromote-drift")
        .await;
    assert_eq!(open, json!([]), "open is the default state filter");
    let (_, all) = api
        .get("/repos/octo/repo/issues?state=all&labels=tfpromote-drift")
        .await;
    assert_eq!(all.as_array().map(Vec::len), Some(1));
    let (status, _) = api
        .patch("/repos/octo/repo/issues/99", json!({"body": "x"}))
        .await;
    assert_eq!(status, 404);
    let issues = standin.issues();
    assert_eq!(
        (issues[0].state.as_str(), issues[0].body.as_deref()),
        ("closed", Some("5 to change"))
    );

    // A comment on the issue goes through the comment operations.
    let (status, _) = api
        .post(
            &format!("/repos/octo/repo/issues/{number}/comments"),
            json!({"body": "still drifting"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(standin.comments(number).len(), 1);
    assert_eq!(standin.violations(), Vec::<String>::new());
}
