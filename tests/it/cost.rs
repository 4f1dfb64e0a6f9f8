//! The cost delta against totals computed by hand from `cost/aws-prices.yaml` (us-east-1,
//! 730 hours a month), and what `render --config` shows of it.

use std::path::PathBuf;
use tfpromote::cost::{self, sheet::PriceSheet};
use tfpromote::policy::facts;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cost/platform.plan.json")
}

#[test]
fn the_delta_is_the_hand_computed_sum_and_unpriced_types_are_listed() {
    let resources = facts::read(&fixture()).expect("plan");
    let report = cost::estimate(&PriceSheet::built_in(), "us-east-1", &resources);
    // By hand, from the sheet:
    //   NAT gateway          0.045 × 730                    =    32.85
    //   EKS control plane    0.10 × 730                     =    73.00
    //   Elastic IP           0.005 × 730                    =     3.65
    //   node group system    0.0832 × 730 × 2               =   121.472
    //   node group general   0.192 × 730 × 3 − 0.096 × 730 × 2 = 420.48 − 140.16 = 280.32
    //   EBS gp3 100 GB       −0.08 × 100                    =    −8.00
    //   RDS db.t4g.medium    0.065 × 730 + 0.115 × 20       =    49.75
    //   g5.xlarge            1.006 × 730                    =   734.38
    //   Managed Prometheus   0                              =     0
    //   total                                               = 1,287.422
    assert_eq!(report.delta_micros, 1_287_422_000);
    assert_eq!(cost::dollars(report.delta_micros, true), "+$1,287.42");
    let line = |address: &str| -> i64 {
        report
            .lines
            .iter()
            .find(|l| l.address == address)
            .unwrap_or_else(|| panic!("{address}: {:?}", report.lines))
            .delta_micros
    };
    assert_eq!(line("module.vpc.aws_nat_gateway.this[0]"), 32_850_000);
    assert_eq!(line("module.eks.aws_eks_node_group.general"), 280_320_000);
    assert_eq!(line("aws_ebs_volume.scratch"), -8_000_000);
    assert_eq!(line("module.mlflow.aws_db_instance.this"), 49_750_000);
    // The largest change first.
    assert_eq!(report.lines[0].address, "aws_instance.trainer");
    // Never guessed: a type without a price and an instance type the sheet lacks.
    assert_eq!(
        report.unpriced,
        [
            ("aws_instance".to_string(), 1),
            ("aws_lambda_function".to_string(), 1)
        ]
    );
    // Free types and no-ops make no line.
    assert!(
        report
            .lines
            .iter()
            .all(|l| l.address != "aws_iam_role.ci" && l.address != "aws_nat_gateway.kept")
    );
    assert!(report.sheet.starts_with("us-east-1, "), "{}", report.sheet);
}

#[test]
fn a_region_without_prices_prices_nothing_and_says_so() {
    let resources = facts::read(&fixture()).expect("plan");
    let report = cost::estimate(&PriceSheet::built_in(), "eu-west-3", &resources);
    assert_eq!(report.delta_micros, 0);
    assert!(report.lines.is_empty());
    assert!(
        report.sheet.contains("no prices for eu-west-3"),
        "{}",
        report.sheet
    );
    assert!(report.unpriced.iter().any(|(t, _)| t == "aws_nat_gateway"));
}

/// `render --plan-json FILE --config tfpromote.yaml` shows the policy and cost sections, so
/// both can be tried offline on any plan.
#[test]
fn render_with_a_config_shows_policy_and_cost() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = tmp.path().join("tfpromote.yaml");
    std::fs::write(
        &config,
        format!(
            "version: 1\npolicies:\n  dir: {}\n  mode:\n    prod: block\nenvironments:\n  - name: prod\n    dir: .\n",
            repo.join("policy").display()
        ),
    )
    .expect("config");
    let out = crate::common::tfpromote()
        .args(["--config"])
        .arg(&config)
        .args(["render", "--env", "prod", "--plan-json"])
        .arg(fixture())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("**Cost:** +$1,287.42/month"), "{stdout}");
    assert!(
        stdout.contains("- not priced: 1 × `aws_lambda_function`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("**Policy** (block, policies from"),
        "{stdout}"
    );
    // g5.xlarge with no tags in prod: the tag and GPU rules fire, named with the resource.
    assert!(
        stdout.contains("`required_tags` `aws_instance.trainer`"),
        "{stdout}"
    );
}
