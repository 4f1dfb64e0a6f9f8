//! `tfpromote promote [--through ENV]`: every environment in promotion order in one
//! process, each through the same gates as `apply`; stops at the first failure or refusal.

use std::sync::Arc;

use super::apply::Ladder;
use crate::cli::PromoteArgs;
use crate::config::Config;
use crate::context::Context;
use crate::{Error, Result};

pub async fn run(config: Arc<Config>, context: &Context, args: &PromoteArgs) -> Result<()> {
    let last = match &args.through {
        Some(name) => config
            .environments
            .iter()
            .position(|e| e.name.as_str() == name.trim())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "unknown environment {name:?} for --through: {} defines {}",
                    config.path.display(),
                    config.names().join(", ")
                ))
            })?,
        None => config.environments.len() - 1,
    };
    let through = &config.environments[..=last];
    crate::aws::require_id_token(&config, context, through, crate::aws::RoleKind::Apply)?;
    let ladder = Ladder::new(config.clone(), context).await?;
    for env in through {
        ladder.apply(env).await?;
    }
    crate::say!(
        "tfpromote: promoted {} through {}",
        crate::gate::short_sha(&ladder.sha),
        config.environments[last].name
    );
    Ok(())
}
