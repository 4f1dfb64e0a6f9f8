//! Which environments (roots) a change touches, as a GitHub Actions matrix: GitHub Actions
//! fans the plans out over runners (`strategy.matrix: ${{ fromJSON(...) }}`), tfpromote
//! only lists them. Pure: paths in, names out.

use std::path::{Component, Path, PathBuf};

/// `path` without `.` and with `..` applied, lexically (a deleted file cannot be resolved
/// on disk, and both sides are normalised the same way).
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether a changed file outside every environment's directory can still change what an
/// environment plans: Terraform code (a shared module), variables, backend or lock files,
/// or the tfpromote config itself.
fn shared_input(path: &Path, config: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    path == config
        || name.ends_with(".tf")
        || name.ends_with(".tfvars")
        || name.ends_with(".hcl")
        || name.ends_with(".tf.json")
}

/// The environments `changed` touches, in config order (the promotion and dependency
/// order). `envs` are (name, directory) and every path is absolute or relative to the same
/// directory.
pub fn touched<'a>(
    envs: &[(&'a str, PathBuf)],
    config: &Path,
    changed: &[PathBuf],
) -> Vec<&'a str> {
    let dirs: Vec<(&str, PathBuf)> = envs.iter().map(|(n, d)| (*n, normalise(d))).collect();
    let config = normalise(config);
    let mut hit = vec![false; dirs.len()];
    for path in changed.iter().map(|p| normalise(p)) {
        let mut owned = false;
        for (i, (_, dir)) in dirs.iter().enumerate() {
            if path.starts_with(dir) {
                hit[i] = true;
                owned = true;
            }
        }
        if !owned && shared_input(&path, &config) {
            hit.iter_mut().for_each(|h| *h = true);
        }
    }
    dirs.iter()
        .zip(hit)
        .filter(|(_, h)| *h)
        .map(|((n, _), _)| *n)
        .collect()
}

/// The matrix for `strategy.matrix`: `{"include":[{"environment":"dev"},...]}`.
pub fn render(names: &[&str]) -> String {
    let include: Vec<serde_json::Value> = names
        .iter()
        .map(|n| serde_json::json!({ "environment": n }))
        .collect();
    serde_json::json!({ "include": include }).to_string()
}

/// The touched roots grouped into levels, for roots with `depends_on` between them: a
/// level holds the roots whose dependency depth (over the whole config, so an untouched
/// root in between still orders its neighbours) is the same; levels keep depth order and
/// empty ones are dropped. `depth_of` gives a root's depth. Each level becomes its own
/// job (`needs:` the level before), because GitHub Actions orders jobs, not the entries of
/// one job's matrix.
pub fn levels<'a>(touched: &[&'a str], depth_of: impl Fn(&str) -> usize) -> Vec<Vec<&'a str>> {
    let mut by_depth: std::collections::BTreeMap<usize, Vec<&'a str>> = Default::default();
    for name in touched {
        by_depth.entry(depth_of(name)).or_default().push(name);
    }
    by_depth.into_values().collect()
}

/// The levels as a JSON array of matrices, `[{"include":[...]}, ...]`: level N's job reads
/// `fromJSON(needs.<job>.outputs.levels)[N]`.
pub fn render_levels(levels: &[Vec<&str>]) -> String {
    let all: Vec<serde_json::Value> = levels
        .iter()
        .map(|names| {
            let include: Vec<serde_json::Value> = names
                .iter()
                .map(|n| serde_json::json!({ "environment": n }))
                .collect();
            serde_json::json!({ "include": include })
        })
        .collect();
    serde_json::Value::Array(all).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envs() -> Vec<(&'static str, PathBuf)> {
        vec![
            ("network", PathBuf::from("/r/infra/net")),
            ("cluster", PathBuf::from("/r/sandbox/../infra/cluster")),
            ("addons", PathBuf::from("/r/infra/addons")),
        ]
    }

    #[test]
    fn a_change_lists_the_roots_it_touches_in_config_order() {
        let config = Path::new("/r/tfpromote.yaml");
        let only = |files: &[&str]| {
            let changed: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
            touched(&envs(), config, &changed)
        };
        assert_eq!(
            only(&["/r/infra/addons/main.tf", "/r/infra/cluster/x.tf"]),
            vec!["cluster", "addons"]
        );
        assert_eq!(only(&["/r/README.md"]), Vec::<&str>::new());
        assert_eq!(
            only(&["/r/infra/modules/vpc/main.tf"]),
            vec!["network", "cluster", "addons"]
        );
        assert_eq!(
            only(&["/r/tfpromote.yaml"]),
            vec!["network", "cluster", "addons"]
        );
        assert_eq!(only(&["/r/infra/net/../net/variables.tf"]), vec!["network"]);
    }

    #[test]
    fn dependent_roots_fall_into_later_levels() {
        let depth = |n: &str| match n {
            "network" => 0,
            "dns" => 0,
            "cluster" => 1,
            _ => 2,
        };
        assert_eq!(
            levels(&["network", "cluster", "addons", "dns"], depth),
            vec![vec!["network", "dns"], vec!["cluster"], vec!["addons"]]
        );
        // An untouched root in between: addons still waits for network, one level later.
        assert_eq!(
            levels(&["network", "addons"], depth),
            vec![vec!["network"], vec!["addons"]]
        );
        assert_eq!(
            render_levels(&[vec!["network"], vec!["addons"]]),
            r#"[{"include":[{"environment":"network"}]},{"include":[{"environment":"addons"}]}]"#
        );
        assert_eq!(render_levels(&[]), "[]");
    }

    #[test]
    fn the_matrix_is_what_from_json_expects() {
        assert_eq!(
            render(&["network", "cluster"]),
            r#"{"include":[{"environment":"network"},{"environment":"cluster"}]}"#
        );
        assert_eq!(render(&[]), r#"{"include":[]}"#);
    }
}
