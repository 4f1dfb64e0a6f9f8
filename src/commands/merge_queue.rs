//! `plan` on a `merge_group` event: the queue's commit is planned like any other, then each
//! environment's plan is checked against what was reviewed ([`crate::gate::merge_queue`]):
//! the signed plans of the pull requests in the group and of those merged since the
//! environment's last apply. A refusal exits 3, so the queue's required check fails and
//! the pull request leaves the queue before its commit lands.

use crate::config::Config;
use crate::context::Context;
use crate::gate::catch_up::MergedReview;
use crate::gate::plan_change::Current;
use crate::gate::{Fact, Verdict, merge_queue};
use crate::github::GitHub;
use crate::github::publish::tracker_options;
use crate::merge_queue::{Group, parse};
use crate::pipeline::EnvReport;
use crate::{Error, Result};

/// The queue's group of this run, when it is a `merge_group` run.
pub fn group(context: &Context) -> Result<Option<Group>> {
    if context.event_name.as_deref() != Some("merge_group") {
        return Ok(None);
    }
    let path = context.var("GITHUB_EVENT_PATH").ok_or_else(|| {
        Error::Usage("a merge_group run needs GITHUB_EVENT_PATH (set by GitHub Actions)".into())
    })?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(format!("cannot read the event payload {path}"), e))?;
    parse(&text)
        .map(Some)
        .map_err(|why| Error::Usage(format!("{path}: {why}")))
}

/// Checks every planned environment of the group's commit; the first refusal is returned
/// after all are reported.
pub async fn check(
    config: &Config,
    context: &Context,
    group: &Group,
    reports: &[EnvReport],
) -> Result<()> {
    let gh = GitHub::from_context(context)?.ok_or_else(|| {
        Error::Usage("the merge-queue check needs GITHUB_REPOSITORY and a token".into())
    })?;
    let settings = &config.github;
    let issuer = settings.issuer(context.var("TFPROMOTE_OIDC_ISSUER"));
    let options = tracker_options(config, context);
    let queued = Fact::from_result(
        gh.queued_pulls(&group.base_sha, &group.head_sha, group.pr)
            .await,
    );
    let mut refusals = Vec::new();
    for report in reports {
        let Ok(summary) = &report.result else {
            continue;
        };
        let Some(env) = config
            .environments
            .iter()
            .find(|e| e.name.as_str() == report.name)
        else {
            continue;
        };
        let name = env.name.as_str();
        let reviewed = match (
            &queued,
            gh.merged_window(settings, name, &group.base_sha).await,
        ) {
            (Fact::Unknown(why), _) => Fact::Unknown(why.clone()),
            (_, Some(Err(e))) => Fact::Unknown(e.to_string()),
            (Fact::Known(group_prs), window) => {
                let mut numbers = window
                    .and_then(Result::ok)
                    .map(|w| w.numbers)
                    .unwrap_or_default();
                numbers.extend(group_prs.iter().copied());
                let mut merged = Vec::new();
                for number in numbers {
                    merged.push(MergedReview {
                        number,
                        changes: gh
                            .signed_changes(settings, &issuer, &options, number, name)
                            .await,
                    });
                }
                Fact::Known(merged)
            }
        };
        let current = Current {
            fingerprint: summary.fingerprint.clone(),
            changes: summary.change_digests(),
        };
        match merge_queue::check(name, env.plan_change_policy(), group.pr, reviewed, &current) {
            Verdict::Allow => crate::say!(
                "tfpromote: {name}: the queue's commit {} for #{} changes only what was reviewed",
                crate::gate::short_sha(&group.head_sha),
                group.pr
            ),
            Verdict::Warn(lines) => crate::say!(
                "tfpromote: {name}: the queue's commit changes more than was reviewed (on_plan_change: warn):\n  - {}",
                lines.join("\n  - ")
            ),
            Verdict::Refuse(refusal) => {
                crate::say!("tfpromote: {refusal}");
                if let Err(e) = crate::actions::append_step_summary(&format!(
                    "### ⛔ {name}: refused by the merge-queue check\n\n{}\n\n**Next:** {}\n",
                    refusal
                        .facts
                        .iter()
                        .map(|f| format!("- {f}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    refusal.next
                )) {
                    crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
                }
                refusals.push(refusal);
            }
        }
    }
    match refusals.into_iter().next() {
        Some(first) => Err(Error::from(first)),
        None => Ok(()),
    }
}
