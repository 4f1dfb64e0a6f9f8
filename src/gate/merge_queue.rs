//! Merge queue: the commit the queue built for a pull request is the one that lands on
//! main, so what reviewers approved is tied to it before it lands. Every resource that
//! changes in that commit's plan must be one a signed, reviewed plan vouches for: the
//! queued pull request's, those of the pull requests ahead of it in the same group, and
//! those merged since the environment's last apply (their changes are pending there too).
//! A check that refuses fails the queue's required check, and the queue drops the pull
//! request before anything lands. The apply-time gates still decide on their own evidence:
//! the queue's workflow runs from the group's commit, which the pull request can edit.
//! Pure; shares the per-resource rule with catch-up.

use super::catch_up::{MergedReview, covered};
use super::plan_change::Current;
use super::{Fact, GateId, Verdict};
use crate::config::PlanChangePolicy;

pub fn check(
    env: &str,
    policy: PlanChangePolicy,
    pr: u64,
    reviewed: Fact<Vec<MergedReview>>,
    current: &Current,
) -> Verdict {
    covered(
        GateId::MergeQueue,
        env,
        policy,
        reviewed,
        current,
        |numbers| {
            format!(
                "the queue's commit for #{pr} changes `{env}` beyond what {numbers} reviewed: the queue drops #{pr}. Plan it again on its branch (push, or update it with main), get the new plan reviewed, and queue it again"
            )
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(entries: &[(&str, &str, &str)]) -> Current {
        Current {
            fingerprint: "sha256:q".into(),
            changes: entries
                .iter()
                .map(|(k, a, d)| (k.to_string(), (a.to_string(), d.to_string())))
                .collect(),
        }
    }

    fn reviewed(number: u64, entries: &[(&str, &str)]) -> MergedReview {
        MergedReview {
            number,
            changes: Ok(entries
                .iter()
                .map(|(k, d)| (k.to_string(), d.to_string()))
                .collect()),
        }
    }

    #[test]
    fn the_group_commit_must_hold_only_reviewed_changes() {
        let group = vec![reviewed(2, &[("ka", "d1")]), reviewed(3, &[("kb", "d2")])];
        let ok = current(&[("ka", "a.x", "d1"), ("kb", "a.y", "d2")]);
        assert_eq!(
            check(
                "prod",
                PlanChangePolicy::Block,
                3,
                Fact::Known(group.clone()),
                &ok
            ),
            Verdict::Allow
        );
        let extra = current(&[("ka", "a.x", "d1"), ("kz", "a.z", "dz")]);
        let Verdict::Refuse(r) = check(
            "prod",
            PlanChangePolicy::Block,
            3,
            Fact::Known(group),
            &extra,
        ) else {
            panic!("refusal expected");
        };
        assert_eq!(r.rule, GateId::MergeQueue);
        assert!(r.facts[0].contains("`a.z`"), "{r}");
        assert!(r.next.contains("drops #3"), "{r}");
    }
}
