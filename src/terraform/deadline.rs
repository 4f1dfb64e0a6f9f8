//! tfpromote's own deadline (`TFPROMOTE_DEADLINE`, the action's `deadline` input). When a
//! GitHub job reaches its `timeout-minutes`, the runner kills the job's processes without
//! giving Terraform time to stop, and the state lock stays held until someone runs
//! `terraform force-unlock`. Set below the job's timeout, this deadline stops Terraform the
//! clean way first: one SIGINT (as a first Ctrl-C, `super::signals::stop`), after which
//! Terraform finishes the resource in progress, writes its state and releases the lock, and
//! tfpromote records the run as interrupted.

use std::time::Duration;

use crate::{Error, Result};

/// The deadline's text as a duration (`50m`, `1h30m`, `90s`); empty or absent: none.
pub fn parse(text: Option<&str>) -> Result<Option<Duration>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    match humantime::parse_duration(text) {
        Ok(d) if d >= Duration::from_secs(1) => Ok(Some(d)),
        Ok(_) => Err(Error::Usage(format!(
            "TFPROMOTE_DEADLINE (the action's `deadline` input) {text:?} is shorter than a second: give minutes below the job's timeout-minutes, e.g. 50m for timeout-minutes: 60"
        ))),
        Err(e) => Err(Error::Usage(format!(
            "TFPROMOTE_DEADLINE (the action's `deadline` input) {text:?} is not a duration ({e}): write e.g. 50m or 1h30m, below the job's timeout-minutes"
        ))),
    }
}

/// Starts the clock: after `after`, Terraform is asked to stop cleanly. Call from inside
/// the runtime before the first Terraform command.
pub fn arm(after: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        let text = humantime::format_duration(after).to_string();
        crate::actions::annotate(
            crate::actions::Level::Error,
            "tfpromote: deadline reached",
            &format!(
                "tfpromote's deadline of {text} (TFPROMOTE_DEADLINE) passed: Terraform is interrupted once so it releases the state lock before the job's timeout kills it. Raise timeout-minutes and the deadline together if this run needs longer."
            ),
        );
        super::signals::stop(
            &format!("deadline of {text} reached (TFPROMOTE_DEADLINE)"),
            nix::sys::signal::Signal::SIGINT,
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_durations_and_bad_ones_say_what_to_write() {
        assert_eq!(parse(None).expect("none"), None);
        assert_eq!(parse(Some(" ")).expect("empty"), None);
        assert_eq!(
            parse(Some("50m")).expect("50m"),
            Some(Duration::from_secs(3000))
        );
        assert_eq!(
            parse(Some("1h30m")).expect("1h30m"),
            Some(Duration::from_secs(5400))
        );
        let bad = parse(Some("soon")).expect_err("soon").to_string();
        assert!(bad.contains("\"soon\"") && bad.contains("50m"), "{bad}");
        let zero = parse(Some("0s")).expect_err("0s").to_string();
        assert!(zero.contains("timeout-minutes"), "{zero}");
    }
}
