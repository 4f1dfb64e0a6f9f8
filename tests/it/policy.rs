//! The shipped Rego policies (policy/), evaluated in-process with regorus over plan
//! fixtures: each policy has a plan that passes and one that fails; sensitive values never
//! reach a finding; a broken policy is reported, never a pass.

use std::path::{Path, PathBuf};
use tfpromote::policy::{self, Mode, PolicySet, facts};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn shipped() -> PolicySet {
    policy::source::from_dir(&root().join("policy")).expect("policy/ reads")
}

/// (environment, labels, resource facts) of a fixture.
fn fixture(path: &Path) -> (String, Vec<String>, Vec<facts::ResourceFacts>) {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON");
    let env = doc["environment"]
        .as_str()
        .expect("environment")
        .to_string();
    let labels = doc["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("label").to_string())
        .collect();
    let resources = facts::from_reader(doc["plan"].to_string().as_bytes()).expect("plan");
    (env, labels, resources)
}

fn evaluate(set: &PolicySet, path: &Path) -> policy::PolicyReport {
    let (env, labels, resources) = fixture(path);
    policy::evaluate(set, Mode::Block, &env, &labels, &resources)
}

#[test]
fn every_shipped_policy_passes_its_passing_plan_and_fails_its_failing_plan() {
    let set = shipped();
    assert_eq!(
        set.files.len(),
        4,
        "{:?}",
        set.files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    assert!(set.data.is_some(), "policy/data.json");
    for (file, _) in &set.files {
        let rule = file.trim_end_matches(".rego");
        let dir = root().join("tests/fixtures/policy");
        let passing = evaluate(&set, &dir.join(format!("{rule}.pass.json")));
        assert_eq!(passing.error, None, "{rule}");
        assert!(
            passing.findings.is_empty(),
            "{rule}: {:?}",
            passing.findings
        );
        let failing = evaluate(&set, &dir.join(format!("{rule}.fail.json")));
        assert_eq!(failing.error, None, "{rule}");
        assert!(
            !failing.findings.is_empty(),
            "{rule}: its failing plan passed"
        );
        for finding in &failing.findings {
            assert_eq!(finding.rule, rule, "{finding:?}");
        }
        eprintln!("{rule}: {:?}", failing.findings);
    }
}

#[test]
fn each_violation_names_its_resource() {
    let set = shipped();
    let dir = root().join("tests/fixtures/policy");
    let found = |rule: &str| -> Vec<(String, String)> {
        evaluate(&set, &dir.join(format!("{rule}.fail.json")))
            .findings
            .into_iter()
            .map(|f| (f.address, f.message))
            .collect()
    };
    let public = found("no_public");
    for address in [
        "aws_vpc_security_group_ingress_rule.ssh",
        "aws_eks_cluster.main",
        "aws_s3_bucket_public_access_block.a",
        "aws_ecr_repository_policy.pull",
    ] {
        assert!(
            public.iter().any(|(a, _)| a == address),
            "{address}: {public:?}"
        );
    }
    let stateful = found("stateful_resources");
    assert!(
        stateful
            .iter()
            .any(|(a, m)| a == "module.mlflow.aws_db_instance.this" && m.starts_with("replace")),
        "{stateful:?}"
    );
    assert!(
        stateful
            .iter()
            .any(|(a, m)| a == "aws_kms_key.state" && m.starts_with("destroy")),
        "{stateful:?}"
    );
    let compute = found("compute_limits");
    assert!(
        compute
            .iter()
            .any(|(a, m)| a == "aws_instance.big"
                && m.contains("p4d.24xlarge is not allowed in dev")),
        "{compute:?}"
    );
    assert!(
        compute
            .iter()
            .any(|(_, m)| m.contains("up to 12 GPUs in dev; the limit is 1")),
        "{compute:?}"
    );
    let tags = found("required_tags");
    assert_eq!(
        tags,
        [(
            "aws_s3_bucket.artifacts".to_string(),
            "missing required tags: Environment, ManagedBy".to_string()
        )]
    );
}

/// A sensitive value a policy would print (here the instance type, marked sensitive) reaches
/// no finding and no rendered comment: the plan facts replace it before Rego runs.
#[test]
fn a_sensitive_value_never_reaches_a_finding_or_the_comment() {
    let canary = "m9.canary-7c1e5";
    let plan = serde_json::json!({"format_version": "1.2", "resource_changes": [{
        "address": "aws_instance.x", "mode": "managed", "type": "aws_instance", "name": "x",
        "change": {"actions": ["create"], "before": null,
            "after": {"instance_type": canary, "tags_all": {"Project": canary}},
            "after_unknown": {}, "before_sensitive": false,
            "after_sensitive": {"instance_type": true, "tags_all": {"Project": true}}}}]});
    let resources = facts::from_reader(plan.to_string().as_bytes()).expect("plan");
    let report = policy::evaluate(&shipped(), Mode::Block, "prod", &[], &resources);
    assert!(
        !report.findings.is_empty(),
        "the sensitive type is still not allowed"
    );
    let text = format!("{report:?}");
    assert!(!text.contains("canary"), "{text}");
    assert!(text.contains("(sensitive)"), "{text}");
    let cost = tfpromote::cost::estimate(
        &tfpromote::cost::sheet::PriceSheet::built_in(),
        "us-east-1",
        &resources,
    );
    let mut summary =
        tfpromote::summary::Summary::from_reader(plan.to_string().as_bytes()).expect("summary");
    summary.review.policy = Some(report);
    summary.review.cost = Some(cost);
    let block = tfpromote::render::markdown::environment_block("prod", &summary, 60_000);
    assert!(!block.contains("canary"), "{block}");
    assert!(block.contains("**Policy**"), "{block}");
}

#[test]
fn a_broken_policy_is_reported_and_never_a_pass() {
    let mut set = shipped();
    set.files.push((
        "broken.rego".into(),
        "package tfpromote.broken\n\ndeny contains x if {".into(),
    ));
    let report = policy::evaluate(&set, Mode::Block, "prod", &[], &[]);
    let error = report.error.expect("an error");
    assert!(error.contains("broken.rego"), "{error}");
    assert!(matches!(
        tfpromote::gate::policy::check(
            "prod",
            Some(&policy::evaluate(&set, Mode::Block, "prod", &[], &[])),
            &[],
        ),
        tfpromote::gate::Verdict::Refuse(_)
    ));
    let mut set = shipped();
    set.files.push((
        "elsewhere.rego".into(),
        "package other\n\ndeny := 1\n".into(),
    ));
    let error = policy::evaluate(&set, Mode::Block, "prod", &[], &[])
        .error
        .expect("an error");
    assert!(error.contains("tfpromote.<rule>"), "{error}");
}

/// A plan of 100,000 resources (facts read by the real reader) whose last resource carries
/// the violation: cutting each policy's input down to what it declares must not hide it.
fn large_plan(last: serde_json::Value) -> Vec<facts::ResourceFacts> {
    let mut changes: Vec<serde_json::Value> = (0..99_999)
        .map(|i| {
            let (kind, after) = match i % 4 {
                0 => ("aws_iam_role", serde_json::json!({"name": format!("r{i}")})),
                1 => (
                    "aws_instance",
                    serde_json::json!({"instance_type": "m6i.large", "tags_all": {"Project": "mlops", "Environment": "prod", "ManagedBy": "terraform"}}),
                ),
                2 => (
                    "aws_vpc_security_group_ingress_rule",
                    serde_json::json!({"cidr_ipv4": "10.0.0.0/16"}),
                ),
                _ => (
                    "aws_s3_bucket",
                    serde_json::json!({"bucket": format!("b{i}"), "tags_all": {"Project": "mlops", "Environment": "prod", "ManagedBy": "terraform"}}),
                ),
            };
            serde_json::json!({"address": format!("{kind}.r{i}"), "mode": "managed", "type": kind,
                "change": {"actions": ["create"], "before": null, "after": after}})
        })
        .collect();
    changes.push(last);
    let plan = serde_json::json!({"resource_changes": changes}).to_string();
    let resources = facts::from_reader(plan.as_bytes()).expect("plan");
    assert_eq!(resources.len(), 100_000);
    resources
}

#[test]
fn a_violation_on_the_100000th_resource_is_found_through_the_projection() {
    // An attribute a shipped policy reads, nested inside `after`, beside many it does not.
    let last = serde_json::json!({"address": "aws_security_group.last", "mode": "managed",
        "type": "aws_security_group",
        "change": {"actions": ["update"], "before": {"name": "sg"}, "after": {
            "name": "sg", "description": "x", "egress": [],
            "ingress": [{"from_port": 22, "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]}],
            "tags_all": {"Project": "mlops", "Environment": "prod", "ManagedBy": "terraform"}}}});
    let resources = large_plan(last);
    // A user's policy without declarations sees the whole plan, every attribute included.
    let mut set = shipped();
    set.files.push((
        "canary.rego".to_string(),
        "package tfpromote.canary\nimport rego.v1\ndeny contains {\"address\": rc.address, \"message\": \"canary\"} if {\n some rc in input.resource_changes\n rc.after.description == \"x\"\n rc.before.name == \"sg\"\n}\n".to_string(),
    ));
    let report = policy::evaluate(&set, Mode::Block, "prod", &[], &resources);
    assert_eq!(report.error, None);
    let found: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.rule.as_str(), f.address.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            ("canary", "aws_security_group.last"),
            ("no_public", "aws_security_group.last")
        ],
        "{:?}",
        report.findings
    );
    assert_eq!(
        report.findings[1].message,
        "security group ingress admits 0.0.0.0/0"
    );
}

#[test]
fn a_policy_sees_only_the_types_and_attributes_it_declares() {
    let resources = facts::from_reader(
        r#"{"resource_changes":[
          {"address":"aws_a.x","mode":"managed","type":"aws_a","change":{"actions":["create"],"before":null,"after":{"kept":1,"cut":2}}},
          {"address":"aws_b.x","mode":"managed","type":"aws_b","change":{"actions":["create"],"before":null,"after":{"kept":1,"cut":2}}}]}"#
            .as_bytes(),
    )
    .expect("plan");
    let policy = |declarations: &str| PolicySet {
        source: "test".to_string(),
        files: vec![(
            "seen.rego".to_string(),
            format!(
                "{declarations}package tfpromote.seen\nimport rego.v1\ndeny contains {{\"address\": rc.address, \"message\": concat(\",\", sort(object.keys(rc.after)))}} if {{\n some rc in input.resource_changes\n}}\n"
            ),
        )],
        data: None,
    };
    let seen = |declarations: &str| -> Vec<(String, String)> {
        let report = policy::evaluate(&policy(declarations), Mode::Warn, "dev", &[], &resources);
        assert_eq!(report.error, None);
        report
            .findings
            .into_iter()
            .map(|f| (f.address, f.message))
            .collect()
    };
    let pair = |a: &str, m: &str| (a.to_string(), m.to_string());
    assert_eq!(
        seen(""),
        [pair("aws_a.x", "cut,kept"), pair("aws_b.x", "cut,kept")]
    );
    assert_eq!(
        seen("# tfpromote:types aws_b\n# tfpromote:after kept\n"),
        [pair("aws_b.x", "kept")]
    );
}
