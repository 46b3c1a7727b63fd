use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = boxoffice_api::config::Cli::parse();
    boxoffice_api::telemetry::init(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = runtime.block_on(boxoffice_api::cli::run(cli.command));
    // A worker thread that missed its shutdown must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}
