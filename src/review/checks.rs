//! `terraform fmt -check` and `terraform validate` results of one environment, read from
//! Terraform's own output: which files are not formatted, and every diagnostic with the
//! file and line it points at. Pure parsing; the runner is in `crate::terraform::checks`.

use serde::Deserialize;

/// What a reviewer sees before the plan: formatting and validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checks {
    /// Files `terraform fmt -check` would rewrite, relative to the environment's directory.
    pub unformatted: Vec<String>,
    /// `fmt` could not read the files at all (a syntax error; validate says where).
    pub fmt_failed: bool,
    /// Every diagnostic of `terraform validate -json`, errors first.
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One `validate` diagnostic: its summary and where it points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    /// `file:line`, relative to the environment's directory, when Terraform names one.
    pub location: Option<String>,
}

impl Diagnostic {
    /// The summary and detail, without the location.
    pub fn line_without_location(&self) -> String {
        let detail = self.detail.split_whitespace().collect::<Vec<_>>().join(" ");
        if detail.is_empty() {
            self.summary.clone()
        } else {
            format!("{}: {detail}", self.summary)
        }
    }

    /// `main.tf:12: Unsupported argument: An argument named "x" is not expected here.`
    pub fn line(&self) -> String {
        let mut text = String::new();
        if let Some(location) = &self.location {
            text.push_str(location);
            text.push_str(": ");
        }
        text.push_str(&self.summary);
        let detail = self.detail.split_whitespace().collect::<Vec<_>>().join(" ");
        if !detail.is_empty() {
            text.push_str(": ");
            text.push_str(&detail);
        }
        text
    }
}

impl Checks {
    pub fn validate_errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }

    pub fn valid(&self) -> bool {
        self.validate_errors().next().is_none()
    }

    pub fn formatted(&self) -> bool {
        self.unformatted.is_empty() && !self.fmt_failed
    }

    /// The message that stops the plan when validation failed: every error, file and line.
    pub fn validate_failure(&self) -> Option<String> {
        let errors: Vec<String> = self
            .validate_errors()
            .map(|d| format!("- {}", d.line()))
            .collect();
        (!errors.is_empty()).then(|| {
            let mut text = format!(
                "terraform validate found {} (the plan did not run):\n{}",
                if errors.len() == 1 {
                    "1 error".to_string()
                } else {
                    format!("{} errors", errors.len())
                },
                errors.join("\n")
            );
            if !self.unformatted.is_empty() {
                text.push_str(&format!(
                    "\nterraform fmt -check: not formatted: {}",
                    self.unformatted.join(", ")
                ));
            }
            text
        })
    }
}

/// Runs both checks in `dir`; a validation error stops the plan with every error listed
/// (file and line), so the comment's failure block says exactly what to fix.
pub async fn run(
    terraform: &crate::terraform::Terraform,
    dir: &std::path::Path,
    sink: &crate::terraform::output::OutputSink,
) -> crate::Result<Checks> {
    let checks = terraform.checks(dir, sink).await?;
    match checks.validate_failure() {
        None => Ok(checks),
        Some(listing) => Err(crate::Error::Terraform(crate::terraform::TerraformError {
            command: format!("validate in {}", dir.display()),
            exit_code: Some(1),
            detail: listing,
            lock: None,
            interrupted: false,
        })),
    }
}

/// `terraform fmt -check -list=true` prints one file name per line.
pub fn parse_fmt_list(stdout: &str) -> Vec<String> {
    let mut files: Vec<String> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    files.sort();
    files.dedup();
    files
}

#[derive(Deserialize)]
struct ValidateJson {
    #[serde(default)]
    diagnostics: Vec<DiagnosticJson>,
}

#[derive(Deserialize)]
struct DiagnosticJson {
    severity: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    detail: String,
    range: Option<RangeJson>,
}

#[derive(Deserialize)]
struct RangeJson {
    filename: String,
    start: PositionJson,
}

#[derive(Deserialize)]
struct PositionJson {
    line: u64,
}

/// Reads `terraform validate -json` (the machine-readable form documented by Terraform: an
/// object with `valid` and `diagnostics`, each with `severity`, `summary`, `detail` and an
/// optional `range`).
pub fn parse_validate_json(stdout: &str) -> Result<Vec<Diagnostic>, String> {
    let parsed: ValidateJson = serde_json::from_str(stdout)
        .map_err(|e| format!("terraform validate -json printed no readable JSON ({e})"))?;
    let mut diagnostics: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .map(|d| Diagnostic {
            severity: if d.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            },
            summary: d.summary,
            detail: d.detail,
            location: d.range.map(|r| format!("{}:{}", r.filename, r.start.line)),
        })
        .collect();
    diagnostics.sort_by_key(|d| d.severity);
    Ok(diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_json_gives_file_and_line_errors_first() {
        let json = r#"{"format_version":"1.0","valid":false,"error_count":1,"warning_count":1,
          "diagnostics":[
            {"severity":"warning","summary":"Deprecated","detail":"old"},
            {"severity":"error","summary":"Unsupported argument","detail":"An argument named \"x\" is\nnot expected here.",
             "range":{"filename":"main.tf","start":{"line":7,"column":3,"byte":80},"end":{"line":7,"column":4,"byte":81}}}]}"#;
        let diags = parse_validate_json(json).expect("parses");
        assert_eq!(diags[0].severity, Severity::Error);
        assert_eq!(
            diags[0].line(),
            "main.tf:7: Unsupported argument: An argument named \"x\" is not expected here."
        );
        let checks = Checks {
            diagnostics: diags,
            ..Checks::default()
        };
        let failure = checks.validate_failure().expect("fails");
        assert!(failure.contains("1 error"), "{failure}");
        assert!(
            failure.contains("- main.tf:7: Unsupported argument"),
            "{failure}"
        );
    }

    #[test]
    fn fmt_list_is_sorted_and_deduplicated() {
        assert_eq!(parse_fmt_list("b.tf\na.tf\n\na.tf\n"), ["a.tf", "b.tf"]);
    }

    #[test]
    fn unreadable_validate_output_is_an_error_not_a_pass() {
        assert!(parse_validate_json("Error: no").is_err());
    }
}
