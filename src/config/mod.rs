//! `tfpromote.yaml`: schema, defaults and validation.
//!
//! Validation happens while deserializing (in the newtypes of [`values`]), so every problem is
//! reported by the YAML parser at the exact line and column of the offending value.

pub mod contract;
pub mod depends;
mod error;
mod load;
pub mod repo;
pub mod values;

pub use error::ConfigError;
pub use load::{MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH, load, load_in_workspace, load_settings, parse};

use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;
use values::{Approver, EnvName, HumanDuration, MinVersion, Parallelism, RedactPattern, RoleArn};

/// Where the file is looked for when `--config` is not given.
pub const DEFAULT_PATH: &str = "tfpromote.yaml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Schema version; only 1 exists. Lets a future schema refuse old binaries loudly.
    pub version: values::SchemaVersion,
    #[serde(default)]
    pub terraform: TerraformSettings,
    #[serde(default)]
    pub aws: AwsSettings,
    #[serde(default)]
    pub redact: RedactSettings,
    /// The isolation rules `tfpromote check` enforces beyond those for any layout.
    #[serde(default)]
    pub contract: contract::ContractSettings,
    #[serde(default)]
    pub github: GitHubSettings,
    /// Rego policies evaluated over every plan, with a mode per environment (docs/policy.md).
    #[serde(default)]
    pub policies: Option<crate::policy::PolicySettings>,
    /// The monthly cost delta in the comment (docs/cost.md).
    #[serde(default)]
    pub cost: crate::cost::CostSettings,
    /// In promotion order: each environment is applied only after the one before it.
    pub environments: values::Environments,
    /// Directory the file was read from; `dir` entries are relative to it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TerraformSettings {
    /// Terraform binary; default `terraform` on PATH (or `$TFPROMOTE_TERRAFORM`).
    pub binary: Option<String>,
    pub min_version: MinVersion,
    pub lock_timeout: HumanDuration,
    pub parallelism: Parallelism,
    /// Take the state lock for `plan` and `drift` too. Off by default: a plan changes
    /// nothing, and the plan role may not write lock files (apply and destroy always lock).
    pub lock_plans: bool,
    /// Terraform's plugin cache, relative to the config file. Default: the cache Terraform is
    /// configured with (`TF_PLUGIN_CACHE_DIR`, CLI config), else tfpromote's own.
    pub plugin_cache: Option<PathBuf>,
    /// Providers a pull request may use although the default branch's lock file does not
    /// list them (`hashicorp/random`, or a full address). Every other new provider is
    /// refused before a pull request's plan runs: providers run as code with the plan role.
    pub allowed_new_providers: Vec<String>,
}

impl Default for TerraformSettings {
    fn default() -> Self {
        TerraformSettings {
            binary: None,
            min_version: MinVersion::default(),
            lock_timeout: HumanDuration(Duration::from_secs(300)),
            parallelism: Parallelism::default(),
            plugin_cache: None,
            lock_plans: false,
            allowed_new_providers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AwsSettings {
    pub region: String,
    pub audience: String,
    pub session_duration: values::SessionDuration,
    /// Total time for fetching an ID token and assuming the role, retries included. Bounded
    /// so that a broken token service or STS fails the job instead of hanging it.
    pub retry_timeout: HumanDuration,
}

impl Default for AwsSettings {
    fn default() -> Self {
        AwsSettings {
            region: "us-east-1".into(),
            audience: "sts.amazonaws.com".into(),
            session_duration: values::SessionDuration::default(),
            retry_timeout: HumanDuration(Duration::from_secs(120)),
        }
    }
}

/// Where the gates find evidence no pull request can forge: the promotion workflow's runs on
/// the default branch, and plans signed by the plan workflow as it is on that branch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GitHubSettings {
    /// The branch promotions run from; only runs for it count.
    pub default_branch: values::NonEmpty,
    /// The promotion workflow's file name (under `.github/workflows/`).
    pub promote_workflow: values::WorkflowFile,
    /// The name of the job that applies an environment; `{env}` stands for its name.
    pub apply_job: values::JobPattern,
    /// The reusable plan workflow (under `.github/workflows/`) whose OIDC token signs the
    /// reviewed plan; only its version on the default branch is trusted.
    pub plan_workflow: values::WorkflowFile,
    /// The OIDC issuer whose published keys verify a signed plan (GitHub Enterprise Server:
    /// `https://HOST/_services/token`). `TFPROMOTE_OIDC_ISSUER` overrides it.
    pub oidc_issuer: values::NonEmpty,
}

impl Default for GitHubSettings {
    fn default() -> Self {
        GitHubSettings {
            default_branch: values::NonEmpty("main".into()),
            promote_workflow: values::WorkflowFile("promote.yml".into()),
            apply_job: values::JobPattern("apply {env}".into()),
            plan_workflow: values::WorkflowFile("plan.yml".into()),
            oidc_issuer: values::NonEmpty("https://token.actions.githubusercontent.com".into()),
        }
    }
}

impl GitHubSettings {
    /// The job that applies `env` in the promotion workflow.
    pub fn apply_job(&self, env: &str) -> String {
        self.apply_job.0.replace("{env}", env)
    }

    /// The OIDC issuer, `TFPROMOTE_OIDC_ISSUER` first (set by the workflow on the default
    /// branch, e.g. for the sandbox's stand-in).
    pub fn issuer(&self, override_var: Option<String>) -> String {
        override_var
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| self.oidc_issuer.0.clone())
            .trim_end_matches('/')
            .to_string()
    }
}

/// Values that must never be printed even when Terraform does not mark them sensitive.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactSettings {
    /// Regular expressions; every match is replaced before anything is written anywhere.
    pub patterns: Vec<RedactPattern>,
    /// Names of environment variables whose values are masked (TF_VAR_* always are).
    pub env: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub name: EnvName,
    pub dir: values::EnvDir,
    /// Assumed for `plan`; absent means ambient credentials (local use, the sandbox).
    #[serde(default)]
    pub plan_role: Option<RoleArn>,
    #[serde(default)]
    pub apply_role: Option<RoleArn>,
    /// The environment's own AWS account (account-per-environment layout); when set,
    /// `tfpromote check` requires its roles and its root's apply role to live there.
    #[serde(default)]
    pub account_id: Option<values::AccountId>,
    #[serde(default)]
    pub approval: Option<Approval>,
    #[serde(default)]
    pub on_plan_change: Option<PlanChangePolicy>,
    #[serde(default)]
    pub destroy: Option<DestroyPolicy>,
    /// What `destroy --confirm` must be given; default the environment's name. Never empty:
    /// an empty text would be matched by an empty `--confirm`.
    #[serde(default, deserialize_with = "values::destroy_confirmation")]
    pub destroy_confirmation: Option<String>,
    /// Extra `-var-file`s, relative to the config file; inside the repository.
    #[serde(default, deserialize_with = "values::var_files")]
    pub var_files: Vec<PathBuf>,
    /// `-backend-config` files for `init`, relative to the config file (e.g. the sandbox's);
    /// inside the repository.
    #[serde(default, deserialize_with = "values::backend_files")]
    pub backend_config: Vec<PathBuf>,
    /// Roots this one reads from (e.g. a cluster reads the network's outputs): `matrix`
    /// plans it in a later level than every one of them ([`depends`]).
    #[serde(default)]
    pub depends_on: Vec<String>,
}

impl Environment {
    /// Environments that need a human's approval are also the ones that must not drift
    /// silently or be destroyed by accident, so they default to the strict policies.
    pub fn plan_change_policy(&self) -> PlanChangePolicy {
        self.on_plan_change.unwrap_or(if self.approval.is_some() {
            PlanChangePolicy::Block
        } else {
            PlanChangePolicy::Warn
        })
    }

    pub fn destroy_confirmation(&self) -> &str {
        self.destroy_confirmation
            .as_deref()
            .unwrap_or(self.name.as_str())
    }

    pub fn destroy_policy(&self) -> DestroyPolicy {
        self.destroy.unwrap_or(if self.approval.is_some() {
            DestroyPolicy::Forbid
        } else {
            DestroyPolicy::Allow
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    #[serde(default = "one")]
    pub required: values::RequiredApprovals,
    /// Never empty: an empty list would name nobody, and read as "anyone" it would let a
    /// drive-by approval through.
    #[serde(deserialize_with = "values::approvers")]
    pub from: Vec<Approver>,
    /// Count approvals given on an earlier head commit of the pull request.
    #[serde(default)]
    pub allow_stale: bool,
}

fn one() -> values::RequiredApprovals {
    values::RequiredApprovals(1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanChangePolicy {
    Warn,
    Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DestroyPolicy {
    Allow,
    Forbid,
}

/// Removes `.` and `name/..` pairs without touching the filesystem, so messages show
/// `infra/environments/dev` rather than `sandbox/../infra/environments/dev`.
fn normalize(path: &std::path::Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

impl Config {
    pub fn environment(&self, name: &str) -> Option<&Environment> {
        self.environments.iter().find(|e| e.name.as_str() == name)
    }

    /// Absolute working directory of an environment.
    pub fn env_dir(&self, env: &Environment) -> PathBuf {
        normalize(&self.base_dir.join(env.dir.as_path()))
    }

    /// A path from the config (var file, backend config) made absolute, because Terraform
    /// runs with `-chdir` and would otherwise resolve it against the environment directory.
    pub fn resolve(&self, path: &std::path::Path) -> PathBuf {
        let joined = self.base_dir.join(path);
        std::path::absolute(&joined).unwrap_or(joined)
    }

    pub fn names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::{Path, PathBuf};

    #[test]
    fn paths_are_normalized_lexically() {
        assert_eq!(
            normalize(Path::new("sandbox/../infra/./envs/dev")),
            PathBuf::from("infra/envs/dev")
        );
        assert_eq!(normalize(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(normalize(Path::new("./")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("/a/b/../c")), PathBuf::from("/a/c"));
    }
}
