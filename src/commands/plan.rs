//! `tfpromote plan`: plan environments (concurrently, bounded by `terraform.parallelism`),
//! summarise each plan, and write the tracker comment, job summary and step outputs.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use crate::actions;
use crate::aws::{self, RoleKind};
use crate::cli::PlanArgs;
use crate::config::{Config, Environment};
use crate::context::Context;
use crate::github::publish;
use crate::pipeline::{EnvReport, PlanOptions, Step};
use crate::redact::Redactor;
use crate::render::STEP_SUMMARY_BUDGET;
use crate::render::markdown;
use crate::summary::Summary;
use crate::terraform::signals;
use crate::tracker;
use crate::{Error, Result};

pub async fn run(config: Arc<Config>, context: &Context, args: &PlanArgs) -> Result<()> {
    let selected = select(&config, args)?;
    // A merge queue's run: its payload is read before any Terraform runs.
    let queue = super::merge_queue::group(context)?;
    // A pull request's providers run with the plan role: refuse unreviewed ones before
    // anything else runs.
    if context.is_pull_request() {
        super::new_providers::check(&config, context, &selected)?;
    }
    // A job without an ID token fails every environment that has a role the same way, and
    // the fix is in the workflow: say so once, before any Terraform runs.
    aws::require_id_token(&config, context, &selected, RoleKind::Plan)?;
    signals::install();
    let terraform = Arc::new(super::terraform_for(&config, context).await?);
    // Output is held until the plan JSON is read: only then are all secret values known,
    // and Terraform's text has been seen to print prior values whose mark it lost.
    let step = Step {
        role: RoleKind::Plan,
        // A plan changes nothing, and the plan role may not write lock files.
        options: PlanOptions {
            destroy: false,
            lock: config.terraform.lock_plans,
        },
        log: "plan",
        prefixed: selected.len() > 1 && config.terraform.parallelism.0 > 1,
        annotate: true,
    };
    let limit = Arc::new(Semaphore::new(config.terraform.parallelism.0));
    let all_started = Instant::now();

    // Phase 1: every environment's credentials and `init`. An `init` may rewrite the shared
    // plugin cache, which a running plan executes its providers from, so no environment's
    // plan starts before every `init` of this run has ended (see terraform::plugin_cache).
    let mut initialising = Vec::new();
    for env in selected {
        let (config, terraform, limit) = (config.clone(), terraform.clone(), limit.clone());
        let context = context.clone();
        initialising.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            crate::say!(
                "tfpromote: {}: planning in {}",
                env.name,
                config.env_dir(&env).display()
            );
            step.init(&config, &context, &env, &terraform).await
        }));
    }
    let mut initialised = Vec::new();
    let mut lost = None;
    for task in initialising {
        match task.await {
            Ok(done) => initialised.push(done),
            Err(e) => {
                lost.get_or_insert_with(|| Error::Internal(format!("an init task stopped: {e}")));
            }
        }
    }

    // Phase 2: the plans, concurrently.
    let mut tasks = Vec::new();
    for ready in initialised {
        let (config, limit) = (config.clone(), limit.clone());
        let context = context.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let planned = step.plan(&config, &context, ready).await;
            let name = planned.env.name.to_string();
            let seconds = planned.seconds;
            let result = planned.result.map(|(_, saved)| {
                crate::say!(
                    "tfpromote: {name}: planned in {seconds:.1}s (waited {:.1}s for the plugin cache lock)",
                    saved.init_wait.as_secs_f64()
                );
                saved.summary
            });
            if let Err(e) = &result {
                crate::say!(
                    "tfpromote: {name}: plan failed after {seconds:.1}s: {}",
                    crate::redact::point::mask(&e.to_string())
                );
            }
            (name, result, planned.redactor, seconds)
        }));
    }

    // Wait for every task before reporting an interrupt: returning early would drop the
    // runtime while other environments' Terraform is still stopping (and releasing its lock).
    let mut reports = Vec::new();
    let mut redactor: Redactor = terraform.redactor().clone();
    let mut interrupted = false;
    let mut slowest: f64 = 0.0;
    for task in tasks {
        let (name, result, env_redactor, seconds) = match task.await {
            Ok(done) => done,
            Err(e) => {
                lost.get_or_insert_with(|| Error::Internal(format!("a plan task stopped: {e}")));
                continue;
            }
        };
        if let Err(Error::Terraform(e)) = &result
            && e.interrupted
        {
            interrupted = true;
            continue;
        }
        slowest = slowest.max(seconds);
        redactor.add_list(env_redactor.literals().clone());
        reports.push(EnvReport {
            name,
            result: result.map_err(|e| crate::redact::point::mask(&e.to_string())),
        });
    }
    if reports.len() > 1 {
        // Concurrent plans should take about as long as the slowest one.
        crate::say!(
            "tfpromote: {} environments in {:.1}s (longest environment {slowest:.1}s)",
            reports.len(),
            all_started.elapsed().as_secs_f64()
        );
    }
    if interrupted || signals::cancelled() {
        return Err(Error::Interrupted);
    }
    if let Some(error) = lost {
        return Err(error);
    }
    publish(&config, context, &redactor, &reports, args).await?;
    match &queue {
        Some(group) => super::merge_queue::check(&config, context, group, &reports).await,
        None => Ok(()),
    }
}

fn select(config: &Config, args: &PlanArgs) -> Result<Vec<Environment>> {
    if args.all {
        return Ok(config.environments.to_vec());
    }
    let mut chosen = Vec::new();
    for name in &args.envs {
        let env = super::environment(config, name)?;
        if !chosen.iter().any(|e: &Environment| e.name == env.name) {
            chosen.push(env);
        }
    }
    Ok(chosen)
}

/// Writes every result: report file, job summary, outputs; then the tracker comment in a
/// pull request's context; then the comment file (or stdout) with exactly the body posted,
/// or the one that would be posted.
async fn publish(
    config: &Config,
    context: &Context,
    redactor: &Redactor,
    reports: &[EnvReport],
    args: &PlanArgs,
) -> Result<()> {
    // Registered per environment before its log; only what is still new is written.
    actions::add_masks(redactor.mask_forms());
    let rendering = crate::timing::phase(|| "render".into());
    // Masked once, by the file and job-summary channels.
    let render = |budget| markdown::plan_document("Terraform plan", reports, budget);
    if let Some(path) = &args.report_file {
        write_file(path, &render(usize::MAX))?;
    }
    actions::append_step_summary(&render(STEP_SUMMARY_BUDGET))
        .map_err(|e| Error::io("cannot write $GITHUB_STEP_SUMMARY", e))?;
    write_outputs(reports).map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;

    let budget = tracker::section_budget(config.environments.len().max(reports.len()));
    let mut records = publish::plan_records(context, reports, budget);
    drop(rendering);
    // Every Terraform process has exited: only now is an ID token requested to sign what
    // reviewers will see.
    if context.is_pull_request() {
        let _timed = crate::timing::phase(|| "sign".into());
        for line in crate::github::signed_plan::sign(context, &mut records).await {
            actions::annotate(actions::Level::Warning, "tfpromote: plan not signed", &line);
        }
    }
    // A matrix job hands its records to the final merge job rather than racing the others.
    if let Some(path) = &args.records_out {
        super::merge_plans::write_records(path, &records)?;
    } else {
        let commenting = crate::timing::phase(|| "comment".into());
        let posted = publish::publish_plans(config, context, &records).await;
        drop(commenting);
        let comment = match posted {
            Some((url, body)) => {
                actions::set_output("comment_url", &url)
                    .map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
                body
            }
            None => publish::standalone_body(config, &records),
        };
        match &args.comment_file {
            Some(path) => write_file(path, &comment)?,
            None => crate::out!("{comment}"),
        }
    }

    let failures: Vec<String> = reports
        .iter()
        .filter_map(|r| r.result.as_ref().err().map(|e| format!("{}: {e}", r.name)))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Multiple(failures))
    }
}

fn write_file(path: &std::path::Path, text: &str) -> Result<()> {
    actions::write_file(path, text)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// Step outputs are built from structured data; the output channel masks each value (a JSON
/// value inside its strings, so it stays valid). Trivial values such as `true` or a count
/// are never registered as secrets, so they are never masked.
fn write_outputs(reports: &[EnvReport]) -> std::io::Result<()> {
    let ok: Vec<(&str, &Summary)> = reports
        .iter()
        .filter_map(|r| r.result.as_ref().ok().map(|s| (r.name.as_str(), s)))
        .collect();
    let sum = |f: fn(&Summary) -> usize| ok.iter().map(|(_, s)| f(s)).sum::<usize>().to_string();
    actions::set_output(
        "has_changes",
        &ok.iter().any(|(_, s)| s.has_changes()).to_string(),
    )?;
    actions::set_output("add", &sum(|s| s.counts.create))?;
    actions::set_output("change", &sum(|s| s.counts.update))?;
    actions::set_output("destroy", &sum(|s| s.counts.delete))?;
    actions::set_output("replace", &sum(|s| s.counts.replace))?;
    if let [(_, only)] = ok.as_slice() {
        actions::set_output("fingerprint", &only.fingerprint)?;
    }
    // Per environment, under its own name (for the CLI in any CI); the action exposes only
    // `environments`, as it cannot declare outputs for names it does not know.
    for (name, s) in &ok {
        actions::set_output(&format!("{name}_has_changes"), &s.has_changes().to_string())?;
        actions::set_output(&format!("{name}_add"), &s.counts.create.to_string())?;
        actions::set_output(&format!("{name}_change"), &s.counts.update.to_string())?;
        actions::set_output(&format!("{name}_destroy"), &s.counts.delete.to_string())?;
        actions::set_output(&format!("{name}_replace"), &s.counts.replace.to_string())?;
        actions::set_output(&format!("{name}_fingerprint"), &s.fingerprint)?;
        let json = crate::render::json::render(s);
        actions::set_output(&format!("{name}_summary_json"), &json)?;
    }
    actions::set_output("environments", &environments_output(&ok))?;
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| r.result.is_err())
        .map(|r| r.name.as_str())
        .collect();
    actions::set_output("failed", &failed.join(","))?;
    Ok(())
}

/// The `environments` output: one JSON object keyed by environment name, so a workflow
/// reads any environment of any config (`fromJSON(...).<name>.has_changes`) without the
/// action declaring one output per environment name.
fn environments_output(planned: &[(&str, &Summary)]) -> String {
    let mut all = serde_json::Map::new();
    for (name, s) in planned {
        let summary = serde_json::from_str::<serde_json::Value>(&crate::render::json::render(s))
            .unwrap_or(serde_json::Value::Null);
        all.insert(
            (*name).to_string(),
            serde_json::json!({
                "has_changes": s.has_changes(),
                "add": s.counts.create,
                "change": s.counts.update,
                "destroy": s.counts.delete,
                "replace": s.counts.replace,
                "fingerprint": s.fingerprint,
                "summary": summary,
            }),
        );
    }
    serde_json::Value::Object(all).to_string()
}
