//! Gathers, once per environment and before Terraform runs, what the review needs besides
//! the plan: the policies as they are on the default branch (never as the pull request left
//! them), the environment's mode and the price sheet (the labels a policy may count come
//! from [`super::labels`]). Then [`read_with_review`] computes the policy results and the
//! cost delta in the render's own pass over the plan JSON.

use std::path::{Path, PathBuf};

use super::Review;
use super::checks::Checks;
use super::gather::{Gatherer, Interest};
use crate::config::Config;
use crate::context::Context;
use crate::contract::base_branch;
use crate::cost::sheet::PriceSheet;
use crate::plan::observed::Observed;
use crate::policy::changes::Gathered;
use crate::policy::{self, Mode, PolicySet};

/// Everything [`read_with_review`] needs, read before the plan.
#[derive(Debug, Clone, Default)]
pub struct ReviewSetup {
    pub env: String,
    pub policy: Option<(Mode, Result<PolicySet, String>)>,
    pub cost: Option<(String, Result<PriceSheet, String>)>,
    /// The verdict on each label a policy names (set by [`super::labels::judge`]), for
    /// the comment, the gate and the policies' input.
    pub judged_labels: Vec<crate::policy::allow_labels::Judged>,
}

impl ReviewSetup {
    /// The labels policies see: only those a person with write access, not the author,
    /// added.
    pub fn honoured_labels(&self) -> Vec<String> {
        crate::policy::allow_labels::honoured(&self.judged_labels)
    }
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

/// Reads the plan JSON at `json` once: its summary for `purpose` and, in the same pass (on
/// the same worker threads), what the policies and the cost estimate read; then the policy
/// results and the cost delta (plus the checks, if run) join the summary. Reading the plan
/// a second time for them cost more than the whole render on large plans
/// (scripts/bench-policy).
pub fn read_with_review(
    setup: &ReviewSetup,
    json: &Path,
    purpose: crate::summary::Purpose,
    checks: Option<Checks>,
) -> crate::Result<crate::summary::Summary> {
    use crate::summary::SummaryBuilder;
    let mut review = Review {
        checks,
        labels: setup.judged_labels.clone(),
        ..Review::default()
    };
    let policies = setup
        .policy
        .as_ref()
        .and_then(|(_, set)| set.as_ref().ok())
        // Policies that cannot be read are reported when evaluated; nothing to gather.
        .map(|set| policy::engine::reads(set).unwrap_or_default());
    let sheet = setup
        .cost
        .as_ref()
        .and_then(|(region, sheet)| sheet.as_ref().ok().map(|sheet| (region, sheet)));
    let interest = Interest::new(policies.as_deref().unwrap_or_default(), sheet.is_some());
    let failed = |message| crate::Error::PlanJson {
        path: json.to_path_buf(),
        message,
    };
    let (mut summary, gathered) = if interest.is_empty() {
        let mut builder = SummaryBuilder::new(purpose);
        crate::plan::read_plan_file(json, &mut builder).map_err(failed)?;
        (builder.finish(), Gathered::default())
    } else {
        let mut observed = Observed::new(SummaryBuilder::new(purpose), Gatherer::new(interest));
        crate::plan::read_plan_file(json, &mut observed).map_err(failed)?;
        let (builder, gatherer) = observed.finish();
        (builder.finish(), gatherer.gathered)
    };
    review.policy = setup.policy.as_ref().map(|(mode, set)| match set {
        Ok(set) => {
            policy::evaluate_gathered(set, *mode, &setup.env, &setup.honoured_labels(), &gathered)
        }
        Err(e) => policy::PolicyReport {
            mode: *mode,
            source: String::new(),
            rules: 0,
            findings: Vec::new(),
            error: Some(e.clone()),
        },
    });
    review.cost =
        sheet.map(|(region, sheet)| crate::cost::estimate_gathered(sheet, region, &gathered));
    summary.review = review;
    Ok(summary)
}
