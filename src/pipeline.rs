//! One environment's step, shared by `plan`, `apply`, `promote`, `destroy` and `drift`:
//! prepare (the role's credentials, the redactor that knows them) -> `init` -> plan and
//! `show -json` (the saved plan kept in a private temporary directory until dropped) ->
//! Terraform's output printed (or written to the log directory) once every secret in it is
//! known. [`Step`] runs it; `apply` and `destroy` then apply exactly that saved plan.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::aws::{self, RoleKind};
use crate::config::{Config, Environment};
use crate::context::Context;
use crate::redact::Redactor;
use crate::summary::Summary;
use crate::terraform::Terraform;
use crate::terraform::output::OutputSink;
use crate::terraform::runner::PlanArgs;
use crate::{Error, Result};

/// One environment's plan as every report shows it: a summary, or the redacted error.
/// The renderer and the tracker both take this type.
#[derive(Debug, Clone)]
pub struct EnvReport {
    pub name: String,
    pub result: Result<Summary, String>,
}

/// An environment ready to run Terraform: its directory, a runner carrying the role's
/// credentials (in the child's environment only) and a redactor that masks them.
pub struct Prepared {
    pub env: Environment,
    pub dir: PathBuf,
    pub terraform: Terraform,
    pub redactor: Redactor,
    backend_config: Vec<PathBuf>,
    var_files: Vec<PathBuf>,
    /// Set once `init` succeeded: how long it waited for the plugin cache lock.
    initialised: Option<Duration>,
    /// Policies, mode, labels and prices for the review beside the plan.
    review: crate::review::setup::ReviewSetup,
}

/// What one command's per-environment step does: which role, which plan, and the name its
/// Terraform log is printed under.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub role: RoleKind,
    pub options: PlanOptions,
    /// The log's name after the environment's, `<env>-<log>`: the `::group::` title, and
    /// the file name in the log directory (`plan`, `plan-destroy`, `drift-plan`).
    pub log: &'static str,
    /// Several environments print at once: outside Actions, prefix each line with its log.
    pub prefixed: bool,
    /// Show Terraform's diagnostics as annotations on the files they name (pull requests).
    pub annotate: bool,
}

/// An environment after `prepare` and `init`; Terraform's output so far held back. On
/// failure, the redactor that knows whatever secrets were learned so far comes with it.
pub struct Initialised {
    pub env: Environment,
    started: Instant,
    sink: OutputSink,
    prepared: std::result::Result<Prepared, (Error, Redactor)>,
}

/// One environment's planned step: the environment ready to apply and its saved plan, or
/// why not; and, either way, the redactor that knows this environment's secrets.
pub struct Planned {
    pub env: Environment,
    pub result: Result<(Prepared, SavedPlan)>,
    pub redactor: Redactor,
    /// Since `prepare` began.
    pub seconds: f64,
}

impl Step {
    /// prepare -> init -> plan -> show -> print, for one environment.
    pub async fn run(
        &self,
        config: &Config,
        context: &Context,
        env: &Environment,
        base: &Terraform,
    ) -> Planned {
        let initialised = self.init(config, context, env, base).await;
        self.plan(config, context, initialised).await
    }

    /// The credentials and `init`. Callers that plan several environments in one process
    /// run every `init` before any plan: an `init` may rewrite the shared plugin cache that
    /// a running plan executes its providers from (see terraform::plugin_cache).
    pub async fn init(
        &self,
        config: &Config,
        context: &Context,
        env: &Environment,
        base: &Terraform,
    ) -> Initialised {
        let started = Instant::now();
        let sink = OutputSink::buffered();
        let prepared = match prepare(config, context, env, self.role, base).await {
            Ok(mut prepared) => match prepared.init(&sink).await {
                Ok(_) => Ok(prepared),
                Err(e) => Err((e, prepared.redactor)),
            },
            Err(e) => Err((e, base.redactor().clone())),
        };
        Initialised {
            env: env.clone(),
            started,
            sink,
            prepared,
        }
    }

    /// The plan and `show -json` after [`Step::init`], then Terraform's output printed
    /// with every secret the plan revealed known.
    pub async fn plan(
        &self,
        config: &Config,
        context: &Context,
        initialised: Initialised,
    ) -> Planned {
        let Initialised {
            env,
            started,
            sink,
            prepared,
        } = initialised;
        let (result, redactor) = match prepared {
            Err((e, redactor)) => (Err(e), redactor),
            Ok(mut prepared) => match prepared.plan(self.options, &sink).await {
                Ok(saved) => {
                    let redactor = prepared.redactor.clone();
                    (Ok((prepared, saved)), redactor)
                }
                Err(e) => (Err(e), prepared.redactor),
            },
        };
        let lines = sink.take();
        let name = format!("{}-{}", env.name, self.log);
        crate::commands::log::print_or_file(
            context.log_dir.as_deref(),
            &name,
            &lines,
            &redactor,
            result.is_err(),
            self.prefixed,
        );
        if self.annotate {
            crate::commands::log::annotate_diagnostics(&config.env_dir(&env), &lines);
        }
        Planned {
            env,
            result,
            redactor,
            seconds: started.elapsed().as_secs_f64(),
        }
    }
}

/// Assumes `role` for `env` when the environment has one (ambient credentials otherwise).
pub async fn prepare(
    config: &Config,
    context: &Context,
    env: &Environment,
    role: RoleKind,
    base: &Terraform,
) -> Result<Prepared> {
    let dir = config.env_dir(env);
    let root = crate::config::repo::root_for(&config.base_dir, context.workspace.as_deref());
    let links = crate::secrets::links::links_leaving(&root, &dir);
    if !links.is_empty() {
        return Err(Error::Usage(format!(
            "{}: refusing to run Terraform:\n{}",
            env.name,
            links.join("\n")
        )));
    }
    let request = aws::request_for(config, context, env, role)?;
    let mut redactor = base.redactor().clone();
    let var_files: Vec<PathBuf> = env.var_files.iter().map(|p| config.resolve(p)).collect();
    // Sensitive variables' values are known before Terraform can echo them
    // (a failed plan has no plan JSON to learn them from).
    redactor.add_literals(crate::secrets::learn(&dir, &var_files, &context.vars));
    let terraform = match request {
        None => base.clone(),
        Some(request) => {
            let creds = aws::assume(&request).await?;
            redactor.add_literals(aws::secrets(&creds).map(str::to_string));
            crate::say!(
                "tfpromote: {}: assumed {}, expires {}",
                request.env,
                creds.assumed_role_arn,
                creds.expiration
            );
            aws::with_credentials(base.clone(), &creds, &config.aws.region)
        }
    };
    crate::redact::point::learn_from(&redactor);
    let terraform = match shared_root_data_dir(config, env) {
        Some(data_dir) => terraform.with_env("TF_DATA_DIR", data_dir.display().to_string()),
        None => terraform,
    };
    let terraform = terraform.with_redactor(std::sync::Arc::new(redactor.clone()));
    let mut review = crate::review::setup::setup(config, context, env.name.as_str());
    crate::review::labels::judge(context, &mut review).await;
    Ok(Prepared {
        env: env.clone(),
        dir,
        terraform,
        redactor,
        backend_config: env
            .backend_config
            .iter()
            .map(|p| config.resolve(p))
            .collect(),
        var_files,
        initialised: None,
        review,
    })
}

/// Environments that share one root (a var file and backend config each) need a Terraform
/// data directory each: `init` records the backend there, and one environment's `init`
/// would otherwise point another's plan at the wrong state. Inside `.terraform`, which
/// repositories already ignore.
fn shared_root_data_dir(config: &Config, env: &Environment) -> Option<PathBuf> {
    let dir = config.env_dir(env);
    let sharing = config
        .environments
        .iter()
        .filter(|other| config.env_dir(other) == dir)
        .count();
    (sharing > 1).then(|| {
        let absolute = std::path::absolute(&dir).unwrap_or(dir);
        absolute
            .join(".terraform")
            .join(format!("tfpromote-{}", env.name))
    })
}

#[derive(Debug, Clone, Copy)]
pub struct PlanOptions {
    /// `plan -destroy`.
    pub destroy: bool,
    /// Take the state lock (off only for pull-request plans, which change nothing).
    pub lock: bool,
}

/// A saved plan and its summary. The plan file holds secrets in clear text: it lives in a
/// private temporary directory that is deleted when this is dropped.
pub struct SavedPlan {
    _work: tempfile::TempDir,
    planfile: PathBuf,
    json: PathBuf,
    pub summary: Summary,
    /// How long `init` waited for the plugin cache lock.
    pub init_wait: Duration,
}

impl SavedPlan {
    /// The plan's `show -json` output, for a check that reads the whole plan (a policy)
    /// after the step: it holds secrets in clear text and lives only as long as this.
    pub fn json(&self) -> &std::path::Path {
        &self.json
    }
}

impl Prepared {
    /// `terraform init`, once. Callers that plan several environments in one process run
    /// every `init` before any plan: an `init` holds the plugin cache exclusively, so one
    /// started beside another environment's plan would wait for that plan to end.
    pub async fn init(&mut self, sink: &OutputSink) -> Result<Duration> {
        if let Some(waited) = self.initialised {
            return Ok(waited);
        }
        let waited = self
            .terraform
            .init(&self.dir, &self.backend_config, sink)
            .await?;
        self.initialised = Some(waited);
        Ok(waited)
    }

    /// `init` (unless done), `plan -out`, `show -json`, summary. The plan's sensitive values
    /// join the redactor before anything of Terraform's output is printed.
    pub async fn plan(&mut self, options: PlanOptions, sink: &OutputSink) -> Result<SavedPlan> {
        let work = tempfile::Builder::new()
            .prefix("tfpromote-plan-")
            .tempdir()
            .map_err(|e| Error::io("cannot create a private temporary directory", e))?;
        let planfile = work.path().join("plan.tfplan");
        let json = work.path().join("plan.json");
        let init_wait = self.init(sink).await?;
        // fmt and validate first: a configuration that does not validate is not planned.
        let checks = crate::review::checks::run(&self.terraform, &self.dir, sink).await?;
        let args = PlanArgs {
            destroy: options.destroy,
            lock: options.lock,
            var_files: self.var_files.clone(),
        };
        self.terraform
            .plan(&self.dir, &planfile, &args, sink)
            .await?;
        self.terraform
            .show_json(&self.dir, &planfile, &json)
            .await?;
        let reading = json.clone();
        let review = self.review.clone();
        let env = self.env.name.clone();
        let mut summary = tokio::task::spawn_blocking(move || {
            let _timed = crate::timing::phase(|| format!("{env} read"));
            crate::review::setup::read_with_review(
                &review,
                &reading,
                crate::summary::Purpose::Review,
                Some(checks),
            )
        })
        .await
        .map_err(|e| Error::Internal(format!("the plan reader stopped: {e}")))??;
        // Taken, not copied: nothing renders them, and a large plan's are megabytes.
        self.redactor
            .add_list(std::mem::take(&mut summary.secret_literals));
        crate::redact::point::learn_from(&self.redactor);
        // What Terraform prints from now on (the apply) is masked with everything known.
        self.terraform = self
            .terraform
            .clone()
            .with_redactor(std::sync::Arc::new(self.redactor.clone()));
        Ok(SavedPlan {
            _work: work,
            planfile,
            json,
            summary,
            init_wait,
        })
    }

    /// Applies exactly `saved` (Terraform refuses it if the state moved since).
    pub async fn apply(&self, saved: &SavedPlan, sink: &OutputSink) -> Result<()> {
        self.terraform
            .apply(&self.dir, &saved.planfile, sink)
            .await
            .map_err(Error::from)
    }
}
