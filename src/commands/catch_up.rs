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
use crate::gate::{Fact, Refusal, Verdict, short_sha};
use crate::github::publish::tracker_options;

use super::apply::Ladder;

/// What catch-up decided, and the line saying what it read (for the ladder's evidence).
pub struct CatchUp {
    pub verdict: Verdict,
    pub evidence: String,
}

impl Ladder<'_> {
    /// `None` when the environment is not behind by more than one merged pull request (the
    /// single pull request's own verdicts stand); a refusal when one of them lacks the
    /// approvals the environment needs.
    pub async fn catch_up(
        &self,
        env: &Environment,
        current: &Current,
    ) -> Option<Result<CatchUp, Refusal>> {
        let name = env.name.as_str();
        let settings = &self.config.github;
        let (last, with_base, since) = match self.gh.last_applied_run(settings, name).await.fact {
            Fact::Known(Some(last)) if last != self.sha => {
                let since = format!("`{name}` last applied at {}", short_sha(&last));
                (last, false, since)
            }
            // Never applied: every merge the promotion workflow ran for is pending here.
            Fact::Known(None) => match self.gh.first_promoted_commit(settings).await {
                Ok(Some(first)) if first != self.sha => {
                    let since = format!(
                        "`{name}` never applied; promotions since {}",
                        short_sha(&first)
                    );
                    (first, true, since)
                }
                _ => return None,
            },
            // Already at this commit, or unknown (the no-regression gate refused that).
            _ => return None,
        };
        let numbers = match self
            .gh
            .merged_pulls_since(&last, &self.sha, with_base)
            .await
        {
            Ok(n) => n,
            Err(e) => {
                return Some(Ok(CatchUp {
                    verdict: catch_up::check(
                        name,
                        env.plan_change_policy(),
                        Fact::Unknown(e.to_string()),
                        current,
                    ),
                    evidence: format!(
                        "the pull requests merged since {}: unreadable",
                        short_sha(&last)
                    ),
                }));
            }
        };
        let probe: Vec<MergedReview> = numbers
            .iter()
            .map(|&number| MergedReview {
                number,
                changes: Ok(Default::default()),
            })
            .collect();
        if !catch_up::applies(&probe) {
            return None;
        }
        let mut merged = Vec::new();
        for &number in &numbers {
            if let Some(rule) = &env.approval
                && let Err(refusal) = self.approvals_of(name, rule, number).await
            {
                return Some(Err(refusal));
            }
            merged.push(MergedReview {
                number,
                changes: self.reviewed_changes(env, number).await,
            });
        }
        let listed = numbers
            .iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        Some(Ok(CatchUp {
            verdict: catch_up::check(name, env.plan_change_policy(), Fact::Known(merged), current),
            evidence: format!(
                "{since}; merged since: {listed} (each one's signed plan and approvals read)"
            ),
        }))
    }

    /// The signed per-resource digests of `env` in pull request `number`'s tracker, or why
    /// they cannot be trusted.
    async fn reviewed_changes(
        &self,
        env: &Environment,
        number: u64,
    ) -> Result<std::collections::BTreeMap<String, String>, String> {
        let name = env.name.as_str();
        let settings = &self.config.github;
        let issuer = settings.issuer(self.context.var("TFPROMOTE_OIDC_ISSUER"));
        let options = tracker_options(&self.config, self.context);
        // Block: any doubt about the record's provenance leaves its digests out.
        let read = self
            .gh
            .reviewed_plan(
                settings,
                &issuer,
                &options,
                number,
                name,
                crate::config::PlanChangePolicy::Block,
            )
            .await;
        match (read.verdict, read.reviewed) {
            (Verdict::Refuse(r), _) => Err(r.facts.join("; ")),
            (Verdict::Warn(lines), _) => Err(lines.join("; ")),
            (Verdict::Allow, Fact::Unknown(why)) => {
                Err(format!("its tracker is unreadable: {why}"))
            }
            (Verdict::Allow, Fact::Known(None)) => {
                Err(format!("its tracker holds no reviewed plan for `{name}`"))
            }
            (Verdict::Allow, Fact::Known(Some(reviewed))) => reviewed.changes.ok_or_else(|| {
                format!("its plan for `{name}` was too large to record per resource")
            }),
        }
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
