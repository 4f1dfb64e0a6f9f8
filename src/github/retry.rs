//! When and how long to wait before repeating a GitHub call. Pure: the caller supplies the
//! response facts, the clock and the jitter, so every rule is unit-tested without sleeping.
//!
//! GitHub's rules (docs "Rate limits for the REST API"): honour `retry-after`; else, when
//! `x-ratelimit-remaining` is 0, wait until `x-ratelimit-reset`; else, for a secondary
//! limit, wait at least a minute and back off. A rate-limited request was not performed, so
//! it may be repeated even when it creates something. A 5xx or a lost connection leaves the
//! outcome unknown: only idempotent calls are repeated blindly; creates re-read first.

use std::time::Duration;

pub use crate::aws::retry::{Backoff, random_jitter};

/// The bounds of one call's retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    pub backoff: Backoff,
    /// Wait after a secondary rate limit that names no time (GitHub says: at least 1 minute).
    pub secondary_wait: Duration,
    /// Never sleep longer than this for one retry; a longer reset is reported instead.
    pub max_wait: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempts: 5,
            backoff: Backoff {
                base: Duration::from_secs(1),
                cap: Duration::from_secs(30),
            },
            secondary_wait: Duration::from_secs(60),
            max_wait: Duration::from_secs(300),
        }
    }
}

impl Policy {
    /// A policy with every wait scaled down, for tests and impatient local runs: the base
    /// step becomes `step` and a secondary limit without `retry-after` waits `step` too.
    /// `retry-after` and rate-limit resets are still honoured in full.
    pub fn fast(step: Duration) -> Self {
        Policy {
            backoff: Backoff {
                base: step,
                cap: step * 8,
            },
            secondary_wait: step,
            ..Policy::default()
        }
    }
}

/// What a response said about rate limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateFacts {
    /// `retry-after`, in seconds.
    pub retry_after: Option<u64>,
    /// `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset`, seconds since the epoch.
    pub reset: Option<u64>,
    /// The body mentions a (secondary) rate limit.
    pub says_rate_limit: bool,
}

impl RateFacts {
    /// Reads the facts from headers (lookup by lower-case name) and the response body.
    pub fn read(header: impl Fn(&str) -> Option<String>, body: &str) -> Self {
        let num = |name: &str| header(name).and_then(|v| v.trim().parse::<u64>().ok());
        RateFacts {
            retry_after: num("retry-after"),
            remaining: num("x-ratelimit-remaining"),
            reset: num("x-ratelimit-reset"),
            says_rate_limit: body.to_ascii_lowercase().contains("rate limit"),
        }
    }

    fn limited(&self) -> bool {
        self.retry_after.is_some() || self.remaining == Some(0) || self.says_rate_limit
    }
}

/// The outcome of one attempt, as far as retrying cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// No HTTP answer (connection refused, timeout).
    Transport,
    Status(u16, RateFacts),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Retry(Duration),
    Stop,
}

/// Decides after attempt number `attempt` (1 for the first) failed with `outcome`.
/// `now` is seconds since the epoch; `jitter` is in [0, 1).
pub fn decide(
    policy: &Policy,
    idempotent: bool,
    outcome: &Outcome,
    attempt: u32,
    now: u64,
    jitter: f64,
) -> Decision {
    if attempt >= policy.attempts {
        return Decision::Stop;
    }
    let backoff = policy.backoff.delay(attempt.saturating_sub(1), jitter);
    let wait = match outcome {
        Outcome::Transport if idempotent => backoff,
        Outcome::Transport => return Decision::Stop,
        Outcome::Status(status @ (403 | 429), facts) if *status == 429 || facts.limited() => {
            if let Some(seconds) = facts.retry_after {
                Duration::from_secs(seconds)
            } else if facts.remaining == Some(0)
                && let Some(reset) = facts.reset
            {
                // One second past the reset: GitHub's clock and ours may differ slightly.
                Duration::from_secs(reset.saturating_sub(now) + 1)
            } else {
                policy.secondary_wait.max(backoff)
            }
        }
        Outcome::Status(500 | 502 | 503 | 504, _) if idempotent => backoff,
        Outcome::Status(..) => return Decision::Stop,
    };
    if wait > policy.max_wait {
        Decision::Stop
    } else {
        Decision::Retry(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(retry_after: Option<u64>, remaining: Option<u64>, reset: Option<u64>) -> RateFacts {
        RateFacts {
            retry_after,
            remaining,
            reset,
            says_rate_limit: false,
        }
    }

    #[test]
    fn retry_after_is_honoured_even_for_creates() {
        let p = Policy::default();
        let out = Outcome::Status(403, facts(Some(2), None, None));
        assert_eq!(
            decide(&p, false, &out, 1, 0, 0.5),
            Decision::Retry(Duration::from_secs(2))
        );
    }

    #[test]
    fn exhausted_primary_limit_waits_for_the_reset() {
        let p = Policy::default();
        let out = Outcome::Status(403, facts(None, Some(0), Some(1_000_042)));
        assert_eq!(
            decide(&p, true, &out, 1, 1_000_000, 0.0),
            Decision::Retry(Duration::from_secs(43))
        );
        // A reset an hour away is reported, not slept through.
        let far = Outcome::Status(403, facts(None, Some(0), Some(1_003_600)));
        assert_eq!(decide(&p, true, &far, 1, 1_000_000, 0.0), Decision::Stop);
    }

    #[test]
    fn secondary_limit_without_headers_waits_at_least_a_minute() {
        let p = Policy::default();
        let mut f = facts(None, None, None);
        f.says_rate_limit = true;
        let d = decide(&p, false, &Outcome::Status(403, f), 1, 0, 0.0);
        assert_eq!(d, Decision::Retry(Duration::from_secs(60)));
    }

    #[test]
    fn plain_forbidden_is_final() {
        let p = Policy::default();
        let out = Outcome::Status(403, facts(None, Some(4999), None));
        assert_eq!(decide(&p, true, &out, 1, 0, 0.0), Decision::Stop);
        assert_eq!(
            decide(
                &p,
                true,
                &Outcome::Status(404, RateFacts::default()),
                1,
                0,
                0.0
            ),
            Decision::Stop
        );
    }

    #[test]
    fn server_errors_repeat_only_idempotent_calls() {
        let p = Policy::default();
        let out = Outcome::Status(502, RateFacts::default());
        assert!(matches!(
            decide(&p, true, &out, 1, 0, 0.0),
            Decision::Retry(_)
        ));
        assert_eq!(decide(&p, false, &out, 1, 0, 0.0), Decision::Stop);
        assert_eq!(
            decide(&p, false, &Outcome::Transport, 1, 0, 0.0),
            Decision::Stop
        );
    }

    #[test]
    fn attempts_are_bounded() {
        let p = Policy::default();
        let out = Outcome::Status(503, RateFacts::default());
        assert_eq!(decide(&p, true, &out, p.attempts, 0, 0.0), Decision::Stop);
    }

    #[test]
    fn facts_are_read_from_headers_and_body() {
        let f = RateFacts::read(
            |h| match h {
                "retry-after" => Some(" 2".into()),
                "x-ratelimit-remaining" => Some("0".into()),
                _ => None,
            },
            "You have exceeded a secondary rate limit.",
        );
        assert_eq!(f.retry_after, Some(2));
        assert_eq!(f.remaining, Some(0));
        assert!(f.says_rate_limit);
    }
}
