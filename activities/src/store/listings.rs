//! A seller's own tickets, whatever became of them: for sale, held (until when, never by whom),
//! sold (when, for how much) or withdrawn; how many wait for each; and the totals.

use std::collections::HashMap;

use boxoffice_domain::saga::{OrderStatus, WaitState};
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{PageRequest, Side, StoreError, beyond, claims};
use crate::entities::{order, payment, ticket, waitlist_entry as entry};

/// Where one of the seller's tickets stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingState {
    ForSale,
    /// An order holds it, or a buyer's claim is about to become one.
    Held {
        until: DateTime<Utc>,
    },
    Sold {
        at: DateTime<Utc>,
        price_cents: i64,
    },
    Withdrawn {
        at: DateTime<Utc>,
    },
}

/// One of the seller's tickets, its state and how many shoppers wait for it.
#[derive(Debug, Clone)]
pub struct SellerListing {
    pub ticket: ticket::Model,
    pub state: ListingState,
    pub waiting: u64,
}

/// All the seller has listed (in any state), how many sold, and what they sold for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SellerTotals {
    pub listed: u64,
    pub sold: u64,
    pub revenue_cents: i64,
}

/// A page of the seller's tickets, newest listed first. An `after` naming none of the seller's
/// tickets is [`StoreError::NotFound`].
pub async fn listings_of(
    db: &impl ConnectionTrait,
    seller_id: UserId,
    page: PageRequest<TicketId>,
) -> Result<Vec<SellerListing>, StoreError> {
    let mut query = ticket::Entity::find().filter(ticket::Column::UserId.eq(seller_id));
    if let Some(after) = page.after {
        let cursor = ticket::Entity::find_by_id(after)
            .one(db)
            .await?
            .filter(|cursor| cursor.user_id == seller_id)
            .ok_or(StoreError::NotFound)?;
        query = query.filter(beyond(
            Side::Earlier,
            (ticket::Column::CreatedAt, cursor.created_at),
            (ticket::Column::Id, cursor.id),
        ));
    }
    // The order of `tickets_seller_newest_idx`.
    let tickets = query
        .order_by_desc(ticket::Column::CreatedAt)
        .order_by_desc(ticket::Column::Id)
        .limit(page.limit)
        .all(db)
        .await?;
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let order_ids: Vec<OrderId> = tickets.iter().filter_map(|t| t.order_id).collect();
    let (orders, payments) = if order_ids.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let orders = order::Entity::find()
            .filter(order::Column::Id.is_in(order_ids.clone()))
            .all(db)
            .await?;
        let payments = payment::Entity::find()
            .filter(payment::Column::OrderId.is_in(order_ids))
            .all(db)
            .await?;
        (orders, payments)
    };
    let waiting = waiting_on(db, tickets.iter().map(|t| t.id).collect()).await?;
    let now = Utc::now();
    Ok(tickets
        .into_iter()
        .map(|ticket| {
            let holder = ticket
                .order_id
                .and_then(|id| orders.iter().find(|o| o.id == id));
            let paid = holder.and_then(|o| payments.iter().find(|p| p.order_id == o.id));
            let state = state_of(&ticket, holder, paid, now);
            let waiting = waiting.get(&ticket.id).copied().unwrap_or(0);
            SellerListing {
                ticket,
                state,
                waiting,
            }
        })
        .collect())
}

fn state_of(
    ticket: &ticket::Model,
    holder: Option<&order::Model>,
    paid: Option<&payment::Model>,
    now: DateTime<Utc>,
) -> ListingState {
    if let Some(at) = ticket.withdrawn_at {
        return ListingState::Withdrawn { at };
    }
    match holder {
        Some(order) if order.status == OrderStatus::Complete => ListingState::Sold {
            at: paid.map_or(order.created_at, |p| p.created_at),
            price_cents: paid.map_or(ticket.price_cents, |p| p.amount_cents),
        },
        Some(order)
            if matches!(
                order.status,
                OrderStatus::Created | OrderStatus::AwaitingPayment
            ) =>
        {
            ListingState::Held {
                until: order.expires_at,
            }
        }
        _ => match ticket.claim_expires_at {
            Some(until) if claims::is_claimed(ticket, now) => ListingState::Held { until },
            _ => ListingState::ForSale,
        },
    }
}

/// How many wait on each of `tickets`' lists (a ticket nobody waits for is absent). Counted here
/// from the page's entries: asked for only the waiting ones, Postgres walks a whole index by
/// state rather than look each ticket up.
async fn waiting_on(
    db: &impl ConnectionTrait,
    tickets: Vec<TicketId>,
) -> Result<HashMap<TicketId, u64>, StoreError> {
    let entries: Vec<(TicketId, WaitState)> = entry::Entity::find()
        .select_only()
        .column(entry::Column::TicketId)
        .column(entry::Column::State)
        .filter(entry::Column::TicketId.is_in(tickets))
        .into_tuple()
        .all(db)
        .await?;
    let mut waiting = HashMap::new();
    for (ticket_id, state) in entries {
        if state == WaitState::Waiting {
            *waiting.entry(ticket_id).or_insert(0) += 1;
        }
    }
    Ok(waiting)
}

/// The seller's totals: everything listed, and the sales (paid, not refunded) with their sum.
pub async fn totals_of(
    db: &impl ConnectionTrait,
    seller_id: UserId,
) -> Result<SellerTotals, StoreError> {
    let listed = ticket::Entity::find()
        .filter(ticket::Column::UserId.eq(seller_id))
        .count(db)
        .await?;
    // A payment that succeeded is a sale (a refunded one is not): orders need not be read.
    let sales = Query::select()
        .expr_as(
            Expr::col((payment::Entity, payment::Column::Id)).count(),
            Alias::new("sold"),
        )
        .expr_as(
            // Postgres sums a bigint as a numeric: back to a bigint.
            Func::coalesce([
                Expr::col((payment::Entity, payment::Column::AmountCents)).sum(),
                Expr::val(0i64),
            ])
            .cast_as(Alias::new("BIGINT")),
            Alias::new("revenue"),
        )
        .from(ticket::Entity)
        .inner_join(
            payment::Entity,
            Expr::col((payment::Entity, payment::Column::OrderId))
                .equals((ticket::Entity, ticket::Column::OrderId)),
        )
        .and_where(Expr::col((ticket::Entity, ticket::Column::UserId)).eq(seller_id))
        // Said outright (the join implies it) so that `tickets_seller_ordered_idx` serves it.
        .and_where(Expr::col((ticket::Entity, ticket::Column::OrderId)).is_not_null())
        .and_where(Expr::col((payment::Entity, payment::Column::Status)).eq("succeeded"))
        .to_owned();
    let row = db
        .query_one_raw(db.get_database_backend().build(&sales))
        .await?
        .ok_or(StoreError::NotFound)?;
    let sold: i64 = row.try_get("", "sold")?;
    let revenue_cents: i64 = row.try_get("", "revenue")?;
    Ok(SellerTotals {
        listed,
        sold: u64::try_from(sold).unwrap_or(0),
        revenue_cents,
    })
}
