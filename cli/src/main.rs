//! `boxoffice`: the one binary. It parses the command line, sets up logging and runs the
//! subcommand: the shop's processes come from `boxoffice-runtime`, the benchmark from
//! `boxoffice-bench`.

use clap::{Parser, Subcommand};

use boxoffice_bench::config::BenchArgs;
use boxoffice_runtime::config::{
    DevArgs, HealthcheckArgs, LogFormat, MigrateArgs, ReplayArgs, ServeArgs, StaffArgs, WorkerArgs,
};
use boxoffice_runtime::{commands, dev};

#[derive(Debug, Parser)]
#[command(
    name = "boxoffice",
    version,
    about = "A ticket marketplace where every purchase is a durable saga on Temporal"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log as human-readable text or as JSON lines.
    #[arg(long, env = "BOXOFFICE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the whole shop on this machine with no set-up: Temporal dev server, Stripe emulator,
    /// SQLite, worker and gateway in one process.
    Dev(DevArgs),
    /// Run the HTTP gateway (JSON API and pages).
    Serve(ServeArgs),
    /// Run a Temporal worker for the purchase saga.
    Worker(WorkerArgs),
    /// Apply database migrations and exit.
    Migrate(MigrateArgs),
    /// Support staff: grant, revoke and list staff accounts, and refund a paid order, against the
    /// configured database (and Temporal, for refunds). Never through the API.
    Staff(StaffArgs),
    /// Replay recorded workflow histories against this build's workflow code; exits non-zero on
    /// non-determinism. Or, with --record, save finished workflows' histories as fixtures.
    Replay(ReplayArgs),
    /// Exit 0 if URL answers 2xx within a few seconds, else 1: for container health checks, in an
    /// image that carries no curl.
    Healthcheck(HealthcheckArgs),
    /// Measure the shop: starts `boxoffice dev` on ports of its own, drives it through its HTTP API
    /// and prints one table. Build with `--release` for figures worth quoting.
    Bench(BenchArgs),
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dev(args) => dev::run(args).await,
        Command::Serve(args) => commands::serve(args).await,
        Command::Worker(args) => commands::worker(args).await,
        Command::Migrate(args) => commands::migrate(args).await,
        Command::Staff(args) => commands::staff(args).await,
        Command::Replay(args) => commands::replay(args).await,
        Command::Bench(args) => boxoffice_bench::run(args).await,
        Command::Healthcheck(args) => commands::healthcheck(args).await,
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The bench prints its figures on stdout: its logs go elsewhere.
    let result_on_stdout = matches!(cli.command, Command::Bench(_));
    boxoffice_runtime::telemetry::init(cli.log_format, result_on_stdout);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => return fail(&err.into()),
    };
    let result = runtime.block_on(run(cli.command));
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
