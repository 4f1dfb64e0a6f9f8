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

/// `render --format json` reads for `Purpose::Machine` (no secret values, no
/// lists beyond destructive changes, the document written as it is built): on every
/// conformance plan it must print exactly what a full summary renders, while keeping no
/// secret value and no resource it does not print.
#[test]
fn machine_json_equals_the_full_summary_json_on_every_conformance_plan() {
    use tfpromote::summary::Purpose;
    let mut plans: Vec<_> = std::fs::read_dir(common::conformance_dir())
        .expect("conformance dir")
        .map(|e| e.expect("entry").path().join("plan.json"))
        .filter(|p| p.is_file())
        .collect();
    plans.sort();
    assert!(plans.len() >= 15, "found only {plans:?}");
    let (mut with_secrets, mut with_non_destructive) = (0, 0);
    for plan in &plans {
        let (full, machine) = match (
            Summary::from_file(plan),
            Summary::from_file_for(plan, Purpose::Machine),
        ) {
            (Ok(full), Ok(machine)) => (full, machine),
            // A plan that does not read (`invalid/`) fails the same way for both.
            (Err(full), Err(machine)) => {
                assert_eq!(full.to_string(), machine.to_string());
                continue;
            }
            (full, machine) => panic!("{}: {full:?} but {machine:?}", plan.display()),
        };
        let expected = json::render(&full);
        assert_eq!(json::render(&machine), expected, "{}", plan.display());

        let out = common::tfpromote()
            .args(["render", "--format", "json", "--plan-json"])
            .arg(plan)
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", plan.display());
        assert_eq!(
            String::from_utf8(out.stdout).expect("utf-8"),
            format!("{expected}\n"),
            "{}",
            plan.display()
        );

        assert!(machine.secret_literals.is_empty(), "{}", plan.display());
        assert!(
            machine.resources.iter().all(|r| r.kind.is_destructive()),
            "{}",
            plan.display()
        );
        assert_eq!(
            (machine.counts, &machine.fingerprint),
            (full.counts, &full.fingerprint)
        );
        with_secrets += usize::from(!full.secret_literals.is_empty());
        with_non_destructive +=
            usize::from(full.resources.iter().any(|r| !r.kind.is_destructive()));
    }
    // The comparison means something only if some plans hold what the machine summary drops.
    assert!(with_secrets > 0 && with_non_destructive > 0);
}
