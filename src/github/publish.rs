//! Writing to the pull request's tracker: plans (best effort: a read-only token on a fork's
//! pull request, a missing token or an outage warns and leaves the plan's result alone,
//! because the job summary holds the whole report) and promotion statuses.

use std::time::Duration;

use super::client::GitHub;
use super::error::GitHubError;
use super::pulls::introducing_pr;
use super::retry::Policy;
use super::tracker::TrackerOptions;
use crate::actions;
use crate::config::Config;
use crate::context::Context;
use crate::pipeline::EnvReport;
use crate::render::markdown;
use crate::tracker::{self, EnvRecord, Status, Tracker};

impl GitHub {
    /// The client for this run's repository, or `None` outside a repository context or
    /// without a token.
    pub fn from_context(context: &Context) -> Result<Option<GitHub>, GitHubError> {
        let (Some(repo), Some(token)) = (context.repo.clone(), context.token.as_deref()) else {
            return Ok(None);
        };
        let policy = context.github_backoff.map(Policy::fast).unwrap_or_default();
        GitHub::new(&context.api_url, token, repo, policy).map(Some)
    }

    /// The client for team membership lookups only, with `TFPROMOTE_TEAM_TOKEN`; `None`
    /// when no such token is configured (the approval gate then says what to add).
    pub fn for_team_lookups(context: &Context) -> Result<Option<GitHub>, GitHubError> {
        let (Some(repo), Some(token)) = (context.repo.clone(), context.team_token.as_deref())
        else {
            return Ok(None);
        };
        // actions/create-github-app-token masks it too; a token set by hand may not be.
        crate::actions::add_mask(token);
        let policy = context.github_backoff.map(Policy::fast).unwrap_or_default();
        GitHub::new(&context.api_url, token, repo, policy).map(Some)
    }
}

/// How the tracker is found and retried for this run.
pub fn tracker_options(config: &Config, context: &Context) -> TrackerOptions {
    TrackerOptions {
        trusted_author: context.comment_author.clone(),
        order: config.names().iter().map(|s| s.to_string()).collect(),
        pause: context.github_backoff.unwrap_or(Duration::from_millis(500)),
        ..TrackerOptions::default()
    }
}

fn warn_not_updated(e: &GitHubError) {
    let text = crate::redact::point::mask(&e.to_string());
    actions::annotate(
        actions::Level::Warning,
        "tfpromote: PR comment not updated",
        &format!(
            "{text}. The run's result is unaffected and its full report is in the job summary."
        ),
    );
    let note = format!(
        "> [!WARNING]\n> The pull request comment could not be updated: {}\n",
        text.replace('\n', " ")
    );
    if let Err(io) = actions::append_step_summary(&note) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {io}");
    }
}

/// Each report's row, marker facts and section (masked before the tracker cuts it to size),
/// in the tracker's shape.
pub fn plan_records(
    context: &Context,
    reports: &[EnvReport],
    budget: usize,
) -> Vec<(String, EnvRecord, String)> {
    reports
        .iter()
        .map(|report| {
            let commit = context.commit().map(str::to_string);
            let (record, section) = match &report.result {
                Ok(summary) => (
                    EnvRecord::planned(summary, commit, context.run_url()),
                    markdown::environment_block(&report.name, summary, budget),
                ),
                Err(error) => (
                    EnvRecord {
                        status: Status::PlanFailed,
                        fingerprint: None,
                        commit,
                        counts: None,
                        run_url: context.run_url(),
                        changes: None,
                        note: None,
                        signed: None,
                    },
                    markdown::failure_block(&report.name, error),
                ),
            };
            (
                report.name.clone(),
                record,
                crate::redact::point::mask(&section),
            )
        })
        .collect()
}

/// The tracker body these plans make on their own: what `--comment-file` holds when no
/// pull request is updated (with one, it holds the body actually posted).
pub fn standalone_body(config: &Config, records: &[(String, EnvRecord, String)]) -> String {
    let mut fresh = Tracker::default();
    for (env, record, section) in records {
        fresh.record_plan(env, record.clone(), section);
    }
    tracker::render(
        &fresh,
        &config
            .names()
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>(),
    )
}

/// Posts the plans; `Ok(None)` when the run is about no pull request. Returns the URL and
/// the body as posted.
pub async fn post_plans(
    config: &Config,
    context: &Context,
    records: &[(String, EnvRecord, String)],
) -> Result<Option<(String, String)>, GitHubError> {
    let Some(gh) = GitHub::from_context(context)? else {
        if context.pr.is_some() {
            return Err(GitHubError::Context(
                "no GitHub token: pass `github-token` to the action or set GITHUB_TOKEN, and GITHUB_REPOSITORY"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let Some(pr) = pull_request(&gh, context).await? else {
        return Ok(None);
    };
    let options = tracker_options(config, context);
    let edited = report_edits(&gh, &options, pr).await;
    let records: Vec<(String, EnvRecord, String)> = records
        .iter()
        .map(|(env, record, section)| {
            let mut record = record.clone();
            let notes: Vec<&str> = edited
                .iter()
                .filter(|(e, _)| e == env)
                .map(|(_, what)| what.as_str())
                .collect();
            if !notes.is_empty() {
                record.note = Some(format!(
                    "the previous plan's comment had been edited by someone else ({}); replaced by this plan",
                    notes.join("; ")
                ));
            }
            (env.clone(), record, section.clone())
        })
        .collect();
    let records = records.as_slice();
    let posted = gh
        .upsert_tracker(
            pr,
            &options,
            |t: &mut Tracker| {
                for (env, record, section) in records {
                    t.record_plan(env, record.clone(), section);
                }
            },
            |t: &Tracker| records.iter().all(|(env, record, _)| t.holds(env, record)),
        )
        .await?;
    crate::say!("tfpromote: updated the pull request comment {}", posted.0);
    Ok(Some(posted))
}

/// Says, in the log, an annotation and the job summary, which environments of the tracker
/// were edited by someone other than tfpromote since it last wrote them; returns them.
async fn report_edits(gh: &GitHub, options: &TrackerOptions, pr: u64) -> Vec<(String, String)> {
    let repository = format!("{}/{}", gh.repo.owner, gh.repo.name);
    let Ok(Some(current)) = gh.read_tracker(pr, options).await else {
        return Vec::new();
    };
    let found = super::signed_plan::edits(&current, &repository, pr);
    if found.is_empty() {
        return found;
    }
    let lines: Vec<String> = found
        .iter()
        .map(|(env, what)| format!("{env}: {what}"))
        .collect();
    eprintln!(
        "tfpromote: the tracker comment of #{pr} was edited since tfpromote wrote it:\n  - {}",
        lines.join("\n  - ")
    );
    actions::annotate(
        actions::Level::Warning,
        "tfpromote: tracker comment edited",
        &lines.join("; "),
    );
    let note = format!(
        "> [!WARNING]\n> The tracker comment of #{pr} was edited by someone other than tfpromote since its last plan; this plan replaces the edited records:\n{}\n",
        lines
            .iter()
            .map(|l| format!("> - {l}\n"))
            .collect::<String>()
    );
    if let Err(io) = actions::append_step_summary(&note) {
        eprintln!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {io}");
    }
    found
}

/// An environment's promotion status (and note) as the tracker should show it.
#[derive(Debug, Clone, Copy)]
pub struct RowUpdate<'a> {
    pub env: &'a str,
    pub status: Status,
    pub note: Option<&'a str>,
}

/// Shows `row` in the tracker of pull request `pr`.
pub async fn post_status(
    gh: &GitHub,
    config: &Config,
    context: &Context,
    pr: u64,
    row: RowUpdate<'_>,
) -> Result<String, GitHubError> {
    let run_url = context.run_url();
    let (url, _) = gh
        .upsert_tracker(
            pr,
            &tracker_options(config, context),
            |t: &mut Tracker| t.set_status(row.env, row.status, run_url.as_deref(), row.note),
            |t: &Tracker| t.shows(row.env, row.status, row.note),
        )
        .await?;
    Ok(url)
}

/// Best effort: a tracker that cannot be updated warns, it never fails an apply that
/// already happened.
pub async fn post_status_or_warn(
    gh: &GitHub,
    config: &Config,
    context: &Context,
    pr: Option<u64>,
    row: RowUpdate<'_>,
) {
    let Some(pr) = pr else { return };
    if let Err(e) = post_status(gh, config, context, pr, row).await {
        warn_not_updated(&e);
    }
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

/// Plans: posts them when the run is about a pull request; warns (never fails) when it
/// cannot. Returns the URL and body as posted.
pub async fn publish_plans(
    config: &Config,
    context: &Context,
    records: &[(String, EnvRecord, String)],
) -> Option<(String, String)> {
    match post_plans(config, context, records).await {
        Ok(posted) => posted,
        Err(e) => {
            warn_not_updated(&e);
            None
        }
    }
}
