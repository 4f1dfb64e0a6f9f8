//! Which workflow runs are a promotion's record. A run of the promotion workflow counts only
//! when GitHub started it for a `push` to, or a `workflow_dispatch` on, the default branch:
//! then the workflow file that ran is the one on that branch (reviewed and merged), and no
//! pull request can start such a run. A pull request that adds a `pull_request` trigger to
//! its copy of the workflow gets runs with `event: pull_request` on its own branch, which
//! never count. Pure: facts in, decision out.

use crate::github::runs::{Job, Run};

use super::order::PreviousRecord;

/// Whether `run` is one the gates may read.
pub fn counts(run: &Run, default_branch: &str) -> bool {
    matches!(run.event.as_str(), "push" | "workflow_dispatch")
        && run.head_branch.as_deref() == Some(default_branch)
}

/// The previous environment's apply at one commit, from the jobs of the runs that count:
/// a successful job anywhere is enough; otherwise the newest job's state is shown.
pub fn previous_record(runs: &[(Run, Vec<Job>)], job: &str) -> (PreviousRecord, Option<u64>) {
    let mut newest_other = None;
    for (run, jobs) in runs {
        for j in jobs.iter().filter(|j| j.name == job) {
            if j.conclusion.as_deref() == Some("success") {
                return (PreviousRecord::Success, Some(run.id));
            }
            if newest_other.is_none() {
                let state = j.conclusion.clone().unwrap_or_else(|| j.status.clone());
                newest_other = Some((
                    PreviousRecord::Other {
                        state,
                        description: format!("job `{job}` of run {}", run.id),
                    },
                    Some(run.id),
                ));
            }
        }
    }
    newest_other.unwrap_or((PreviousRecord::Missing, None))
}

/// Whether `jobs` hold a successful `job`.
pub fn succeeded(jobs: &[Job], job: &str) -> bool {
    jobs.iter()
        .any(|j| j.name == job && j.conclusion.as_deref() == Some("success"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: u64, event: &str, branch: &str) -> Run {
        Run {
            id,
            event: event.into(),
            head_branch: Some(branch.into()),
            head_sha: "abc".into(),
            path: ".github/workflows/promote.yml".into(),
        }
    }

    fn job(name: &str, status: &str, conclusion: Option<&str>) -> Job {
        Job {
            id: 1,
            name: name.into(),
            status: status.into(),
            conclusion: conclusion.map(str::to_string),
            completed_at: None,
        }
    }

    #[test]
    fn only_default_branch_pushes_and_dispatches_count() {
        assert!(counts(&run(1, "push", "main"), "main"));
        assert!(counts(&run(1, "workflow_dispatch", "main"), "main"));
        assert!(!counts(&run(1, "pull_request", "main"), "main"));
        assert!(!counts(&run(1, "push", "feature"), "main"));
        assert!(!counts(&run(1, "pull_request_target", "main"), "main"));
    }

    #[test]
    fn a_successful_job_wins_and_otherwise_the_newest_state_shows() {
        let runs = vec![
            (
                run(2, "push", "main"),
                vec![job("apply dev", "completed", Some("failure"))],
            ),
            (
                run(1, "push", "main"),
                vec![job("apply dev", "completed", Some("success"))],
            ),
        ];
        assert_eq!(
            previous_record(&runs, "apply dev"),
            (PreviousRecord::Success, Some(1))
        );
        let (failed, _) = previous_record(&runs[..1], "apply dev");
        assert!(matches!(failed, PreviousRecord::Other { state, .. } if state == "failure"));
        let (running, _) = previous_record(
            &[(
                run(3, "push", "main"),
                vec![job("apply dev", "in_progress", None)],
            )],
            "apply dev",
        );
        assert!(matches!(running, PreviousRecord::Other { state, .. } if state == "in_progress"));
        assert_eq!(
            previous_record(&runs, "apply stage").0,
            PreviousRecord::Missing
        );
    }
}
