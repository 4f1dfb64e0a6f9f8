//! Fetching the order and no-regression gates' evidence from the Actions API: the jobs of
//! the promotion workflow's runs that count ([`crate::gate::runs::counts`]). Every failure,
//! a list that does not add up included, becomes [`Fact::Unknown`], and the rule refuses.

use super::client::GitHub;
use super::error::GitHubError;
use super::runs::{Job, Run};
use crate::config::GitHubSettings;
use crate::gate::Fact;
use crate::gate::order::PreviousRecord;
use crate::gate::runs::{counts, previous_record, succeeded};

/// A fact and the one line saying what was read to establish it (shown with the verdict).
pub struct Read<T> {
    pub fact: Fact<T>,
    pub evidence: String,
}

impl GitHub {
    /// The previous environment's apply job at `sha`, in the promotion runs that count.
    pub async fn previous_apply(
        &self,
        settings: &GitHubSettings,
        sha: &str,
        previous_env: &str,
    ) -> Read<PreviousRecord> {
        let job = settings.apply_job(previous_env);
        let workflow = &settings.promote_workflow.0;
        let result: Result<(PreviousRecord, Option<u64>, usize), GitHubError> = async {
            let runs = self.workflow_runs_at(workflow, sha).await?;
            let mut read = Vec::new();
            for run in runs
                .into_iter()
                .filter(|r| r.head_sha == sha && counts(r, &settings.default_branch.0))
            {
                let jobs = self.run_jobs(run.id).await?;
                read.push((run, jobs));
            }
            let (record, run) = previous_record(&read, &job);
            Ok((record, run, read.len()))
        }
        .await;
        match result {
            Ok((record, run, n)) => Read {
                evidence: match run {
                    Some(id) => format!(
                        "job `{job}` of {workflow} run {id} (push or dispatch on {}) at {}",
                        settings.default_branch.0,
                        crate::gate::short_sha(sha)
                    ),
                    None => format!(
                        "{n} {workflow} run(s) on {} at {}: no job `{job}`",
                        settings.default_branch.0,
                        crate::gate::short_sha(sha)
                    ),
                },
                fact: Fact::Known(record),
            },
            Err(e) => Read {
                evidence: format!("the {workflow} runs at {}", crate::gate::short_sha(sha)),
                fact: Fact::Unknown(e.to_string()),
            },
        }
    }

    /// The commit of the newest promotion run that counts whose `env` apply job succeeded
    /// (`None`: never applied). Every run is listed; jobs are read newest run first until
    /// one is found.
    pub async fn last_applied_run(
        &self,
        settings: &GitHubSettings,
        env: &str,
    ) -> Read<Option<String>> {
        let job = settings.apply_job(env);
        let workflow = &settings.promote_workflow.0;
        let result: Result<Option<(Run, Vec<Job>)>, GitHubError> = async {
            let runs = self.workflow_runs(workflow).await?;
            for run in runs
                .into_iter()
                .filter(|r| counts(r, &settings.default_branch.0))
            {
                let jobs = self.run_jobs(run.id).await?;
                if succeeded(&jobs, &job) {
                    return Ok(Some((run, jobs)));
                }
            }
            Ok(None)
        }
        .await;
        match result {
            Ok(Some((run, _))) => Read {
                evidence: format!(
                    "`{env}` last applied by job `{job}` of {workflow} run {} at {}",
                    run.id,
                    crate::gate::short_sha(&run.head_sha)
                ),
                fact: Fact::Known(Some(run.head_sha)),
            },
            Ok(None) => Read {
                evidence: format!(
                    "no successful job `{job}` in any {workflow} run on {}",
                    settings.default_branch.0
                ),
                fact: Fact::Known(None),
            },
            Err(e) => Read {
                evidence: format!("the {workflow} runs"),
                fact: Fact::Unknown(e.to_string()),
            },
        }
    }
}
