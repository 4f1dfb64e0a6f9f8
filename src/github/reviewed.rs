//! Reading the reviewed plan of one environment for an apply: the tracker's record, and the
//! evidence that the plan workflow on the default branch signed exactly that record and the
//! section shown ([`crate::gate::reviewed_plan`] decides).

use super::client::GitHub;
use super::signed_plan::{audience, fetch_jwks, section_digest, verify};
use super::tracker::TrackerOptions;
use crate::config::{GitHubSettings, PlanChangePolicy};
use crate::gate::plan_change::Reviewed;
use crate::gate::reviewed_plan::{self, Evidence, Expected};
use crate::gate::{Fact, Verdict};
use crate::tracker::{Tracker, is_stub};

/// The reviewed plan and the verdict on its provenance.
pub struct ReviewedRead {
    pub reviewed: Fact<Option<Reviewed>>,
    pub verdict: Verdict,
    /// What was read, for the job summary.
    pub evidence: String,
}

/// Where the signature must come from, for pull request `pr` of `repository`.
pub fn expected(settings: &GitHubSettings, issuer: &str, repository: &str, pr: u64) -> Expected {
    Expected {
        issuer: issuer.to_string(),
        audience: String::new(),
        repository: repository.to_string(),
        job_workflow_ref: format!(
            "{repository}/.github/workflows/{}@refs/heads/{}",
            settings.plan_workflow.0, settings.default_branch.0
        ),
        pull_ref: format!("refs/pull/{pr}/merge"),
    }
}

/// The evidence in `tracker` for `env` (no network but the issuer's keys).
async fn evidence(
    tracker: &Tracker,
    env: &str,
    repository: &str,
    pr: u64,
    mut expected: Expected,
) -> (Fact<Evidence>, Expected) {
    let Some(record) = tracker.data.envs.get(env) else {
        return (Fact::Known(Evidence::Unsigned), expected);
    };
    let Some(signed) = &record.signed else {
        return (Fact::Known(Evidence::Unsigned), expected);
    };
    expected.audience = audience(repository, pr, env, record, &signed.section);
    let shown = tracker.sections.get(env).map(String::as_str).unwrap_or("");
    let section = if section_digest(shown) == signed.section || is_stub(env, shown) {
        None
    } else {
        Some(format!(
            "the section shown for `{env}` in the comment was edited after the plan workflow signed it (signed {}, shown {})",
            short(&signed.section),
            short(&section_digest(shown))
        ))
    };
    let jwks = match fetch_jwks(&expected.issuer).await {
        Ok(k) => k,
        Err(e) => return (Fact::Unknown(e), expected),
    };
    let evidence = match verify(&signed.token, &jwks) {
        Ok(claims) => Evidence::Verified { claims, section },
        Err(why) => Evidence::Invalid(why),
    };
    (Fact::Known(evidence), expected)
}

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

impl GitHub {
    /// The reviewed plan of `env` in pull request `pr`'s tracker, and whether to trust it.
    pub async fn reviewed_plan(
        &self,
        settings: &GitHubSettings,
        issuer: &str,
        options: &TrackerOptions,
        pr: u64,
        env: &str,
        policy: PlanChangePolicy,
    ) -> ReviewedRead {
        let repository = format!("{}/{}", self.repo.owner, self.repo.name);
        let tracker = match self.read_tracker(pr, options).await {
            Err(e) => {
                return ReviewedRead {
                    reviewed: Fact::Unknown(e.to_string()),
                    verdict: Verdict::Allow,
                    evidence: format!("the tracker of #{pr}: unreadable"),
                };
            }
            Ok(None) => {
                return ReviewedRead {
                    reviewed: Fact::Known(None),
                    verdict: Verdict::Allow,
                    evidence: format!("#{pr} has no tracker comment"),
                };
            }
            Ok(Some(t)) => t,
        };
        let reviewed = tracker.data.envs.get(env).and_then(|r| {
            Some(Reviewed {
                fingerprint: r.fingerprint.clone()?,
                changes: r.changes.clone(),
                commit: r.commit.clone(),
            })
        });
        if reviewed.is_none() {
            // The plan-change gate refuses a missing plan; nothing to verify.
            return ReviewedRead {
                reviewed: Fact::Known(None),
                verdict: Verdict::Allow,
                evidence: format!("#{pr}'s tracker has no plan for `{env}`"),
            };
        }
        let base = expected(settings, issuer, &repository, pr);
        let (fact, expected) = evidence(&tracker, env, &repository, pr, base).await;
        let evidence = match &fact {
            Fact::Known(Evidence::Verified { claims, .. }) => format!(
                "`{env}`'s plan in #{pr}'s tracker, signed by {} ({})",
                claims
                    .get("job_workflow_ref")
                    .and_then(|v| v.as_str())
                    .unwrap_or("?"),
                expected.issuer
            ),
            Fact::Known(Evidence::Unsigned) => {
                format!("`{env}`'s plan in #{pr}'s tracker: unsigned")
            }
            Fact::Known(Evidence::Invalid(why)) => {
                format!("`{env}`'s plan in #{pr}'s tracker: invalid signature ({why})")
            }
            Fact::Unknown(why) => format!("`{env}`'s plan in #{pr}'s tracker: {why}"),
        };
        ReviewedRead {
            reviewed: Fact::Known(reviewed),
            verdict: reviewed_plan::check(env, policy, fact, &expected),
            evidence,
        }
    }

    /// The signed per-resource digests of `env` in pull request `pr`'s tracker, or why
    /// they cannot be trusted (what catch-up and the merge-queue check count as reviewed).
    /// Any doubt about the record's provenance leaves its digests out.
    pub async fn signed_changes(
        &self,
        settings: &GitHubSettings,
        issuer: &str,
        options: &TrackerOptions,
        pr: u64,
        env: &str,
    ) -> Result<std::collections::BTreeMap<String, String>, String> {
        let read = self
            .reviewed_plan(settings, issuer, options, pr, env, PlanChangePolicy::Block)
            .await;
        match (read.verdict, read.reviewed) {
            (Verdict::Refuse(r), _) => Err(r.facts.join("; ")),
            (Verdict::Warn(lines), _) => Err(lines.join("; ")),
            (Verdict::Allow, Fact::Unknown(why)) => {
                Err(format!("its tracker is unreadable: {why}"))
            }
            (Verdict::Allow, Fact::Known(None)) => {
                Err(format!("its tracker holds no reviewed plan for `{env}`"))
            }
            (Verdict::Allow, Fact::Known(Some(reviewed))) => reviewed.changes.ok_or_else(|| {
                format!("its plan for `{env}` was too large to record per resource")
            }),
        }
    }
}
