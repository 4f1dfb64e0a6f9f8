//! Shared test helpers: paths, the binary under test, and the real peers from scripts/setup.
#![allow(dead_code)]

pub mod action_runner;
pub mod github_fake;
pub mod moto;
pub mod oidc;
pub mod slow_http;

use std::path::{Path, PathBuf};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The plan-JSON conformance corpus: real `terraform show -json` files from HashiCorp's
/// terraform-json library, committed under tests/ with their licence and provenance.
pub fn conformance_dir() -> PathBuf {
    repo_root().join("tests/conformance/terraform-json")
}

/// A tool installed by scripts/setup: from the environment (scripts/test sources .tools/env)
/// or from .tools/ directly. Panics with the fix when missing: a real peer is never skipped.
pub fn tool(var: &str, fallback: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var).filter(|v| !v.is_empty()) {
        return PathBuf::from(p);
    }
    let p = repo_root().join(".tools").join(fallback);
    assert!(
        p.exists(),
        "{var} not set and {} missing: run scripts/setup first",
        p.display()
    );
    p
}

/// The Terraform binary the tests run (real Terraform, >= 1.11).
pub fn terraform() -> PathBuf {
    std::env::var_os("TFPROMOTE_TERRAFORM")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("terraform"))
}

/// `tfpromote` with a clean, predictable environment.
pub fn tfpromote() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tfpromote"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().to_string();
        if key.starts_with("GITHUB_") || key.starts_with("TF_VAR_") || key.starts_with("TFPROMOTE_")
        {
            cmd.env_remove(&key);
        }
    }
    cmd.env("TFPROMOTE_TERRAFORM", terraform());
    cmd
}

/// Copies a fixture directory tree (Terraform roots are mutated by init/apply), leaving out
/// Terraform's working data (`.terraform/`, lock and state files) a developer's runs left.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".terraform"
            || name == ".terraform.lock.hcl"
            || name.starts_with("terraform.tfstate")
        {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("type");
        if kind.is_symlink() {
            // Environment roots share their files through relative links: keep them links.
            let link = std::fs::read_link(entry.path()).expect("read link");
            std::os::unix::fs::symlink(link, &target).expect("symlink");
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures")
}
