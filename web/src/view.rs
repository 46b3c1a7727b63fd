//! View-models: everything a page shows, already read and decided by the gateway. Rendering never
//! looks anything up.

use std::collections::BTreeMap;

use boxoffice_domain::{OrderId, TicketId};
use uuid::Uuid;

/// The name of the hidden field that carries the CSRF token in every form.
pub const CSRF_FIELD: &str = "csrf_token";

/// What every page's frame needs.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The signed-in user's email, shown in the header.
    pub signed_in: Option<String>,
    /// Goes into every form that changes something.
    pub csrf_token: String,
    /// A one-off message about what just happened ("Your ticket is listed").
    pub notice: Option<String>,
    /// How long an order holds its ticket, in words: "15 minutes".
    pub hold: String,
}

/// A submitted form shown again: the user's input and what was wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form {
    pub values: BTreeMap<String, String>,
    pub errors: Vec<FormError>,
}

/// A message about one field, or (`field: None`) about the whole form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    pub field: Option<String>,
    pub message: String,
}

impl Form {
    pub fn value(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// The first message about `field`.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field.as_deref() == Some(field))
            .map(|e| e.message.as_str())
    }

    /// Messages not tied to a field this form shows.
    pub fn general_errors<'a>(&'a self, fields: &'a [&str]) -> impl Iterator<Item = &'a str> {
        self.errors
            .iter()
            .filter(|e| e.field.as_deref().is_none_or(|f| !fields.contains(&f)))
            .map(|e| e.message.as_str())
    }
}

/// A ticket in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSummary {
    pub id: TicketId,
    pub title: String,
    pub price_cents: i64,
}

/// Where a ticket stands, as a shopper sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    ForSale,
    OnHold,
    Sold,
    /// Its seller took it off sale.
    Withdrawn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    SignUp,
    SignIn,
}

/// An order's state in words a shopper uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderState {
    /// The ticket is held and can be paid for.
    Held,
    Paid,
    Expired,
    Cancelled,
}

impl OrderState {
    /// As shown on the page.
    pub fn title(self) -> &'static str {
        match self {
            Self::Held => "Held",
            Self::Paid => "Paid",
            Self::Expired => "Expired",
            Self::Cancelled => "Cancelled",
        }
    }

    /// For machines: CSS classes and the page's `data-state`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Paid => "paid",
            Self::Expired => "expired",
            Self::Cancelled => "cancelled",
        }
    }
}

/// The ticket's waiting list, as the viewer sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitlistBox {
    /// How many wait.
    pub waiting: u64,
    /// The viewer's place, while they wait (1 is next).
    pub position: Option<u64>,
    /// The viewer's order, when the ticket was handed to them and is still theirs to pay.
    pub your_turn: Option<OrderId>,
    /// Why the viewer's turn was skipped, or the list closed.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub ticket_title: String,
    pub price_cents: i64,
    pub state: OrderState,
    /// "22 Nov 2026, 14:05 UTC"
    pub placed_at: String,
}

/// The home page's search: what was asked (as typed), and the words to highlight in titles.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchBox {
    pub q: String,
    pub min_price: String,
    pub max_price: String,
    /// `newest`, `price_asc` or `price_desc`.
    pub sort: String,
    /// Whether the tickets shown are a search's results, not the plain listing.
    pub active: bool,
    /// The searched words, lowercased: marked where a title has them.
    pub matched: Vec<String>,
    /// Why the search could not be made.
    pub errors: Vec<String>,
}

/// One of the seller's tickets on "My listings".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingSummary {
    pub id: TicketId,
    pub title: String,
    pub price_cents: i64,
    pub status: ListingStatus,
    /// Shoppers on its waiting list.
    pub waiting: u64,
}

/// Where a seller's ticket stands; times as "22 Nov 2026, 14:05 UTC".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListingStatus {
    ForSale,
    Held { until: String },
    Sold { at: String, price_cents: i64 },
    Withdrawn,
}

/// The line of totals on "My listings".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListingTotals {
    pub listed: u64,
    pub sold: u64,
    pub revenue_cents: i64,
}

/// How the page loads Stripe.js and which key it gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeSetup {
    pub js_url: String,
    pub publishable_key: String,
}

/// Every page of the shop.
#[derive(Debug, Clone)]
pub enum Page {
    Home {
        tickets: Vec<TicketSummary>,
        /// The next page's link, when there are more tickets.
        more: Option<String>,
        /// The search box, as the shopper filled it in.
        search: SearchBox,
    },
    Auth {
        kind: AuthKind,
        form: Form,
        /// Where to go after signing in (a local path).
        next: Option<String>,
    },
    SignOut,
    NewTicket {
        form: Form,
    },
    Ticket(TicketPage),
    Orders {
        orders: Vec<OrderSummary>,
        /// The next page's link, when there are older orders.
        more: Option<String>,
    },
    Order(Box<OrderPage>),
    /// The seller's own tickets.
    Listings {
        listings: Vec<ListingSummary>,
        totals: ListingTotals,
        /// The next page's link, when there are older listings.
        more: Option<String>,
    },
    Error {
        status: u16,
        title: String,
        message: String,
    },
}

/// Who is looking at a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    Owner,
    Shopper,
}

/// One ticket's page: Buy, its waiting list and, for its owner, the edit form.
#[derive(Debug, Clone)]
pub struct TicketPage {
    pub ticket: TicketSummary,
    pub availability: Availability,
    /// `None` when nobody is signed in.
    pub viewer: Option<Viewer>,
    /// Errors from trying to buy it.
    pub buy_errors: Vec<String>,
    /// The owner's edit form, prefilled with the ticket or the rejected input.
    pub edit: Form,
    pub version: i32,
    pub waitlist: WaitlistBox,
}

#[derive(Debug, Clone)]
pub struct OrderPage {
    pub id: OrderId,
    pub ticket_id: TicketId,
    pub ticket_title: String,
    pub price_cents: i64,
    pub state: OrderState,
    /// RFC 3339, for the ticking countdown.
    pub expires_at: String,
    /// Whole seconds left in the hold when the page was rendered.
    pub seconds_left: i64,
    pub payment_id: Option<Uuid>,
    /// The last payment attempt's problem ("Your card was declined.").
    pub payment_error: Option<String>,
    /// `None` when card payments are not configured.
    pub stripe: Option<StripeSetup>,
    /// The ticket came to the buyer from its waiting list.
    pub from_waitlist: bool,
}
