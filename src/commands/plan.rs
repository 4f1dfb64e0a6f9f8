//! `tfpromote plan`: plan environments (concurrently, bounded by `terraform.parallelism`),
//! summarise each plan, and write the Markdown, job summary and step outputs.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;

use crate::actions;
use crate::aws::{self, RoleKind};
use crate::cli::PlanArgs;
use crate::config::{Config, Environment};
use crate::github::publish as tracker;
use crate::redact::Redactor;
use crate::render::markdown::{self, EnvResult};
use crate::render::{COMMENT_BUDGET, STEP_SUMMARY_BUDGET};
use crate::summary::Summary;
use crate::terraform::output::OutputSink;
use crate::terraform::runner::PlanArgs as TfPlanArgs;
use crate::terraform::{Terraform, signals};
use crate::{Error, Result};

/// One environment's plan result.
struct Planned {
    name: String,
    result: Result<Summary, String>,
}

pub async fn run(config: Arc<Config>, args: &PlanArgs) -> Result<()> {
    let selected = select(&config, args)?;
    // A job without an ID token fails every environment that has a role the same way, and
    // the fix is in the workflow: say so once, before any Terraform runs.
    let mut requests = Vec::new();
    for env in &selected {
        requests.push(aws::request_for(&config, env, RoleKind::Plan)?);
    }
    signals::install();
    let terraform = Arc::new(super::terraform_for(&config).await?);

    // Output is held until the plan JSON is read: only then are all secret values known,
    // and Terraform's text has been seen to print prior values whose mark it lost.
    let concurrent = selected.len() > 1 && config.terraform.parallelism.0 > 1;
    let limit = Arc::new(Semaphore::new(config.terraform.parallelism.0));
    let all_started = Instant::now();
    let mut tasks = Vec::new();
    for (env, request) in selected.into_iter().zip(requests) {
        let (config, terraform, limit) = (config.clone(), terraform.clone(), limit.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await;
            let name = env.name.to_string();
            eprintln!(
                "tfpromote: {name}: planning in {}",
                config.env_dir(&env).display()
            );
            let started = Instant::now();
            let sink = OutputSink::buffered();
            let mut redactor = terraform.redactor().clone();
            // Issue 10 item 1: secrets of var files are known before Terraform can echo them.
            redactor.add_literals(crate::secrets::learn(
                &config.env_dir(&env),
                &var_files(&config, &env),
            ));
            let result = match assume(&config, request, &terraform, &mut redactor).await {
                Ok(terraform) => plan_one(&config, &env, &terraform, &sink).await,
                Err(e) => Err(e),
            };
            if let Ok(summary) = &result {
                redactor.add_literals(summary.secret_literals.iter().cloned());
            }
            let lines = sink.take();
            // Issue 10 item 2: the runner masks only what follows its `::add-mask::`.
            actions::add_masks(redactor.mask_forms_after(terraform.redactor()));
            print_log(&name, &lines, &redactor, concurrent);
            annotate_diagnostics(&config.env_dir(&env), &lines, &redactor);
            let seconds = started.elapsed().as_secs_f64();
            match &result {
                Ok(_) => eprintln!("tfpromote: {name}: planned in {seconds:.1}s"),
                Err(e) => eprintln!(
                    "tfpromote: {name}: plan failed after {seconds:.1}s: {}",
                    redactor.redact(&e.to_string())
                ),
            }
            (name, result, redactor, seconds)
        }));
    }

    // Wait for every task before reporting an interrupt: returning early would drop the
    // runtime while other environments' Terraform is still stopping (and releasing its lock).
    let mut planned = Vec::new();
    let mut interrupted = false;
    let mut lost = None;
    let mut slowest: f64 = 0.0;
    for task in tasks {
        let (name, result, redactor, seconds) = match task.await {
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
        planned.push(Planned {
            name,
            result: result.map_err(|e| redactor.redact(&e.to_string()).into_owned()),
        });
    }
    if planned.len() > 1 {
        // design.md section 12: concurrent plans should take about as long as the slowest one.
        eprintln!(
            "tfpromote: {} environments in {:.1}s (longest environment {slowest:.1}s)",
            planned.len(),
            all_started.elapsed().as_secs_f64()
        );
    }
    if interrupted || signals::cancelled() {
        return Err(Error::Interrupted);
    }
    if let Some(error) = lost {
        return Err(error);
    }
    publish(&config, &terraform, &planned, args).await
}

/// The Terraform runner for one environment: with the plan role's credentials in the child's
/// environment when the environment has a plan role, else the ambient one. The secret parts
/// join the redactor, so nothing that echoes them reaches the log.
async fn assume(
    config: &Config,
    request: Option<aws::AssumeRequest>,
    terraform: &Terraform,
    redactor: &mut Redactor,
) -> Result<Terraform> {
    let Some(request) = request else {
        return Ok(terraform.clone());
    };
    let creds = aws::assume(&request).await?;
    redactor.add_literals(aws::secrets(&creds).map(str::to_string));
    eprintln!(
        "tfpromote: {}: assumed {}, expires {}",
        request.env, creds.assumed_role_arn, creds.expiration
    );
    Ok(aws::with_credentials(
        terraform.clone(),
        &creds,
        &config.aws.region,
    ))
}

/// Prints one environment's Terraform output as a collapsible group, with workflow commands
/// disabled inside it (the text may echo strings a pull request controls).
fn print_log(name: &str, lines: &[String], redactor: &Redactor, prefixed: bool) {
    let prefix = if prefixed && !actions::in_actions() {
        format!("[{name}] ")
    } else {
        String::new()
    };
    actions::group_start(&format!("terraform: {name}"));
    let token = actions::pause_commands();
    for line in lines {
        eprintln!("{prefix}{}", redactor.redact(line));
    }
    actions::resume_commands(token);
    actions::group_end();
}

/// Terraform's errors and warnings as annotations on the file and line they name, so they
/// show on the pull request's diff. Paths are made relative to the working directory (the
/// workspace in Actions). At most ten per environment: GitHub shows no more per step.
fn annotate_diagnostics(dir: &std::path::Path, lines: &[String], redactor: &Redactor) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let base = dir.strip_prefix(&cwd).unwrap_or(dir);
    for d in actions::diagnostics(lines).into_iter().take(10) {
        let level = if d.error {
            actions::Level::Error
        } else {
            actions::Level::Warning
        };
        let title = format!("Terraform: {}", redactor.redact(&d.summary));
        let detail = redactor.redact(&d.detail);
        match &d.location {
            Some((file, line)) => {
                let path = base.join(file);
                actions::annotate_at(level, &title, &detail, &path.to_string_lossy(), *line)
            }
            None => actions::annotate(level, &title, &detail),
        }
    }
}

fn select(config: &Config, args: &PlanArgs) -> Result<Vec<Environment>> {
    if args.all {
        return Ok(config.environments.to_vec());
    }
    let mut chosen = Vec::new();
    for name in &args.envs {
        let name = name.trim();
        let env = config.environment(name).ok_or_else(|| {
            Error::Usage(format!(
                "unknown environment {name:?}: {} defines {}",
                config.path.display(),
                config.names().join(", ")
            ))
        })?;
        if !chosen.iter().any(|e: &Environment| e.name == env.name) {
            chosen.push(env.clone());
        }
    }
    Ok(chosen)
}

async fn plan_one(
    config: &Config,
    env: &Environment,
    terraform: &Terraform,
    sink: &OutputSink,
) -> Result<Summary> {
    let dir = config.env_dir(env);
    // Plan files and their JSON hold secrets in clear text: private, deleted on drop.
    let work = tempfile::Builder::new()
        .prefix("tfpromote-plan-")
        .tempdir()
        .map_err(|e| Error::io("cannot create a private temporary directory", e))?;
    let planfile = work.path().join("plan.tfplan");
    let json = work.path().join("plan.json");
    let backend_config: Vec<PathBuf> = env
        .backend_config
        .iter()
        .map(|p| config.resolve(p))
        .collect();
    terraform.init(&dir, &backend_config, sink).await?;
    let args = TfPlanArgs {
        destroy: false,
        var_files: var_files(config, env),
    };
    terraform.plan(&dir, &planfile, &args, sink).await?;
    terraform.show_json(&dir, &planfile, &json).await?;
    let summary = tokio::task::spawn_blocking(move || Summary::from_file(&json))
        .await
        .map_err(|e| Error::Internal(format!("the plan reader stopped: {e}")))??;
    drop(work);
    Ok(summary)
}

fn var_files(config: &Config, env: &Environment) -> Vec<PathBuf> {
    env.var_files.iter().map(|p| config.resolve(p)).collect()
}

/// Writes every result: Markdown (comment file or stdout), report file, job summary, outputs;
/// then, in a pull request's context, the tracker comment.
async fn publish(
    config: &Config,
    terraform: &Terraform,
    planned: &[Planned],
    args: &PlanArgs,
) -> Result<()> {
    let mut redactor: Redactor = terraform.redactor().clone();
    for p in planned {
        // Masks were registered per environment before its log was printed.
        if let Ok(summary) = &p.result {
            redactor.add_literals(summary.secret_literals.iter().cloned());
        }
    }
    let entries: Vec<EnvResult<'_>> = planned
        .iter()
        .map(|p| EnvResult {
            name: &p.name,
            result: p.result.as_ref().map_err(String::as_str),
        })
        .collect();
    let render = |budget| {
        redactor
            .redact(&markdown::plan_document("Terraform plan", &entries, budget))
            .into_owned()
    };

    let comment = render(COMMENT_BUDGET);
    match &args.comment_file {
        Some(path) => std::fs::write(path, &comment)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?,
        None => println!("{comment}"),
    }
    if let Some(path) = &args.report_file {
        std::fs::write(path, render(usize::MAX))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
    }
    actions::append_step_summary(&render(STEP_SUMMARY_BUDGET))
        .map_err(|e| Error::io("cannot write $GITHUB_STEP_SUMMARY", e))?;
    write_outputs(planned).map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
    if let Some(url) = tracker::update(config, planned_views(planned), &redactor).await {
        actions::set_output("comment_url", &url)
            .map_err(|e| Error::io("cannot write $GITHUB_OUTPUT", e))?;
    }

    let failures: Vec<String> = planned
        .iter()
        .filter_map(|p| p.result.as_ref().err().map(|e| format!("{}: {e}", p.name)))
        .collect();
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Multiple(failures))
    }
}

fn planned_views(planned: &[Planned]) -> Vec<(&str, Result<&Summary, &str>)> {
    planned
        .iter()
        .map(|p| (p.name.as_str(), p.result.as_ref().map_err(String::as_str)))
        .collect()
}

/// Step outputs are built from structured data and never pass through text masking
/// (issue 10 item 7): masking would turn `true` or a count into `***`.
fn write_outputs(planned: &[Planned]) -> std::io::Result<()> {
    let ok: Vec<(&str, &Summary)> = planned
        .iter()
        .filter_map(|p| p.result.as_ref().ok().map(|s| (p.name.as_str(), s)))
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
    let failed: Vec<&str> = planned
        .iter()
        .filter(|p| p.result.is_err())
        .map(|p| p.name.as_str())
        .collect();
    actions::set_output("failed", &failed.join(","))?;
    Ok(())
}
