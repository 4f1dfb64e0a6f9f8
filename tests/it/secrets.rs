//! Canary values planted in every place a secret can hide must appear in no output:
//! Markdown, JSON, logs, step outputs, job summary, report file.

use crate::common;

use serde_json::json;
use std::path::Path;

use tfpromote::render::{COMMENT_BUDGET, json as render_json, markdown};
use tfpromote::summary::Summary;

/// A synthetic plan with canaries in nested sensitive attributes, sensitive outputs and
/// sensitive variables (which `show -json` prints in clear text).
fn canary_plan() -> serde_json::Value {
    json!({
        "format_version": "1.2",
        "terraform_version": "1.11.4",
        "variables": {
            "db_password": {"value": "CANARY-VAR-7d1f"},
            "nested": {"value": {"k": ["CANARY-VARLIST-88aa"]}},
            "region": {"value": "us-east-1"}
        },
        "resource_changes": [{
            "address": "aws_db_instance.main",
            "mode": "managed", "type": "aws_db_instance", "name": "main",
            "action_reason": "replace_because_cannot_update",
            "change": {
                "actions": ["delete", "create"],
                "before": {"password": "CANARY-OLD-1a2b", "config": {"map": {"k": "CANARY-MAP-3c4d"}, "list": ["CANARY-LIST-5e6f"]}, "engine": "postgres"},
                "after": {"password": "CANARY-NEW-9a8b", "config": {"map": {"k": "CANARY-MAP2-3c4d"}, "list": ["CANARY-LIST2-5e6f"]}, "engine": "postgres16"},
                "after_unknown": {},
                "before_sensitive": {"password": true, "config": {"map": {"k": true}, "list": [true]}},
                "after_sensitive": {"password": true, "config": {"map": {"k": true}, "list": [true]}},
                "replace_paths": [["engine"]]
            }
        }],
        "output_changes": {
            "conn": {"actions": ["create"], "before": null, "after": "CANARY-OUT-0f0f", "after_unknown": false, "before_sensitive": false, "after_sensitive": true}
        },
        "configuration": {"root_module": {"variables": {
            "db_password": {"sensitive": true},
            "nested": {"sensitive": true},
            "region": {}
        }}}
    })
}

const SYNTHETIC_CANARIES: &[&str] = &[
    "CANARY-VAR-7d1f",
    "CANARY-VARLIST-88aa",
    "CANARY-OLD-1a2b",
    "CANARY-MAP-3c4d",
    "CANARY-LIST-5e6f",
    "CANARY-NEW-9a8b",
    "CANARY-MAP2-3c4d",
    "CANARY-LIST2-5e6f",
    "CANARY-OUT-0f0f",
];

fn assert_clean(what: &str, text: &str, canaries: &[&str]) {
    for canary in canaries {
        assert!(!text.contains(canary), "{what} leaks {canary}:\n{text}");
    }
}

#[test]
fn rendered_summaries_carry_no_sensitive_value() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("plan.json");
    std::fs::write(&path, canary_plan().to_string()).expect("write");
    let summary = Summary::from_file(&path).expect("reads");
    // The reader does see the sensitive variables: they feed the redactor.
    assert!(
        summary
            .secret_literals
            .iter()
            .any(|s| s == "CANARY-VAR-7d1f")
    );
    assert!(
        summary
            .secret_literals
            .iter()
            .any(|s| s == "CANARY-VARLIST-88aa")
    );
    assert!(
        !summary.secret_literals.iter().any(|s| s == "us-east-1"),
        "non-sensitive variables are not secrets"
    );

    let md = markdown::environment_block("prod", &summary, COMMENT_BUDGET);
    assert_clean("markdown", &md, SYNTHETIC_CANARIES);
    assert!(
        md.contains("password (sensitive)"),
        "sensitive attributes are named: {md}"
    );
    assert!(md.contains("`engine`"), "{md}");
    assert_clean("json", &render_json::render(&summary), SYNTHETIC_CANARIES);
    assert_clean(
        "debug form of the summary",
        &format!("{:?}", summary.resources),
        SYNTHETIC_CANARIES,
    );

    for format in ["markdown", "json"] {
        let out = common::tfpromote()
            .args(["render", "--format", format, "--plan-json"])
            .arg(&path)
            .output()
            .expect("run");
        assert!(out.status.success());
        assert_clean(
            format,
            &String::from_utf8_lossy(&out.stdout),
            SYNTHETIC_CANARIES,
        );
        assert_clean(
            "stderr",
            &String::from_utf8_lossy(&out.stderr),
            SYNTHETIC_CANARIES,
        );
    }
}

#[test]
fn fingerprint_does_not_depend_on_sensitive_values() {
    let mut other = canary_plan();
    other["resource_changes"][0]["change"]["after"]["password"] = json!("CANARY-DIFFERENT");
    let a = Summary::from_reader(canary_plan().to_string().as_bytes()).expect("a");
    let b = Summary::from_reader(other.to_string().as_bytes()).expect("b");
    assert_eq!(a.fingerprint, b.fingerprint);
    other["resource_changes"][0]["change"]["after"]["engine"] = json!("postgres17");
    let c = Summary::from_reader(other.to_string().as_bytes()).expect("c");
    assert_ne!(
        a.fingerprint, c.fingerprint,
        "a non-sensitive planned value must change it"
    );
}

/// Real Terraform: apply once with old secrets, then `tfpromote plan` an update to new ones,
/// inside a simulated Actions job, and search every byte it wrote.
#[test]
fn real_plan_leaks_nothing_anywhere() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("envs/dev");
    common::copy_tree(&common::fixtures().join("tf/secrets"), &root);
    let write_vars = |password: &str, nested: &str, unmarked: &str| {
        std::fs::write(
            root.join("secrets.tfvars"),
            format!("db_password = \"{password}\"\nnested = {{ k = [\"{nested}\"] }}\nunmarked = \"{unmarked}\"\n"),
        )
        .expect("tfvars");
    };
    write_vars(
        "CANARY-PW-OLD-1111",
        "CANARY-NEST-OLD-2222",
        "CANARYPAT-3333",
    );
    let tf = |args: &[&str]| {
        let out = std::process::Command::new(common::terraform())
            .arg(format!("-chdir={}", root.display()))
            .args(args)
            .env("TF_VAR_api_token", "CANARY-TOKEN-OLD-4444")
            .env("TF_IN_AUTOMATION", "1")
            .output()
            .expect("terraform");
        assert!(
            out.status.success(),
            "terraform {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    tf(&["init", "-input=false"]);
    tf(&[
        "apply",
        "-input=false",
        "-auto-approve",
        "-var-file=secrets.tfvars",
    ]);

    write_vars(
        "CANARY-PW-NEW-5555",
        "CANARY-NEST-NEW-6666",
        "CANARYPAT-7777",
    );
    std::fs::write(
        tmp.path().join("tfpromote.yaml"),
        "version: 1\nredact:\n  patterns: ['CANARYPAT-[0-9]+']\nenvironments:\n  - name: dev\n    dir: envs/dev\n    var_files: [envs/dev/secrets.tfvars]\n",
    )
    .expect("config");
    let files = ["comment.md", "report.md", "summary.md", "output.txt"].map(|f| tmp.path().join(f));
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--env", "dev", "--comment-file"])
        .arg(&files[0])
        .arg("--report-file")
        .arg(&files[1])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &files[2])
        .env("GITHUB_OUTPUT", &files[3])
        .env("TF_VAR_api_token", "CANARY-TOKEN-NEW-8888")
        .output()
        .expect("run tfpromote");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "plan failed: {stderr}");

    let canaries = [
        "CANARY-PW-OLD-1111",
        "CANARY-NEST-OLD-2222",
        "CANARYPAT-3333",
        "CANARY-TOKEN-OLD-4444",
        "CANARY-PW-NEW-5555",
        "CANARY-NEST-NEW-6666",
        "CANARYPAT-7777",
        "CANARY-TOKEN-NEW-8888",
    ];
    // `::add-mask::` lines are the one place a secret may appear: they tell the runner to
    // hide it. They go to stderr, so stdout stays clean machine-readable output.
    let stderr_without_masks: String = stderr
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_clean("stdout", &stdout, &canaries);
    assert_clean("stderr (logs)", &stderr_without_masks, &canaries);
    for file in &files {
        assert_clean(&file.display().to_string(), &read(file), &canaries);
    }
    // The masks were registered for the secrets Terraform's JSON revealed.
    assert!(
        stderr.contains("::add-mask::CANARY-PW-NEW-5555"),
        "{stderr}"
    );
    assert!(
        stderr.contains("::add-mask::CANARY-TOKEN-NEW-8888"),
        "{stderr}"
    );
    // And the work was really done: the update and its sensitive attribute are described.
    let comment = read(&files[0]);
    assert!(comment.contains("1 to change"), "{comment}");
    assert!(
        comment.contains("input (sensitive)") || comment.contains("input."),
        "{comment}"
    );
    assert!(
        stderr.contains("***"),
        "the unmarked value was redacted in the log, not dropped"
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
