//! `tfpromote destroy --env NAME --confirm TEXT`: only on purpose. The destroy gate first
//! (typed confirmation, `destroy: forbid`), then a `plan -destroy` preview (stdout and job
//! summary), then that saved plan applied with the apply role; recorded as the commit
//! status `tfpromote/<env>/destroy` and a `tfpromote:destroy` deployment when GitHub is there.

use std::sync::Arc;

use crate::actions;
use crate::aws::RoleKind;
use crate::cli::DestroyArgs;
use crate::config::Config;
use crate::context::Context;
use crate::gate::destroy;
use crate::github::GitHub;
use crate::github::deployments::{DESTROY_TASK, DeployState};
use crate::github::statuses::State;
use crate::pipeline::{self, PlanOptions};
use crate::render::markdown;
use crate::terraform::output::OutputSink;
use crate::terraform::signals;
use crate::{Error, Result};

pub async fn run(config: Arc<Config>, context: &Context, args: &DestroyArgs) -> Result<()> {
    let env = super::environment(&config, &args.env)?;
    let name = env.name.as_str();
    destroy::check(
        name,
        env.destroy_policy(),
        env.destroy_confirmation(),
        args.confirm.as_deref().unwrap_or(""),
    )
    .inspect_err(|r| crate::say!("tfpromote: {r}"))?;

    signals::install();
    let terraform = super::terraform_for(&config, context).await?;
    let records = Records::new(context)?;
    let mut prepared =
        pipeline::prepare(&config, context, &env, RoleKind::Apply, &terraform).await?;
    let sink = OutputSink::buffered();
    let planned = prepared
        .plan(
            PlanOptions {
                destroy: true,
                lock: true,
            },
            &sink,
        )
        .await;
    let log_dir = context.log_dir.as_deref();
    super::log::print_or_file(
        log_dir,
        &format!("{name}-plan-destroy"),
        &sink.take(),
        &prepared.redactor,
        planned.is_err(),
    );
    let saved = planned?;

    let preview = crate::redact::point::mask(&markdown::environment_block(
        &format!("{name} (destroy preview)"),
        &saved.summary,
        crate::render::STEP_SUMMARY_BUDGET / 2,
    ));
    crate::out!("{preview}");
    if let Err(e) = actions::append_step_summary(&preview) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
    }

    let deployment = records.start(name, &saved.summary.fingerprint).await;
    let sink = OutputSink::buffered();
    let applied = prepared.apply(&saved, &sink).await;
    super::log::print_or_file(
        log_dir,
        &format!("{name}-destroy"),
        &sink.take(),
        &prepared.redactor,
        applied.is_err(),
    );
    match applied {
        Ok(()) => {
            let gone = saved.summary.counts.delete;
            records
                .end(
                    name,
                    deployment,
                    true,
                    &format!("destroyed {gone} resource(s)"),
                )
                .await;
            crate::say!("tfpromote: {name}: destroyed {gone} resource(s)");
            Ok(())
        }
        Err(e) => {
            let interrupted = matches!(&e, Error::Terraform(t) if t.interrupted);
            records
                .end(
                    name,
                    deployment,
                    false,
                    if interrupted {
                        "destroy interrupted"
                    } else {
                        "destroy failed"
                    },
                )
                .await;
            Err(if interrupted {
                Error::Interrupted
            } else {
                Error::Multiple(vec![format!(
                    "{name}: {}",
                    crate::redact::point::mask(&e.to_string())
                )])
            })
        }
    }
}

/// Where a destroy is recorded: GitHub when the run has it, nowhere locally.
struct Records<'a> {
    target: Option<(GitHub, String)>,
    context: &'a Context,
}

impl<'a> Records<'a> {
    fn new(context: &'a Context) -> Result<Records<'a>> {
        let target = match (GitHub::from_context(context)?, context.sha.clone()) {
            (Some(gh), Some(sha)) => Some((gh, sha)),
            _ => {
                crate::say!(
                    "tfpromote: no GitHub context: the destroy is not recorded on a commit"
                );
                None
            }
        };
        Ok(Records { target, context })
    }

    async fn start(&self, env: &str, fingerprint: &str) -> Option<u64> {
        let (gh, sha) = self.target.as_ref()?;
        let context = format!("{env}/destroy");
        let url = self.context.run_url();
        if let Err(e) = gh
            .set_status(sha, &context, State::Pending, "destroying", url.as_deref())
            .await
        {
            crate::say!("tfpromote: cannot record the destroy: {e}");
        }
        match gh
            .create_deployment(sha, env, DESTROY_TASK, Some(fingerprint), false)
            .await
        {
            Ok(d) => Some(d.id),
            Err(e) => {
                crate::say!("tfpromote: cannot record a destroy deployment: {e}");
                None
            }
        }
    }

    async fn end(&self, env: &str, deployment: Option<u64>, ok: bool, description: &str) {
        let Some((gh, sha)) = self.target.as_ref() else {
            return;
        };
        let url = self.context.run_url();
        let state = if ok { State::Success } else { State::Failure };
        if let Err(e) = gh
            .set_status(
                sha,
                &format!("{env}/destroy"),
                state,
                description,
                url.as_deref(),
            )
            .await
        {
            crate::say!("tfpromote: cannot record the destroy: {e}");
        }
        if let Some(id) = deployment {
            let state = if ok {
                DeployState::Success
            } else {
                DeployState::Failure
            };
            if let Err(e) = gh
                .set_deployment_status(id, state, description, url.as_deref())
                .await
            {
                crate::say!("tfpromote: cannot record the destroy deployment: {e}");
            }
        }
    }
}
