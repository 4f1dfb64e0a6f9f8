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
    /// Create or update the GitHub environments (main-only deployments, required reviewers)
    /// and the repository's OIDC subject template from the config. Needs an admin token.
    GithubSetup(GithubSetupArgs),
}

#[derive(Debug, Args)]
pub struct GithubSetupArgs {
    /// Print what would change without changing anything.
    #[arg(long)]
    pub dry_run: bool,
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
