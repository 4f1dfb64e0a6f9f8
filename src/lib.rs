//! tfpromote: plans Terraform environments on pull requests and promotes them in order.
//!
//! Functional core (`plan`, `summary`, `render`, `config` values) and imperative shell
//! (`terraform`, `actions`, `commands`). See docs/architecture.md for the whole picture.

pub mod actions;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod contract;
pub mod cost;
pub mod drift;
pub mod error;
pub mod gate;
pub mod github;
pub mod matrix;
pub mod merge_queue;
pub mod outcome;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod promotion_lag;
pub mod record;
pub mod redact;
pub mod render;
pub mod review;
pub mod secrets;
pub mod summary;
pub mod terraform;
pub mod timing;
pub mod tracker;

pub use error::{Error, ExitCode, Result};

use cli::{Cli, Command};
use std::sync::Arc;

/// Runs one command line to completion and reports the exit code.
pub fn run(cli: Cli) -> ExitCode {
    // The one place the process environment is read; everything below gets the context.
    let context = context::Context::from_env();
    actions::configure(&context.actions);
    // Before anything is printed: every credential this process holds is a secret.
    redact::point::learn(context.credentials());
    // A same-user child (Terraform, a provider, a local-exec) must not read our
    // environment through /proc/<pid>/environ.
    terraform::child_env::protect_own_environment();
    match dispatch(cli, context) {
        Ok(()) => ExitCode::Success,
        Err(error) => {
            let code = error.exit_code();
            if actions::in_actions() {
                actions::annotate(actions::Level::Error, "tfpromote", &error.to_string());
            } else {
                crate::say!("error: {error}");
            }
            code
        }
    }
}

fn dispatch(cli: Cli, context: context::Context) -> Result<()> {
    let loaded = |cli: &Cli| -> Result<(Arc<config::Config>, context::Context)> {
        let config = config::load_in_workspace(&cli.config, context.workspace.as_deref())?;
        Ok((Arc::new(config), context.clone()))
    };
    match &cli.command {
        Command::Render(args) => commands::render::run(args, &cli.config, &context),
        Command::Check(args) => commands::check::run(&loaded(&cli)?.0, &context, args),
        Command::Credentials(args) => {
            let (config, context) = loaded(&cli)?;
            timed(
                &context,
                commands::credentials::run(&config, &context, args),
            )
        }
        Command::GithubSetup(args) => {
            let (config, context) = loaded(&cli)?;
            timed(
                &context,
                commands::github_setup::run(&config, &context, args),
            )
        }
        Command::Plan(args) => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::plan::run(config, &context, args))
        }
        Command::Apply(args) => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::apply::run(config, &context, args))
        }
        Command::Promote(args) => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::promote::run(config, &context, args))
        }
        Command::Destroy(args) => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::destroy::run(config, &context, args))
        }
        Command::Drift => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::drift::run(config, &context))
        }
        Command::Matrix(args) => commands::matrix::run(&loaded(&cli)?.0, args),
        Command::MergePlans(args) => {
            let (config, context) = loaded(&cli)?;
            timed(
                &context,
                commands::merge_plans::run(&config, &context, args),
            )
        }
        Command::Status(args) => {
            let (config, context) = loaded(&cli)?;
            timed(&context, commands::status::run(config, &context, args))
        }
    }
}

/// Runs one async command on a fresh runtime, with tfpromote's deadline armed when one is
/// set (`terraform::deadline`); a malformed deadline fails before anything starts.
fn timed(
    context: &context::Context,
    command: impl std::future::Future<Output = Result<()>>,
) -> Result<()> {
    let deadline = terraform::deadline::parse(context.deadline.as_deref())?;
    runtime()?.block_on(async move {
        if let Some(after) = deadline {
            terraform::deadline::arm(after);
        }
        command.await
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}
