//! Stale plans: after an apply changes an environment, every open pull request's plan for
//! that environment was made against the state before it, so reviewers would approve an
//! out-of-date plan. These rules say which rows are stale, what the row says, and which
//! workflow run may be re-run to plan again. Pure; `crate::github::stale` does the calls.

use super::{EnvRecord, Status};

/// Whether `record` holds a plan an apply to its environment has made out of date: any row
/// with a plan (a failed plan has none, and is re-planned by the next push anyway).
pub fn is_stale(record: &EnvRecord) -> bool {
    record.fingerprint.is_some() && record.status != Status::PlanFailed
}

/// The row's note: what the plan was made at, and what changed the environment since.
pub fn note(env: &str, planned_at: Option<&str>, applied: &str, replanning: bool) -> String {
    let at = planned_at.map_or_else(|| "an unknown commit".to_string(), short);
    let then = if replanning {
        "re-planning (the pull request's plan run was started again)"
    } else {
        "push a commit or re-run the plan job to plan again before approving"
    };
    format!(
        "planned at {at} against an older state: `{env}` was applied at {} since; {then}",
        short(applied)
    )
}

fn short(sha: &str) -> String {
    sha.get(..7).unwrap_or(sha).to_string()
}

/// The run id in a run link (`.../actions/runs/<id>`, optionally `/attempts/<n>`).
pub fn run_id(run_url: &str) -> Option<u64> {
    let (_, rest) = run_url.split_once("/actions/runs/")?;
    rest.split('/').next()?.parse().ok()
}

/// What GitHub says about the run a tracker row links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFacts {
    pub event: String,
    pub head_sha: String,
}

/// Whether the linked run may be re-run to plan pull request `head` again. The link is in
/// a comment anyone with write access can edit, so GitHub's own record of the run decides:
/// it must be a `pull_request` run of this pull request's head commit (a re-run keeps its
/// event and ref, so its new plan is signed exactly like the first; re-running anything
/// else, such as the promotion workflow, is refused).
pub fn may_rerun(run: &RunFacts, head_sha: &str) -> Result<(), String> {
    if run.event != "pull_request" {
        return Err(format!(
            "the linked run is a `{}` run, not the pull request's plan",
            run.event
        ));
    }
    if run.head_sha != head_sha {
        return Err(format!(
            "the linked run planned {}, not the pull request's head {}",
            short(&run.head_sha),
            short(head_sha)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: Status, fingerprint: Option<&str>) -> EnvRecord {
        EnvRecord {
            status,
            fingerprint: fingerprint.map(str::to_string),
            commit: Some("h2aaaaaaaa".into()),
            counts: None,
            run_url: None,
            changes: None,
            note: None,
            signed: None,
        }
    }

    #[test]
    fn a_planned_row_is_stale_a_failed_plan_is_not() {
        assert!(is_stale(&record(Status::Planned, Some("sha256:1"))));
        assert!(is_stale(&record(Status::Stale, Some("sha256:1"))));
        assert!(!is_stale(&record(Status::PlanFailed, None)));
        assert!(!is_stale(&record(Status::Planned, None)));
    }

    #[test]
    fn the_note_names_both_commits_and_what_happens_next() {
        let n = note("dev", Some("h2aaaaaaaa"), "m1bbbbbbbb", true);
        assert!(
            n.contains("planned at h2aaaaa") && n.contains("applied at m1bbbbb"),
            "{n}"
        );
        assert!(n.contains("re-planning"), "{n}");
        assert!(note("dev", None, "m1", false).contains("push a commit"));
    }

    #[test]
    fn run_links_parse() {
        assert_eq!(run_id("https://github.com/o/r/actions/runs/42"), Some(42));
        assert_eq!(
            run_id("https://github.com/o/r/actions/runs/42/attempts/2"),
            Some(42)
        );
        assert_eq!(run_id("https://github.com/o/r/pull/3"), None);
    }

    #[test]
    fn only_the_pull_requests_own_plan_run_is_re_run() {
        let run = |event: &str, sha: &str| RunFacts {
            event: event.into(),
            head_sha: sha.into(),
        };
        assert!(may_rerun(&run("pull_request", "h2"), "h2").is_ok());
        assert!(
            may_rerun(&run("push", "h2"), "h2")
                .unwrap_err()
                .contains("`push`")
        );
        assert!(
            may_rerun(&run("pull_request", "h1"), "h2")
                .unwrap_err()
                .contains("head")
        );
    }
}
