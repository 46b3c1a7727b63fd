//! The catalog's generation: a number that changes whenever the tickets for sale may have changed,
//! so that a gateway can keep its listing until then (`api::listing`).
//!
//! In one process (`dev`, the tests) every ticket write here bumps it right after its commit, so
//! the next listing sees the change. Across processes (gateways and workers on Postgres), a trigger
//! notifies the `catalog` channel at each commit that changed tickets, and [`follow`] bumps the
//! generation of the process that listens. SQLite is one process's database, so it needs no more.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};

/// The Postgres channel the tickets trigger notifies (migration `m20261201_000004_catalog`).
pub const CHANNEL: &str = "catalog";

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The current generation: read it before reading the catalog, and a later change is never
/// mistaken for part of what was read.
pub fn generation() -> u64 {
    GENERATION.load(Ordering::Acquire)
}

/// Tickets may have changed: call after the write has committed.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// On Postgres, follows the other processes' ticket writes for as long as the process runs: each
/// notification is a change. A lost connection is one too (what happened meanwhile is unknown),
/// and the listener reconnects.
pub fn follow(db: &DatabaseConnection) {
    if db.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let pool = db.get_postgres_connection_pool().clone();
    tokio::spawn(async move {
        loop {
            match listen(&pool).await {
                Ok(never) => match never {},
                Err(err) => {
                    tracing::warn!(error = %err, "catalog notifications interrupted; reconnecting");
                    changed();
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

async fn listen(
    pool: &sea_orm::sqlx::PgPool,
) -> Result<std::convert::Infallible, sea_orm::sqlx::Error> {
    let mut listener = sea_orm::sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    // Notifications sent before LISTEN took effect are lost: count them as a change.
    changed();
    loop {
        // `None`: the connection was lost (the next call reconnects and listens again), and with
        // it whatever was notified meanwhile: count that as a change too.
        listener.try_recv().await?;
        changed();
    }
}
