//! The `github-standin` binary as the sandbox runs it: prints its URL, answers validated
//! requests, and stops (exit 0) when its standard input closes or on SIGTERM.
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Api;
use serde_json::json;

fn start(extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_github-standin"))
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("github-standin starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the URL line");
    (child, line.trim().to_string())
}

/// Waits (bounded) for the process to exit.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("github-standin did not stop");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn the_binary_serves_validated_requests_and_stops_on_stdin_eof() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url_file = dir.path().join("url");
    let (mut child, url) = start(&[
        "--prefix",
        "/api/v3",
        "--repo",
        "acme/platform",
        "--url-file",
        url_file.to_str().expect("utf-8 path"),
    ]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(
        std::fs::read_to_string(&url_file).expect("url file").trim(),
        url
    );

    let api = Api::new(&format!("{url}/api/v3"));
    let (status, created) = api
        .post(
            "/repos/acme/platform/statuses/abcdef1",
            json!({"state": "success", "context": "tfpromote/dev", "description": "applied"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (_, combined) = api.get("/repos/acme/platform/commits/abcdef1/status").await;
    assert_eq!(combined["state"], "success");
    assert_eq!(combined["statuses"][0]["context"], "tfpromote/dev");
    let (status, _) = api.get("/repos/octo/repo/commits/abcdef1/status").await;
    assert_eq!(status, 404, "only the repository it serves");
    let control = Api::new(&url);
    let (_, violations) = control.get("/_standin/violations").await;
    assert_eq!(violations, json!([]));

    drop(child.stdin.take());
    let status = wait(&mut child);
    assert_eq!(status.code(), Some(0));
}

#[test]
fn the_binary_stops_on_sigterm_and_refuses_a_bad_repo() {
    let (mut child, url) = start(&["--ignore-stdin"]);
    assert!(url.starts_with("http://127.0.0.1:"));
    drop(child.stdin.take());
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "--ignore-stdin keeps serving"
    );
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    assert_eq!(wait(&mut child).code(), Some(0));

    let out = Command::new(env!("CARGO_BIN_EXE_github-standin"))
        .args(["--repo", "no-slash"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected OWNER/NAME"));
}
