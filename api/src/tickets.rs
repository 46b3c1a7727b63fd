//! Tickets: what is for sale, one ticket, selling, editing and withdrawing; the rules around the tickets table
//! that the JSON API and the pages share.

use boxoffice_activities::entities::{order, payment, ticket};
use boxoffice_activities::store::listings::{self, SellerListing, SellerTotals};
use boxoffice_activities::store::orders;
use boxoffice_activities::store::search::Search;
use boxoffice_activities::store::tickets::{self, NewTicket, TicketEdit};
use boxoffice_activities::store::{PageRequest, StoreError};
use boxoffice_domain::saga::Standing;
use boxoffice_domain::{TicketId, UserId};
use sea_orm::DatabaseConnection;
use std::sync::Arc;

use crate::domain::{Price, Title};
use crate::failure::Failure;
use crate::limits::{Action, Limited, Limits};
use crate::listing::{self, FirstPage, Listing, ListingError, Page};

/// What selling, editing and reading tickets needs.
#[derive(Clone)]
pub struct Tickets {
    /// For writes.
    pub db: DatabaseConnection,
    /// For reads that need no transaction.
    pub reader: DatabaseConnection,
    /// The tickets for sale, their first page kept until the catalog changes.
    pub listing: Listing,
    pub limits: Limits,
}

/// Why a ticket could not be listed or changed. The message is what the seller reads.
#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<TicketError> for Failure {
    fn from(err: TicketError) -> Self {
        match err {
            TicketError::Limited(limited) => limited.into(),
            TicketError::Store(err) => err.into(),
        }
    }
}

/// The order that holds a ticket or bought it, and its payment once it is paid.
pub struct Holder {
    pub order: order::Model,
    pub payment: Option<payment::Model>,
}

/// A seller's change to their ticket, and the version they changed.
pub struct Change {
    pub title: Title,
    pub price: Price,
    /// The version the seller saw; `None` means "whatever is current now".
    pub seen_version: Option<i32>,
}

impl Tickets {
    /// Lists the seller's ticket for sale (within the seller's hourly allowance).
    pub async fn sell(
        &self,
        seller: UserId,
        title: Title,
        price: Price,
    ) -> Result<ticket::Model, TicketError> {
        self.limits.action(seller, Action::List)?;
        let new = NewTicket {
            title: title.as_str(),
            price_cents: price.cents(),
            seller_id: seller,
        };
        Ok(tickets::create_ticket(&self.db, new).await?)
    }

    /// The seller changes their ticket, while nobody holds or claims it.
    pub async fn change(
        &self,
        id: TicketId,
        editor: UserId,
        change: Change,
    ) -> Result<ticket::Model, TicketError> {
        self.limits.action(editor, Action::Edit)?;
        let edit = TicketEdit {
            title: change.title.as_str(),
            price_cents: change.price.cents(),
            expected_version: change.seen_version,
        };
        Ok(tickets::update_ticket(&self.db, id, editor, edit).await?)
    }

    /// The seller takes their ticket off sale, while nobody holds or claims it (counted as an
    /// edit against the seller's allowance).
    pub async fn withdraw(
        &self,
        id: TicketId,
        seller: UserId,
    ) -> Result<ticket::Model, TicketError> {
        self.limits.action(seller, Action::Edit)?;
        Ok(tickets::withdraw_ticket(&self.db, id, seller).await?)
    }

    pub async fn find(&self, id: TicketId) -> Result<ticket::Model, StoreError> {
        tickets::find_ticket(&self.reader, id).await
    }

    /// The order that holds `ticket` or bought it, if any, with its payment once paid.
    pub async fn holder(&self, ticket: &ticket::Model) -> Result<Option<Holder>, StoreError> {
        let Some(order_id) = ticket.order_id else {
            return Ok(None);
        };
        let (order, _) = orders::find_order(&self.reader, order_id).await?;
        let payment = match order.standing() {
            Standing::Paid => orders::payment_of(&self.reader, order_id).await?,
            _ => None,
        };
        Ok(Some(Holder { order, payment }))
    }

    /// A page of the tickets for sale that match `search`.
    pub async fn search(
        &self,
        search: &Search,
        request: PageRequest<TicketId>,
    ) -> Result<Page<ticket::Model>, ListingError> {
        self.listing.search(&self.reader, search, request).await
    }

    /// A page of the seller's own tickets, each with where it stands.
    pub async fn listings_of(
        &self,
        seller: UserId,
        request: PageRequest<TicketId>,
    ) -> Result<Page<SellerListing>, ListingError> {
        listing::listings_of(&self.reader, seller, request).await
    }

    /// What the seller has listed and sold, in all.
    pub async fn totals_of(&self, seller: UserId) -> Result<SellerTotals, StoreError> {
        listings::totals_of(&self.reader, seller).await
    }

    /// A page of the tickets for sale, newest first.
    pub async fn for_sale(
        &self,
        request: PageRequest<TicketId>,
    ) -> Result<Page<ticket::Model>, ListingError> {
        self.listing.tickets(&self.reader, request).await
    }

    /// The first page of the tickets for sale, as everyone is shown it until the catalog changes.
    pub async fn first_page(&self) -> Result<Arc<FirstPage>, StoreError> {
        self.listing.first_page(&self.reader).await
    }
}
