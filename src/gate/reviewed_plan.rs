//! Reviewed plan: the plan the tracker shows for an environment is trusted only when the
//! plan workflow, as it is on the default branch, signed it for this pull request and
//! nobody changed it since: not the marker's facts (fingerprint, per-resource digests,
//! commit), not the visible section. A same-repository pull request controls its own
//! workflow and its token writes the comment as `github-actions[bot]`, exactly as tfpromote
//! does, so the comment's author proves nothing; GitHub's signature does (see
//! `crate::github::signed_plan`). `block` refuses anything else; `warn` shows why and goes
//! on. Pure.

use serde_json::Value;

use super::{Fact, GateId, Refusal, Verdict};
use crate::config::PlanChangePolicy;

/// What a genuine signature's claims say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub issuer: String,
    /// `tfpromote-plan:<digest>` of the record as the comment holds it now.
    pub audience: String,
    /// `owner/name`.
    pub repository: String,
    /// `owner/name/.github/workflows/<plan workflow>@refs/heads/<default branch>`.
    pub job_workflow_ref: String,
    /// `refs/pull/<number>/merge` of the pull request merged into the commit applied.
    pub pull_ref: String,
}

/// What was read about one environment's reviewed plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Evidence {
    /// The record carries no signature.
    Unsigned,
    /// The signature did not verify (bad token, unknown key, not RS256), with why.
    Invalid(String),
    /// The verified claims, and the section check: `None` when the section shown is the
    /// one signed, else what differs.
    Verified {
        claims: Value,
        section: Option<String>,
    },
}

/// Every way the claims differ from what a genuine signature of this record says.
pub fn claim_problems(claims: &Value, expected: &Expected) -> Vec<String> {
    let text = |key: &str| claims.get(key).and_then(Value::as_str).unwrap_or("");
    let mut problems = Vec::new();
    let mut expect = |key: &str, want: &str, ignore_case: bool, why: &str| {
        let got = text(key);
        let same = if ignore_case {
            got.eq_ignore_ascii_case(want)
        } else {
            got == want
        };
        if !same {
            problems.push(format!(
                "the signature's `{key}` is {got:?}, not {want:?}: {why}"
            ));
        }
    };
    expect("iss", &expected.issuer, false, "another issuer signed it");
    expect(
        "aud",
        &expected.audience,
        false,
        "the record (fingerprint, resource digests, commit or section digest) was changed after it was signed",
    );
    expect(
        "repository",
        &expected.repository,
        true,
        "signed for another repository",
    );
    expect(
        "job_workflow_ref",
        &expected.job_workflow_ref,
        true,
        "not signed by the plan workflow as it is on the default branch (a pull request's own workflow?)",
    );
    expect(
        "event_name",
        "pull_request",
        false,
        "not a pull request's plan",
    );
    expect(
        "ref",
        &expected.pull_ref,
        false,
        "signed for another pull request",
    );
    problems
}

/// The verdict for one environment.
pub fn check(
    env: &str,
    policy: PlanChangePolicy,
    evidence: Fact<Evidence>,
    expected: &Expected,
) -> Verdict {
    let problems = match evidence {
        Fact::Unknown(why) => vec![format!("the signed plan could not be checked: {why}")],
        Fact::Known(Evidence::Unsigned) => vec![format!(
            "the tracker's plan for `{env}` carries no signature from the plan workflow"
        )],
        Fact::Known(Evidence::Invalid(why)) => {
            vec![format!(
                "the signature on `{env}`'s plan is not valid: {why}"
            )]
        }
        Fact::Known(Evidence::Verified { claims, section }) => {
            let mut p = claim_problems(&claims, expected);
            if let Some(edit) = section {
                p.push(edit);
            }
            p
        }
    };
    if problems.is_empty() {
        return Verdict::Allow;
    }
    match policy {
        PlanChangePolicy::Warn => Verdict::Warn(problems),
        PlanChangePolicy::Block => Verdict::Refuse(Refusal::new(
            GateId::ReviewedPlan,
            env,
            problems,
            format!(
                "the plan shown for `{env}` is not the one the plan workflow signed (the tracker comment was edited, or the plan ran outside the default branch's plan workflow): push a commit to the pull request, or open a new one, so it is planned and signed again, get it reviewed, and merge"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn expected() -> Expected {
        Expected {
            issuer: "https://token.actions.githubusercontent.com".into(),
            audience: "tfpromote-plan:abc".into(),
            repository: "octo/repo".into(),
            job_workflow_ref: "octo/repo/.github/workflows/plan.yml@refs/heads/main".into(),
            pull_ref: "refs/pull/1/merge".into(),
        }
    }

    fn genuine() -> Value {
        json!({
            "iss": "https://token.actions.githubusercontent.com",
            "aud": "tfpromote-plan:abc",
            "repository": "Octo/Repo",
            "job_workflow_ref": "octo/repo/.github/workflows/plan.yml@refs/heads/main",
            "event_name": "pull_request",
            "ref": "refs/pull/1/merge",
        })
    }

    #[test]
    fn a_genuine_signature_passes() {
        assert!(claim_problems(&genuine(), &expected()).is_empty());
        let verified = Evidence::Verified {
            claims: genuine(),
            section: None,
        };
        assert_eq!(
            check(
                "prod",
                PlanChangePolicy::Block,
                Fact::Known(verified),
                &expected()
            ),
            Verdict::Allow
        );
    }

    #[test]
    fn each_forgery_is_named() {
        for (key, value, words) in [
            ("aud", "tfpromote-plan:other", "changed after it was signed"),
            (
                "job_workflow_ref",
                "octo/repo/.github/workflows/plan.yml@refs/heads/mallory",
                "default branch",
            ),
            ("ref", "refs/pull/2/merge", "another pull request"),
            ("repository", "mallory/repo", "another repository"),
            ("iss", "https://evil", "another issuer"),
            ("event_name", "push", "not a pull request"),
        ] {
            let mut claims = genuine();
            claims[key] = json!(value);
            let problems = claim_problems(&claims, &expected());
            assert_eq!(problems.len(), 1, "{key}: {problems:?}");
            assert!(problems[0].contains(words), "{key}: {problems:?}");
        }
    }

    #[test]
    fn block_refuses_and_warn_warns_whatever_the_problem() {
        let cases = [
            Fact::Known(Evidence::Unsigned),
            Fact::Known(Evidence::Invalid("bad".into())),
            Fact::Unknown("JWKS unreachable".into()),
            Fact::Known(Evidence::Verified {
                claims: genuine(),
                section: Some("the section was edited".into()),
            }),
        ];
        for evidence in cases {
            assert!(matches!(
                check("prod", PlanChangePolicy::Block, evidence.clone(), &expected()),
                Verdict::Refuse(r) if r.rule == GateId::ReviewedPlan
            ));
            assert!(matches!(
                check("dev", PlanChangePolicy::Warn, evidence, &expected()),
                Verdict::Warn(_)
            ));
        }
    }
}
