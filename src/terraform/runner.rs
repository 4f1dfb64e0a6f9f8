//! Runs the Terraform CLI: fixed flags for automation, an allowlisted environment (see
//! [`super::child_env`]), output kept for the redaction point to mask whole, stop signals
//! forwarded, and failures explained.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

use super::lock::parse_lock_info;
use super::output::OutputSink;
use super::plugin_cache::{CacheAccess, PluginCache};
use super::signals::{self, ChildGuard};
use super::{TerraformError, parse_version};
use crate::redact::Redactor;

/// How many trailing lines of Terraform's stderr an error message carries.
const ERROR_TAIL_LINES: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOutcome {
    NoChanges,
    Changes,
}

#[derive(Debug, Clone)]
pub struct PlanArgs {
    pub destroy: bool,
    /// `false` adds `-lock=false`: only for plans that change nothing (pull requests).
    pub lock: bool,
    pub var_files: Vec<PathBuf>,
}

impl Default for PlanArgs {
    fn default() -> Self {
        PlanArgs {
            destroy: false,
            lock: true,
            var_files: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Terraform {
    binary: PathBuf,
    lock_timeout: Duration,
    child_env: Vec<(String, String)>,
    redactor: Arc<Redactor>,
    plugin_cache: Option<PluginCache>,
}

impl Terraform {
    pub fn new(
        binary: impl Into<PathBuf>,
        lock_timeout: Duration,
        redactor: Arc<Redactor>,
    ) -> Self {
        Terraform {
            binary: binary.into(),
            lock_timeout,
            child_env: Vec::new(),
            redactor,
            plugin_cache: None,
        }
    }

    /// Shares `cache` between every command of this runner: one `init` at a time and never
    /// beside another command (see [`super::plugin_cache`]); Terraform is pointed at it when
    /// it would not find it itself.
    pub fn with_plugin_cache(mut self, cache: PluginCache) -> Self {
        if let Some((key, value)) = cache.child_env() {
            self.child_env.retain(|(k, _)| k != key);
            self.child_env.push((key.to_string(), value));
        }
        self.plugin_cache = Some(cache);
        self
    }

    /// Environment only the Terraform child sees (e.g. assumed-role credentials).
    pub fn with_env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.child_env.push((key.into(), value.into()));
        self
    }

    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The same runner masking with `redactor` (one that learned a plan's secrets), so
    /// its output can be streamed safely.
    pub fn with_redactor(mut self, redactor: Arc<Redactor>) -> Self {
        self.redactor = redactor;
        self
    }

    pub async fn version(&self) -> Result<Vec<u64>, TerraformError> {
        let sink = OutputSink::buffered();
        let tmp = tempfile::tempfile().map_err(|e| self.spawn_error("version", &e))?;
        let out = tmp
            .try_clone()
            .map_err(|e| self.spawn_error("version", &e))?;
        self.run(
            None,
            &["version", "-json"],
            &sink,
            Some(out),
            "version",
            None,
        )
        .await?;
        let mut text = String::new();
        use std::io::{Read, Seek};
        let mut tmp = tmp;
        tmp.seek(std::io::SeekFrom::Start(0))
            .and_then(|_| tmp.read_to_string(&mut text))
            .map_err(|e| self.spawn_error("version", &e))?;
        #[derive(serde::Deserialize)]
        struct VersionJson {
            terraform_version: String,
        }
        serde_json::from_str::<VersionJson>(&text)
            .ok()
            .and_then(|v| parse_version(&v.terraform_version))
            .ok_or_else(|| TerraformError {
                command: "version -json".into(),
                exit_code: None,
                detail: format!(
                    "could not read a version from `{} version -json`; is it Terraform >= 0.13?",
                    self.binary.display()
                ),
                lock: None,
                interrupted: false,
            })
    }

    /// `init -reconfigure`: automation never migrates state; a changed backend config (say,
    /// the sandbox's) must simply be used. Holds the plugin cache's lock exclusively while it
    /// runs and returns how long it waited for it.
    pub async fn init(
        &self,
        dir: &Path,
        backend_config: &[PathBuf],
        sink: &OutputSink,
    ) -> Result<Duration, TerraformError> {
        let mut argv = vec![
            "init".to_string(),
            "-input=false".into(),
            "-no-color".into(),
            "-reconfigure".into(),
            self.lock_timeout_flag(),
        ];
        argv.extend(
            backend_config
                .iter()
                .map(|f| format!("-backend-config={}", f.display())),
        );
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let finished = self
            .run_raw(
                Some(dir),
                &refs,
                sink,
                None,
                "init",
                Some(CacheAccess::Write),
            )
            .await?;
        match finished.code {
            0 => Ok(finished.cache_wait),
            code => Err(failure("init", Some(dir), code, finished.stderr_tail)),
        }
    }

    /// `plan -detailed-exitcode -out=PLANFILE`: exit 2 means changes, not failure.
    pub async fn plan(
        &self,
        dir: &Path,
        planfile: &Path,
        args: &PlanArgs,
        sink: &OutputSink,
    ) -> Result<PlanOutcome, TerraformError> {
        let out = format!("-out={}", planfile.display());
        let lock = self.lock_timeout_flag();
        let mut argv: Vec<String> = [
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            &lock,
            &out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if args.destroy {
            argv.push("-destroy".into());
        }
        if !args.lock {
            argv.push("-lock=false".into());
        }
        for file in &args.var_files {
            argv.push(format!("-var-file={}", file.display()));
        }
        let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
        let label = if args.destroy {
            "plan -destroy"
        } else {
            "plan"
        };
        let finished = self
            .run_raw(Some(dir), &refs, sink, None, label, Some(CacheAccess::Read))
            .await?;
        match finished.code {
            0 => Ok(PlanOutcome::NoChanges),
            2 => Ok(PlanOutcome::Changes),
            code => Err(failure(label, Some(dir), code, finished.stderr_tail)),
        }
    }

    /// Writes `show -json PLANFILE` to `dest` without holding it in memory.
    pub async fn show_json(
        &self,
        dir: &Path,
        planfile: &Path,
        dest: &Path,
    ) -> Result<(), TerraformError> {
        let file = std::fs::File::create(dest).map_err(|e| self.spawn_error("show -json", &e))?;
        let plan = planfile.display().to_string();
        let sink = OutputSink::buffered();
        self.run(
            Some(dir),
            &["show", "-json", "-no-color", &plan],
            &sink,
            Some(file),
            "show -json",
            Some(CacheAccess::Read),
        )
        .await
    }

    /// Applies a saved plan: exactly what was reviewed, nothing re-planned.
    pub async fn apply(
        &self,
        dir: &Path,
        planfile: &Path,
        sink: &OutputSink,
    ) -> Result<(), TerraformError> {
        let lock = self.lock_timeout_flag();
        let plan = planfile.display().to_string();
        self.run(
            Some(dir),
            &[
                "apply",
                "-input=false",
                "-no-color",
                "-auto-approve",
                &lock,
                &plan,
            ],
            sink,
            None,
            "apply",
            Some(CacheAccess::Read),
        )
        .await
    }

    fn lock_timeout_flag(&self) -> String {
        format!("-lock-timeout={}s", self.lock_timeout.as_secs())
    }

    async fn run(
        &self,
        dir: Option<&Path>,
        args: &[&str],
        sink: &OutputSink,
        stdout_to: Option<std::fs::File>,
        label: &str,
        access: Option<CacheAccess>,
    ) -> Result<(), TerraformError> {
        let finished = self
            .run_raw(dir, args, sink, stdout_to, label, access)
            .await?;
        match finished.code {
            0 => Ok(()),
            code => Err(failure(label, dir, code, finished.stderr_tail)),
        }
    }

    /// Runs one command, holding the plugin cache's lock in the mode `access` asks for
    /// from before Terraform starts until it has exited; returns its exit code, stderr tail
    /// and the wait for that lock, or an error if it could not run, was interrupted, or
    /// failed on a lock.
    pub(super) async fn run_raw(
        &self,
        dir: Option<&Path>,
        args: &[&str],
        sink: &OutputSink,
        stdout_to: Option<std::fs::File>,
        label: &str,
        access: Option<CacheAccess>,
    ) -> Result<Finished, TerraformError> {
        let where_ = dir
            .map(|d| d.display().to_string())
            .unwrap_or_else(|| ".".into());
        let (_cache_lock, cache_wait) = match (&self.plugin_cache, access) {
            (Some(cache), Some(access)) => {
                let (lock, waited) = cache.lock(access).await.map_err(|e| TerraformError {
                    command: format!("{label} in {where_}"),
                    exit_code: None,
                    detail: format!(
                        "cannot lock the plugin cache {}: {e}; set terraform.plugin_cache in the config to a writable directory",
                        cache.dir.display()
                    ),
                    lock: None,
                    interrupted: e.kind() == std::io::ErrorKind::Interrupted,
                })?;
                (Some(lock), waited)
            }
            _ => (None, Duration::ZERO),
        };
        if signals::cancelled() {
            return Err(TerraformError {
                command: format!("{label} in {where_}"),
                exit_code: None,
                detail: String::new(),
                lock: None,
                interrupted: true,
            });
        }
        let mut command = Command::new(&self.binary);
        if let Some(dir) = dir {
            command.arg(format!("-chdir={}", dir.display()));
        }
        command.args(args);
        // An allowlist, not the inherited environment: the GitHub and OIDC tokens this
        // process holds must not reach code a pull request controls.
        let inherited: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        command
            .env_clear()
            .envs(super::child_env::for_terraform(
                inherited.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            ))
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .envs(self.child_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(false);
        let capture_stdout = stdout_to.is_none();
        match stdout_to {
            Some(file) => command.stdout(Stdio::from(file)),
            None => command.stdout(Stdio::piped()),
        };
        let mut child = command.spawn().map_err(|e| self.spawn_error(label, &e))?;
        let _guard = child.id().map(ChildGuard::register);

        let stderr_lines = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let stdout_task = capture_stdout
            .then(|| child.stdout.take())
            .flatten()
            .map(|out| tokio::spawn(pump(out, sink.clone(), None)));
        let stderr_task = child
            .stderr
            .take()
            .map(|err| tokio::spawn(pump(err, sink.clone(), Some(stderr_lines.clone()))));
        let status = child
            .wait()
            .await
            .map_err(|e| self.spawn_error(label, &e))?;
        if let Some(task) = stdout_task {
            let _ = task.await;
        }
        if let Some(task) = stderr_task {
            let _ = task.await;
        }
        let tail: Vec<String> = stderr_lines
            .lock()
            .map(|l| l.iter().cloned().collect())
            .unwrap_or_default();
        let tail = tail.join("\n");
        let code = status.code();
        if signals::cancelled() && code != Some(0) {
            return Err(TerraformError {
                command: format!("{label} in {where_}"),
                exit_code: code,
                detail: tail,
                lock: None,
                interrupted: true,
            });
        }
        if let Some(lock) = parse_lock_info(&tail) {
            return Err(TerraformError {
                command: format!("{label} in {where_}"),
                exit_code: code,
                detail: tail,
                lock: Some(lock),
                interrupted: false,
            });
        }
        match code {
            Some(code) => Ok(Finished {
                code,
                stderr_tail: tail,
                cache_wait,
            }),
            // Killed by a signal we did not send.
            None => Err(TerraformError {
                command: format!("{label} in {where_}"),
                exit_code: None,
                detail: tail,
                lock: None,
                interrupted: false,
            }),
        }
    }

    fn spawn_error(&self, label: &str, error: &std::io::Error) -> TerraformError {
        let hint = if error.kind() == std::io::ErrorKind::NotFound {
            format!(
                "`{}` was not found: install Terraform >= 1.11 (scripts/setup does) or set terraform.binary / TFPROMOTE_TERRAFORM",
                self.binary.display()
            )
        } else {
            format!("could not run `{}`: {error}", self.binary.display())
        };
        TerraformError {
            command: label.to_string(),
            exit_code: None,
            detail: hint,
            lock: None,
            interrupted: false,
        }
    }
}

type StderrTail = Arc<std::sync::Mutex<std::collections::VecDeque<String>>>;

pub(super) struct Finished {
    pub(super) code: i32,
    stderr_tail: String,
    /// How long the command waited for the plugin cache lock.
    cache_wait: Duration,
}

/// A command that exited non-zero: its error carries Terraform's diagnostics, not its raw
/// output (see [`super::failure`]).
fn failure(label: &str, dir: Option<&Path>, code: i32, tail: String) -> TerraformError {
    let detail = super::failure::explain(&tail);
    let where_ = dir
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| ".".into());
    TerraformError {
        command: format!("{label} in {where_}"),
        exit_code: Some(code),
        detail,
        lock: None,
        interrupted: false,
    }
}

async fn pump<R: AsyncRead + Unpin>(reader: R, sink: OutputSink, tail: Option<StderrTail>) {
    let mut lines = BufReader::new(reader).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        // Kept as Terraform wrote it: the text is masked once, whole, where it leaves the
        // process (see crate::redact::point), with every secret known by then.
        sink.line(&line);
        if let Some(tail) = &tail
            && let Ok(mut tail) = tail.lock()
        {
            tail.push_back(line);
            while tail.len() > ERROR_TAIL_LINES {
                tail.pop_front();
            }
        }
    }
}
