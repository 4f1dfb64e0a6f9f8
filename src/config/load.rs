use std::path::{Path, PathBuf};

use super::values::{CONTEXT, ParseContext};
use super::{Config, ConfigError};

/// Reads and validates a config file, checking that environment directories exist.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "config file not found: create it (see README \"Config file\") or pass --config PATH"
                .into()
        } else {
            format!("cannot read config file: {e}")
        },
    })?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    parse(&text, path, &base, true)
}

/// Parses config text. `check_dirs` is off for commands that never run Terraform.
pub fn parse(
    text: &str,
    file: &Path,
    base_dir: &Path,
    check_dirs: bool,
) -> Result<Config, ConfigError> {
    CONTEXT.with(|c| {
        *c.borrow_mut() = Some(ParseContext {
            base_dir: base_dir.to_path_buf(),
            check_dirs,
            ..Default::default()
        })
    });
    let parsed: Result<Config, serde_yaml::Error> = serde_yaml::from_str(text);
    CONTEXT.with(|c| *c.borrow_mut() = None);
    let mut config = parsed.map_err(|e| located(e, file))?;
    config.base_dir = base_dir.to_path_buf();
    config.path = file.to_path_buf();
    Ok(config)
}

fn located(error: serde_yaml::Error, file: &Path) -> ConfigError {
    let (line, column) = match error.location() {
        Some(loc) => (Some(loc.line()), Some(loc.column())),
        None => (None, None),
    };
    let text = error.to_string();
    // The parser appends " at line L column C"; the location is already in front.
    let mut message = match regex::Regex::new(r" at line \d+ column \d+") {
        Ok(re) => re.replace(&text, "").into_owned(),
        Err(_) => text,
    };
    if message.contains("unknown field") {
        message.push_str(" (check the spelling; see README \"Config file\" for every key)");
    }
    if message.contains("missing field `version`") {
        message.push_str(": add `version: 1` as the first line");
    } else if message.contains("missing field") {
        message.push_str(": add it (see README \"Config file\")");
    }
    ConfigError {
        file: file.to_path_buf(),
        line,
        column,
        message,
    }
}
