//! What support staff look up: a customer's orders by their e-mail, or an order by its id or its
//! ticket's, each with its ticket, buyer, payment and refund.

use std::collections::HashMap;

use boxoffice_domain::{OrderId, TicketId, UserId};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{StoreError, users};
use crate::entities::{order, payment, ticket, user};

/// The most orders one search returns, newest first.
pub const MAX_RESULTS: u64 = 100;

/// What staff search by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SupportQuery {
    /// Normalised (trimmed, lower-cased), as accounts store it.
    Email(String),
    Order(OrderId),
    Ticket(TicketId),
}

/// One order as the support desk shows it.
#[derive(Debug, Clone)]
pub struct SupportOrder {
    pub order: order::Model,
    pub ticket: ticket::Model,
    pub buyer_email: String,
    pub payment: Option<payment::Model>,
}

/// The orders matching `query`, newest first (at most [`MAX_RESULTS`]).
pub async fn find_orders(
    db: &impl ConnectionTrait,
    query: &SupportQuery,
) -> Result<Vec<SupportOrder>, StoreError> {
    let select = order::Entity::find();
    let select = match query {
        SupportQuery::Email(email) => match users::find_user_by_email(db, email).await? {
            Some(buyer) => select.filter(order::Column::UserId.eq(buyer.id)),
            None => return Ok(Vec::new()),
        },
        SupportQuery::Order(id) => select.filter(order::Column::Id.eq(*id)),
        SupportQuery::Ticket(id) => select.filter(order::Column::TicketId.eq(*id)),
    };
    let orders = select
        .order_by_desc(order::Column::CreatedAt)
        .order_by_desc(order::Column::Id)
        .limit(MAX_RESULTS)
        .all(db)
        .await?;
    if orders.is_empty() {
        return Ok(Vec::new());
    }
    let ticket_ids: Vec<TicketId> = orders.iter().map(|o| o.ticket_id).collect();
    let buyer_ids: Vec<UserId> = orders.iter().map(|o| o.user_id).collect();
    let order_ids: Vec<OrderId> = orders.iter().map(|o| o.id).collect();
    let tickets: HashMap<TicketId, ticket::Model> = ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(ticket_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let buyers: HashMap<UserId, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(buyer_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    let mut payments: HashMap<OrderId, payment::Model> = payment::Entity::find()
        .filter(payment::Column::OrderId.is_in(order_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.order_id, p))
        .collect();
    Ok(orders
        .into_iter()
        .filter_map(|order| {
            let ticket = tickets.get(&order.ticket_id)?.clone();
            let buyer_email = buyers.get(&order.user_id).cloned().unwrap_or_default();
            let payment = payments.remove(&order.id);
            Some(SupportOrder {
                order,
                ticket,
                buyer_email,
                payment,
            })
        })
        .collect())
}
