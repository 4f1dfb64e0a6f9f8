//! Catch-up end to end: prod behind by two merged, reviewed pull requests is brought up to
//! date by one apply of the newest merge, decided from each pull request's signed
//! per-resource digests and approvals. Real Terraform (the `terraform_data` ladder root)
//! and the GitHub stand-in (`crates/github-standin`, a stand-in following GitHub's REST
//! description, as GitHub's API cannot run here).

use github_standin::Pull;

use crate::promotion::{TEAM_CONFIG, World, stderr, text};

fn open_pull(w: &World, pr: u64, base: &str, head: &str) {
    w.gh.add_commit(head, &[base]);
    w.gh.add_pull(Pull {
        number: pr,
        author: "alice".into(),
        head_sha: head.into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
}

#[test]
fn one_apply_catches_prod_up_on_two_reviewed_merges_and_refuses_anything_unreviewed() {
    let w = World::new(&[("prod", TEAM_CONFIG)]);
    // prod at m1: the baseline.
    w.reviewed_merge(1, "a0", "h1", "m1");
    w.gh.add_review(1, "bob", "APPROVED", "h1");
    let first = w.apply("m1", "prod");
    assert!(first.status.success(), "{}", text(&first));

    // #2 and #3 both branch from m1: #2 resizes the app, #3 rotates the database input.
    // Each is planned and signed on its own branch, so neither plan holds the other's change.
    open_pull(&w, 2, "m1", "h2");
    w.set_var("prod", "size = 2");
    w.pr_plan(2, "h2");
    open_pull(&w, 3, "m1", "h3");
    w.set_var("prod", "size = 1");
    w.set_var("prod", "db_password = \"rotated-value-for-pr-3\"");
    w.pr_plan(3, "h3");
    // Both merged, #3 after #2: main now holds both changes.
    w.merge(2, "m1", "h2", "m2");
    w.merge(3, "m2", "h3", "m3");
    w.set_var("prod", "size = 2");
    w.gh.add_review(3, "bob", "APPROVED", "h3");

    // #2 carries no approval yet: the newest merge's approval is not enough.
    let unapproved = w.apply("m3", "prod");
    assert_eq!(unapproved.status.code(), Some(3), "{}", text(&unapproved));
    let err = stderr(&unapproved);
    assert!(err.contains("approval gate") && err.contains("#2"), "{err}");

    // Approved, but the commit now also changes a resource no reviewed plan contained.
    w.gh.add_review(2, "bob", "APPROVED", "h2");
    w.set_var("prod", "fail_apply = true");
    let sneaky = w.apply("m3", "prod");
    assert_eq!(sneaky.status.code(), Some(3), "{}", text(&sneaky));
    let err = stderr(&sneaky);
    assert!(
        err.contains("catch-up gate")
            && err.contains("`terraform_data.broken[0]`")
            && err.contains("no reviewed plan of #2, #3"),
        "the unreviewed resource is named: {err}"
    );
    assert!(
        !err.contains("`terraform_data.app`") && !err.contains("`terraform_data.db`"),
        "the reviewed changes are not: {err}"
    );

    // Exactly what #2 and #3 reviewed: one apply brings prod to m3.
    w.set_var("prod", "fail_apply = false");
    let caught_up = w.apply("m3", "prod");
    assert!(caught_up.status.success(), "{}", text(&caught_up));
    let err = stderr(&caught_up);
    assert!(err.contains("merged since: #2, #3"), "{err}");
    assert_eq!(w.status("m3", "prod").map(|s| s.0), Some("success".into()));
    let ladder = w.on_main("m3", &["status", "--sha", "m3"]);
    let shown = String::from_utf8_lossy(&ladder.stdout);
    assert!(
        shown
            .lines()
            .any(|l| l.contains("prod") && l.contains("success")),
        "{shown}"
    );
    w.assert_clean();
}
