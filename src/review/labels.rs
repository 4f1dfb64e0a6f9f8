//! The labels a policy may count, gathered once per environment before the plan. Only the
//! labels a policy names are looked at (so a pull request without an allow label costs no
//! GitHub call), and each counts only when [`crate::policy::allow_labels`] says a person
//! with write access who is not the author added it: the pull request's own workflow token
//! can add labels too. The labels, the author and who added what are read from GitHub,
//! never from the event payload alone (a file the job could have rewritten):
//! - a pull request's plan: the pull request as GitHub lists it now, asked only when the
//!   payload shows a label a policy names (the payload can only make fewer labels count);
//! - an apply (a push of a merge commit): the merged pull request GitHub lists for the
//!   commit. If that cannot be read there are no labels, so nothing a label would allow is
//!   allowed.

use super::setup::ReviewSetup;
use crate::context::Context;
use crate::github::GitHub;
use crate::policy::PolicySet;
use crate::policy::allow_labels::{self, Judged, Verdict};

/// The pull request as GitHub lists it: number, author, labels.
struct Labelled {
    number: u64,
    author: String,
    labels: Vec<String>,
}

enum Source {
    Read(Box<GitHub>, Labelled),
    /// Labels known (from the event payload) but not who added them, and why.
    Unchecked(Vec<String>, String),
    Nothing,
}

/// Sets `setup.judged_labels` to the verdict on each label a policy names (the honoured
/// ones are what policies see).
pub async fn judge(context: &Context, setup: &mut ReviewSetup) {
    setup.judged_labels.clear();
    // No policies (or none readable): no label can change anything.
    let Some((_, Ok(set))) = &setup.policy else {
        return;
    };
    let judged = match source(context, set).await {
        Source::Nothing => return,
        Source::Unchecked(labels, why) => allow_labels::named_by_policies(set, &labels)
            .into_iter()
            .map(|label| Judged {
                label,
                verdict: Verdict::Refused(format!("who added it was not checked: {why}")),
            })
            .collect(),
        Source::Read(github, pull) => {
            let present = allow_labels::named_by_policies(set, &pull.labels);
            if present.is_empty() {
                return;
            }
            let facts = github.label_facts(pull.number, present, pull.author).await;
            allow_labels::judge(&facts)
        }
    };
    // In the log too: which label let what through, and on whose word.
    for j in &judged {
        crate::say!(
            "tfpromote: {}: label `{}` {}",
            setup.env,
            j.label,
            j.explain()
        );
    }
    setup.judged_labels = judged;
}

async fn source(context: &Context, set: &PolicySet) -> Source {
    let github = match GitHub::from_context(context) {
        Ok(Some(github)) => Ok(github),
        Ok(None) => {
            Err("no GitHub token and repository to read the pull request's events with".to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    if context.is_pull_request() {
        // Labels only ever allow: when the payload shows none a policy names, none is asked
        // about (no GitHub call), and one added since counts from the next run on.
        let payload = payload_labels(context);
        if allow_labels::named_by_policies(set, &payload).is_empty() {
            return Source::Nothing;
        }
        let (github, Some(number)) = (github, context.pr) else {
            return Source::Unchecked(payload, "the run names no pull request".into());
        };
        let github = match github {
            Ok(github) => github,
            Err(why) => return Source::Unchecked(payload, why),
        };
        return match github.pull_request(number).await {
            Ok(pull) => Source::Read(
                Box::new(github),
                Labelled {
                    number,
                    author: pull.user.map(|u| u.login).unwrap_or_default(),
                    labels: pull.labels.into_iter().map(|l| l.name).collect(),
                },
            ),
            Err(e) => Source::Unchecked(payload, e.to_string()),
        };
    }
    let (Ok(github), true, Some(sha)) = (github, context.is_push(), context.commit()) else {
        return Source::Nothing;
    };
    let pulls = match github.pulls_for_commit(sha).await {
        Ok(pulls) => pulls,
        Err(e) => {
            crate::say!(
                "tfpromote: the labels of the pull request merged as {sha} could not be read, so no policy's allow label counts: {e}"
            );
            return Source::Nothing;
        }
    };
    let Some(number) = crate::github::pulls::merged_pr_of(&pulls, sha) else {
        return Source::Nothing;
    };
    let Some(pull) = pulls.into_iter().find(|p| p.number == number) else {
        return Source::Nothing;
    };
    Source::Read(
        Box::new(github),
        Labelled {
            number,
            author: pull.user.map(|u| u.login).unwrap_or_default(),
            labels: pull.labels.into_iter().map(|l| l.name).collect(),
        },
    )
}

/// The labels in the event payload GitHub wrote for this run: shown as unchecked when
/// GitHub cannot be asked who added them.
fn payload_labels(context: &Context) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Event {
        pull_request: Option<Pull>,
    }
    #[derive(serde::Deserialize)]
    struct Pull {
        #[serde(default)]
        labels: Vec<Label>,
    }
    #[derive(serde::Deserialize)]
    struct Label {
        name: String,
    }
    context
        .var("GITHUB_EVENT_PATH")
        .and_then(|path| std::fs::read_to_string(path).ok())
        .and_then(|text| serde_json::from_str::<Event>(&text).ok())
        .and_then(|event| event.pull_request)
        .map(|pull| pull.labels.into_iter().map(|l| l.name).collect())
        .unwrap_or_default()
}
