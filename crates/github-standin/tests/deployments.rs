//! Deployments as GitHub records them: the 409 of `required_contexts`, the 202/409 of
//! `auto_merge`, newest-first filters, and `auto_inactive` on a new success.
mod common;

use common::Api;
use github_standin::Standin;
use serde_json::json;

const SHA: &str = "1111111111111111111111111111111111111111";

fn deploy(environment: &str, sha: &str) -> serde_json::Value {
    json!({"ref": sha, "environment": environment, "task": "tfpromote:apply",
           "auto_merge": false, "required_contexts": [], "payload": {"fingerprint": "abc"},
           "production_environment": environment == "prod", "description": "apply"})
}

#[tokio::test]
async fn default_required_contexts_refuse_a_commit_with_a_pending_status() {
    let standin = Standin::start().await;
    standin.add_commit(SHA, &[]);
    let api = Api::new(&standin.api_url());
    let (status, _) = api
        .post(
            &format!("/repos/octo/repo/statuses/{SHA}"),
            json!({"state": "pending", "context": "tfpromote/prod"}),
        )
        .await;
    assert_eq!(status, 201);

    // Defaults: auto_merge true (no main branch set here), required_contexts = all.
    let (status, refused) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": SHA, "environment": "prod"}),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("status checks failed")
    );
    assert_eq!(
        refused["errors"][0]["contexts"][0]["context"],
        "tfpromote/prod"
    );
    assert!(standin.deployments().is_empty());

    // Naming a context that is not success refuses too; naming none passes.
    let (status, _) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": SHA, "environment": "prod", "required_contexts": ["tfpromote/prod"]}),
        )
        .await;
    assert_eq!(status, 409);
    let (status, created) = api
        .post("/repos/octo/repo/deployments", deploy("prod", SHA))
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["sha"], SHA);
    assert_eq!(created["task"], "tfpromote:apply");
    assert_eq!(created["payload"]["fingerprint"], "abc");
    assert_eq!(created["production_environment"], true);

    // Once the status is success, the default (all contexts) passes as well.
    api.post(
        &format!("/repos/octo/repo/statuses/{SHA}"),
        json!({"state": "success", "context": "tfpromote/prod"}),
    )
    .await;
    let (status, _) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": SHA, "environment": "prod"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(standin.deployments().len(), 2);
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn auto_merge_answers_like_github_when_main_is_ahead() {
    let standin = Standin::start().await;
    standin.add_commit("aaaaaaa1", &[]);
    standin.add_commit("bbbbbbb2", &["aaaaaaa1"]);
    standin.set_branch("main", "bbbbbbb2");
    standin.set_branch("topic", "aaaaaaa1");
    let api = Api::new(&standin.api_url());
    let (status, merged) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": "topic", "required_contexts": []}),
        )
        .await;
    assert_eq!(status, 202, "{merged}");
    assert!(
        merged["message"]
            .as_str()
            .unwrap_or_default()
            .contains("Auto-merged main into topic")
    );
    let (status, _) = api
        .post(
            "/repos/octo/repo/deployments",
            json!({"ref": "aaaaaaa1", "required_contexts": []}),
        )
        .await;
    assert_eq!(status, 409, "a bare SHA behind main cannot take the merge");
    let (status, _) = api
        .post("/repos/octo/repo/deployments", deploy("dev", "aaaaaaa1"))
        .await;
    assert_eq!(
        status, 201,
        "auto_merge: false deploys the old commit as asked"
    );
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_new_success_marks_earlier_successes_of_the_environment_inactive() {
    let standin = Standin::start().await;
    let api = Api::new(&standin.api_url());
    let mut ids = Vec::new();
    for (environment, sha) in [
        ("prod", "aaaaaaa1"),
        ("dev", "aaaaaaa1"),
        ("prod", "bbbbbbb2"),
    ] {
        let (status, d) = api
            .post("/repos/octo/repo/deployments", deploy(environment, sha))
            .await;
        assert_eq!(status, 201);
        ids.push(d["id"].as_u64().expect("id"));
    }
    let success = |id: u64, extra: serde_json::Value| {
        let api = &api;
        async move {
            let mut body = json!({"state": "success", "log_url": "https://ci/run/1", "description": "applied"});
            if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
                b.extend(e.clone());
            }
            api.post(&format!("/repos/octo/repo/deployments/{id}/statuses"), body)
                .await
        }
    };
    assert_eq!(success(ids[0], json!({})).await.0, 201);
    assert_eq!(success(ids[1], json!({})).await.0, 201);
    assert_eq!(success(ids[2], json!({})).await.0, 201);

    let deployments = standin.deployments();
    let states = |i: usize| -> Vec<String> {
        deployments[i]
            .statuses
            .iter()
            .map(|s| s.state.clone())
            .collect()
    };
    assert_eq!(
        states(0),
        ["success", "inactive"],
        "older prod success goes inactive"
    );
    assert_eq!(states(1), ["success"], "another environment is untouched");
    assert_eq!(states(2), ["success"]);

    // auto_inactive: false leaves the earlier one as it was.
    let (_, d) = api
        .post("/repos/octo/repo/deployments", deploy("dev", "ccccccc3"))
        .await;
    let newest = d["id"].as_u64().expect("id");
    success(newest, json!({"auto_inactive": false})).await;
    assert_eq!(standin.deployments()[1].statuses.len(), 1);

    // Listing: newest first, filtered; statuses newest first.
    let (_, prod) = api
        .get("/repos/octo/repo/deployments?environment=prod&task=tfpromote:apply")
        .await;
    let listed: Vec<u64> = prod
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|d| d["id"].as_u64())
        .collect();
    assert_eq!(listed, [ids[2], ids[0]]);
    let (_, by_sha) = api
        .get("/repos/octo/repo/deployments?sha=aaaaaaa1&environment=dev")
        .await;
    assert_eq!(by_sha.as_array().map(Vec::len), Some(1));
    let (_, statuses) = api
        .get(&format!("/repos/octo/repo/deployments/{}/statuses", ids[0]))
        .await;
    assert_eq!(statuses[0]["state"], "inactive");
    assert_eq!(statuses[1]["state"], "success");
    assert_eq!(statuses[1]["log_url"], "https://ci/run/1");
    let (status, _) = api
        .get("/repos/octo/repo/deployments/999999/statuses")
        .await;
    assert_eq!(status, 404);
    assert_eq!(standin.violations(), Vec::<String>::new());
}
