//! Attacks on the promotion gates, performed the way someone with write access would: with
//! another person's token, with the token of a pull request's own workflow (which writes as
//! `github-actions[bot]`, like tfpromote's), by editing the tracker comment, by flooding
//! the deployments list, and with a configuration that reads as "anyone". Each attack must
//! be refused and apply nothing. Against the GitHub stand-in (`crates/github-standin`), with
//! real Terraform.

use std::process::Output;

use crate::promotion::{World, approve, stderr, text};

/// The token of a person with write access (a personal access token): writes as `mallory`.
const MALLORY: &str = "ghp_mallory_write_access";
/// The `GITHUB_TOKEN` of a pull request's own workflow: never registered with the stand-in,
/// so it writes as `github-actions[bot]`, exactly like the promotion workflow's token.
const PR_WORKFLOW: &str = "ghs_pull_request_workflow_token";

fn client(w: &World, token: &str) -> tfpromote::github::GitHub {
    tfpromote::github::GitHub::new(
        &w.gh.api_url(),
        token,
        tfpromote::github::Repo::parse("octo/repo").expect("repo"),
        tfpromote::github::retry::Policy::fast(std::time::Duration::from_millis(5)),
    )
    .expect("client")
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

fn refused(out: &Output, gate: &str) {
    assert_eq!(out.status.code(), Some(3), "{}", text(out));
    assert!(stderr(out).contains(gate), "{gate}: {}", text(out));
}

/// A pull request's workflow, edited in the pull request to run on `pull_request` and to
/// "succeed" at a job named like the promotion's: GitHub records it, with its true event
/// and branch.
fn pull_request_run(w: &World, sha: &str, job: &str) {
    w.gh.add_run(github_standin::WorkflowRun {
        id: 0,
        path: ".github/workflows/promote.yml".into(),
        event: "pull_request".into(),
        head_branch: "mallory/feature".into(),
        head_sha: sha.into(),
        actor: "mallory".into(),
        jobs: vec![github_standin::Job {
            id: 0,
            name: job.into(),
            status: "completed".into(),
            conclusion: Some("success".into()),
        }],
    });
}

#[test]
fn a_success_status_posted_with_another_token_does_not_open_the_order_gate() {
    let w = World::new(&[("dev", ""), ("stage", "")]);
    w.gh.add_token(MALLORY, "mallory", false);
    w.reviewed_merge(1, "a0", "h1", "m1");
    block_on(async {
        client(&w, MALLORY)
            .set_status(
                "m1",
                "dev",
                tfpromote::github::statuses::State::Success,
                "dev applied",
                None,
            )
            .await
    })
    .expect("mallory posts a status");
    assert!(
        w.gh.statuses("m1").iter().any(|s| s.creator == "mallory"),
        "the stand-in records who wrote the status"
    );
    let out = w.apply("m1", "stage");
    refused(&out, "order gate");
    assert!(!w.marker("dev") && !w.marker("stage"), "nothing applied");
    w.assert_clean();
}

#[test]
fn a_pull_request_workflow_cannot_forge_the_previous_environment() {
    let w = World::new(&[("dev", ""), ("stage", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    // The pull request's own workflow token writes as github-actions[bot], like tfpromote's.
    block_on(async {
        client(&w, PR_WORKFLOW)
            .set_status(
                "m1",
                "dev",
                tfpromote::github::statuses::State::Success,
                "applied sha256:0000",
                None,
            )
            .await
    })
    .expect("status");
    assert!(
        w.gh.statuses("m1")
            .iter()
            .any(|s| s.creator == "github-actions[bot]")
    );
    pull_request_run(&w, "m1", "apply dev");
    let out = w.apply("m1", "stage");
    refused(&out, "order gate");
    assert!(!w.marker("stage"));
    w.assert_clean();
}

/// prod at m2, then the m1 run's prod job re-run: a rollback the no-regression gate must
/// refuse, whatever deployments say.
fn applied_twice(w: &World) {
    w.reviewed_merge(1, "a0", "h1", "m1");
    let first = w.apply("m1", "prod");
    assert!(first.status.success(), "{}", text(&first));
    w.gh.add_commit("h2", &["m1"]);
    w.gh.add_pull(github_standin::Pull {
        number: 2,
        author: "alice".into(),
        head_sha: "h2".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.set_var("prod", "size = 2");
    w.pr_plan(2, "h2");
    w.merge(2, "m1", "h2", "m2");
    let second = w.apply("m2", "prod");
    assert!(second.status.success(), "{}", text(&second));
}

#[test]
fn a_deployment_forged_for_an_older_commit_does_not_allow_a_rollback() {
    let w = World::new(&[("prod", "    on_plan_change: warn\n")]);
    applied_twice(&w);
    block_on(async {
        let forger = client(&w, PR_WORKFLOW);
        let d = forger
            .create_deployment("m1", "prod", "tfpromote:apply", Some("sha256:forged"), true)
            .await
            .expect("deployment");
        forger
            .set_deployment_status(
                d.id,
                tfpromote::github::deployments::DeployState::Success,
                "applied",
                None,
            )
            .await
            .expect("success");
    });
    let late = w.apply("m1", "prod");
    refused(&late, "no-regression");
    assert!(stderr(&late).contains("behind"), "{}", text(&late));
    w.assert_clean();
}

#[test]
fn a_hundred_failed_deployments_do_not_hide_the_last_apply() {
    let w = World::new(&[("prod", "    on_plan_change: warn\n")]);
    applied_twice(&w);
    // Anyone with `deployments: write` (or a hundred failed applies) pushes the last
    // successful deployment off the first page.
    block_on(async {
        let forger = client(&w, PR_WORKFLOW);
        for _ in 0..101 {
            forger
                .create_deployment("m2", "prod", "tfpromote:apply", None, true)
                .await
                .expect("deployment");
        }
    });
    let late = w.apply("m1", "prod");
    refused(&late, "no-regression");
    w.assert_clean();
}

#[test]
fn a_configuration_that_reads_as_anyone_is_refused() {
    // `approval.from: []` would let any reviewer who is not the author count.
    let w = World::new(&[(
        "prod",
        "    approval: { required: 1, from: [] }\n    destroy: allow\n",
    )]);
    w.gh.add_commit("h1", &["a0"]);
    w.gh.add_pull(github_standin::Pull {
        number: 1,
        author: "alice".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    // Planned like any pull request (with the fix, already this refuses the config).
    let payload = r#"{"number":1,"pull_request":{"number":1,"head":{"sha":"h1"}}}"#;
    let plan = w
        .command("pull_request", "h1", payload, &["plan", "--all"])
        .output()
        .expect("plan");
    w.keep(plan);
    w.merge(1, "a0", "h1", "m1");
    approve(&w, "mallory", "h1"); // a drive-by approval
    let out = w.apply("m1", "prod");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("approval.from is empty"),
        "{}",
        text(&out)
    );
    assert!(!w.marker("prod"), "nothing applied");

    // `destroy_confirmation: ""` would let destroy run without any `--confirm`.
    let w = World::new(&[("dev", "    destroy_confirmation: \"\"\n")]);
    w.gh.add_commit("m1", &["a0"]);
    let out = w.on_main("m1", &["destroy", "--env", "dev"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        stderr(&out).contains("destroy_confirmation") && stderr(&out).contains("tfpromote.yaml:8:"),
        "names the file and line: {}",
        text(&out)
    );
    assert!(
        !w.gh
            .statuses("m1")
            .iter()
            .any(|s| s.context == "tfpromote/dev/destroy"),
        "no destroy ran"
    );
}

/// Rewrites pull request `pr`'s tracker comment with `token` (its author stays
/// `github-actions[bot]`: GitHub keeps the author of an edited comment).
fn edit_tracker(
    w: &World,
    pr: u64,
    token: &str,
    edit: impl FnOnce(&mut tfpromote::tracker::Tracker),
) {
    let comment =
        w.gh.comments(pr)
            .into_iter()
            .find(|c| tfpromote::tracker::is_tracker(&c.body))
            .expect("a tracker comment");
    let mut tracker = tfpromote::tracker::parse(&comment.body);
    edit(&mut tracker);
    let order: Vec<String> = ["dev", "stage", "prod"].map(String::from).to_vec();
    let body = tfpromote::tracker::render(&tracker, &order);
    block_on(async { client(w, token).update_comment(comment.id, &body).await }).expect("edit");
    assert_eq!(
        w.gh.comments(pr)
            .into_iter()
            .find(|c| c.id == comment.id)
            .map(|c| c.author),
        Some("github-actions[bot]".to_string()),
        "the author of an edited comment does not change"
    );
}

#[test]
fn a_fingerprint_edited_in_the_tracker_does_not_let_an_unreviewed_plan_apply() {
    let w = World::new(&[("prod", "    on_plan_change: block\n")]);
    w.gh.add_token(MALLORY, "mallory", false);
    w.reviewed_merge(1, "a0", "h1", "m1");
    // After review, what prod would apply changes; the attacker learns the new plan's
    // fingerprint and resource digests from a pull request of their own...
    w.set_var("prod", "size = 9");
    w.gh.add_commit("h2", &["m1"]);
    w.gh.add_pull(github_standin::Pull {
        number: 2,
        author: "mallory".into(),
        head_sha: "h2".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.pr_plan(2, "h2");
    let unreviewed = w.tracker(2).data.envs["prod"].clone();
    // ...and writes them into the first pull request's marker with their own token: nobody
    // reviewed them.
    edit_tracker(&w, 1, MALLORY, |t| {
        let record = t.data.envs.get_mut("prod").expect("prod");
        record.fingerprint = unreviewed.fingerprint.clone();
        record.changes = unreviewed.changes.clone();
    });
    assert!(
        w.gh.comment_edits().iter().any(|e| e.editor == "mallory"),
        "the stand-in records who edited"
    );
    let out = w.apply("m1", "prod");
    refused(&out, "reviewed-plan");
    assert!(
        stderr(&out).contains("changed after it was signed"),
        "{}",
        text(&out)
    );
    assert!(!w.marker("prod"), "nothing applied");
    // Copying the second pull request's signature along with its facts does not help: it was
    // signed for that pull request.
    edit_tracker(&w, 1, PR_WORKFLOW, |t| {
        t.data.envs.insert("prod".into(), unreviewed.clone());
    });
    let out = w.apply("m1", "prod");
    refused(&out, "reviewed-plan");
    assert!(
        stderr(&out).contains("another pull request"),
        "{}",
        text(&out)
    );
    assert!(!w.marker("prod"), "nothing applied");
    w.assert_clean();
}

#[test]
fn a_section_edited_to_hide_changes_is_detected_and_blocked() {
    let w = World::new(&[("prod", "    on_plan_change: block\n")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    // The pull request's own workflow token edits what reviewers read; the marker stays.
    edit_tracker(&w, 1, PR_WORKFLOW, |t| {
        t.sections
            .insert("prod".into(), "### prod\n\nNo changes.".into());
    });
    let out = w.apply("m1", "prod");
    refused(&out, "reviewed-plan");
    assert!(stderr(&out).contains("was edited"), "{}", text(&out));
    let summary = std::fs::read_to_string(w.tmp.path().join("summary.md")).expect("summary");
    assert!(
        summary.contains("was edited"),
        "the job summary says so:\n{summary}"
    );
    let note = w.tracker(1).data.envs["prod"]
        .note
        .clone()
        .unwrap_or_default();
    assert!(
        note.contains("reviewed-plan"),
        "the comment says so: {note}"
    );
    assert!(!w.marker("prod"));
    w.assert_clean();
}

#[test]
fn a_plan_signed_by_the_pull_requests_own_workflow_is_not_trusted() {
    let w = World::new(&[("prod", "    on_plan_change: block\n")]);
    w.gh.add_commit("h1", &["a0"]);
    w.gh.add_pull(github_standin::Pull {
        number: 1,
        author: "mallory".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    // The pull request edits its caller to use its own copy of the plan workflow, which
    // can show reviewers anything and still get a token signed by GitHub.
    let out = w.plan_as(
        1,
        "h1",
        "octo/repo/.github/workflows/plan.yml@refs/heads/mallory/feature",
    );
    assert!(out.status.success(), "{}", text(&out));
    w.merge(1, "a0", "h1", "m1");
    let out = w.apply("m1", "prod");
    refused(&out, "reviewed-plan");
    assert!(stderr(&out).contains("default branch"), "{}", text(&out));
    assert!(!w.marker("prod"));
    w.assert_clean();
}

#[test]
fn the_next_plan_reports_an_edit_of_the_tracker_in_the_comment_and_the_job_summary() {
    let w = World::new(&[("dev", "")]);
    w.gh.add_token(MALLORY, "mallory", false);
    w.gh.add_commit("h1", &["a0"]);
    w.gh.add_pull(github_standin::Pull {
        number: 1,
        author: "alice".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    w.pr_plan(1, "h1");
    edit_tracker(&w, 1, MALLORY, |t| {
        t.sections
            .insert("dev".into(), "### dev\n\nNo changes.".into());
    });
    w.pr_plan(1, "h1");
    let summary = std::fs::read_to_string(w.tmp.path().join("summary.md")).expect("summary");
    assert!(
        summary.contains("edited by someone other than tfpromote") && summary.contains("dev:"),
        "the job summary says so:\n{summary}"
    );
    let note = w.tracker(1).data.envs["dev"]
        .note
        .clone()
        .unwrap_or_default();
    assert!(note.contains("edited"), "the comment says so: {note:?}");
    w.assert_clean();
}
