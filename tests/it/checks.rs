//! `terraform fmt -check` and `terraform validate` before each environment's plan, with real
//! Terraform over fixture roots: an unformatted root is planned and its file is listed; an
//! invalid root is not planned and its error is listed with file and line; the other
//! environments go on.

use crate::common;

#[test]
fn fmt_and_validate_results_reach_the_comment_and_the_job_summary() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for (env, fixture) in [
        ("dev", "checks_unformatted"),
        ("stage", "checks_invalid"),
        ("prod", "empty"),
    ] {
        common::copy_tree(
            &common::fixtures().join("tf").join(fixture),
            &tmp.path().join("envs").join(env),
        );
    }
    std::fs::write(
        tmp.path().join("tfpromote.yaml"),
        "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n  - name: stage\n    dir: envs/stage\n  - name: prod\n    dir: envs/prod\n",
    )
    .expect("config");
    let summary = tmp.path().join("summary.md");
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--all", "--comment-file", "comment.md"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // stage failed; dev and prod were planned.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let comment = std::fs::read_to_string(tmp.path().join("comment.md")).expect("comment");
    let summary = std::fs::read_to_string(&summary).expect("summary");
    for (channel, text) in [("comment", &comment), ("job summary", &summary)] {
        assert!(
            text.contains("**Checks:** ⚠️ fmt: 1 file not formatted"),
            "{channel}: {text}"
        );
        assert!(
            text.contains("- fmt: `main.tf` is not formatted"),
            "{channel}: {text}"
        );
        assert!(text.contains("### stage: plan failed"), "{channel}: {text}");
        assert!(
            text.contains("terraform validate found 1 error (the plan did not run):\n- main.tf:5: Unsupported argument: An argument named \"no_such_argument\" is not expected here."),
            "{channel}: {text}"
        );
        // dev went on to its plan; so did prod, whose checks pass.
        assert!(text.contains("### dev: 1 to add"), "{channel}: {text}");
        assert!(
            text.contains("**Checks:** ✅ fmt · ✅ validate"),
            "{channel}: {text}"
        );
    }
    // The plan of stage never ran.
    assert!(!stderr.contains("stage: planned in"), "{stderr}");
}
