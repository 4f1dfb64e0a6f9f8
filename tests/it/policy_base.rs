//! A pull request that edits a policy is still judged by the default branch's version: with
//! real git and real Terraform, a branch that weakens the rule to allow its own change gets
//! the violation in its comment anyway, read from the base branch.

use crate::common;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) {
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

const RULE: &str = "package tfpromote.no_forbidden\n\nimport rego.v1\n\ndeny contains {\"address\": rc.address, \"message\": \"input must not be forbidden\"} if {\n\tsome rc in input.resource_changes\n\trc.type == \"terraform_data\"\n\trc.after.input == \"forbidden\"\n}\n";

#[test]
fn a_pull_request_that_weakens_a_policy_is_judged_by_the_base_branchs_version() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path();
    std::fs::create_dir_all(repo.join("policy")).expect("dir");
    std::fs::create_dir_all(repo.join("envs/dev")).expect("dir");
    let rule = RULE.to_string();
    std::fs::write(repo.join("policy/no_forbidden.rego"), &rule).expect("policy");
    std::fs::write(
        repo.join("envs/dev/main.tf"),
        "resource \"terraform_data\" \"x\" {\n  input = \"allowed\"\n}\n",
    )
    .expect("main.tf");
    std::fs::write(
        repo.join("tfpromote.yaml"),
        "version: 1\npolicies:\n  dir: policy\n  default_mode: block\nenvironments:\n  - name: dev\n    dir: envs/dev\n",
    )
    .expect("config");
    std::fs::write(
        repo.join(".gitignore"),
        ".terraform*\ncomment.md\nevent.json\n",
    )
    .expect("ignore");
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-qm", "base"]);
    // The pull request: the forbidden value, and the rule weakened to never fire.
    git(repo, &["checkout", "-qb", "feature"]);
    std::fs::write(
        repo.join("envs/dev/main.tf"),
        "resource \"terraform_data\" \"x\" {\n  input = \"forbidden\"\n}\n",
    )
    .expect("main.tf");
    std::fs::write(
        repo.join("policy/no_forbidden.rego"),
        rule.replace(
            "rc.after.input == \"forbidden\"",
            "rc.after.input == \"never\"",
        ),
    )
    .expect("weakened");
    git(repo, &["commit", "-qam", "weaken the rule"]);
    std::fs::write(
        repo.join("event.json"),
        "{\"number\": 7, \"pull_request\": {\"number\": 7, \"labels\": []}}",
    )
    .expect("event");
    let out = common::tfpromote()
        .current_dir(repo)
        .args(["plan", "--all", "--comment-file", "comment.md"])
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", repo.join("event.json"))
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_WORKSPACE", repo)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let comment = std::fs::read_to_string(repo.join("comment.md"))
        .unwrap_or_else(|_| panic!("no comment: {stderr}"));
    assert!(
        comment
            .contains("**Policy** (block, policies from refs/heads/main:policy): ❌ 1 violation"),
        "{comment}\n{stderr}"
    );
    assert!(
        comment.contains("`no_forbidden` `terraform_data.x`: input must not be forbidden"),
        "{comment}"
    );
}
