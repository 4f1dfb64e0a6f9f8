//! Stale plans end to end: an apply that changes an environment marks every open pull
//! request's plan for it stale in its tracker and re-runs that pull request's plan run.
//! Real Terraform (the `terraform_data` ladder root) and the GitHub stand-in
//! (`crates/github-standin`, a stand-in following GitHub's REST description, where
//! `POST /actions/runs/{id}/rerun` is GitHub's way to plan a pull request again with the
//! same event and ref).

use github_standin::{Pull, WorkflowRun};

use crate::promotion::{PLAN_WORKFLOW_ON_MAIN, World, text};

/// Pull request `pr` opened at `head` and planned inside its own plan run, as GitHub runs
/// the pull request's plan workflow; returns the run's id.
fn planned_in_its_run(w: &World, pr: u64, base: &str, head: &str) -> u64 {
    w.gh.add_commit(head, &[base]);
    w.gh.add_pull(Pull {
        number: pr,
        author: "alice".into(),
        head_sha: head.into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    let run = w.gh.add_run(WorkflowRun {
        id: 0,
        path: ".github/workflows/pr-plan.yml".into(),
        event: "pull_request".into(),
        head_branch: format!("pr-{pr}"),
        head_sha: head.into(),
        actor: "alice".into(),
        jobs: Vec::new(),
    });
    w.gh.set_job(run, "plan", "in_progress", None);
    let payload =
        format!(r#"{{"number":{pr},"pull_request":{{"number":{pr},"head":{{"sha":"{head}"}}}}}}"#);
    let request_token = w.plan_job_claims(pr, head, PLAN_WORKFLOW_ON_MAIN);
    let out = w
        .command_in_run(run, "pull_request", head, &payload, &["plan", "--all"])
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!("{}/token?api-version=2.0", w.gh.oidc_issuer()),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
        .output()
        .expect("plan");
    let out = w.keep(out);
    assert!(out.status.success(), "plan of #{pr}: {}", text(&out));
    w.gh.set_job(run, "plan", "completed", Some("success"));
    run
}

#[test]
fn an_apply_marks_open_plans_stale_and_re_runs_their_plan_runs() {
    let w = World::new(&[("dev", "")]);
    w.reviewed_merge(1, "a0", "h1", "m1");
    // #2 was planned while dev was still empty; #3 is open but planned nothing yet.
    let run = planned_in_its_run(&w, 2, "a0", "h2");
    w.gh.add_commit("h3", &["a0"]);
    w.gh.add_pull(Pull {
        number: 3,
        author: "carol".into(),
        head_sha: "h3".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    assert_eq!(
        w.tracker(2).data.envs["dev"].status,
        tfpromote::tracker::Status::Planned
    );

    let out = w.apply("m1", "dev");
    assert!(out.status.success(), "{}", text(&out));

    let row = &w.tracker(2).data.envs["dev"];
    assert_eq!(row.status, tfpromote::tracker::Status::Stale, "{row:?}");
    let note = row.note.clone().unwrap_or_default();
    assert!(
        note.contains("planned at h2")
            && note.contains("applied at m1")
            && note.contains("re-planning"),
        "{note}"
    );
    assert_eq!(
        w.gh.reruns(),
        vec![run],
        "#2's plan run is re-run, nothing else"
    );
    assert!(
        !w.gh
            .comments(3)
            .iter()
            .any(|c| c.body.contains("tfpromote")),
        "#3 had no plan: left alone"
    );

    // The re-run plans #2 again: the row is fresh, with a new signature.
    planned_in_its_run(&w, 2, "a0", "h2");
    let row = &w.tracker(2).data.envs["dev"];
    assert_eq!(row.status, tfpromote::tracker::Status::Planned);
    assert_eq!(row.note, None);
    w.assert_clean();
}
