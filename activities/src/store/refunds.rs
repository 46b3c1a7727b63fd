//! Refunds by support staff, in the steps of `RefundWorkflow`: mark the order `refunding`, then
//! — once Stripe has refunded — `refunded`, or clear the mark if Stripe refused. Each step is
//! one transaction that finds its own earlier write, so a retried activity does nothing twice.
//!
//! A refunded order keeps the contract's vocabulary: status `cancelled`, cancel reason
//! `cancelled`; `refund_state = 'refunded'` and the refund's columns say what happened.

use boxoffice_domain::saga::{CancelReason, OrderStatus};
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::orders::{exactly_one, free_ticket, update_if_unchanged};
use super::waitlists::{self, HandOverRules, HandedOver};
use super::{StoreError, catalog, outbox};
use crate::entities::{order, payment, ticket, user};
use crate::mail::{self, Links};

pub const REFUNDING: &str = "refunding";
pub const REFUNDED: &str = "refunded";

/// Why an order cannot be refunded. The message is what staff read (in the UI and the API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundRefusal {
    #[error("Order {0} does not exist")]
    NotFound(OrderId),
    #[error("Order {0} is not paid: nothing to refund")]
    NotPaid(OrderId),
    #[error("Order {0} expired unpaid: nothing to refund")]
    Expired(OrderId),
    #[error("Order {0} was cancelled unpaid: nothing to refund")]
    Cancelled(OrderId),
    #[error("Order {0} is already refunded")]
    AlreadyRefunded(OrderId),
    #[error("Order {0} is not being refunded")]
    NotRefunding(OrderId),
    /// Whoever started the workflow (the Temporal UI's *Start Workflow*, say) named someone who
    /// is not staff.
    #[error("User {0} is not support staff")]
    NotStaff(UserId),
}

/// A paid order marked `refunding`: what to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refundable {
    pub payment_intent: String,
    pub amount_cents: i64,
    pub ticket_id: TicketId,
}

/// Checks `staff_id` is staff and the order is paid and not refunded, and marks it `refunding`
/// by `staff_id` for `reason`. A retry that finds the mark goes on with it.
pub async fn begin_refund(
    db: &DatabaseConnection,
    order_id: OrderId,
    staff_id: UserId,
    reason: &str,
) -> Result<Result<Refundable, RefundRefusal>, StoreError> {
    let txn = super::begin_write(db).await?;
    let staff = user::Entity::find_by_id(staff_id).one(&txn).await?;
    if !staff.is_some_and(|staff| staff.staff) {
        return Ok(Err(RefundRefusal::NotStaff(staff_id)));
    }
    let Some(order) = order::Entity::find_by_id(order_id).one(&txn).await? else {
        return Ok(Err(RefundRefusal::NotFound(order_id)));
    };
    let refusal = match (order.refund_state.as_deref(), order.status) {
        (Some(REFUNDED), _) => Some(RefundRefusal::AlreadyRefunded(order_id)),
        (Some(REFUNDING), _) | (_, OrderStatus::Complete) => None,
        (_, OrderStatus::Created | OrderStatus::AwaitingPayment) => {
            Some(RefundRefusal::NotPaid(order_id))
        }
        (_, OrderStatus::Cancelled) if order.cancel_reason == Some(CancelReason::Expired) => {
            Some(RefundRefusal::Expired(order_id))
        }
        (_, OrderStatus::Cancelled) => Some(RefundRefusal::Cancelled(order_id)),
    };
    if let Some(refusal) = refusal {
        return Ok(Err(refusal));
    }
    let Some(paid) = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .filter(payment::Column::Status.eq("succeeded"))
        .one(&txn)
        .await?
    else {
        return Ok(Err(RefundRefusal::NotPaid(order_id)));
    };
    if order.refund_state.is_none() {
        update_if_unchanged(&order)
            .col_expr(order::Column::RefundState, Expr::value(Some(REFUNDING)))
            .col_expr(order::Column::RefundedBy, Expr::value(Some(staff_id)))
            .col_expr(order::Column::RefundReason, Expr::value(Some(reason)))
            .exec(&txn)
            .await
            .map(exactly_one)??;
    }
    txn.commit().await?;
    Ok(Ok(Refundable {
        payment_intent: paid.stripe_id,
        amount_cents: paid.amount_cents,
        ticket_id: order.ticket_id,
    }))
}

/// Clears the `refunding` mark after Stripe refused the refund: the order is as it was.
pub async fn undo_refunding(db: &DatabaseConnection, order_id: OrderId) -> Result<(), StoreError> {
    order::Entity::update_many()
        .col_expr(
            order::Column::RefundState,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::RefundedBy,
            Expr::value(Option::<UserId>::None),
        )
        .col_expr(
            order::Column::RefundReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::Version,
            Expr::col(order::Column::Version).add(1),
        )
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::RefundState.eq(REFUNDING))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the order refunded with Stripe's refund, its payment refunded, and puts its ticket back
/// on sale — or, with `hand_over`, hands it to its waiting list as a release does (a sold
/// ticket's list was closed at the sale, so there is seldom anyone). A retry finds the order
/// refunded and returns the same hand-over.
pub async fn finish_refund(
    db: &DatabaseConnection,
    order_id: OrderId,
    refund_id: &str,
    hand_over: Option<HandOverRules>,
    links: &Links,
) -> Result<Result<Option<HandedOver>, RefundRefusal>, StoreError> {
    let txn = super::begin_write(db).await?;
    let Some(order) = order::Entity::find_by_id(order_id).one(&txn).await? else {
        return Ok(Err(RefundRefusal::NotFound(order_id)));
    };
    match order.refund_state.as_deref() {
        Some(REFUNDED) => return Ok(Ok(waitlists::handed_over_by(&txn, order_id).await?)),
        Some(REFUNDING) => {}
        _ => return Ok(Err(RefundRefusal::NotRefunding(order_id))),
    }
    let now = Utc::now();
    update_if_unchanged(&order)
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Cancelled))
        .col_expr(
            order::Column::CancelReason,
            Expr::value(Some(CancelReason::Cancelled)),
        )
        .col_expr(order::Column::RefundState, Expr::value(Some(REFUNDED)))
        .col_expr(order::Column::RefundId, Expr::value(Some(refund_id)))
        .col_expr(order::Column::RefundedAt, Expr::value(Some(now)))
        .exec(&txn)
        .await
        .map(exactly_one)??;
    // The buyer is told in the same transaction (at most once: the notice's id is the order's).
    let paid = payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .one(&txn)
        .await?;
    let ticket_row = ticket::Entity::find_by_id(order.ticket_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let buyer = super::orders::email_of(&txn, order.user_id).await?;
    let about = mail::About {
        order_id,
        ticket_id: ticket_row.id,
        title: &ticket_row.title,
    };
    let notice = mail::refunded(
        links,
        &buyer,
        about,
        paid.as_ref().map_or(0, |paid| paid.amount_cents),
        paid.as_ref().and_then(|paid| paid.card.as_deref()),
        now,
        mail::REFUNDED_BY_SUPPORT,
    );
    outbox::enqueue(&txn, notice, now).await?;
    payment::Entity::update_many()
        .col_expr(payment::Column::Status, Expr::value("refunded"))
        .col_expr(
            payment::Column::Version,
            Expr::col(payment::Column::Version).add(1),
        )
        .filter(payment::Column::OrderId.eq(order_id))
        .exec(&txn)
        .await?;
    let handed_over = free_ticket(&txn, &order, hand_over, now).await?;
    // The seller is told the sale was undone, and a member the ticket went to that it is their
    // turn, in the same transaction as the refund and the hand-over they report.
    let seller = super::orders::email_of(&txn, ticket_row.user_id).await?;
    let sale_refunded = mail::sale_refunded(
        links,
        &seller,
        about,
        paid.as_ref().map_or(0, |paid| paid.amount_cents),
        now,
        order.refund_reason.as_deref().unwrap_or_default(),
    );
    outbox::enqueue(&txn, sale_refunded, now).await?;
    if let Some((handed, rules)) = handed_over.zip(hand_over) {
        super::orders::tell_turn(&txn, links, &ticket_row, handed, rules, now).await?;
    }
    txn.commit().await?;
    catalog::changed();
    Ok(Ok(handed_over))
}
