//! Many roots as a GitHub Actions matrix: each matrix job plans its own environment with
//! `plan --env X --records-out FILE` and writes no comment; one final `merge-plans` job
//! posts every record into the one tracker comment in a single write, and the signed plans
//! it posts are the ones the apply gates accept. Real Terraform (the `terraform_data`
//! ladder root) and the GitHub stand-in (`crates/github-standin`, a stand-in following
//! GitHub's REST description).

use github_standin::Pull;

use crate::promotion::{PLAN_WORKFLOW_ON_MAIN, World, stderr, text};

#[test]
fn matrix_jobs_hand_their_plans_to_one_merge_job_that_writes_the_tracker_once() {
    let w = World::new(&[("dev", ""), ("stage", "")]);
    w.gh.add_commit("h1", &["a0"]);
    w.gh.add_pull(Pull {
        number: 1,
        author: "alice".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    let payload = r#"{"number":1,"pull_request":{"number":1,"head":{"sha":"h1"}}}"#;
    let dir = w.tmp.path().join("records");
    std::fs::create_dir_all(&dir).expect("records dir");
    for env in ["dev", "stage"] {
        let request_token = w.plan_job_claims(1, "h1", PLAN_WORKFLOW_ON_MAIN);
        let file = dir.join(format!("{env}.json"));
        let out = w
            .command(
                "pull_request",
                "h1",
                payload,
                &[
                    "plan",
                    "--env",
                    env,
                    "--records-out",
                    &file.display().to_string(),
                ],
            )
            .env(
                "ACTIONS_ID_TOKEN_REQUEST_URL",
                format!("{}/token?api-version=2.0", w.gh.oidc_issuer()),
            )
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
            .output()
            .expect("plan");
        let out = w.keep(out);
        assert!(out.status.success(), "{env}: {}", text(&out));
    }
    assert!(
        w.gh.comments(1).is_empty(),
        "matrix jobs never edit the tracker themselves"
    );

    let dir_arg = dir.display().to_string();
    let merged = w.keep(
        w.command(
            "pull_request",
            "h1",
            payload,
            &["merge-plans", "--records", &dir_arg],
        )
        .output()
        .expect("merge-plans"),
    );
    assert!(merged.status.success(), "{}", text(&merged));
    assert_eq!(w.gh.comments(1).len(), 1, "one tracker comment");
    let tracker = w.tracker(1);
    for env in ["dev", "stage"] {
        let record = &tracker.data.envs[env];
        assert!(record.signed.is_some(), "{env}'s plan is signed");
    }

    // The signed records the merge job posted are the reviewed plans the apply trusts.
    w.merge(1, "a0", "h1", "m1");
    for env in ["dev", "stage"] {
        let out = w.apply("m1", env);
        assert!(out.status.success(), "{env}: {}", text(&out));
    }

    // Two files claiming one environment: refused, naming the file.
    std::fs::copy(dir.join("dev.json"), dir.join("zz-again.json")).expect("copy");
    let twice = w.keep(
        w.command(
            "pull_request",
            "h1",
            payload,
            &["merge-plans", "--records", &dir_arg],
        )
        .output()
        .expect("merge-plans"),
    );
    assert!(!twice.status.success());
    assert!(
        stderr(&twice).contains("zz-again.json")
            && stderr(&twice).contains("more than one records file"),
        "{}",
        text(&twice)
    );
    w.assert_clean();
}

#[test]
fn the_matrix_lists_the_roots_a_change_touches_in_order() {
    let w = World::new(&[("network", ""), ("cluster", ""), ("addons", "")]);
    let list = w.tmp.path().join("changed.txt");
    let matrix = |files: &str| {
        std::fs::write(&list, files).expect("changed files");
        let out = w.keep(
            w.command(
                "pull_request",
                "h1",
                "{}",
                &["matrix", "--changed-files", &list.display().to_string()],
            )
            .output()
            .expect("matrix"),
        );
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(
        matrix("envs/addons/main.tf\nenvs/network/terraform.tfvars\nREADME.md\n"),
        r#"{"include":[{"environment":"network"},{"environment":"addons"}]}"#
    );
    assert_eq!(
        matrix("modules/shared/main.tf\n"),
        r#"{"include":[{"environment":"network"},{"environment":"cluster"},{"environment":"addons"}]}"#
    );
    assert_eq!(matrix("docs/x.md\n"), r#"{"include":[]}"#);
}
