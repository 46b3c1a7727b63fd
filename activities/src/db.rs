//! Opening the database and bringing its schema up to date.

use std::time::Duration;

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// How long a query waits for a free connection before it fails (and the request is shed).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to Postgres (`postgres://…`) or SQLite (`sqlite://path?mode=rwc`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        // A request that cannot get a connection soon is better refused (503) than kept waiting.
        .acquire_timeout(ACQUIRE_TIMEOUT);
    if url.starts_with("sqlite:") {
        // SQLite allows one writer; a single connection turns "database is locked" into queueing.
        // With a write-ahead log a commit appends instead of rewriting pages and fsyncing a
        // journal: each write costs a fraction of what it did.
        options.max_connections(1).map_sqlx_sqlite_opts(|sqlite| {
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
        });
    }
    Database::connect(options).await
}

/// Connections for reads beside the writer's. SQLite (in WAL mode) lets any number of connections
/// read while one writes, but the writer's single connection serialises everything given to it: a
/// burst of page views would queue releases and reservations behind them. Reads given to a pool
/// of their own don't. Postgres serves both from one pool, so for it this is the writer's pool.
pub async fn connect_reader(
    url: &str,
    writer: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    if !url.starts_with("sqlite:") {
        return Ok(writer.clone());
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .max_connections(SQLITE_READERS)
        .map_sqlx_sqlite_opts(|sqlite| sqlite.read_only(true));
    Database::connect(options).await
}

/// Read connections to a SQLite file: a few per core is plenty, a read takes microseconds.
const SQLITE_READERS: u32 = 4;

/// How many migrations this build has that the database has not had.
pub async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_pending_migrations(db).await?.len())
}

/// Applies every pending migration; a no-op on an up-to-date database.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Creates the database `name` on the Postgres server `server_url` points at; returns the new
/// database's URL. For tests and the bench, which each want a database of their own.
pub async fn create_database(server_url: &str, name: &str) -> Result<String, DbErr> {
    create(server_url, name, &format!("CREATE DATABASE \"{name}\"")).await
}

/// Creates the database `name` as a copy of `template` (which nobody may be connected to) on the
/// server `server_url` points at; returns its URL. Copying a migrated database costs the server a
/// fraction of migrating a new one.
pub async fn copy_database(server_url: &str, template: &str, name: &str) -> Result<String, DbErr> {
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    create(server_url, name, &sql).await
}

async fn create(server_url: &str, name: &str, sql: &str) -> Result<String, DbErr> {
    let admin = connect(server_url).await?;
    let created = admin.execute_unprepared(sql).await;
    admin.close().await.ok();
    created?;
    database_url(server_url, name)
}

/// Drops the database `name` (closing its connections) on the server `server_url` points at.
pub async fn drop_database(server_url: &str, name: &str) -> Result<(), DbErr> {
    let admin = connect(server_url).await?;
    let dropped = admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await;
    admin.close().await.ok();
    dropped.map(|_| ())
}

/// `server_url` with its database name replaced by `name`.
fn database_url(server_url: &str, name: &str) -> Result<String, DbErr> {
    let mut url = url::Url::parse(server_url)
        .map_err(|err| DbErr::Custom(format!("not a database URL: {err}")))?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}
