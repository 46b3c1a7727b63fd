//! The purchase saga's vocabulary: the names that the workflow (`boxoffice-workflows`), its
//! activities, the gateway and the pages must agree on.

use sea_orm::sea_query::StringLen;
use sea_orm::{DeriveActiveEnum, EnumIter};
use serde::{Deserialize, Serialize};

/// The most payment attempts one order takes: beyond this, a card is being tested, or keeps
/// failing. The workflow refuses the next `pay` update with [`TOO_MANY_PAYMENT_ATTEMPTS`].
pub const MAX_PAYMENT_ATTEMPTS: u32 = 5;
pub const TOO_MANY_PAYMENT_ATTEMPTS: &str = "Too many payment attempts for this order";

/// An order's status, as the API contract spells it (and as the `orders.status` column stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
pub enum OrderStatus {
    /// Held for the buyer until it is paid or the hold ends.
    #[sea_orm(string_value = "created")]
    #[serde(rename = "created")]
    Created,
    /// The original's status for a payment under way. boxoffice never writes it (its saga says
    /// `Charging` in its search attributes instead), but a row that holds it is still payable.
    #[sea_orm(string_value = "awaiting:payment")]
    #[serde(rename = "awaiting:payment")]
    AwaitingPayment,
    #[sea_orm(string_value = "cancelled")]
    #[serde(rename = "cancelled")]
    Cancelled,
    #[sea_orm(string_value = "complete")]
    #[serde(rename = "complete")]
    Complete,
}

/// Why an order was cancelled, as the API contract spells it. Its serde form is in recorded
/// workflow histories (the release activity's input): never rename it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "lowercase")]
pub enum CancelReason {
    /// The hold ran out unpaid.
    #[sea_orm(string_value = "expired")]
    Expired,
    /// The buyer cancelled, or a sale that could not be completed was refunded.
    #[sea_orm(string_value = "cancelled")]
    Cancelled,
}

impl CancelReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a buyer can still do with an order: the one reading of status and cancel reason that the
/// API and the pages share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Held: the buyer can pay for it or cancel it.
    Held,
    /// Paid: nothing left to do.
    Paid,
    /// The hold ran out: nothing left to do; the ticket went back on sale.
    Expired,
    /// Cancelled (or refunded): nothing left to do.
    Cancelled,
}

impl Standing {
    pub fn of(status: OrderStatus, cancel_reason: Option<CancelReason>) -> Self {
        match (status, cancel_reason) {
            (OrderStatus::Created | OrderStatus::AwaitingPayment, _) => Self::Held,
            (OrderStatus::Complete, _) => Self::Paid,
            (OrderStatus::Cancelled, Some(CancelReason::Expired)) => Self::Expired,
            (OrderStatus::Cancelled, _) => Self::Cancelled,
        }
    }
}

/// Where a shopper stands on a ticket's waiting list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
#[serde(rename_all = "camelCase")]
pub enum WaitState {
    /// In the queue.
    #[sea_orm(string_value = "waiting")]
    Waiting,
    /// Their turn came: the ticket was handed over in an order of theirs.
    #[sea_orm(string_value = "handedOver")]
    HandedOver,
    /// They left the list.
    #[sea_orm(string_value = "left")]
    Left,
    /// Their turn came but they could not take it (see the entry's note).
    #[sea_orm(string_value = "skipped")]
    Skipped,
    /// The list closed: the ticket was sold, or its seller changed it.
    #[sea_orm(string_value = "closed")]
    Closed,
}

/// Why a ticket could not be reserved. These are answers, not faults: retrying cannot change them.
/// Its serde form is in recorded workflow histories: never rename it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReserveRefusal {
    TicketNotFound,
    AlreadyReserved,
    OwnTicket,
    /// Its seller took it off sale.
    Withdrawn,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_cancel_reason_say_where_an_order_stands() {
        use OrderStatus as S;
        let expired = Some(CancelReason::Expired);
        let cancelled = Some(CancelReason::Cancelled);
        assert_eq!(Standing::of(S::Created, None), Standing::Held);
        assert_eq!(Standing::of(S::AwaitingPayment, None), Standing::Held);
        assert_eq!(Standing::of(S::Complete, None), Standing::Paid);
        assert_eq!(Standing::of(S::Cancelled, expired), Standing::Expired);
        assert_eq!(Standing::of(S::Cancelled, cancelled), Standing::Cancelled);
        assert_eq!(Standing::of(S::Cancelled, None), Standing::Cancelled);
    }

    #[test]
    fn statuses_and_reasons_keep_the_contracts_spelling() {
        fn json(value: impl Serialize) -> String {
            serde_json::to_string(&value).expect("plain enums serialize")
        }
        assert_eq!(json(OrderStatus::AwaitingPayment), "\"awaiting:payment\"");
        assert_eq!(json(OrderStatus::Complete), "\"complete\"");
        assert_eq!(json(CancelReason::Expired), "\"expired\"");
        assert_eq!(json(ReserveRefusal::AlreadyReserved), "\"AlreadyReserved\"");
    }
}
