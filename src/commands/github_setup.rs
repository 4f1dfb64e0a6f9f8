//! `tfpromote github-setup [--dry-run]`: makes the repository's GitHub side match the config,
//! idempotently. Reads what GitHub has, computes the changes ([`environment_diff::plan`],
//! pure), prints them, and makes them unless `--dry-run`. A second run prints "no changes".
//!
//! Runs where an administrator's token is at hand (a laptop with `gh auth token`, or a
//! workflow with an App token): the default `GITHUB_TOKEN` may not manage environments.
//! Repository and API root come from `GITHUB_REPOSITORY` and `GITHUB_API_URL` as in Actions.

use crate::cli::GithubSetupArgs;
use crate::config::Config;
use crate::config::values::Approver;
use crate::context::Context;
use crate::github::environment_diff::{self, Change, Reviewer, WantedEnvironment};
use crate::github::retry::Policy;
use crate::github::{GitHub, GitHubError};
use crate::{Error, Result};

pub async fn run(config: &Config, context: &Context, args: &GithubSetupArgs) -> Result<()> {
    let repo = context.repo.clone().ok_or_else(|| {
        Error::Usage(
            "github-setup needs the repository: set GITHUB_REPOSITORY=OWNER/REPO (Actions sets it)"
                .into(),
        )
    })?;
    let token = context.token.as_deref().ok_or_else(|| {
        Error::Usage(
            "github-setup needs a token with admin rights on the repository: set \
             TFPROMOTE_GITHUB_TOKEN (e.g. TFPROMOTE_GITHUB_TOKEN=$(gh auth token)); the \
             default GITHUB_TOKEN of a workflow cannot manage environments"
                .into(),
        )
    })?;
    let gh = GitHub::new(&context.api_url, token, repo, Policy::default())?;

    let mut wanted = Vec::new();
    let mut current = Vec::new();
    for env in config.environments.iter() {
        let reviewers = match &env.approval {
            Some(approval) => Some(resolve(&gh, &approval.from).await?),
            None => None,
        };
        let name = env.name.as_str().to_string();
        current.push((name.clone(), gh.environment(&name).await?));
        wanted.push(WantedEnvironment { name, reviewers });
    }
    let oidc = gh.oidc_subject().await?;
    let (changes, notices) = environment_diff::plan(&wanted, &current, &oidc);

    for notice in &notices {
        crate::out!("note: {}", notice.0);
    }
    if changes.is_empty() {
        crate::out!(
            "github-setup: no changes: {} already matches {}",
            gh.repo.path().trim_start_matches("/repos/"),
            config.path.display()
        );
        return Ok(());
    }
    let verb = if args.dry_run {
        "would change"
    } else {
        "change"
    };
    for change in &changes {
        crate::out!("{verb}: {}", environment_diff::describe(change));
        if !args.dry_run {
            apply(&gh, change).await?;
        }
    }
    if args.dry_run {
        crate::out!(
            "github-setup: dry run, nothing changed ({} changes)",
            changes.len()
        );
    } else {
        crate::out!("github-setup: {} changes made", changes.len());
    }
    Ok(())
}

async fn apply(gh: &GitHub, change: &Change) -> Result<()> {
    match change {
        Change::PutEnvironment {
            name,
            reviewers,
            prevent_self_review,
            wait_timer,
            ..
        } => {
            gh.put_environment(name, reviewers, *prevent_self_review, *wait_timer)
                .await?
        }
        Change::AddBranchPolicy { env, pattern } => gh.add_branch_policy(env, pattern).await?,
        Change::PutOidcSubject { to, .. } => gh.put_oidc_subject(to).await?,
    }
    Ok(())
}

/// `user:` and `team:` entries to GitHub's ids. A name GitHub does not know is a config
/// error worth stopping for: an environment without its reviewers would not pause.
async fn resolve(gh: &GitHub, from: &[Approver]) -> Result<Vec<Reviewer>> {
    let mut reviewers = Vec::new();
    for approver in from {
        let reviewer = match approver {
            Approver::User(login) => Reviewer::User {
                login: login.clone(),
                id: gh
                    .user_id(login)
                    .await
                    .map_err(|e| unknown(e, &format!("user:{login}")))?,
            },
            Approver::Team { org, slug } => {
                let org = org.as_deref().unwrap_or(&gh.repo.owner);
                Reviewer::Team {
                    slug: slug.clone(),
                    id: gh
                        .team_id(org, slug)
                        .await
                        .map_err(|e| unknown(e, &format!("team:{org}/{slug}")))?,
                }
            }
        };
        reviewers.push(reviewer);
    }
    Ok(reviewers)
}

fn unknown(e: GitHubError, who: &str) -> Error {
    if e.status() == Some(404) {
        Error::Usage(format!(
            "approval.from lists {who}, which GitHub does not know (or the token cannot see it): \
             fix the name in the config, or use a token with `members: read` on the organisation"
        ))
    } else {
        e.into()
    }
}
