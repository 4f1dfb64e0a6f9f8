//! Reads the policy files: from the working tree (`render`, a developer's check), or as they
//! are at a git revision of the default branch, so a pull request that edits a policy is
//! still judged by the version it cannot change (see docs/policy.md for which revision).

use std::path::Path;
use std::process::Command;

use super::PolicySet;

/// Policy files larger than this are refused (a policy is a few KB).
const MAX_FILE_BYTES: usize = 1 << 20;

/// `*.rego` and `data.json` in `dir` on disk.
pub fn from_dir(dir: &Path) -> Result<PolicySet, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "cannot read the policy directory {}: {e} (policies.dir in tfpromote.yaml)",
            dir.display()
        )
    })?;
    let mut set = PolicySet {
        source: dir.display().to_string(),
        ..PolicySet::default()
    };
    for entry in entries {
        let path = entry.map_err(|e| format!("{}: {e}", dir.display()))?.path();
        let Some(name) = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if !(name.ends_with(".rego") || name == "data.json") || name.ends_with("_test.rego") {
            continue;
        }
        let text = read_capped(&path)?;
        push(&mut set, name, text);
    }
    set.files.sort();
    Ok(set)
}

/// The same files as they are at `rev` in the git checkout at `repo` (`dir` relative to it).
pub fn from_git(repo: &Path, rev: &str, dir: &str) -> Result<PolicySet, String> {
    let dir = dir.trim_end_matches('/');
    // No policy directory at that revision: the default branch has no policies yet, so
    // there is nothing a pull request could be judged by (and nothing it could weaken).
    if git(repo, &["cat-file", "-e", &format!("{rev}:./{dir}")]).is_err() {
        return Ok(PolicySet {
            source: format!("{rev}:{dir} (no policies there)"),
            ..PolicySet::default()
        });
    }
    let listing = git(repo, &["ls-tree", "--name-only", &format!("{rev}:./{dir}")])
        .map_err(|e| format!("cannot list {dir} at {rev}: {e}"))?;
    let mut set = PolicySet {
        source: format!("{rev}:{dir}"),
        ..PolicySet::default()
    };
    for name in listing.lines() {
        if !(name.ends_with(".rego") || name == "data.json") || name.ends_with("_test.rego") {
            continue;
        }
        let text = git(repo, &["show", &format!("{rev}:./{dir}/{name}")])
            .map_err(|e| format!("cannot read {dir}/{name} at {rev}: {e}"))?;
        if text.len() > MAX_FILE_BYTES {
            return Err(format!("{dir}/{name} at {rev} is larger than 1 MiB"));
        }
        push(&mut set, name.to_string(), text);
    }
    set.files.sort();
    Ok(set)
}

fn push(set: &mut PolicySet, name: String, text: String) {
    if name == "data.json" {
        set.data = Some(text);
    } else {
        set.files.push((name, text));
    }
}

fn read_capped(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_FILE_BYTES as u64 {
        return Err(format!("{} is larger than 1 MiB", path.display()));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn git(repo: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8(out.stdout).map_err(|_| "not UTF-8".to_string())
}
