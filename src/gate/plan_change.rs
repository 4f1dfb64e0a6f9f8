//! Plan change: what is applied is what the reviewers saw. The re-plan's fingerprint is
//! compared with the one the tracker recorded for this environment; a difference warns
//! (`warn`) or refuses (`block`), naming the resources whose change differs.

use std::collections::BTreeMap;

use super::{Fact, GateId, Refusal, Verdict};
use crate::config::PlanChangePolicy;
use crate::summary::fingerprint::short;

/// What the tracker recorded when the pull request was planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub fingerprint: String,
    /// Short address digest -> short change digest, for the resources that changed
    /// (absent when the plan had too many to record).
    pub changes: Option<BTreeMap<String, String>>,
    pub commit: Option<String>,
}

/// The plan about to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    pub fingerprint: String,
    /// Short address digest -> (address, short change digest).
    pub changes: BTreeMap<String, (String, String)>,
}

/// At most this many differing resources are named; the rest are counted.
const NAMED: usize = 50;

pub fn check(
    env: &str,
    policy: PlanChangePolicy,
    reviewed: Fact<Option<Reviewed>>,
    current: &Current,
) -> Verdict {
    let reviewed = match reviewed {
        Fact::Unknown(why) => {
            return Verdict::Refuse(Refusal::undecidable(
                GateId::PlanChange,
                env,
                "the reviewed plan in the pull request's tracker comment",
                &why,
            ));
        }
        Fact::Known(None) => {
            return Verdict::Refuse(Refusal::new(
                GateId::PlanChange,
                env,
                vec![format!(
                    "the tracker comment has no reviewed plan for `{env}`: nobody saw what would change"
                )],
                "plan every environment on the pull request (the PR plan workflow), get it reviewed, then merge",
            ));
        }
        Fact::Known(Some(r)) => r,
    };
    if reviewed.fingerprint == current.fingerprint {
        return Verdict::Allow;
    }
    let mut facts = vec![format!(
        "the plan changed since review: reviewed {} , now {}",
        short(&reviewed.fingerprint),
        short(&current.fingerprint)
    )];
    facts.extend(differences(&reviewed, current));
    match policy {
        PlanChangePolicy::Warn => Verdict::Warn(facts),
        PlanChangePolicy::Block => Verdict::Refuse(Refusal::new(
            GateId::PlanChange,
            env,
            facts,
            format!(
                "open a pull request (an empty commit will do) so every environment is planned again, get `{env}`'s new plan reviewed, and merge it; `on_plan_change: warn` would let the difference through"
            ),
        )),
    }
}

/// One line per resource whose change differs, then what could not be named.
pub fn differences(reviewed: &Reviewed, current: &Current) -> Vec<String> {
    let Some(recorded) = &reviewed.changes else {
        return vec![format!(
            "{} resource(s) change now; the reviewed plan was too large to record per resource, compare the job summaries",
            current.changes.len()
        )];
    };
    let mut lines = Vec::new();
    let mut extra = 0;
    for (key, (address, digest)) in &current.changes {
        let line = match recorded.get(key) {
            Some(seen) if seen == digest => continue,
            Some(_) => format!("`{address}`: its change differs from the reviewed one"),
            None => format!("`{address}`: changes now, was not in the reviewed plan"),
        };
        if lines.len() < NAMED {
            lines.push(line);
        } else {
            extra += 1;
        }
    }
    let gone = recorded
        .keys()
        .filter(|k| !current.changes.contains_key(*k))
        .count();
    if extra > 0 {
        lines.push(format!("… and {extra} more resource(s)"));
    }
    if gone > 0 {
        lines.push(format!(
            "{gone} resource(s) of the reviewed plan no longer change (the tracker comment's section for this environment lists them)"
        ));
    }
    if lines.is_empty() {
        lines.push("output changes differ".into());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(entries: &[(&str, &str, &str)], fp: &str) -> Current {
        Current {
            fingerprint: fp.into(),
            changes: entries
                .iter()
                .map(|(k, a, d)| (k.to_string(), (a.to_string(), d.to_string())))
                .collect(),
        }
    }

    fn reviewed(entries: &[(&str, &str)], fp: &str) -> Fact<Option<Reviewed>> {
        Fact::Known(Some(Reviewed {
            fingerprint: fp.into(),
            changes: Some(
                entries
                    .iter()
                    .map(|(k, d)| (k.to_string(), d.to_string()))
                    .collect(),
            ),
            commit: None,
        }))
    }

    #[test]
    fn same_fingerprint_allows() {
        let c = current(&[("k1", "a.x", "d1")], "sha256:1");
        assert_eq!(
            check(
                "prod",
                PlanChangePolicy::Block,
                reviewed(&[("k1", "d1")], "sha256:1"),
                &c
            ),
            Verdict::Allow
        );
    }

    #[test]
    fn a_difference_warns_or_blocks_and_names_the_resources() {
        let c = current(
            &[
                ("k1", "a.x", "d1"),
                ("k2", "a.y", "new"),
                ("k3", "a.z", "d3"),
            ],
            "sha256:2",
        );
        let r = reviewed(&[("k1", "d1"), ("k2", "old"), ("k4", "d4")], "sha256:1");
        let Verdict::Warn(lines) = check("dev", PlanChangePolicy::Warn, r.clone(), &c) else {
            panic!("warn expected");
        };
        let text = lines.join("\n");
        assert!(text.contains("`a.y`: its change differs"), "{text}");
        assert!(text.contains("`a.z`: changes now"), "{text}");
        assert!(
            text.contains("1 resource(s) of the reviewed plan no longer change"),
            "{text}"
        );
        assert!(!text.contains("`a.x`"));
        let Verdict::Refuse(refusal) = check("prod", PlanChangePolicy::Block, r, &c) else {
            panic!("refusal expected");
        };
        assert_eq!(refusal.rule, GateId::PlanChange);
        assert!(refusal.facts.iter().any(|f| f.contains("`a.y`")));
    }

    #[test]
    fn nothing_recorded_or_unreadable_refuses_even_with_warn() {
        let c = current(&[], "sha256:2");
        assert!(matches!(
            check("dev", PlanChangePolicy::Warn, Fact::Known(None), &c),
            Verdict::Refuse(_)
        ));
        assert!(matches!(
            check(
                "dev",
                PlanChangePolicy::Warn,
                Fact::Unknown("404".into()),
                &c
            ),
            Verdict::Refuse(_)
        ));
    }
}
