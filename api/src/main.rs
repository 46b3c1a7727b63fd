use clap::Parser;

fn main() -> anyhow::Result<()> {
    let cli = boxoffice_api::config::Cli::parse();
    boxoffice_api::telemetry::init(cli.log_format);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(boxoffice_api::cli::run(cli.command))
}
