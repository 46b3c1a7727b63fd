//! Waiting lists, as the gateway offers them: join, leave, and see where one stands. The queue and
//! the hand-over itself live in `store::waitlists` (the hand-over happens inside the release).

use boxoffice_activities::entities::waitlist_entry;
use boxoffice_activities::store::waitlists::{self, JoinRefusal, MAX_LISTS, Place};
use boxoffice_activities::store::{StoreError, orders, tickets};
use boxoffice_domain::saga::{Standing, WaitState};
use boxoffice_domain::{OrderId, TicketId, UserId};
use sea_orm::DatabaseConnection;

use crate::limits::{Action, Limited, Limits};
use serde::Serialize;

/// Why a shopper cannot join. The message is what they read.
#[derive(Debug, thiserror::Error)]
pub enum WaitlistError {
    #[error("Not found")]
    NotFound,
    #[error("You cannot wait for your own ticket")]
    OwnTicket,
    #[error("The ticket is for sale: buy it instead")]
    ForSale,
    #[error("The ticket is sold")]
    Sold,
    #[error("The seller has withdrawn this ticket")]
    Withdrawn,
    #[error("The ticket is held for you")]
    YouHoldIt,
    /// A hand-over to an address nobody reads holds a ticket for nothing, and throwaway accounts
    /// must not hoard lists: waiting needs an address its owner proved they read.
    #[error(
        "Verify your e-mail address to join a waiting list: we e-mail you a link (POST /api/users/verify, or the button on the ticket's page)"
    )]
    Unverified,
    #[error("You are on {MAX_LISTS} waiting lists already; leave one first")]
    TooManyLists,
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What joining, leaving and reading waiting lists needs.
#[derive(Clone)]
pub struct Waitlists {
    /// For writes.
    pub db: DatabaseConnection,
    /// For reads that need no transaction.
    pub reader: DatabaseConnection,
    /// Joins per buyer.
    pub limits: Limits,
}

/// A ticket's list as one shopper sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WaitlistView {
    /// How many wait.
    pub waiting: u64,
    /// The shopper's place while they wait; 1 is next.
    pub position: Option<u64>,
    /// The shopper's entry: `waiting`, `handedOver`, `left`, `skipped` or `closed`.
    #[schema(value_type = Option<String>)]
    pub state: Option<WaitState>,
    /// The order the ticket was handed over in, once it was.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub order_id: Option<OrderId>,
    /// Why the shopper's turn was skipped, or the list closed.
    pub note: Option<String>,
}

impl Waitlists {
    pub async fn join(
        &self,
        ticket_id: TicketId,
        buyer_id: UserId,
    ) -> Result<Place, WaitlistError> {
        self.limits.action(buyer_id, Action::Join)?;
        waitlists::join(&self.db, ticket_id, buyer_id)
            .await?
            .map_err(|refusal| match refusal {
                JoinRefusal::TicketNotFound => WaitlistError::NotFound,
                JoinRefusal::OwnTicket => WaitlistError::OwnTicket,
                JoinRefusal::ForSale => WaitlistError::ForSale,
                JoinRefusal::Sold => WaitlistError::Sold,
                JoinRefusal::Withdrawn => WaitlistError::Withdrawn,
                JoinRefusal::YouHoldIt => WaitlistError::YouHoldIt,
                JoinRefusal::Unverified => WaitlistError::Unverified,
                JoinRefusal::TooManyLists => WaitlistError::TooManyLists,
            })
    }

    /// Leaves the list; leaving a list one is not on is nothing.
    pub async fn leave(&self, ticket_id: TicketId, buyer_id: UserId) -> Result<(), WaitlistError> {
        tickets::find_ticket(&self.reader, ticket_id)
            .await
            .map_err(not_found)?;
        waitlists::leave(&self.db, ticket_id, buyer_id).await?;
        Ok(())
    }

    pub async fn view(
        &self,
        ticket_id: TicketId,
        viewer: Option<UserId>,
    ) -> Result<WaitlistView, WaitlistError> {
        tickets::find_ticket(&self.reader, ticket_id)
            .await
            .map_err(not_found)?;
        let list = waitlists::view(&self.reader, ticket_id, viewer).await?;
        let mut view = WaitlistView {
            waiting: list.waiting,
            ..WaitlistView::default()
        };
        if let Some((entry, position)) = list.mine {
            view.position = position;
            view.state = Some(entry.state);
            view.order_id = entry.order_id;
            view.note = entry.note;
        }
        Ok(view)
    }

    /// The order the shopper's turn made, while it is still theirs to pay.
    pub async fn turn_to_pay(&self, view: &WaitlistView) -> Result<Option<OrderId>, WaitlistError> {
        let Some(order_id) = view
            .order_id
            .filter(|_| view.state == Some(WaitState::HandedOver))
        else {
            return Ok(None);
        };
        // The order exists once the member's saga has reserved the ticket, moments after the hand-over.
        match orders::find_order(&self.reader, order_id).await {
            Ok((order, _)) => Ok((order.standing() == Standing::Held).then_some(order_id)),
            Err(StoreError::NotFound) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// The waiting-list entry an order came from, if it did.
    pub async fn origin_of(
        &self,
        order_id: OrderId,
    ) -> Result<Option<waitlist_entry::Model>, WaitlistError> {
        Ok(waitlists::entry_of_order(&self.reader, order_id).await?)
    }
}

fn not_found(err: StoreError) -> WaitlistError {
    match err {
        StoreError::NotFound => WaitlistError::NotFound,
        other => other.into(),
    }
}
