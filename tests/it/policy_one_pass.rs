//! Policies and cost computed in the render's own pass over the plan (only what the
//! policies declare, identical resources evaluated once where a policy says `group`) give
//! exactly what the original path gives: the plan read a second time, whole, every policy
//! handed every resource with every value. Sensitive values reach nothing on either path.

use std::path::{Path, PathBuf};

use tfpromote::cost::{self, sheet::PriceSheet};
use tfpromote::policy::{self, Mode, PolicySet, facts};
use tfpromote::review::setup::{ReviewSetup, read_with_review};
use tfpromote::summary::Purpose;

fn shipped() -> PolicySet {
    policy::source::from_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policy"))
        .expect("policy/ reads")
}

/// The same policies with every `# tfpromote:` declaration taken out: each sees the whole
/// plan, one entry per resource, as before declarations existed.
fn undeclared(set: &PolicySet) -> PolicySet {
    let mut set = set.clone();
    for (_, text) in &mut set.files {
        *text = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("# tfpromote:"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    set
}

/// A plan of `n` resources cycling through the platform's types, actions and values (many
/// identical but for the address, some distinct), with sensitive values, data sources,
/// deposed objects and GPUs over prod's limit, so every shipped rule fires somewhere.
fn plan(n: usize, canary: &str) -> String {
    let actions: [&[&str]; 6] = [
        &["create"],
        &["update"],
        &["delete"],
        &["delete", "create"],
        &["no-op"],
        &["create", "delete"],
    ];
    let tags =
        serde_json::json!({"Project": "mlops", "Environment": "prod", "ManagedBy": "terraform"});
    let mut changes = Vec::new();
    for i in 0..n {
        let (kind, mut after, mut marks) = match i % 11 {
            0 => (
                "aws_instance",
                serde_json::json!({"instance_type": pick(&["m6i.large", "g5.xlarge", "t3.large", "p4d.24xlarge"], i), "tags_all": tags, "ami": format!("ami-{i}")}),
                serde_json::json!({}),
            ),
            1 => (
                "aws_eks_node_group",
                serde_json::json!({"instance_types": [pick(&["m6i.xlarge", "g5.12xlarge"], i)], "scaling_config": [{"desired_size": 2, "min_size": 1, "max_size": 1 + i % 3}], "tags_all": tags}),
                serde_json::json!({}),
            ),
            2 => (
                "aws_s3_bucket",
                serde_json::json!({"bucket": format!("b{i}"), "acl": pick(&["private", "public-read"], i), "tags_all": if i % 5 == 0 { serde_json::json!({"Project": "mlops"}) } else { tags.clone() }}),
                serde_json::json!({}),
            ),
            3 => (
                "aws_vpc_security_group_ingress_rule",
                serde_json::json!({"cidr_ipv4": if i % 7 == 0 { "0.0.0.0/0" } else { "10.0.0.0/16" }, "from_port": 443}),
                serde_json::json!({}),
            ),
            4 => (
                "aws_db_instance",
                serde_json::json!({"instance_class": "db.t4g.medium", "allocated_storage": 20 + i % 2, "storage_type": "gp3", "multi_az": i % 3 == 0, "password": format!("{canary}-{i}"), "tags_all": tags}),
                serde_json::json!({"password": true}),
            ),
            5 => (
                "aws_nat_gateway",
                serde_json::json!({"connectivity_type": "public", "tags_all": tags}),
                serde_json::json!({}),
            ),
            6 => (
                "aws_ebs_volume",
                serde_json::json!({"type": pick(&["gp3", "io2"], i), "size": 100, "tags_all": tags}),
                serde_json::json!({}),
            ),
            7 => (
                "aws_security_group",
                serde_json::json!({"name": format!("sg{i}"), "ingress": [{"cidr_blocks": ["10.0.0.0/8", if i % 3 == 0 { "0.0.0.0/0" } else { "10.1.0.0/16" }], "ipv6_cidr_blocks": []}], "tags_all": tags}),
                serde_json::json!({}),
            ),
            8 => (
                // Sensitive where policies and the estimate read: the type a rule prints,
                // a tag value, a whole `after`.
                "aws_instance",
                serde_json::json!({"instance_type": format!("{canary}.large"), "tags_all": {"Project": canary, "Environment": "prod", "ManagedBy": "terraform"}}),
                if i % 2 == 0 {
                    serde_json::json!({"instance_type": true, "tags_all": {"Project": true}})
                } else {
                    serde_json::json!(true)
                },
            ),
            9 => (
                "aws_kms_key",
                serde_json::json!({"description": "state", "tags_all": {}}),
                serde_json::json!({}),
            ),
            _ => (
                "aws_iam_role",
                serde_json::json!({"name": format!("r{i}")}),
                serde_json::json!({}),
            ),
        };
        // Every resource's own Name tag: values that a policy reading its tags for their
        // keys only (`tags_all:keys`) must not tell apart, nor confuse with a missing tag.
        if let Some(tags) = after.get_mut("tags_all").and_then(|t| t.as_object_mut())
            && i % 2 == 0
        {
            tags.insert("Name".into(), serde_json::json!(format!("name-{i}")));
        }
        let action = actions[i % actions.len()];
        let before = if action == ["create"] {
            serde_json::Value::Null
        } else {
            after.clone()
        };
        let before_marks = if action == ["create"] {
            serde_json::json!(false)
        } else {
            marks.clone()
        };
        if action == ["delete"] {
            after = serde_json::Value::Null;
            marks = serde_json::json!(false);
        }
        let mut change = serde_json::json!({
            "address": format!("module.m{}.{kind}.r{i}", i % 13),
            "mode": if i % 17 == 0 { "data" } else { "managed" },
            "type": kind, "name": format!("r{i}"),
            "change": {"actions": action, "before": before, "after": after, "after_unknown": {},
                "before_sensitive": before_marks, "after_sensitive": marks}});
        if i % 19 == 0 {
            change["deposed"] = serde_json::json!("00000001");
        }
        changes.push(change);
    }
    serde_json::json!({"format_version": "1.2", "resource_changes": changes}).to_string()
}

/// The `i`th of `items`, cycling.
fn pick<'a>(items: &[&'a str], i: usize) -> &'a str {
    items[i % items.len()]
}

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("plan.json");
    std::fs::write(&path, text).expect("write plan");
    path
}

fn setup(set: PolicySet, region: &str) -> ReviewSetup {
    ReviewSetup {
        env: "prod".to_string(),
        policy: Some((Mode::Block, Ok(set))),
        cost: Some((region.to_string(), Ok(PriceSheet::built_in()))),
        judged_labels: Vec::new(),
    }
}

#[test]
fn the_render_pass_gives_the_findings_and_cost_of_the_whole_plan_path() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), &plan(6_000, "canary-5d1f"));
    let set = shipped();
    // Before: the plan read again whole, no declarations, one entry per resource.
    let resources = facts::read(&path).expect("facts");
    let before = policy::evaluate(&undeclared(&set), Mode::Block, "prod", &[], &resources);
    let before_cost = cost::estimate(&PriceSheet::built_in(), "us-east-1", &resources);
    // Now: one pass, declared reads, identical resources grouped.
    let summary = read_with_review(
        &setup(set.clone(), "us-east-1"),
        &path,
        Purpose::Review,
        None,
    )
    .expect("reads");
    let now = summary.review.policy.expect("policy");
    assert_eq!(before.error, None);
    assert_eq!(now.error, None);
    assert_eq!(now.findings, before.findings);
    assert_eq!(summary.review.cost.as_ref(), Some(&before_cost));
    // Not a vacuous comparison: every rule fired, the GPU total too, and the estimate has
    // priced lines and unpriced types.
    for rule in [
        "required_tags",
        "no_public",
        "stateful_resources",
        "compute_limits",
    ] {
        assert!(
            now.findings.iter().any(|f| f.rule == rule),
            "{rule} found nothing"
        );
    }
    assert!(now.findings.iter().any(|f| f.message.contains("GPUs")));
    assert!(now.findings.len() > 1_000, "{}", now.findings.len());
    assert!(before_cost.lines.len() > 1_000 && !before_cost.unpriced.is_empty());
    // A region without prices counts the same changes as unpriced on both paths.
    let summary =
        read_with_review(&setup(set, "eu-west-3"), &path, Purpose::Review, None).expect("reads");
    assert_eq!(
        summary.review.cost,
        Some(cost::estimate(
            &PriceSheet::built_in(),
            "eu-west-3",
            &resources
        ))
    );
}

/// Grouping is exact for a policy that copies the address into its message, and a policy
/// without declarations still sees every resource and attribute.
#[test]
fn a_grouped_policy_reports_every_resource_with_its_own_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), &plan(600, "canary-0b7e"));
    let rule = |declarations: &str| PolicySet {
        source: "test".to_string(),
        files: vec![(
            "named.rego".to_string(),
            format!(
                "{declarations}package tfpromote.named\nimport rego.v1\ndeny contains {{\"address\": rc.address, \"message\": sprintf(\"%s has %d attributes\", [rc.address, count(rc.after)])}} if {{\n some rc in input.resource_changes\n rc.type == \"aws_s3_bucket\"\n is_object(rc.after)\n}}\n"
            ),
        )],
        data: None,
    };
    let evaluate = |set: PolicySet| {
        let summary = read_with_review(&setup(set, "us-east-1"), &path, Purpose::Review, None)
            .expect("reads");
        summary.review.policy.expect("policy")
    };
    let plain = evaluate(rule(""));
    let grouped = evaluate(rule("# tfpromote:types aws_s3_bucket\n# tfpromote:group\n"));
    assert_eq!(plain.error, None);
    assert_eq!(grouped.findings, plain.findings);
    assert!(grouped.findings.len() > 40, "{}", grouped.findings.len());
    assert!(
        grouped.findings[0]
            .message
            .starts_with(&grouped.findings[0].address),
        "{:?}",
        grouped.findings[0]
    );
}

/// The one-pass path replaces sensitive values before anything keeps them: no finding, no
/// cost line and no rendered block carries one, though a rule prints the value it judges.
#[test]
fn a_sensitive_value_reaches_nothing_on_the_one_pass_path() {
    let canary = "canary-9e4c";
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), &plan(300, canary));
    let summary = read_with_review(&setup(shipped(), "us-east-1"), &path, Purpose::Review, None)
        .expect("reads");
    let review = format!("{:?}", summary.review);
    assert!(!review.contains(canary), "{review}");
    assert!(
        review.contains("instance type (sensitive) is not allowed"),
        "the rule still judged the sensitive value: {review}"
    );
    let block = tfpromote::render::markdown::environment_block("prod", &summary, 60_000);
    assert!(!block.contains(canary), "{block}");
    assert!(
        block.contains("**Policy**") && block.contains("**Cost:**"),
        "{block}"
    );
}
