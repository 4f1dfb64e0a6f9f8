//! `github-standin`: the GitHub stand-in as a process, for the sandbox and end-to-end runs
//! that start several tfpromote processes against one GitHub.
//!
//! Prints `http://127.0.0.1:PORT` (and writes it to `--url-file`), then serves until
//! SIGTERM or SIGINT, or until its standard input reaches end of file, so a parent that
//! dies (closing the pipe) never leaves it running.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use github_standin::{Options, Standin};
use tokio::signal::unix::{SignalKind, signal};

#[derive(Parser)]
#[command(
    version,
    about = "A local GitHub REST stand-in that checks every request against GitHub's REST description"
)]
struct Args {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// API prefix, e.g. /api/v3 for a GitHub Enterprise Server lookalike.
    #[arg(long, default_value = "")]
    prefix: String,
    /// The one repository served, OWNER/NAME.
    #[arg(long, default_value = "octo/repo", value_parser = parse_repo)]
    repo: String,
    /// Also write the URL (and a newline) to this file once listening.
    #[arg(long)]
    url_file: Option<PathBuf>,
    /// Keep serving when standard input closes (stop with SIGTERM/SIGINT only).
    #[arg(long)]
    ignore_stdin: bool,
}

fn parse_repo(value: &str) -> Result<String, String> {
    match value.split_once('/') {
        Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok(value.to_string())
        }
        _ => Err(format!("expected OWNER/NAME, got {value:?}")),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let options = Options {
        port: args.port,
        prefix: args.prefix.clone(),
        repo: args.repo.clone(),
    };
    let standin = match Standin::start_with(options) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "github-standin: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    let url = standin.url();
    if let Some(path) = &args.url_file
        && let Err(e) = std::fs::write(path, format!("{url}\n"))
    {
        eprintln!(
            "github-standin: cannot write the URL to {}: {e}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    println!("{url}");
    let _ = std::io::stdout().flush();
    eprintln!(
        "github-standin: serving {} at {}; control API at {url}/_standin/",
        args.repo,
        standin.api_url()
    );

    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(t), Ok(i)) => (t, i),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("github-standin: cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Standard input is read on a plain thread: a pending blocking read must not keep the
    // runtime from shutting down.
    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if !args.ignore_stdin {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        });
    }
    let eof = async {
        if eof_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let why = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
        _ = eof => "end of standard input",
    };
    let violations = standin.violations().len();
    eprintln!("github-standin: stopping on {why} ({violations} violation(s) recorded)");
    drop(standin);
    ExitCode::SUCCESS
}
