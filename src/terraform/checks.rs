//! Runs `terraform fmt -check` and `terraform validate -json` in one environment's root
//! (after `init`: validate needs the providers' schemas), before its plan.

use std::path::Path;

use super::output::OutputSink;
use super::plugin_cache::CacheAccess;
use super::{Terraform, TerraformError};
use crate::review::checks::{self, Checks};

impl Terraform {
    /// Both checks. Validation errors are results, not an `Err`: the caller decides that
    /// they stop the plan. `Err` means Terraform could not be run or answered nonsense.
    /// The diagnostics are also written to `sink` in Terraform's own text form, so the log
    /// shows them and they become annotations on their file and line like a plan's errors.
    pub async fn checks(&self, dir: &Path, sink: &OutputSink) -> Result<Checks, TerraformError> {
        // `-list=true -write=false -check`: names the files it would change and exits 3.
        let (code, fmt_out) = self
            .captured(
                dir,
                &[
                    "fmt",
                    "-check",
                    "-recursive",
                    "-list=true",
                    "-write=false",
                    "-no-color",
                ],
                "fmt -check",
                Some(CacheAccess::Read),
            )
            .await?;
        let (unformatted, fmt_failed) = match code {
            0 | 3 => (checks::parse_fmt_list(&fmt_out), false),
            // Exit 2: a file does not parse; validate reports it with file and line.
            _ => (Vec::new(), true),
        };
        let (_, validate_out) = self
            .captured(
                dir,
                &["validate", "-json", "-no-color"],
                "validate",
                Some(CacheAccess::Read),
            )
            .await?;
        let diagnostics =
            checks::parse_validate_json(&validate_out).map_err(|detail| TerraformError {
                command: format!("validate in {}", dir.display()),
                exit_code: None,
                detail,
                lock: None,
                interrupted: false,
            })?;
        for d in &diagnostics {
            let level = match d.severity {
                checks::Severity::Error => "Error",
                checks::Severity::Warning => "Warning",
            };
            sink.line(&format!("{level}: {}", d.summary));
            sink.line("");
            if let Some((file, line)) = d.location.as_deref().and_then(|l| l.rsplit_once(':')) {
                sink.line(&format!("  on {file} line {line}:"));
                sink.line("");
            }
            for text in d.detail.lines() {
                sink.line(text);
            }
            sink.line("╵");
        }
        for file in &unformatted {
            sink.line(&format!("terraform fmt -check: {file} is not formatted"));
        }
        Ok(Checks {
            unformatted,
            fmt_failed,
            diagnostics,
        })
    }

    /// Runs one command with its stdout in a private temporary file; its exit code and text.
    async fn captured(
        &self,
        dir: &Path,
        args: &[&str],
        label: &str,
        access: Option<CacheAccess>,
    ) -> Result<(i32, String), TerraformError> {
        let error = |e: std::io::Error| TerraformError {
            command: format!("{label} in {}", dir.display()),
            exit_code: None,
            detail: format!("cannot keep its output: {e}"),
            lock: None,
            interrupted: false,
        };
        let file = tempfile::tempfile().map_err(error)?;
        let out = file.try_clone().map_err(error)?;
        let sink = OutputSink::buffered();
        let finished = self
            .run_raw(Some(dir), args, &sink, Some(out), label, access)
            .await?;
        use std::io::{Read, Seek};
        let mut file = file;
        let mut text = String::new();
        file.seek(std::io::SeekFrom::Start(0))
            .and_then(|_| file.read_to_string(&mut text))
            .map_err(error)?;
        Ok((finished.code, text))
    }
}
