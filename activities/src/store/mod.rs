//! Versioned reads and writes of users, tickets, orders and payments. Functions take `&impl
//! ConnectionTrait` and return typed errors; the gateway maps them to HTTP once.

pub mod claims;
pub mod orders;
pub mod stripe_events;
pub mod tickets;
pub mod users;

use sea_orm::{DbErr, SqlErr};

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
    /// Someone else changed the row since it was read; the write was not applied.
    #[error("The ticket was changed by someone else; reload it and try again")]
    VersionConflict,
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
