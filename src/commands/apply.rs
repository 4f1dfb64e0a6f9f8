//! `tfpromote apply --env NAME`: the gates in order (order, no regression, approval), the
//! per-environment step with the apply role, the gates that read the new plan (reviewed
//! plan, plan change), then the saved plan applied. The recorder records every step: the
//! commit status `tfpromote/<env>`, a GitHub Deployment, the tracker row, the job summary
//! and stderr; the outcome decides the exit code.

use std::sync::Arc;

use crate::aws::{self, RoleKind};
use crate::cli::ApplyArgs;
use crate::config::{Config, Environment};
use crate::context::Context;
use crate::gate::approval::{self, Policy};
use crate::gate::plan_change::{self, Current};
use crate::gate::{
    Fact, GateId, Refusal, Verdict, order, planned_merge, regression, short_sha, team_token,
};
use crate::github::GitHub;
use crate::github::publish::tracker_options;
use crate::github::pulls::merged_pr_of;
use crate::outcome::{Done, Failure, Outcome};
use crate::pipeline::{PlanOptions, SavedPlan, Step};
use crate::record::{Action, Event, Recorder, Subject};
use crate::render::markdown;
use crate::terraform::output::OutputSink;
use crate::terraform::{Terraform, signals};
use crate::{Error, Result};

/// An apply plans with the apply role and takes the state lock.
const STEP: Step = Step {
    role: RoleKind::Apply,
    options: PlanOptions {
        destroy: false,
        lock: true,
    },
    log: "plan",
    prefixed: false,
    annotate: false,
};

pub async fn run(config: Arc<Config>, context: &Context, args: &ApplyArgs) -> Result<()> {
    let env = super::environment(&config, &args.env)?;
    aws::require_id_token(&config, context, [&env], RoleKind::Apply)?;
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
    recorder: Recorder<'a>,
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
        let recorder = Recorder::new(config.clone(), context, Some((gh.clone(), sha.clone())), pr);
        Ok(Ladder {
            config,
            context,
            gh,
            team_gh,
            sha,
            pr,
            terraform,
            recorder,
            applied: Default::default(),
        })
    }

    /// One environment through its gates and, when they allow, applied; the outcome
    /// recorded on every channel and returned as the command's result.
    pub async fn apply(&self, env: &Environment) -> Result<()> {
        let name = env.name.as_str();
        let subject = Subject {
            action: Action::Apply,
            env: name,
            sha: &self.sha,
            production: env.approval.is_some(),
        };
        crate::say!(
            "tfpromote: {name}: checking the gates for {}",
            short_sha(&self.sha)
        );
        let outcome = self.attempt(env, &subject).await;
        self.recorder
            .record(&subject, Event::Ended(&outcome))
            .await?;
        if matches!(outcome, Outcome::Done(_))
            && let Ok(mut applied) = self.applied.lock()
        {
            applied.push(name.to_string());
        }
        outcome.into_result(name)
    }

    /// Gates, step, the gates that read the plan, apply: the first refusal or failure ends it.
    async fn attempt(&self, env: &Environment, subject: &Subject<'_>) -> Outcome {
        if let Err(refusal) = self.gates(env, subject).await {
            return Outcome::Refused(refusal);
        }
        let planned = STEP
            .run(&self.config, self.context, env, &self.terraform)
            .await;
        let (prepared, saved) = match planned.result {
            Ok(done) => done,
            Err(e) => return Outcome::Failed(Failure::from_error(&e)),
        };
        for (gate, verdict) in self.plan_gates(env, &saved, subject).await {
            match verdict {
                Verdict::Allow => {}
                Verdict::Warn(lines) => {
                    let event = Event::Warned {
                        gate,
                        lines: &lines,
                    };
                    self.note(subject, event).await;
                }
                Verdict::Refuse(refusal) => return Outcome::Refused(refusal),
            }
        }

        let name = env.name.as_str();
        let fingerprint = saved.summary.fingerprint.as_str();
        if let Err(e) = self
            .recorder
            .record(subject, Event::Started { fingerprint })
            .await
        {
            return Outcome::Failed(Failure::from_error(&e));
        }
        let sink = OutputSink::buffered();
        let applied = prepared.apply(&saved, &sink).await;
        super::log::print_or_file(
            self.context.log_dir.as_deref(),
            &format!("{name}-apply"),
            &sink.take(),
            &prepared.redactor,
            applied.is_err(),
            false,
        );
        if applied.is_ok() && saved.summary.has_changes() {
            // Open pull requests' plans for this environment are out of date now.
            let options = tracker_options(&self.config, self.context);
            for line in self.gh.mark_stale(&options, name, &self.sha).await {
                crate::say!("tfpromote: {name}: stale plans: {line}");
            }
        }
        match applied {
            Ok(()) => Outcome::Done(Done {
                fingerprint: fingerprint.to_string(),
                deleted: saved.summary.counts.delete,
                block: markdown::environment_block(
                    name,
                    &saved.summary,
                    crate::render::STEP_SUMMARY_BUDGET / 4,
                ),
            }),
            Err(e) => Outcome::Failed(Failure::from_error(&e)),
        }
    }

    /// Records an event that writes no required status (evidence, warnings): it cannot fail.
    async fn note(&self, subject: &Subject<'_>, event: Event<'_>) {
        if let Err(e) = self.recorder.record(subject, event).await {
            crate::say!("tfpromote: {}: {e}", subject.env);
        }
    }

    /// The gates that read the new plan, in the order they decide; the first refusal wins
    /// and every warning before it is shown. A gate that judges the plan joins this list.
    async fn plan_gates(
        &self,
        env: &Environment,
        saved: &SavedPlan,
        subject: &Subject<'_>,
    ) -> Vec<(GateId, Verdict)> {
        let name = env.name.as_str();
        let current = Current {
            fingerprint: saved.summary.fingerprint.clone(),
            changes: saved.summary.change_digests(),
        };
        let read = self.reviewed(name, env.plan_change_policy()).await;
        let evidence = [format!("reviewed-plan: {}", read.evidence)];
        self.note(subject, Event::Evidence(&evidence)).await;
        let changed = plan_change::check(name, env.plan_change_policy(), read.reviewed, &current);
        let policy = (
            GateId::Policy,
            crate::gate::policy::check(
                name,
                saved.summary.review.policy.as_ref(),
                &saved.summary.review.labels,
            ),
        );
        // Behind by several merges (catch-up; their approvals were checked with the gates),
        // a plan that is not the merged pull request's own is decided by the reviewed plans
        // of all of them.
        match self.catch_up(env, &current).await {
            Some(c) => {
                let evidence = [format!("catch-up: {}", c.evidence)];
                self.note(subject, Event::Evidence(&evidence)).await;
                match (read.verdict, changed) {
                    (Verdict::Allow, Verdict::Allow) => vec![policy],
                    _ => vec![(GateId::CatchUp, c.verdict), policy],
                }
            }
            None => vec![
                (GateId::ReviewedPlan, read.verdict),
                (GateId::PlanChange, changed),
                policy,
            ],
        }
    }

    /// Order, no regression and approval, in that order; the first refusal wins. A commit
    /// that is no planned merge is refused first: it has no reviewed plan to apply.
    async fn gates(&self, env: &Environment, subject: &Subject<'_>) -> Result<(), Refusal> {
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
        self.note(subject, Event::Evidence(&read)).await;
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
        self.catch_up_approvals(env).await
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
}
