//! Versioned reads and writes of users, tickets, orders and payments. Functions take `&impl
//! ConnectionTrait` and return typed errors; the gateway maps them to HTTP once.

pub mod catalog;
pub mod claims;
pub mod email_links;
pub mod listings;
pub mod orders;
pub mod outbox;
pub mod refunds;
pub mod search;
pub mod sessions;
pub mod stripe_events;
pub mod support;
pub mod tickets;
pub mod users;
pub mod waitlists;

use chrono::{DateTime, Utc};
use sea_orm::sqlx::error::DatabaseError;
use sea_orm::sqlx::sqlite::SqliteError;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DatabaseTransaction, DbErr, RuntimeErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

/// Why a read or write did not happen. Apart from `Db`, the message is what a user reads.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Not found")]
    NotFound,
    #[error("Not authorized")]
    NotOwner,
    #[error("Email in use")]
    EmailInUse,
    #[error("Cannot edit a reserved ticket")]
    TicketReserved,
    #[error("The seller has withdrawn this ticket")]
    TicketWithdrawn,
    #[error("Cannot withdraw a ticket while it is on hold")]
    WithdrawHeld,
    #[error("Cannot withdraw a sold ticket")]
    WithdrawSold,
    /// Someone else changed the row since it was read; the write was not applied.
    #[error("The ticket was changed by someone else; reload it and try again")]
    VersionConflict,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

impl StoreError {
    /// The database could not take the request in time (no free connection, or SQLite's writer
    /// busy past its timeout): the caller should shed it and have it retried, not fail it.
    pub fn is_saturation(&self) -> bool {
        matches!(self, Self::Db(err) if is_saturation(err))
    }
}

/// Whether `err` says the database was too busy, rather than that the statement was wrong.
pub fn is_saturation(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(sqlx))
        | DbErr::Exec(RuntimeErr::SqlxError(sqlx))
        | DbErr::Query(RuntimeErr::SqlxError(sqlx)) => sqlx
            .as_database_error()
            .and_then(|db| db.try_downcast_ref::<SqliteError>())
            .and_then(|sqlite| sqlite.code()?.parse::<u32>().ok())
            // SQLITE_BUSY and its extended codes (the low byte is the primary code).
            .is_some_and(|code| code & 0xff == SQLITE_BUSY),
        _ => false,
    }
}

const SQLITE_BUSY: u32 = 5;

/// Begins a transaction that will write. On SQLite it takes the write lock at `BEGIN`
/// (`IMMEDIATE`): a deferred transaction that reads and then writes fails outright
/// (`SQLITE_BUSY_SNAPSHOT`) when another process committed in between, where one that waits for
/// the lock first just waits (up to the busy timeout). Postgres ignores the mode.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Where a page of a listing starts: after the row with this id (a keyset cursor, so pages stay
/// cheap however deep, and a row added meanwhile never shifts one into the next page twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest<Id> {
    pub after: Option<Id>,
    pub limit: u64,
}

/// Which side of a keyset position (see [`beyond`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Earlier,
    Later,
}

/// The keyset condition for the rows on `side` of the row at (`at`, `id`) in an order on
/// (`at_col`, `id_col`): an earlier (later) `at`, or the same `at` and a lower (higher) id, which
/// breaks ties between rows made in the same instant.
pub(crate) fn beyond<A: ColumnTrait, I: ColumnTrait>(
    side: Side,
    (at_col, at): (A, DateTime<Utc>),
    (id_col, id): (I, impl Into<sea_orm::Value>),
) -> Condition {
    let (at_beyond, id_beyond) = match side {
        Side::Earlier => (at_col.lt(at), id_col.lt(id)),
        Side::Later => (at_col.gt(at), id_col.gt(id)),
    };
    Condition::any()
        .add(at_beyond)
        .add(Condition::all().add(at_col.eq(at)).add(id_beyond))
}
