//! Rendered Markdown and JSON for real conformance plans, reviewed as insta snapshots.

use crate::common;

use tfpromote::render::{COMMENT_BUDGET, json, markdown};
use tfpromote::summary::Summary;

fn summary(name: &str) -> Summary {
    Summary::from_file(&common::conformance_dir().join(name)).expect("plan reads")
}

#[test]
fn markdown_snapshots() {
    for (name, file) in [
        ("action_reason", "action_reason/plan.json"),
        ("sensitive_values", "110_sensitive_values/plan.json"),
        ("moved_block", "moved_block/plan.json"),
        ("identity_import", "identity/plan.json"),
        ("outputs_only", "has_changes/plan.json"),
        (
            "config_resource_depends_on",
            "config_resource_depends_on/plan.json",
        ),
        ("deep_module", "deep_module/plan.json"),
    ] {
        let md = markdown::environment_block("dev", &summary(file), COMMENT_BUDGET);
        insta::assert_snapshot!(format!("markdown_{name}"), md);
    }
}

#[test]
fn json_snapshots() {
    for (name, file) in [
        ("action_reason", "action_reason/plan.json"),
        ("basic", "basic/plan.json"),
    ] {
        insta::assert_snapshot!(format!("json_{name}"), json::render(&summary(file)));
    }
}

#[test]
fn plan_document_snapshot() {
    let dev = summary("action_reason/plan.json");
    let stage = summary("moved_block/plan.json");
    let envs = [
        tfpromote::pipeline::EnvReport {
            name: "dev".into(),
            result: Ok(dev.clone()),
        },
        tfpromote::pipeline::EnvReport {
            name: "stage".into(),
            result: Ok(stage.clone()),
        },
        tfpromote::pipeline::EnvReport {
            name: "prod".into(),
            result: Err("Error: Invalid reference\n\n  on main.tf line 3".into()),
        },
    ];
    insta::assert_snapshot!(
        "plan_document",
        markdown::plan_document("Terraform plan", &envs, COMMENT_BUDGET)
    );
}
