//! `tfpromote matrix --changed-files FILE`: the environments a change touches, as the
//! matrix a workflow passes to `strategy.matrix` (see `crate::matrix`).

use std::path::PathBuf;

use crate::cli::MatrixArgs;
use crate::config::Config;
use crate::{Error, Result};

pub fn run(config: &Config, args: &MatrixArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.changed_files).map_err(|e| {
        Error::io(
            format!(
                "cannot read the changed-files list {}",
                args.changed_files.display()
            ),
            e,
        )
    })?;
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
    let changed: Vec<PathBuf> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| cwd.join(l))
        .collect();
    let envs: Vec<(&str, PathBuf)> = config
        .environments
        .iter()
        .map(|e| (e.name.as_str(), config.resolve(e.dir.as_path())))
        .collect();
    let names = crate::matrix::touched(&envs, &config.resolve(&config.path), &changed);
    let matrix = crate::matrix::render(&names);
    let all = config.names();
    let deps: Vec<Vec<&str>> = config
        .environments
        .iter()
        .map(|e| e.depends_on.iter().map(|d| d.as_str()).collect())
        .collect();
    let depths = crate::config::depends::depths(&all, &deps)
        .map_err(|p| Error::Usage(format!("environments: depends_on: {p:?}")))?;
    let depth_of = |name: &str| all.iter().position(|n| *n == name).map_or(0, |i| depths[i]);
    let levels = crate::matrix::levels(&names, depth_of);
    let levels_json = crate::matrix::render_levels(&levels);
    for (key, value) in [
        ("matrix", matrix.as_str()),
        ("levels", levels_json.as_str()),
        ("depth", &levels.len().to_string()),
    ] {
        crate::actions::set_output(key, value)
            .map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
    }
    if levels.len() > 1 {
        let shown: Vec<String> = levels.iter().map(|l| l.join(", ")).collect();
        crate::say!(
            "tfpromote: {} level(s) by depends_on: {}",
            levels.len(),
            shown.join(" -> ")
        );
    }
    crate::say!(
        "tfpromote: {} of {} environment(s) touched: {}",
        names.len(),
        envs.len(),
        names.join(", ")
    );
    crate::out!("{matrix}");
    Ok(())
}
