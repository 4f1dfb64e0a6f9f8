//! Backoff policy for the OIDC -> STS exchange. Pure: the caller supplies the jitter and the
//! time left, so the schedule is unit-tested without sleeping.

use std::time::Duration;

/// Jittered exponential backoff bounded by a total time budget.
///
/// The base and cap scale with the budget so that a short budget (tests, impatient users)
/// still gets several attempts, while the default two minutes backs off to tens of seconds
/// the way STS and the GitHub token service expect under throttling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The schedule for a total budget: base = budget/60 within [50 ms, 1 s], cap = budget/4
    /// within [base, 30 s]. For the default 2 minutes: 1 s, 2 s, 4 s ... up to 30 s.
    pub fn for_budget(budget: Duration) -> Self {
        let base = (budget / 60).clamp(Duration::from_millis(50), Duration::from_secs(1));
        let cap = (budget / 4).clamp(base, Duration::from_secs(30));
        Backoff { base, cap }
    }

    /// Delay before retry number `retry` (0 for the first retry). "Equal jitter": half the
    /// exponential step is fixed, half is random (`jitter` in [0, 1)), so concurrent jobs
    /// spread out without any retry becoming immediate.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let step = self
            .base
            .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
            .min(self.cap);
        let half = step / 2;
        half + half.mul_f64(jitter.clamp(0.0, 1.0))
    }
}

/// What to do after a retryable failure, given the time left in the budget: sleep this long
/// and try again, or give up because no attempt could start within the budget.
pub fn next_sleep(delay: Duration, remaining: Duration) -> Option<Duration> {
    if remaining.is_zero() || delay >= remaining {
        None
    } else {
        Some(delay)
    }
}

/// A jitter value in [0, 1) from the standard library's randomly keyed hasher; not
/// cryptographic, only meant to de-synchronise parallel jobs.
pub fn random_jitter() -> f64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_budget_starts_at_one_second_and_caps_at_thirty() {
        let b = Backoff::for_budget(Duration::from_secs(120));
        assert_eq!(b.base, Duration::from_secs(1));
        assert_eq!(b.cap, Duration::from_secs(30));
        assert_eq!(b.delay(0, 0.0), Duration::from_millis(500));
        assert!(b.delay(0, 0.999_999) < Duration::from_secs(1));
        assert_eq!(b.delay(3, 0.0), Duration::from_secs(4));
        assert_eq!(b.delay(30, 0.0), Duration::from_secs(15), "capped");
        assert_eq!(b.delay(u32::MAX, 1.0), Duration::from_secs(30));
    }

    #[test]
    fn short_budgets_get_short_steps() {
        let b = Backoff::for_budget(Duration::from_secs(5));
        assert_eq!(b.base, Duration::from_secs(5) / 60);
        assert_eq!(b.cap, Duration::from_millis(1250));
        let tiny = Backoff::for_budget(Duration::from_millis(10));
        assert_eq!(tiny.base, Duration::from_millis(50));
        assert_eq!(tiny.cap, Duration::from_millis(50));
    }

    #[test]
    fn delays_grow_and_stay_within_the_cap() {
        let b = Backoff::for_budget(Duration::from_secs(120));
        let mut last = Duration::ZERO;
        for retry in 0..10 {
            let d = b.delay(retry, 0.0);
            assert!(d >= last && d <= b.cap, "retry {retry}: {d:?}");
            last = d;
        }
    }

    #[test]
    fn no_sleep_past_the_budget() {
        let d = Duration::from_secs(2);
        assert_eq!(next_sleep(d, Duration::from_secs(3)), Some(d));
        assert_eq!(next_sleep(d, Duration::from_secs(2)), None);
        assert_eq!(next_sleep(d, Duration::ZERO), None);
    }

    #[test]
    fn jitter_is_in_unit_interval() {
        for _ in 0..100 {
            let j = random_jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }
}
