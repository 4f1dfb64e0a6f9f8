//! Before a pull request's plan: refuse providers the default branch has not locked
//! (`contract::providers` decides; this reads the checkout and the base branch).

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::{Config, Environment};
use crate::context::Context;
use crate::contract::{base_branch, providers};
use crate::{Error, Result};

const LOCK_FILE: &str = ".terraform.lock.hcl";

/// One line per environment and provider that is refused; nothing when all are known.
pub fn check(config: &Config, context: &Context, envs: &[Environment]) -> Result<()> {
    let mut refusals = Vec::new();
    for env in envs {
        let dir = config.env_dir(env);
        let shown = dir
            .strip_prefix(&config.base_dir)
            .unwrap_or(&dir)
            .to_path_buf();
        let uses = providers::uses(&dir, &shown).map_err(|e| {
            Error::Usage(format!(
                "{}: cannot read the providers it uses: {e}",
                env.name
            ))
        })?;
        if providers::unlisted(
            &uses,
            &BTreeSet::new(),
            &config.terraform.allowed_new_providers,
        )
        .is_empty()
        {
            continue; // nothing that any lock file would have to list
        }
        let lock_shown = shown.join(LOCK_FILE).display().to_string();
        let locked = base_lock(&dir, context, &lock_shown)
            .map_err(|e| Error::Usage(format!("{}: {e}", env.name)))?;
        for refused in providers::unlisted(&uses, &locked, &config.terraform.allowed_new_providers)
        {
            refusals.push(format!(
                "{}: {} uses provider {}, which the default branch's lock file {lock_shown} does not list",
                env.name, refused.file, refused.address
            ) + &format!(" ({})", refused.what));
        }
    }
    if refusals.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "refusing to plan this pull request: a provider runs as code with the plan role at plan time, and these are new:\n  {}\nAdd the provider on the default branch first (its lock file), or list it under terraform.allowed_new_providers in {}.",
        refusals.join("\n  "),
        config.path.display()
    )))
}

fn base_lock(
    dir: &Path,
    context: &Context,
    lock_shown: &str,
) -> std::result::Result<BTreeSet<String>, String> {
    let rev = base_branch::revision(dir, context.var("GITHUB_BASE_REF").as_deref())?;
    match base_branch::read(dir, &rev, LOCK_FILE)? {
        None => Ok(BTreeSet::new()),
        Some(text) => providers::locked(&text).map_err(|e| format!("{lock_shown} at {rev}: {e}")),
    }
}
