//! `tfpromote apply --env NAME`: the gates in order (order, no regression, approval), a
//! re-plan with the apply role, the plan-change gate against what reviewers saw, then the
//! saved plan applied. Every step is recorded: the commit status `tfpromote/<env>`, a
//! GitHub Deployment, the tracker row and the job summary.

use std::sync::Arc;

use crate::actions;
use crate::aws::RoleKind;
use crate::cli::ApplyArgs;
use crate::config::{Config, Environment};
use crate::context::Context;
use crate::gate::approval::{self, Policy};
use crate::gate::plan_change::{self, Current};
use crate::gate::{
    Fact, Refusal, Verdict, order, planned_merge, regression, short_sha, team_token,
};
use crate::github::GitHub;
use crate::github::deployments::{APPLY_TASK, DeployState};
use crate::github::publish::{RowUpdate, post_status_or_warn, tracker_options};
use crate::github::pulls::merged_pr_of;
use crate::github::statuses::State;
use crate::pipeline::{self, PlanOptions};
use crate::render::markdown;
use crate::summary::fingerprint::short as fingerprint_short;
use crate::terraform::output::OutputSink;
use crate::terraform::{Terraform, signals};
use crate::tracker::Status;
use crate::{Error, Result};

pub async fn run(config: Arc<Config>, context: &Context, args: &ApplyArgs) -> Result<()> {
    let env = super::environment(&config, &args.env)?;
    let ladder = Ladder::new(config.clone(), context).await?;
    ladder.apply(&env).await
}

/// What every apply of one commit shares: the config, the run, GitHub, the commit and the
/// pull request that brought it.
pub struct Ladder<'a> {
    pub config: Arc<Config>,
    pub context: &'a Context,
    pub gh: GitHub,
    /// Only for team membership (`TFPROMOTE_TEAM_TOKEN`); everything else uses `gh`.
    pub team_gh: Option<GitHub>,
    pub sha: String,
    /// The merged pull request behind the commit, for its tracker (none: nothing to show).
    pub pr: Option<u64>,
    pub terraform: Terraform,
    /// Environments this process applied at `sha` (`promote` runs several in one job).
    applied: std::sync::Mutex<Vec<String>>,
}

impl<'a> Ladder<'a> {
    fn applied_here(&self, env: &str) -> bool {
        self.applied
            .lock()
            .map(|a| a.iter().any(|e| e == env))
            .unwrap_or(false)
    }

    pub async fn new(config: Arc<Config>, context: &'a Context) -> Result<Ladder<'a>> {
        if context.is_pull_request() {
            return Err(Error::Usage(
                "apply runs after the merge (push to main or workflow_dispatch), never on a pull request: pull requests only plan".into(),
            ));
        }
        let (gh, sha) = super::github_and_sha(context, "apply")?;
        let team_gh = GitHub::for_team_lookups(context)?;
        signals::install();
        let terraform = super::terraform_for(&config, context).await?;
        // The tracker lives on the pull request; without one the apply still runs (the
        // approval and plan-change gates will say what is missing).
        let pr = match gh.pulls_for_commit(&sha).await {
            Ok(list) => merged_pr_of(&list, &sha),
            Err(e) => {
                tracing::warn!("cannot look up the pull request of {sha}: {e}");
                None
            }
        };
        Ok(Ladder {
            config,
            context,
            gh,
            team_gh,
            sha,
            pr,
            terraform,
            applied: Default::default(),
        })
    }

    /// One environment through its gates and, when they allow, applied.
    pub async fn apply(&self, env: &Environment) -> Result<()> {
        let name = env.name.as_str();
        crate::say!(
            "tfpromote: {name}: checking the gates for {}",
            short_sha(&self.sha)
        );
        if let Err(refusal) = self.gates(env).await {
            return Err(self.refused(env, refusal).await);
        }

        let mut prepared = pipeline::prepare(
            &self.config,
            self.context,
            env,
            RoleKind::Apply,
            &self.terraform,
        )
        .await?;
        let sink = OutputSink::buffered();
        let planned = prepared
            .plan(
                PlanOptions {
                    destroy: false,
                    lock: true,
                },
                &sink,
            )
            .await;
        let lines = sink.take();
        let log_dir = self.context.log_dir.as_deref();
        super::log::print_or_file(
            log_dir,
            &format!("{name}-plan"),
            &lines,
            &prepared.redactor,
            planned.is_err(),
        );
        let saved = match planned {
            Ok(saved) => saved,
            Err(e) => return Err(self.failed(env, &e).await),
        };

        let current = Current {
            fingerprint: saved.summary.fingerprint.clone(),
            changes: saved.summary.change_digests(),
        };
        let read = self.reviewed(name, env.plan_change_policy()).await;
        gate_evidence(name, &[format!("reviewed-plan: {}", read.evidence)]);
        match read.verdict {
            Verdict::Allow => {}
            Verdict::Warn(lines) => {
                eprintln!(
                    "tfpromote: {name}: the reviewed plan cannot be trusted (on_plan_change: warn), going on:\n  - {}",
                    lines.join("\n  - ")
                );
                actions::annotate(
                    actions::Level::Warning,
                    &format!("tfpromote: {name} reviewed plan not signed as expected"),
                    &lines.join("; "),
                );
                summary(&format!(
                    "> [!WARNING]\n> **{name}**: the plan in the tracker is not the one the plan workflow signed; applied anyway (`on_plan_change: warn`):\n{}\n",
                    bullets(&lines)
                ));
            }
            Verdict::Refuse(refusal) => return Err(self.refused(env, refusal).await),
        }
        match plan_change::check(name, env.plan_change_policy(), read.reviewed, &current) {
            Verdict::Allow => {}
            Verdict::Warn(lines) => {
                let text = format!(
                    "{name}: the plan changed since review (on_plan_change: warn), applying anyway:\n  - {}",
                    lines.join("\n  - ")
                );
                crate::say!("tfpromote: {text}");
                actions::annotate(
                    actions::Level::Warning,
                    &format!("tfpromote: {name} plan changed since review"),
                    &lines.join("; "),
                );
                summary(&format!(
                    "> [!WARNING]\n> **{name}**: the plan changed since review; applied anyway (`on_plan_change: warn`):\n{}\n",
                    bullets(&lines)
                ));
            }
            Verdict::Refuse(refusal) => return Err(self.refused(env, refusal).await),
        }
        match crate::gate::policy::check(name, saved.summary.review.policy.as_ref()) {
            Verdict::Allow => {}
            Verdict::Warn(lines) => crate::review::warn_policy(name, &lines),
            Verdict::Refuse(refusal) => return Err(self.refused(env, refusal).await),
        }

        let block = crate::redact::point::mask(&markdown::environment_block(
            name,
            &saved.summary,
            crate::render::STEP_SUMMARY_BUDGET / 4,
        ));
        self.record(
            name,
            State::Pending,
            &format!("applying {}", fingerprint_short(&saved.summary.fingerprint)),
        )
        .await?;
        self.tracker(name, Status::Applying, None).await;
        let deployment = self
            .deployment_start(name, &saved.summary.fingerprint, env)
            .await;

        let sink = OutputSink::buffered();
        let applied = prepared.apply(&saved, &sink).await;
        let lines = sink.take();
        super::log::print_or_file(
            log_dir,
            &format!("{name}-apply"),
            &lines,
            &prepared.redactor,
            applied.is_err(),
        );
        match applied {
            Ok(()) => {
                let fp = fingerprint_short(&saved.summary.fingerprint);
                self.record(name, State::Success, &format!("applied {fp}"))
                    .await?;
                self.deployment_end(deployment, DeployState::Success, &format!("applied {fp}"))
                    .await;
                self.tracker(name, Status::Applied, None).await;
                if let Ok(mut applied) = self.applied.lock() {
                    applied.push(name.to_string());
                }
                summary(&format!(
                    "### ✅ {name}: applied at `{}`\n\n{block}",
                    short_sha(&self.sha)
                ));
                crate::say!(
                    "tfpromote: {name}: applied {} at {}",
                    saved.summary.fingerprint,
                    short_sha(&self.sha)
                );
                Ok(())
            }
            Err(e) => {
                self.deployment_end(deployment, DeployState::Failure, "apply failed")
                    .await;
                Err(self.failed(env, &e).await)
            }
        }
    }

    /// Order, no regression and approval, in that order; the first refusal wins. A commit
    /// that is no planned merge is refused first: it has no reviewed plan to apply.
    async fn gates(&self, env: &Environment) -> Result<(), Refusal> {
        let name = env.name.as_str();
        planned_merge::check(name, &self.sha, self.pr, self.context.event_name.as_deref())?;
        let previous = match self
            .config
            .environments
            .iter()
            .position(|e| e.name == env.name)
        {
            Some(i) if i > 0 => Some(self.config.environments[i - 1].name.as_str()),
            _ => None,
        };
        let settings = &self.config.github;
        let mut read = Vec::new();
        let previous_fact = match previous {
            // Applied by this very process a moment ago (`promote`): our own fact.
            Some(prev) if self.applied_here(prev) => {
                read.push(format!("order: `{prev}` applied by this process"));
                Some((prev, Fact::Known(order::PreviousRecord::Success)))
            }
            Some(prev) => {
                let r = self.gh.previous_apply(settings, &self.sha, prev).await;
                read.push(format!("order: {}", r.evidence));
                Some((prev, r.fact))
            }
            None => None,
        };
        let outcome = order::check(name, &self.sha, previous_fact);
        let last = self.gh.last_applied_run(settings, name).await;
        read.push(format!("no-regression: {}", last.evidence));
        gate_evidence(name, &read);
        outcome?;
        let last = last.fact;
        let comparison = match &last {
            Fact::Known(Some(base)) if *base != self.sha => {
                Some(self.gh.compare_fact(base, &self.sha).await)
            }
            _ => None,
        };
        regression::check(name, &self.sha, last, |_| {
            comparison.unwrap_or_else(|| Fact::Unknown("no comparison was made".into()))
        })?;

        if let Some(rule) = &env.approval {
            let policy = Policy {
                required: rule.required.0,
                from: rule.from.clone(),
                allow_stale: rule.allow_stale,
            };
            let teams = approval::teams(&policy.from, &self.gh.repo.owner);
            team_token::check(name, &teams, self.team_gh.is_some())?;
            let pull = self.gh.merged_pull(&self.sha).await;
            let (reviews, members) = match &pull {
                Fact::Known(Some(p)) => {
                    let reviews = self.gh.review_facts(p.number).await;
                    let logins: Vec<String> = match &reviews {
                        Fact::Known(r) => approval::latest_approvals(r, &p.author)
                            .into_iter()
                            .map(|(l, _)| l)
                            .collect(),
                        Fact::Unknown(_) => Vec::new(),
                    };
                    let members = match &self.team_gh {
                        Some(team_gh) => team_gh.memberships(&teams, &logins).await,
                        None => Default::default(),
                    };
                    (reviews, members)
                }
                _ => (Fact::Known(Vec::new()), Default::default()),
            };
            approval::check(
                name,
                &self.sha,
                &policy,
                pull,
                reviews,
                &self.gh.repo.owner,
                |org, slug, login| {
                    members
                        .get(&(
                            org.to_string(),
                            slug.to_string(),
                            login.to_ascii_lowercase(),
                        ))
                        .cloned()
                        .unwrap_or_else(|| {
                            Fact::Unknown(format!(
                                "membership of {login} in {org}/{slug} was not looked up"
                            ))
                        })
                },
            )?;
        }
        Ok(())
    }

    /// What the tracker recorded for `env` when the pull request was planned, and whether
    /// the plan workflow on the default branch signed exactly that.
    async fn reviewed(
        &self,
        env: &str,
        policy: crate::config::PlanChangePolicy,
    ) -> crate::github::reviewed::ReviewedRead {
        let Some(pr) = self.pr else {
            return crate::github::reviewed::ReviewedRead {
                reviewed: Fact::Known(None),
                verdict: Verdict::Allow,
                evidence: "no pull request".into(),
            };
        };
        let settings = &self.config.github;
        let issuer = settings.issuer(self.context.var("TFPROMOTE_OIDC_ISSUER"));
        let options = tracker_options(&self.config, self.context);
        self.gh
            .reviewed_plan(settings, &issuer, &options, pr, env, policy)
            .await
    }

    /// Prints and records a refusal everywhere; returns the error that exits with 3.
    async fn refused(&self, env: &Environment, refusal: Refusal) -> Error {
        let name = env.name.as_str();
        crate::say!("tfpromote: {refusal}");
        summary(&format!(
            "### ⛔ {name}: refused by the {} gate\n\n{}\n**Next:** {}\n",
            refusal.rule,
            bullets(&refusal.facts),
            refusal.next
        ));
        if let Err(e) = self
            .gh
            .set_status(
                &self.sha,
                name,
                State::Error,
                &refusal.short(),
                self.context.run_url().as_deref(),
            )
            .await
        {
            crate::say!("tfpromote: {name}: could not record the refusal as a status: {e}");
        }
        let status = if refusal.rule == "approval" {
            Status::WaitingForApproval
        } else {
            Status::Blocked
        };
        self.tracker(name, status, Some(&refusal.short())).await;
        Error::from(refusal)
    }

    /// Records a failed plan or apply; returns the error to exit with.
    async fn failed(&self, env: &Environment, error: &Error) -> Error {
        let name = env.name.as_str();
        let interrupted = matches!(error, Error::Interrupted)
            || matches!(error, Error::Terraform(e) if e.interrupted);
        let text = crate::redact::point::mask(&error.to_string());
        let excerpt = excerpt(&text);
        let description = if interrupted {
            "interrupted; the state lock was released".to_string()
        } else {
            format!("failed: {excerpt}")
        };
        if let Err(e) = self
            .gh
            .set_status(
                &self.sha,
                name,
                State::Failure,
                &description,
                self.context.run_url().as_deref(),
            )
            .await
        {
            crate::say!("tfpromote: {name}: could not record the failure as a status: {e}");
        }
        self.tracker(name, Status::Failed, Some(&description)).await;
        summary(&format!(
            "### ❌ {name}: {}\n\n```text\n{}\n```\n",
            if interrupted {
                "interrupted"
            } else {
                "apply failed"
            },
            text.chars()
                .rev()
                .take(4000)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        ));
        if interrupted {
            Error::Interrupted
        } else {
            Error::Multiple(vec![format!("{name}: {text}")])
        }
    }

    async fn record(&self, env: &str, state: State, description: &str) -> Result<()> {
        self.gh
            .set_status(
                &self.sha,
                env,
                state,
                description,
                self.context.run_url().as_deref(),
            )
            .await
            .map_err(Error::from)
    }

    async fn tracker(&self, env: &str, status: Status, note: Option<&str>) {
        let note = note.map(crate::redact::point::mask);
        let row = RowUpdate {
            env,
            status,
            note: note.as_deref(),
        };
        post_status_or_warn(&self.gh, &self.config, self.context, self.pr, row).await;
    }

    async fn deployment_start(
        &self,
        env: &str,
        fingerprint: &str,
        config_env: &Environment,
    ) -> Option<u64> {
        let production = config_env.approval.is_some();
        match self
            .gh
            .create_deployment(&self.sha, env, APPLY_TASK, Some(fingerprint), production)
            .await
        {
            Ok(d) => {
                if let Err(e) = self
                    .gh
                    .set_deployment_status(
                        d.id,
                        DeployState::InProgress,
                        "applying",
                        self.context.run_url().as_deref(),
                    )
                    .await
                {
                    tracing::warn!("deployment status: {e}");
                }
                Some(d.id)
            }
            Err(e) => {
                crate::say!("tfpromote: {env}: could not record a deployment: {e}");
                None
            }
        }
    }

    async fn deployment_end(&self, id: Option<u64>, state: DeployState, description: &str) {
        if let Some(id) = id
            && let Err(e) = self
                .gh
                .set_deployment_status(id, state, description, self.context.run_url().as_deref())
                .await
        {
            crate::say!("tfpromote: could not record the deployment's outcome: {e}");
        }
    }
}

/// What the order and no-regression gates read, on stderr and in the job summary, so the
/// ladder shows the evidence behind each verdict.
fn gate_evidence(env: &str, lines: &[String]) {
    for line in lines {
        crate::say!("tfpromote: {env}: read {line}");
    }
    summary(&format!(
        "<details><summary>{env}: what the gates read</summary>\n\n{}\n</details>\n",
        lines
            .iter()
            .map(|l| format!("- {}\n", l.replace('\n', " ")))
            .collect::<String>()
    ));
}

fn summary(markdown: &str) {
    if let Err(e) = actions::append_step_summary(markdown) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
    }
}

fn bullets(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("> - {}\n", l.replace('\n', " ")))
        .collect()
}

/// The last meaningful lines of an error, on one line, short enough for a status.
fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = lines[lines.len().saturating_sub(2)..].join(" ");
    let flat: String = tail.chars().take(120).collect();
    if tail.chars().count() > 120 {
        format!("{flat}…")
    } else {
        flat
    }
}
