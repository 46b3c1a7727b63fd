//! Versioned reads and writes of users, tickets, orders and payments. Functions take `&impl
//! ConnectionTrait` and return typed errors; the gateway maps them to HTTP once.

pub mod claims;
pub mod orders;
pub mod stripe_events;
pub mod tickets;
pub mod users;

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("not the owner")]
    NotOwner,
    #[error("email in use")]
    EmailInUse,
    #[error("ticket is reserved")]
    TicketReserved,
    /// Someone else changed the row since it was read; the write was not applied.
    #[error("version conflict")]
    VersionConflict,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
