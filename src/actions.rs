//! GitHub Actions workflow commands and environment files. Outside Actions these are no-ops
//! (or plain text), so the same code runs locally.

use std::io::Write;
use std::path::PathBuf;

/// True inside a GitHub Actions job.
pub fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Escaping for workflow command data (`@actions/core` command.ts rules).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Asks the runner to mask `value` in all later log output. Must precede any printing.
pub fn add_mask(value: &str) {
    if in_actions() && !value.trim().is_empty() {
        for line in value.lines().filter(|l| !l.trim().is_empty()) {
            println!("::add-mask::{}", escape_data(line));
        }
    }
}

pub fn group_start(title: &str) {
    if in_actions() {
        eprintln!("::group::{}", escape_data(title));
    } else {
        eprintln!("── {title}");
    }
}

pub fn group_end() {
    if in_actions() {
        eprintln!("::endgroup::");
    }
}

/// Stops the runner from interpreting workflow commands in untrusted text (Terraform output
/// can echo strings a pull request controls). Returns the token to pass to [`resume_commands`].
pub fn pause_commands() -> Option<String> {
    if !in_actions() {
        return None;
    }
    let token = random_token();
    eprintln!("::stop-commands::{token}");
    Some(token)
}

pub fn resume_commands(token: Option<String>) {
    if let Some(token) = token {
        eprintln!("::{token}::");
    }
}

#[derive(Debug, Clone, Copy)]
pub enum Level {
    Error,
    Warning,
    Notice,
}

/// An annotation; plain `level: message` outside Actions.
pub fn annotate(level: Level, title: &str, message: &str) {
    let name = match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Notice => "notice",
    };
    if in_actions() {
        eprintln!(
            "::{name} title={}::{}",
            escape_property(title),
            escape_data(message)
        );
    } else {
        eprintln!("{name}: {title}: {message}");
    }
}

fn env_file(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Appends `name=value` to `$GITHUB_OUTPUT`, with a heredoc delimiter for multi-line values.
pub fn set_output(name: &str, value: &str) -> std::io::Result<()> {
    let Some(path) = env_file("GITHUB_OUTPUT") else {
        return Ok(());
    };
    append_key_value(&path, name, value)
}

/// Appends `name=value` to `$GITHUB_ENV` (heredoc form for multi-line values), so later
/// steps of the job see the variable. Returns false when not in a job. Mask secret values
/// with [`add_mask`] first: the runner does not mask what it reads from this file.
pub fn set_env(name: &str, value: &str) -> std::io::Result<bool> {
    let Some(path) = env_file("GITHUB_ENV") else {
        return Ok(false);
    };
    append_key_value(&path, name, value)?;
    Ok(true)
}

pub(crate) fn append_key_value(
    path: &std::path::Path,
    name: &str,
    value: &str,
) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    if value.contains('\n') || value.contains('\r') {
        let mut delimiter = format!("ghadelimiter_{}", random_token());
        while value.contains(&delimiter) {
            delimiter.push_str(&random_token());
        }
        writeln!(file, "{name}<<{delimiter}\n{value}\n{delimiter}")
    } else {
        writeln!(file, "{name}={value}")
    }
}

/// Appends Markdown to `$GITHUB_STEP_SUMMARY`; returns false when not in a job.
pub fn append_step_summary(markdown: &str) -> std::io::Result<bool> {
    let Some(path) = env_file("GITHUB_STEP_SUMMARY") else {
        return Ok(false);
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.write_all(b"\n")?;
    Ok(true)
}

/// Unpredictable enough that untrusted output cannot guess it; not a cryptographic secret.
fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    format!(
        "{:016x}{:016x}",
        h.finish(),
        RandomState::new().build_hasher().finish()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_outputs_use_a_delimiter() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out");
        append_key_value(&path, "one", "1").expect("write");
        append_key_value(&path, "many", "a\nb").expect("write");
        let text = std::fs::read_to_string(&path).expect("read");
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("one=1"));
        let open = lines.next().expect("heredoc line");
        let delimiter = open.strip_prefix("many<<").expect("heredoc");
        assert_eq!(lines.next(), Some("a"));
        assert_eq!(lines.next(), Some("b"));
        assert_eq!(lines.next(), Some(delimiter));
    }

    #[test]
    fn properties_are_escaped() {
        assert_eq!(escape_property("a:b,c\nd%"), "a%3Ab%2Cc%0Ad%25");
    }
}
