//! Gathers, once per environment and before Terraform runs, what the review needs besides
//! the plan: the policies as they are on the default branch (never as the pull request left
//! them), the environment's mode and the price sheet (the labels a policy may count come
//! from [`super::labels`]). Then
//! [`review`] computes the policy results and the cost delta from the plan JSON.

use std::path::{Path, PathBuf};

use super::Review;
use super::checks::Checks;
use crate::config::Config;
use crate::context::Context;
use crate::contract::base_branch;
use crate::cost::sheet::PriceSheet;
use crate::policy::{self, Mode, PolicySet};

/// Everything [`review`] needs, read before the plan.
#[derive(Debug, Clone, Default)]
pub struct ReviewSetup {
    pub env: String,
    pub policy: Option<(Mode, Result<PolicySet, String>)>,
    pub cost: Option<(String, Result<PriceSheet, String>)>,
    /// The labels policies see: only those a person with write access, not the author,
    /// added (set by [`super::labels::judge`]).
    pub labels: Vec<String>,
    /// The verdict on each label a policy names, for the comment and the gate.
    pub judged_labels: Vec<crate::policy::allow_labels::Judged>,
}

/// Which revision's policies judge this run (docs/policy.md):
/// - a pull request: its base branch (`origin/<base>`, or the merge commit's first parent);
/// - in CI otherwise (apply, promote, drift on the default branch): the first parent of the
///   checked-out commit, i.e. the default branch before this merge, so a merged pull
///   request's own policy edits do not judge its own apply;
/// - outside CI (a developer's `render` or `plan`): the working tree, labelled as such.
pub fn policy_revision(root: &Path, context: &Context) -> Option<Result<String, String>> {
    if context.is_pull_request() {
        return Some(base_branch::revision(
            root,
            context.var("GITHUB_BASE_REF").as_deref(),
        ));
    }
    if context.actions.active {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["rev-parse", "--verify", "--quiet", "HEAD^1^{commit}"])
            .output()
            .is_ok_and(|o| o.status.success());
        return Some(if ok {
            Ok("HEAD^1".to_string())
        } else {
            Err(format!(
                "cannot read the policies as they are on the default branch: the checkout at {} has no first parent of HEAD; check out with `fetch-depth: 2`",
                root.display()
            ))
        });
    }
    None
}

pub fn setup(config: &Config, context: &Context, env: &str) -> ReviewSetup {
    let root = crate::config::repo::root_for(&config.base_dir, context.workspace.as_deref());
    let policy = config.policies.as_ref().map(|settings| {
        let mode = settings.mode_for(env);
        let dir = config.resolve(&settings.dir);
        let set = match policy_revision(&root, context) {
            None => policy::source::from_dir(&dir).map(|mut set| {
                set.source = format!("{} (working tree)", settings.dir.display());
                set
            }),
            Some(Err(e)) => Err(e),
            Some(Ok(rev)) => relative(&root, &dir)
                .ok_or_else(|| {
                    format!(
                        "policies.dir {} is outside the repository at {}",
                        dir.display(),
                        root.display()
                    )
                })
                .and_then(|rel| policy::source::from_git(&root, &rev, &rel)),
        };
        (mode, set)
    });
    let cost = config.cost.enabled.then(|| {
        let sheet = match &config.cost.prices {
            None => Ok(PriceSheet::built_in()),
            Some(path) => {
                let path = config.resolve(path);
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read the price sheet {}: {e}", path.display()))
                    .and_then(|text| PriceSheet::parse(&text, &path.display().to_string()))
            }
        };
        (config.aws.region.clone(), sheet)
    });
    ReviewSetup {
        env: env.to_string(),
        policy,
        cost,
        labels: Vec::new(),
        judged_labels: Vec::new(),
    }
}

/// `dir` relative to `root`, with `/` separators, for `git show REV:./DIR`.
fn relative(root: &Path, dir: &Path) -> Option<String> {
    let root = std::path::absolute(root).ok()?;
    let dir = std::path::absolute(dir).ok()?;
    let rel: PathBuf = normalise(&dir)
        .strip_prefix(normalise(&root))
        .ok()?
        .to_path_buf();
    Some(rel.to_string_lossy().replace('\\', "/"))
}

fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Policy results and cost delta of the plan JSON at `json` (plus the checks, if run).
pub fn review(setup: &ReviewSetup, json: &Path, checks: Option<Checks>) -> Review {
    let mut review = Review {
        checks,
        labels: setup.judged_labels.clone(),
        ..Review::default()
    };
    if setup.policy.is_none() && setup.cost.is_none() {
        return review;
    }
    let facts = policy::facts::read(json);
    review.policy = setup
        .policy
        .as_ref()
        .map(|(mode, set)| match (set, &facts) {
            (Ok(set), Ok(facts)) => policy::evaluate(set, *mode, &setup.env, &setup.labels, facts),
            (Err(e), _) | (_, Err(e)) => policy::PolicyReport {
                mode: *mode,
                source: set.as_ref().map(|s| s.source.clone()).unwrap_or_default(),
                rules: 0,
                findings: Vec::new(),
                error: Some(e.clone()),
            },
        });
    review.cost = match (&setup.cost, &facts) {
        (Some((region, Ok(sheet))), Ok(facts)) => Some(crate::cost::estimate(sheet, region, facts)),
        _ => None,
    };
    review
}
