//! The shop under test: this very binary's `boxoffice dev`, run as a separate process exactly as a
//! user runs it (the embedded Temporal dev server, the Stripe emulator, the worker and the
//! gateway), on ports of its own so that it never meets a `dev` the user has running.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use rand::Rng;

/// Where the shop runs and how; the same for every start of one bench run.
#[derive(Debug, Clone)]
pub struct ShopPlan {
    pub data_dir: PathBuf,
    pub http: SocketAddr,
    pub temporal_port: u16,
    temporal_ui_port: u16,
    stripe_emulator: SocketAddr,
    /// `None`: dev's SQLite file in the data dir.
    pub database_url: Option<String>,
}

impl ShopPlan {
    pub fn new(data_dir: PathBuf, database_url: Option<String>) -> anyhow::Result<Self> {
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        Ok(Self {
            data_dir,
            http: local(unclaimed_port()?),
            temporal_port: unclaimed_port()?,
            temporal_ui_port: unclaimed_port()?,
            stripe_emulator: local(unclaimed_port()?),
            database_url,
        })
    }

    pub fn temporal_address(&self) -> String {
        format!("127.0.0.1:{}", self.temporal_port)
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.http)
    }
}

/// A port free now and below the kernel's ephemeral range (32768 and up), so that none of the
/// thousands of client connections a run opens can take it while the shop restarts.
pub fn unclaimed_port() -> anyhow::Result<u16> {
    for _ in 0..100 {
        let port = rand::rng().random_range(20_000..32_000);
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    bail!("no free port between 20000 and 32000")
}

/// What `dev`'s password hashing is sized for in the bench: a 64-core node, a 512 MiB pod.
const HASHING_AS_IF_CPUS: u64 = 64;
const HASHING_AS_IF_MEMORY_LIMIT_MIB: u64 = 512;

/// A running `boxoffice dev`; stopped (SIGTERM, then SIGKILL) when dropped.
pub struct RunningShop {
    child: Child,
}

impl RunningShop {
    /// Starts `boxoffice dev` with holds of `hold_secs` and waits until it is ready.
    pub async fn start(plan: &ShopPlan, hold_secs: u64) -> anyhow::Result<Self> {
        let mut command = Self::command(plan, "dev", "boxoffice.log")?;
        command
            .env("BOXOFFICE_ADDR", plan.http.to_string())
            .env("BOXOFFICE_TEMPORAL_PORT", plan.temporal_port.to_string())
            .env(
                "BOXOFFICE_TEMPORAL_UI_PORT",
                plan.temporal_ui_port.to_string(),
            )
            .env(
                "BOXOFFICE_STRIPE_EMULATOR_ADDR",
                plan.stripe_emulator.to_string(),
            )
            .env("BOXOFFICE_HOLD_SECS", hold_secs.to_string())
            // The bench signs up thousands of buyers from one address; only dev may switch the
            // limits off (the extra gateways keep them: a buyer places a few holds there).
            .env("BOXOFFICE_RATE_LIMITS", "off")
            // Password hashing sized as on a large node in a small pod: the `signin` row shows
            // that its memory stays within the pod's budget.
            .env("BOXOFFICE_CPUS", HASHING_AS_IF_CPUS.to_string())
            .env(
                "BOXOFFICE_MEMORY_LIMIT_MIB",
                HASHING_AS_IF_MEMORY_LIMIT_MIB.to_string(),
            )
            .env_remove("TEMPORAL_ADDRESS")
            .env_remove("JWT_SECRET");
        match &plan.database_url {
            Some(url) => command.env("DATABASE_URL", url),
            None => command.env_remove("DATABASE_URL"),
        };
        Self::spawn(
            command,
            &plan.base_url(),
            &plan.data_dir.join("boxoffice.log"),
        )
        .await
    }

    /// Starts one more gateway (`boxoffice serve`) beside a running `dev`, on `addr`, sharing its
    /// database, Temporal and session secret but with holds of `hold_secs`; its orders run on
    /// dev's worker like any other.
    pub async fn gateway(
        plan: &ShopPlan,
        addr: SocketAddr,
        hold_secs: u64,
    ) -> anyhow::Result<Self> {
        let secret = std::fs::read_to_string(plan.data_dir.join("jwt-secret"))
            .context("dev's session secret")?;
        let database_url = Self::database_url(plan);
        let log = format!("gateway-{}.log", addr.port());
        let mut command = Self::command(plan, "serve", &log)?;
        command
            .env("BOXOFFICE_ADDR", addr.to_string())
            .env("TEMPORAL_ADDRESS", plan.temporal_address())
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", secret.trim())
            // Dev's sessions, on plain HTTP: the same cookie names as dev's.
            .env("BOXOFFICE_SECURE_COOKIES", "false")
            // It sends nothing itself: dev's worker mails.
            .env("BOXOFFICE_MAIL", "off")
            .env("BOXOFFICE_HOLD_SECS", hold_secs.to_string());
        Self::spawn(command, &format!("http://{addr}"), &plan.data_dir.join(log)).await
    }

    /// The shop's database URL: the Postgres one, or dev's SQLite file.
    pub fn database_url(plan: &ShopPlan) -> String {
        plan.database_url.clone().unwrap_or_else(|| {
            let file = plan.data_dir.join("boxoffice.sqlite");
            format!("sqlite://{}?mode=rwc", file.display())
        })
    }

    /// This binary with `subcommand`, its output appended to `log` in the data dir.
    fn command(plan: &ShopPlan, subcommand: &str, log: &str) -> anyhow::Result<Command> {
        std::fs::create_dir_all(&plan.data_dir)?;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(plan.data_dir.join(log))?;
        let exe = std::env::current_exe().context("cannot find this binary")?;
        let mut command = Command::new(exe);
        command
            .arg(subcommand)
            .env("BOXOFFICE_DATA_DIR", &plan.data_dir)
            .env_remove("STRIPE_SECRET_KEY")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        Ok(command)
    }

    async fn spawn(mut command: Command, base_url: &str, log: &Path) -> anyhow::Result<Self> {
        let child = command.spawn().context("cannot start boxoffice")?;
        let shop = Self { child };
        shop.wait_ready(base_url, log).await?;
        Ok(shop)
    }

    async fn wait_ready(&self, base_url: &str, log: &Path) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(120);
        let http = reqwest::Client::new();
        loop {
            let ready = http
                .get(format!("{base_url}/readyz"))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success());
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "boxoffice did not become ready in 120 s; see {}",
                    log.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory of the shop's process, in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    }

    /// SIGTERM, as Ctrl-C would; SIGKILL if it has not stopped within 30 s.
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        boxoffice_runtime::child::terminate(&mut self.child, Duration::from_secs(30));
    }
}

impl Drop for RunningShop {
    fn drop(&mut self) {
        self.terminate();
    }
}
