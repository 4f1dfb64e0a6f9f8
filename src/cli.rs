//! Command-line definitions only. Every option can also come from a `TFPROMOTE_*` variable so
//! the composite action passes inputs through `env:` and never through a shell line.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "tfpromote",
    version,
    about = "Plan every environment on pull requests; promote dev -> stage -> prod behind gates."
)]
pub struct Cli {
    /// Config file.
    #[arg(long, global = true, env = "TFPROMOTE_CONFIG", default_value = crate::config::DEFAULT_PATH)]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the config and the environments' isolation contract; no Terraform, AWS or GitHub.
    Check(CheckArgs),
    /// Plan environments and write the summary (comment, job summary, outputs).
    Plan(PlanArgs),
    /// Summarise a `terraform show -json` file offline.
    Render(RenderArgs),
    /// Assume an environment's role through GitHub OIDC and STS; optionally export it to
    /// later steps of the job.
    Credentials(CredentialsArgs),
    /// Apply one environment at this commit, behind the gates (order, no regression,
    /// approval, plan change); records a status, a deployment and the tracker row.
    Apply(ApplyArgs),
    /// Apply every environment in promotion order in one process; stops at the first
    /// failure or refusal.
    Promote(PromoteArgs),
    /// Destroy one environment after typed confirmation, with a `plan -destroy` preview.
    Destroy(DestroyArgs),
    /// Print the promotion ladder of a commit, read from GitHub.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// Environment to apply.
    #[arg(long = "env", env = "TFPROMOTE_ENV")]
    pub env: String,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// Stop after this environment (default: the last one).
    #[arg(long, env = "TFPROMOTE_THROUGH")]
    pub through: Option<String>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Environment to destroy.
    #[arg(long = "env", env = "TFPROMOTE_ENV")]
    pub env: String,

    /// Must equal the environment's confirmation text (its name unless configured).
    #[arg(long, env = "TFPROMOTE_CONFIRM")]
    pub confirm: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Commit to show (default: GITHUB_SHA).
    #[arg(long, env = "TFPROMOTE_SHA")]
    pub sha: Option<String>,

    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct CredentialsArgs {
    /// Environment whose role to assume.
    #[arg(long = "env", env = "TFPROMOTE_ENV")]
    pub env: String,

    /// Which of the environment's roles: `plan` (read-only, pull requests) or `apply`.
    #[arg(long, value_enum, env = "TFPROMOTE_ROLE", default_value_t = crate::aws::RoleKind::Plan)]
    pub role: crate::aws::RoleKind,

    /// Also hand the credentials to later steps: `github-env` appends them to `$GITHUB_ENV`.
    #[arg(long, value_enum, env = "TFPROMOTE_EXPORT")]
    pub export: Option<Export>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Export {
    GithubEnv,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Check only the config file, not the environment directories.
    #[arg(long)]
    pub config_only: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Environment to plan (repeat, or separate with commas).
    #[arg(
        long = "env",
        env = "TFPROMOTE_ENV",
        value_delimiter = ',',
        required_unless_present = "all"
    )]
    pub envs: Vec<String>,

    /// Plan every environment in the config, concurrently.
    #[arg(long, env = "TFPROMOTE_ALL", conflicts_with = "envs")]
    pub all: bool,

    /// Where the Markdown comment goes (default: standard output).
    #[arg(long, env = "TFPROMOTE_COMMENT_FILE")]
    pub comment_file: Option<PathBuf>,

    /// Where the full, uncut Markdown report goes (e.g. for a workflow artifact).
    #[arg(long, env = "TFPROMOTE_REPORT_FILE")]
    pub report_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Output of `terraform show -json PLANFILE`.
    #[arg(long, env = "TFPROMOTE_PLAN_JSON")]
    pub plan_json: PathBuf,

    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,

    /// Environment name used in the Markdown heading.
    #[arg(long = "env", default_value = "plan")]
    pub env: String,

    /// Size limit of the Markdown in bytes (default: what fits a PR comment).
    #[arg(long, default_value_t = crate::render::COMMENT_BUDGET)]
    pub budget: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}
