//! The broken limits and the offline leaks: one test per numbered point, each
//! run through the real binary (or the library's public API where the point is about a
//! pure function), searching every channel the point concerns.

use crate::common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;

use tfpromote::render::markdown;
use tfpromote::summary::Summary;
use tfpromote::tracker::{
    COMMENT_LIMIT, EnvRecord, Tracker, render as render_tracker, section_budget,
};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("dirs");
    }
    std::fs::write(&path, content).expect("write");
    path
}

fn resource(address: &str, actions: Value, extra: Value) -> Value {
    let mut rc = json!({
        "address": address, "mode": "managed", "type": "aws_thing", "name": "x",
        "change": {"actions": actions, "before": {"a": 1}, "after": {"a": 2},
                   "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
    });
    if let (Some(rc), Some(extra)) = (rc.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            rc.insert(k.clone(), v.clone());
        }
    }
    rc
}

fn plan_with(changes: Vec<Value>) -> Value {
    json!({"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes})
}

fn render(args: &[&str], cwd: &Path) -> Output {
    common::tfpromote()
        .current_dir(cwd)
        .arg("render")
        .args(args)
        .output()
        .expect("run tfpromote")
}

/// Item 6: 1,200 destroys inside `module.m[0]`: grouped by the real resource type, the
/// environment block and the whole tracker comment fit, and the caution block is there.
#[test]
fn destroys_in_module_instances_fit_the_tracker_with_the_warning() {
    let changes: Vec<Value> = (0..1200)
        .map(|i| {
            resource(
                &format!("module.m[0].aws_s3_bucket.bucket_with_a_long_name_{i:05}[\"key-{i}\"]"),
                json!(["delete"]),
                json!({"action_reason": "delete_because_no_resource_config"}),
            )
        })
        .collect();
    let summary = Summary::from_reader(plan_with(changes).to_string().as_bytes()).expect("plan");
    let budget = section_budget(1);
    let block = markdown::environment_block("prod", &summary, budget);
    assert!(block.len() <= budget, "block {} > {budget}", block.len());
    assert!(
        block.contains("> **prod: 1,200 resources will be destroyed**"),
        "{block}"
    );
    assert!(
        block.contains("**destroy** 1,200 × `aws_s3_bucket`"),
        "{block}"
    );
    let mut tracker = Tracker::default();
    tracker.record_plan("prod", EnvRecord::planned(&summary, None, None), &block);
    let body = render_tracker(&tracker, &["prod".to_string()]);
    assert!(body.chars().count() <= COMMENT_LIMIT, "{}", body.len());
    assert!(
        body.contains("1,200 resources will be destroyed"),
        "tracker kept the warning"
    );
}

/// Item 7: sensitive `true` and `5059` never corrupt machine output: `render --format json`
/// is valid JSON with real booleans and counts, and the fingerprint has no `***`.
#[test]
fn trivial_sensitive_values_do_not_corrupt_machine_output() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut plan = plan_with(vec![resource(
        "aws_thing.x",
        json!(["update"]),
        json!({"change": {"actions": ["update"], "before": {"flag": "true", "pin": 5059, "n": 1},
            "after": {"flag": "false", "pin": 5059, "n": 2}, "after_unknown": {},
            "before_sensitive": {"flag": true, "pin": true}, "after_sensitive": {"flag": true, "pin": true}}}),
    )]);
    plan["variables"] = json!({"v": {"value": "true"}});
    plan["configuration"] = json!({"root_module": {"variables": {"v": {"sensitive": true}}}});
    let path = write(tmp.path(), "plan.json", plan.to_string());
    let out = render(
        &[
            "--format",
            "json",
            "--plan-json",
            path.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let parsed: Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(parsed["has_changes"], json!(true));
    assert_eq!(parsed["resources"]["update"], json!(1));
    let fingerprint = parsed["fingerprint"].as_str().expect("fingerprint");
    assert!(fingerprint.starts_with("sha256:") && !fingerprint.contains('*'));
}

/// Item 8: a value nested deeper than the reader can follow is refused with the file
/// named, instead of being left out of the fingerprint.
#[test]
fn values_nested_too_deep_are_refused_not_ignored() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let deep = |leaf: &str| {
        format!(
            r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_thing.x","change":{{"actions":["update"],"before":null,"after":{}"{leaf}"{},"after_sensitive":false}}}}]}}"#,
            "[".repeat(200),
            "]".repeat(200)
        )
    };
    let a = write(tmp.path(), "a.json", deep("one"));
    write(tmp.path(), "b.json", deep("two"));
    let out = render(
        &["--format", "json", "--plan-json", a.to_str().expect("utf8")],
        tmp.path(),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("a.json") && stderr.contains("more than 128 levels deep"),
        "{stderr}"
    );
    assert!(Summary::from_reader(deep("one").as_bytes()).is_err());
}

/// Item 9: `render --config` applies the config's `redact.patterns` to the Markdown.
#[test]
fn render_applies_the_configs_redact_patterns() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(
        tmp.path(),
        "cfg/tfpromote.yaml",
        "version: 1\nredact:\n  patterns: ['CANARYPAT-[0-9]+']\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    );
    let plan = plan_with(vec![resource(
        "aws_thing.x[\"CANARYPAT-1234\"]",
        json!(["create"]),
        json!({}),
    )]);
    let path = write(tmp.path(), "plan.json", plan.to_string());
    let out = render(
        &[
            "--config",
            "cfg/tfpromote.yaml",
            "--plan-json",
            path.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        !stdout.contains("CANARYPAT-1234") && !stderr.contains("CANARYPAT-1234"),
        "{stdout}"
    );
    assert!(stdout.contains("aws_thing.x[\"***\"]"), "{stdout}");
    // A config named explicitly must exist.
    let missing = render(
        &[
            "--config",
            "nope.yaml",
            "--plan-json",
            path.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("nope.yaml"));
}

/// Item 10: an unknown `action_reason` (HTML, @mentions) is shown as a code span.
#[test]
fn unknown_action_reasons_are_not_markdown() {
    let reason = "<img src=x onerror=alert(1)> @octocat **bold**";
    let plan = plan_with(vec![resource(
        "aws_thing.x",
        json!(["delete", "create"]),
        json!({"action_reason": reason}),
    )]);
    let summary = Summary::from_reader(plan.to_string().as_bytes()).expect("plan");
    let md = markdown::environment_block("dev", &summary, 60_000);
    assert_eq!(md.matches(reason).count(), 1, "{md}");
    assert!(md.contains(&format!("`{reason}`")), "{md}");
}

/// Item 11: empty `TFPROMOTE_*` variables (what a composite action passes for unset
/// inputs) count as unset.
#[test]
fn empty_tfpromote_variables_mean_unset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "envs/dev/main.tf", "");
    write(
        tmp.path(),
        "tfpromote.yaml",
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    );
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--env", "nosuch"])
        .env("TFPROMOTE_ALL", "")
        .env("TFPROMOTE_COMMENT_FILE", "")
        .env("TFPROMOTE_REPORT_FILE", "")
        .env("TFPROMOTE_CONFIG", "")
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown environment \"nosuch\""),
        "{stderr}"
    );
    assert!(!stderr.contains("a value is required"), "{stderr}");
}

/// Item 12: directories, var files and backend files must resolve inside the repository
/// (the config's directory here: no `.git`, no `GITHUB_WORKSPACE`), symlinks included.
#[test]
fn paths_outside_the_repository_are_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path(), "envs/dev/main.tf", "");
    std::os::unix::fs::symlink("/etc", tmp.path().join("envs/escape")).expect("symlink");
    let cases = [
        ("dir: /etc", 4, "`dir` \"/etc\""),
        (
            "dir: envs/dev\n    var_files: [/etc/passwd]",
            5,
            "var file \"/etc/passwd\"",
        ),
        (
            "dir: envs/dev\n    var_files: [envs/escape/passwd]",
            5,
            "var file \"envs/escape/passwd\"",
        ),
        (
            "dir: envs/dev\n    backend_config: [../outside.hcl]",
            5,
            "backend config file \"../outside.hcl\"",
        ),
        ("dir: envs/escape", 4, "`dir` \"envs/escape\""),
    ];
    for (env, line, named) in cases {
        write(
            tmp.path(),
            "tfpromote.yaml",
            format!("version: 1\nenvironments:\n  - name: dev\n    {env}\n"),
        );
        let out = common::tfpromote()
            .current_dir(tmp.path())
            .args(["check", "--config-only"])
            .output()
            .expect("run");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{env}: {stderr}");
        assert!(
            stderr.contains(&format!("tfpromote.yaml:{line}:"))
                && stderr.contains(named)
                && stderr.contains("outside the repository"),
            "{env}: {stderr}"
        );
    }
    write(
        tmp.path(),
        "tfpromote.yaml",
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n    var_files: [envs/dev/x.tfvars]\n",
    );
    let ok = common::tfpromote()
        .current_dir(tmp.path())
        .args(["check", "--config-only"])
        .output()
        .expect("run");
    assert!(ok.status.success(), "{}", text(&ok.stderr));
}

/// Item 13: the config's size and nesting are capped with a clear error, fast.
#[test]
fn config_size_and_depth_are_capped() {
    let out = common::tfpromote()
        .args(["--config", "/dev/zero", "check"])
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("/dev/zero: is larger than 1024 KiB"),
        "{stderr}"
    );

    let tmp = tempfile::tempdir().expect("tempdir");
    let deep = format!(
        "version: 1\nenvironments: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let path = write(tmp.path(), "deep.yaml", deep);
    let out = common::tfpromote()
        .arg("--config")
        .arg(&path)
        .arg("check")
        .output()
        .expect("run");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("deep.yaml:2: nests deeper than 64 levels"),
        "{stderr}"
    );
}

/// Item 15: a byte-order mark is accepted in a plan and a config; a `plan -json` log gets a
/// hint; a block without outputs never says "0 output changes not listed".
#[test]
fn small_input_problems_get_clear_answers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = plan_with(vec![resource("aws_thing.x", json!(["create"]), json!({}))]);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(plan.to_string().bytes());
    let path = write(tmp.path(), "bom.json", bom);
    let out = render(
        &[
            "--format",
            "json",
            "--plan-json",
            path.to_str().expect("utf8"),
        ],
        tmp.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    write(tmp.path(), "envs/dev/main.tf", "");
    write(
        tmp.path(),
        "tfpromote.yaml",
        "\u{feff}version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    );
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["check", "--config-only"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let log = "{\"@level\":\"info\",\"@message\":\"Terraform 1.11.4\",\"@module\":\"terraform.ui\",\"type\":\"version\"}\n{\"@level\":\"info\",\"@message\":\"Plan: 1 to add\",\"type\":\"change_summary\"}\n";
    let path = write(tmp.path(), "plan-log.json", log);
    let out = render(&["--plan-json", path.to_str().expect("utf8")], tmp.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`terraform plan -json` log")
            && stderr.contains("terraform show -json PLANFILE"),
        "{stderr}"
    );

    let many: Vec<Value> = (0..3000)
        .map(|i| resource(&format!("aws_thing.r{i}"), json!(["create"]), json!({})))
        .collect();
    let summary = Summary::from_reader(plan_with(many).to_string().as_bytes()).expect("plan");
    let md = markdown::environment_block("dev", &summary, 2_000);
    assert!(!md.contains("output change"), "{md}");
}
