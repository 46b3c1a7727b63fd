//! Waiting lists. A shopper who lost the race for a held ticket joins its list; when the hold
//! ends without a sale, the release that frees the ticket hands it, in the same transaction, to
//! the first member who can take it: the ticket gets an admission claim for a new order of theirs
//! (`store::claims`), which their own purchase saga then turns into a hold. Nobody else can take
//! the ticket in between, and one release hands it to one member only.

use std::time::Duration;

use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Side, StoreError, beyond, claims, is_unique_violation};
use crate::entities::{order, ticket, waitlist_entry as entry};
use boxoffice_domain::saga::{OrderStatus, WaitState};

/// The most waiting lists one shopper may be on at once.
pub const MAX_LISTS: u64 = 10;

/// How many members of a waiting list a hand-over reads at once.
const HAND_OVER_PAGE: u64 = 50;

/// Why a shopper cannot join a ticket's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinRefusal {
    TicketNotFound,
    OwnTicket,
    /// Nobody holds it: buy it instead.
    ForSale,
    Sold,
    Withdrawn,
    /// It is held for this very shopper.
    YouHoldIt,
    /// The shopper's e-mail address is not verified: a hand-over to an address nobody reads
    /// would hold the ticket for nothing.
    Unverified,
    TooManyLists,
}

/// A member's place: 1 is next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub position: u64,
    pub waiting: u64,
}

/// A ticket's list as one viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListView {
    pub waiting: u64,
    /// The viewer's entry, whatever its state, and their position while waiting.
    pub mine: Option<(entry::Model, Option<u64>)>,
}

/// A ticket handed over to a waiting member: the order their saga is to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedOver {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
}

/// How a hand-over goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandOverRules {
    /// A member who already holds this many tickets is skipped.
    pub max_holds: u64,
    /// How long the member's order has to start its saga before anyone may take the ticket.
    pub lease: Duration,
    /// How long the member's order will hold the ticket (the saga's hold), for their message.
    pub hold: Duration,
}

/// Joins the shopper to the ticket's list (again, if they had left), or says why not. Joining
/// twice is joining once.
pub async fn join(
    db: &DatabaseConnection,
    ticket_id: TicketId,
    buyer_id: UserId,
) -> Result<Result<Place, JoinRefusal>, StoreError> {
    let txn = super::begin_write(db).await?;
    // The cap on lists is counted and the entry written under one lock: parallel joins by one
    // buyer take their turns.
    claims::lock_buyer(&txn, buyer_id).await?;
    let Some(ticket) = ticket::Entity::find_by_id(ticket_id).one(&txn).await? else {
        return Ok(Err(JoinRefusal::TicketNotFound));
    };
    if ticket.user_id == buyer_id {
        return Ok(Err(JoinRefusal::OwnTicket));
    }
    if ticket.withdrawn_at.is_some() {
        return Ok(Err(JoinRefusal::Withdrawn));
    }
    let Some(order_id) = ticket.order_id else {
        return Ok(Err(JoinRefusal::ForSale));
    };
    let holder = order::Entity::find_by_id(order_id).one(&txn).await?;
    match holder {
        Some(holder) if holder.status == OrderStatus::Complete => {
            return Ok(Err(JoinRefusal::Sold));
        }
        Some(holder) if holder.user_id == buyer_id => return Ok(Err(JoinRefusal::YouHoldIt)),
        _ => {}
    }
    if !super::users::is_verified(&txn, buyer_id).await? {
        return Ok(Err(JoinRefusal::Unverified));
    }
    let existing = entry::Entity::find()
        .filter(entry::Column::TicketId.eq(ticket_id))
        .filter(entry::Column::BuyerId.eq(buyer_id))
        .one(&txn)
        .await?;
    if existing
        .as_ref()
        .is_some_and(|entry| entry.state == WaitState::Waiting)
    {
        txn.commit().await?;
        return place_of(db, ticket_id, buyer_id).await.map(Ok);
    }
    let lists = entry::Entity::find()
        .filter(entry::Column::BuyerId.eq(buyer_id))
        .filter(entry::Column::State.eq(WaitState::Waiting))
        .count(&txn)
        .await?;
    if lists >= MAX_LISTS {
        return Ok(Err(JoinRefusal::TooManyLists));
    }
    let now = Utc::now();
    let written = match existing {
        Some(entry) => entry::Entity::update_many()
            .col_expr(entry::Column::State, Expr::value(WaitState::Waiting))
            .col_expr(entry::Column::JoinedAt, Expr::value(now))
            .col_expr(entry::Column::OrderId, Expr::value(Option::<OrderId>::None))
            .col_expr(
                entry::Column::HandedOverBy,
                Expr::value(Option::<OrderId>::None),
            )
            .col_expr(entry::Column::Note, Expr::value(Option::<String>::None))
            .filter(entry::Column::Id.eq(entry.id))
            .exec(&txn)
            .await
            .map(drop),
        None => entry::Entity::insert(entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(ticket_id),
            buyer_id: Set(buyer_id),
            state: Set(WaitState::Waiting),
            order_id: Set(None),
            handed_over_by: Set(None),
            note: Set(None),
            joined_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await
        .map(drop),
    };
    match written {
        Ok(()) => txn.commit().await?,
        // The same shopper joining twice at once: the other request's entry stands.
        Err(err) if is_unique_violation(&err) => drop(txn),
        Err(err) => return Err(err.into()),
    }
    place_of(db, ticket_id, buyer_id).await.map(Ok)
}

/// Leaves the ticket's list; `false` if the shopper was not waiting on it.
pub async fn leave(
    db: &impl ConnectionTrait,
    ticket_id: TicketId,
    buyer_id: UserId,
) -> Result<bool, StoreError> {
    let left = entry::Entity::update_many()
        .col_expr(entry::Column::State, Expr::value(WaitState::Left))
        .filter(entry::Column::TicketId.eq(ticket_id))
        .filter(entry::Column::BuyerId.eq(buyer_id))
        .filter(entry::Column::State.eq(WaitState::Waiting))
        .exec(db)
        .await?;
    Ok(left.rows_affected == 1)
}

/// The ticket's list: how many wait, and where `viewer` stands.
pub async fn view(
    db: &impl ConnectionTrait,
    ticket_id: TicketId,
    viewer: Option<UserId>,
) -> Result<ListView, StoreError> {
    let waiting = waiting_on(ticket_id).count(db).await?;
    let mine = match viewer {
        None => None,
        Some(buyer_id) => {
            let entry = entry::Entity::find()
                .filter(entry::Column::TicketId.eq(ticket_id))
                .filter(entry::Column::BuyerId.eq(buyer_id))
                .one(db)
                .await?;
            match entry {
                Some(entry) if entry.state == WaitState::Waiting => {
                    let position = ahead_of(&entry).count(db).await? + 1;
                    Some((entry, Some(position)))
                }
                Some(entry) => Some((entry, None)),
                None => None,
            }
        }
    };
    Ok(ListView { waiting, mine })
}

/// The entry whose turn made this order, if the order came from a waiting list.
pub async fn entry_of_order(
    db: &impl ConnectionTrait,
    order_id: OrderId,
) -> Result<Option<entry::Model>, StoreError> {
    Ok(entry::Entity::find()
        .filter(entry::Column::OrderId.eq(order_id))
        .one(db)
        .await?)
}

async fn place_of(
    db: &impl ConnectionTrait,
    ticket_id: TicketId,
    buyer_id: UserId,
) -> Result<Place, StoreError> {
    let view = view(db, ticket_id, Some(buyer_id)).await?;
    let position = view
        .mine
        .and_then(|(_, position)| position)
        .ok_or(StoreError::NotFound)?;
    Ok(Place {
        position,
        waiting: view.waiting,
    })
}

fn waiting_on(ticket_id: TicketId) -> sea_orm::Select<entry::Entity> {
    entry::Entity::find()
        .filter(entry::Column::TicketId.eq(ticket_id))
        .filter(entry::Column::State.eq(WaitState::Waiting))
}

/// The entries waiting before `entry`: joined earlier, or at the same instant with a lower id.
fn ahead_of(entry: &entry::Model) -> sea_orm::Select<entry::Entity> {
    waiting_on(entry.ticket_id).filter(beyond(
        Side::Earlier,
        (entry::Column::JoinedAt, entry.joined_at),
        (entry::Column::Id, entry.id),
    ))
}

/// Inside the release of `released_order`, which has just freed the ticket: hands it to the first
/// member who can take it. A member who already holds `max_holds` tickets is skipped, with a note
/// on their entry.
pub(crate) async fn hand_over(
    txn: &impl ConnectionTrait,
    ticket_id: TicketId,
    released_order: OrderId,
    rules: HandOverRules,
    now: DateTime<Utc>,
) -> Result<Option<HandedOver>, StoreError> {
    // A page at a time, not the whole queue: every member read is either skipped (and so leaves
    // the waiting ones) or handed the ticket, so the next page starts where this one ended.
    loop {
        let page = waiting_on(ticket_id)
            .order_by_asc(entry::Column::JoinedAt)
            .order_by_asc(entry::Column::Id)
            .limit(HAND_OVER_PAGE)
            .all(txn)
            .await?;
        if page.is_empty() {
            return Ok(None);
        }
        for member in page {
            match offer(txn, ticket_id, released_order, &member, &rules, now).await? {
                Offer::Skipped => continue,
                Offer::HandedOver(handed_over) => return Ok(Some(handed_over)),
                Offer::TicketTaken => return Ok(None),
            }
        }
    }
}

/// What came of offering the ticket to one member.
enum Offer {
    /// They hold the most tickets one shopper may: skipped, with a note; the next one's turn.
    Skipped,
    /// The ticket is claimed for them, for the order the release starts.
    HandedOver(HandedOver),
    /// Someone took the ticket meanwhile: nobody on the list gets it.
    TicketTaken,
}

async fn offer(
    txn: &impl ConnectionTrait,
    ticket_id: TicketId,
    released_order: OrderId,
    member: &entry::Model,
    rules: &HandOverRules,
    now: DateTime<Utc>,
) -> Result<Offer, StoreError> {
    claims::lock_buyer(txn, member.buyer_id).await?;
    if claims::holds_of(txn, member.buyer_id, now).await? >= rules.max_holds {
        entry::Entity::update_many()
            .col_expr(entry::Column::State, Expr::value(WaitState::Skipped))
            .col_expr(
                entry::Column::Note,
                Expr::value(Some(format!(
                    "Your turn came while you held {} tickets, the most one shopper may hold.",
                    rules.max_holds
                ))),
            )
            .filter(entry::Column::Id.eq(member.id))
            .exec(txn)
            .await?;
        return Ok(Offer::Skipped);
    }
    let order_id = OrderId::new();
    let until = now + chrono::Duration::from_std(rules.lease).unwrap_or(chrono::Duration::MAX);
    let claimed = ticket::Entity::update_many()
        .col_expr(ticket::Column::ClaimOrderId, Expr::value(Some(order_id)))
        .col_expr(
            ticket::Column::ClaimBuyerId,
            Expr::value(Some(member.buyer_id)),
        )
        .col_expr(ticket::Column::ClaimExpiresAt, Expr::value(Some(until)))
        .filter(ticket::Column::Id.eq(ticket_id))
        .filter(ticket::Column::OrderId.is_null())
        .filter(ticket::Column::WithdrawnAt.is_null())
        .exec(txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(Offer::TicketTaken);
    }
    entry::Entity::update_many()
        .col_expr(entry::Column::State, Expr::value(WaitState::HandedOver))
        .col_expr(entry::Column::OrderId, Expr::value(Some(order_id)))
        .col_expr(
            entry::Column::HandedOverBy,
            Expr::value(Some(released_order)),
        )
        .filter(entry::Column::Id.eq(member.id))
        .exec(txn)
        .await?;
    Ok(Offer::HandedOver(HandedOver {
        order_id,
        ticket_id,
        buyer_id: member.buyer_id,
    }))
}

/// The hand-over a release of `released_order` made, for a retried release to finish it.
pub(crate) async fn handed_over_by(
    db: &impl ConnectionTrait,
    released_order: OrderId,
) -> Result<Option<HandedOver>, StoreError> {
    let entry = entry::Entity::find()
        .filter(entry::Column::HandedOverBy.eq(released_order))
        .one(db)
        .await?;
    Ok(entry.and_then(|entry| {
        Some(HandedOver {
            order_id: entry.order_id?,
            ticket_id: entry.ticket_id,
            buyer_id: entry.buyer_id,
        })
    }))
}

/// Closes the ticket's list (sold, or changed or withdrawn by its seller): its members read `note`.
pub(crate) async fn close(
    db: &impl ConnectionTrait,
    ticket_id: TicketId,
    note: &str,
) -> Result<(), StoreError> {
    entry::Entity::update_many()
        .col_expr(entry::Column::State, Expr::value(WaitState::Closed))
        .col_expr(entry::Column::Note, Expr::value(Some(note.to_owned())))
        .filter(entry::Column::TicketId.eq(ticket_id))
        .filter(entry::Column::State.eq(WaitState::Waiting))
        .exec(db)
        .await?;
    Ok(())
}
