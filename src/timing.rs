//! Opt-in phase timing for benchmarks: with `TFPROMOTE_TIMING=1`, each timed phase prints
//! `tfpromote: timing: <phase> <start> <end>` on stderr when it ends, in microseconds since
//! the Unix epoch. Wall-clock times, so a benchmark (scripts/bench-first-comment) lines
//! tfpromote's own phases up with its process start, Terraform's runs and the GitHub
//! requests the stand-in recorded, and names what a first comment waits for beyond
//! Terraform. Off by default: nothing is measured or printed.

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("TFPROMOTE_TIMING").is_some_and(|v| v == "1"))
}

fn now_us() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_micros())
}

/// A phase being timed; its line is printed when it is dropped.
pub struct Phase {
    name: String,
    start_us: u128,
}

/// Starts timing `name` (an environment's phase is `<env> <phase>`); `None` when timing
/// is off, so the name is never even built then.
pub fn phase(name: impl FnOnce() -> String) -> Option<Phase> {
    enabled().then(|| Phase {
        name: name(),
        start_us: now_us(),
    })
}

impl Drop for Phase {
    fn drop(&mut self) {
        crate::say!(
            "tfpromote: timing: {} {} {}",
            self.name,
            self.start_us,
            now_us()
        );
    }
}
