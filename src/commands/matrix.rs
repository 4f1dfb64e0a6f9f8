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
    crate::actions::set_output("matrix", &matrix)
        .map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
    crate::say!(
        "tfpromote: {} of {} environment(s) touched: {}",
        names.len(),
        envs.len(),
        names.join(", ")
    );
    crate::out!("{matrix}");
    Ok(())
}
