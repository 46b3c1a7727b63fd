//! What goes in and out of `PurchaseWorkflow`: its input, the answers to its updates, its `status`
//! query and the stages support staff see. These are in histories: change them only in ways that
//! still read what was recorded (new fields with defaults).

use boxoffice_domain::saga::ReserveRefusal;
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseInput {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
    /// Length of the hold. Part of the input, not read from config, so replay sees the same value.
    pub hold_secs: u64,
}

/// Where the saga is. The names double as the `OrderStatus` shown to support staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    Reserving,
    AwaitingPayment,
    Charging,
    Complete,
    Expired,
    Cancelled,
    Refunded,
    /// The ticket could not be reserved; there never was an order to pay.
    Refused,
}

impl Stage {
    /// The `OrderStatus` search attribute's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reserving => "Reserving",
            Self::AwaitingPayment => "AwaitingPayment",
            Self::Charging => "Charging",
            Self::Complete => "Complete",
            Self::Expired => "Expired",
            Self::Cancelled => "Cancelled",
            Self::Refunded => "Refunded",
            Self::Refused => "Refused",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Complete | Self::Expired | Self::Cancelled | Self::Refunded | Self::Refused
        )
    }
}

/// The answer to the `reservation` update that `POST /api/orders` waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReservationAnswer {
    Reserved { expires_at: DateTime<Utc> },
    Refused(ReserveRefusal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayRequest {
    /// A Stripe PaymentMethod id (`pm_…`).
    pub payment_method: String,
}

/// What one `pay` attempt came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentAnswer {
    Paid {
        payment_id: Uuid,
    },
    /// The card was declined; the order stays payable until the hold ends.
    Declined {
        message: String,
    },
    /// Stripe refused the request (say, an unknown PaymentMethod); the order stays payable.
    Rejected {
        message: String,
    },
    /// Stripe could not be reached after retries; the order stays payable.
    Unavailable,
    /// The hold ended before this attempt was charged; nothing was charged.
    Expired,
    /// The charge succeeded but the order could not be completed, so the money went back.
    Refunded,
}

/// The `status` query: the saga's state as support staff and the gateway see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseStatus {
    pub stage: Stage,
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
    pub expires_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub last_decline: Option<String>,
    pub payment_id: Option<Uuid>,
    pub payment_intent: Option<String>,
    pub refusal: Option<ReserveRefusal>,
    /// The card the last charge was made to ("visa ending 4242"), when Stripe said.
    #[serde(default)]
    pub card: Option<String>,
}
