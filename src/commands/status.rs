//! `tfpromote status [--sha SHA]`: the promotion ladder of a commit, read from GitHub: each
//! environment's `tfpromote/<env>` record (state, when, run link) and the fingerprint its
//! deployment recorded.

use std::sync::Arc;

use serde::Serialize;

use crate::cli::{StatusArgs, StatusFormat};
use crate::config::Config;
use crate::context::Context;
use crate::github::GitHub;
use crate::github::deployments::APPLY_TASK;
use crate::github::statuses::latest;
use crate::{Error, Result};

#[derive(Debug, Serialize)]
struct Rung {
    environment: String,
    state: String,
    description: Option<String>,
    updated_at: Option<String>,
    run_url: Option<String>,
    fingerprint: Option<String>,
}

pub async fn run(config: Arc<Config>, context: &Context, args: &StatusArgs) -> Result<()> {
    let gh = GitHub::from_context(context)?.ok_or_else(|| {
        Error::Usage("status reads GitHub: set GITHUB_REPOSITORY and a token (GITHUB_TOKEN)".into())
    })?;
    let sha = args
        .sha
        .clone()
        .or_else(|| context.sha.clone())
        .ok_or_else(|| Error::Usage("which commit? pass --sha SHA (or set GITHUB_SHA)".into()))?;
    let statuses = gh.statuses(&sha).await?;
    let mut ladder = Vec::new();
    for env in config.environments.iter() {
        let name = env.name.as_str();
        let record = latest(&statuses, name);
        let fingerprint = gh
            .deployments(name, APPLY_TASK, Some(&sha))
            .await?
            .first()
            .and_then(|d| d.payload.get("fingerprint"))
            .and_then(|f| f.as_str())
            .map(str::to_string);
        ladder.push(Rung {
            environment: name.to_string(),
            state: record
                .map(|s| format!("{:?}", s.state).to_lowercase())
                .unwrap_or_else(|| "not applied".into()),
            description: record.and_then(|s| s.description.clone()),
            updated_at: record.and_then(|s| s.updated_at.clone()),
            run_url: record.and_then(|s| s.target_url.clone()),
            fingerprint,
        });
    }
    match args.format {
        StatusFormat::Json => crate::out!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "sha": sha, "environments": ladder })
            )
            .map_err(|e| Error::Internal(e.to_string()))?
        ),
        StatusFormat::Text => {
            crate::out!("Promotion of {}:", crate::gate::short_sha(&sha));
            for r in &ladder {
                crate::out!(
                    "  {:<10} {:<12} {}{}{}",
                    r.environment,
                    r.state,
                    r.description.as_deref().unwrap_or(""),
                    r.updated_at
                        .as_deref()
                        .map(|t| format!("  at {t}"))
                        .unwrap_or_default(),
                    r.run_url
                        .as_deref()
                        .map(|u| format!("  {u}"))
                        .unwrap_or_default(),
                );
                if let Some(fp) = &r.fingerprint {
                    crate::out!("  {:<10} {:<12} plan {fp}", "", "");
                }
            }
        }
    }
    Ok(())
}
