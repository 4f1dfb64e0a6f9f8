//! Symbolic links that lead out of the repository, refused before Terraform starts.
//!
//! A pull request can add `zz.auto.tfvars -> /proc/self/environ` (or a module file linked
//! to a host file): Terraform reads the target, rejects it, and quotes its lines, every
//! variable of the job's environment included. So the environment's directory tree and
//! the tree of every local module it calls (`source = "./..."` or `"../..."`, followed
//! transitively) may hold links only to places inside the repository. `.terraform` (where
//! Terraform links provider binaries from its cache) and `.git` are not looked into.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::repo::real_path;

/// Directories Terraform or git own.
const SKIPPED: &[&str] = &[".terraform", ".git"];

/// One problem per line, each naming the link and where it leads; empty when all is well.
pub fn links_leaving(root: &Path, env_dir: &Path) -> Vec<String> {
    let root = real_path(root);
    let mut problems = Vec::new();
    let mut visited = BTreeSet::new();
    let mut queue = vec![env_dir.to_path_buf()];
    while let Some(dir) = queue.pop() {
        let real = real_path(&dir);
        if !visited.insert(real.clone()) {
            continue;
        }
        if !real.starts_with(&root) {
            problems.push(format!(
                "{} resolves to {}, outside the repository ({}): Terraform would read it",
                dir.display(),
                real.display(),
                root.display()
            ));
            continue;
        }
        walk(&root, &dir, &mut problems, &mut queue);
    }
    problems
}

/// Checks every entry under `dir`; queues local module directories its `.tf` files call.
fn walk(root: &Path, dir: &Path, problems: &mut Vec<String>, queue: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.as_deref().is_some_and(|n| SKIPPED.contains(&n)) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            match path.canonicalize() {
                Ok(real) if real.starts_with(root) => {
                    if real.is_dir() {
                        queue.push(real);
                    }
                }
                Ok(real) => problems.push(format!(
                    "{} is a symbolic link to {target} ({}), outside the repository ({}): Terraform would read and quote it; replace the link with the file itself",
                    path.display(),
                    real.display(),
                    root.display()
                )),
                Err(_) => problems.push(format!(
                    "{} is a symbolic link to {target}, which does not exist here: remove it or make it point inside the repository",
                    path.display()
                )),
            }
            continue;
        }
        if meta.is_dir() {
            queue.push(path);
        } else if name.as_deref().is_some_and(|n| n.ends_with(".tf")) {
            queue.extend(local_module_dirs(dir, &path));
        }
    }
}

/// Directories of the local modules (`./` or `../` sources) a `.tf` file calls.
fn local_module_dirs(dir: &Path, file: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let Ok(body) = hcl::parse(&text) else {
        return Vec::new();
    };
    body.blocks()
        .filter(|b| b.identifier() == "module")
        .filter_map(|b| {
            b.body()
                .attributes()
                .find(|a| a.key() == "source")
                .and_then(|a| match a.expr() {
                    hcl::Expression::String(s) if s.starts_with("./") || s.starts_with("../") => {
                        Some(dir.join(s))
                    }
                    _ => None,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_repository_are_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = real_path(tmp.path());
        let env = root.join("envs/dev");
        let module = root.join("modules/m");
        std::fs::create_dir_all(&env).expect("env");
        std::fs::create_dir_all(module.join("sub")).expect("module");
        std::fs::write(
            env.join("main.tf"),
            "module \"m\" {\n  source = \"../../modules/m\"\n}\n",
        )
        .expect("main");
        std::fs::write(root.join("common.tfvars"), "a = 1\n").expect("common");
        symlink("../../common.tfvars", env.join("ok.auto.tfvars")).expect("inside");
        assert!(links_leaving(&root, &env).is_empty());

        symlink("/proc/self/environ", env.join("zz.auto.tfvars")).expect("environ");
        symlink("/etc/hostname", module.join("sub/data.txt")).expect("module link");
        symlink("/nowhere/at/all", env.join("dangling.tf")).expect("dangling");
        let problems = links_leaving(&root, &env);
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems.iter().any(|p| p.contains("zz.auto.tfvars")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("sub/data.txt")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("dangling.tf")),
            "{problems:?}"
        );
    }
}
