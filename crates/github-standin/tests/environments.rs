//! What `github-setup` does: resolve reviewers to ids, create or update environments with
//! reviewers and a branch policy, add the `main` branch policy, set the OIDC subject.
mod common;

use common::Api;
use github_standin::{Reviewer, Standin};
use serde_json::json;

#[tokio::test]
async fn environments_branch_policies_and_oidc_subject() {
    let standin = Standin::start().await;
    standin.add_team_member("octo", "platform-admins", "carol");
    standin.add_user("dave");
    let api = Api::new(&standin.api_url());

    let (status, team) = api.get("/orgs/octo/teams/platform-admins").await;
    assert_eq!(status, 200);
    let team_id = team["id"].as_u64().expect("team id");
    assert_eq!(team["slug"], "platform-admins");
    let (status, user) = api.get("/users/dave").await;
    assert_eq!(status, 200);
    let user_id = user["id"].as_u64().expect("user id");
    assert_eq!(api.get("/users/nobody").await.0, 404);
    assert_eq!(api.get("/orgs/octo/teams/nobody").await.0, 404);

    assert_eq!(api.get("/repos/octo/repo/environments/prod").await.0, 404);
    let body = json!({
        "wait_timer": 0,
        "prevent_self_review": true,
        "reviewers": [{"type": "Team", "id": team_id}, {"type": "User", "id": user_id}],
        "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}
    });
    let (status, env) = api
        .put("/repos/octo/repo/environments/prod", body.clone())
        .await;
    assert_eq!(status, 200, "{env}");
    assert_eq!(env["name"], "prod");
    let rules = env["protection_rules"].as_array().expect("rules");
    let reviewers = rules
        .iter()
        .find(|r| r["type"] == "required_reviewers")
        .expect("required reviewers rule");
    assert_eq!(reviewers["prevent_self_review"], true);
    assert_eq!(reviewers["reviewers"][0]["type"], "Team");
    assert_eq!(
        reviewers["reviewers"][0]["reviewer"]["slug"],
        "platform-admins"
    );
    assert_eq!(reviewers["reviewers"][1]["reviewer"]["login"], "dave");
    assert!(rules.iter().any(|r| r["type"] == "branch_policy"));
    assert_eq!(
        env["deployment_branch_policy"]["custom_branch_policies"],
        true
    );

    let (status, policy) = api
        .post(
            "/repos/octo/repo/environments/prod/deployment-branch-policies",
            json!({"name": "main", "type": "branch"}),
        )
        .await;
    assert_eq!((status, policy["name"].as_str()), (200, Some("main")));
    let (status, _) = api
        .post(
            "/repos/octo/repo/environments/prod/deployment-branch-policies",
            json!({"name": "main", "type": "branch"}),
        )
        .await;
    assert_eq!(status, 303, "the same pattern twice");
    let (_, policies) = api
        .get("/repos/octo/repo/environments/prod/deployment-branch-policies")
        .await;
    assert_eq!(policies["total_count"], 1);
    assert_eq!(policies["branch_policies"][0]["name"], "main");
    assert_eq!(
        api.post(
            "/repos/octo/repo/environments/nope/deployment-branch-policies",
            json!({"name": "main"})
        )
        .await
        .0,
        404
    );

    // A second identical PUT changes nothing; an unknown reviewer id is refused.
    let before = standin.environments();
    api.put("/repos/octo/repo/environments/prod", body).await;
    let after = standin.environments();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].reviewers, before[0].reviewers);
    assert_eq!(
        after[0].reviewers,
        [
            Reviewer {
                kind: "Team".into(),
                id: team_id
            },
            Reviewer {
                kind: "User".into(),
                id: user_id
            }
        ]
    );
    assert_eq!(after[0].branch_policies.len(), 1);
    let (status, refused) = api
        .put(
            "/repos/octo/repo/environments/prod",
            json!({"reviewers": [{"type": "User", "id": 1}]}),
        )
        .await;
    assert_eq!(status, 422);
    assert!(
        refused["message"]
            .as_str()
            .unwrap_or_default()
            .contains("User 1")
    );
    let (status, _) = api
        .put("/repos/octo/repo/environments/dev", json!({}))
        .await;
    assert_eq!(status, 200, "an environment with no protection");
    let (_, all) = api.get("/repos/octo/repo/environments").await;
    assert_eq!(all["total_count"], 2);
    let (_, dev) = api.get("/repos/octo/repo/environments/dev").await;
    assert_eq!(dev["protection_rules"], json!([]));
    assert_eq!(dev["deployment_branch_policy"], json!(null));

    // The OIDC subject template: GitHub's default until set.
    let (_, sub) = api
        .get("/repos/octo/repo/actions/oidc/customization/sub")
        .await;
    assert_eq!(sub, json!({"use_default": true}));
    let keys = json!(["repo", "context", "job_workflow_ref"]);
    let (status, _) = api
        .put(
            "/repos/octo/repo/actions/oidc/customization/sub",
            json!({"use_default": false, "include_claim_keys": keys}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, sub) = api
        .get("/repos/octo/repo/actions/oidc/customization/sub")
        .await;
    assert_eq!(
        sub,
        json!({"use_default": false, "include_claim_keys": keys})
    );
    assert!(!standin.oidc_sub().use_default);
    assert_eq!(standin.violations(), Vec::<String>::new());
}
