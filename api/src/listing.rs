//! Pages of tickets for sale and of a buyer's orders, by keyset (`?after=<id>&limit=<n>`). The
//! storefront's first page is what nearly every shopper loads, so each gateway keeps it in memory
//! until the catalog's generation says tickets changed (`store::catalog`): a ticket just ordered,
//! sold, released, listed or edited is in (or out of) the very next listing.

use std::sync::{Arc, RwLock};

use boxoffice_activities::entities::ticket;
use boxoffice_activities::store::orders::{self, Oldest, OrderWithTicket};
use boxoffice_activities::store::{PageRequest, StoreError, catalog, tickets};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::domain::{FieldError, Invalid};

/// Rows in a page when the client does not say; a client that sends no parameters gets the
/// contract's plain array of this many.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The most a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A page's rows, and the cursor of the next page if there is one.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next_after: Option<Uuid>,
}

/// `?after` and `?limit` as a client sent them.
pub fn page_request(after: Option<&str>, limit: Option<&str>) -> Result<PageRequest, Invalid> {
    let after = after
        .map(|text| {
            Uuid::parse_str(text.trim())
                .map_err(|_| FieldError::new("after", "after must be the id of a listed row"))
        })
        .transpose();
    let limit = match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                FieldError::new(
                    "limit",
                    format!("limit must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                )
            }),
    };
    match crate::domain::both(after, limit) {
        Ok((after, limit)) => Ok(PageRequest { after, limit }),
        Err(invalid) => Err(invalid),
    }
}

/// A cursor that names no row of the list: no such page.
fn unknown_cursor(err: StoreError) -> ListingError {
    match err {
        StoreError::NotFound => ListingError::NoSuchPage,
        other => ListingError::Store(other),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ListingError {
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// `after` is well-formed but names no row of the list.
    #[error("No such page")]
    NoSuchPage,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tickets for sale, newest first. Cheap to clone: one cache shared by clones.
#[derive(Clone, Default)]
pub struct Listing {
    first_page: Arc<RwLock<Option<Cached>>>,
}

struct Cached {
    generation: u64,
    /// One more than a default page, to know whether a next page exists.
    tickets: Arc<[ticket::Model]>,
}

impl Listing {
    pub async fn tickets(
        &self,
        db: &DatabaseConnection,
        request: PageRequest,
    ) -> Result<Page<ticket::Model>, ListingError> {
        if request.after.is_none() && request.limit <= DEFAULT_PAGE_SIZE {
            let first = self.first_page(db).await?;
            return Ok(page_of(first.to_vec(), request.limit));
        }
        let rows = tickets::tickets_for_sale(db, with_one_more(request))
            .await
            .map_err(unknown_cursor)?;
        Ok(page_of(rows, request.limit))
    }

    /// The first page from memory while the catalog is unchanged, else read again.
    async fn first_page(
        &self,
        db: &DatabaseConnection,
    ) -> Result<Arc<[ticket::Model]>, StoreError> {
        // Read before the query: a change committed meanwhile bumps past it, so the next request
        // reads again rather than trusting what this one read.
        let generation = catalog::generation();
        if let Some(cached) = self.first_page.read().ok().and_then(|cached| {
            cached
                .as_ref()
                .filter(|cached| cached.generation == generation)
                .map(|cached| cached.tickets.clone())
        }) {
            return Ok(cached);
        }
        let first = PageRequest {
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        };
        let tickets: Arc<[ticket::Model]> = tickets::tickets_for_sale(db, with_one_more(first))
            .await?
            .into();
        if let Ok(mut cached) = self.first_page.write() {
            *cached = Some(Cached {
                generation,
                tickets: tickets.clone(),
            });
        }
        Ok(tickets)
    }
}

/// A page of the buyer's orders, in `order` of placing.
pub async fn orders_of(
    db: &DatabaseConnection,
    buyer_id: Uuid,
    request: PageRequest,
    order: Oldest,
) -> Result<Page<OrderWithTicket>, ListingError> {
    let rows = orders::orders_of(db, buyer_id, with_one_more(request), order)
        .await
        .map_err(unknown_cursor)?;
    Ok(page_of(rows, request.limit))
}

trait Keyed {
    fn key(&self) -> Uuid;
}

impl Keyed for ticket::Model {
    fn key(&self) -> Uuid {
        self.id
    }
}

impl Keyed for OrderWithTicket {
    fn key(&self) -> Uuid {
        self.0.id
    }
}

fn with_one_more(request: PageRequest) -> PageRequest {
    PageRequest {
        limit: request.limit + 1,
        ..request
    }
}

/// `rows` holds up to one more than the page: that one only says a next page exists.
fn page_of<T: Keyed>(mut rows: Vec<T>, limit: u64) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next_after = more.then(|| rows.last().map(Keyed::key)).flatten();
    Page { rows, next_after }
}
