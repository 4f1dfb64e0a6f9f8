//! `tfpromote plan` in a simulated Actions job against the fake GitHub: the tracker comment
//! is posted with nothing secret in any request, a push finds its PR on a GHES-style API,
//! and a read-only (fork) token leaves the plan green with a warning and a job summary.

use crate::common;

use std::path::{Path, PathBuf};

use common::github_fake::{FakeGitHub, Fault};

struct Job {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    summary: PathBuf,
    output: PathBuf,
    event: PathBuf,
}

/// A project with one environment `dev` from the secrets fixture, its canaries in a var file.
fn job() -> Job {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let env = root.join("envs/dev");
    common::copy_tree(&common::fixtures().join("tf/secrets"), &env);
    std::fs::create_dir_all(root.join("envs/prod")).expect("prod dir");
    std::fs::write(
        root.join("envs/prod/main.tf"),
        "resource \"terraform_data\" \"p\" {}\n",
    )
    .expect("prod");
    std::fs::write(
        env.join("secrets.tfvars"),
        "db_password = \"CANARY-PW-1111\"\nnested = { k = [\"CANARY-NEST-2222\"] }\nunmarked = \"CANARYPAT-3333\"\n",
    )
    .expect("tfvars");
    std::fs::write(
        root.join("tfpromote.yaml"),
        "version: 1\nredact:\n  patterns: ['CANARYPAT-[0-9]+']\nenvironments:\n  - name: dev\n    dir: envs/dev\n    var_files: [envs/dev/secrets.tfvars]\n  - name: prod\n    dir: envs/prod\n",
    )
    .expect("config");
    Job {
        summary: root.join("summary.md"),
        output: root.join("output.txt"),
        event: root.join("event.json"),
        root,
        _tmp: tmp,
    }
}

const CANARIES: [&str; 4] = [
    "CANARY-PW-1111",
    "CANARY-NEST-2222",
    "CANARYPAT-3333",
    "CANARY-TOKEN-4444",
];

async fn plan(job: &Job, fake: &FakeGitHub, event_name: &str, event: &str) -> std::process::Output {
    std::fs::write(&job.event, event).expect("event");
    let mut cmd = common::tfpromote();
    cmd.current_dir(&job.root)
        .args(["plan", "--env", "dev", "--comment-file", "comment.md"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &job.summary)
        .env("GITHUB_OUTPUT", &job.output)
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", &job.event)
        .env("GITHUB_REPOSITORY", "octo/repo")
        .env("GITHUB_SHA", "deadbeef")
        .env("GITHUB_RUN_ID", "99")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_TOKEN", "ghs_faketoken")
        .env("TFPROMOTE_GITHUB_BACKOFF", "10ms")
        .env("TF_VAR_api_token", "CANARY-TOKEN-4444");
    tokio::task::spawn_blocking(move || cmd.output().expect("run tfpromote"))
        .await
        .expect("join")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

const PR_EVENT: &str =
    r#"{"number": 42, "pull_request": {"number": 42, "head": {"sha": "cafe0042"}}}"#;

#[tokio::test(flavor = "multi_thread")]
async fn pr_plan_posts_the_tracker_and_leaks_nothing() {
    let fake = FakeGitHub::start().await;
    let job = job();
    let out = plan(&job, &fake, "pull_request", PR_EVENT).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let comments = fake.comments(42);
    assert_eq!(comments.len(), 1, "{stderr}");
    let t = tfpromote::tracker::parse(&comments[0].body);
    let dev = &t.data.envs["dev"];
    assert_eq!(
        dev.commit.as_deref(),
        Some("cafe0042"),
        "planned at the PR head"
    );
    assert_eq!(
        dev.run_url.as_deref(),
        Some("https://github.com/octo/repo/actions/runs/99")
    );
    assert!(
        dev.fingerprint
            .as_deref()
            .is_some_and(|f| f.starts_with("sha256:"))
    );
    let outputs = read(&job.output);
    assert!(
        outputs.contains("comment_url=https://github.com/octo/repo/pull/42#issuecomment-"),
        "{outputs}"
    );
    for request in fake.requests() {
        for canary in CANARIES {
            assert!(
                !request.body.contains(canary),
                "{canary} sent in {} {}",
                request.method,
                request.path
            );
        }
    }
    assert_eq!(fake.violations(), Vec::<String>::new());

    // A second plan edits the same comment.
    let again = plan(&job, &fake, "pull_request", PR_EVENT).await;
    assert!(again.status.success());
    assert_eq!(fake.comments(42).len(), 1);
    assert_eq!(fake.count("issues/create-comment"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn push_on_ghes_finds_the_pr_of_the_commit() {
    let fake = FakeGitHub::start_with_prefix("/api/v3").await;
    fake.set_prs_for_commit("deadbeef", &[(12, true)]);
    let job = job();
    let out = plan(&job, &fake, "push", r#"{"ref": "refs/heads/main"}"#).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let comments = fake.comments(12);
    assert_eq!(comments.len(), 1);
    let t = tfpromote::tracker::parse(&comments[0].body);
    assert_eq!(t.data.envs["dev"].commit.as_deref(), Some("deadbeef"));
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path.starts_with("/api/v3/"))
    );
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn fork_token_cannot_comment_but_the_plan_succeeds() {
    let fake = FakeGitHub::start().await;
    fake.inject("issues/create-comment", Fault::read_only(), usize::MAX);
    let job = job();
    let out = plan(&job, &fake, "pull_request", PR_EVENT).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("::warning title=tfpromote%3A PR comment not updated::"),
        "{stderr}"
    );
    assert!(stderr.contains("pull-requests: write"), "{stderr}");
    let summary = read(&job.summary);
    assert!(summary.contains("## Terraform plan"), "{summary}");
    assert!(summary.contains("could not be updated"), "{summary}");
    assert!(fake.comments(42).is_empty());
    assert!(!read(&job.output).contains("comment_url"));
}

#[test]
fn terraform_errors_become_annotations_on_file_and_line() {
    let tmp = tempfile::tempdir().expect("tempdir");
    common::copy_tree(
        &common::fixtures().join("tf/invalid_ref"),
        &tmp.path().join("envs/dev"),
    );
    std::fs::write(
        tmp.path().join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--env", "dev", "--comment-file", "comment.md"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("::error file=envs/dev/main.tf,line=7,title=Terraform%3A Reference to undeclared resource::"),
        "{stderr}"
    );
}
