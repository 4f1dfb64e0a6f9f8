//! A pull request's plan is refused when its configuration uses a provider that the default
//! branch's lock file does not list (providers run as code with the plan role), unless
//! `terraform.allowed_new_providers` lists it. Real git repositories as fixture roots: the
//! base branch is `origin/main` (as `actions/checkout` leaves it with the base fetched).

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

const CONFIG: &str = "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n";
const AWS_LOCK: &str =
    "provider \"registry.terraform.io/hashicorp/aws\" {\n  version = \"6.0.0\"\n}\n";
const MAIN_TF: &str = "terraform {\n  required_providers {\n    aws = { source = \"hashicorp/aws\" }\n  }\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n}\n";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A repository whose `main` (also `origin/main`, per `base`) locks only hashicorp/aws, then the
/// pull request's change applied to the working tree by `change`.
fn repo(config: &str, base: Base, change: impl FnOnce(&Path)) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let env = root.join("envs/dev");
    std::fs::create_dir_all(&env).expect("dir");
    std::fs::write(env.join("main.tf"), MAIN_TF).expect("main.tf");
    std::fs::write(env.join(".terraform.lock.hcl"), AWS_LOCK).expect("lock");
    std::fs::write(root.join("tfpromote.yaml"), config).expect("config");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    match base {
        Base::Remote => git(root, &["update-ref", "refs/remotes/origin/main", "HEAD"]),
        Base::Local => {}
        // As in a job's checkout: the pull request's commit, no branch named main.
        Base::None => git(root, &["branch", "-q", "-m", "main", "pull-request"]),
    }
    change(root);
    tmp
}

/// Where the checkout has the default branch.
#[derive(Clone, Copy)]
enum Base {
    /// `origin/main`, as `actions/checkout` fetches it.
    Remote,
    /// Only a local `main`, as in a developer's clone (the sandbox).
    Local,
    None,
}

/// The pull request adds the random provider, to its configuration and its lock file.
fn add_random(root: &Path) {
    let env = root.join("envs/dev");
    let main = format!("{MAIN_TF}\nresource \"random_id\" \"suffix\" {{\n  byte_length = 4\n}}\n");
    std::fs::write(env.join("main.tf"), main).expect("main.tf");
    let lock = format!(
        "{AWS_LOCK}\nprovider \"registry.terraform.io/hashicorp/random\" {{\n  version = \"3.7.2\"\n}}\n"
    );
    std::fs::write(env.join(".terraform.lock.hcl"), lock).expect("lock");
}

fn plan(root: &Path, event: &str) -> Output {
    // No provider can be installed: whatever passes the check fails at init, offline.
    let cli = root.join("no-providers.tfrc");
    let mirror = root.join("empty-mirror");
    std::fs::create_dir_all(&mirror).expect("mirror");
    std::fs::write(
        &cli,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .expect("cli config");
    common::tfpromote()
        .current_dir(root)
        .env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_BASE_REF", "main")
        .env("TF_CLI_CONFIG_FILE", &cli)
        .args(["plan", "--env", "dev"])
        .output()
        .expect("run tfpromote")
}

#[test]
fn a_provider_new_to_the_default_branch_is_refused_even_if_the_pull_request_locks_it() {
    let tmp = repo(CONFIG, Base::Remote, add_random);
    let out = plan(tmp.path(), "pull_request");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for expected in [
        "refusing to plan this pull request",
        "dev: envs/dev/main.tf uses provider registry.terraform.io/hashicorp/random",
        "lock file envs/dev/.terraform.lock.hcl does not list",
        "resource \"random_id\"",
        "terraform.allowed_new_providers",
    ] {
        assert!(stderr.contains(expected), "{expected:?} missing:\n{stderr}");
    }
    assert!(
        !stderr.contains("hashicorp/aws,"),
        "aws is locked on main:\n{stderr}"
    );
    assert!(
        !tmp.path().join("envs/dev/.terraform").exists(),
        "nothing may run before the check"
    );
}

#[test]
fn a_provider_the_config_allows_is_planned() {
    let config = format!("{CONFIG}terraform:\n  allowed_new_providers: [hashicorp/random]\n");
    let tmp = repo(&config, Base::Remote, add_random);
    let out = plan(tmp.path(), "pull_request");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("refusing to plan"), "{stderr}");
    assert!(
        stderr.contains("dev: planning in"),
        "the plan must start:\n{stderr}"
    );
}

#[test]
fn providers_locked_on_the_default_branch_are_planned() {
    let tmp = repo(CONFIG, Base::Remote, |_| {});
    let out = plan(tmp.path(), "pull_request");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("refusing to plan"), "{stderr}");
    assert!(
        stderr.contains("dev: planning in"),
        "the plan must start:\n{stderr}"
    );
}

#[test]
fn without_the_base_branch_in_the_checkout_the_fix_is_named() {
    let tmp = repo(CONFIG, Base::None, add_random);
    let out = plan(tmp.path(), "pull_request");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot find the pull request's base branch")
            && stderr.contains("fetch-depth: 2"),
        "{stderr}"
    );
}

#[test]
fn a_local_default_branch_is_the_base_in_a_developers_clone() {
    let tmp = repo(CONFIG, Base::Local, add_random);
    let out = plan(tmp.path(), "pull_request");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("uses provider registry.terraform.io/hashicorp/random"),
        "the local main's lock file was read: {stderr}"
    );
}

#[test]
fn a_push_to_main_is_not_checked() {
    let tmp = repo(CONFIG, Base::None, add_random);
    let out = plan(tmp.path(), "push");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("refusing to plan") && !stderr.contains("base branch"),
        "{stderr}"
    );
}
