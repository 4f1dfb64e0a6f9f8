//! `render` reads a plan for one Markdown block of a known size and keeps, per change kind,
//! only the resources that block can list (counting the rest). Its output must be the
//! block a summary that kept everything renders, and it must still learn every secret in
//! the plan, including those of resources it does not keep.

use crate::common;

use proptest::prelude::*;
use serde_json::{Value, json};
use std::io::Write;

use tfpromote::render::markdown;
use tfpromote::summary::{Purpose, Summary};

const KINDS: [&[&str]; 6] = [
    &["create"],
    &["update"],
    &["delete"],
    &["delete", "create"],
    &["no-op"],
    &["read"],
];

/// A resource change of the given action set, with changed attributes, a reason for
/// destructive ones and one of a few resource types (with module instance keys). Every
/// third address is as short as an address gets, so rows near the shortest possible are
/// common and a keep-limit that assumed longer rows would show.
fn change(i: usize, kind: usize, secret: Option<&str>) -> Value {
    let actions = KINDS[kind % KINDS.len()];
    let rtype = ["aws_s3_bucket", "aws_instance", "t"][i % 3];
    let before = json!({"size": i, "tags": {"Team": "a"}, "name": format!("n{i}")});
    let after = json!({"size": i + 1, "tags": {"Team": "b"}, "name": format!("n{i}")});
    let mut rc = json!({
        "address": if i % 3 == 2 {
            format!("{rtype}.r{i}")
        } else {
            format!("module.m[\"k.{}\"].{rtype}.r{i}", i % 4)
        },
        "mode": "managed", "type": rtype, "name": format!("r{i}"),
        "change": {
            "actions": actions,
            "before": if actions == ["create"] { Value::Null } else { before },
            "after": if actions == ["delete"] { Value::Null } else { after },
            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}
        }
    });
    if actions.contains(&"delete") {
        rc["action_reason"] = json!("delete_because_no_resource_config");
    }
    if let Some(secret) = secret {
        rc["change"]["after"] = json!({"password": secret, "size": 1});
        rc["change"]["after_sensitive"] = json!({"password": true});
    }
    rc
}

fn write_plan(path: &std::path::Path, changes: &[Value]) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    write!(
        file,
        r#"{{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":"#
    )
    .expect("write");
    serde_json::to_writer(&mut file, changes).expect("write");
    write!(file, r#","output_changes":{{}}}}"#).expect("write");
}

/// The block from a summary that keeps only what `budget` bytes can list, and from one
/// that keeps everything.
fn both_blocks(plan: &std::path::Path, budget: usize) -> (String, String) {
    let kept = Summary::from_file_for(plan, Purpose::Comment(budget)).expect("comment summary");
    let all = Summary::from_file_for(plan, Purpose::Review).expect("review summary");
    assert_eq!(kept.listed(), all.listed());
    assert_eq!(kept.secret_literals, all.secret_literals);
    (
        markdown::environment_block("prod", &kept, budget),
        markdown::environment_block("prod", &all, budget),
    )
}

/// Large enough to be read in several chunks on several threads (the kept counts are
/// shared between them), with budgets that list everything, some rows, or only warnings
/// grouped by type.
#[test]
fn a_budgeted_summary_renders_the_same_block_as_a_full_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    let changes: Vec<Value> = (0..6_000)
        .map(|i| change(i, (i * 7 + i / 11) % KINDS.len(), None))
        .collect();
    write_plan(&plan, &changes);
    assert!(std::fs::metadata(&plan).expect("plan").len() > 1 << 20);
    for budget in [2_000, 20_000, 60_000, 400_000, 10_000_000] {
        let (kept, all) = both_blocks(&plan, budget);
        assert_eq!(kept, all, "budget {budget}");
    }
    // Rows are never shorter than their address: a 20,000-byte block cannot list more than
    // about 20,000 / (address + 16) resources of a kind, and no more are kept (diffed and
    // held) than that, though 20,000 / 16 would be every one of them.
    let kept = Summary::from_file_for(&plan, Purpose::Comment(20_000)).expect("comment summary");
    let all = Summary::from_file_for(&plan, Purpose::Review).expect("review summary");
    assert!(
        kept.resources.len() * 2 < all.resources.len(),
        "kept {} of {}",
        kept.resources.len(),
        all.resources.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Random mixes of change kinds (runs of one kind included) and budgets from a block
    /// that holds almost nothing to one that holds everything.
    #[test]
    fn any_plan_and_budget_render_the_same_block(
        kinds in proptest::collection::vec(0usize..KINDS.len(), 0..400),
        budget in 200usize..30_000,
    ) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let plan = tmp.path().join("plan.json");
        let changes: Vec<Value> = kinds.iter().enumerate().map(|(i, k)| change(i, *k, None)).collect();
        write_plan(&plan, &changes);
        let (kept, all) = both_blocks(&plan, budget);
        prop_assert_eq!(kept, all);
    }
}

/// Canary: the only resource that marks the secret is the plan's last, far past what the
/// block lists, and the secret is the instance key of the first resource, which the block
/// lists. `render` must still have learned it and mask it there.
#[test]
fn a_secret_marked_only_in_the_last_resource_is_masked_in_the_first_row() {
    const CANARY: &str = "last-row-canary-7f3e9a";
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    let total = 20_000;
    let mut changes: Vec<Value> = (0..total)
        .map(|i| change(i, 1, (i == total - 1).then_some(CANARY)))
        .collect();
    changes[0]["address"] = json!(format!("aws_s3_bucket.b[\"{CANARY}\"]"));
    write_plan(&plan, &changes);

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
        md.contains("aws_s3_bucket.b[\"***\"]"),
        "the first row is listed, masked"
    );
    assert!(
        md.contains("more not shown"),
        "the last resource is not listed"
    );
    assert!(!md.contains(CANARY), "the canary leaked");
}
