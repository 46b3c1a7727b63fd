//! Orders and payments. Each write is one transaction guarded by row versions and by the state the
//! writer expects, so a retried activity finds its own earlier write instead of doing it twice.

use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    Order, QueryFilter, QueryOrder, QuerySelect, UpdateMany, UpdateResult,
};
use uuid::Uuid;

use super::waitlists::{self, HandOverRules, HandedOver};
use super::{PageRequest, Side, StoreError, beyond, catalog, claims, outbox};
use crate::entities::{order, payment, ticket, user};
use crate::mail::{self, About, Links};
use boxoffice_domain::saga::{CancelReason, OrderStatus, ReserveRefusal};

pub struct NewOrder {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
    pub expires_at: DateTime<Utc>,
}

/// Holds the ticket for the order: sets the ticket's `order_id` and inserts the order (`created`),
/// in one transaction. Running it again for the same order is a no-op that succeeds.
pub async fn reserve_ticket(
    db: &DatabaseConnection,
    new: NewOrder,
) -> Result<Result<ticket::Model, ReserveRefusal>, StoreError> {
    let now = Utc::now();
    let txn = super::begin_write(db).await?;
    // One conditional write decides: `order_id IS NULL` makes a concurrent reservation lose here,
    // not overwrite; the claim condition makes an order whose claim lapsed lose to the one that
    // claimed since; and an order that exists already (this very activity, retried) takes nothing
    // again. The claim has done its work once the ticket is held: clear it.
    let taken = claims::cleared(ticket::Entity::update_many())
        .col_expr(ticket::Column::OrderId, Expr::value(Some(new.order_id)))
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .filter(ticket::Column::Id.eq(new.ticket_id))
        .filter(ticket::Column::OrderId.is_null())
        .filter(ticket::Column::WithdrawnAt.is_null())
        .filter(ticket::Column::UserId.ne(new.buyer_id))
        .filter(claims::no_live_claim(now).add(ticket::Column::ClaimOrderId.eq(new.order_id)))
        .filter(Expr::exists(order_with_id(new.order_id)).not())
        .exec_with_returning(&txn)
        .await?;
    let Some(held) = taken.into_iter().next() else {
        return not_reserved(&txn, &new).await;
    };
    order::Entity::insert(order::ActiveModel {
        id: Set(new.order_id),
        user_id: Set(new.buyer_id),
        ticket_id: Set(new.ticket_id),
        status: Set(OrderStatus::Created),
        expires_at: Set(new.expires_at),
        cancel_reason: Set(None),
        payment_id: Set(None),
        version: Set(0),
        created_at: Set(now),
        refund_state: Set(None),
        refund_id: Set(None),
        refunded_by: Set(None),
        refund_reason: Set(None),
        refunded_at: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    catalog::changed();
    Ok(Ok(held))
}

/// `SELECT 1 FROM orders WHERE id = ?`, for `EXISTS`.
fn order_with_id(order_id: OrderId) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(order::Entity)
        .and_where(Expr::col((order::Entity, order::Column::Id)).eq(order_id))
        .to_owned()
}

/// Why the reservation's write took nothing: the order exists already (a retry: it succeeds with
/// the ticket as it is), or the ticket is gone, the buyer's own, or someone else's to hold.
async fn not_reserved(
    txn: &impl ConnectionTrait,
    new: &NewOrder,
) -> Result<Result<ticket::Model, ReserveRefusal>, StoreError> {
    let ticket = ticket::Entity::find_by_id(new.ticket_id).one(txn).await?;
    let ordered = order::Entity::find_by_id(new.order_id).one(txn).await?;
    Ok(match (ticket, ordered) {
        (None, None) => Err(ReserveRefusal::TicketNotFound),
        (None, Some(_)) => return Err(StoreError::NotFound),
        (Some(ticket), Some(_)) => Ok(ticket),
        (Some(ticket), None) if ticket.user_id == new.buyer_id => Err(ReserveRefusal::OwnTicket),
        (Some(ticket), None) if ticket.withdrawn_at.is_some() => Err(ReserveRefusal::Withdrawn),
        (Some(_), None) => Err(ReserveRefusal::AlreadyReserved),
    })
}

/// Why an order could not be completed after its charge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("order {order_id} is {status}, not awaiting payment")]
pub struct NotCompletable {
    pub order_id: OrderId,
    pub status: String,
}

pub struct PaidOrder<'a> {
    pub order_id: OrderId,
    pub stripe_payment_intent: &'a str,
    pub amount_cents: i64,
    /// The card charged, for the receipt.
    pub card: Option<&'a str>,
}

/// Marks the order complete and the ticket sold, and records the payment; in the same
/// transaction, enqueues the buyer's receipt and the seller's notice. Idempotent: a second call
/// for the same order returns the payment recorded by the first.
pub async fn complete_order(
    db: &DatabaseConnection,
    paid: PaidOrder<'_>,
    links: &Links,
) -> Result<Result<Completed, NotCompletable>, StoreError> {
    let txn = super::begin_write(db).await?;
    let order = order::Entity::find_by_id(paid.order_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    if order.status == OrderStatus::Complete {
        // Completed by an earlier attempt: its payment is the answer.
        let existing = payment::Entity::find()
            .filter(payment::Column::OrderId.eq(paid.order_id))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        return Ok(Ok(Completed {
            payment: existing,
            ended: None,
        }));
    }
    if order.status != OrderStatus::Created {
        return Ok(Err(NotCompletable {
            order_id: order.id,
            status: order.status.to_value(),
        }));
    }
    let payment_id = Uuid::now_v7();
    update_if_unchanged(&order)
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Complete))
        .col_expr(order::Column::PaymentId, Expr::value(Some(payment_id)))
        .exec(&txn)
        .await
        .map(exactly_one)??;
    // The ticket keeps its order_id: it is sold. Its version moves so stale editors notice.
    update_ticket_held_by(&order).exec(&txn).await?;
    let payment = payment::Entity::insert(payment::ActiveModel {
        id: Set(payment_id),
        order_id: Set(order.id),
        stripe_id: Set(paid.stripe_payment_intent.to_owned()),
        amount_cents: Set(paid.amount_cents),
        status: Set("succeeded".to_owned()),
        card: Set(paid.card.map(str::to_owned)),
        version: Set(0),
        created_at: Set(Utc::now()),
    })
    .exec_with_returning(&txn)
    .await?;
    waitlists::close(&txn, order.ticket_id, "The ticket was sold.").await?;
    let ticket = ticket::Entity::find_by_id(order.ticket_id)
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let about = About {
        order_id: order.id,
        ticket_id: ticket.id,
        title: &ticket.title,
    };
    let now = payment.created_at;
    let buyer = email_of(&txn, order.user_id).await?;
    let receipt = mail::receipt(links, &buyer, about, paid.amount_cents, paid.card, now);
    outbox::enqueue(&txn, receipt, now).await?;
    let seller = email_of(&txn, ticket.user_id).await?;
    let sold = mail::sold(links, &seller, about, paid.amount_cents, now);
    outbox::enqueue(&txn, sold, now).await?;
    txn.commit().await?;
    Ok(Ok(Completed {
        payment,
        ended: Some(held_for(&order)),
    }))
}

/// A completed order's payment; `ended` is `Some` only for the call that completed it.
#[derive(Debug)]
pub struct Completed {
    pub payment: payment::Model,
    pub ended: Option<Ended>,
}

/// How an order's hold ended, for the call that ended it (a retry that finds the work done gets
/// `None`, so outcomes are counted once).
#[derive(Debug, Clone, Copy)]
pub struct Ended {
    /// From placing the order to its outcome.
    pub held_for: std::time::Duration,
}

fn held_for(order: &order::Model) -> Ended {
    Ended {
        held_for: (Utc::now() - order.created_at).to_std().unwrap_or_default(),
    }
}

/// What releasing an order came to.
#[derive(Debug)]
pub enum Release {
    /// Cancelled and its ticket back on sale, or handed to the first member of its waiting list
    /// who can take it; `ended` is `Some` for the call that did it, `handed_over` for every call
    /// (so that a retried release finishes the hand-over).
    Released {
        ended: Option<Ended>,
        handed_over: Option<HandedOver>,
    },
    /// The order is complete: a sold ticket is never released.
    Sold { payment_id: Option<Uuid> },
}

/// Cancels the order and puts its ticket back on sale, or, with `hand_over`, hands it in the
/// same transaction to the first member of its waiting list who can take it. The same
/// transaction enqueues what the people concerned are told: the buyer whose hold expired, and the
/// member whose turn it is. Idempotent; a complete order is left alone, since a sold ticket is
/// never released.
pub async fn release_order(
    db: &DatabaseConnection,
    order_id: OrderId,
    reason: CancelReason,
    hand_over: Option<HandOverRules>,
    links: &Links,
) -> Result<Release, StoreError> {
    let txn = super::begin_write(db).await?;
    let Some(order) = order::Entity::find_by_id(order_id).one(&txn).await? else {
        // Reservation never happened: nothing to release.
        return Ok(Release::Released {
            ended: None,
            handed_over: None,
        });
    };
    match order.status {
        OrderStatus::Complete => {
            return Ok(Release::Sold {
                payment_id: order.payment_id,
            });
        }
        OrderStatus::Cancelled => {
            return Ok(Release::Released {
                ended: None,
                handed_over: waitlists::handed_over_by(&txn, order_id).await?,
            });
        }
        _ => {}
    }
    update_if_unchanged(&order)
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Cancelled))
        .col_expr(order::Column::CancelReason, Expr::value(Some(reason)))
        .exec(&txn)
        .await
        .map(exactly_one)??;
    let now = Utc::now();
    let handed_over = free_ticket(&txn, &order, hand_over, now).await?;
    let expired = reason == CancelReason::Expired;
    if expired || handed_over.is_some() {
        let ticket = ticket::Entity::find_by_id(order.ticket_id)
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        let handed = handed_over.zip(hand_over);
        tell_released(&txn, links, &order, &ticket, now, expired, handed).await?;
    }
    txn.commit().await?;
    catalog::changed();
    Ok(Release::Released {
        ended: Some(held_for(&order)),
        handed_over,
    })
}

/// What a release of `order` tells the people concerned, on its transaction: the buyer whose hold
/// `expired`, and the member the ticket was `handed` to.
async fn tell_released(
    txn: &impl ConnectionTrait,
    links: &Links,
    order: &order::Model,
    ticket: &ticket::Model,
    now: DateTime<Utc>,
    expired: bool,
    handed: Option<(HandedOver, HandOverRules)>,
) -> Result<(), StoreError> {
    if expired {
        let about = About {
            order_id: order.id,
            ticket_id: ticket.id,
            title: &ticket.title,
        };
        let buyer = email_of(txn, order.user_id).await?;
        let ended = mail::hold_ended(links, &buyer, about, handed.is_some());
        outbox::enqueue(txn, ended, now).await?;
    }
    if let Some((handed, rules)) = handed {
        tell_turn(txn, links, ticket, handed, rules, now).await?;
    }
    Ok(())
}

/// Enqueues, on the transaction of a hand-over (a release's or a staff refund's), the "your turn"
/// message to the member `ticket` was `handed` to.
pub(super) async fn tell_turn(
    txn: &impl ConnectionTrait,
    links: &Links,
    ticket: &ticket::Model,
    handed: HandedOver,
    rules: HandOverRules,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let about = About {
        order_id: handed.order_id,
        ticket_id: ticket.id,
        title: &ticket.title,
    };
    let member = email_of(txn, handed.buyer_id).await?;
    let until = now + chrono::Duration::from_std(rules.hold).unwrap_or(chrono::Duration::MAX);
    let turn = mail::your_turn(links, &member, about, ticket.price_cents, until, now);
    outbox::enqueue(txn, turn, now).await
}

/// An UPDATE of `order` that applies only if nobody changed it since it was read, bumping its
/// version; callers add the columns they change.
pub(super) fn update_if_unchanged(order: &order::Model) -> UpdateMany<order::Entity> {
    order::Entity::update_many()
        .col_expr(
            order::Column::Version,
            Expr::col(order::Column::Version).add(1),
        )
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Version.eq(order.version))
}

/// An UPDATE of the ticket `order` holds, bumping its version; a ticket this order does not hold
/// is left alone. Callers add the columns they change.
pub(super) fn update_ticket_held_by(order: &order::Model) -> UpdateMany<ticket::Entity> {
    ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .filter(ticket::Column::Id.eq(order.ticket_id))
        .filter(ticket::Column::OrderId.eq(order.id))
}

/// Inside the release or refund of `order`: frees the ticket it held (bumping its version) and,
/// given `hand_over`'s rules, hands it on to the first member of its waiting list who can take it.
pub(super) async fn free_ticket(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    hand_over: Option<HandOverRules>,
    now: DateTime<Utc>,
) -> Result<Option<HandedOver>, StoreError> {
    update_ticket_held_by(order)
        .col_expr(
            ticket::Column::OrderId,
            Expr::value(Option::<OrderId>::None),
        )
        .exec(txn)
        .await?;
    match hand_over {
        Some(rules) => waitlists::hand_over(txn, order.ticket_id, order.id, rules, now).await,
        None => Ok(None),
    }
}

pub(super) fn exactly_one(result: UpdateResult) -> Result<(), StoreError> {
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(StoreError::VersionConflict)
    }
}

/// A charge the saga gave back.
pub struct RefundedPayment<'a> {
    pub order_id: OrderId,
    pub stripe_payment_intent: &'a str,
    pub amount_cents: i64,
    /// The card charged, for the buyer's notice, when Stripe said.
    pub card: Option<&'a str>,
}

/// Records a charge that was refunded because its order could not be completed, and enqueues the
/// buyer's notice with it. Idempotent: the order has at most one payment row, and one notice.
pub async fn record_refunded_payment(
    db: &DatabaseConnection,
    refunded: RefundedPayment<'_>,
    links: &Links,
) -> Result<(), StoreError> {
    let RefundedPayment {
        order_id,
        stripe_payment_intent,
        amount_cents,
        card,
    } = refunded;
    let txn = super::begin_write(db).await?;
    let (order, ticket) = find_order(&txn, order_id).await?;
    let now = Utc::now();
    let buyer = email_of(&txn, order.user_id).await?;
    let about = About {
        order_id,
        ticket_id: ticket.id,
        title: &ticket.title,
    };
    let notice = mail::refunded(
        links,
        &buyer,
        about,
        amount_cents,
        card,
        now,
        mail::REFUNDED_BY_THE_SAGA,
    );
    outbox::enqueue(&txn, notice, now).await?;
    let row = payment::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        stripe_id: Set(stripe_payment_intent.to_owned()),
        amount_cents: Set(amount_cents),
        status: Set("refunded".to_owned()),
        card: Set(card.map(str::to_owned)),
        version: Set(0),
        created_at: Set(Utc::now()),
    };
    // The order's payment row, if it has one already, stands (a unique index on `order_id`).
    payment::Entity::insert(row)
        .on_conflict(
            OnConflict::column(payment::Column::OrderId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// The e-mail address of an account.
pub(super) async fn email_of(db: &impl ConnectionTrait, id: UserId) -> Result<String, StoreError> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|user| user.email)
        .ok_or(StoreError::NotFound)
}

/// The payment that paid for an order, if any.
pub async fn payment_of(
    db: &impl ConnectionTrait,
    order_id: OrderId,
) -> Result<Option<payment::Model>, StoreError> {
    Ok(payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .one(db)
        .await?)
}

/// An order with the ticket it is for.
pub type OrderWithTicket = (order::Model, ticket::Model);

pub async fn find_order(
    db: &impl ConnectionTrait,
    id: OrderId,
) -> Result<OrderWithTicket, StoreError> {
    let order = order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    let ticket = ticket::Entity::find_by_id(order.ticket_id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((order, ticket))
}

/// Which end of a buyer's orders a page starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oldest {
    First,
    Last,
}

/// A page of the buyer's orders, each with its ticket, in `order` of placing. An `after` naming
/// none of the buyer's orders is [`StoreError::NotFound`].
pub async fn orders_of(
    db: &impl ConnectionTrait,
    buyer_id: UserId,
    page: PageRequest<OrderId>,
    order: Oldest,
) -> Result<Vec<OrderWithTicket>, StoreError> {
    let mut query = order::Entity::find().filter(order::Column::UserId.eq(buyer_id));
    if let Some(after) = page.after {
        let cursor = order::Entity::find_by_id(after)
            .one(db)
            .await?
            .filter(|cursor| cursor.user_id == buyer_id)
            .ok_or(StoreError::NotFound)?;
        let side = match order {
            Oldest::First => Side::Later,
            Oldest::Last => Side::Earlier,
        };
        query = query.filter(beyond(
            side,
            (order::Column::CreatedAt, cursor.created_at),
            (order::Column::Id, cursor.id),
        ));
    }
    let direction = match order {
        Oldest::First => Order::Asc,
        Oldest::Last => Order::Desc,
    };
    let orders = query
        .order_by(order::Column::CreatedAt, direction.clone())
        .order_by(order::Column::Id, direction)
        .limit(page.limit)
        .all(db)
        .await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ticket_ids: Vec<TicketId> = orders.iter().map(|o| o.ticket_id).collect();
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(ticket_ids))
        .all(db)
        .await?;
    Ok(orders
        .into_iter()
        .filter_map(|order| {
            let ticket = tickets.iter().find(|t| t.id == order.ticket_id)?.clone();
            Some((order, ticket))
        })
        .collect())
}
