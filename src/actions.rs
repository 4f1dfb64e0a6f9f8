//! GitHub Actions workflow commands and environment files. Outside Actions these are no-ops
//! (or plain text), so the same code runs locally.
//!
//! These are tfpromote's text channels: everything written here (stderr, stdout,
//! annotations, the job summary, step outputs, files) passes the one redaction point
//! ([`crate::redact::point`]) on its way out. `::add-mask::` and `$GITHUB_ENV` are the two
//! exceptions: the first names the secret so the runner hides it, the second hands
//! credentials to later steps on purpose (after masking them).

use crate::redact::point::{mask, mask_json_text};

use std::io::Write;
use std::path::PathBuf;

/// What the runner gave this job: whether it is one, and its command files. Part of the
/// run's [`crate::context::Context`]; installed once with [`configure`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionsEnv {
    pub active: bool,
    pub output: Option<PathBuf>,
    pub step_summary: Option<PathBuf>,
    pub env: Option<PathBuf>,
}

static ACTIONS: std::sync::OnceLock<ActionsEnv> = std::sync::OnceLock::new();

/// Installs the run's Actions facts (from the context read at start-up). Before it, and
/// outside a job, everything here behaves as outside Actions.
pub fn configure(env: &ActionsEnv) {
    let _ = ACTIONS.set(env.clone());
}

fn actions_env() -> Option<&'static ActionsEnv> {
    ACTIONS.get()
}

/// True inside a GitHub Actions job.
pub fn in_actions() -> bool {
    actions_env().is_some_and(|a| a.active)
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

/// Asks the runner to mask `value` in all later log output. Must precede any printing of
/// text that may hold it: the runner masks only what follows.
///
/// One command per line of a multi-line value (as GitHub recommends: the runner matches
/// line by line), trivial lines left out ([`crate::redact::is_trivial`]: masking `true`
/// would hide every `true` in the log). Written to stderr: the runner reads workflow
/// commands on both streams, and stdout stays clean machine-readable output
/// (`plan > plan.md` must not capture the secrets).
pub fn add_mask(value: &str) {
    if in_actions() {
        for line in mask_lines(value) {
            eprintln!("::add-mask::{}", escape_data(line));
        }
    }
}

/// Registers every form a redactor masks (escaped forms included) with the runner, each
/// line once per process: callers register everything they know right before printing
/// Terraform output, and only what is new is written.
pub fn add_masks<S: AsRef<str>>(values: impl IntoIterator<Item = S>) {
    static REGISTERED: std::sync::Mutex<Option<std::collections::HashSet<String>>> =
        std::sync::Mutex::new(None);
    if !in_actions() {
        return;
    }
    let Ok(mut registered) = REGISTERED.lock() else {
        return;
    };
    let registered = registered.get_or_insert_with(Default::default);
    for value in values {
        for line in mask_lines(value.as_ref()) {
            if registered.insert(line.to_string()) {
                eprintln!("::add-mask::{}", escape_data(line));
            }
        }
    }
}

/// The lines of `value` worth an `::add-mask::`. Pure.
fn mask_lines(value: &str) -> impl Iterator<Item = &str> {
    value
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !crate::redact::is_trivial(l))
}

/// Prints `text` on stderr, masked. Use through [`crate::say!`].
pub fn say(text: &str) {
    eprintln!("{}", mask(text));
}

/// Prints `text` on stdout, masked. Use through [`crate::out!`].
pub fn out(text: &str) {
    println!("{}", mask(text));
}

/// Writes `text`, masked, to a file we produce (comment, report, Terraform log).
pub fn write_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, mask(text))
}

/// `eprintln!` through the redaction point.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::actions::say(&format!($($arg)*)) };
}

/// `println!` through the redaction point.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::actions::out(&format!($($arg)*)) };
}

/// The tracing log's writer: stderr through the redaction point (a retried GitHub error
/// or a warning may quote anything).
#[derive(Debug, Clone, Copy, Default)]
pub struct MaskedStderr;

impl Write for MaskedStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(mask(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

pub fn group_start(title: &str) {
    let title = mask(title);
    if in_actions() {
        eprintln!("::group::{}", escape_data(&title));
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

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// An annotation; plain `level: message` outside Actions.
pub fn annotate(level: Level, title: &str, message: &str) {
    emit(level, title, message, None);
}

/// An annotation pinned to a file and line (shown on the pull request's diff).
pub fn annotate_at(level: Level, title: &str, message: &str, file: &str, line: u32) {
    emit(level, title, message, Some((file, line)));
}

fn emit(level: Level, title: &str, message: &str, location: Option<(&str, u32)>) {
    let name = level.name();
    let (masked_title, masked_message) = (mask(title), mask(message));
    let (title, message) = (masked_title.as_str(), masked_message.as_str());
    match (in_actions(), location) {
        (true, Some((file, line))) => eprintln!(
            "::{name} file={},line={line},title={}::{}",
            escape_property(file),
            escape_property(title),
            escape_data(message)
        ),
        (true, None) => eprintln!(
            "::{name} title={}::{}",
            escape_property(title),
            escape_data(message)
        ),
        (false, Some((file, line))) => eprintln!("{name}: {file}:{line}: {title}: {message}"),
        (false, None) => eprintln!("{name}: {title}: {message}"),
    }
}

/// One Terraform diagnostic read back from its human output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub error: bool,
    pub summary: String,
    pub detail: String,
    /// File (relative to the root Terraform ran in) and line, when Terraform named them.
    pub location: Option<(String, u32)>,
}

/// Terraform's `Error:`/`Warning:` blocks from its `-no-color` output (box-drawn or
/// plain), with `on FILE line N` when present. Pure; the text is untrusted, so the caller
/// redacts and the annotation escapes it.
pub fn diagnostics(lines: &[String]) -> Vec<Diagnostic> {
    let mut found: Vec<Diagnostic> = Vec::new();
    let mut open = false;
    for raw in lines {
        let line = raw.trim_start_matches(['│', '╷', '╵']).trim_end();
        let text = line.trim_start();
        let header = text
            .strip_prefix("Error: ")
            .map(|s| (true, s))
            .or_else(|| text.strip_prefix("Warning: ").map(|s| (false, s)));
        if let Some((error, summary)) = header.filter(|_| line.len() - text.len() <= 1) {
            found.push(Diagnostic {
                error,
                summary: summary.trim().to_string(),
                detail: String::new(),
                location: None,
            });
            open = true;
            continue;
        }
        if raw.starts_with('╵') {
            open = false;
            continue;
        }
        let Some(current) = found.last_mut().filter(|_| open) else {
            continue;
        };
        if let Some(rest) = text.strip_prefix("on ") {
            if current.location.is_none()
                && let Some((file, after)) = rest.split_once(" line ")
            {
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(n) = digits.parse() {
                    current.location = Some((file.to_string(), n));
                }
            }
            continue;
        }
        let is_source = text
            .split_once(':')
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
        // `├────` and the indented `│ x is "..."` lines list the values an expression saw:
        // never part of the detail, which reaches annotations and the comment.
        let value_dump = text.starts_with('├') || text.starts_with('│');
        if text.is_empty() || is_source || value_dump || text.starts_with("(and ") {
            continue;
        }
        if current.detail.len() < 1000 {
            if !current.detail.is_empty() {
                current.detail.push(' ');
            }
            current.detail.push_str(text);
        }
    }
    found
}

fn env_file(name: &str) -> Option<PathBuf> {
    let a = actions_env()?;
    match name {
        "GITHUB_OUTPUT" => a.output.clone(),
        "GITHUB_STEP_SUMMARY" => a.step_summary.clone(),
        "GITHUB_ENV" => a.env.clone(),
        _ => None,
    }
}

/// Appends `name=value` to `$GITHUB_OUTPUT`, with a heredoc delimiter for multi-line values.
/// Anyone who can read the run can read step outputs: the value is masked, a JSON value
/// inside its strings and keys so it stays valid JSON.
pub fn set_output(name: &str, value: &str) -> std::io::Result<()> {
    let Some(path) = env_file("GITHUB_OUTPUT") else {
        return Ok(());
    };
    append_key_value(&path, name, &mask_json_text(value))
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
    file.write_all(mask(markdown).as_bytes())?;
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
    fn terraform_diagnostics_are_read_with_their_location() {
        let text = "There are some problems with the CLI configuration:\n\
╷\n│ Warning: Unable to open CLI configuration file\n│\n│ The file does not exist.\n╵\n\n\
Error: Unsupported argument\n\n  on main.tf line 2, in resource \"terraform_data\" \"x\":\n   2:   foo = 1\n\n\
An argument named \"foo\" is not expected here.\n";
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let found = diagnostics(&lines);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(!found[0].error);
        assert_eq!(found[0].location, None);
        assert_eq!(found[0].detail, "The file does not exist.");
        assert!(found[1].error);
        assert_eq!(found[1].summary, "Unsupported argument");
        assert_eq!(found[1].location, Some(("main.tf".to_string(), 2)));
        assert_eq!(
            found[1].detail,
            "An argument named \"foo\" is not expected here."
        );
    }

    #[test]
    fn masks_are_one_per_non_trivial_line() {
        let lines: Vec<&str> = mask_lines("-----BEGIN-----\r\nabcdefgh\n}\ntrue\n").collect();
        assert_eq!(lines, ["-----BEGIN-----", "abcdefgh"]);
    }

    #[test]
    fn properties_are_escaped() {
        assert_eq!(escape_property("a:b,c\nd%"), "a%3Ab%2Cc%0Ad%25");
    }
}
