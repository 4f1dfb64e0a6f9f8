//! What each channel says for one event of one environment's apply or destroy: pure, so
//! every text is unit- and snapshot-tested without GitHub or a job summary file. The sender
//! (`super::send`) only delivers what this decides.

use crate::gate::{GateId, short_sha};
use crate::github::deployments::{APPLY_TASK, DESTROY_TASK};
use crate::outcome::{Done, Failure, FailureKind, Outcome};
use crate::summary::fingerprint::short as fingerprint_short;
use crate::tracker::Status;

pub use crate::github::deployments::DeployState;
pub use crate::github::statuses::State;

/// Which command's step is recorded: they share every channel but their texts and the
/// status context differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Apply,
    Destroy,
}

/// The environment and commit a record is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub action: Action,
    pub env: &'a str,
    pub sha: &'a str,
    /// The environment needs approval: its deployments are production ones.
    pub production: bool,
}

/// What happened, in the order it happens.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// What the gates read, one line per fact source, before their verdicts.
    Evidence(&'a [String]),
    /// A gate allowed, with warnings to show (`on_plan_change: warn`).
    Warned { gate: GateId, lines: &'a [String] },
    /// The saved plan with this fingerprint starts changing the environment.
    Started { fingerprint: &'a str },
    /// The step ended.
    Ended(&'a Outcome),
}

/// A commit status `tfpromote/<context>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// After `tfpromote/`: the environment, or `<env>/destroy`.
    pub context: String,
    pub state: State,
    pub description: String,
    /// The promotion ladder (`tfpromote status`, branch protection) reads an apply's status:
    /// when its start or success cannot be written the step fails rather than leave the
    /// ladder silently behind what was applied.
    pub required: bool,
}

/// A GitHub Deployment of the commit to the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeploymentRecord {
    /// Create one (task, plan fingerprint as payload) and mark it in progress.
    Start {
        task: &'static str,
        fingerprint: String,
        production: bool,
        description: String,
    },
    /// The final state of the deployment this step started (none started: nothing to do).
    End {
        state: DeployState,
        description: String,
    },
}

/// The environment's row in the pull request's tracker comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerRecord {
    pub status: Status,
    pub note: Option<String>,
}

/// A warning annotation on the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub title: String,
    pub text: String,
}

/// Everything one event says, channel by channel; `None` / empty: that channel is silent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Channels {
    /// Lines for stderr, each printed after `tfpromote: `.
    pub stderr: Vec<String>,
    pub annotation: Option<Annotation>,
    /// Markdown appended to the job summary.
    pub summary: Option<String>,
    pub status: Option<StatusRecord>,
    pub deployment: Option<DeploymentRecord>,
    pub tracker: Option<TrackerRecord>,
}

/// How many characters of a failure the job summary shows (its end, where Terraform says why).
const SUMMARY_FAILURE_TAIL: usize = 4000;

/// The channels for `event`.
pub fn decide(subject: &Subject, event: &Event) -> Channels {
    match event {
        Event::Evidence(lines) => evidence(subject, lines),
        Event::Warned { gate, lines } => warned(subject, *gate, lines),
        Event::Started { fingerprint } => started(subject, fingerprint),
        Event::Ended(Outcome::Done(done)) => done_channels(subject, done),
        Event::Ended(Outcome::Refused(refusal)) => {
            let env = subject.env;
            let mut channels = Channels {
                stderr: vec![refusal.to_string()],
                summary: Some(format!(
                    "### ⛔ {env}: refused by the {} gate\n\n{}\n**Next:** {}\n",
                    refusal.rule,
                    quoted_bullets(&refusal.facts),
                    refusal.next
                )),
                ..Channels::default()
            };
            // A refused destroy never started: nothing on the commit or the pull request
            // changed, so only the person who ran it needs to read why.
            if subject.action == Action::Apply {
                channels.status = Some(StatusRecord {
                    context: env.to_string(),
                    state: State::Error,
                    description: refusal.short(),
                    required: false,
                });
                channels.tracker = Some(TrackerRecord {
                    status: match refusal.rule {
                        GateId::Approval => Status::WaitingForApproval,
                        _ => Status::Blocked,
                    },
                    note: Some(refusal.short()),
                });
            }
            channels
        }
        Event::Ended(Outcome::Failed(failure)) => failed(subject, failure),
    }
}

fn evidence(subject: &Subject, lines: &[String]) -> Channels {
    let env = subject.env;
    Channels {
        stderr: lines.iter().map(|l| format!("{env}: read {l}")).collect(),
        summary: Some(format!(
            "<details><summary>{env}: what the gates read</summary>\n\n{}\n</details>\n",
            lines
                .iter()
                .map(|l| format!("- {}\n", one_line(l)))
                .collect::<String>()
        )),
        ..Channels::default()
    }
}

fn warned(subject: &Subject, gate: GateId, lines: &[String]) -> Channels {
    let env = subject.env;
    let (log, title, summary) = match gate {
        GateId::ReviewedPlan => (
            "the reviewed plan cannot be trusted (on_plan_change: warn), going on".to_string(),
            "reviewed plan not signed as expected".to_string(),
            "the plan in the tracker is not the one the plan workflow signed; applied anyway (`on_plan_change: warn`)".to_string(),
        ),
        GateId::PlanChange => (
            "the plan changed since review (on_plan_change: warn), applying anyway".to_string(),
            "plan changed since review".to_string(),
            "the plan changed since review; applied anyway (`on_plan_change: warn`)".to_string(),
        ),
        GateId::Policy => (
            "policy violations (mode warn), applying anyway".to_string(),
            "policy violations (warn)".to_string(),
            "policy violations; applied anyway (`warn`)".to_string(),
        ),
        other => (
            format!("the {other} gate warns, going on"),
            format!("{other} gate warning"),
            format!("the {other} gate warns; going on"),
        ),
    };
    Channels {
        stderr: vec![format!("{env}: {log}:\n  - {}", lines.join("\n  - "))],
        annotation: Some(Annotation {
            title: format!("tfpromote: {env} {title}"),
            text: lines.join("; "),
        }),
        summary: Some(format!(
            "> [!WARNING]\n> **{env}**: {summary}:\n{}\n",
            quoted_bullets(lines)
        )),
        ..Channels::default()
    }
}

fn started(subject: &Subject, fingerprint: &str) -> Channels {
    let env = subject.env;
    match subject.action {
        Action::Apply => Channels {
            status: Some(StatusRecord {
                context: env.to_string(),
                state: State::Pending,
                description: format!("applying {}", fingerprint_short(fingerprint)),
                required: true,
            }),
            tracker: Some(TrackerRecord {
                status: Status::Applying,
                note: None,
            }),
            deployment: Some(DeploymentRecord::Start {
                task: APPLY_TASK,
                fingerprint: fingerprint.to_string(),
                production: subject.production,
                description: "applying".into(),
            }),
            ..Channels::default()
        },
        Action::Destroy => Channels {
            status: Some(StatusRecord {
                context: destroy_context(env),
                state: State::Pending,
                description: "destroying".into(),
                required: false,
            }),
            deployment: Some(DeploymentRecord::Start {
                task: DESTROY_TASK,
                fingerprint: fingerprint.to_string(),
                production: false,
                description: "destroying".into(),
            }),
            ..Channels::default()
        },
    }
}

fn done_channels(subject: &Subject, done: &Done) -> Channels {
    let (env, sha) = (subject.env, short_sha(subject.sha));
    match subject.action {
        Action::Apply => {
            let description = format!("applied {}", fingerprint_short(&done.fingerprint));
            Channels {
                stderr: vec![format!("{env}: applied {} at {sha}", done.fingerprint)],
                summary: Some(format!(
                    "### ✅ {env}: applied at `{sha}`\n\n{}",
                    done.block
                )),
                status: Some(StatusRecord {
                    context: env.to_string(),
                    state: State::Success,
                    description: description.clone(),
                    required: true,
                }),
                deployment: Some(DeploymentRecord::End {
                    state: DeployState::Success,
                    description,
                }),
                tracker: Some(TrackerRecord {
                    status: Status::Applied,
                    note: None,
                }),
                ..Channels::default()
            }
        }
        Action::Destroy => {
            let description = format!("destroyed {} resource(s)", done.deleted);
            Channels {
                stderr: vec![format!("{env}: {description}")],
                summary: Some(format!("### ✅ {env}: {description}\n")),
                status: Some(StatusRecord {
                    context: destroy_context(env),
                    state: State::Success,
                    description: description.clone(),
                    required: false,
                }),
                deployment: Some(DeploymentRecord::End {
                    state: DeployState::Success,
                    description,
                }),
                ..Channels::default()
            }
        }
    }
}

fn failed(subject: &Subject, failure: &Failure) -> Channels {
    let env = subject.env;
    let verb = match subject.action {
        Action::Apply => "apply",
        Action::Destroy => "destroy",
    };
    let interrupted = failure.kind == FailureKind::Interrupted;
    let how = if interrupted { "interrupted" } else { "failed" };
    let summary = Some(format!(
        "### ❌ {env}: {verb} {how}\n\n```text\n{}\n```\n",
        tail(&failure.text, SUMMARY_FAILURE_TAIL)
    ));
    let deployment = Some(DeploymentRecord::End {
        state: DeployState::Failure,
        description: format!("{verb} {how}"),
    });
    // The error itself reaches stderr once, as the command's last word.
    match subject.action {
        Action::Apply => {
            let description = if interrupted {
                "interrupted; the state lock was released".to_string()
            } else {
                format!("failed: {}", excerpt(&failure.text))
            };
            Channels {
                summary,
                status: Some(StatusRecord {
                    context: env.to_string(),
                    state: State::Failure,
                    description: description.clone(),
                    required: false,
                }),
                deployment,
                tracker: Some(TrackerRecord {
                    status: Status::Failed,
                    note: Some(description),
                }),
                ..Channels::default()
            }
        }
        Action::Destroy => Channels {
            summary,
            status: Some(StatusRecord {
                context: destroy_context(env),
                state: State::Failure,
                description: format!("{verb} {how}"),
                required: false,
            }),
            deployment,
            ..Channels::default()
        },
    }
}

/// A destroy's status sits beside the environment's apply status, never replacing the
/// ladder's record of what was applied.
fn destroy_context(env: &str) -> String {
    format!("{env}/destroy")
}

fn one_line(text: &str) -> String {
    text.replace('\n', " ")
}

fn quoted_bullets(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("> - {}\n", one_line(l)))
        .collect()
}

/// The last `limit` characters of `text`.
fn tail(text: &str, limit: usize) -> String {
    let count = text.chars().count();
    text.chars().skip(count.saturating_sub(limit)).collect()
}

/// The line of an error that says what went wrong, short enough for a status: Terraform's
/// last `Error:` line when there is one (the lines after it only locate it), else the last
/// two meaningful lines on one line.
pub fn excerpt(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let tail = match lines.iter().rev().find(|l| l.starts_with("Error:")) {
        Some(error) => error.to_string(),
        None => lines[lines.len().saturating_sub(2)..].join(" "),
    };
    let flat: String = tail.chars().take(120).collect();
    if tail.chars().count() > 120 {
        format!("{flat}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Refusal;

    fn subject(action: Action) -> Subject<'static> {
        Subject {
            action,
            env: "prod",
            sha: "0123456789abcdef",
            production: true,
        }
    }

    #[test]
    fn an_approval_refusal_waits_and_any_other_blocks() {
        for gate in GateId::ALL {
            let outcome = Outcome::Refused(Refusal::new(gate, "prod", vec!["f".into()], "n"));
            let channels = decide(&subject(Action::Apply), &Event::Ended(&outcome));
            let want = if gate == GateId::Approval {
                Status::WaitingForApproval
            } else {
                Status::Blocked
            };
            assert_eq!(channels.tracker.map(|t| t.status), Some(want), "{gate}");
            assert_eq!(channels.status.map(|s| s.state), Some(State::Error));
        }
    }

    #[test]
    fn a_refused_destroy_changes_no_record() {
        let outcome =
            Outcome::Refused(Refusal::new(GateId::Destroy, "prod", vec!["f".into()], "n"));
        let channels = decide(&subject(Action::Destroy), &Event::Ended(&outcome));
        assert!(channels.status.is_none() && channels.tracker.is_none());
        assert!(channels.deployment.is_none());
        assert!(channels.summary.is_some_and(|s| s.contains("destroy gate")));
    }

    #[test]
    fn only_an_apply_start_or_success_status_is_required() {
        let fp = "a".repeat(64);
        let apply = decide(
            &subject(Action::Apply),
            &Event::Started { fingerprint: &fp },
        );
        assert!(apply.status.is_some_and(|s| s.required));
        let destroy = decide(
            &subject(Action::Destroy),
            &Event::Started { fingerprint: &fp },
        );
        let status = destroy.status.expect("status");
        assert!(!status.required);
        assert_eq!(status.context, "prod/destroy");
    }

    #[test]
    fn excerpts_keep_the_last_lines_short() {
        assert_eq!(excerpt("a\n\n b \nc"), "b c");
        assert_eq!(
            excerpt(
                "Error: BucketAlreadyExists\n\n  with aws_s3_bucket.models,\n  on main.tf line 3"
            ),
            "Error: BucketAlreadyExists"
        );
        let long = "x".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 121);
        assert_eq!(tail("abcdef", 3), "def");
    }
}
