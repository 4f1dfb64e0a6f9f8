//! Marking open pull requests' plans stale after an apply, and planning them again: the
//! open pull requests (`GET /pulls?state=open`), each one's tracker, the row marked with
//! [`crate::tracker::stale::note`], and a re-run of its plan run
//! (`POST /actions/runs/{id}/rerun`). A dispatch (`workflow_dispatch`) is not used: GitHub
//! only dispatches on a branch or tag, so its plan would be a `workflow_dispatch` run of
//! a branch, which the reviewed-plan gate rightly never trusts for a pull request; a re-run
//! keeps the `pull_request` event and `refs/pull/<n>/merge`, so its plan is signed as the
//! first one was. Best effort: nothing here fails the apply that already happened.

use serde::Deserialize;
use serde_json::json;

use super::client::{GitHub, Method};
use super::error::GitHubError;
use super::pulls::PullRequest;
use super::tracker::TrackerOptions;
use crate::tracker::Status;
use crate::tracker::stale::{self, RunFacts};

#[derive(Deserialize)]
struct RunAnswer {
    #[serde(default)]
    event: String,
    #[serde(default)]
    head_sha: String,
}

impl GitHub {
    /// Every open pull request, newest first.
    pub async fn open_pulls(&self) -> Result<Vec<PullRequest>, GitHubError> {
        self.list_all(&format!("{}/pulls?state=open", self.repo.path()))
            .await
    }

    async fn run_facts(&self, run_id: u64) -> Result<RunFacts, GitHubError> {
        let route = format!("{}/actions/runs/{run_id}", self.repo.path());
        let (run, _): (RunAnswer, _) = self.json(Method::Get, &route, None::<&()>, true).await?;
        Ok(RunFacts {
            event: run.event,
            head_sha: run.head_sha,
        })
    }

    async fn rerun(&self, run_id: u64) -> Result<(), GitHubError> {
        let route = format!("{}/actions/runs/{run_id}/rerun", self.repo.path());
        self.send(Method::Post, &route, Some(&json!({})), false)
            .await
            .map(|_| ())
    }

    /// After `env` was changed by an apply at `applied`: marks every open pull request's
    /// plan for `env` stale and re-runs its plan run. Returns one line per pull request
    /// for the log and the job summary.
    pub async fn mark_stale(
        &self,
        options: &TrackerOptions,
        env: &str,
        applied: &str,
    ) -> Vec<String> {
        let open = match self.open_pulls().await {
            Ok(p) => p,
            Err(e) => return vec![format!("could not list the open pull requests: {e}")],
        };
        let mut lines = Vec::new();
        for pull in open {
            let number = pull.number;
            let record = match self.read_tracker(number, options).await {
                Ok(Some(t)) => t.data.envs.get(env).cloned(),
                Ok(None) => None,
                Err(e) => {
                    lines.push(format!("#{number}: tracker unreadable: {e}"));
                    continue;
                }
            };
            let Some(record) = record.filter(stale::is_stale) else {
                continue;
            };
            let head = pull.head.map(|h| h.sha).unwrap_or_default();
            let rerun = match record.run_url.as_deref().and_then(stale::run_id) {
                None => Err("its row links no plan run".to_string()),
                Some(id) => match self.run_facts(id).await {
                    Err(e) => Err(e.to_string()),
                    Ok(run) => match stale::may_rerun(&run, &head) {
                        Err(why) => Err(why),
                        Ok(()) => self.rerun(id).await.map(|()| id).map_err(|e| e.to_string()),
                    },
                },
            };
            let note = stale::note(env, record.commit.as_deref(), applied, rerun.is_ok());
            let marked = self
                .upsert_tracker(
                    number,
                    options,
                    |t| t.set_status(env, Status::Stale, None, Some(&note)),
                    |t| t.shows(env, Status::Stale, Some(&note)),
                )
                .await;
            lines.push(match (marked, rerun) {
                (Ok(_), Ok(id)) => {
                    format!("#{number}: `{env}` plan marked stale; plan run {id} re-run")
                }
                (Ok(_), Err(why)) => {
                    format!("#{number}: `{env}` plan marked stale; not re-planned: {why}")
                }
                (Err(e), _) => format!("#{number}: could not mark `{env}` stale: {e}"),
            });
        }
        lines
    }
}
