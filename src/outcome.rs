//! How one environment's apply or destroy ended, as one type: the recorder fans it out to
//! every channel (`crate::record`) and it alone decides the exit code, so a refusal cannot
//! be recorded as one thing and exit as another.

use crate::error::{Error, ExitCode};
use crate::gate::Refusal;

/// The end of one environment's step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The saved plan was applied (or the destroy plan carried out).
    Done(Done),
    /// A gate said no: nothing changed. Exits 3.
    Refused(Refusal),
    /// Terraform (or something around it) failed, or was interrupted. Exits 1, 2 for an
    /// input to change, 130 when interrupted ([`FailureKind`]).
    Failed(Failure),
}

/// What a finished apply or destroy changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// The applied plan's fingerprint.
    pub fingerprint: String,
    /// Resources the plan deleted (what a destroy reports).
    pub deleted: usize,
    /// The environment's plan rendered for the job summary (Markdown, not yet masked).
    pub block: String,
}

/// Why a step failed, already masked: every channel may show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub text: String,
    pub kind: FailureKind,
}

/// What kind of failure, for the exit code and the words the records use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Terraform, AWS or GitHub failed: exit 1.
    Broken,
    /// An input the user must change was found on the way (a link leaving the
    /// repository, a Terraform too old): exit 2, like every other input error.
    Input,
    /// Stopped by SIGINT/SIGTERM or the deadline, after Terraform released its lock: exit 130.
    Interrupted,
}

impl Failure {
    /// The failure an error stands for, masked at once so no channel sees a secret, and
    /// no excerpt cuts one in half before it could be masked.
    pub fn from_error(error: &Error) -> Failure {
        let kind = if is_interrupted(error) {
            FailureKind::Interrupted
        } else if error.exit_code() == ExitCode::Usage {
            FailureKind::Input
        } else {
            FailureKind::Broken
        };
        Failure {
            text: crate::redact::point::mask(&error.to_string()),
            kind,
        }
    }
}

/// Whether an error is the clean stop after a signal or the deadline.
pub fn is_interrupted(error: &Error) -> bool {
    matches!(error, Error::Interrupted) || matches!(error, Error::Terraform(e) if e.interrupted)
}

impl Outcome {
    /// The process exit code this outcome ends with (docs/cli.md lists them).
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Done(_) => ExitCode::Success,
            Outcome::Refused(_) => ExitCode::Refused,
            Outcome::Failed(f) => match f.kind {
                FailureKind::Broken => ExitCode::Failure,
                FailureKind::Input => ExitCode::Usage,
                FailureKind::Interrupted => ExitCode::Interrupted,
            },
        }
    }

    /// The command's result for `env`: the error carries what the user reads last on
    /// stderr, and maps back to [`Outcome::exit_code`].
    pub fn into_result(self, env: &str) -> crate::Result<()> {
        match self {
            Outcome::Done(_) => Ok(()),
            Outcome::Refused(refusal) => Err(Error::from(refusal)),
            Outcome::Failed(f) => match f.kind {
                FailureKind::Interrupted => Err(Error::Interrupted),
                FailureKind::Input => Err(Error::Usage(format!("{env}: {}", f.text))),
                FailureKind::Broken => Err(Error::Multiple(vec![format!("{env}: {}", f.text)])),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::GateId;

    /// The error an outcome turns into exits with the code the outcome names.
    #[test]
    fn each_outcome_exits_with_its_code() {
        let refusal = Refusal::new(GateId::Order, "stage", vec!["dev not applied".into()], "x");
        let failed = |text: &str, kind| {
            Outcome::Failed(Failure {
                text: text.into(),
                kind,
            })
        };
        let cases = [
            (
                Outcome::Done(Done {
                    fingerprint: "f".into(),
                    deleted: 0,
                    block: String::new(),
                }),
                ExitCode::Success,
            ),
            (Outcome::Refused(refusal), ExitCode::Refused),
            (failed("boom", FailureKind::Broken), ExitCode::Failure),
            (
                failed("a link leaves the repository", FailureKind::Input),
                ExitCode::Usage,
            ),
            (
                failed("stopped", FailureKind::Interrupted),
                ExitCode::Interrupted,
            ),
        ];
        for (outcome, code) in cases {
            assert_eq!(outcome.exit_code(), code, "{outcome:?}");
            let from_error = match outcome.clone().into_result("dev") {
                Ok(()) => ExitCode::Success,
                Err(e) => e.exit_code(),
            };
            assert_eq!(from_error, code, "{outcome:?}");
        }
    }
}
