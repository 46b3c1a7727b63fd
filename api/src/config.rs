//! Command-line and environment configuration. Secrets are wrapped in `SecretString` as soon as they
//! are read, and clap never echoes environment values (`hide_env_values`), so they stay out of logs
//! and `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

#[derive(Debug, Parser)]
#[command(
    name = "boxoffice",
    version,
    about = "A ticket marketplace where every purchase is a durable saga on Temporal"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Log as human-readable text or as JSON lines.
    #[arg(long, env = "BOXOFFICE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the whole shop on this machine with no set-up: Temporal dev server, Stripe emulator,
    /// SQLite, worker and gateway in one process.
    Dev(DevArgs),
    /// Run the HTTP gateway (JSON API and pages).
    Serve(ServeArgs),
    /// Run a Temporal worker for the purchase saga.
    Worker(WorkerArgs),
    /// Apply database migrations and exit.
    Migrate(MigrateArgs),
    /// Replay recorded workflow histories against this build's workflow code; exits non-zero on
    /// non-determinism. Or, with --record, save finished workflows' histories as fixtures.
    Replay(ReplayArgs),
}

#[derive(Debug, Clone, Args)]
pub struct HttpArgs {
    /// Address the gateway listens on.
    #[arg(long, env = "BOXOFFICE_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

#[derive(Debug, Clone, Args)]
pub struct TemporalArgs {
    /// Temporal frontend, `host:port`.
    #[arg(long, env = "TEMPORAL_ADDRESS")]
    pub temporal_address: Option<String>,
    #[arg(long, env = "TEMPORAL_NAMESPACE", default_value = "default")]
    pub temporal_namespace: String,
    /// Task queue of the purchase workflows; gateways and workers of one shop must agree.
    #[arg(long, env = "BOXOFFICE_TASK_QUEUE", default_value = boxoffice_workflows::TASK_QUEUE)]
    pub task_queue: String,
}

#[derive(Debug, Clone, Args)]
pub struct SagaArgs {
    /// How long an order holds its ticket before it expires, in seconds.
    #[arg(long, env = "BOXOFFICE_HOLD_SECS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub hold_secs: u64,
}

#[derive(Debug, Clone, Args)]
pub struct StripeArgs {
    /// Stripe secret key. Unset in `dev`: the built-in Stripe emulator is used.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    pub stripe_secret_key: Option<SecretString>,
    /// Base URL of the Stripe API (the emulator's, in dev and tests).
    #[arg(long, env = "STRIPE_API_BASE")]
    pub stripe_api_base: Option<String>,
    #[arg(long, env = "STRIPE_PUBLISHABLE_KEY")]
    pub stripe_publishable_key: Option<String>,
    #[arg(long, env = "STRIPE_WEBHOOK_SECRET", hide_env_values = true)]
    pub stripe_webhook_secret: Option<SecretString>,
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `postgres://…` (or `sqlite://…?mode=rwc`).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

#[derive(Debug, Clone, Args)]
pub struct DevArgs {
    /// Where dev keeps its databases, secrets and logs between runs.
    #[arg(long, env = "BOXOFFICE_DATA_DIR", default_value = "./.boxoffice")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub temporal: TemporalArgs,
    #[command(flatten)]
    pub saga: SagaArgs,
    #[command(flatten)]
    pub stripe: StripeArgs,
    /// Session signing secret; dev makes one per data dir and keeps it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub temporal: TemporalArgs,
    #[command(flatten)]
    pub saga: SagaArgs,
    #[command(flatten)]
    pub stripe: StripeArgs,
    /// Session signing secret. Required: `serve` has no unsafe default.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
}

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// Where the worker serves `GET /metrics` (its saga outcomes and the Temporal SDK's metrics).
    #[arg(long, env = "BOXOFFICE_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    pub metrics_addr: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub temporal: TemporalArgs,
    #[command(flatten)]
    pub stripe: StripeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// History files (the SDK's JSON) or directories of them.
    pub paths: Vec<PathBuf>,
    /// Fetch this workflow's history from the server and replay it (repeatable).
    #[arg(long = "workflow-id")]
    pub workflow_ids: Vec<String>,
    /// Instead of replaying, save the histories of finished workflows matching --query here.
    #[arg(long, requires = "query")]
    pub record: Option<PathBuf>,
    /// A visibility query, e.g. "OrderStatus = 'Complete'" (with --record).
    #[arg(long)]
    pub query: Option<String>,
    #[command(flatten)]
    pub temporal: TemporalArgs,
}
