//! The drift report knows promotion: with prod waiting while dev and stage moved on, the
//! scheduled plan's changes in prod are promotion lag (listed by merge), not drift, and the
//! commit deployed in each environment is shown; a change made outside Terraform in an
//! environment that runs main still opens its drift issue. Real Terraform (the
//! `terraform_data` ladder root) and the GitHub stand-in (`crates/github-standin`, a
//! stand-in following GitHub's REST description).

use crate::promotion::{World, stderr, text};

#[test]
fn drift_tells_promotion_lag_from_changes_made_outside_terraform() {
    let w = World::new(&[("dev", ""), ("stage", ""), ("prod", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    for env in ["dev", "stage", "prod"] {
        assert!(w.apply("m1", env).status.success(), "{env} at m1");
    }
    // #2 and #3 reach dev and stage; prod stays at m1.
    for (pr, base, head, merge, size) in [(2, "m1", "h2", "m2", 2), (3, "m2", "h3", "m3", 3)] {
        for env in ["dev", "stage", "prod"] {
            w.set_var(env, &format!("size = {size}"));
        }
        w.reviewed_merge(pr, base, head, merge);
        for env in ["dev", "stage"] {
            let out = w.apply(merge, env);
            assert!(out.status.success(), "{env} at {merge}: {}", text(&out));
        }
    }
    // Someone changes dev outside Terraform (here: its inputs change under it).
    w.set_var("dev", "size = 9");

    let out = w.on_main("m3", &["drift"]);
    assert!(out.status.success(), "{}", text(&out));
    let report = stderr(&out);
    assert!(
        report.contains("| prod | `m1` | 2 merge(s): #2, #3 |"),
        "{report}"
    );
    assert!(report.contains("| stage | `m3` | up to date |"), "{report}");
    assert!(
        report.contains(
            "`stage` is ahead of `prod` by 2 merge(s): #2, #3 (promotion lag, not drift)"
        ),
        "{report}"
    );
    let issues = w.gh.issues();
    let titles: Vec<&str> = issues.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(issues.len(), 1, "only dev drifted: {titles:?}");
    assert!(issues[0].title.contains("dev"), "{titles:?}");
    let body = issues[0].body.clone().unwrap_or_default();
    assert!(
        body.contains("| prod | `m1` |"),
        "the issue shows each deployed commit: {body}"
    );
    w.assert_clean();
}
