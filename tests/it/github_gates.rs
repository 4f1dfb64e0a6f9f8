//! The records and reviews the gates read, against the fake GitHub: commit statuses written
//! and read back, approvals counted as docs/gates.md says, the PR of a push.

use crate::common;

use common::github_fake::FakeGitHub;
use tfpromote::github::pulls::introducing_pr;
use tfpromote::github::statuses::State;

#[tokio::test]
async fn statuses_are_written_and_read_back() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    let run = "https://github.com/octo/repo/actions/runs/9";
    gh.set_status("abc", "dev", State::Pending, "applying dev", Some(run))
        .await
        .expect("pending");
    gh.set_status("abc", "dev", State::Success, "dev applied", Some(run))
        .await
        .expect("success");
    gh.set_status("abc", "stage", State::Failure, "stage failed", Some(run))
        .await
        .expect("failure");
    let dev = gh
        .env_status("abc", "dev")
        .await
        .expect("read")
        .expect("dev record");
    assert_eq!(dev.state, State::Success);
    assert_eq!(dev.context, "tfpromote/dev");
    assert_eq!(dev.target_url.as_deref(), Some(run));
    let stage = gh
        .env_status("abc", "stage")
        .await
        .expect("read")
        .expect("stage record");
    assert_eq!(stage.state, State::Failure);
    assert_eq!(gh.env_status("abc", "prod").await.expect("read"), None);
    assert_eq!(gh.env_status("other", "dev").await.expect("read"), None);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn approvals_follow_the_rules() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    fake.set_pr_author(5, "author");
    fake.add_review(5, "author", "APPROVED");
    fake.add_review(5, "alice", "APPROVED");
    fake.add_review(5, "alice", "COMMENTED");
    fake.add_review(5, "bob", "APPROVED");
    fake.add_review(5, "bob", "CHANGES_REQUESTED");
    fake.add_review(5, "carol", "CHANGES_REQUESTED");
    fake.add_review(5, "carol", "APPROVED");
    fake.add_review(5, "dave", "APPROVED");
    fake.add_review(5, "dave", "DISMISSED");
    fake.add_review(5, "erin", "APPROVED");
    fake.add_team_member("octo", "platform-admins", "carol");
    fake.add_team_member("other-org", "sre", "erin");

    // The edge only fetches: reviews in GitHub's order, and memberships as facts.
    let reviews = match gh.review_facts(5).await {
        tfpromote::gate::Fact::Known(r) => r,
        tfpromote::gate::Fact::Unknown(e) => panic!("reviews: {e}"),
    };
    let logins: Vec<&str> = reviews.iter().map(|r| r.login.as_str()).collect();
    assert_eq!(logins.len(), 10);
    assert_eq!(logins[0], "author");
    // The pure rule decides: latest decisive review, never the author's.
    let latest: Vec<String> = tfpromote::gate::approval::latest_approvals(&reviews, "author")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(latest, vec!["alice", "carol", "erin"]);
    let teams = vec![
        ("octo".to_string(), "platform-admins".to_string()),
        ("other-org".to_string(), "sre".to_string()),
    ];
    let members = gh.memberships(&teams, &latest).await;
    let is = |org: &str, slug: &str, login: &str| {
        members
            .get(&(org.into(), slug.into(), login.into()))
            .cloned()
    };
    use tfpromote::gate::Fact::Known;
    assert_eq!(is("octo", "platform-admins", "carol"), Some(Known(true)));
    assert_eq!(is("octo", "platform-admins", "alice"), Some(Known(false)));
    assert_eq!(is("other-org", "sre", "erin"), Some(Known(true)));
    assert!(fake.count("teams/get-membership-for-user-in-org") >= 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn push_commit_resolves_to_its_merged_pr() {
    let fake = FakeGitHub::start_with_prefix("/api/v3").await;
    fake.set_prs_for_commit("deadbeef", &[(3, false), (12, true)]);
    let prs = fake
        .client()
        .pulls_for_commit("deadbeef")
        .await
        .expect("lookup");
    assert_eq!(introducing_pr(&prs), Some(12));
    assert_eq!(fake.violations(), Vec::<String>::new());
}

/// The stand-in's OIDC issuer signs like GitHub's: a token it issued verifies against its
/// published keys with the audience asked for; a token with one changed claim does not.
#[tokio::test]
async fn oidc_tokens_verify_against_the_issuers_keys_and_tampering_fails() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use tfpromote::github::signed_plan::{fetch_jwks, verify};

    let fake = FakeGitHub::start().await;
    let mut claims = serde_json::Map::new();
    claims.insert("repository".into(), "octo/repo".into());
    claims.insert(
        "job_workflow_ref".into(),
        "octo/repo/.github/workflows/plan.yml@refs/heads/main".into(),
    );
    fake.add_oidc_job(github_standin::OidcJob {
        request_token: "request-1".into(),
        claims,
    });
    let url = format!("{}/token?api-version=2.0", fake.oidc_issuer());
    let request = tfpromote::aws::token::TokenRequest::from_lookup(|name| match name {
        "ACTIONS_ID_TOKEN_REQUEST_URL" => Some(url.clone()),
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("request-1".into()),
        _ => None,
    })
    .expect("request");
    let jwt = tfpromote::aws::token::fetch(
        &reqwest::Client::new(),
        &request,
        "tfpromote-plan:abc",
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("a token");
    let jwks = fetch_jwks(&fake.oidc_issuer()).await.expect("keys");
    let verified = verify(&jwt, &jwks).expect("verifies");
    assert_eq!(verified["aud"], "tfpromote-plan:abc");
    assert_eq!(verified["iss"], fake.oidc_issuer().as_str());
    assert_eq!(
        verified["job_workflow_ref"],
        "octo/repo/.github/workflows/plan.yml@refs/heads/main"
    );

    // Another audience in the same signature: the signature no longer matches.
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut payload: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    payload["aud"] = "tfpromote-plan:forged".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        parts[2]
    );
    let err = verify(&forged, &jwks).expect_err("tampered");
    assert!(err.contains("does not verify"), "{err}");
}

/// A workflow's `GITHUB_TOKEN` is scoped to its repository: GitHub answers it 403 on team
/// membership, and the approval gate then refuses rather than guess.
#[tokio::test]
async fn a_workflow_token_cannot_read_team_membership() {
    let fake = FakeGitHub::start().await;
    fake.add_team_member("octo", "platform-admins", "carol");
    fake.add_token("ghs_workflow", "github-actions[bot]", true);
    let gh = tfpromote::github::GitHub::new(
        &fake.api_url(),
        "ghs_workflow",
        tfpromote::github::Repo::parse("octo/repo").expect("repo"),
        tfpromote::github::retry::Policy::fast(std::time::Duration::from_millis(5)),
    )
    .expect("client");
    let teams = vec![("octo".to_string(), "platform-admins".to_string())];
    let members = gh.memberships(&teams, &["carol".to_string()]).await;
    let fact = members.values().next().expect("one lookup");
    assert!(
        matches!(fact, tfpromote::gate::Fact::Unknown(why) if why.contains("403")),
        "{fact:?}"
    );
    // With a token that may read the organisation, the same lookup answers.
    let members = fake
        .client()
        .memberships(&teams, &["carol".to_string()])
        .await;
    assert_eq!(
        members.values().next(),
        Some(&tfpromote::gate::Fact::Known(true))
    );
}

/// Runs are read to the end (three pages here) and the count is GitHub's.
#[tokio::test]
async fn every_page_of_runs_is_read() {
    let fake = FakeGitHub::start().await;
    for i in 0..250 {
        fake.add_run(github_standin::WorkflowRun {
            id: 0,
            path: ".github/workflows/promote.yml".into(),
            event: "push".into(),
            head_branch: "main".into(),
            head_sha: format!("sha{i}"),
            actor: "alice".into(),
            jobs: Vec::new(),
        });
    }
    let runs = fake
        .client()
        .workflow_runs("promote.yml")
        .await
        .expect("runs");
    assert_eq!(runs.len(), 250);
    assert_eq!(runs[0].head_sha, "sha249", "newest first");
    assert_eq!(fake.violations(), Vec::<String>::new());
}
