//! One error type for the whole binary, so every failure maps to a documented exit code.

use std::path::PathBuf;

/// Exit codes are part of the public contract (README, action.yml): scripts branch on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Success = 0,
    Failure = 1,
    Usage = 2,
    Refused = 3,
    Interrupted = 130,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line or config file: the user must change an input.
    #[error("{0}")]
    Usage(String),

    /// A config file problem located at a line, with the fix.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// The environment directories break the isolation contract; one line per problem.
    #[error("the environments are not isolated:\n{}", .0.join("\n"))]
    Contract(Vec<String>),

    /// A plan JSON that cannot be read.
    #[error("{path}: {message}")]
    PlanJson { path: PathBuf, message: String },

    /// OIDC token or STS failure; says what to grant or what the trust policy must match.
    #[error(transparent)]
    Aws(Box<crate::aws::AwsError>),

    /// A GitHub call failed; says which permission or input to fix.
    #[error(transparent)]
    GitHub(Box<crate::github::GitHubError>),

    #[error(transparent)]
    Terraform(#[from] crate::terraform::TerraformError),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// A gate said no: nothing was applied or destroyed.
    #[error(transparent)]
    Refused(Box<crate::gate::Refusal>),

    /// Stopped by SIGINT/SIGTERM after Terraform was asked to stop cleanly.
    #[error("interrupted: Terraform was asked to stop and release its state lock")]
    Interrupted,

    /// A bug in tfpromote (a task panicked); never the user's fault.
    #[error("internal error: {0}; please report it")]
    Internal(String),

    /// Several environments failed; each message already names its environment.
    #[error("{}", .0.join("\n"))]
    Multiple(Vec<String>),
}

impl From<crate::aws::AwsError> for Error {
    fn from(e: crate::aws::AwsError) -> Self {
        Error::Aws(Box::new(e))
    }
}

impl From<crate::gate::Refusal> for Error {
    fn from(r: crate::gate::Refusal) -> Self {
        Error::Refused(Box::new(r))
    }
}

impl From<crate::github::GitHubError> for Error {
    fn from(e: crate::github::GitHubError) -> Self {
        Error::GitHub(Box::new(e))
    }
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) | Error::Config(_) | Error::Contract(_) => ExitCode::Usage,
            Error::Aws(e) if e.is_usage() => ExitCode::Usage,
            Error::Refused(_) => ExitCode::Refused,
            Error::Interrupted => ExitCode::Interrupted,
            Error::Terraform(e) if e.interrupted => ExitCode::Interrupted,
            _ => ExitCode::Failure,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a JSON answer did not parse, without quoting any of it: serde's own message quotes
/// the offending value, and an answer from a token service or an API may hold a credential.
/// Says what kind of problem and where.
pub fn json_error_shape(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let kind = match e.classify() {
        Category::Data => "valid JSON of an unexpected shape",
        Category::Syntax => "not valid JSON",
        Category::Eof => "cut short",
        Category::Io => "unreadable",
    };
    format!(
        "{kind}, at line {} column {}; the answer is not shown because it may hold a credential",
        e.line(),
        e.column()
    )
}
