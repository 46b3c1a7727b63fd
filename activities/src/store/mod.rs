//! Versioned reads and writes of users, tickets, orders and payments. Functions take `&impl
//! ConnectionTrait` and return typed errors; the gateway maps them to HTTP once.

pub mod catalog;
pub mod claims;
pub mod orders;
pub mod sessions;
pub mod stripe_events;
pub mod tickets;
pub mod users;
pub mod waitlists;

use sea_orm::{DbErr, SqlErr};
use uuid::Uuid;

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

/// Where a page of a listing starts: after the row with this id (a keyset cursor, so pages stay
/// cheap however deep, and a row added meanwhile never shifts one into the next page twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<Uuid>,
    pub limit: u64,
}
