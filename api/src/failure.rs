//! What a failed request means to the person who made it, whatever it is rendered as. Every
//! service error says which kind of failure it is here, once; the JSON API (`error::ApiError`),
//! the pages (`pages::error::PageError`) and the forms (`pages::error::Refusal`) each render a
//! [`Failure`] their own way, and never look at a service's error themselves.

use boxoffice_activities::store::StoreError;

use crate::accounts::AccountError;
use crate::backpressure::{Saturated, shed};
use crate::domain::{FieldError, Invalid};
use crate::limits::Limited;
use crate::listing::ListingError;
use crate::purchases::PurchaseError;
use crate::waitlist::WaitlistError;

#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The input is wrong: a message for each field at fault (or, without one, the whole input).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Understood, but it cannot be done (the ticket is reserved, the order is paid…): why.
    #[error("{0}")]
    Refused(String),
    /// Someone else's record (the contract answers 401; the pages, 404).
    #[error("Not authorized")]
    NotYours,
    #[error("Not found")]
    NotFound,
    /// The record changed since it was read.
    #[error("{0}")]
    Conflict(String),
    /// The card was declined.
    #[error("{0}")]
    Declined(String),
    /// A limit was reached: try again after this many seconds.
    #[error("{message}")]
    Limited {
        message: String,
        retry_after_secs: u64,
    },
    /// Something the shop depends on is unavailable (payments): try again later.
    #[error("{0}")]
    Unavailable(String),
    /// Shed because something was saturated (`backpressure::shed` counted it).
    #[error(transparent)]
    Busy(Saturated),
    /// Our fault; the details are logged, never shown.
    #[error(transparent)]
    Internal(anyhow::Error),
}

impl Failure {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::NotOwner => Self::NotYours,
            StoreError::EmailInUse => Self::field("email", err.to_string()),
            StoreError::TicketReserved
            | StoreError::TicketWithdrawn
            | StoreError::WithdrawHeld
            | StoreError::WithdrawSold => Self::Refused(err.to_string()),
            StoreError::VersionConflict => Self::Conflict(err.to_string()),
            // No connection free in time, or SQLite's writer busy past its wait.
            err if err.is_saturation() => Self::Busy(shed(Saturated::Database)),
            StoreError::Db(err) => Self::Internal(err.into()),
        }
    }
}

impl From<AccountError> for Failure {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::EmailInUse => Self::field("email", err.to_string()),
            AccountError::InvalidCredentials | AccountError::AlreadyVerified => {
                Self::Refused(err.to_string())
            }
            AccountError::Link(_) => Self::field("token", err.to_string()),
            AccountError::Invalid(invalid) => invalid.into(),
            AccountError::Limited(limited) => limited.into(),
            AccountError::Busy(what) => Self::Busy(what),
            AccountError::Store(err) => err.into(),
            AccountError::Hashing(message) => Self::Internal(anyhow::anyhow!(message)),
        }
    }
}

impl From<PurchaseError> for Failure {
    fn from(err: PurchaseError) -> Self {
        use PurchaseError as E;
        match err {
            E::NotFound => Self::NotFound,
            E::NotYours => Self::NotYours,
            E::Declined(message) => Self::Declined(message),
            // What was paid with is at fault: the `token` field.
            E::PaymentRefused(message) => Self::field("token", message),
            E::PaymentsUnavailable => Self::Unavailable(err.to_string()),
            E::Busy(what) => Self::Busy(what),
            E::Limited(limited) => limited.into(),
            E::Store(err) => err.into(),
            E::Temporal(err) => Self::Internal(err),
            // A hold ends within minutes; an order's attempts never come back, but a new order's do.
            E::TooManyHolds { .. } | E::TooManyPaymentAttempts => Self::Limited {
                message: err.to_string(),
                retry_after_secs: 60,
            },
            E::AlreadyReserved
            | E::OwnTicket
            | E::Withdrawn
            | E::AlreadyPaid
            | E::Expired
            | E::Cancelled
            | E::NoLongerPayable
            | E::CannotCancelComplete
            | E::Refunded
            | E::Refused(_) => Self::Refused(err.to_string()),
        }
    }
}

impl From<WaitlistError> for Failure {
    fn from(err: WaitlistError) -> Self {
        match err {
            WaitlistError::NotFound => Self::NotFound,
            WaitlistError::Limited(limited) => limited.into(),
            WaitlistError::Store(err) => err.into(),
            other => Self::Refused(other.to_string()),
        }
    }
}

impl From<ListingError> for Failure {
    fn from(err: ListingError) -> Self {
        match err {
            ListingError::Invalid(invalid) => invalid.into(),
            ListingError::NoSuchPage => Self::NotFound,
            ListingError::Store(err) => err.into(),
        }
    }
}

impl From<Saturated> for Failure {
    fn from(what: Saturated) -> Self {
        Self::Busy(what)
    }
}

impl From<Limited> for Failure {
    fn from(limited: Limited) -> Self {
        Self::Limited {
            message: limited.to_string(),
            // Whole seconds, rounded up: a client that waits this long gets through.
            retry_after_secs: limited.retry_after.as_secs() + 1,
        }
    }
}

impl From<Invalid> for Failure {
    fn from(Invalid(errors): Invalid) -> Self {
        Self::Invalid(errors)
    }
}

impl From<FieldError> for Failure {
    fn from(error: FieldError) -> Self {
        Self::Invalid(vec![error])
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Self {
        Self::Internal(err)
    }
}

impl From<jsonwebtoken::errors::Error> for Failure {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        Self::Internal(anyhow::Error::new(err).context("could not sign a session"))
    }
}
