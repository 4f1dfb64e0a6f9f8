//! GitHub failures, each with the fix a workflow author can apply.

/// A failed GitHub call. The message names the call and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// GitHub answered with a non-success status (after any retries).
    #[error("GitHub {call}: HTTP {status}: {message}{}", hint(*.status, .message))]
    Status {
        call: String,
        status: u16,
        message: String,
    },
    /// No answer at all (connection, timeout, TLS).
    #[error("GitHub {call}: {message}; check that GITHUB_API_URL is reachable from the runner")]
    Transport { call: String, message: String },
    /// An answer we cannot read: a proxy page, or an API change.
    #[error("GitHub {call}: unexpected response: {message}")]
    Decode { call: String, message: String },
    /// The Actions environment lacks something the call needs.
    #[error("{0}")]
    Context(String),
    /// Concurrent writers kept overwriting each other beyond the retry bound.
    #[error("GitHub {0}")]
    Conflict(String),
}

impl GitHubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            GitHubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The token may not write here (fork pull requests get a read-only token).
    pub fn is_forbidden(&self) -> bool {
        matches!(self.status(), Some(401 | 403 | 404))
    }

    /// The outcome of a non-idempotent call is unknown: it may have taken effect.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, GitHubError::Transport { .. })
            || matches!(self.status(), Some(s) if s >= 500)
    }
}

fn hint(status: u16, message: &str) -> &'static str {
    let lower = message.to_ascii_lowercase();
    match status {
        401 => {
            "; the token was refused: pass a valid GITHUB_TOKEN (or the action's `github-token` input)"
        }
        403 if lower.contains("rate limit") => {
            "; GitHub's rate limit outlasted the retries: run fewer jobs at once or retry the job later"
        }
        403 => {
            "; the token may not do this: grant the job `permissions: pull-requests: write, statuses: write` \
             (pull requests from forks only get a read-only token)"
        }
        404 => {
            "; not found, or the token cannot see it: check GITHUB_REPOSITORY and the job's `permissions`"
        }
        422 => {
            "; GitHub refused the content (a comment over 65,536 characters is one cause): please report it"
        }
        s if s >= 500 => "; GitHub had an outage: re-run the job",
        _ => "",
    }
}
