//! Delivers what `decide` chose to each channel. Best effort everywhere but on a required
//! status (the promotion ladder reads it): a channel that fails warns on
//! stderr and the others still get their record.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::decide::{self, Action, Channels, DeployState, DeploymentRecord, Event, Subject};
use crate::actions;
use crate::config::Config;
use crate::context::Context;
use crate::github::GitHub;
use crate::github::publish::{RowUpdate, post_status_or_warn};
use crate::{Error, Result};

/// Where this run's outcomes are recorded.
pub struct Recorder<'a> {
    /// GitHub and the commit the statuses and deployments are about; `None` records only
    /// on stderr and in the job summary (a local destroy).
    github: Option<(GitHub, String)>,
    /// The pull request whose tracker shows the rows (none: no row to update).
    pr: Option<u64>,
    config: Arc<Config>,
    context: &'a Context,
    /// Deployments this run started, by action and environment, to end them.
    deployments: Mutex<BTreeMap<(Action, String), u64>>,
}

impl<'a> Recorder<'a> {
    pub fn new(
        config: Arc<Config>,
        context: &'a Context,
        github: Option<(GitHub, String)>,
        pr: Option<u64>,
    ) -> Recorder<'a> {
        Recorder {
            github,
            pr,
            config,
            context,
            deployments: Mutex::new(BTreeMap::new()),
        }
    }

    /// The commit the records are about (empty without GitHub).
    pub fn sha(&self) -> &str {
        self.github
            .as_ref()
            .map(|(_, sha)| sha.as_str())
            .unwrap_or("")
    }

    /// Sends `event` to every channel. Fails only when a required status could not be
    /// written, after every other channel had its record.
    pub async fn record(&self, subject: &Subject<'_>, event: Event<'_>) -> Result<()> {
        let channels = decide::decide(subject, &event);
        self.send(subject, channels).await
    }

    async fn send(&self, subject: &Subject<'_>, channels: Channels) -> Result<()> {
        let env = subject.env;
        for line in &channels.stderr {
            crate::say!("tfpromote: {line}");
        }
        if let Some(note) = &channels.annotation {
            actions::annotate(actions::Level::Warning, &note.title, &note.text);
        }
        if let Some(markdown) = &channels.summary
            && let Err(e) = actions::append_step_summary(markdown)
        {
            crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
        }
        let Some((gh, sha)) = &self.github else {
            return Ok(());
        };
        let run_url = self.context.run_url();
        let mut required_failed = None;
        if let Some(status) = &channels.status
            && let Err(e) = gh
                .set_status(
                    sha,
                    &status.context,
                    status.state,
                    &status.description,
                    run_url.as_deref(),
                )
                .await
        {
            if status.required {
                required_failed = Some(Error::from(e));
            } else {
                crate::say!(
                    "tfpromote: {env}: could not record the status tfpromote/{}: {e}",
                    status.context
                );
            }
        }
        match &channels.deployment {
            Some(DeploymentRecord::Start {
                task,
                fingerprint,
                production,
                description,
            }) => {
                match gh
                    .create_deployment(sha, env, task, Some(fingerprint), *production)
                    .await
                {
                    Ok(d) => {
                        if let Ok(mut started) = self.deployments.lock() {
                            started.insert((subject.action, env.to_string()), d.id);
                        }
                        if let Err(e) = gh
                            .set_deployment_status(
                                d.id,
                                DeployState::InProgress,
                                description,
                                run_url.as_deref(),
                            )
                            .await
                        {
                            tracing::warn!("deployment status: {e}");
                        }
                    }
                    Err(e) => crate::say!("tfpromote: {env}: could not record a deployment: {e}"),
                }
            }
            Some(DeploymentRecord::End { state, description }) => {
                let started = self
                    .deployments
                    .lock()
                    .ok()
                    .and_then(|mut s| s.remove(&(subject.action, env.to_string())));
                if let Some(id) = started
                    && let Err(e) = gh
                        .set_deployment_status(id, *state, description, run_url.as_deref())
                        .await
                {
                    crate::say!("tfpromote: {env}: could not record the deployment's outcome: {e}");
                }
            }
            None => {}
        }
        if let Some(row) = &channels.tracker {
            let note = row.note.as_deref().map(crate::redact::point::mask);
            let update = RowUpdate {
                env,
                status: row.status,
                note: note.as_deref(),
            };
            post_status_or_warn(gh, &self.config, self.context, self.pr, update).await;
        }
        match required_failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
