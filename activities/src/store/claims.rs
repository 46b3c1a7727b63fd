//! Admission claims. A purchase workflow is expensive and an on-sale rush brings thousands of
//! buyers for each ticket in the same second, so before a saga starts, its gateway must win a
//! short-lived claim on the ticket with one conditional write. Only the winner starts a workflow;
//! every loser is refused at database speed.
//!
//! What the claim guarantees, and what it doesn't:
//! - at most one live claim per ticket: the claim is an UPDATE conditioned on there being none;
//! - a claim holds nothing. The hold is `tickets.order_id`, which only the saga's reserve step
//!   sets, only where it is NULL, and only for the claim's own order (or when no live claim is
//!   left) — so claims can never let two holds exist (see `orders::reserve_ticket`);
//! - a gateway that dies between winning and starting the saga leaves a claim that lapses at
//!   `claim_expires_at`, a few seconds later.
//!
//! Times come from the writer's clock: gateways of one shop need clocks in step (NTP) to within
//! a small part of the lease.

use std::time::Duration;

use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, Statement, UpdateMany,
};

use super::StoreError;
use crate::entities::{order, ticket};
use boxoffice_domain::saga::{OrderStatus, ReserveRefusal};

/// The outcome of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This order may start its saga; the ticket as it was when claimed.
    Won(ticket::Model),
    Refused(ReserveRefusal),
    /// The buyer already has the most holds one buyer may have (live claims included).
    AtHoldLimit,
}

/// What a claim is for.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest {
    pub ticket_id: TicketId,
    pub order_id: OrderId,
    pub buyer_id: UserId,
    pub lease: Duration,
    /// The most holds (orders awaiting payment, and live claims) one buyer may have.
    pub max_holds: u64,
}

/// What a glance at the ticket says, before any write: most of an on-sale's losers find it held
/// or claimed already, and are answered from a read (on SQLite, off the single writer). A stale
/// read only ever sends someone to [`claim_ticket`], which decides.
pub async fn refusal_at_a_glance(
    reader: &impl ConnectionTrait,
    ticket_id: TicketId,
    buyer_id: UserId,
) -> Result<Option<ReserveRefusal>, StoreError> {
    let ticket = ticket::Entity::find_by_id(ticket_id).one(reader).await?;
    Ok(match ticket {
        None => Some(ReserveRefusal::TicketNotFound),
        Some(ticket) if ticket.user_id == buyer_id => Some(ReserveRefusal::OwnTicket),
        Some(ticket) if ticket.withdrawn_at.is_some() => Some(ReserveRefusal::Withdrawn),
        Some(ticket) if ticket.order_id.is_some() || is_claimed(&ticket, Utc::now()) => {
            Some(ReserveRefusal::AlreadyReserved)
        }
        Some(_) => None,
    })
}

/// Claims the ticket for the order for `lease`, unless it is held, sold, withdrawn, claimed by
/// someone else, or the buyer's own, or the buyer is at the hold limit. The limit is exact: the buyer's
/// claims are counted and made one at a time (Postgres locks the buyer's row; SQLite has one
/// writer).
pub async fn claim_ticket(
    db: &DatabaseConnection,
    request: ClaimRequest,
) -> Result<Claim, StoreError> {
    let ClaimRequest {
        ticket_id,
        order_id,
        buyer_id,
        lease,
        max_holds,
    } = request;
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    let txn = super::begin_write(db).await?;
    lock_buyer(&txn, buyer_id).await?;
    if holds_of(&txn, buyer_id, now).await? >= max_holds {
        return Ok(Claim::AtHoldLimit);
    }
    let claimed = ticket::Entity::update_many()
        .col_expr(ticket::Column::ClaimOrderId, Expr::value(Some(order_id)))
        .col_expr(ticket::Column::ClaimExpiresAt, Expr::value(Some(until)))
        .col_expr(ticket::Column::ClaimBuyerId, Expr::value(Some(buyer_id)))
        .filter(ticket::Column::Id.eq(ticket_id))
        .filter(ticket::Column::OrderId.is_null())
        .filter(ticket::Column::WithdrawnAt.is_null())
        .filter(ticket::Column::UserId.ne(buyer_id))
        .filter(no_live_claim(now))
        .exec_with_returning(&txn)
        .await?;
    if let Some(ticket) = claimed.into_iter().next() {
        txn.commit().await?;
        return Ok(Claim::Won(ticket));
    }
    let ticket = ticket::Entity::find_by_id(ticket_id).one(&txn).await?;
    Ok(match ticket {
        None => Claim::Refused(ReserveRefusal::TicketNotFound),
        Some(ticket) if ticket.user_id == buyer_id => Claim::Refused(ReserveRefusal::OwnTicket),
        Some(ticket) if ticket.withdrawn_at.is_some() => Claim::Refused(ReserveRefusal::Withdrawn),
        Some(_) => Claim::Refused(ReserveRefusal::AlreadyReserved),
    })
}

/// Makes the buyer's holds change one transaction at a time: Postgres locks the buyer's row until
/// the transaction ends; SQLite has one writer anyway.
pub(crate) async fn lock_buyer(
    txn: &impl ConnectionTrait,
    buyer_id: UserId,
) -> Result<(), StoreError> {
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT id FROM users WHERE id = $1 FOR UPDATE",
            [buyer_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The buyer's holds: orders awaiting payment, and live claims that have not become one yet.
pub(crate) async fn holds_of(
    db: &impl ConnectionTrait,
    buyer_id: UserId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let orders = order::Entity::find()
        .filter(order::Column::UserId.eq(buyer_id))
        .filter(order::Column::Status.is_in([OrderStatus::Created, OrderStatus::AwaitingPayment]))
        .count(db)
        .await?;
    let claims = ticket::Entity::find()
        .filter(ticket::Column::ClaimBuyerId.eq(buyer_id))
        .filter(ticket::Column::ClaimExpiresAt.gt(now))
        .filter(ticket::Column::OrderId.is_null())
        .count(db)
        .await?;
    Ok(orders + claims)
}

/// Gives up `order_id`'s claim, when its gateway knows no saga was started for it; someone
/// else's claim, or a hold, is left alone.
pub async fn abandon_claim(
    db: &impl ConnectionTrait,
    ticket_id: TicketId,
    order_id: OrderId,
) -> Result<(), StoreError> {
    cleared(ticket::Entity::update_many())
        .filter(ticket::Column::Id.eq(ticket_id))
        .filter(ticket::Column::ClaimOrderId.eq(order_id))
        .exec(db)
        .await?;
    Ok(())
}

/// `update` with the ticket's claim cleared: given up, or spent by the hold it let in.
pub(crate) fn cleared(update: UpdateMany<ticket::Entity>) -> UpdateMany<ticket::Entity> {
    update
        .col_expr(
            ticket::Column::ClaimOrderId,
            Expr::value(Option::<OrderId>::None),
        )
        .col_expr(
            ticket::Column::ClaimExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            ticket::Column::ClaimBuyerId,
            Expr::value(Option::<UserId>::None),
        )
}

/// No claim on the ticket, or only one that has lapsed by `now`.
pub(crate) fn no_live_claim(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(ticket::Column::ClaimExpiresAt.is_null())
        .add(ticket::Column::ClaimExpiresAt.lte(now))
}

/// Whether `ticket` carries a claim that has not lapsed by `now`.
pub fn is_claimed(ticket: &ticket::Model, now: DateTime<Utc>) -> bool {
    ticket.claim_expires_at.is_some_and(|until| until > now)
}
