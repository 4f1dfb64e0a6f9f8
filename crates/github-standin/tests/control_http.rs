//! The `/_standin/` control API: what another process sets up is what GitHub's API then
//! answers, and the state reads back as JSON. Control calls are never checked against
//! GitHub's description nor recorded as requests.
mod common;

use common::Api;
use github_standin::Standin;
use serde_json::json;

#[tokio::test]
async fn control_endpoints_set_up_what_the_api_answers() {
    let standin = Standin::start_with_prefix("/api/v3").await;
    let control = Api::new(&standin.url());
    let api = Api::new(&standin.api_url());
    assert!(standin.api_url().ends_with("/api/v3"));

    for (sha, parents) in [
        ("aaaaaaa1", json!([])),
        ("bbbbbbb2", json!(["aaaaaaa1"])),
        ("ccccccc3", json!(["bbbbbbb2"])),
    ] {
        let (status, _) = control
            .post("/_standin/commits", json!({"sha": sha, "parents": parents}))
            .await;
        assert_eq!(status, 201);
    }
    let (status, _) = control
        .post(
            "/_standin/pulls",
            json!({"number": 7, "author": "alice", "head_sha": "bbbbbbb2", "base_ref": "main",
                   "merged": true, "merge_commit_sha": "ccccccc3"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, review) = control
        .post(
            "/_standin/reviews",
            json!({"pr": 7, "login": "bob", "state": "APPROVED", "commit_id": "bbbbbbb2"}),
        )
        .await;
    assert_eq!(status, 201);
    assert!(review["id"].as_u64().is_some());
    let (status, _) = control
        .post(
            "/_standin/team-members",
            json!({"org": "octo", "slug": "platform", "login": "bob"}),
        )
        .await;
    assert_eq!(status, 201);

    // GitHub's API now answers from that state.
    let (_, prs) = api.get("/repos/octo/repo/commits/ccccccc3/pulls").await;
    assert_eq!(prs[0]["number"], 7, "the merge commit lists its PR");
    assert!(prs[0]["merged_at"].is_string());
    let (_, pr) = api.get("/repos/octo/repo/pulls/7").await;
    assert_eq!(pr["user"]["login"], "alice");
    assert_eq!(pr["head"]["sha"], "bbbbbbb2");
    assert_eq!(pr["merge_commit_sha"], "ccccccc3");
    assert_eq!(
        (pr["state"].as_str(), pr["merged"].as_bool()),
        (Some("closed"), Some(true))
    );
    let (_, reviews) = api.get("/repos/octo/repo/pulls/7/reviews").await;
    assert_eq!(reviews[0]["user"]["login"], "bob");
    assert_eq!(reviews[0]["commit_id"], "bbbbbbb2");
    assert_eq!(reviews[0]["state"], "APPROVED");
    assert!(reviews[0]["submitted_at"].is_string());
    let (status, member) = api.get("/orgs/octo/teams/platform/memberships/bob").await;
    assert_eq!((status, member["state"].as_str()), (200, Some("active")));
    let (status, _) = api.get("/orgs/octo/teams/platform/memberships/alice").await;
    assert_eq!(status, 404);
    let (_, compare) = api
        .get("/repos/octo/repo/compare/aaaaaaa1...ccccccc3")
        .await;
    assert_eq!(compare["status"], "ahead");

    // The whole state as JSON, and the violations (none) for the sandbox to check.
    let (status, state) = control.get("/_standin/state").await;
    assert_eq!(status, 200);
    assert_eq!(state["commits"]["bbbbbbb2"], json!(["aaaaaaa1"]));
    assert_eq!(state["pulls"]["7"]["author"], "alice");
    assert_eq!(state["reviews"][0]["login"], "bob");
    assert_eq!(
        state["requests"].as_array().map(Vec::len),
        Some(6),
        "API calls only"
    );
    let (status, violations) = control.get("/_standin/violations").await;
    assert_eq!((status, violations), (200, json!([])));
}

#[tokio::test]
async fn a_bad_control_body_is_refused_with_the_reason() {
    let standin = Standin::start().await;
    let control = Api::new(&standin.url());
    let (status, answer) = control
        .post("/_standin/reviews", json!({"pr": 7, "login": "bob"}))
        .await;
    assert_eq!(status, 400);
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("/_standin/reviews") && message.contains("state"),
        "{message}"
    );
    let (status, answer) = control
        .post(
            "/_standin/pulls",
            json!({"number": 1, "author": "a", "head_sha": "b", "surprise": 1}),
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or_default()
            .contains("surprise")
    );
    let (status, answer) = control.get("/_standin/nothing").await;
    assert_eq!(status, 404);
    assert!(
        answer["endpoints"]
            .as_str()
            .unwrap_or_default()
            .contains("POST commits")
    );
    assert!(
        standin.requests().is_empty(),
        "control calls are not GitHub requests"
    );
    assert!(standin.violations().is_empty());
}

#[tokio::test]
async fn merge_and_faults_over_http() {
    let standin = Standin::start().await;
    let control = Api::new(&standin.url());
    let api = Api::new(&standin.api_url());
    control
        .post(
            "/_standin/commits",
            json!({"sha": "aaaaaaa1", "parents": []}),
        )
        .await;
    control
        .post(
            "/_standin/commits",
            json!({"sha": "bbbbbbb2", "parents": ["aaaaaaa1"]}),
        )
        .await;
    control
        .post(
            "/_standin/branches",
            json!({"name": "main", "sha": "aaaaaaa1"}),
        )
        .await;
    control
        .post(
            "/_standin/pulls",
            json!({"number": 3, "author": "alice", "head_sha": "bbbbbbb2"}),
        )
        .await;
    let (status, _) = control
        .post("/_standin/merge", json!({"pr": 3, "sha": "ccccccc3"}))
        .await;
    assert_eq!(status, 201);
    let (_, prs) = api.get("/repos/octo/repo/commits/ccccccc3/pulls").await;
    assert_eq!(prs[0]["number"], 3);
    assert!(prs[0]["merged_at"].is_string());
    let (_, compare) = api.get("/repos/octo/repo/compare/aaaaaaa1...main").await;
    assert_eq!(
        (compare["status"].as_str(), compare["ahead_by"].as_u64()),
        (Some("ahead"), Some(2))
    );
    let (status, refused) = control
        .post("/_standin/merge", json!({"pr": 3, "sha": "ddddddd4"}))
        .await;
    assert_eq!(status, 422);
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("already merged")
    );

    let (status, _) = control
        .post(
            "/_standin/faults",
            json!({"operation": "repos/create-commit-status", "status": 503, "message": "GitHub is down"}),
        )
        .await;
    assert_eq!(status, 201);
    let status_body = json!({"state": "success", "context": "tfpromote/dev"});
    let (status, down) = api
        .post("/repos/octo/repo/statuses/ccccccc3", status_body.clone())
        .await;
    assert_eq!(
        (status, down["message"].as_str()),
        (503, Some("GitHub is down"))
    );
    assert!(
        standin.statuses("ccccccc3").is_empty(),
        "a fault before has no effect"
    );
    let (status, _) = api
        .post("/repos/octo/repo/statuses/ccccccc3", status_body)
        .await;
    assert_eq!(status, 201, "one time by default");
    assert_eq!(standin.violations(), Vec::<String>::new());
}
