//! One file per subcommand: each wires the pure core to the edges.

pub mod check;
pub mod credentials;
pub mod plan;
pub mod render;

use std::sync::Arc;

use crate::config::Config;
use crate::redact::Redactor;
use crate::terraform::{Terraform, version_at_least};
use crate::{Error, Result};

/// The Terraform runner for this config, after checking the binary is new enough.
async fn terraform_for(config: &Config) -> Result<Terraform> {
    let binary = config
        .terraform
        .binary
        .clone()
        .or_else(|| {
            std::env::var("TFPROMOTE_TERRAFORM")
                .ok()
                .filter(|s| !s.is_empty())
        })
        .unwrap_or_else(|| "terraform".to_string());
    let mut redactor = Redactor::new(config.redact.patterns.iter().map(|p| p.0.clone()));
    redactor.add_env_values(&config.redact.env);
    crate::actions::add_masks(redactor.mask_forms());
    let terraform = Terraform::new(binary, config.terraform.lock_timeout.0, Arc::new(redactor));
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
