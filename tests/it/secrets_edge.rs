//! The leaks found by attacking the binary, with real Terraform and the fake
//! GitHub (which follows GitHub's REST description): every canary is searched in the comment
//! file, the report, the job summary, the step outputs, annotations, stdout, stderr and the
//! request bodies sent to GitHub. `::add-mask::` lines are the one place a secret may appear:
//! they tell the runner to hide it.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::github_fake::FakeGitHub;

/// Everything one `tfpromote plan` wrote.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// (channel, text): comment file, report, job summary, step outputs, request bodies.
    channels: Vec<(String, String)>,
}

impl Run {
    /// Every channel, stderr without the `::add-mask::` lines.
    fn all(&self) -> Vec<(String, String)> {
        let stderr: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        let mut all = self.channels.clone();
        all.push(("stdout".into(), self.stdout.clone()));
        all.push(("stderr".into(), stderr.join("\n")));
        all
    }

    fn assert_clean(&self, canaries: &[&str]) {
        for (channel, text) in self.all() {
            for canary in canaries {
                assert!(
                    !text.contains(canary),
                    "{channel} leaks {canary}:\n{text}\n--- stderr\n{}",
                    self.stderr
                );
            }
        }
    }
}

const PR_EVENT: &str =
    r#"{"number": 7, "pull_request": {"number": 7, "head": {"sha": "cafe0007"}}}"#;

fn pem(tag: &str) -> String {
    format!(
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC{tag}1\nBKcwggSjAgEAAoIBAQC7{tag}2\n-----END PRIVATE KEY-----\n"
    )
}

/// The quoted secret in HCL source form: `CANARY-Q"U\OTE-<tag>`.
fn quoted_hcl(tag: &str) -> String {
    format!("CANARY-Q\\\"U\\\\OTE-{tag}")
}

fn canaries(tag: &str) -> Vec<String> {
    vec![
        format!("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC{tag}1"),
        format!("BKcwggSjAgEAAoIBAQC7{tag}2"),
        format!("OTE-{tag}"),
    ]
}

struct Project {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    env: PathBuf,
}

fn project() -> Project {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let env = root.join("envs/dev");
    common::copy_tree(&common::fixtures().join("tf/secrets_edge"), &env);
    std::fs::write(
        root.join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n    var_files: [envs/dev/keys.tfvars]\n",
    )
    .expect("config");
    Project {
        _tmp: tmp,
        root,
        env,
    }
}

fn write_vars(p: &Project, tag: &str) {
    std::fs::write(
        p.env.join("keys.tfvars"),
        format!(
            "pem = <<EOT\n{}EOT\nquoted = \"{}\"\n",
            pem(tag),
            quoted_hcl(tag)
        ),
    )
    .expect("tfvars");
}

fn terraform(p: &Project, args: &[&str]) {
    let out = std::process::Command::new(common::terraform())
        .arg(format!("-chdir={}", p.env.display()))
        .args(args)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("terraform");
    assert!(
        out.status.success(),
        "terraform {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn apply(p: &Project) {
    terraform(p, &["init", "-input=false"]);
    terraform(
        p,
        &[
            "apply",
            "-input=false",
            "-auto-approve",
            "-var-file=keys.tfvars",
        ],
    );
}

/// `tfpromote plan --env dev` in a pull request's job; the comment body goes to stdout
/// unless `comment_file`.
fn plan(p: &Project, extra_env: &[(&str, &str)], comment_file: bool) -> Run {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let fake = FakeGitHub::start().await;
        let files = ["comment.md", "report.md", "summary.md", "output.txt"].map(|f| p.root.join(f));
        std::fs::write(p.root.join("event.json"), PR_EVENT).expect("event");
        let mut cmd = common::tfpromote();
        cmd.current_dir(&p.root)
            .args(["plan", "--env", "dev", "--report-file"])
            .arg(&files[1])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &files[2])
            .env("GITHUB_OUTPUT", &files[3])
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", p.root.join("event.json"))
            .env("GITHUB_REPOSITORY", "octo/repo")
            .env("GITHUB_SHA", "deadbeef")
            .env("GITHUB_RUN_ID", "7")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_API_URL", fake.api_url())
            .env("GITHUB_TOKEN", "ghs_faketoken")
            .env("TFPROMOTE_GITHUB_BACKOFF", "10ms");
        if comment_file {
            cmd.arg("--comment-file").arg(&files[0]);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("run tfpromote"))
            .await
            .expect("join");
        let mut channels: Vec<(String, String)> = files
            .iter()
            .map(|f| (f.display().to_string(), read(f)))
            .collect();
        for r in fake.requests() {
            channels.push((format!("request {} {}", r.method, r.path), r.body.clone()));
        }
        assert!(fake.violations().is_empty(), "{:?}", fake.violations());
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            channels,
        }
    })
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Apply with OLD secrets, plan NEW ones: Terraform's text prints the old PEM key (the
/// `terraform_data` output lost its mark) as a heredoc and the quoted one escaped. One run,
/// shared by the tests of items 2, 3, 4 and 7.
fn changed_secrets_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let p = project();
        write_vars(&p, "OLD");
        apply(&p);
        write_vars(&p, "NEW");
        let run = plan(&p, &[("TF_VAR_flag", "true")], false);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        run
    })
}

fn all_canaries(run_tags: &[&str]) -> Vec<String> {
    run_tags.iter().flat_map(|t| canaries(t)).collect()
}

/// Item 2: the multi-line PEM key is masked in every channel, and each of its lines is
/// registered with the runner before any Terraform output is printed.
#[test]
fn multi_line_secrets_are_masked_and_registered_first() {
    let run = changed_secrets_run();
    let pem_lines: Vec<String> = all_canaries(&["OLD", "NEW"])
        .into_iter()
        .filter(|c| c.starts_with("MII") || c.starts_with("BKc"))
        .collect();
    run.assert_clean(&pem_lines.iter().map(String::as_str).collect::<Vec<_>>());
    let log_starts = run
        .stderr
        .find("::group::terraform: dev")
        .expect("the log group");
    for line in &pem_lines {
        let mask = run
            .stderr
            .find(&format!("::add-mask::{line}"))
            .unwrap_or_else(|| panic!("no mask for {line}:\n{}", run.stderr));
        assert!(mask < log_starts, "mask for {line} after the log");
    }
    assert!(
        run.stderr.contains("***"),
        "the old key was in the log and masked, not dropped"
    );
}

/// Item 3: a secret with `"` and `\`, printed by Terraform in its escaped form, is masked.
#[test]
fn escaped_forms_of_secrets_are_masked() {
    let run = changed_secrets_run();
    run.assert_clean(&["OTE-OLD", "OTE-NEW"]);
}

/// Item 4: stdout is the comment body and nothing else; masks go to stderr.
#[test]
fn stdout_carries_no_workflow_commands() {
    let run = changed_secrets_run();
    assert!(
        run.stdout.starts_with("<!-- tfpromote:tracker"),
        "stdout is the comment body: {}",
        run.stdout
    );
    assert!(
        !run.stdout.lines().any(|l| l.starts_with("::")),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("::add-mask::"), "{}", run.stderr);
    assert!(run.stdout.contains("terraform_data.keys"), "{}", run.stdout);
}

/// Item 7: a trivial value (`TF_VAR_flag=true`) is never registered as a mask, and the step
/// outputs stay plain data.
#[test]
fn trivial_values_are_not_registered_as_masks() {
    let run = changed_secrets_run();
    assert!(
        !run.stderr.lines().any(|l| l == "::add-mask::true"),
        "{}",
        run.stderr
    );
    let outputs = &run
        .channels
        .iter()
        .find(|(c, _)| c.ends_with("output.txt"))
        .expect("outputs")
        .1;
    assert!(outputs.contains("has_changes=true"), "{outputs}");
    assert!(outputs.contains("dev_summary_json<<"), "{outputs}");
    assert!(!outputs.contains("***"), "{outputs}");
}

/// Item 1: a plan that fails prints a value from a var file in Terraform's error
/// (`terraform_data.keys.output.quoted is "..."`). Nothing of it reaches any channel; the
/// failure shows Terraform's diagnostic.
#[test]
fn a_failed_plan_leaks_no_var_file_secret() {
    let p = project();
    write_vars(&p, "FAIL");
    apply(&p);
    let run = plan(&p, &[("TF_VAR_fail", "true")], true);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    run.assert_clean(
        &all_canaries(&["FAIL"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let comment = &run.channels[0].1;
    assert!(comment.contains("dev: plan failed"), "{comment}");
    assert!(
        comment
            .contains("Error: Resource precondition failed (main.tf line 34): The gate is closed."),
        "{comment}"
    );
    assert!(
        run.stderr.contains("::error file=envs/dev/main.tf,line=34"),
        "{}",
        run.stderr
    );
}

/// Item 5: a token service answering in an unexpected shape (a bare JSON string holding the
/// token) fails the job without the error quoting the answer.
#[tokio::test(flavor = "multi_thread")]
async fn an_unexpected_token_answer_is_never_quoted() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.CANARY-OIDC-JWT-5150.c2ln";
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json")
                .set_body_string(format!("\"{TOKEN}\"")),
        )
        .mount(&server)
        .await;
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(tmp.path().join("root")).expect("root");
    std::fs::write(
        tmp.path().join("tfpromote.yaml"),
        format!(
            "version: 1\naws:\n  retry_timeout: 5s\nenvironments:\n  - name: dev\n    dir: root\n    plan_role: {}\n",
            common::oidc::ROLE_ARN
        ),
    )
    .expect("config");
    let mut cmd = common::tfpromote();
    cmd.current_dir(tmp.path())
        .args(["credentials", "--env", "dev"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/infra")
        .env("GITHUB_RUN_ID", "1")
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            common::oidc::token_url(&server),
        )
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            common::oidc::REQUEST_BEARER,
        )
        .env("AWS_ENDPOINT_URL_STS", server.uri());
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("run"))
        .await
        .expect("join");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not shown"), "{stderr}");
    for (stream, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        assert!(
            !text.contains("CANARY-OIDC-JWT"),
            "{stream} quotes the token:\n{text}"
        );
    }
}
