//! Tickets: listing one, the page of those for sale, and the seller's versioned edits and
//! withdrawal (refused while an order holds or a buyer's claim covers the ticket).

use boxoffice_domain::saga::OrderStatus;
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, UpdateMany,
};

use super::{PageRequest, Side, StoreError, beyond, catalog, claims, waitlists};
use crate::entities::{order, ticket};

pub struct NewTicket<'a> {
    pub title: &'a str,
    pub price_cents: i64,
    pub seller_id: UserId,
}

pub struct TicketEdit<'a> {
    pub title: &'a str,
    pub price_cents: i64,
    /// The version the editor saw. `None` means "whatever is current now".
    pub expected_version: Option<i32>,
}

pub async fn create_ticket(
    db: &impl ConnectionTrait,
    new: NewTicket<'_>,
) -> Result<ticket::Model, StoreError> {
    let row = ticket::ActiveModel {
        id: Set(TicketId::new()),
        title: Set(new.title.to_owned()),
        price_cents: Set(new.price_cents),
        user_id: Set(new.seller_id),
        order_id: Set(None),
        version: Set(0),
        created_at: Set(Utc::now()),
        claim_order_id: Set(None),
        claim_expires_at: Set(None),
        claim_buyer_id: Set(None),
        withdrawn_at: Set(None),
    };
    let ticket = ticket::Entity::insert(row).exec_with_returning(db).await?;
    catalog::changed();
    Ok(ticket)
}

/// The tickets that are for sale: no order holds them and their seller has not withdrawn them
/// (the predicate of the for-sale partial indexes).
pub(crate) fn on_sale() -> Condition {
    Condition::all()
        .add(ticket::Column::OrderId.is_null())
        .add(ticket::Column::WithdrawnAt.is_null())
}

/// A page of the tickets for sale, newest first. An `after` naming no ticket is
/// [`StoreError::NotFound`].
pub async fn tickets_for_sale(
    db: &impl ConnectionTrait,
    page: PageRequest<TicketId>,
) -> Result<Vec<ticket::Model>, StoreError> {
    let mut query = ticket::Entity::find().filter(on_sale());
    if let Some(after) = page.after {
        let cursor = find_ticket(db, after).await?;
        query = query.filter(beyond(
            Side::Earlier,
            (ticket::Column::CreatedAt, cursor.created_at),
            (ticket::Column::Id, cursor.id),
        ));
    }
    // The order of the partial index `tickets_on_sale_newest_idx`.
    Ok(query
        .order_by_desc(ticket::Column::CreatedAt)
        .order_by_desc(ticket::Column::Id)
        .limit(page.limit)
        .all(db)
        .await?)
}

pub async fn find_ticket(
    db: &impl ConnectionTrait,
    id: TicketId,
) -> Result<ticket::Model, StoreError> {
    ticket::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)
}

/// The seller edits their ticket. Refused while an order holds it, after it is sold, and while a
/// buyer's admission claim is live (so an order never meets a price it was not shown); a
/// concurrent edit that bumped the version first makes this one a `VersionConflict`.
pub async fn update_ticket(
    db: &impl ConnectionTrait,
    id: TicketId,
    editor_id: UserId,
    edit: TicketEdit<'_>,
) -> Result<ticket::Model, StoreError> {
    let current = find_ticket(db, id).await?;
    if current.user_id != editor_id {
        return Err(StoreError::NotOwner);
    }
    if current.withdrawn_at.is_some() {
        return Err(StoreError::TicketWithdrawn);
    }
    let now = Utc::now();
    if current.order_id.is_some() || claims::is_claimed(&current, now) {
        return Err(StoreError::TicketReserved);
    }
    let seen_version = edit.expected_version.unwrap_or(current.version);

    let edit = ticket::Entity::update_many()
        .col_expr(ticket::Column::Title, Expr::value(edit.title))
        .col_expr(ticket::Column::PriceCents, Expr::value(edit.price_cents))
        .filter(ticket::Column::Version.eq(seen_version));
    let now_seen =
        match change_for_sale(db, id, edit, now, "The seller changed the ticket.").await? {
            SellerChange::Made(ticket) => return Ok(ticket),
            SellerChange::Lost(now_seen) => now_seen,
        };
    if now_seen.withdrawn_at.is_some() {
        Err(StoreError::TicketWithdrawn)
    } else if now_seen.order_id.is_some() || claims::is_claimed(&now_seen, Utc::now()) {
        Err(StoreError::TicketReserved)
    } else {
        Err(StoreError::VersionConflict)
    }
}

/// The seller takes their ticket off sale: it leaves the listings, its waiting list closes, and
/// no order can be placed for it; it stays readable, marked withdrawn. Only while it is for sale
/// (not held, claimed or sold). Withdrawing it again changes nothing.
pub async fn withdraw_ticket(
    db: &impl ConnectionTrait,
    id: TicketId,
    seller_id: UserId,
) -> Result<ticket::Model, StoreError> {
    let current = find_ticket(db, id).await?;
    if current.user_id != seller_id {
        return Err(StoreError::NotOwner);
    }
    if current.withdrawn_at.is_some() {
        return Ok(current);
    }
    let now = Utc::now();
    let withdrawal =
        ticket::Entity::update_many().col_expr(ticket::Column::WithdrawnAt, Expr::value(Some(now)));
    let now_seen =
        match change_for_sale(db, id, withdrawal, now, "The seller withdrew the ticket.").await? {
            SellerChange::Made(ticket) => return Ok(ticket),
            SellerChange::Lost(now_seen) => now_seen,
        };
    if now_seen.withdrawn_at.is_some() {
        return Ok(now_seen);
    }
    match now_seen.order_id {
        Some(order_id) if is_sold(db, order_id).await? => Err(StoreError::WithdrawSold),
        _ => Err(StoreError::WithdrawHeld),
    }
}

/// How a seller's change to a ticket for sale went.
enum SellerChange {
    /// It took: the ticket as changed.
    Made(ticket::Model),
    /// An order claimed or took the ticket first, or another change did: the ticket as it now
    /// stands, for the caller to say which.
    Lost(ticket::Model),
}

/// Makes a seller's change to ticket `id` (`change`: the columns it sets, and any guard of its
/// own) and bumps the ticket's version, only while the ticket is still for sale with no live
/// claim: an order may have claimed or taken it since the caller read it. A change that takes
/// closes the ticket's waiting list with `reason`, since what its members waited for is gone.
async fn change_for_sale(
    db: &impl ConnectionTrait,
    id: TicketId,
    change: UpdateMany<ticket::Entity>,
    now: DateTime<Utc>,
    reason: &str,
) -> Result<SellerChange, StoreError> {
    let result = change
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .filter(ticket::Column::Id.eq(id))
        .filter(on_sale())
        .filter(claims::no_live_claim(now))
        .exec(db)
        .await?;
    if result.rows_affected == 1 {
        catalog::changed();
        waitlists::close(db, id, reason).await?;
        return Ok(SellerChange::Made(find_ticket(db, id).await?));
    }
    Ok(SellerChange::Lost(find_ticket(db, id).await?))
}

async fn is_sold(db: &impl ConnectionTrait, order_id: OrderId) -> Result<bool, StoreError> {
    let holder = order::Entity::find_by_id(order_id).one(db).await?;
    Ok(holder.is_some_and(|order| order.status == OrderStatus::Complete))
}

/// Puts `count` tickets of `seller_id` up for sale in a few statements, each listed `age` or more
/// before now (older than anything listed since), with titles that read like a real catalog's.
/// For the bench and the tests, which measure the shop with a catalog of a real marketplace's
/// size; nothing in the shop's own paths calls it.
pub async fn list_in_bulk(
    db: &impl ConnectionTrait,
    seller_id: UserId,
    count: usize,
    age: chrono::Duration,
) -> Result<(), StoreError> {
    const BATCH: usize = 1000;
    let newest = Utc::now() - age;
    for start in (0..count).step_by(BATCH) {
        let rows = (start..count.min(start + BATCH)).map(|i| ticket::ActiveModel {
            id: Set(TicketId::new()),
            title: Set(catalog_title(i)),
            price_cents: Set(1000 + 250 * (i % 400) as i64),
            user_id: Set(seller_id),
            order_id: Set(None),
            version: Set(0),
            created_at: Set(newest - chrono::Duration::seconds(i as i64)),
            claim_order_id: Set(None),
            claim_expires_at: Set(None),
            claim_buyer_id: Set(None),
            withdrawn_at: Set(None),
        });
        ticket::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    catalog::changed();
    Ok(())
}

/// The `i`th title of a bulk catalog: an act, a venue and a seat, varied enough that searching
/// for one word finds a fraction of the catalog, not all of it or none.
fn catalog_title(i: usize) -> String {
    const ACTS: [&str; 16] = [
        "Coldplay",
        "Adele",
        "Radiohead",
        "Beyoncé",
        "Metallica",
        "Taylor Swift",
        "Arctic Monkeys",
        "Billie Eilish",
        "Foo Fighters",
        "Dua Lipa",
        "The National",
        "Muse",
        "Rosalía",
        "Blur",
        "Kendrick Lamar",
        "Björk",
    ];
    const VENUES: [&str; 10] = [
        "Wembley Stadium",
        "Madison Square Garden",
        "Royal Albert Hall",
        "Red Rocks",
        "O2 Arena",
        "Hollywood Bowl",
        "Olympiastadion",
        "Zénith Paris",
        "Ziggo Dome",
        "Sydney Opera House",
    ];
    let act = ACTS[i % ACTS.len()];
    let venue = VENUES[(i / ACTS.len()) % VENUES.len()];
    let row = 1 + (i / (ACTS.len() * VENUES.len())) % 40;
    let seat = 1 + i % 30;
    format!("{act} at {venue}, row {row} seat {seat}")
}
