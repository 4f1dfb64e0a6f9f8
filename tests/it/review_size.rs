//! The review sections (checks, policy, cost) have budgets and are cut like the resource
//! table, their headlines and totals never: three environments with huge plans and tens of
//! thousands of findings still make a tracker comment GitHub accepts (65,536 characters).

use serde_json::json;
use tfpromote::cost::{CostLine, CostReport};
use tfpromote::policy::{Finding, Mode, PolicyReport};
use tfpromote::render::markdown;
use tfpromote::review::checks::{Checks, Diagnostic, Severity};
use tfpromote::summary::Summary;
use tfpromote::tracker::{COMMENT_LIMIT, EnvRecord, Tracker, render, section_budget};

fn summary(resources: usize) -> Summary {
    let changes: Vec<_> = (0..resources)
        .map(|i| {
            json!({"address": format!("module.m.aws_instance.node_with_a_long_name[{i}]"), "mode": "managed",
                   "type": "aws_instance", "name": "n",
                   "change": {"actions": ["create"], "before": null, "after": {"a": i},
                              "after_unknown": {}, "before_sensitive": false, "after_sensitive": {}}})
        })
        .collect();
    let plan = json!({"format_version": "1.2", "resource_changes": changes});
    let mut summary = Summary::from_reader(plan.to_string().as_bytes()).expect("plan");
    let many = 20_000;
    summary.review.checks = Some(Checks {
        unformatted: (0..many).map(|i| format!("modules/m{i}/main.tf")).collect(),
        fmt_failed: false,
        diagnostics: (0..many)
            .map(|i| Diagnostic {
                severity: Severity::Warning,
                summary: "Deprecated attribute".into(),
                detail: "The attribute is deprecated.".into(),
                location: Some(format!("main.tf:{i}")),
            })
            .collect(),
    });
    summary.review.policy = Some(PolicyReport {
        mode: Mode::Block,
        source: "refs/remotes/origin/main:policy".into(),
        rules: 4,
        findings: (0..many)
            .map(|i| Finding {
                rule: "required_tags".into(),
                address: format!("module.m.aws_instance.node_with_a_long_name[{i}]"),
                message: "missing required tags: Environment, ManagedBy, Project".into(),
            })
            .collect(),
        error: None,
    });
    summary.review.cost = Some(CostReport {
        delta_micros: 20_000 * 60_736_000,
        lines: (0..many)
            .map(|i| CostLine {
                address: format!("module.m.aws_instance.node_with_a_long_name[{i}]"),
                what: "instance t3.large".into(),
                delta_micros: 60_736_000,
            })
            .collect(),
        unpriced: (0..many).map(|i| (format!("aws_type_{i}"), 1)).collect(),
        sheet: "us-east-1, 2026-12-06".into(),
    });
    summary
}

#[test]
fn huge_review_sections_are_cut_to_budget_and_the_comment_fits() {
    let envs = ["dev", "stage", "prod"];
    let budget = section_budget(envs.len());
    let summary = summary(5_000);
    let mut tracker = Tracker::default();
    for env in envs {
        let block = markdown::environment_block(env, &summary, budget);
        assert!(block.len() <= budget, "{env}: {} > {budget}", block.len());
        // Headlines and totals are never cut.
        assert!(block.contains("**Checks:** ⚠️ fmt: 20,000 files not formatted (`terraform fmt`) · ✅ validate (20,000 warnings)"), "{block}");
        assert!(block.contains("**Policy** (block, policies from refs/remotes/origin/main:policy): ❌ 20,000 violations (block: apply refuses)"), "{block}");
        assert!(
            block.contains("**Cost:** +$1,214,720.00/month (prices: us-east-1, 2026-12-06)"),
            "{block}"
        );
        // Each list is cut with its own "more" line, and keeps some rows.
        assert!(
            block.contains("more violations not shown (size limit)"),
            "{block}"
        );
        assert!(
            block.contains("more cost lines not shown (size limit)"),
            "{block}"
        );
        assert!(
            block.contains("more findings not shown (size limit)"),
            "{block}"
        );
        assert!(
            block.contains("- `required_tags` `module.m.aws_instance.node_with_a_long_name[0]`"),
            "{block}"
        );
        // The resource table still gets room.
        assert!(block.contains("Resource changes (5,000)"), "{block}");
        tracker.record_plan(env, EnvRecord::planned(&summary, None, None), &block);
    }
    let body = render(&tracker, &envs.map(str::to_string));
    assert!(
        body.chars().count() <= COMMENT_LIMIT,
        "{}",
        body.chars().count()
    );
    assert_eq!(body.matches("**Policy** (block").count(), 3);
}
