//! Posting plans to the pull request: the shell around [`crate::tracker`] that `plan` calls
//! after its local outputs are written. Commenting is best effort: a read-only token (fork
//! pull requests), a missing token or an outage warns and leaves the plan's result alone,
//! because the job summary already holds the whole report.

use std::time::Duration;

use super::client::GitHub;
use super::error::GitHubError;
use super::pulls::introducing_pr;
use super::retry::Policy;
use super::tracker::{DEFAULT_AUTHOR, TrackerOptions};
use crate::actions;
use crate::config::Config;
use crate::context::Context;
use crate::redact::Redactor;
use crate::render::markdown;
use crate::summary::Summary;
use crate::tracker::{self, Counts, EnvRecord, Status, Tracker};

/// One environment's plan as `plan` holds it: a summary or the redacted error.
pub type Planned<'a> = (&'a str, Result<&'a Summary, &'a str>);

/// Upserts the tracker when the run is about a pull request and has a token. Returns the
/// comment's URL; `None` (after a warning where one helps) otherwise.
pub async fn update(
    config: &Config,
    planned: Vec<Planned<'_>>,
    redactor: &Redactor,
) -> Option<String> {
    let context = Context::from_env();
    match post(config, &context, &planned, redactor).await {
        Ok(url) => url,
        Err(e) => {
            actions::annotate(
                actions::Level::Warning,
                "tfpromote: PR comment not updated",
                &format!("{e}. The plan itself is fine and its full report is in the job summary."),
            );
            let note = format!(
                "> [!WARNING]\n> The pull request comment could not be updated: {}\n",
                redactor.redact(&e.to_string()).replace('\n', " ")
            );
            if let Err(io) = actions::append_step_summary(&note) {
                eprintln!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {io}");
            }
            None
        }
    }
}

/// Test and tuning hooks: `TFPROMOTE_GITHUB_BACKOFF` (a duration) shortens every computed
/// wait (never `retry-after` or a rate-limit reset); `TFPROMOTE_COMMENT_AUTHOR` names the
/// login the tracker is trusted from when the token is not `GITHUB_TOKEN` (`*`: anyone).
fn tuning() -> (Policy, TrackerOptions) {
    let step = std::env::var("TFPROMOTE_GITHUB_BACKOFF")
        .ok()
        .and_then(|v| humantime::parse_duration(&v).ok());
    let policy = step.map(Policy::fast).unwrap_or_default();
    let author = match std::env::var("TFPROMOTE_COMMENT_AUTHOR") {
        Ok(a) if a == "*" => None,
        Ok(a) if !a.trim().is_empty() => Some(a.trim().to_string()),
        _ => Some(DEFAULT_AUTHOR.to_string()),
    };
    let options = TrackerOptions {
        trusted_author: author,
        pause: step.unwrap_or(Duration::from_millis(500)),
        ..TrackerOptions::default()
    };
    (policy, options)
}

async fn post(
    config: &Config,
    context: &Context,
    planned: &[Planned<'_>],
    redactor: &Redactor,
) -> Result<Option<String>, GitHubError> {
    let (Some(repo), Some(token)) = (context.repo.clone(), context.token.as_deref()) else {
        if context.pr.is_some() {
            return Err(GitHubError::Context(
                "no GitHub token: pass `github-token` to the action or set GITHUB_TOKEN, and GITHUB_REPOSITORY"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let (policy, mut options) = tuning();
    options.order = config.names().iter().map(|s| s.to_string()).collect();
    let gh = GitHub::new(&context.api_url, token, repo, policy)?;
    let Some(pr) = pull_request(&gh, context).await? else {
        return Ok(None);
    };
    let budget = tracker::section_budget(config.environments.len().max(planned.len()));
    let updates = records(context, planned, redactor, budget);
    let url = gh
        .upsert_tracker(
            pr,
            &options,
            |t: &mut Tracker| {
                for (env, record, section) in &updates {
                    t.record_plan(env, record.clone(), section);
                }
            },
            |t: &Tracker| updates.iter().all(|(env, record, _)| t.holds(env, record)),
        )
        .await?;
    eprintln!("tfpromote: updated the pull request comment {url}");
    Ok(Some(url))
}

/// The PR of a pull request event, or on `push` the PR that introduced the commit.
async fn pull_request(gh: &GitHub, context: &Context) -> Result<Option<u64>, GitHubError> {
    if let Some(pr) = context.pr {
        return Ok(Some(pr));
    }
    match (context.is_push(), context.sha.as_deref()) {
        (true, Some(sha)) => Ok(introducing_pr(&gh.pulls_for_commit(sha).await?)),
        _ => Ok(None),
    }
}

/// Each environment's row, marker facts and redacted section. Pure.
pub fn records(
    context: &Context,
    planned: &[Planned<'_>],
    redactor: &Redactor,
    budget: usize,
) -> Vec<(String, EnvRecord, String)> {
    planned
        .iter()
        .map(|(env, result)| {
            let (record, section) = match result {
                Ok(summary) => (
                    EnvRecord {
                        status: Status::Planned,
                        fingerprint: Some(summary.fingerprint.clone()),
                        commit: context.commit().map(str::to_string),
                        counts: Some(Counts::from(*summary)),
                        run_url: context.run_url(),
                    },
                    markdown::environment_block(env, summary, budget),
                ),
                Err(error) => (
                    EnvRecord {
                        status: Status::PlanFailed,
                        fingerprint: None,
                        commit: context.commit().map(str::to_string),
                        counts: None,
                        run_url: context.run_url(),
                    },
                    markdown::failure_block(env, error),
                ),
            };
            (
                env.to_string(),
                record,
                redactor.redact(&section).into_owned(),
            )
        })
        .collect()
}
