//! A Temporal dev server (`temporal server start-dev`) run as a child process, for `boxoffice dev`
//! and the test harness. The child is tied to its parent: it is stopped on drop, and the kernel
//! sends it SIGTERM if the spawning thread dies first, so no orphan outlives us.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use temporalio_client::Client;

use crate::child::{TiedChild, find_command, on_path};
use crate::temporal;

/// How a dev server is started.
#[derive(Debug, Clone)]
pub struct DevServerOptions {
    pub cli: PathBuf,
    pub port: u16,
    /// `None` runs headless, without the Web UI.
    pub ui_port: Option<u16>,
    /// `None` keeps Temporal's state in memory.
    pub db_file: Option<PathBuf>,
    /// Where the server's output goes; `None` discards it.
    pub log_file: Option<PathBuf>,
}

pub struct TemporalDevServer {
    child: TiedChild,
    address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DevServerError {
    #[error("could not start {cli}: {source}")]
    Spawn {
        cli: PathBuf,
        source: std::io::Error,
    },
    #[error("the Temporal dev server exited early ({status}); see {log}")]
    Exited { status: String, log: String },
    #[error("the Temporal dev server did not become ready within {0:?}")]
    NotReady(Duration),
}

impl TemporalDevServer {
    pub fn spawn(options: &DevServerOptions) -> Result<Self, DevServerError> {
        let mut command = Command::new(&options.cli);
        command.args([
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--log-level",
            "warn",
        ]);
        command.args(["--port", &options.port.to_string()]);
        // Its HTTP API and metrics would otherwise listen on ports it picks itself, in the
        // ephemeral range (see `free_port`).
        for flag in ["--http-port", "--metrics-port"] {
            let port = free_port().map_err(|source| DevServerError::Spawn {
                cli: options.cli.clone(),
                source,
            })?;
            command.args([flag, &port.to_string()]);
        }
        match options.ui_port {
            Some(ui_port) => command.args(["--ui-port", &ui_port.to_string()]),
            None => command.arg("--headless"),
        };
        if let Some(db_file) = &options.db_file {
            command.arg("--db-filename").arg(db_file);
        }
        // The dev server's defaults cap it near 25 workflows/s with a ~100 ms floor per workflow:
        // it polls its internal queue 20 times a second and writes SQLite without a WAL.
        command.args([
            "--dynamic-config-value",
            "history.transferProcessorMaxPollRPS=200",
            // One partition per task queue: with the default four, a task written to a partition
            // no poller is on waits to be forwarded, and a burst of new workflows (whose first
            // task goes to the normal queue, which a worker polls with one of its pollers) waited
            // seconds for it.
            "--dynamic-config-value",
            "matching.numTaskqueueReadPartitions=1",
            "--dynamic-config-value",
            "matching.numTaskqueueWritePartitions=1",
            "--sqlite-pragma",
            "journal_mode=wal",
            "--sqlite-pragma",
            "synchronous=normal",
        ]);
        let child =
            TiedChild::spawn(&mut command, options.log_file.as_deref()).map_err(|source| {
                DevServerError::Spawn {
                    cli: options.cli.clone(),
                    source,
                }
            })?;
        Ok(Self {
            child,
            address: format!("127.0.0.1:{}", options.port),
        })
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits until the server answers, then returns a client for `namespace`.
    pub async fn wait_ready(
        &mut self,
        namespace: &str,
        timeout: Duration,
        log: &Path,
    ) -> Result<Client, DevServerError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.exited() {
                return Err(DevServerError::Exited {
                    status: status.to_string(),
                    log: log.display().to_string(),
                });
            }
            if let Ok(client) = temporal::connect(&self.address, namespace).await
                && boxoffice_api::temporal::is_ready(&client).await
            {
                return Ok(client);
            }
            if Instant::now() > deadline {
                return Err(DevServerError::NotReady(timeout));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within five seconds.
    pub fn stop(&mut self) {
        self.child.stop();
    }
}

/// The `temporal` CLI: `$TEMPORAL_CLI`, then `PATH`, then the repo's tool venv.
pub fn find_cli() -> Option<PathBuf> {
    let repo_venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/temporal");
    let cwd_venv = PathBuf::from(".venv/bin/temporal");
    find_command(
        "TEMPORAL_CLI",
        on_path("temporal").into_iter().chain([cwd_venv, repo_venv]),
    )
}

/// A port nobody listens on right now, for a server to listen on a moment later. Picked below the
/// kernel's ephemeral range: the local ports of outgoing connections come from that range, so a
/// port picked there can be taken by any connection opened before the server binds it (a busy
/// machine opens hundreds a second). Below it, only another picker could take it.
pub fn free_port() -> std::io::Result<u16> {
    use rand::Rng;
    let ephemeral_from = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let below = 10_000..ephemeral_from;
    if !below.is_empty() {
        for _ in 0..64 {
            let port = rand::rng().random_range(below.clone());
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Ok(port);
            }
        }
    }
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}
