//! The Terraform edge: running the CLI as a child process and reading its plan JSON.

pub mod checks;
pub mod child_env;
pub mod deadline;
pub mod failure;
pub mod lock;
pub mod output;
pub mod plugin_cache;
pub mod runner;
pub mod signals;

pub use runner::{PlanOutcome, Terraform};

use std::fmt;

/// A Terraform command that did not do what was asked.
#[derive(Debug, Clone)]
pub struct TerraformError {
    /// `init`, `plan`, `apply`, ... with the directory, for the reader.
    pub command: String,
    pub exit_code: Option<i32>,
    /// Redacted tail of what Terraform printed: its own explanation.
    pub detail: String,
    /// Set when the state lock was held by someone else.
    pub lock: Option<lock::LockInfo>,
    pub interrupted: bool,
}

impl fmt::Display for TerraformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.interrupted {
            return write!(
                f,
                "terraform {} was interrupted; it was asked to stop cleanly so the state lock is released",
                self.command
            );
        }
        if let Some(lock) = &self.lock {
            return write!(
                f,
                "terraform {}: the state is locked by another run (lock ID {}{}). \
                 Wait for that run to finish and retry; if it died, release the lock with \
                 `terraform force-unlock {}` in that directory",
                self.command,
                lock.id,
                lock.who
                    .as_deref()
                    .map(|w| format!(", held by {w}"))
                    .unwrap_or_default(),
                lock.id
            );
        }
        match self.exit_code {
            Some(code) => write!(f, "terraform {} failed (exit {code})", self.command)?,
            None => write!(f, "terraform {} failed", self.command)?,
        }
        if !self.detail.is_empty() {
            write!(f, ":\n{}", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for TerraformError {}

/// Parses `1.11`, `1.11.4`, `v1.11.4` or `1.12.0-rc1` into numeric parts (pre-release ignored).
pub fn parse_version(raw: &str) -> Option<Vec<u64>> {
    let trimmed = raw.trim().trim_start_matches('v');
    let core = trimmed.split(['-', '+']).next()?;
    let parts: Option<Vec<u64>> = core.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 3)
}

/// True when `have` is at least `want`, comparing missing parts as zero.
pub fn version_at_least(have: &[u64], want: &[u64]) -> bool {
    let len = have.len().max(want.len());
    let pad = |v: &[u64]| {
        (0..len)
            .map(|i| v.get(i).copied().unwrap_or(0))
            .collect::<Vec<_>>()
    };
    pad(have) >= pad(want)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(parse_version("v1.11.4"), Some(vec![1, 11, 4]));
        assert_eq!(parse_version("1.2.0-rc1"), Some(vec![1, 2, 0]));
        assert_eq!(parse_version("one"), None);
        assert!(version_at_least(&[1, 11, 4], &[1, 11]));
        assert!(version_at_least(&[1, 15, 0], &[1, 11]));
        assert!(!version_at_least(&[1, 9, 8], &[1, 11]));
        assert!(!version_at_least(&[1, 10, 99], &[1, 11]));
    }
}
