use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = boxoffice::config::Cli::parse();
    let result_on_stdout = matches!(cli.command, boxoffice::config::Command::Bench(_));
    boxoffice::telemetry::init(cli.log_format, result_on_stdout);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&err.into()),
    };
    let result = runtime.block_on(boxoffice::cli::run(cli.command));
    // A worker thread that missed its shutdown must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => fail(&err),
    }
}

/// Prints the error with its causes, one line, and exits non-zero.
fn fail(err: &anyhow::Error) -> std::process::ExitCode {
    eprintln!("error: {err:#}");
    std::process::ExitCode::FAILURE
}
