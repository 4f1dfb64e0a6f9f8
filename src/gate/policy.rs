//! Policy: the plan about to be applied is judged by the Rego policies as they are on the
//! default branch before this merge (see `crate::review::setup::policy_revision`), so a pull
//! request cannot weaken the rules it is judged by. `block` refuses on any violation;
//! `warn` applies and shows them. Policies that could not be read or evaluated are never a
//! pass: `block` refuses, `warn` warns. A label a policy names that is on the pull request
//! but does not count (`crate::policy::allow_labels`: added by a bot, an app, the author,
//! someone without write access) is named with the reason beside the violations, so the
//! refusal says what to do about it.

use super::{GateId, Refusal, Verdict};
use crate::policy::allow_labels::{Judged, Verdict as LabelVerdict};
use crate::policy::{Mode, PolicyReport};

/// At most this many violations are named in a refusal (the comment lists them all).
const NAMED: usize = 20;

pub fn check(env: &str, report: Option<&PolicyReport>, labels: &[Judged]) -> Verdict {
    let Some(report) = report else {
        return Verdict::Allow;
    };
    if let Some(error) = &report.error {
        return match report.mode {
            Mode::Block => Verdict::Refuse(Refusal::undecidable(
                GateId::Policy,
                env,
                &format!("the policies ({})", report.source),
                error,
            )),
            Mode::Warn => Verdict::Warn(vec![format!(
                "the policies ({}) were not evaluated: {error}",
                report.source
            )]),
        };
    }
    if report.findings.is_empty() {
        return Verdict::Allow;
    }
    let mut lines: Vec<String> = report
        .findings
        .iter()
        .take(NAMED)
        .map(|f| format!("rule `{}` on `{}`: {}", f.rule, f.address, f.message))
        .collect();
    if report.findings.len() > NAMED {
        lines.push(format!(
            "… and {} more violations (listed in the job summary)",
            report.findings.len() - NAMED
        ));
    }
    let refused: Vec<String> = labels
        .iter()
        .filter_map(|j| match &j.verdict {
            LabelVerdict::Refused(why) => Some(format!(
                "label `{}` is on the pull request but does not count: {why}",
                j.label
            )),
            LabelVerdict::Honoured { .. } => None,
        })
        .collect();
    let label_help = if refused.is_empty() {
        "where a rule says so, have a person with write access who is not the pull request's author add its label"
    } else {
        "where a rule says so, have a person with write access who is not the pull request's author add its label (a label added by a bot, through an app or by the author does not count: remove it and have that person add it)"
    };
    lines.extend(refused);
    match report.mode {
        Mode::Warn => Verdict::Warn(lines),
        Mode::Block => Verdict::Refuse(Refusal::new(
            GateId::Policy,
            env,
            lines,
            format!(
                "change the resources so the plan passes the policies of {} (a pull request cannot change those for itself), or, {label_help}",
                report.source
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Finding;

    fn report(mode: Mode, findings: usize, error: Option<&str>) -> PolicyReport {
        PolicyReport {
            mode,
            source: "HEAD^1:policy".into(),
            rules: 4,
            findings: (0..findings)
                .map(|i| Finding {
                    rule: "no_public".into(),
                    address: format!("aws_security_group.open[{i}]"),
                    message: "security group rule admits 0.0.0.0/0".into(),
                })
                .collect(),
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn block_refuses_naming_rule_and_resource() {
        let Verdict::Refuse(refusal) = check("prod", Some(&report(Mode::Block, 1, None)), &[])
        else {
            panic!("must refuse");
        };
        assert_eq!(refusal.rule, GateId::Policy);
        assert!(refusal.facts[0].contains("`no_public`"), "{refusal}");
        assert!(
            refusal.facts[0].contains("`aws_security_group.open[0]`"),
            "{refusal}"
        );
    }

    #[test]
    fn warn_applies_with_the_violations_as_warnings() {
        match check("dev", Some(&report(Mode::Warn, 2, None)), &[]) {
            Verdict::Warn(lines) => assert_eq!(lines.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_violation_or_no_policies_allows() {
        assert_eq!(
            check("prod", Some(&report(Mode::Block, 0, None)), &[]),
            Verdict::Allow
        );
        assert_eq!(check("prod", None, &[]), Verdict::Allow);
    }

    #[test]
    fn unevaluated_policies_are_never_a_pass() {
        assert!(matches!(
            check(
                "prod",
                Some(&report(Mode::Block, 0, Some("parse error"))),
                &[]
            ),
            Verdict::Refuse(_)
        ));
        assert!(matches!(
            check(
                "dev",
                Some(&report(Mode::Warn, 0, Some("parse error"))),
                &[]
            ),
            Verdict::Warn(_)
        ));
    }

    #[test]
    fn a_label_that_does_not_count_is_named_with_its_reason() {
        let labels = [
            Judged {
                label: "tfpromote:allow-stateful-change".into(),
                verdict: LabelVerdict::Refused("added by github-actions[bot], a bot".into()),
            },
            Judged {
                label: "other".into(),
                verdict: LabelVerdict::Honoured {
                    by: "bob".into(),
                    permission: "write".into(),
                },
            },
        ];
        let Verdict::Refuse(refusal) = check("prod", Some(&report(Mode::Block, 1, None)), &labels)
        else {
            panic!("must refuse");
        };
        assert_eq!(
            refusal.facts[1],
            "label `tfpromote:allow-stateful-change` is on the pull request but does not count: added by github-actions[bot], a bot"
        );
        assert_eq!(refusal.facts.len(), 2, "an honoured label is not a problem");
        assert!(refusal.next.contains("does not count"), "{refusal}");
        // Without a violation, a label changes nothing.
        assert_eq!(
            check("prod", Some(&report(Mode::Block, 0, None)), &labels),
            Verdict::Allow
        );
    }

    #[test]
    fn a_long_list_is_cut_in_the_refusal() {
        let Verdict::Refuse(refusal) = check("prod", Some(&report(Mode::Block, 50, None)), &[])
        else {
            panic!("must refuse");
        };
        assert_eq!(refusal.facts.len(), NAMED + 1);
    }
}
