//! Command-line and environment configuration. Secrets are wrapped in `SecretString` as soon as they
//! are read, and clap never echoes environment values (`hide_env_values`), so they stay out of logs
//! and `--help`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use secrecy::SecretString;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
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
    /// seconds; a gateway that dies after claiming locks the ticket for no longer than this. It
    /// must outlast the longest a start may take (`boxoffice_api::purchases::LONGEST_ADMISSION`).
    #[arg(long, env = "BOXOFFICE_CLAIM_LEASE_SECS", default_value_t = 30, value_parser = parse_claim_lease)]
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
    /// `off` switches the rate limits off (load tests sign up thousands of buyers from one
    /// address); only `dev` accepts it. The hold and payment-attempt caps stay on.
    #[arg(long, env = "BOXOFFICE_RATE_LIMITS", default_value = "on", value_parser = ["on", "off"])]
    pub rate_limits: String,
    /// Proxies whose `X-Forwarded-For` names the client, comma-separated: addresses or CIDR
    /// blocks (`10.0.0.0/8`, an ingress controller's pod network).
    #[arg(long, env = "BOXOFFICE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// What password hashing may use. By default what the process's cgroup allows it (a pod's
/// limits, not the node's size); each can be given instead.
#[derive(Debug, Clone, Args)]
pub struct HashingArgs {
    /// CPUs the process may use (default: its cgroup's CPU quota, else the machine's cores).
    #[arg(long, env = "BOXOFFICE_CPUS", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub cpus: Option<u64>,
    /// The process's memory limit, in MiB (default: its cgroup's, if it has one); hashing takes
    /// a quarter of it at most.
    #[arg(long, env = "BOXOFFICE_MEMORY_LIMIT_MIB", value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    pub memory_limit_mib: Option<u64>,
}

impl HashingArgs {
    pub fn budget(&self) -> boxoffice_api::passwords::HashingBudget {
        let cpus = self
            .cpus
            .and_then(|cpus| usize::try_from(cpus).ok())
            .unwrap_or_else(crate::resources::cpus);
        let limit = match self.memory_limit_mib {
            Some(mib) => usize::try_from(mib << 20).ok(),
            None => crate::resources::memory_limit(),
        };
        boxoffice_api::passwords::HashingBudget::for_process(cpus, limit)
    }
}

/// A claim lease, in seconds: longer than the longest admission, with a margin for the clocks
/// and the database, and at most five minutes.
fn parse_claim_lease(text: &str) -> Result<u64, String> {
    let shortest = boxoffice_api::purchases::LONGEST_ADMISSION.as_secs() + 5;
    let secs: u64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if (shortest..=300).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!(
            "must be {shortest}..=300 seconds: a saga may take {} s to start, and the claim must outlast that",
            boxoffice_api::purchases::LONGEST_ADMISSION.as_secs()
        ))
    }
}

/// A CIDR block, or one address as the block of just it.
fn parse_proxy(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{text}` is neither an IP address nor a CIDR block"))
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

/// E-mail: where the outbox's messages go, and where they link to.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// `smtp://[user:password@]host[:port]` (`?tls=required` for STARTTLS) or `smtps://…`.
    /// `serve` and `worker` require it unless BOXOFFICE_MAIL=off; `dev` without it runs MailDev.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// `off`: messages are still recorded in the outbox, marked not sent.
    #[arg(long, env = "BOXOFFICE_MAIL", default_value = "on", value_parser = ["on", "off"])]
    pub mail: String,
    /// The From address of every message.
    #[arg(
        long,
        env = "BOXOFFICE_MAIL_FROM",
        default_value = "boxoffice <noreply@boxoffice.localhost>"
    )]
    pub mail_from: String,
    /// The shop's public URL, which the messages link to (default: the gateway's own address).
    #[arg(long, env = "BOXOFFICE_PUBLIC_URL")]
    pub public_url: Option<String>,
}

impl MailArgs {
    /// How `serve` and `worker` send: `SMTP_URL`, or nothing if mail is switched off; neither
    /// is an error to start with.
    pub fn delivery(&self) -> anyhow::Result<crate::mail::Delivery> {
        use anyhow::Context;
        if self.mail == "off" {
            return Ok(crate::mail::Delivery::Off);
        }
        let url = self.smtp_url.as_ref().context(
            "SMTP_URL is required (smtp://host:port): the shop e-mails receipts and waiting-list turns; set BOXOFFICE_MAIL=off to record messages without sending them",
        )?;
        crate::mail::Delivery::smtp(url, &self.mail_from)
    }

    /// Where the messages link to: `BOXOFFICE_PUBLIC_URL`, else `fallback`.
    pub fn links(&self, fallback: &str) -> boxoffice_activities::mail::Links {
        boxoffice_activities::mail::Links::new(self.public_url.as_deref().unwrap_or(fallback))
    }
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `postgres://…` (or `sqlite://…?mode=rwc`).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,
}

/// What a gateway is configured with, whether `serve` runs it or `dev`.
#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
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
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// Session signing secret, at least 32 bytes: `serve` requires it; `dev` makes one per data
    /// dir and keeps it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<SecretString>,
    /// The Temporal UI's base URL (`https://temporal.example.com`): the support desk links each
    /// order to its workflow there. `dev` knows its own UI's address.
    #[arg(long, env = "BOXOFFICE_TEMPORAL_UI_URL")]
    pub temporal_ui_url: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DevArgs {
    /// Where dev keeps its databases, secrets and logs between runs.
    #[arg(long, env = "BOXOFFICE_DATA_DIR", default_value = "./.boxoffice")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub gateway: GatewayArgs,
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
    pub gateway: GatewayArgs,
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
    #[command(flatten)]
    pub mail: MailArgs,
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

/// `boxoffice staff`: support staff accounts, against the configured database. Staff rights are
/// granted and revoked here only, never through the API.
#[derive(Debug, Clone, Args)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: StaffCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum StaffCommand {
    /// Make the account with this e-mail support staff: it may then find anyone's orders and
    /// refund them (the support page, /support).
    Grant(StaffEmailArgs),
    /// Take support staff rights from the account with this e-mail.
    Revoke(StaffEmailArgs),
    /// List the support staff, one e-mail a line.
    List(StaffListArgs),
    /// Refund a paid order through its `RefundWorkflow` (refund-<order id>), as a staff member;
    /// waits for the outcome. Refunding an order twice refunds it once.
    Refund(StaffRefundArgs),
}

#[derive(Debug, Clone, Args)]
pub struct StaffEmailArgs {
    /// The account's e-mail (any case).
    pub email: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct StaffListArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
}

#[derive(Debug, Clone, Args)]
pub struct StaffRefundArgs {
    /// The order's id.
    pub order: String,
    /// Why, for the audit trail (the workflow's history): required.
    #[arg(long)]
    pub reason: String,
    /// The e-mail of the staff account the refund is made as.
    #[arg(long = "as", value_name = "STAFF_EMAIL", env = "BOXOFFICE_STAFF_EMAIL")]
    pub staff_email: String,
    /// Task queue of the shop's workers (as they are configured).
    #[arg(long, env = "BOXOFFICE_TASK_QUEUE", default_value = boxoffice_workflows::TASK_QUEUE)]
    pub task_queue: String,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub temporal: TemporalArgs,
}
