//! Files as they are on the pull request's base branch, read with git from the checkout.
//!
//! The base is `origin/<GITHUB_BASE_REF>` (or, in a developer's clone, the local branch of
//! that name) when the checkout has it, else the first parent of
//! `HEAD` when `HEAD` is GitHub's merge commit for the pull request (`refs/pull/N/merge`,
//! whose first parent is the base branch's tip: `actions/checkout` with `fetch-depth: 2`).
//! Neither can be written by the pull request itself.

use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()
}

fn verifies(dir: &Path, rev: &str) -> bool {
    git(
        dir,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .is_some_and(|o| o.status.success())
}

/// The base revision for a checkout in `dir`, or why there is none.
pub fn revision(dir: &Path, base_ref: Option<&str>) -> Result<String, String> {
    if let Some(base) = base_ref.filter(|b| !b.is_empty()) {
        let remote = format!("refs/remotes/origin/{base}");
        if verifies(dir, &remote) {
            return Ok(remote);
        }
        // A developer's own clone (the sandbox) may have the branch only locally. A pull
        // request cannot create refs in the job's checkout, so this is no way around the
        // check either.
        let local = format!("refs/heads/{base}");
        if verifies(dir, &local) {
            return Ok(local);
        }
    }
    if verifies(dir, "HEAD^2") && verifies(dir, "HEAD^1") {
        return Ok("HEAD^1".to_string());
    }
    Err(format!(
        "cannot find the pull request's base branch in the checkout at {} (looked for \
         origin/{} or that branch checked out locally, and for HEAD being GitHub's merge commit with its first parent fetched); \
         check out with `fetch-depth: 2` (or fetch the base branch)",
        dir.display(),
        base_ref.unwrap_or("<GITHUB_BASE_REF unset>")
    ))
}

/// `file` (relative to `dir`) at `rev`: `Ok(None)` when the base has no such file.
pub fn read(dir: &Path, rev: &str, file: &str) -> Result<Option<String>, String> {
    let spec = format!("{rev}:./{file}");
    let exists = git(dir, &["cat-file", "-e", &spec]).is_some_and(|o| o.status.success());
    if !exists {
        return Ok(None);
    }
    match git(dir, &["show", &spec]) {
        Some(out) if out.status.success() => String::from_utf8(out.stdout)
            .map(Some)
            .map_err(|_| format!("{file} at {rev} is not UTF-8")),
        Some(out) => Err(format!(
            "git show {spec}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        None => Err("git is not installed".to_string()),
    }
}
