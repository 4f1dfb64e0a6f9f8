//! `tfpromote destroy --env NAME --confirm TEXT`: only on purpose. The destroy gate first
//! (typed confirmation, `destroy: forbid`), then the per-environment step with a
//! `plan -destroy` (its preview on stdout and in the job summary), then that saved plan
//! applied with the apply role. The recorder records it as the commit status
//! `tfpromote/<env>/destroy` and a `tfpromote:destroy` deployment when GitHub is there.

use std::sync::Arc;

use crate::Result;
use crate::actions;
use crate::aws::{self, RoleKind};
use crate::cli::DestroyArgs;
use crate::config::{Config, Environment};
use crate::context::Context;
use crate::gate::destroy;
use crate::github::GitHub;
use crate::outcome::{Done, Failure, Outcome};
use crate::pipeline::{PlanOptions, Step};
use crate::record::{Action, Event, Recorder, Subject};
use crate::render::markdown;
use crate::terraform::output::OutputSink;
use crate::terraform::signals;

/// A destroy plans with the apply role, takes the state lock and logs as `<env>-plan-destroy`.
const STEP: Step = Step {
    role: RoleKind::Apply,
    options: PlanOptions {
        destroy: true,
        lock: true,
    },
    log: "plan-destroy",
    prefixed: false,
    annotate: false,
};

pub async fn run(config: Arc<Config>, context: &Context, args: &DestroyArgs) -> Result<()> {
    let env = super::environment(&config, &args.env)?;
    aws::require_id_token(&config, context, [&env], RoleKind::Apply)?;
    let recorder = Recorder::new(config.clone(), context, github(context)?, None);
    let subject = Subject {
        action: Action::Destroy,
        env: env.name.as_str(),
        sha: recorder.sha(),
        production: false,
    };
    let outcome = match destroy::check(
        env.name.as_str(),
        env.destroy_policy(),
        env.destroy_confirmation(),
        args.confirm.as_deref().unwrap_or(""),
    ) {
        Err(refusal) => Outcome::Refused(refusal),
        Ok(()) => carry_out(&config, context, &env, &recorder, &subject).await?,
    };
    recorder.record(&subject, Event::Ended(&outcome)).await?;
    outcome.into_result(env.name.as_str())
}

/// GitHub and the commit to record on, when the run has both.
fn github(context: &Context) -> Result<Option<(GitHub, String)>> {
    match (GitHub::from_context(context)?, context.sha.clone()) {
        (Some(gh), Some(sha)) => Ok(Some((gh, sha))),
        _ => {
            crate::say!("tfpromote: no GitHub context: the destroy is not recorded on a commit");
            Ok(None)
        }
    }
}

/// The step, the preview, the destroy. An error is one no environment record is about
/// (Terraform missing or too old).
async fn carry_out(
    config: &Config,
    context: &Context,
    env: &Environment,
    recorder: &Recorder<'_>,
    subject: &Subject<'_>,
) -> Result<Outcome> {
    signals::install();
    let terraform = super::terraform_for(config, context).await?;
    let planned = STEP.run(config, context, env, &terraform).await;
    let (prepared, saved) = match planned.result {
        Ok(done) => done,
        Err(e) => return Ok(Outcome::Failed(Failure::from_error(&e))),
    };
    let name = env.name.as_str();
    let preview = crate::redact::point::mask(&markdown::environment_block(
        &format!("{name} (destroy preview)"),
        &saved.summary,
        crate::render::STEP_SUMMARY_BUDGET / 2,
    ));
    crate::out!("{preview}");
    if let Err(e) = actions::append_step_summary(&preview) {
        crate::say!("tfpromote: cannot write $GITHUB_STEP_SUMMARY: {e}");
    }

    let fingerprint = saved.summary.fingerprint.as_str();
    recorder
        .record(subject, Event::Started { fingerprint })
        .await?;
    let sink = OutputSink::buffered();
    let applied = prepared.apply(&saved, &sink).await;
    super::log::print_or_file(
        context.log_dir.as_deref(),
        &format!("{name}-destroy"),
        &sink.take(),
        &prepared.redactor,
        applied.is_err(),
        false,
    );
    Ok(match applied {
        Ok(()) => Outcome::Done(Done {
            fingerprint: fingerprint.to_string(),
            deleted: saved.summary.counts.delete,
            block: String::new(),
        }),
        Err(e) => Outcome::Failed(Failure::from_error(&e)),
    })
}
