//! The subcommands of the `boxoffice` binary.

use anyhow::Context;
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

use crate::app::{self, AppState, Settings};
use crate::auth::SessionKeys;
use crate::config::{
    Command, DatabaseArgs, MigrateArgs, ReplayArgs, ServeArgs, TemporalArgs, WorkerArgs,
};
use crate::{dev, replay, temporal, worker};
use boxoffice_activities::payments::Stripe;
use boxoffice_activities::purchase::PurchaseActivities;

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dev(args) => dev::run(args).await,
        Command::Serve(args) => serve(args).await,
        Command::Worker(args) => worker(args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Replay(args) => replay(args).await,
        Command::Bench(args) => crate::bench::run(args).await,
    }
}

async fn migrate(args: MigrateArgs) -> anyhow::Result<()> {
    let db = open_database(&required_database(&args.database)?).await?;
    tracing::info!("database schema is up to date");
    db.close().await?;
    Ok(())
}

async fn replay(args: ReplayArgs) -> anyhow::Result<()> {
    let needs_server = args.record.is_some() || !args.workflow_ids.is_empty();
    let client = if needs_server {
        let address = args
            .temporal
            .temporal_address
            .as_deref()
            .unwrap_or("127.0.0.1:7233");
        Some(temporal::connect(address, &args.temporal.temporal_namespace).await?)
    } else {
        None
    };
    if let (Some(dir), Some(query), Some(client)) = (&args.record, &args.query, &client) {
        let saved = replay::record(client, query, dir).await?;
        println!("saved {saved} histories to {}", dir.display());
        return Ok(());
    }

    let mut histories = Vec::new();
    for path in &args.paths {
        histories.extend(replay::histories_at(path)?);
    }
    if let Some(client) = &client {
        for workflow_id in &args.workflow_ids {
            histories.push(replay::fetch_history(client, workflow_id).await?);
        }
    }
    anyhow::ensure!(
        !histories.is_empty(),
        "no histories given: pass files, directories or --workflow-id"
    );

    let outcomes = replay::replay_all(histories).await?;
    let failed = outcomes.iter().filter(|o| o.failure.is_some()).count();
    for outcome in &outcomes {
        let workflow = outcome.workflow_id.as_deref().unwrap_or("unknown workflow");
        match &outcome.failure {
            None => println!("ok    {} ({workflow})", outcome.name),
            Some(failure) => println!("FAIL  {} ({workflow}): {failure}", outcome.name),
        }
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    anyhow::ensure!(
        failed == 0,
        "{failed} of {} histories do not replay against this build",
        outcomes.len()
    );
    Ok(())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let jwt_secret = args.jwt_secret.context(
        "JWT_SECRET is required: `serve` signs sessions with it and has no default (only `dev` makes one)",
    )?;
    let database_url = required_database(&args.database)?;
    let db = open_database(&database_url).await?;
    let reader = open_reader(&database_url, &db).await?;
    let temporal = connect_temporal(&args.temporal).await?;
    let settings = Settings {
        hold_secs: args.saga.hold_secs,
        claim_lease: std::time::Duration::from_secs(args.saga.claim_lease_secs),
        task_queue: args.temporal.task_queue.clone(),
        stripe_webhook_secret: args.stripe.stripe_webhook_secret.clone(),
        stripe_publishable_key: args.stripe.stripe_publishable_key.clone(),
        stripe_js_url: Settings::REAL_STRIPE_JS.to_owned(),
    };
    // The gateway runs no worker: `boxoffice worker` serves the SDK's metrics.
    let state = AppState::new(
        db,
        reader,
        temporal,
        SessionKeys::new(&jwt_secret),
        settings,
    );
    let listener =
        listen(args.http.addr).with_context(|| format!("cannot listen on {}", args.http.addr))?;
    tracing::info!(addr = %args.http.addr, "gateway listening");
    serve_until_shutdown(listener, state).await
}

async fn worker(args: WorkerArgs) -> anyhow::Result<()> {
    let secret_key = args
        .stripe
        .stripe_secret_key
        .as_ref()
        .context("STRIPE_SECRET_KEY is required: the worker charges cards")?;
    let stripe = Stripe::new(
        secret_key.expose_secret(),
        args.stripe.stripe_api_base.as_deref(),
    )?;
    let db = open_database(&required_database(&args.database)?).await?;
    let temporal = connect_temporal(&args.temporal).await?;
    let activities = PurchaseActivities::new(db, stripe);
    let task_queue = args.temporal.task_queue.clone();
    let mut running = worker::start(temporal, move || {
        worker::purchase_options(&task_queue, activities)
    })
    .await?;
    let metrics_listener = TcpListener::bind(args.metrics_addr)
        .await
        .with_context(|| format!("cannot listen on {} for metrics", args.metrics_addr))?;
    tracing::info!(addr = %args.metrics_addr, "worker metrics at /metrics");
    let sdk_metrics = crate::metrics::SdkMetrics::default();
    sdk_metrics.set(running.metrics_addr());
    let metrics = axum::Router::new()
        .route("/metrics", axum::routing::get(crate::metrics::serve))
        .with_state(sdk_metrics);
    tokio::spawn(async move { axum::serve(metrics_listener, metrics).await });
    tokio::select! {
        () = shutdown_signal() => running.stop().await,
        ended = running.finished() => ended?,
    }
}

pub(crate) async fn serve_until_shutdown(
    listener: TcpListener,
    state: AppState,
) -> anyhow::Result<()> {
    axum::serve(listener, app::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Listens on `addr` with a deep accept queue: an on-sale rush connects thousands of browsers in
/// the same second, and with the default queue (1,024) the kernel drops connection attempts that
/// the browser then retries only a second later. The kernel caps it at `net.core.somaxconn`.
pub(crate) fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Opens the database and brings its schema up to date.
pub(crate) async fn open_database(url: &SecretString) -> anyhow::Result<DatabaseConnection> {
    let db = boxoffice_activities::db::connect(url.expose_secret())
        .await
        .context("cannot open the database (check DATABASE_URL)")?;
    boxoffice_activities::db::migrate(&db)
        .await
        .context("database migration failed")?;
    Ok(db)
}

/// The pool for reads beside the writer's (see `db::connect_reader`).
pub(crate) async fn open_reader(
    url: &SecretString,
    writer: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    boxoffice_activities::db::connect_reader(url.expose_secret(), writer)
        .await
        .context("cannot open the database for reading (check DATABASE_URL)")
}

fn required_database(args: &DatabaseArgs) -> anyhow::Result<SecretString> {
    args.database_url
        .clone()
        .context("DATABASE_URL is required (postgres://user@host/db)")
}

pub(crate) async fn connect_temporal(
    args: &TemporalArgs,
) -> anyhow::Result<temporalio_client::Client> {
    let address = args
        .temporal_address
        .as_deref()
        .context("TEMPORAL_ADDRESS is required (host:port of the Temporal frontend)")?;
    Ok(temporal::connect(address, &args.temporal_namespace).await?)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
