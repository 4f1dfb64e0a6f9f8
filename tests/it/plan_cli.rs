//! `tfpromote plan` refusals that happen before any plan: wrong Terraform, wrong environment.

use crate::common;

fn project(config: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("envs/dev");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("main.tf"),
        "resource \"terraform_data\" \"x\" {}\n",
    )
    .expect("main.tf");
    std::fs::write(tmp.path().join("tfpromote.yaml"), config).expect("config");
    tmp
}

const BASE: &str = "version: 1\nenvironments:\n  - name: dev\n    dir: envs/dev\n";

#[test]
fn terraform_older_than_min_version_is_refused_with_the_fix() {
    let tmp = project(&format!("{BASE}terraform:\n  min_version: \"99.1\"\n"));
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--env", "dev"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("older than terraform.min_version 99.1"),
        "{stderr}"
    );
    assert!(stderr.contains("install Terraform >= 99.1"), "{stderr}");
    assert!(
        !tmp.path().join("envs/dev/.terraform").exists(),
        "nothing may run before the check"
    );
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    let tmp = project(BASE);
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .args(["plan", "--env", "prd"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown environment \"prd\"") && stderr.contains("defines dev"),
        "{stderr}"
    );
}

#[test]
fn missing_terraform_binary_says_how_to_install_it() {
    let tmp = project(BASE);
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .env("TFPROMOTE_TERRAFORM", tmp.path().join("no-such-terraform"))
        .args(["plan", "--env", "dev"])
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no-such-terraform` was not found") && stderr.contains("scripts/setup"),
        "{stderr}"
    );
}

#[test]
fn plan_needs_env_or_all() {
    let tmp = project(BASE);
    let out = common::tfpromote()
        .current_dir(tmp.path())
        .arg("plan")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--env"));
}

#[test]
fn the_repository_config_is_valid() {
    let out = common::tfpromote()
        .current_dir(common::repo_root())
        .arg("check")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("3. prod") && stdout.contains("Block") && stdout.contains("Forbid"),
        "{stdout}"
    );
}
