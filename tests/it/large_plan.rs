//! A generated 20,000-resource plan: the comment stays within GitHub's 65,536-character limit
//! and keeps every destroy/replace warning; the step summary stays within 1 MiB.

use crate::common;

use serde_json::{Value, json};
use std::io::Write;

use tfpromote::render::{STEP_SUMMARY_BUDGET, markdown};
use tfpromote::summary::Summary;

const GITHUB_COMMENT_LIMIT: usize = 65_536;

/// Writes a plan with `total` resources, `deletes` of them destroyed and `replaces` replaced.
fn write_plan(path: &std::path::Path, total: usize, deletes: usize, replaces: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    write!(
        file,
        r#"{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":["#
    )
    .expect("write");
    for i in 0..total {
        let (actions, reason, before, after): (Value, Value, Value, Value) = if i < deletes {
            (
                json!(["delete"]),
                json!("delete_because_no_resource_config"),
                json!({"bucket": format!("b{i}")}),
                Value::Null,
            )
        } else if i < deletes + replaces {
            (
                json!(["delete", "create"]),
                json!("replace_because_cannot_update"),
                json!({"ami": "ami-old", "tags": {"Name": "n"}}),
                json!({"ami": "ami-new", "tags": {"Name": "n"}}),
            )
        } else if i % 2 == 0 {
            (
                json!(["update"]),
                Value::Null,
                json!({"size": 1, "tags": {"Team": "a"}}),
                json!({"size": 2, "tags": {"Team": "b"}}),
            )
        } else {
            (
                json!(["create"]),
                Value::Null,
                Value::Null,
                json!({"name": format!("n{i}")}),
            )
        };
        let kind = if i < deletes {
            "aws_s3_bucket"
        } else if i < deletes + replaces {
            "aws_instance"
        } else {
            "aws_ssm_parameter"
        };
        let mut rc = json!({
            "address": format!("module.platform.{kind}.r{i:05}"),
            "mode": "managed", "type": kind, "name": format!("r{i:05}"),
            "change": {"actions": actions, "before": before, "after": after,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}}
        });
        if !reason.is_null() {
            rc["action_reason"] = reason;
        }
        if i >= deletes && i < deletes + replaces {
            rc["change"]["replace_paths"] = json!([["ami"]]);
        }
        if i > 0 {
            write!(file, ",").expect("write");
        }
        serde_json::to_writer(&mut file, &rc).expect("write");
    }
    write!(file, r#"],"output_changes":{{}}}}"#).expect("write");
}

#[test]
fn twenty_thousand_resources_fit_a_comment_with_every_warning() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    write_plan(&plan, 20_000, 60, 40);

    let out = common::tfpromote()
        .args(["render", "--env", "prod", "--plan-json"])
        .arg(&plan)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        md.chars().count() <= GITHUB_COMMENT_LIMIT,
        "{} characters",
        md.chars().count()
    );
    assert!(
        md.contains("60 resources will be destroyed"),
        "destroy count missing"
    );
    assert!(
        md.contains("40 resources will be replaced"),
        "replace count missing"
    );
    for i in 0..100 {
        let kind = if i < 60 {
            "aws_s3_bucket"
        } else {
            "aws_instance"
        };
        let address = format!("module.platform.{kind}.r{i:05}");
        let line = md
            .lines()
            .find(|l| l.starts_with("> - ") && l.contains(&address));
        assert!(line.is_some(), "warning for {address} was cut");
    }
    assert!(
        md.contains("more not shown"),
        "the cut list must say how many are missing"
    );
    assert!(md.contains("`+9,950 ~9,950 -60 ±40`"), "counts line");
}

#[test]
fn too_many_destroys_to_list_still_keeps_every_count() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    write_plan(&plan, 20_000, 15_000, 5_000);
    let out = common::tfpromote()
        .args(["render", "--env", "prod", "--plan-json"])
        .arg(&plan)
        .output()
        .expect("run");
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        md.chars().count() <= GITHUB_COMMENT_LIMIT,
        "{} characters",
        md.chars().count()
    );
    assert!(md.contains("15,000 resources will be destroyed"));
    assert!(md.contains("5,000 resources will be replaced"));
    assert!(
        md.contains("**destroy** 15,000 × `aws_s3_bucket`"),
        "{}",
        &md[..md.len().min(2000)]
    );
    assert!(md.contains("**replace** 5,000 × `aws_instance`"));
}

#[test]
fn step_summary_and_full_report_keep_more() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    write_plan(&plan, 20_000, 60, 40);
    let summary = Summary::from_file(&plan).expect("reads");
    let envs = [tfpromote::pipeline::EnvReport {
        name: "prod".into(),
        result: Ok(summary.clone()),
    }];
    let step = markdown::plan_document("Terraform plan", &envs, STEP_SUMMARY_BUDGET);
    assert!(
        step.len() <= 1024 * 1024,
        "step summary {} bytes",
        step.len()
    );
    let full = markdown::plan_document("Terraform plan", &envs, usize::MAX);
    assert!(
        !full.contains("more not shown"),
        "the report file lists everything"
    );
    assert!(full.matches("module.platform.").count() >= 20_000);
    let comment_rows =
        markdown::plan_document("Terraform plan", &envs, tfpromote::render::COMMENT_BUDGET)
            .matches("| `")
            .count();
    let step_rows = step.matches("| `").count();
    assert!(
        step_rows > comment_rows * 5,
        "step summary shows {step_rows} rows vs {comment_rows}"
    );
}
