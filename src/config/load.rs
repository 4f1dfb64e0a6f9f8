use std::io::Read;
use std::path::{Path, PathBuf};

use super::values::{CONTEXT, ParseContext};
use super::{Config, ConfigError};

/// A `tfpromote.yaml` is a few kilobytes; the cap stops `--config /dev/zero` (or a wrong
/// file) from filling memory.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// No real config nests deeper than a dozen levels; the YAML parser is slow on pathological
/// nesting (100k levels took minutes), so deeper input is refused before it is parsed.
pub const MAX_CONFIG_DEPTH: usize = 64;

/// Reads and validates a config file, checking that environment directories exist.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, true, None)
}

/// [`load`] in a job whose checkout is `workspace` (`GITHUB_WORKSPACE`): configured paths
/// must stay inside it.
pub fn load_in_workspace(path: &Path, workspace: Option<&Path>) -> Result<Config, ConfigError> {
    load_with(path, true, workspace)
}

/// Reads and validates a config file without requiring the environment directories to exist
/// (`render`, which only needs the redaction settings).
pub fn load_settings(path: &Path) -> Result<Config, ConfigError> {
    load_with(path, false, None)
}

fn load_with(
    path: &Path,
    check_dirs: bool,
    workspace: Option<&Path>,
) -> Result<Config, ConfigError> {
    let text = read_capped(path)?;
    let base = path
        .parent()
        .map(Path::to_path_buf)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("."));
    parse_in(&text, path, &base, check_dirs, workspace)
}

fn read_capped(path: &Path) -> Result<String, ConfigError> {
    let error = |message: String| ConfigError {
        file: path.to_path_buf(),
        line: None,
        column: None,
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| {
        error(if e.kind() == std::io::ErrorKind::NotFound {
            "config file not found: create it (see README \"Config file\") or pass --config PATH"
                .into()
        } else {
            format!("cannot read config file: {e}")
        })
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| error(format!("cannot read config file: {e}")))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(error(format!(
            "is larger than {} KiB; a tfpromote.yaml is a few kilobytes: pass the right file with --config",
            MAX_CONFIG_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|e| {
        error(format!(
            "is not UTF-8 text (invalid byte at offset {}): save it as UTF-8",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Parses config text. `check_dirs` is off for commands that never run Terraform.
pub fn parse(
    text: &str,
    file: &Path,
    base_dir: &Path,
    check_dirs: bool,
) -> Result<Config, ConfigError> {
    parse_in(text, file, base_dir, check_dirs, None)
}

fn parse_in(
    text: &str,
    file: &Path,
    base_dir: &Path,
    check_dirs: bool,
    workspace: Option<&Path>,
) -> Result<Config, ConfigError> {
    // Editors on Windows save a byte-order mark; it is not part of the YAML.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some((line, message)) = too_deep(text) {
        return Err(ConfigError {
            file: file.to_path_buf(),
            line: Some(line),
            column: None,
            message,
        });
    }
    CONTEXT.with(|c| {
        *c.borrow_mut() = Some(ParseContext {
            base_dir: base_dir.to_path_buf(),
            root: super::repo::root_for(base_dir, workspace),
            check_dirs,
            ..Default::default()
        })
    });
    let parsed: Result<Config, serde_yaml::Error> = serde_yaml::from_str(text);
    CONTEXT.with(|c| *c.borrow_mut() = None);
    let mut config = parsed.map_err(|e| located(e, file))?;
    crate::policy::settings::check_environments(&config, text, file)?;
    super::depends::check(&config, text, file)?;
    config.base_dir = base_dir.to_path_buf();
    config.path = file.to_path_buf();
    Ok(config)
}

/// The first line where nesting exceeds [`MAX_CONFIG_DEPTH`]: flow collections (`[`, `{`
/// outside quotes and comments) plus block nesting (indentation and `- ` indicators). An
/// over-estimate is fine: real configs stay far below the limit.
fn too_deep(text: &str) -> Option<(usize, String)> {
    let mut flow = 0usize;
    for (index, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-', '?', ':']).len();
        let (mut single, mut double, mut escaped) = (false, false, false);
        let mut deepest = flow;
        for c in line.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' if double => escaped = true,
                '"' if !single => double = !double,
                '\'' if !double => single = !single,
                '#' if !single && !double => break,
                '[' | '{' if !single && !double => {
                    flow += 1;
                    deepest = deepest.max(flow);
                }
                ']' | '}' if !single && !double => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        if deepest > MAX_CONFIG_DEPTH || indent > MAX_CONFIG_DEPTH * 4 {
            return Some((
                index + 1,
                format!(
                    "nests deeper than {MAX_CONFIG_DEPTH} levels; a tfpromote.yaml never needs that: fix the file"
                ),
            ));
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!(
            "version: 1\nx: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let (line, message) = too_deep(&deep).expect("refused");
        assert_eq!(line, 2);
        assert!(message.contains("deeper than 64"), "{message}");
        let dashes = format!("version: 1\nx:\n{}a\n", "- ".repeat(100_000));
        assert!(too_deep(&dashes).is_some());
        let fine = "version: 1\nredact:\n  patterns: ['[a-z{]+', \"x[\\\"\"]  # [[[[ \nenvironments:\n  - name: dev\n    dir: d\n";
        assert_eq!(too_deep(fine), None);
    }
}
