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
            Some(&policy::evaluate(&set, Mode::Block, "prod", &[], &[]))
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
