//! Paths in the config must stay inside the repository: `dir: /etc` or
//! `var_files: [/etc/passwd]` would make Terraform read, and the comment quote, files the
//! pull request has no business touching.
//!
//! The repository root is `$GITHUB_WORKSPACE` when set and holding the config file (a job),
//! else the nearest ancestor of the config file's directory holding `.git`, else that
//! directory itself (a temporary test workspace is its own root). Symlinks are resolved on
//! both sides, so a link pointing out of the repository is caught too.

use std::path::{Component, Path, PathBuf};

/// The root every configured path must stay inside.
pub fn root_for(config_dir: &Path, workspace: Option<&Path>) -> PathBuf {
    let dir = real_path(config_dir);
    if let Some(workspace) = workspace {
        let workspace = real_path(workspace);
        if dir.starts_with(&workspace) {
            return workspace;
        }
    }
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// `path` (relative to `base`) with symlinks resolved as far as it exists, the rest
/// normalised lexically.
pub fn real_path(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return lexical(&out);
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return lexical(&absolute),
        }
    }
}

fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// An error message when `raw` (from the config, relative to `base`) leaves `root`.
pub fn outside(root: &Path, base: &Path, raw: &str, what: &str) -> Option<String> {
    let resolved = real_path(&base.join(raw));
    (!resolved.starts_with(root)).then(|| {
        format!(
            "{what} {raw:?} resolves to {}, outside the repository ({}): every path must stay inside the repository (symlinks included); move the file into it",
            resolved.display(),
            root.display()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_links_leaving_the_root_are_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = real_path(tmp.path());
        std::fs::create_dir_all(root.join("envs/dev")).expect("dirs");
        std::os::unix::fs::symlink("/etc", root.join("envs/link")).expect("link");
        assert!(outside(&root, &root, "envs/dev", "dir").is_none());
        assert!(outside(&root, &root, "envs/dev/../dev/x.tfvars", "var file").is_none());
        assert!(outside(&root, &root, "/etc", "dir").is_some());
        assert!(outside(&root, &root, "../x", "dir").is_some());
        assert!(outside(&root, &root, "envs/link/passwd", "var file").is_some());
        assert_eq!(
            root_for(&root.join("envs/dev"), None),
            real_path(&root.join("envs/dev"))
        );
    }
}
