//! `depends_on` between roots: an environment may consist of several roots (network ->
//! cluster -> add-ons) that must be planned and applied after the roots they read from.
//! Pure: names and edges in, dependency depths or the first problem out. The problem's
//! line is found in the config text, so the error names where to fix it.

use std::path::Path;

use super::{Config, ConfigError};

/// What is wrong with the declared dependencies.
#[derive(Debug, PartialEq, Eq)]
pub enum Problem {
    /// `env` depends on `target`, which is no environment of the config.
    Unknown { env: String, target: String },
    /// A cycle, in order: each depends on the next, the last on the first.
    Cycle(Vec<String>),
}

/// The depth of every environment (index-aligned with `deps`): 0 for one that depends on
/// nothing, otherwise one more than the deepest environment it depends on. `deps[i]` lists
/// the names environment `names[i]` depends on.
pub fn depths(names: &[&str], deps: &[Vec<&str>]) -> Result<Vec<usize>, Problem> {
    let mut edges: Vec<Vec<usize>> = Vec::with_capacity(names.len());
    for (i, list) in deps.iter().enumerate() {
        let mut targets = Vec::new();
        for target in list {
            match names.iter().position(|n| n == target) {
                Some(j) => targets.push(j),
                None => {
                    return Err(Problem::Unknown {
                        env: names[i].to_string(),
                        target: target.to_string(),
                    });
                }
            }
        }
        edges.push(targets);
    }
    // Depth-first, colouring nodes: 0 unseen, 1 on the current path, 2 done.
    let mut state = vec![0u8; names.len()];
    let mut depth = vec![0usize; names.len()];
    let mut path: Vec<usize> = Vec::new();
    fn visit(
        node: usize,
        edges: &[Vec<usize>],
        state: &mut [u8],
        depth: &mut [usize],
        path: &mut Vec<usize>,
    ) -> Result<(), Vec<usize>> {
        match state[node] {
            2 => return Ok(()),
            1 => {
                let start = path.iter().position(|&n| n == node).unwrap_or(0);
                return Err(path[start..].to_vec());
            }
            _ => {}
        }
        state[node] = 1;
        path.push(node);
        let mut own = 0;
        for &next in &edges[node] {
            visit(next, edges, state, depth, path)?;
            own = own.max(depth[next] + 1);
        }
        path.pop();
        state[node] = 2;
        depth[node] = own;
        Ok(())
    }
    for node in 0..names.len() {
        visit(node, &edges, &mut state, &mut depth, &mut path).map_err(|cycle| {
            Problem::Cycle(cycle.iter().map(|&i| names[i].to_string()).collect())
        })?;
    }
    Ok(depth)
}

/// The depths of the config's environments, or a config error naming the line of the
/// offending `depends_on` entry.
pub fn check(config: &Config, text: &str, file: &Path) -> Result<Vec<usize>, ConfigError> {
    let names = config.names();
    let deps: Vec<Vec<&str>> = config
        .environments
        .iter()
        .map(|e| e.depends_on.iter().map(|d| d.as_str()).collect())
        .collect();
    depths(&names, &deps).map_err(|problem| {
        let (env, target, message) = match &problem {
            Problem::Unknown { env, target } => (
                env.clone(),
                target.clone(),
                format!(
                    "environments: `{env}` depends_on `{target}`, which is not an environment of this config ({}); use one of those names",
                    names.join(", ")
                ),
            ),
            Problem::Cycle(cycle) => {
                let first = cycle.first().cloned().unwrap_or_default();
                let next = cycle.get(1).cloned().unwrap_or_else(|| first.clone());
                let mut shown = cycle.clone();
                shown.push(first.clone());
                (
                    first,
                    next,
                    format!(
                        "environments: depends_on forms a cycle ({}): a root cannot wait for itself; remove one of these depends_on entries",
                        shown.join(" -> ")
                    ),
                )
            }
        };
        ConfigError {
            file: file.to_path_buf(),
            line: entry_line(text, &env, &target),
            column: None,
            message,
        }
    })
}

/// The 1-based line of `target` in `env`'s `depends_on` (a block list item or the flow list
/// on the key's line), found after the environment's `name: <env>` line.
fn entry_line(text: &str, env: &str, target: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    fn is_name(l: &str) -> Option<&str> {
        let t = l.trim_start().trim_start_matches("- ").trim_start();
        t.strip_prefix("name:")
            .map(|v| v.trim().trim_matches(|c| c == '"' || c == '\''))
    }
    let start = lines.iter().position(|l| is_name(l) == Some(env))?;
    let mut in_list = false;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if is_name(line).is_some() && line.trim_start().starts_with("- ") {
            break; // the next environment
        }
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("depends_on:") {
            if rest.contains(target) {
                return Some(i + 1);
            }
            in_list = true;
            continue;
        }
        if in_list {
            let item = t
                .trim_start_matches("- ")
                .trim()
                .trim_matches(|c| c == '"' || c == '\'');
            if t.starts_with("- ") && item == target {
                return Some(i + 1);
            }
            if !t.starts_with("- ") {
                in_list = false;
            }
        }
    }
    Some(start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_one_more_than_the_deepest_dependency() {
        let names = ["network", "cluster", "addons", "dns"];
        let deps = vec![vec![], vec!["network"], vec!["cluster", "network"], vec![]];
        assert_eq!(depths(&names, &deps), Ok(vec![0, 1, 2, 0]));
    }

    #[test]
    fn an_unknown_root_and_a_cycle_are_named() {
        let names = ["network", "cluster"];
        assert_eq!(
            depths(&names, &[vec![], vec!["netwrk"]]),
            Err(Problem::Unknown {
                env: "cluster".into(),
                target: "netwrk".into()
            })
        );
        assert_eq!(
            depths(&names, &[vec!["cluster"], vec!["network"]]),
            Err(Problem::Cycle(vec!["network".into(), "cluster".into()]))
        );
        assert_eq!(
            depths(&["a"], &[vec!["a"]]),
            Err(Problem::Cycle(vec!["a".into()]))
        );
    }

    #[test]
    fn the_line_of_the_entry_is_found_in_block_and_flow_lists() {
        let text = "environments:\n  - name: a\n    dir: a\n  - name: b\n    dir: b\n    depends_on:\n      - x\n      - a\n  - name: c\n    depends_on: [a, y]\n";
        assert_eq!(entry_line(text, "b", "a"), Some(8));
        assert_eq!(entry_line(text, "c", "y"), Some(10));
        assert_eq!(entry_line(text, "a", "zz"), Some(2));
    }
}
