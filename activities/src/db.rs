//! Opening the database and bringing its schema up to date.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// Connects to Postgres (`postgres://…`) or SQLite (`sqlite://path?mode=rwc`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options.sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // SQLite allows one writer; a single connection turns "database is locked" into queueing.
        options.max_connections(1);
    }
    Database::connect(options).await
}

/// Applies every pending migration; a no-op on an up-to-date database.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Creates the database `name` on the Postgres server `server_url` points at; returns the new
/// database's URL. For tests and the bench, which each want a database of their own.
pub async fn create_database(server_url: &str, name: &str) -> Result<String, DbErr> {
    let admin = connect(server_url).await?;
    let created = admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await;
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
