//! Pages of tickets for sale and of a buyer's orders, by keyset (`?after=<id>&limit=<n>`). The
//! storefront's first page is what nearly every shopper loads, so each gateway keeps it in memory
//! until the catalog's generation says tickets changed (`store::catalog`): a ticket just ordered,
//! sold, released, listed or edited is in (or out of) the very next listing. Searches are kept
//! the same way: on an act's on-sale day most shoppers type the same few words.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use axum::body::Bytes;

use boxoffice_activities::entities::ticket;
use boxoffice_activities::store::listings::{self, SellerListing};
use boxoffice_activities::store::orders::{self, Oldest, OrderWithTicket};
use boxoffice_activities::store::search::{self, Search};
use boxoffice_activities::store::{PageRequest, StoreError, catalog, tickets};
use boxoffice_domain::{OrderId, TicketId, UserId};
use sea_orm::DatabaseConnection;

use crate::domain::{FieldError, Invalid};

/// Rows in a page when the client does not say; a client that sends no parameters gets the
/// contract's plain array of this many.
pub const DEFAULT_PAGE_SIZE: u64 = 100;
/// The most a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// A page's rows, and the cursor of the next page if there is one.
#[derive(Debug, Clone)]
pub struct Page<T: Keyed> {
    pub rows: Vec<T>,
    pub next_after: Option<T::Id>,
}

/// `?after` and `?limit` as a client sent them.
pub fn page_request<Id: std::str::FromStr>(
    after: Option<&str>,
    limit: Option<&str>,
) -> Result<PageRequest<Id>, Invalid> {
    let after = after
        .map(|text| {
            text.trim()
                .parse()
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

/// Whether `request` is the default page from the start: what nearly every caller asks for (the
/// original's clients always do), so one answer to it can be made once and shared.
pub fn is_the_usual_first_page<Id>(request: &PageRequest<Id>) -> bool {
    request.after.is_none() && request.limit == DEFAULT_PAGE_SIZE
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

/// The tickets for sale, newest first, and searches of them. Cheap to clone: one cache shared by
/// clones.
#[derive(Clone, Default)]
pub struct Listing {
    first_page: Arc<RwLock<Option<Arc<FirstPage>>>>,
    /// Held by the one request that reads the first page again after a change, so that the
    /// requests that missed with it wait for its read instead of each making their own.
    refilling: Arc<tokio::sync::Mutex<()>>,
    searches: Arc<Mutex<KeptSearches>>,
}

/// The most searches kept for one catalog generation. A page is about 100 tickets (~30 KB), so
/// this bounds the memory to a few MB however many different searches shoppers type.
const MAX_KEPT_SEARCHES: usize = 256;

/// The searches answered since the catalog's generation was `generation`: each one's page, read
/// by the first request that asked for it while the others that asked meanwhile wait for it.
#[derive(Default)]
struct KeptSearches {
    generation: u64,
    pages: HashMap<(Search, PageRequest<TicketId>), KeptSearch>,
}

/// One search's page, once the first request that asked for it has read it.
type KeptSearch = Arc<tokio::sync::OnceCell<Page<ticket::Model>>>;

/// The first page of tickets for sale as read at one catalog generation. The listing hands out
/// the same value for as long as the catalog is unchanged, so whatever is made from it can be
/// kept exactly as long.
pub struct FirstPage {
    generation: u64,
    /// One more than a default page, to know whether a next page exists.
    tickets: Vec<ticket::Model>,
    /// The home page as visitors who are not signed in see it: nothing in it is theirs, so the
    /// storefront renders it once per catalog change rather than once per view.
    pub shown_to_visitors: OnceLock<Bytes>,
    /// The body of `GET /api/tickets` asked for the default page: the same for every caller.
    pub as_json: OnceLock<Bytes>,
}

impl FirstPage {
    /// Its first `limit` tickets (at most a default page) and the cursor after them.
    pub fn page(&self, limit: u64) -> Page<ticket::Model> {
        page_of(self.tickets.clone(), limit.min(DEFAULT_PAGE_SIZE))
    }

    /// The cursor after its first `limit` tickets, if more follow.
    pub fn next_after(&self, limit: u64) -> Option<TicketId> {
        cursor_after(&self.tickets, as_len(limit.min(DEFAULT_PAGE_SIZE)))
    }
}

impl Listing {
    pub async fn tickets(
        &self,
        db: &DatabaseConnection,
        request: PageRequest<TicketId>,
    ) -> Result<Page<ticket::Model>, ListingError> {
        if request.after.is_none() && request.limit <= DEFAULT_PAGE_SIZE {
            return Ok(self.first_page(db).await?.page(request.limit));
        }
        let rows = tickets::tickets_for_sale(db, with_one_more(request))
            .await
            .map_err(unknown_cursor)?;
        Ok(page_of(rows, request.limit))
    }

    /// The first page from memory while the catalog is unchanged, else read again.
    pub async fn first_page(&self, db: &DatabaseConnection) -> Result<Arc<FirstPage>, StoreError> {
        // Read before the query: a change committed meanwhile bumps past it, so the next request
        // reads again rather than trusting what this one read.
        let generation = catalog::generation();
        if let Some(page) = self.kept_since(generation) {
            return Ok(page);
        }
        let _refilling = self.refilling.lock().await;
        // Whoever held the lock before may have read it after our change: then that will do.
        if let Some(page) = self.kept_since(generation) {
            return Ok(page);
        }
        let generation = catalog::generation();
        let first = PageRequest {
            after: None,
            limit: DEFAULT_PAGE_SIZE,
        };
        let page = Arc::new(FirstPage {
            generation,
            tickets: tickets::tickets_for_sale(db, with_one_more(first)).await?,
            shown_to_visitors: OnceLock::new(),
            as_json: OnceLock::new(),
        });
        if let Ok(mut kept) = self.first_page.write() {
            *kept = Some(page.clone());
        }
        Ok(page)
    }

    /// The kept first page if it was read at `generation` or later, so it holds every change
    /// committed before `generation` was.
    fn kept_since(&self, generation: u64) -> Option<Arc<FirstPage>> {
        let kept = self.first_page.read().ok()?;
        kept.as_ref()
            .filter(|page| page.generation >= generation)
            .cloned()
    }

    /// A page of the tickets for sale that match `search`, in its order: from memory if the same
    /// page was read since the catalog last changed, else read (once, however many ask at once).
    pub async fn search(
        &self,
        db: &DatabaseConnection,
        search: &Search,
        request: PageRequest<TicketId>,
    ) -> Result<Page<ticket::Model>, ListingError> {
        // Read before the query, as for the first page: a change committed meanwhile starts a
        // new generation, whose requests never see what this one reads.
        let generation = catalog::generation();
        let Some(kept) = self.kept_search(generation, search, request) else {
            return read_search(db, search, request).await;
        };
        // A failed read is not kept: the next request reads again.
        let page = kept
            .get_or_try_init(|| read_search(db, search, request))
            .await?;
        Ok(page.clone())
    }

    /// The place of `search`'s page among the searches kept at `generation` or later (none if
    /// the cache's lock was poisoned).
    fn kept_search(
        &self,
        generation: u64,
        search: &Search,
        request: PageRequest<TicketId>,
    ) -> Option<KeptSearch> {
        let mut kept = self.searches.lock().ok()?;
        if kept.generation < generation || kept.pages.len() >= MAX_KEPT_SEARCHES {
            kept.pages.clear();
            kept.generation = kept.generation.max(generation);
        }
        Some(
            kept.pages
                .entry((search.clone(), request))
                .or_default()
                .clone(),
        )
    }
}

/// A page of the buyer's orders, in `order` of placing.
pub async fn orders_of(
    db: &DatabaseConnection,
    buyer_id: UserId,
    request: PageRequest<OrderId>,
    order: Oldest,
) -> Result<Page<OrderWithTicket>, ListingError> {
    let rows = orders::orders_of(db, buyer_id, with_one_more(request), order)
        .await
        .map_err(unknown_cursor)?;
    Ok(page_of(rows, request.limit))
}

/// A page of the tickets for sale that match `search`, in its order, read from the database.
async fn read_search(
    db: &DatabaseConnection,
    search: &Search,
    request: PageRequest<TicketId>,
) -> Result<Page<ticket::Model>, ListingError> {
    let rows = search::search_tickets(db, search, with_one_more(request))
        .await
        .map_err(unknown_cursor)?;
    Ok(page_of(rows, request.limit))
}

/// A page of the seller's own tickets, newest listed first.
pub async fn listings_of(
    db: &DatabaseConnection,
    seller_id: UserId,
    request: PageRequest<TicketId>,
) -> Result<Page<SellerListing>, ListingError> {
    let rows = listings::listings_of(db, seller_id, with_one_more(request))
        .await
        .map_err(unknown_cursor)?;
    Ok(page_of(rows, request.limit))
}

/// A row of a list paged by keyset: its key is the next page's cursor.
pub trait Keyed {
    type Id: Copy;
    fn key(&self) -> Self::Id;
}

impl Keyed for ticket::Model {
    type Id = TicketId;
    fn key(&self) -> TicketId {
        self.id
    }
}

impl Keyed for SellerListing {
    type Id = TicketId;
    fn key(&self) -> TicketId {
        self.ticket.id
    }
}

impl Keyed for OrderWithTicket {
    type Id = OrderId;
    fn key(&self) -> OrderId {
        self.0.id
    }
}

fn with_one_more<Id>(request: PageRequest<Id>) -> PageRequest<Id> {
    PageRequest {
        limit: request.limit + 1,
        ..request
    }
}

/// `rows` holds up to one more than the page: that one only says a next page exists.
fn page_of<T: Keyed>(mut rows: Vec<T>, limit: u64) -> Page<T> {
    let limit = as_len(limit);
    let next_after = cursor_after(&rows, limit);
    rows.truncate(limit);
    Page { rows, next_after }
}

/// The key of the last of the first `limit` rows, if more rows follow them.
fn cursor_after<T: Keyed>(rows: &[T], limit: usize) -> Option<T::Id> {
    if rows.len() <= limit {
        return None;
    }
    rows.get(limit.checked_sub(1)?).map(Keyed::key)
}

fn as_len(limit: u64) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}
