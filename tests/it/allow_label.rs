//! The stateful-change allow label counts only when a person with write access who is not
//! the pull request's author added it, end to end (real Terraform, real git, the shipped
//! `stateful_resources` policy, and the GitHub stand-in, which records who added a label as
//! GitHub's issue events do; a stand-in because GitHub's API cannot run here). The pull
//! request's own workflow token adds the label as `github-actions[bot]`; its author adds it
//! too: prod refuses the stateful destroy with exit 3 both times, naming the rule, the
//! resource and why the label does not count. A second person with write access adds it:
//! prod applies.

use crate::promotion::{PLAN_WORKFLOW_ON_MAIN, World, text};
use github_standin::{Fault, Pull};
use std::process::Command;

const LABEL: &str = "tfpromote:allow-stateful-change";
/// The resource the second pull request destroys.
const STATEFUL: &str = "terraform_data.slow[0]";

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// prod alone, blocked by the shipped `stateful_resources` policy with `terraform_data`
/// as its stateful type; the policies are on the default branch before the merge.
fn world() -> World {
    let w = World::new(&[("prod", "")]);
    let root = w.tmp.path();
    std::fs::create_dir_all(root.join("policy")).expect("dir");
    std::fs::write(
        root.join("policy/stateful_resources.rego"),
        include_str!("../../policy/stateful_resources.rego"),
    )
    .expect("policy");
    std::fs::write(
        root.join("policy/data.json"),
        format!(
            "{{\"platform\": {{\"stateful_types\": [\"terraform_data\"], \"allow_stateful_label\": \"{LABEL}\"}}}}\n"
        ),
    )
    .expect("data");
    let config = root.join("tfpromote.yaml");
    let yaml = std::fs::read_to_string(&config).expect("config").replace(
        "environments:\n",
        "policies:\n  dir: policy\n  mode:\n    prod: block\nenvironments:\n",
    );
    std::fs::write(&config, yaml).expect("config");
    std::fs::write(
        root.join(".gitignore"),
        "*\n!policy/\n!policy/*\n!tfpromote.yaml\n",
    )
    .expect("ignore");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "policies on main"]);
    git(root, &["commit", "-q", "--allow-empty", "-m", "the merge"]);
    w
}

/// What the pull request's own workflow can do with its `GITHUB_TOKEN` (`pull-requests:
/// write`): add the label through the REST API. GitHub records it as `github-actions[bot]`.
fn label_with_the_workflow_token(w: &World, pr: u64) {
    let out = Command::new("curl")
        .args(["-sS", "-f", "-X", "POST"])
        .arg(format!(
            "{}/repos/octo/repo/issues/{pr}/labels",
            w.gh.api_url()
        ))
        .args(["-H", "Authorization: Bearer ghs_standintoken"])
        .args(["-H", "Accept: application/vnd.github+json"])
        .args(["-d", &format!("{{\"labels\": [\"{LABEL}\"]}}")])
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "adding the label: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The pull request's plan as the plan workflow runs it on the `labeled` event, its base
/// branch `main` (where the policies are read from); the payload lists the labels, as
/// GitHub's does.
fn pr_plan(w: &World, pr: u64, head: &str) {
    let payload = format!(
        r#"{{"number":{pr},"pull_request":{{"number":{pr},"head":{{"sha":"{head}"}},"labels":[{{"name":"{LABEL}"}}]}}}}"#
    );
    let request_token = w.plan_job_claims(pr, head, PLAN_WORKFLOW_ON_MAIN);
    let out = w
        .command("pull_request", head, &payload, &["plan", "--all"])
        .env("GITHUB_BASE_REF", "main")
        .env(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            format!("{}/token?api-version=2.0", w.gh.oidc_issuer()),
        )
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
        .output()
        .expect("plan");
    let out = w.keep(out);
    assert!(out.status.success(), "PR plan failed:\n{}", text(&out));
}

fn assert_refused_because(w: &World, why: &str) {
    let out = w.apply("m2", "prod");
    let all = text(&out);
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(all.contains("refused by the policy gate"), "{all}");
    assert!(
        all.contains(&format!("rule `stateful_resources` on `{STATEFUL}`")),
        "{all}"
    );
    assert!(
        all.contains(&format!(
            "label `{LABEL}` is on the pull request but does not count: {why}"
        )),
        "{all}"
    );
    assert!(
        all.contains(
            "have a person with write access who is not the pull request's author add its label"
        ),
        "{all}"
    );
    assert!(state_holds(w, STATEFUL), "nothing was destroyed");
}

fn state_holds(w: &World, address: &str) -> bool {
    let list = Command::new(crate::common::terraform())
        .arg(format!("-chdir={}", w.dir("prod").display()))
        .args(["state", "list"])
        .output()
        .expect("terraform state list");
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .any(|l| l == address)
}

#[test]
fn only_a_writer_who_is_not_the_author_can_allow_a_stateful_destroy() {
    let w = world();
    // The first merge creates the stateful resource (a create passes the policy).
    w.set_var("prod", "sleep_seconds = 1");
    w.reviewed_merge(1, "a0", "h1", "m1");
    let first = w.apply("m1", "prod");
    assert!(first.status.success(), "{}", text(&first));
    assert!(state_holds(&w, STATEFUL));

    // The second pull request (by alice) destroys it, and its workflow labels itself.
    w.set_var("prod", "sleep_seconds = 0");
    w.gh.add_commit("h2", &["m1"]);
    w.gh.add_pull(Pull {
        number: 2,
        author: "alice".into(),
        head_sha: "h2".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    label_with_the_workflow_token(&w, 2);
    pr_plan(&w, 2, "h2");
    let comment =
        w.gh.comments(2)
            .into_iter()
            .map(|c| c.body)
            .find(|b| tfpromote::tracker::is_tracker(b))
            .expect("a tracker comment");
    assert!(
        comment.contains(&format!(
            "label `{LABEL}`: not honoured: added by github-actions\\[bot\\], a bot"
        )),
        "the comment says the label is present and why it does not count:\n{comment}"
    );
    assert!(comment.contains("(block: apply refuses)"), "{comment}");
    w.merge(2, "m1", "h2", "m2");

    assert_refused_because(&w, "added by github-actions[bot], a bot");

    // The author takes it off and puts it back herself: still her own say-so.
    w.gh.remove_label(2, LABEL, "alice").expect("removed");
    w.gh.add_label(2, LABEL, "alice").expect("labelled");
    assert_refused_because(
        &w,
        "removed and re-added by the pull request's author alice",
    );

    // bob, who has write access, removes and adds it: a second person's decision.
    w.gh.set_permission("bob", "write");
    w.gh.remove_label(2, LABEL, "bob").expect("removed");
    w.gh.add_label(2, LABEL, "bob").expect("labelled");
    // Who added it cannot be read (the job lacks `issues: read`): it does not count.
    w.gh.inject("issues/list-events", Fault::read_only(), 1);
    assert_refused_because(
        &w,
        "who added it is unknown: the pull request's events could not be read (GitHub GET /repos/octo/repo/issues/2/events: HTTP 403: Resource not accessible by integration",
    );
    let applied = w.apply("m2", "prod");
    assert!(applied.status.success(), "{}", text(&applied));
    assert!(
        !state_holds(&w, STATEFUL),
        "the stateful resource was destroyed"
    );
    w.assert_clean();
}
