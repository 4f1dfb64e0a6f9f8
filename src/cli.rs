//! Command-line definitions only. Every option can also come from a `TFPROMOTE_*` variable so
//! the composite action passes inputs through `env:` and never through a shell line.

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
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
    /// Create or update the GitHub environments (main-only deployments, required reviewers)
    /// and the repository's OIDC subject template from the config. Needs an admin token.
    GithubSetup(GithubSetupArgs),
    /// Plan every environment at main's commit; keep one issue per drifted environment.
    Drift,
    /// List the environments (roots) a change touches as a GitHub Actions matrix, on
    /// stdout and as the step output `matrix`.
    Matrix(MatrixArgs),
    /// The final job after a matrix of `plan --records-out` jobs: every job's records into
    /// the one tracker comment, in one write.
    MergePlans(MergePlansArgs),
}

#[derive(Debug, Args)]
pub struct GithubSetupArgs {
    /// Print what would change without changing anything.
    #[arg(long)]
    pub dry_run: bool,
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

    /// A matrix job: write this job's signed plan records to this JSON file instead of
    /// editing the tracker; one final `merge-plans` job posts every job's records at once.
    #[arg(long, env = "TFPROMOTE_RECORDS_OUT")]
    pub records_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// A file listing the changed paths, one per line, relative to the current directory
    /// (e.g. `git diff --name-only origin/main...HEAD > changed.txt`).
    #[arg(long, env = "TFPROMOTE_CHANGED_FILES")]
    pub changed_files: PathBuf,
}

#[derive(Debug, Args)]
pub struct MergePlansArgs {
    /// The directory holding the matrix jobs' records files (`plan --records-out`).
    #[arg(long, env = "TFPROMOTE_RECORDS_DIR")]
    pub records: PathBuf,

    /// Where the Markdown comment goes (default: standard output).
    #[arg(long, env = "TFPROMOTE_COMMENT_FILE")]
    pub comment_file: Option<PathBuf>,
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

impl Cli {
    /// Parses the process's arguments. A `TFPROMOTE_*` variable set to the empty string
    /// counts as unset, because a composite action passes `""` for every input the
    /// workflow left out, and `TFPROMOTE_ALL=` must not fail with "a value is required".
    pub fn parse_args() -> Cli {
        Cli::parse_with_env(std::env::args_os(), |name| {
            std::env::var_os(name).is_some_and(|v| v.is_empty())
        })
    }

    /// [`Cli::parse_args`] with the arguments and the "is this variable empty" test given.
    pub fn parse_with_env<I, T>(args: I, is_empty: impl Fn(&str) -> bool) -> Cli
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let command = without_empty_env(Cli::command(), &is_empty);
        let matches = command.get_matches_from(args);
        Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
    }
}

/// Drops the `env` link of every argument whose variable is set but empty.
fn without_empty_env(command: clap::Command, is_empty: &dyn Fn(&str) -> bool) -> clap::Command {
    command
        .mut_args(|arg| {
            let empty = arg
                .get_env()
                .and_then(|name| name.to_str())
                .is_some_and(is_empty);
            if empty { arg.env(None) } else { arg }
        })
        .mut_subcommands(|sub| without_empty_env(sub, is_empty))
}
