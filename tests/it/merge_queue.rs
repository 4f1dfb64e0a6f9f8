//! GitHub's merge queue end to end: a `merge_group` run plans the commit the queue built
//! (main, the pull request ahead in the queue, then the queued one) and checks it against
//! the signed plans reviewers saw; a change none of them contained fails the check, so the
//! queue drops the pull request before it lands. Once the group's commit lands on main,
//! the promotion ties it to the same reviewed plans. Real Terraform (the `terraform_data`
//! ladder root) and the GitHub stand-in (`crates/github-standin`, a stand-in following
//! GitHub's REST description).

use github_standin::Pull;

use crate::promotion::{World, stderr, text};

fn open_and_plan(w: &World, pr: u64, base: &str, head: &str) {
    w.gh.add_commit(head, &[base]);
    w.gh.add_pull(Pull {
        number: pr,
        author: "alice".into(),
        head_sha: head.into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.pr_plan(pr, head);
}

#[test]
fn the_queues_commit_is_planned_and_tied_to_what_reviewers_saw() {
    let w = World::new(&[("dev", "    on_plan_change: block\n")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    assert!(w.apply("m1", "dev").status.success());

    // #2 resizes the app, #3 rotates the database input; each planned on its own branch.
    w.set_var("dev", "size = 2");
    open_and_plan(&w, 2, "m1", "h2");
    w.set_var("dev", "size = 1");
    w.set_var("dev", "db_password = \"rotated-value-for-pr-3\"");
    open_and_plan(&w, 3, "m1", "h3");
    // The queue builds q2 (main + #2) and q3 (q2 + #3): q3 holds both changes.
    w.gh.add_commit("q2", &["m1", "h2"]);
    w.gh.add_commit("q3", &["q2", "h3"]);
    w.set_var("dev", "size = 2");
    let payload = r#"{"merge_group":{"head_sha":"q3","head_ref":"refs/heads/gh-readonly-queue/main/pr-3-m1","base_sha":"m1","base_ref":"refs/heads/main"}}"#;
    let queue_check = || {
        let out = w
            .command("merge_group", "q3", payload, &["plan", "--all"])
            .output()
            .expect("tfpromote");
        w.keep(out)
    };

    let passed = queue_check();
    assert!(passed.status.success(), "{}", text(&passed));
    assert!(
        stderr(&passed).contains("the queue's commit q3 for #3 changes only what was reviewed"),
        "{}",
        text(&passed)
    );

    // A change neither pull request's plan contained: the check fails, naming it.
    w.set_var("dev", "fail_apply = true");
    let failed = queue_check();
    assert_eq!(failed.status.code(), Some(3), "{}", text(&failed));
    let err = stderr(&failed);
    assert!(
        err.contains("merge-queue gate")
            && err.contains("`terraform_data.broken[0]`")
            && err.contains("drops #3"),
        "{err}"
    );
    w.set_var("dev", "fail_apply = false");

    // The group lands: q3 becomes main, #2 and #3 merged at q2 and q3. Its promotion reads
    // the same reviewed plans.
    w.merge(2, "m1", "h2", "q2");
    w.merge(3, "q2", "h3", "q3");
    let landed = w.apply("q3", "dev");
    assert!(landed.status.success(), "{}", text(&landed));
    assert!(
        stderr(&landed).contains("merged since: #2, #3"),
        "{}",
        text(&landed)
    );
    w.assert_clean();
}
