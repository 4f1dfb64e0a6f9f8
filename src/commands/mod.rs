//! One file per subcommand: each wires the pure core to the edges.

pub mod apply;
mod catch_up;
pub mod check;
pub mod credentials;
pub mod destroy;
pub mod drift;
pub mod github_setup;
pub mod log;
pub mod matrix;
pub mod merge_plans;
mod merge_queue;
mod new_providers;
pub mod plan;
pub mod promote;
pub mod render;
pub mod status;

use std::sync::Arc;

use crate::config::Config;
use crate::redact::Redactor;
use crate::terraform::plugin_cache::{self, CacheFacts};
use crate::terraform::{Terraform, version_at_least};
use crate::{Error, Result};

/// The Terraform runner for this config, after checking the binary is new enough.
async fn terraform_for(config: &Config, context: &crate::context::Context) -> Result<Terraform> {
    let binary = config
        .terraform
        .binary
        .clone()
        .or_else(|| context.var("TFPROMOTE_TERRAFORM"))
        .unwrap_or_else(|| "terraform".to_string());
    let mut redactor = Redactor::new(config.redact.patterns.iter().map(|p| p.0.clone()));
    redactor.add_env_values(&config.redact.env, &context.vars);
    redactor.add_literals(context.credentials());
    crate::redact::point::learn_from(&redactor);
    crate::actions::add_masks(redactor.mask_forms());
    let mut terraform = Terraform::new(binary, config.terraform.lock_timeout.0, Arc::new(redactor));
    let configured = config
        .terraform
        .plugin_cache
        .as_deref()
        .map(|p| config.resolve(p));
    if let Some(cache) =
        plugin_cache::resolve(&CacheFacts::from_lookup(configured, |n| context.var(n)))
    {
        tracing::info!("plugin cache {} ({:?})", cache.dir.display(), cache.source);
        terraform = terraform.with_plugin_cache(cache);
    }
    let have = terraform.version().await?;
    let want = &config.terraform.min_version;
    if !version_at_least(&have, &want.0) {
        let have: Vec<String> = have.iter().map(u64::to_string).collect();
        return Err(Error::Usage(format!(
            "Terraform {} is older than terraform.min_version {want} in {}: install Terraform >= {want} \
             (scripts/setup does), or point terraform.binary / TFPROMOTE_TERRAFORM at a newer one",
            have.join("."),
            config.path.display()
        )));
    }
    Ok(terraform)
}

/// The named environment of the config, or an error listing the ones there are.
fn environment(config: &Config, name: &str) -> Result<crate::config::Environment> {
    let name = name.trim();
    config.environment(name).cloned().ok_or_else(|| {
        Error::Usage(format!(
            "unknown environment {name:?}: {} defines {}",
            config.path.display(),
            config.names().join(", ")
        ))
    })
}

/// GitHub and the commit a promotion step works on: both are needed to read the gates'
/// facts and to record the outcome, so their absence is a usage error that says what to set.
fn github_and_sha(
    context: &crate::context::Context,
    what: &str,
) -> Result<(crate::github::GitHub, String)> {
    let gh = crate::github::GitHub::from_context(context)?.ok_or_else(|| {
        Error::Usage(format!(
            "{what} needs GitHub: set GITHUB_REPOSITORY and a token (the action's `github-token`, GITHUB_TOKEN or TFPROMOTE_GITHUB_TOKEN); the gates read their facts there and the outcome is recorded there"
        ))
    })?;
    let sha = context
        .sha
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{what} needs the commit: set GITHUB_SHA (Actions does) to the merged commit on main"
            ))
        })?;
    Ok((gh, sha))
}
