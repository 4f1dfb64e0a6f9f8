//! One environment's run, shared by `plan`, `apply`, `promote` and `destroy`:
//! prepare (the role's credentials, the redactor that knows them) -> plan (the saved plan
//! kept in a private temporary directory until dropped) -> apply exactly that saved plan.

use std::path::PathBuf;
use std::time::Duration;

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
    review
        .labels
        .extend(crate::review::setup::merged_pull_request_labels(config, context).await);
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
    pub summary: Summary,
    /// How long `init` waited for the plugin cache lock.
    pub init_wait: Duration,
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
        let review = self.review.clone();
        let summary = tokio::task::spawn_blocking(move || {
            Summary::from_file(&json).map(|mut s| {
                s.review = crate::review::setup::review(&review, &json, Some(checks));
                s
            })
        })
        .await
        .map_err(|e| Error::Internal(format!("the plan reader stopped: {e}")))??;
        self.redactor
            .add_literals(summary.secret_literals.iter().cloned());
        crate::redact::point::learn_from(&self.redactor);
        // What Terraform prints from now on (the apply) is masked with everything known.
        self.terraform = self
            .terraform
            .clone()
            .with_redactor(std::sync::Arc::new(self.redactor.clone()));
        Ok(SavedPlan {
            _work: work,
            planfile,
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
