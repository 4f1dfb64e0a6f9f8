fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(|| tfpromote::actions::MaskedStderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TFPROMOTE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let code = tfpromote::run(tfpromote::cli::Cli::parse_args());
    std::process::ExitCode::from(code as u8)
}
