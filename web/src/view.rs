//! View-models: everything a page shows, already read and decided by the gateway. Rendering never
//! looks anything up.

use std::collections::BTreeMap;

use boxoffice_domain::{OrderId, TicketId};

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

/// A moment, as the pages show it: written in UTC ("4 Dec 2026, 17:05 UTC"), and, where
/// JavaScript runs, shown in the reader's own time zone (`assets::TIME_SCRIPT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moment {
    /// RFC 3339, for `<time datetime>`.
    pub iso: String,
    /// As shown without JavaScript.
    pub utc: String,
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
    /// Whether the viewer's e-mail address is verified: joining needs it.
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub ticket_title: String,
    pub price_cents: i64,
    pub state: OrderState,
    pub placed_at: Moment,
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
    /// The signed-in user's account: their address, verified or not.
    Account {
        email: String,
        verified: bool,
        /// Why the last "send me a link" did not work.
        errors: Vec<String>,
    },
    /// "Forgot your password?": an e-mail field.
    ForgotPassword {
        form: Form,
    },
    /// The e-mailed reset link's page: a new password for the account.
    NewPassword {
        /// The link's token, sent back with the form.
        token: String,
        form: Form,
    },
    /// What following an e-mailed link did, or why it did nothing, and where to go next.
    LinkFollowed {
        title: String,
        message: String,
        /// A link's label and address.
        next: (String, String),
    },
    /// "Cancel your order?": the second thought before Cancel, which works without JavaScript.
    CancelOrder {
        order_id: OrderId,
        ticket_title: String,
    },
    NewTicket {
        form: Form,
    },
    Ticket(Box<TicketPage>),
    Orders {
        orders: Vec<OrderSummary>,
        /// The next page's link, when there are older orders.
        more: Option<String>,
    },
    Order(Box<OrderPage>),
    /// Staff only: find a customer's orders, refund a paid one.
    Support(Box<SupportPage>),
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
    /// The viewer's own order for this ticket, while they hold it or once they bought it.
    pub your_order: Option<YourOrder>,
    /// For the seller of a sold ticket: when it sold.
    pub sold_at: Option<Moment>,
}

/// The viewer's order for the ticket they are looking at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YourOrder {
    pub id: OrderId,
    /// Paid for; otherwise held, with `seconds_left` to pay.
    pub paid: bool,
    pub seconds_left: i64,
    /// The ticket came to the viewer from its waiting list.
    pub from_waitlist: bool,
}

/// Where the ticket of an order that ended unpaid went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketWent {
    BackOnSale,
    /// Handed to the first person on its waiting list.
    ToTheWaitingList,
    /// Back on sale, and someone has ordered or bought it since.
    ToAnotherBuyer,
}

/// A paid order's receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// "visa ending 4242", when the charge reported it.
    pub card: Option<String>,
    pub paid_at: Moment,
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
    /// Once paid.
    pub receipt: Option<Receipt>,
    /// Once the order ended unpaid.
    pub ticket_went: Option<TicketWent>,
    /// The last payment attempt's problem ("Your card was declined.").
    pub payment_error: Option<String>,
    /// `None` when card payments are not configured.
    pub stripe: Option<StripeSetup>,
    /// The ticket came to the buyer from its waiting list.
    pub from_waitlist: bool,
}

/// The support desk: a search by e-mail, order id or ticket id, and what it found.
#[derive(Debug, Clone, Default)]
pub struct SupportPage {
    /// The search as typed (`email`, `orderId`, `ticketId`), and what was wrong with it.
    pub search: Form,
    /// Whether a search was made (else only the form is shown).
    pub searched: bool,
    pub orders: Vec<SupportOrderRow>,
    /// The last refund form's input and refusal (by field `reason`, or the whole form).
    pub refund: Form,
}

/// One order as staff see it.
#[derive(Debug, Clone)]
pub struct SupportOrderRow {
    pub id: OrderId,
    /// What happened to it, in a word: Held, Paid, Expired, Cancelled, Refunding, Refunded.
    pub state: &'static str,
    pub buyer_email: String,
    pub ticket_id: TicketId,
    pub ticket_title: String,
    pub price_cents: i64,
    pub created_at: String,
    pub expires_at: String,
    pub paid_at: Option<String>,
    /// The Stripe PaymentIntent, and the card ("visa ending 4242") when known.
    pub charge_id: Option<String>,
    pub card: Option<String>,
    pub refund: Option<SupportRefund>,
    pub workflow_id: String,
    pub workflow_url: Option<String>,
    pub refund_workflow_id: String,
    pub refund_workflow_url: Option<String>,
    /// Paid and not refunded: the refund form is shown.
    pub refundable: bool,
}

#[derive(Debug, Clone)]
pub struct SupportRefund {
    pub id: Option<String>,
    pub by: String,
    pub reason: String,
    pub at: Option<String>,
}
