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

/// Roots with `depends_on` (network -> cluster -> add-ons, and an independent dns): the
/// matrix command also writes `levels`, one matrix per dependency level, and `depth`, so a
/// workflow runs one job per level, each `needs:` the one before (GitHub Actions orders
/// jobs, not the entries of one matrix). An untouched root in between still orders its
/// neighbours. A cycle or an unknown root is a config error naming the line.
#[test]
fn the_matrix_with_dependent_roots_plans_each_level_after_the_one_it_depends_on() {
    let w = World::new(&[
        ("network", ""),
        ("cluster", "    depends_on: [network]\n"),
        ("addons", "    depends_on:\n      - cluster\n"),
        ("dns", ""),
    ]);
    let list = w.tmp.path().join("changed.txt");
    let output = w.tmp.path().join("output");
    let run = |files: &str| {
        std::fs::write(&list, files).expect("changed files");
        let _ = std::fs::remove_file(&output);
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
        let written = std::fs::read_to_string(&output).expect("GITHUB_OUTPUT written");
        let get = |key: &str| {
            written
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap_or_else(|| panic!("no {key} in {written}"))
                .to_string()
        };
        (get("levels"), get("depth"), get("matrix"))
    };
    let (levels, depth, matrix) = run("modules/shared/main.tf\n");
    assert_eq!(
        levels,
        r#"[{"include":[{"environment":"network"},{"environment":"dns"}]},{"include":[{"environment":"cluster"}]},{"include":[{"environment":"addons"}]}]"#
    );
    assert_eq!(depth, "3");
    assert_eq!(
        matrix,
        r#"{"include":[{"environment":"network"},{"environment":"cluster"},{"environment":"addons"},{"environment":"dns"}]}"#,
        "the flat matrix stays for workflows without levels"
    );
    // cluster is untouched: addons still plans after network, in the next level.
    let (levels, depth, _) = run("envs/addons/main.tf\nenvs/network/main.tf\n");
    assert_eq!(
        levels,
        r#"[{"include":[{"environment":"network"}]},{"include":[{"environment":"addons"}]}]"#
    );
    assert_eq!(depth, "2");
    let (levels, depth, _) = run("docs/x.md\n");
    assert_eq!((levels.as_str(), depth.as_str()), ("[]", "0"));

    // A cycle and an unknown root: config errors naming the file and the line.
    let config = w.tmp.path().join("tfpromote.yaml");
    let good = std::fs::read_to_string(&config).expect("config");
    let refused = |yaml: String, wanted: &[&str]| {
        std::fs::write(&config, yaml).expect("config");
        std::fs::write(&list, "envs/network/main.tf\n").expect("changed files");
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
        assert!(!out.status.success(), "{}", text(&out));
        for part in wanted {
            assert!(stderr(&out).contains(part), "{part:?} in {}", text(&out));
        }
    };
    let cycle = good.replace(
        "  - name: network\n    dir: envs/network\n",
        "  - name: network\n    dir: envs/network\n    depends_on: [addons]\n",
    );
    let line = cycle
        .lines()
        .position(|l| l.contains("depends_on: [addons]"))
        .expect("cycle line")
        + 1;
    refused(
        cycle,
        &[
            &format!("tfpromote.yaml:{line}"),
            "cycle (network -> addons -> cluster -> network)",
        ],
    );
    let unknown = good.replace("depends_on: [network]", "depends_on: [netwrk]");
    let line = unknown
        .lines()
        .position(|l| l.contains("[netwrk]"))
        .expect("unknown line")
        + 1;
    refused(
        unknown,
        &[
            &format!("tfpromote.yaml:{line}"),
            "`cluster` depends_on `netwrk`, which is not an environment",
        ],
    );
    std::fs::write(&config, good).expect("config");
    w.assert_clean();
}
