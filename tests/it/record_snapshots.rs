//! What the recorder says on each channel (stderr, annotation, job summary, commit status,
//! deployment, tracker row) for each event of an apply or a destroy, and every gate's
//! refusal as the user reads it, reviewed as insta snapshots. The refusals come from the
//! gates' own rules given facts that refuse, not from hand-written refusals.

use crate::common;

use std::collections::BTreeMap;

use tfpromote::config::{DestroyPolicy, PlanChangePolicy, values::Approver};
use tfpromote::gate::approval::{self, Policy, PullFacts};
use tfpromote::gate::catch_up::{self, MergedReview};
use tfpromote::gate::plan_change::{self, Current, Reviewed};
use tfpromote::gate::regression::{self, Comparison};
use tfpromote::gate::reviewed_plan::{self, Evidence, Expected};
use tfpromote::gate::{
    Fact, GateId, Refusal, Verdict, destroy, merge_queue, order, planned_merge, team_token,
};
use tfpromote::outcome::{Done, Failure, FailureKind, Outcome};
use tfpromote::record::decide::{Channels, DeploymentRecord, decide};
use tfpromote::record::{Action, Event, Subject};
use tfpromote::render::{STEP_SUMMARY_BUDGET, markdown};
use tfpromote::summary::Summary;

const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";
const OLDER: &str = "2c26b46b68ffc68ff99b453c1d30413413422d70";
const FINGERPRINT: &str = "sha256:6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";

fn subject(action: Action, env: &'static str) -> Subject<'static> {
    Subject {
        action,
        env,
        sha: SHA,
        production: env == "prod",
    }
}

/// Every channel of one event as one text.
fn channels_text(channels: &Channels) -> String {
    let mut out = String::new();
    for line in &channels.stderr {
        for (i, l) in line.lines().enumerate() {
            let lead = if i == 0 { "tfpromote: " } else { "" };
            out.push_str(&format!("stderr     | {lead}{l}\n"));
        }
    }
    if let Some(a) = &channels.annotation {
        out.push_str(&format!("annotation | warning {:?}: {}\n", a.title, a.text));
    }
    if let Some(s) = &channels.status {
        out.push_str(&format!(
            "status     | tfpromote/{} {:?} {:?}{}\n",
            s.context,
            s.state,
            s.description,
            if s.required { " (required)" } else { "" }
        ));
    }
    match &channels.deployment {
        Some(DeploymentRecord::Start {
            task,
            fingerprint,
            production,
            description,
        }) => out.push_str(&format!(
            "deployment | create {task} payload {fingerprint}{}, then InProgress {description:?}\n",
            if *production { " (production)" } else { "" }
        )),
        Some(DeploymentRecord::End { state, description }) => {
            out.push_str(&format!("deployment | {state:?} {description:?}\n"))
        }
        None => {}
    }
    if let Some(t) = &channels.tracker {
        out.push_str(&format!("tracker    | {}", t.status.label()));
        if let Some(note) = &t.note {
            out.push_str(&format!(" ({note})"));
        }
        out.push('\n');
    }
    if let Some(summary) = &channels.summary {
        out.push_str("summary    |\n");
        out.push_str(summary);
        if !summary.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn refusal_of(result: Result<(), Refusal>) -> Refusal {
    result.expect_err("the gate refuses these facts")
}

fn refused_verdict(verdict: Verdict) -> Refusal {
    match verdict {
        Verdict::Refuse(r) => r,
        other => panic!("the gate refuses these facts, said {other:?}"),
    }
}

fn current(changes: &[(&str, &str, &str)]) -> Current {
    Current {
        fingerprint: FINGERPRINT.into(),
        changes: changes
            .iter()
            .map(|(k, a, d)| (k.to_string(), (a.to_string(), d.to_string())))
            .collect(),
    }
}

/// The refusals each gate gives, with the facts that make it refuse; the match makes a new
/// gate fail to compile here until its refusal is snapshotted.
fn refusals(gate: GateId) -> Vec<(&'static str, Refusal)> {
    match gate {
        GateId::Order => vec![(
            "previous_not_applied",
            refusal_of(order::check(
                "stage",
                SHA,
                Some(("dev", Fact::Known(order::PreviousRecord::Missing))),
            )),
        )],
        GateId::NoRegression => vec![(
            "behind",
            refusal_of(regression::check(
                "prod",
                OLDER,
                Fact::Known(Some(SHA.to_string())),
                |_| Fact::Known(Comparison::Behind),
            )),
        )],
        GateId::Approval => vec![
            (
                "missing_approval",
                refusal_of(approval::check(
                    "prod",
                    SHA,
                    &Policy {
                        required: 1,
                        from: vec![Approver::User("alice".into())],
                        allow_stale: false,
                    },
                    Fact::Known(Some(PullFacts {
                        number: 7,
                        merged: true,
                        author: "carol".into(),
                        head_sha: SHA.into(),
                    })),
                    Fact::Known(Vec::new()),
                    "octo",
                    |_, _, _| Fact::Known(false),
                )),
            ),
            (
                "no_team_token",
                refusal_of(team_token::check(
                    "prod",
                    &[("octo".to_string(), "platform-admins".to_string())],
                    false,
                )),
            ),
        ],
        GateId::ReviewedPlan => vec![(
            "unsigned",
            refused_verdict(reviewed_plan::check(
                "prod",
                PlanChangePolicy::Block,
                Fact::Known(Evidence::Unsigned),
                &Expected {
                    issuer: "https://token.actions.githubusercontent.com".into(),
                    audience: "tfpromote-plan:0".into(),
                    repository: "octo/repo".into(),
                    job_workflow_ref: "octo/repo/.github/workflows/plan.yml@refs/heads/main"
                        .into(),
                    pull_ref: "refs/pull/7/merge".into(),
                },
            )),
        )],
        GateId::PlanChange => vec![
            (
                "changed_since_review",
                refused_verdict(plan_change::check(
                    "prod",
                    PlanChangePolicy::Block,
                    Fact::Known(Some(Reviewed {
                        fingerprint: "sha256:d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35".into(),
                        changes: Some(BTreeMap::from([
                            ("k1".to_string(), "d1".to_string()),
                            ("k2".to_string(), "old".to_string()),
                        ])),
                        commit: None,
                    })),
                    &current(&[
                        ("k1", "aws_s3_bucket.models", "d1"),
                        ("k2", "aws_iam_role.serving", "new"),
                    ]),
                )),
            ),
            (
                "not_a_planned_merge",
                refusal_of(planned_merge::check(
                    "prod",
                    SHA,
                    None,
                    Some("workflow_dispatch"),
                )),
            ),
        ],
        GateId::CatchUp => vec![(
            "unreviewed_resource",
            refused_verdict(catch_up::check(
                "prod",
                PlanChangePolicy::Block,
                Fact::Known(vec![
                    MergedReview {
                        number: 2,
                        changes: Ok(BTreeMap::from([("k1".to_string(), "d1".to_string())])),
                    },
                    MergedReview {
                        number: 3,
                        changes: Err("its tracker holds no reviewed plan for `prod`".into()),
                    },
                ]),
                &Current {
                    fingerprint: FINGERPRINT.into(),
                    changes: BTreeMap::from([
                        ("k1".to_string(), ("aws_s3_bucket.data".to_string(), "d1".to_string())),
                        ("k9".to_string(), ("aws_iam_role.extra".to_string(), "d9".to_string())),
                    ]),
                },
            )),
        )],
        GateId::MergeQueue => vec![(
            "unreviewed_resource",
            refused_verdict(merge_queue::check(
                "prod",
                PlanChangePolicy::Block,
                3,
                Fact::Known(vec![MergedReview {
                    number: 3,
                    changes: Ok(BTreeMap::new()),
                }]),
                &Current {
                    fingerprint: FINGERPRINT.into(),
                    changes: BTreeMap::from([(
                        "k9".to_string(),
                        ("aws_iam_role.extra".to_string(), "d9".to_string()),
                    )]),
                },
            )),
        )],
        GateId::Policy => vec![(
            "violation",
            refused_verdict(tfpromote::gate::policy::check(
                "prod",
                Some(&tfpromote::policy::PolicyReport {
                    mode: tfpromote::policy::Mode::Block,
                    source: "HEAD^1:policy".into(),
                    rules: 4,
                    findings: vec![tfpromote::policy::Finding {
                        rule: "no_public".into(),
                        address: "aws_security_group.open".into(),
                        message: "security group rule admits 0.0.0.0/0".into(),
                    }],
                    error: None,
                }),
                &[],
            )),
        ), (
            "untrusted_label",
            refused_verdict(tfpromote::gate::policy::check(
                "prod",
                Some(&tfpromote::policy::PolicyReport {
                    mode: tfpromote::policy::Mode::Block,
                    source: "HEAD^1:policy".into(),
                    rules: 4,
                    findings: vec![tfpromote::policy::Finding {
                        rule: "stateful_resources".into(),
                        address: "aws_db_instance.mlflow".into(),
                        message: "destroy of a stateful aws_db_instance; if this is intended, a person with write access who is not the pull request's author adds the label tfpromote:allow-stateful-change".into(),
                    }],
                    error: None,
                }),
                &[tfpromote::policy::allow_labels::Judged {
                    label: "tfpromote:allow-stateful-change".into(),
                    verdict: tfpromote::policy::allow_labels::Verdict::Refused(
                        "added by github-actions[bot], a bot".into(),
                    ),
                }],
            )),
        )],
        GateId::Destroy => vec![
            (
                "forbidden",
                refusal_of(destroy::check("prod", DestroyPolicy::Forbid, "prod", "prod")),
            ),
            (
                "wrong_confirmation",
                refusal_of(destroy::check("dev", DestroyPolicy::Allow, "dev", "prod")),
            ),
        ],
    }
}

/// One snapshot per refusal of every gate: the refusal as stderr shows it, and what each
/// channel records for it (a destroy's for the destroy gate, an apply's for the others).
#[test]
fn every_gate_refusal_on_every_channel() {
    for gate in GateId::ALL {
        let action = if gate == GateId::Destroy {
            Action::Destroy
        } else {
            Action::Apply
        };
        for (case, refusal) in refusals(gate) {
            assert_eq!(refusal.rule, gate, "{case}");
            let env: &'static str = if refusal.env == "prod" {
                "prod"
            } else if refusal.env == "stage" {
                "stage"
            } else {
                "dev"
            };
            let outcome = Outcome::Refused(refusal);
            let channels = decide(&subject(action, env), &Event::Ended(&outcome));
            insta::assert_snapshot!(
                format!("refusal_{}_{case}", gate.name().replace('-', "_")),
                channels_text(&channels)
            );
        }
    }
}

fn done_block() -> String {
    let summary = Summary::from_file(&common::conformance_dir().join("has_changes/plan.json"))
        .expect("plan reads");
    markdown::environment_block("prod", &summary, STEP_SUMMARY_BUDGET / 4)
}

/// An apply from start to each end, and the events before it.
#[test]
fn apply_records() {
    let s = subject(Action::Apply, "prod");
    let evidence = vec![
        "order: `stage` applied by this process".to_string(),
        "no-regression: deployments of `prod`: none yet".to_string(),
    ];
    let warnings = vec![
        "the plan changed since review: reviewed sha256:d4735e3a265e , now sha256:6b86b273ff34"
            .to_string(),
    ];
    let unsigned = vec![
        "the tracker's plan for `prod` carries no signature from the plan workflow".to_string(),
    ];
    let done = Outcome::Done(Done {
        fingerprint: FINGERPRINT.into(),
        deleted: 0,
        block: done_block(),
    });
    let failed = Outcome::Failed(Failure {
        text: "Error: creating S3 Bucket (models): BucketAlreadyExists\n\n  with aws_s3_bucket.models,\n  on main.tf line 3".into(),
        kind: FailureKind::Broken,
    });
    let interrupted = Outcome::Failed(Failure {
        text: "interrupted: Terraform was asked to stop and release its state lock".into(),
        kind: FailureKind::Interrupted,
    });
    for (name, event) in [
        ("apply_evidence", Event::Evidence(&evidence)),
        (
            "apply_warned_plan_change",
            Event::Warned {
                gate: GateId::PlanChange,
                lines: &warnings,
            },
        ),
        (
            "apply_warned_reviewed_plan",
            Event::Warned {
                gate: GateId::ReviewedPlan,
                lines: &unsigned,
            },
        ),
        (
            "apply_started",
            Event::Started {
                fingerprint: FINGERPRINT,
            },
        ),
        ("apply_done", Event::Ended(&done)),
        ("apply_failed", Event::Ended(&failed)),
        ("apply_interrupted", Event::Ended(&interrupted)),
    ] {
        insta::assert_snapshot!(name, channels_text(&decide(&s, &event)));
    }
}

/// A destroy's start and ends: its own status context beside the apply's, no tracker row.
#[test]
fn destroy_records() {
    let s = subject(Action::Destroy, "dev");
    let done = Outcome::Done(Done {
        fingerprint: FINGERPRINT.into(),
        deleted: 3,
        block: String::new(),
    });
    let failed = Outcome::Failed(Failure {
        text: "Error: deleting S3 Bucket (models): BucketNotEmpty".into(),
        kind: FailureKind::Broken,
    });
    for (name, event) in [
        (
            "destroy_started",
            Event::Started {
                fingerprint: FINGERPRINT,
            },
        ),
        ("destroy_done", Event::Ended(&done)),
        ("destroy_failed", Event::Ended(&failed)),
    ] {
        insta::assert_snapshot!(name, channels_text(&decide(&s, &event)));
    }
}
