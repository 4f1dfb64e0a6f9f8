//! Catch-up at apply time: when the newest commit's plan is not the one its own pull request
//! reviewed, and the environment is behind by several merged pull requests, the facts for
//! [`crate::gate::catch_up`] are read here: the commit last applied (the promotion
//! workflow's runs, which no token can write), the pull requests merged since (the Compare
//! API), each one's signed plan record for this environment, and each one's approvals (the
//! same rule and evidence as the approval gate).

use crate::config::Environment;
use crate::gate::approval::{self, Policy, PullFacts};
use crate::gate::catch_up::{self, MergedReview};
use crate::gate::plan_change::Current;
use crate::gate::{Fact, GateId, Refusal, Verdict};
use crate::github::publish::tracker_options;

use super::apply::Ladder;

/// What catch-up decided, and the line saying what it read (for the ladder's evidence).
pub struct CatchUp {
    pub verdict: Verdict,
    pub evidence: String,
}

impl Ladder<'_> {
    /// Before any Terraform runs: behind by several merges, every one of them must carry the
    /// approvals the environment needs (their code reaches it with this apply).
    pub async fn catch_up_approvals(&self, env: &Environment) -> Result<(), Refusal> {
        let Some(rule) = &env.approval else {
            return Ok(());
        };
        let name = env.name.as_str();
        let Some(window) = self
            .gh
            .merged_window(&self.config.github, name, &self.sha)
            .await
        else {
            return Ok(());
        };
        let numbers = window.map_err(|e| {
            Refusal::undecidable(
                GateId::Approval,
                name,
                &format!("the pull requests merged since `{name}` was last applied"),
                &e.to_string(),
            )
        })?;
        if !catch_up::applies(numbers.numbers.len()) {
            return Ok(());
        }
        for number in numbers.numbers {
            self.approvals_of(name, rule, number).await?;
        }
        Ok(())
    }

    /// `None` when the environment is not behind by more than one merged pull request (the
    /// single pull request's own verdicts stand).
    pub async fn catch_up(&self, env: &Environment, current: &Current) -> Option<CatchUp> {
        let name = env.name.as_str();
        let settings = &self.config.github;
        let window = match self.gh.merged_window(settings, name, &self.sha).await? {
            Ok(w) => w,
            Err(e) => {
                return Some(CatchUp {
                    verdict: catch_up::check(
                        name,
                        env.plan_change_policy(),
                        Fact::Unknown(e.to_string()),
                        current,
                    ),
                    evidence: format!(
                        "the pull requests merged since `{name}` was last applied: unreadable"
                    ),
                });
            }
        };
        let (numbers, since) = (window.numbers, window.since);
        if !catch_up::applies(numbers.len()) {
            return None;
        }
        let mut merged = Vec::new();
        for &number in &numbers {
            merged.push(MergedReview {
                number,
                changes: self
                    .gh
                    .signed_changes(
                        &self.config.github,
                        &settings.issuer(self.context.var("TFPROMOTE_OIDC_ISSUER")),
                        &tracker_options(&self.config, self.context),
                        number,
                        name,
                    )
                    .await,
            });
        }
        let listed = numbers
            .iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        Some(CatchUp {
            verdict: catch_up::check(name, env.plan_change_policy(), Fact::Known(merged), current),
            evidence: format!(
                "{since}; merged since: {listed} (each one's signed plan and approvals read)"
            ),
        })
    }

    /// The approval rule for pull request `number`, with the approval gate's evidence.
    async fn approvals_of(
        &self,
        env: &str,
        rule: &crate::config::Approval,
        number: u64,
    ) -> Result<(), Refusal> {
        let policy = Policy {
            required: rule.required.0,
            from: rule.from.clone(),
            allow_stale: rule.allow_stale,
        };
        let teams = approval::teams(&policy.from, &self.gh.repo.owner);
        let pull = Fact::from_result(self.gh.pull_request(number).await.map(|p| {
            Some(PullFacts {
                number,
                merged: p.merged.unwrap_or(p.merged_at.is_some()),
                author: p.user.map(|u| u.login).unwrap_or_default(),
                head_sha: p.head.map(|h| h.sha).unwrap_or_default(),
            })
        }));
        let reviews = self.gh.review_facts(number).await;
        let logins: Vec<String> = match (&pull, &reviews) {
            (Fact::Known(Some(p)), Fact::Known(r)) => approval::latest_approvals(r, &p.author)
                .into_iter()
                .map(|(l, _)| l)
                .collect(),
            _ => Vec::new(),
        };
        let members = match &self.team_gh {
            Some(team_gh) => team_gh.memberships(&teams, &logins).await,
            None => Default::default(),
        };
        approval::check(
            env,
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
        )
    }
}
