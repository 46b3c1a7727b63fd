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
    /// Exit 0 if URL answers 2xx within a few seconds, else 1: for container health checks, in an
    /// image that carries no curl.
    Healthcheck(HealthcheckArgs),
    /// Measure the shop: starts `boxoffice dev` on ports of its own, drives it through its HTTP API
    /// and prints one table (baseline, purchase, order, rush, signin, expiry, storefront,
    /// actions). Build with `--release` for figures worth quoting.
    Bench(BenchArgs),
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
    /// Temporal namespace; without it, a `temporal.toml` profile's, else `default`.
    #[arg(long, env = "TEMPORAL_NAMESPACE")]
    pub temporal_namespace: Option<String>,
}

/// What every gateway and worker of one shop must agree on about its sagas
/// (`boxoffice_workflows::SagaSettings`).
#[derive(Debug, Clone, Args)]
pub struct SagaArgs {
    /// Task queue of the purchase workflows.
    #[arg(long, env = "BOXOFFICE_TASK_QUEUE", default_value = boxoffice_workflows::TASK_QUEUE)]
    pub task_queue: String,
    /// How long an order holds its ticket before it expires, in seconds.
    #[arg(long, env = "BOXOFFICE_HOLD_SECS", default_value_t = 900, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub hold_secs: u64,
    /// How long a buyer's admission claim on a ticket lasts while their order's saga starts, in
    /// seconds; a gateway that dies after claiming locks the ticket for no longer than this.
    #[arg(long, env = "BOXOFFICE_CLAIM_LEASE_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub claim_lease_secs: u64,
    /// The most tickets one buyer may hold at once (orders awaiting payment): the gateways
    /// refuse the next order, a waiting list skips a member who holds this many. Always on.
    #[arg(long, env = "BOXOFFICE_MAX_HOLDS", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub max_holds: u64,
}

impl SagaArgs {
    pub fn settings(&self) -> boxoffice_workflows::SagaSettings {
        boxoffice_workflows::SagaSettings {
            task_queue: self.task_queue.clone(),
            hold_secs: self.hold_secs,
            claim_lease: std::time::Duration::from_secs(self.claim_lease_secs),
            max_holds: self.max_holds,
        }
    }
}

/// Abuse limits (see `boxoffice_api::limits`).
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// `off` switches the per-address and per-account rate limits off (load tests sign up
    /// thousands of buyers from one address). The hold and payment-attempt caps stay on.
    #[arg(long, env = "BOXOFFICE_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
    /// Proxies (IP addresses, comma-separated) whose `X-Forwarded-For` names the client.
    #[arg(long, env = "BOXOFFICE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl LimitArgs {
    pub fn settings(&self) -> boxoffice_api::limits::LimitSettings {
        boxoffice_api::limits::LimitSettings {
            enabled: self.rate_limits == "on",
            trusted_proxies: self.trusted_proxies.clone(),
            ..Default::default()
        }
    }
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

impl StripeArgs {
    /// The pages' card payments and the webhook's secret, with Stripe.js from `js_url`.
    pub fn for_pages(&self, js_url: String) -> boxoffice_api::app::StripeSettings {
        boxoffice_api::app::StripeSettings {
            webhook_secret: self.stripe_webhook_secret.clone(),
            publishable_key: self.stripe_publishable_key.clone(),
            js_url,
        }
    }
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
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Session signing secret; dev makes one per data dir and keeps it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Port of the Temporal dev server that dev starts (or reuses) when TEMPORAL_ADDRESS is unset.
    #[arg(long, env = "BOXOFFICE_TEMPORAL_PORT", default_value_t = 7233)]
    pub temporal_port: u16,
    /// Port of that server's Web UI.
    #[arg(long, env = "BOXOFFICE_TEMPORAL_UI_PORT", default_value_t = 8233)]
    pub temporal_ui_port: u16,
    /// Where dev's Stripe emulator listens when STRIPE_SECRET_KEY is unset (stripe-mock's port, so
    /// the pages' Stripe.js address is the same on every run).
    #[arg(
        long,
        env = "BOXOFFICE_STRIPE_EMULATOR_ADDR",
        default_value = "127.0.0.1:12111"
    )]
    pub stripe_emulator_addr: SocketAddr,
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
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Session signing secret, at least 32 bytes. Required: `serve` has no unsafe default.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// Where `GET /metrics` is served, if not on the gateway's own (public) address.
    #[arg(long, env = "BOXOFFICE_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// `Secure`, `__Host-` cookies: the shop is served over HTTPS (behind a TLS proxy). Only a
    /// trial on plain HTTP turns this off.
    #[arg(long, env = "BOXOFFICE_SECURE_COOKIES", default_value_t = true, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,
    /// Where the pages load Stripe.js from: Stripe's own, unless a trial runs the emulator's
    /// stand-in (`http://127.0.0.1:12111/js/v3/stripe.js`).
    #[arg(
        long,
        env = "STRIPE_JS_URL",
        default_value = "https://js.stripe.com/v3/"
    )]
    pub stripe_js_url: String,
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
    /// The saga's settings, as the gateways have them: a waiting list's next member gets the
    /// same hold, and is skipped at the same most holds.
    #[command(flatten)]
    pub saga: SagaArgs,
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

#[derive(Debug, Clone, Args)]
pub struct HealthcheckArgs {
    /// What to ask, e.g. http://127.0.0.1:8080/readyz.
    #[arg(long)]
    pub url: String,
    /// How long to wait for the answer, in seconds.
    #[arg(long, default_value_t = 3)]
    pub timeout_secs: u64,
}

/// The rows `boxoffice bench` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchRow {
    Baseline,
    /// `GET /` and `GET /api/tickets` (`storefront`, `storefront-api`).
    Storefront,
    /// `GET /` while purchases run.
    StorefrontBusy,
    Purchase,
    Order,
    Rush,
    Signin,
    /// `expiry`, and `expiry-baseline`: bare timers on its schedule.
    Expiry,
    Actions,
}

#[derive(Debug, Clone, Args)]
pub struct BenchArgs {
    /// A Postgres server (`postgres://user@host:port/db`): the bench creates a fresh database there
    /// and drops it afterwards. Without it the shop runs on SQLite, as `dev` does by default.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Only these rows (comma-separated); every row by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub rows: Vec<BenchRow>,
    /// Tickets for sale (straight into the database) before the first row: every row runs beside
    /// a catalog of a real marketplace's size.
    #[arg(long, default_value_t = 100_000)]
    pub catalog: usize,
    /// Every row once at a small size, for CI: checks the flow, measures nothing worth quoting.
    #[arg(long)]
    pub smoke: bool,
    /// Buyers (and bare workflows) in flight at once in `purchase` and `baseline`.
    #[arg(long, default_value_t = 10)]
    pub concurrency: usize,
    /// Purchases in `purchase`, and bare workflows in `baseline`.
    #[arg(long, default_value_t = 200)]
    pub purchases: usize,
    /// Orders placed one at a time in `order`.
    #[arg(long, default_value_t = 50)]
    pub orders: usize,
    /// Buyers in `rush`, all ordering at the same instant.
    #[arg(long, default_value_t = 2000)]
    pub rush_buyers: usize,
    /// Tickets in `rush`.
    #[arg(long, default_value_t = 100)]
    pub rush_tickets: usize,
    /// Sign-ins at the same instant in `signin`.
    #[arg(long, default_value_t = 500)]
    pub signins: usize,
    /// Unpaid holds in `expiry`: enough that hundreds end within the same few seconds.
    #[arg(long, default_value_t = 500)]
    pub expiry_holds: usize,
    /// In how many waves the `expiry` holds are placed, timed to end together (1: all at once, so
    /// they end as spread out as they were placed).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=20))]
    pub expiry_waves: u64,
    /// The first wave's hold window, in seconds (later waves' are shorter, to end with it); it
    /// must outlast placing every wave.
    #[arg(long, default_value_t = 90)]
    pub expiry_hold_secs: u64,
    /// Tickets for sale while `storefront` runs.
    #[arg(long, default_value_t = 100)]
    pub storefront_tickets: usize,
    /// Keep-alive connections in `storefront`.
    #[arg(long, default_value_t = 50)]
    pub storefront_connections: usize,
    /// How long each `storefront` row runs, in seconds.
    #[arg(long, default_value_t = 10)]
    pub storefront_secs: u64,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}
