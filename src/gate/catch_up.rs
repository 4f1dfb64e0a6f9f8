//! Catch-up: an environment several reviewed merges behind is brought up to date by one
//! apply of the newest commit. That plan holds every merged pull request's changes at once,
//! so its fingerprint matches none of their reviewed plans; instead each changing resource
//! must match the reviewed per-resource digest of one of the pull requests merged since the
//! commit last applied to the environment (the newest review of a resource wins), and every
//! such digest must come from a plan record the plan workflow signed. Anything else is named
//! and refused (`block`) or shown (`warn`). Which pull requests count, and their approvals,
//! are the caller's facts; this rule is pure.

use std::collections::BTreeMap;

use super::plan_change::Current;
use super::{Fact, GateId, Refusal, Verdict};
use crate::config::PlanChangePolicy;

/// One pull request merged since the environment's last apply, oldest merge first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedReview {
    pub number: u64,
    /// Its signed record's per-resource digests for this environment (short address digest
    /// -> short change digest), or why they cannot be trusted (unsigned, edited, no plan for
    /// this environment, too large to record per resource).
    pub changes: Result<BTreeMap<String, String>, String>,
}

/// At most this many resources are named; the rest are counted.
const NAMED: usize = 50;

/// Whether catch-up decides rather than the single pull request's fingerprint: only when
/// more than one pull request was merged since the last apply (with one, the fingerprint
/// comparison is exact and says more).
pub fn applies(merged: usize) -> bool {
    merged > 1
}

pub fn check(
    env: &str,
    policy: PlanChangePolicy,
    merged: Fact<Vec<MergedReview>>,
    current: &Current,
) -> Verdict {
    covered(GateId::CatchUp, env, policy, merged, current, |numbers| {
        format!(
            "`{env}` is catching up on {numbers}: every change applied must be one a reviewer saw in one of them. Open a pull request (an empty commit will do) so `{env}` is planned and reviewed as it is now, and merge it; `on_plan_change: warn` would let the difference through"
        )
    })
}

/// Whether every changing resource of `current` is one the newest review in `merged`
/// vouches for; `rule` names the refusal and `next` says what to do, given the pull
/// requests as `#1, #2`. Shared with the merge-queue check.
pub fn covered(
    rule: GateId,
    env: &str,
    policy: PlanChangePolicy,
    merged: Fact<Vec<MergedReview>>,
    current: &Current,
    next: impl FnOnce(&str) -> String,
) -> Verdict {
    let merged = match merged {
        Fact::Unknown(why) => {
            return Verdict::Refuse(Refusal::undecidable(
                rule,
                env,
                &format!("the pull requests merged since `{env}` was last applied"),
                &why,
            ));
        }
        Fact::Known(m) => m,
    };
    let mut problems: Vec<String> = Vec::new();
    // A pull request whose record is not trusted (or that planned nothing here, such as a
    // documentation change) vouches for no resource; it is named only if something needed it.
    let mut unused: Vec<String> = Vec::new();
    // The newest review of each resource: later merges overwrite earlier ones.
    let mut newest: BTreeMap<&str, (u64, &str)> = BTreeMap::new();
    for pull in &merged {
        match &pull.changes {
            Ok(changes) => {
                for (key, digest) in changes {
                    newest.insert(key, (pull.number, digest));
                }
            }
            Err(why) => unused.push(format!("#{}'s plan was not used: {why}", pull.number)),
        }
    }
    let numbers = merged
        .iter()
        .map(|p| format!("#{}", p.number))
        .collect::<Vec<_>>()
        .join(", ");
    let mut extra = 0;
    for (key, (address, digest)) in &current.changes {
        let line = match newest.get(key.as_str()) {
            Some((_, seen)) if seen == digest => continue,
            Some((number, _)) => {
                format!("`{address}`: its change differs from the newest reviewed one (#{number})")
            }
            None => {
                format!("`{address}`: changes now, but no reviewed plan of {numbers} contained it")
            }
        };
        if problems.len() < NAMED {
            problems.push(line);
        } else {
            extra += 1;
        }
    }
    if extra > 0 {
        problems.push(format!("… and {extra} more resource(s)"));
    }
    if problems.is_empty() {
        return Verdict::Allow;
    }
    problems.extend(unused);
    match policy {
        PlanChangePolicy::Warn => Verdict::Warn(problems),
        PlanChangePolicy::Block => {
            Verdict::Refuse(Refusal::new(rule, env, problems, next(&numbers)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(entries: &[(&str, &str, &str)]) -> Current {
        Current {
            fingerprint: "sha256:now".into(),
            changes: entries
                .iter()
                .map(|(k, a, d)| (k.to_string(), (a.to_string(), d.to_string())))
                .collect(),
        }
    }

    fn pull(number: u64, entries: &[(&str, &str)]) -> MergedReview {
        MergedReview {
            number,
            changes: Ok(entries
                .iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect()),
        }
    }

    #[test]
    fn two_reviewed_merges_together_allow_their_union() {
        let c = current(&[("ka", "a.x", "d1"), ("kb", "a.y", "d2")]);
        let merged = vec![pull(1, &[("ka", "d1")]), pull(2, &[("kb", "d2")])];
        assert!(applies(merged.len()));
        assert_eq!(
            check("prod", PlanChangePolicy::Block, Fact::Known(merged), &c),
            Verdict::Allow
        );
    }

    #[test]
    fn the_newest_review_of_a_resource_wins() {
        let merged = vec![pull(1, &[("ka", "old")]), pull(2, &[("ka", "new")])];
        let newest = current(&[("ka", "a.x", "new")]);
        assert_eq!(
            check(
                "prod",
                PlanChangePolicy::Block,
                Fact::Known(merged.clone()),
                &newest
            ),
            Verdict::Allow
        );
        let older = current(&[("ka", "a.x", "old")]);
        let Verdict::Refuse(r) =
            check("prod", PlanChangePolicy::Block, Fact::Known(merged), &older)
        else {
            panic!("the superseded review must not count");
        };
        assert!(
            r.facts
                .iter()
                .any(|f| f.contains("`a.x`") && f.contains("#2")),
            "{r}"
        );
    }

    #[test]
    fn an_unreviewed_change_is_named_and_refused_or_warned() {
        let c = current(&[("ka", "a.x", "d1"), ("kz", "a.sneaky", "dz")]);
        let merged = vec![pull(1, &[("ka", "d1")]), pull(2, &[])];
        let Verdict::Refuse(r) = check(
            "prod",
            PlanChangePolicy::Block,
            Fact::Known(merged.clone()),
            &c,
        ) else {
            panic!("refusal expected");
        };
        assert_eq!(r.rule, GateId::CatchUp);
        assert_eq!(r.facts.len(), 1, "{r}");
        assert!(
            r.facts[0].contains("`a.sneaky`") && r.facts[0].contains("#1, #2"),
            "{r}"
        );
        assert!(matches!(
            check("dev", PlanChangePolicy::Warn, Fact::Known(merged), &c),
            Verdict::Warn(lines) if lines[0].contains("`a.sneaky`")
        ));
    }

    #[test]
    fn an_untrusted_record_vouches_for_nothing_and_unreadable_facts_refuse() {
        let c = current(&[("ka", "a.x", "d1")]);
        let merged = vec![
            pull(1, &[("ka", "d1")]),
            MergedReview {
                number: 2,
                changes: Err("the plan for `prod` carries no signature".into()),
            },
        ];
        // #1 vouches for everything that changes: #2's untrusted record is not needed.
        assert_eq!(
            check(
                "prod",
                PlanChangePolicy::Block,
                Fact::Known(merged.clone()),
                &c
            ),
            Verdict::Allow
        );
        let more = current(&[("ka", "a.x", "d1"), ("kb", "a.y", "d2")]);
        let Verdict::Refuse(r) = check("prod", PlanChangePolicy::Block, Fact::Known(merged), &more)
        else {
            panic!("refusal expected");
        };
        assert!(r.facts[0].contains("`a.y`"), "{r}");
        assert!(
            r.facts[1].starts_with("#2's plan was not used") && r.facts[1].contains("signature"),
            "{r}"
        );
        assert!(matches!(
            check(
                "prod",
                PlanChangePolicy::Warn,
                Fact::Unknown("compare failed".into()),
                &c
            ),
            Verdict::Refuse(r) if r.rule == GateId::CatchUp
        ));
    }

    #[test]
    fn one_merge_is_no_catch_up() {
        assert!(!applies(1));
        assert!(!applies(0));
    }
}
