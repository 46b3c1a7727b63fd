//! What the long-running subcommands (`serve`, `worker`, `dev`) share: the listener, the
//! database, and the signal that ends them gracefully.

use anyhow::Context;
use boxoffice_api::app::{self, AppState};
use sea_orm::DatabaseConnection;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

/// Serves the gateway on `listener` until Ctrl-C or SIGTERM, letting requests in flight finish.
pub async fn serve_until_shutdown(listener: TcpListener, state: AppState) -> anyhow::Result<()> {
    // The peer's address, for the per-address limits.
    let app = app::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Listens on `addr` with a deep accept queue: an on-sale rush connects thousands of browsers in
/// the same second, and with the default queue (1,024) the kernel drops connection attempts that
/// the browser then retries only a second later. The kernel caps it at `net.core.somaxconn`.
pub fn listen(addr: std::net::SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(4096)
}

/// Opens the database, whose schema must already be this build's: `serve` and `worker` run as
/// several replicas, which must not race to migrate; `boxoffice migrate` (a one-shot job) does it.
pub async fn open_current_database(url: &SecretString) -> anyhow::Result<DatabaseConnection> {
    let db = boxoffice_activities::db::connect(url.expose_secret())
        .await
        .context("cannot open the database (check DATABASE_URL)")?;
    let pending = boxoffice_activities::db::pending_migrations(&db)
        .await
        .context("cannot read the database's schema version")?;
    anyhow::ensure!(
        pending == 0,
        "the database schema is {pending} migration(s) behind this build: run `boxoffice migrate` first"
    );
    Ok(db)
}

/// Opens the database and brings its schema up to date.
pub async fn open_database(url: &SecretString) -> anyhow::Result<DatabaseConnection> {
    let db = boxoffice_activities::db::connect(url.expose_secret())
        .await
        .context("cannot open the database (check DATABASE_URL)")?;
    boxoffice_activities::db::migrate(&db)
        .await
        .context("database migration failed")?;
    Ok(db)
}

/// The pool for reads beside the writer's (see `db::connect_reader`).
pub async fn open_reader(
    url: &SecretString,
    writer: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    boxoffice_activities::db::connect_reader(url.expose_secret(), writer)
        .await
        .context("cannot open the database for reading (check DATABASE_URL)")
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
