//! The `policies:` section of `tfpromote.yaml`. Validated while deserializing, so a wrong
//! value is reported at its line and column (see `crate::config`).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a violation does in an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Shown in the comment and the job summary; apply goes on with a warning.
    Warn,
    /// Shown, and the `policy` gate refuses the apply (exit 3).
    Block,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySettings {
    /// Directory of `*.rego` files (and an optional `data.json`), relative to the config file.
    pub dir: PathBuf,
    /// Mode per environment name; environments not listed use `default_mode`.
    #[serde(default)]
    pub mode: BTreeMap<String, Mode>,
    #[serde(default = "default_mode")]
    pub default_mode: Mode,
}

fn default_mode() -> Mode {
    Mode::Warn
}

impl PolicySettings {
    pub fn mode_for(&self, env: &str) -> Mode {
        self.mode.get(env).copied().unwrap_or(self.default_mode)
    }

    /// Environment names under `mode` that the config does not define: a typo there would
    /// silently leave an environment in `default_mode`.
    pub fn unknown_environments<'a>(&'a self, known: &[&str]) -> Vec<&'a str> {
        self.mode
            .keys()
            .map(String::as_str)
            .filter(|name| !known.contains(name))
            .collect()
    }
}

/// Refuses a `policies.mode` entry naming no environment, at its line.
pub fn check_environments(
    config: &crate::config::Config,
    text: &str,
    file: &std::path::Path,
) -> Result<(), crate::config::ConfigError> {
    let Some(settings) = &config.policies else {
        return Ok(());
    };
    let names = config.names();
    let Some(unknown) = settings.unknown_environments(&names).first().copied() else {
        return Ok(());
    };
    // The key's line: the first `<name>:` after the `policies:` line.
    let start = text
        .lines()
        .position(|l| l.trim_end() == "policies:")
        .unwrap_or(0);
    let line = text
        .lines()
        .enumerate()
        .skip(start)
        .find(|(_, l)| {
            let t = l.trim_start();
            t.strip_prefix(unknown)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1);
    Err(crate::config::ConfigError {
        file: file.to_path_buf(),
        line,
        column: None,
        message: format!(
            "policies.mode: `{unknown}` is not an environment of this config ({}); use one of those names",
            names.join(", ")
        ),
    })
}
