//! `tfpromote drift`: plans every environment at main's commit (no lock: it changes
//! nothing) and keeps one issue per drifted environment: opened on drift, updated while it
//! lasts, closed once the environment matches main again.

use std::sync::Arc;

use crate::actions;
use crate::aws::{self, RoleKind};
use crate::config::Config;
use crate::context::Context;
use crate::drift::{self, Action};
use crate::pipeline::{PlanOptions, Step};
use crate::render::markdown;
use crate::terraform::signals;
use crate::{Error, Result};

pub async fn run(config: Arc<Config>, context: &Context) -> Result<()> {
    aws::require_id_token(&config, context, config.environments.iter(), RoleKind::Plan)?;
    let (gh, sha) = super::github_and_sha(context, "drift")?;
    signals::install();
    let terraform = super::terraform_for(&config, context).await?;
    let open = gh.open_issues(drift::LABEL).await?;
    let bodies: Vec<(u64, Option<&str>)> =
        open.iter().map(|i| (i.number, i.body.as_deref())).collect();
    let names: Vec<&str> = config
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    let positions = gh.positions(&config.github, &names, &sha).await;
    let promotion = crate::promotion_lag::report(&sha, &positions);
    crate::say!("{promotion}");
    if let Err(e) = actions::append_step_summary(&promotion) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
    }
    // Locks as pull-request plans do (`terraform.lock_plans`): a drift check changes nothing.
    let step = Step {
        role: RoleKind::Plan,
        options: PlanOptions {
            destroy: false,
            lock: config.terraform.lock_plans,
        },
        log: "drift-plan",
        prefixed: false,
        annotate: false,
    };
    let mut failures = Vec::new();
    let mut drifted_envs = Vec::new();
    for env in config.environments.iter() {
        let name = env.name.as_str();
        let planned = step.run(&config, context, env, &terraform).await;
        let saved = match planned.result {
            Ok((_, saved)) => saved,
            Err(e) if signals::cancelled() => return Err(e),
            Err(e) => {
                // A failed plan says nothing about drift: the issue stays as it is.
                failures.push(format!(
                    "{name}: {}",
                    crate::redact::point::mask(&e.to_string())
                ));
                continue;
            }
        };
        let lagging = positions.iter().any(|p| p.env == name && p.lagging(&sha));
        let (outside, changes) = (saved.summary.drift.len(), saved.summary.has_changes());
        let is_drifted = crate::promotion_lag::out_of_band(outside, changes, lagging);
        let block =
            crate::redact::point::mask(&markdown::environment_block(name, &saved.summary, 50_000));
        let reported = format!("{promotion}\n{block}");
        match drift::decide(drift::find(name, &bodies), is_drifted) {
            Action::Open => {
                let (title, body) =
                    drift::issue(name, &sha, context.run_url().as_deref(), &reported);
                let issue = gh.create_issue(&title, &body, &[drift::LABEL]).await?;
                crate::say!("tfpromote: {name}: drifted; opened {}", issue.html_url);
            }
            Action::Update(n) => {
                let (_, body) = drift::issue(name, &sha, context.run_url().as_deref(), &reported);
                gh.update_issue(n, &body, None).await?;
                crate::say!("tfpromote: {name}: still drifted; updated issue #{n}");
            }
            Action::Close(n) => {
                gh.update_issue(n, &drift::resolved(name, &sha), Some("closed"))
                    .await?;
                crate::say!("tfpromote: {name}: no drift; closed issue #{n}");
            }
            Action::Nothing => crate::say!("tfpromote: {name}: no drift"),
        }
        if is_drifted {
            drifted_envs.push(name.to_string());
            if let Err(e) = actions::append_step_summary(&block) {
                crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
            }
        }
    }
    actions::set_output("drifted", &drifted_envs.join(","))
        .map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Multiple(failures))
    }
}
