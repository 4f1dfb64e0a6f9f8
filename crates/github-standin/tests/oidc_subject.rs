//! The `sub` of the stand-in's ID tokens is built as GitHub builds it: from the repository's
//! subject template (`PUT .../actions/oidc/customization/sub`) and the job's facts, with the
//! repository's numeric ids, which a job cannot choose and a re-created repository does not
//! keep.
mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::Api;
use github_standin::{OidcJob, RepositoryIds, Standin};
use serde_json::{Value, json};

fn promote_job(standin: &Standin, request_token: &str) {
    let claims = json!({
        "repository": "octo/repo",
        "repository_owner": "octo",
        // A job's own say about ids and subject is not GitHub's: both are replaced.
        "repository_id": "1",
        "sub": "repo:octo/repo:environment:prod",
        "environment": "prod",
        "ref": "refs/heads/main",
        "event_name": "push",
        "job_workflow_ref": "octo/repo/.github/workflows/promote.yml@refs/heads/main",
    });
    let Value::Object(claims) = claims else {
        unreachable!("an object literal")
    };
    standin.add_oidc_job(OidcJob {
        request_token: request_token.into(),
        claims,
    });
}

async fn claims_of_token(standin: &Standin, request_token: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!(
            "{}/token?api-version=2.0&audience=sts.amazonaws.com",
            standin.oidc_issuer()
        ))
        .header("authorization", format!("Bearer {request_token}"))
        .send()
        .await
        .expect("the token service answers");
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.expect("JSON");
    let jwt = body["value"].as_str().expect("a token").to_string();
    let payload = jwt.split('.').nth(1).expect("a JWT payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("claims")
}

#[tokio::test]
async fn the_subject_follows_the_template_and_carries_the_repository_ids() {
    let standin = Standin::start().await;
    promote_job(&standin, "job-1");

    // GitHub's default template: repo and context.
    let claims = claims_of_token(&standin, "job-1").await;
    assert_eq!(claims["sub"], "repo:octo/repo:environment:prod");
    assert_eq!(claims["repository_id"], "1296269");
    assert_eq!(claims["repository_owner_id"], "583231");

    // The template `tfpromote github-setup` sets.
    let api = Api::new(&standin.api_url());
    let keys = json!([
        "repo",
        "repository_owner_id",
        "repository_id",
        "context",
        "job_workflow_ref"
    ]);
    let (status, _) = api
        .put(
            "/repos/octo/repo/actions/oidc/customization/sub",
            json!({"use_default": false, "include_claim_keys": keys}),
        )
        .await;
    assert_eq!(status, 201);
    let claims = claims_of_token(&standin, "job-1").await;
    assert_eq!(
        claims["sub"],
        "repo:octo/repo:repository_owner_id:583231:repository_id:1296269:environment:prod:job_workflow_ref:octo/repo/.github/workflows/promote.yml@refs/heads/main"
    );

    // Deleted and re-created under the same name: the name matches, the ids do not.
    standin.recreate_repository(RepositoryIds {
        id: 777000111,
        owner_id: 888000222,
    });
    let claims = claims_of_token(&standin, "job-1").await;
    assert_eq!(
        claims["sub"],
        "repo:octo/repo:repository_owner_id:888000222:repository_id:777000111:environment:prod:job_workflow_ref:octo/repo/.github/workflows/promote.yml@refs/heads/main"
    );
    assert_eq!(standin.violations(), Vec::<String>::new());
}

/// The sandbox sets the ids over HTTP, as it sets every other fact.
#[tokio::test]
async fn the_control_api_sets_the_repository_ids() {
    let standin = Standin::start().await;
    let control = Api::new(&standin.oidc_issuer().replace("/oidc", ""));
    let (status, _) = control
        .post("/repository", json!({"id": 42, "owner_id": 43}))
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        standin.repository_ids(),
        RepositoryIds {
            id: 42,
            owner_id: 43
        }
    );
    let (status, body) = control.post("/repository", json!({"id": "x"})).await;
    assert_eq!(status, 400, "{body}");
}
