//! `tfpromote github-setup` against the GitHub stand-in (crates/github-standin, which checks
//! every request against GitHub's REST description): environments created with main-only
//! deployments and resolved reviewers, the OIDC subject template set, `--dry-run` writing
//! nothing, and a second run changing nothing.

use crate::common;

use github_standin::Standin;

const CONFIG: &str = "version: 1
environments:
  - name: dev
    dir: envs/dev
  - name: stage
    dir: envs/stage
  - name: prod
    dir: envs/prod
    approval:
      required: 1
      from: [team:platform-admins, user:alice]
";

fn project(config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for env in ["dev", "stage", "prod"] {
        std::fs::create_dir_all(tmp.path().join("envs").join(env)).expect("env dir");
    }
    std::fs::write(tmp.path().join("tfpromote.yaml"), config).expect("config");
    tmp
}

fn setup(standin: &Standin, dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = common::tfpromote()
        .current_dir(dir)
        .env("GITHUB_REPOSITORY", "octo/repo")
        .env("GITHUB_API_URL", standin.api_url())
        .env("TFPROMOTE_GITHUB_TOKEN", "admin-token")
        .arg("github-setup")
        .args(args)
        .output()
        .expect("run tfpromote");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

fn writes(standin: &Standin) -> Vec<String> {
    standin
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_environments_and_oidc_subject_then_a_second_run_changes_nothing() {
    let standin = Standin::start().await;
    let alice = standin.add_user("alice");
    let admins = standin.add_team("octo", "platform-admins");
    let tmp = project(CONFIG);

    // --dry-run: the same lines, nothing written.
    let (code, out) = setup(&standin, tmp.path(), &["--dry-run"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("would change: environment prod: create it; deploy from the main branch only; required reviewers user:alice, team:platform-admins (was none); prevent self-review"),
        "{out}"
    );
    assert!(
        out.contains("would change: repository OIDC subject: claims repo, repository_owner_id, repository_id, context, job_workflow_ref (was GitHub's default)"),
        "{out}"
    );
    assert!(out.contains("dry run, nothing changed"), "{out}");
    assert_eq!(writes(&standin), Vec::<String>::new());
    assert!(standin.environments().is_empty());

    // The real run.
    let (code, out) = setup(&standin, tmp.path(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("change: environment dev: create it"), "{out}");
    let envs = standin.environments();
    assert_eq!(
        envs.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["dev", "stage", "prod"]
    );
    for env in &envs {
        let policy = env
            .deployment_branch_policy
            .as_ref()
            .expect("a deployment branch policy");
        assert!(policy.custom_branch_policies && !policy.protected_branches);
        let patterns: Vec<_> = env
            .branch_policies
            .iter()
            .map(|p| (p.name.as_str(), p.kind.as_str()))
            .collect();
        assert_eq!(patterns, [("main", "branch")], "{}", env.name);
    }
    let prod = &envs[2];
    let mut reviewers: Vec<_> = prod
        .reviewers
        .iter()
        .map(|r| (r.kind.as_str(), r.id))
        .collect();
    reviewers.sort();
    assert_eq!(reviewers, [("Team", admins), ("User", alice)]);
    assert!(prod.prevent_self_review);
    assert!(envs[0].reviewers.is_empty() && envs[1].reviewers.is_empty());
    let sub = standin.oidc_sub();
    assert!(!sub.use_default);
    assert_eq!(
        sub.include_claim_keys,
        [
            "repo",
            "repository_owner_id",
            "repository_id",
            "context",
            "job_workflow_ref"
        ]
    );

    // What GitHub then puts in prod's apply job's token: the subject the bootstrap's apply
    // role trusts (infra/bootstrap/modules/ci-roles, checked by its terraform tests), with
    // the repository's ids; a repository re-created under the same name gets other ids.
    let prod_apply = "repo:octo/repo:repository_owner_id:583231:repository_id:1296269:environment:prod:job_workflow_ref:octo/repo/.github/workflows/promote.yml@refs/heads/main";
    assert_eq!(promote_job_subject(&standin).await, prod_apply);
    standin.recreate_repository(github_standin::RepositoryIds {
        id: 999_000_111,
        owner_id: 583231,
    });
    let recreated = promote_job_subject(&standin).await;
    assert_ne!(recreated, prod_apply);
    assert!(
        recreated.contains(":repository_id:999000111:"),
        "{recreated}"
    );

    // Idempotent: a second run reads, finds nothing to do, writes nothing.
    let before = writes(&standin).len();
    let (code, out) = setup(&standin, tmp.path(), &[]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("github-setup: no changes"), "{out}");
    assert_eq!(writes(&standin).len(), before, "{:?}", writes(&standin));
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_github_does_not_know_stops_before_any_change() {
    let standin = Standin::start().await;
    standin.add_team("octo", "platform-admins");
    let tmp = project(CONFIG);
    let (code, out) = setup(&standin, tmp.path(), &[]);
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("approval.from lists user:alice, which GitHub does not know"),
        "{out}"
    );
    assert_eq!(writes(&standin), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_it_says_which_one_to_use() {
    let standin = Standin::start().await;
    let tmp = project(CONFIG);
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .env("GITHUB_REPOSITORY", "octo/repo")
        .env("GITHUB_API_URL", standin.api_url())
        .env_remove("GITHUB_TOKEN")
        .env_remove("INPUT_GITHUB_TOKEN")
        .args(["github-setup"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TFPROMOTE_GITHUB_TOKEN"), "{stderr}");
    assert!(standin.requests().is_empty());
}

/// The `sub` of an ID token of prod's apply job (promote.yml on main, environment prod), as
/// the stand-in's token service builds it from the repository's subject template.
async fn promote_job_subject(standin: &Standin) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let serde_json::Value::Object(claims) = serde_json::json!({
        "repository": "octo/repo",
        "repository_owner": "octo",
        "environment": "prod",
        "ref": "refs/heads/main",
        "event_name": "push",
        "job_workflow_ref": "octo/repo/.github/workflows/promote.yml@refs/heads/main",
    }) else {
        unreachable!("an object literal")
    };
    standin.add_oidc_job(github_standin::OidcJob {
        request_token: "prod-apply-job".into(),
        claims,
    });
    let url = format!("{}/token?api-version=2.0", standin.oidc_issuer());
    let request = tfpromote::aws::token::TokenRequest::from_lookup(|name| match name {
        "ACTIONS_ID_TOKEN_REQUEST_URL" => Some(url.clone()),
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN" => Some("prod-apply-job".into()),
        _ => None,
    })
    .expect("request");
    let jwt = tfpromote::aws::token::fetch(
        &reqwest::Client::new(),
        &request,
        "sts.amazonaws.com",
        std::time::Duration::from_secs(10),
    )
    .await
    .expect("a token");
    let payload = jwt.split('.').nth(1).expect("a JWT payload");
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
            .expect("claims");
    claims["sub"].as_str().expect("a subject").to_string()
}
