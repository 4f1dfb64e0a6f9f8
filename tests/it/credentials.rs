//! `tfpromote credentials` and the plan role: GitHub OIDC ID token -> STS
//! AssumeRoleWithWebIdentity, against a loopback token service and a scripted STS (wiremock,
//! documented formats) for retries and refusals, and against moto's real STS and S3 for the
//! whole way into Terraform.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::moto::{AWS_ENV, Moto};
use common::oidc::{self, ACCESS_KEY, ROLE_ARN, SECRET_KEY, SESSION_TOKEN, SUB};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AUDIENCE: &str = "tfpromote-test-audience";
const SESSION: &str = "tfpromote-dev-9876543210.1-acme.infra";

/// A config with one environment `dev` (directory `root`) and the given extra env keys.
fn write_config(dir: &Path, retry_timeout: &str, env_extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("root")).expect("root dir");
    let path = dir.join("tfpromote.yaml");
    let text = format!(
        "version: 1\n\
         aws:\n  region: eu-west-1\n  audience: {AUDIENCE}\n  session_duration: 15m\n  retry_timeout: {retry_timeout}\n\
         environments:\n  - name: dev\n    dir: root\n{env_extra}"
    );
    std::fs::write(&path, text).expect("write config");
    path
}

fn with_plan_role() -> String {
    format!("    plan_role: {ROLE_ARN}\n")
}

/// `tfpromote` as a GitHub Actions step with `id-token: write` would run it.
fn gha_command(config: &Path, token_url: &str, sts: &str) -> tokio::process::Command {
    let mut cmd = common::tfpromote();
    for name in ["AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] {
        cmd.env_remove(name);
    }
    cmd.arg("--config")
        .arg(config)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/infra")
        .env("GITHUB_RUN_ID", "9876543210")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", token_url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", oidc::REQUEST_BEARER)
        .env("AWS_ENDPOINT_URL_STS", sts)
        .envs(AWS_ENV);
    tokio::process::Command::from(cmd)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn run(mut cmd: tokio::process::Command) -> Run {
    let out = cmd.output().await.expect("run tfpromote");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Secrets may appear on stdout/stderr only in `::add-mask::` lines, and in no file under
/// `dir` except `allowed`.
fn assert_no_leak(secrets: &[&str], run: &Run, dir: &Path, allowed: Option<&Path>) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for line in text.lines() {
            for secret in secrets {
                assert!(
                    !line.contains(secret) || line == format!("::add-mask::{secret}"),
                    "a secret leaked on {stream} outside an ::add-mask:: line: {line}"
                );
            }
        }
    }
    for file in files_under(dir) {
        if Some(file.as_path()) == allowed {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap_or_default();
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret leaked into {}",
                file.display()
            );
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => out.extend(files_under(&path)),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
    out
}

async fn token_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/token")
        .count()
}

async fn sts_requests(server: &MockServer) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "POST")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_then_idp_error_then_success_with_a_fresh_token_each_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = write_config(tmp.path(), "5s", &with_plan_role());
    let github_env = tmp.path().join("github_env");
    let (tokens, sts) = (MockServer::start().await, MockServer::start().await);
    oidc::mount_token_service(&tokens, AUDIENCE).await;
    oidc::script_sts(
        &sts,
        vec![
            oidc::sts_error("Throttling", "Rate exceeded"),
            oidc::sts_error("IDPCommunicationError", "The server could not be contacted"),
            oidc::sts_success(SESSION),
        ],
    )
    .await;

    let mut cmd = gha_command(&config, &oidc::token_url(&tokens), &sts.uri());
    cmd.args(["credentials", "--env", "dev", "--export", "github-env"])
        .env("GITHUB_ENV", &github_env);
    let out = run(cmd).await;
    assert_eq!(out.code, Some(0), "{out}");

    assert_eq!(
        token_requests(&tokens).await,
        3,
        "one ID token per attempt\n{out}"
    );
    let calls = sts_requests(&sts).await;
    assert_eq!(calls.len(), 3, "{out}");
    let mut seen_tokens = Vec::new();
    for call in &calls {
        assert_eq!(
            oidc::field(call, "Action").as_deref(),
            Some("AssumeRoleWithWebIdentity")
        );
        assert_eq!(oidc::field(call, "RoleArn").as_deref(), Some(ROLE_ARN));
        assert_eq!(
            oidc::field(call, "RoleSessionName").as_deref(),
            Some(SESSION)
        );
        assert_eq!(oidc::field(call, "DurationSeconds").as_deref(), Some("900"));
        assert!(
            !call.headers.contains_key("authorization"),
            "AssumeRoleWithWebIdentity is unsigned"
        );
        let token = oidc::field(call, "WebIdentityToken").expect("token field");
        assert!(!seen_tokens.contains(&token), "a token was reused");
        seen_tokens.push(token);
    }
    assert!(
        out.stderr.contains("Throttling") && out.stderr.contains("IDPCommunicationError"),
        "retries are logged:\n{out}"
    );

    let arn = format!("arn:aws:sts::111111111111:assumed-role/mlops-gha-plan/{SESSION}");
    assert!(out.stdout.contains(&arn), "{out}");
    assert!(out.stdout.contains("2030-10-24T23:00:23Z"), "expiry: {out}");
    // Masks go to stderr (the runner reads workflow commands on both streams), so stdout
    // stays clean output; neither secret is ever printed, on either stream.
    assert!(
        out.stderr.contains(&format!("::add-mask::{SECRET_KEY}")),
        "secret key masked: {out}"
    );
    assert!(
        out.stderr.contains(&format!("::add-mask::{SESSION_TOKEN}")),
        "session token masked: {out}"
    );
    assert!(!out.stdout.contains("::add-mask::"), "{out}");

    let exported = std::fs::read_to_string(&github_env).expect("GITHUB_ENV written");
    for line in [
        format!("AWS_ACCESS_KEY_ID={ACCESS_KEY}"),
        format!("AWS_SECRET_ACCESS_KEY={SECRET_KEY}"),
        format!("AWS_SESSION_TOKEN={SESSION_TOKEN}"),
        "AWS_REGION=eu-west-1".to_string(),
    ] {
        assert!(
            exported.lines().any(|l| l == line),
            "{line} in:\n{exported}"
        );
    }
    assert_no_leak(
        &[SECRET_KEY, SESSION_TOKEN],
        &out,
        tmp.path(),
        Some(&github_env),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_fails_at_once_and_shows_the_claims_and_role() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = write_config(tmp.path(), "5s", &with_plan_role());
    let (tokens, sts) = (MockServer::start().await, MockServer::start().await);
    oidc::mount_token_service(&tokens, AUDIENCE).await;
    oidc::script_sts(
        &sts,
        vec![oidc::sts_error(
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
        )],
    )
    .await;
    let mut cmd = gha_command(&config, &oidc::token_url(&tokens), &sts.uri());
    cmd.args(["credentials", "--env", "dev"]);
    let out = run(cmd).await;
    assert_eq!(out.code, Some(1), "{out}");
    assert_eq!(token_requests(&tokens).await, 1, "{out}");
    assert_eq!(sts_requests(&sts).await.len(), 1, "no retry: {out}");
    for expected in [
        ROLE_ARN,
        &format!("sub={SUB}"),
        &format!("aud={AUDIENCE}"),
        "ref=refs/pull/7/merge",
        "repository=acme/infra",
        "event_name=pull_request",
        "AccessDenied",
        "after 1 attempt(s)",
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected:?} missing:\n{out}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn token_service_500_then_200_recovers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = write_config(tmp.path(), "5s", &with_plan_role());
    let (tokens, sts) = (MockServer::start().await, MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(500).set_body_string("upstream failure"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&tokens)
        .await;
    oidc::mount_token_service(&tokens, AUDIENCE).await;
    oidc::script_sts(&sts, vec![oidc::sts_success(SESSION)]).await;
    let mut cmd = gha_command(&config, &oidc::token_url(&tokens), &sts.uri());
    cmd.args(["credentials", "--env", "dev"]);
    let out = run(cmd).await;
    assert_eq!(out.code, Some(0), "{out}");
    assert_eq!(token_requests(&tokens).await, 2, "{out}");
    assert_eq!(sts_requests(&sts).await.len(), 1, "{out}");
    assert!(out.stderr.contains("HTTP 500"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn token_service_down_fails_within_the_bounded_time() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bound = Duration::from_secs(3);
    let config = write_config(tmp.path(), "3s", &with_plan_role());
    let sts = MockServer::start().await;
    // A port nobody listens on.
    let down = format!(
        "http://127.0.0.1:{}/token?api-version=2.0",
        common::moto::free_port()
    );
    let mut cmd = gha_command(&config, &down, &sts.uri());
    cmd.args(["credentials", "--env", "dev"]);
    let started = Instant::now();
    let out = run(cmd).await;
    let elapsed = started.elapsed();
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        elapsed < bound + Duration::from_secs(3),
        "took {elapsed:?} for a {bound:?} bound"
    );
    assert!(out.stderr.contains("retrying in"), "it retried: {out}");
    for expected in [
        "no ID token",
        "within aws.retry_timeout (3s)",
        "could not connect",
        ROLE_ARN,
    ] {
        assert!(
            out.stderr.contains(expected),
            "{expected:?} missing:\n{out}"
        );
    }
    assert!(sts_requests(&sts).await.is_empty());
}

/// Every command that needs AWS credentials exits 2 without the job's ID-token variables,
/// says which are missing and what to grant, and does so before anything else: no gate,
/// no GitHub record, no Terraform. Run as a merged push would run them, with GitHub (the
/// stand-in, as GitHub's API cannot run here) answering, so a command that reached its
/// gates or plans first would show it (a refusal exits 3, a failed plan 1).
#[tokio::test(flavor = "multi_thread")]
async fn missing_token_variables_exit_2_on_every_command_that_needs_aws() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = write_config(
        tmp.path(),
        "5s",
        &format!("    plan_role: {ROLE_ARN}\n    apply_role: {ROLE_ARN}\n"),
    );
    let gh = github_standin::Standin::start_with(Default::default()).expect("stand-in");
    gh.add_commit("c0ffee1", &[]);
    let event = tmp.path().join("event.json");
    std::fs::write(&event, r#"{"after":"c0ffee1"}"#).expect("event");
    let summary = tmp.path().join("summary.md");
    for args in [
        vec!["credentials", "--env", "dev"],
        vec!["credentials", "--env", "dev", "--role", "apply"],
        vec!["plan", "--env", "dev"],
        vec!["apply", "--env", "dev"],
        vec!["promote"],
        vec!["destroy", "--env", "dev", "--confirm", "dev"],
        vec!["drift"],
    ] {
        let mut cmd = common::tfpromote();
        cmd.arg("--config")
            .arg(&config)
            .args(&args)
            .current_dir(tmp.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_API_URL", gh.api_url())
            .env("GITHUB_REPOSITORY", "octo/repo")
            .env("GITHUB_TOKEN", "ghs_standintoken")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_SHA", "c0ffee1")
            .env("GITHUB_RUN_ID", "7")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("TFPROMOTE_GITHUB_BACKOFF", "10ms")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
            .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        let out = run(tokio::process::Command::from(cmd)).await;
        assert_eq!(out.code, Some(2), "{args:?}: {out}");
        for expected in [
            "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN not set",
            "permissions: id-token: write",
            "forks",
            ROLE_ARN,
        ] {
            assert!(
                out.stderr.contains(expected),
                "{args:?}: {expected:?} missing:\n{out}"
            );
        }
        assert!(
            gh.statuses("c0ffee1").is_empty(),
            "{args:?}: recorded before checking the token: {:?}",
            gh.statuses("c0ffee1")
        );
        assert!(
            !tmp.path().join("root/.terraform").exists(),
            "{args:?}: Terraform ran before the token was checked"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn environments_without_a_role_use_ambient_credentials() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let config = write_config(tmp.path(), "5s", "");
    let mut cmd = common::tfpromote();
    cmd.arg("--config")
        .arg(&config)
        .args(["credentials", "--env", "dev"])
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    let out = run(tokio::process::Command::from(cmd)).await;
    assert_eq!(out.code, Some(0), "{out}");
    assert!(out.stdout.contains("ambient"), "{out}");
}

/// The whole way on real peers: the loopback token service, moto's STS and S3. `plan` runs
/// Terraform with the plan role's credentials only in its environment while tfpromote itself
/// has ambient `testing` keys: the fixture's `aws_caller_identity` postcondition passes only
/// if Terraform's AWS provider called moto as the assumed role session (moto answers
/// `user/moto` for the ambient keys), and the S3 backend on moto (with its lockfile) works
/// with them. Then the library API (`aws::assume` + `aws::with_credentials`) applies the root,
/// and the local-exec records the access key Terraform was given.
#[tokio::test(flavor = "multi_thread")]
async fn plan_role_credentials_reach_terraform_on_moto() {
    let moto = Moto::start();
    moto.create_bucket("tfstate");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    common::copy_tree(&common::fixtures().join("tf/creds"), &root);
    std::fs::write(
        tmp.path().join("backend.hcl"),
        format!(
            "bucket = \"tfstate\"\nkey = \"dev/terraform.tfstate\"\nregion = \"us-east-1\"\n\
             use_lockfile = true\nendpoints = {{ s3 = \"{}\" }}\nuse_path_style = true\n\
             skip_credentials_validation = true\nskip_requesting_account_id = true\n\
             skip_metadata_api_check = true\nskip_region_validation = true\n",
            moto.endpoint
        ),
    )
    .expect("backend.hcl");
    std::fs::write(
        tmp.path().join("creds.tfvars"),
        format!(
            "sts_endpoint = \"{}\"\nexpected_caller_suffix = \":assumed-role/mlops-gha-plan/{SESSION}\"\n",
            moto.endpoint
        ),
    )
    .expect("tfvars");
    let config = write_config(
        tmp.path(),
        "30s",
        &format!(
            "{}    var_files: [creds.tfvars]\n    backend_config: [backend.hcl]\n",
            with_plan_role()
        ),
    );
    let tokens = MockServer::start().await;
    oidc::mount_token_service(&tokens, AUDIENCE).await;

    let (summary, output) = (tmp.path().join("summary.md"), tmp.path().join("output"));
    let mut cmd = gha_command(&config, &oidc::token_url(&tokens), &moto.endpoint);
    cmd.args(["plan", "--env", "dev", "--comment-file"])
        .arg(tmp.path().join("comment.md"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output);
    let out = run(cmd).await;
    assert_eq!(
        out.code,
        Some(0),
        "plan as the assumed role failed\n{out}\nmoto log:\n{}",
        moto.log_text()
    );
    assert_eq!(token_requests(&tokens).await, 1, "{out}");
    assert!(
        out.stderr.contains(&format!(
            "assumed arn:aws:sts::111111111111:assumed-role/mlops-gha-plan/{SESSION}"
        )),
        "{out}"
    );
    // What the job masked is what must not show anywhere else: the ID token, the secret
    // key and the session token moto made up.
    let masked: Vec<String> = out
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("::add-mask::"))
        .map(str::to_string)
        .collect();
    assert!(
        masked.len() >= 3,
        "token, secret key and session token masked:\n{out}"
    );
    let masked: Vec<&str> = masked.iter().map(String::as_str).collect();
    assert_no_leak(&masked, &out, tmp.path(), None);

    // Library API, as apply and destroy will use it: duration and session reach STS.
    let request = tfpromote::aws::AssumeRequest {
        env: "dev".into(),
        role_arn: ROLE_ARN.into(),
        region: "us-east-1".into(),
        audience: AUDIENCE.into(),
        duration: Duration::from_secs(900),
        session_name: SESSION.into(),
        budget: Duration::from_secs(30),
        endpoint: Some(moto.endpoint.clone()),
        token: tfpromote::aws::token::TokenRequest::from_lookup(|name| {
            Some(match name {
                "ACTIONS_ID_TOKEN_REQUEST_URL" => oidc::token_url(&tokens),
                _ => oidc::REQUEST_BEARER.to_string(),
            })
        })
        .expect("token request"),
    };
    let creds = tfpromote::aws::assume(&request)
        .await
        .expect("assume on moto");
    assert!(creds.access_key_id.starts_with("ASIA"), "{creds:?}");
    assert_ne!(creds.access_key_id, "testing");

    let tf = tfpromote::terraform::Terraform::new(
        common::terraform(),
        Duration::from_secs(10),
        Arc::new(tfpromote::redact::Redactor::default()),
    );
    let tf = tfpromote::aws::with_credentials(tf, &creds, "us-east-1");
    let sink = tfpromote::terraform::output::OutputSink::buffered();
    let planfile = tmp.path().join("apply.tfplan");
    let args = tfpromote::terraform::runner::PlanArgs {
        destroy: false,
        lock: true,
        var_files: vec![tmp.path().join("creds.tfvars")],
    };
    let result = async {
        tf.init(&root, &[tmp.path().join("backend.hcl")], &sink)
            .await?;
        tf.plan(&root, &planfile, &args, &sink).await?;
        tf.apply(&root, &planfile, &sink).await
    }
    .await;
    if let Err(e) = result {
        panic!(
            "apply with the assumed credentials failed: {e}\n{}",
            sink.take().join("\n")
        );
    }
    let recorded = std::fs::read_to_string(root.join("access_key_id.txt")).expect("recorded key");
    assert_eq!(
        recorded, creds.access_key_id,
        "local-exec saw the assumed key"
    );
    assert_eq!(
        moto.keys("tfstate"),
        vec!["dev/terraform.tfstate".to_string()]
    );
}
