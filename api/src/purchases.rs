//! Orders and payments: the commands go through the order's `PurchaseWorkflow`, the reads straight
//! to the database.

use std::time::Duration;

use boxoffice_activities::entities::{order, payment, ticket};
use boxoffice_activities::store::StoreError;
use boxoffice_activities::store::claims::{self, Claim, ClaimRequest};
use boxoffice_activities::store::orders::{self, OrderWithTicket};
use boxoffice_domain::saga::{ReserveRefusal, Standing, TOO_MANY_PAYMENT_ATTEMPTS};
use boxoffice_domain::{OrderId, TicketId, UserId};
use boxoffice_workflows::purchase::start::{self, NewSaga, Origin, StartError};
use boxoffice_workflows::{
    PayRequest, PaymentAnswer, PurchaseWorkflow, ReservationAnswer, SagaSettings, Stage,
    workflow_id,
};
use sea_orm::DatabaseConnection;
use temporalio_client::Client;
use temporalio_client::WorkflowExecuteUpdateOptions;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::tonic::{self, Code};

use crate::backpressure::{ADMITTED_QUEUE_WAIT, Saturated, TemporalGate, shed};
use crate::domain::PaymentToken;
use crate::limits::{Action, Limited, Limits};
use crate::listing::{self, ListingError, Page};
use boxoffice_activities::store::PageRequest;
use boxoffice_activities::store::orders::Oldest;

/// What placing, paying and cancelling orders needs: the database, Temporal (behind this
/// gateway's gate) and the purchase settings.
#[derive(Clone)]
pub struct Purchases {
    /// For writes (admission claims).
    pub db: DatabaseConnection,
    /// For reads that need no transaction.
    pub reader: DatabaseConnection,
    pub temporal: Client,
    pub temporal_gate: TemporalGate,
    pub settings: SagaSettings,
    /// Orders, cancels and payments per buyer.
    pub limits: Limits,
}

/// What the storefront's Buy came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bought {
    Placed(OrderId),
    /// The buyer held this ticket already: their order, unchanged.
    AlreadyHeld(OrderId),
}

/// Why an order could not be placed, paid or cancelled. The message is what the buyer reads.
#[derive(Debug, thiserror::Error)]
pub enum PurchaseError {
    /// No such ticket or order.
    #[error("Not found")]
    NotFound,
    /// Someone else's order (the contract answers 401).
    #[error("Not authorized")]
    NotYours,
    #[error("Ticket is already reserved")]
    AlreadyReserved,
    #[error("Cannot buy your own ticket")]
    OwnTicket,
    #[error("The seller has withdrawn this ticket")]
    Withdrawn,
    #[error("Order is already paid")]
    AlreadyPaid,
    #[error("Order has expired")]
    Expired,
    #[error("Order is cancelled")]
    Cancelled,
    #[error("Order can no longer be paid")]
    NoLongerPayable,
    #[error("Cannot cancel a completed order")]
    CannotCancelComplete,
    /// One buyer may not hold a whole on-sale.
    #[error("You already hold {max} tickets; pay for or cancel one of them first")]
    TooManyHolds { max: u64 },
    /// Card testing looks like this; so does a card that keeps failing.
    #[error("Too many payment attempts for this order")]
    TooManyPaymentAttempts,
    /// The card was declined; the order stays payable with another card.
    #[error("{0}")]
    Declined(String),
    /// Stripe refused what was paid with (about the `token` field).
    #[error("{0}")]
    PaymentRefused(String),
    #[error("Payments are unavailable right now; please try again")]
    PaymentsUnavailable,
    #[error("The order could not be completed; your payment was refunded")]
    Refunded,
    /// The order's workflow refused the request, saying why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Busy(#[from] Saturated),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Temporal(anyhow::Error),
}

impl From<ReserveRefusal> for PurchaseError {
    fn from(refusal: ReserveRefusal) -> Self {
        match refusal {
            ReserveRefusal::TicketNotFound => Self::NotFound,
            ReserveRefusal::AlreadyReserved => Self::AlreadyReserved,
            ReserveRefusal::OwnTicket => Self::OwnTicket,
            ReserveRefusal::Withdrawn => Self::Withdrawn,
        }
    }
}

/// A buyer admitted to start a saga: the order it will be, and the ticket as claimed.
#[derive(Debug)]
pub struct Admitted {
    pub order_id: OrderId,
    pub ticket: ticket::Model,
}

impl Purchases {
    /// Places an order: admission first, then one saga for the admitted buyer, waiting for its reserve
    /// step (see `admit` for why). The reserve activity stays the authority that turns the claim into
    /// the hold.
    pub async fn place_order(
        &self,
        buyer_id: UserId,
        ticket_id: TicketId,
    ) -> Result<OrderWithTicket, PurchaseError> {
        self.limits.action(buyer_id, Action::Order)?;
        let admitted = self.admit(buyer_id, ticket_id).await?;
        let order_id = admitted.order_id;
        let answer = self.start_purchase(buyer_id, admitted).await?;
        match answer {
            ReservationAnswer::Reserved { .. } => {
                Ok(orders::find_order(&self.reader, order_id).await?)
            }
            ReservationAnswer::Refused(refusal) => Err(refusal.into()),
        }
    }

    /// Admission before a saga: a workflow is expensive and a database write is cheap, and an on-sale
    /// rush brings thousands of buyers for each ticket in the same second. So the buyer must first win
    /// a short-lived claim on the ticket with one conditional write (`store::claims`); every loser is
    /// refused here, at database speed, without touching Temporal — most of them by a read, before
    /// any write. A gateway that dies after this leaves a claim that lapses within
    /// `SagaSettings::claim_lease`.
    pub async fn admit(
        &self,
        buyer_id: UserId,
        ticket_id: TicketId,
    ) -> Result<Admitted, PurchaseError> {
        if let Some(refusal) =
            claims::refusal_at_a_glance(&self.reader, ticket_id, buyer_id).await?
        {
            return Err(refusal.into());
        }
        let order_id = OrderId::new();
        about_order(order_id);
        let lease = self.settings.claim_lease;
        let request = ClaimRequest {
            ticket_id,
            order_id,
            buyer_id,
            lease,
            max_holds: self.settings.max_holds,
        };
        match claims::claim_ticket(&self.db, request).await? {
            Claim::Won(ticket) => Ok(Admitted { order_id, ticket }),
            Claim::Refused(refusal) => Err(refusal.into()),
            Claim::AtHoldLimit => Err(PurchaseError::TooManyHolds {
                max: self.settings.max_holds,
            }),
        }
    }

    /// Starts the admitted order's `PurchaseWorkflow` and waits for its `reservation` update.
    async fn start_purchase(
        &self,
        buyer_id: UserId,
        Admitted { order_id, ticket }: Admitted,
    ) -> Result<ReservationAnswer, PurchaseError> {
        let ticket_id = ticket.id;
        let _slot = match self.temporal_gate.enter_admitted().await {
            Ok(slot) => slot,
            Err(busy) => {
                // Nothing was started: let the next buyer have the ticket now, not after the lease.
                claims::abandon_claim(&self.db, ticket_id, order_id).await?;
                return Err(busy.into());
            }
        };
        let saga = NewSaga {
            order_id,
            buyer_id,
            ticket: &ticket,
            origin: Origin::Checkout,
        };
        let started = start::start(&self.temporal, &self.settings, saga);
        match tokio::time::timeout(START_DEADLINE, started).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(err)) => {
                if matches!(err, StartError::Refused(_)) {
                    // The server refused the start outright: the claim can go at once.
                    claims::abandon_claim(&self.db, ticket_id, order_id).await?;
                }
                Err(start_failed(err))
            }
            // The start may still happen; the claim lapses by itself if it does not.
            Err(_) => Err(shed(Saturated::Temporal).into()),
        }
    }
}

/// A saga that could not be started: a busy or unreachable Temporal is shed (try again soon),
/// anything else is a fault.
fn start_failed(err: StartError) -> PurchaseError {
    if err.is_busy() {
        tracing::warn!(error = %err, "could not place the order: Temporal is saturated");
        shed(Saturated::Temporal).into()
    } else {
        PurchaseError::Temporal(anyhow::Error::new(err).context("could not place the order"))
    }
}

/// How long placing an order may wait on Temporal before the buyer is told the shop is busy.
pub const START_DEADLINE: Duration = Duration::from_secs(10);

/// The longest a won admission claim waits before its saga has started or been given up: a slot
/// to Temporal, then the start itself. A claim's lease must outlast it, or a second buyer could
/// claim a ticket whose first saga is still starting.
pub const LONGEST_ADMISSION: Duration = ADMITTED_QUEUE_WAIT.saturating_add(START_DEADLINE);

fn status_of_update(err: &WorkflowUpdateError) -> Option<&tonic::Status> {
    match err {
        WorkflowUpdateError::Rpc(status) | WorkflowUpdateError::NotFound(status) => Some(status),
        _ => None,
    }
}

/// Tags the request's log lines with the order and its workflow.
fn about_order(order_id: OrderId) {
    let span = tracing::Span::current();
    span.record("order_id", tracing::field::display(order_id));
    span.record(
        "workflow_id",
        tracing::field::display(workflow_id(order_id)),
    );
}

impl Purchases {
    /// A page of the buyer's orders, each with its ticket.
    pub async fn orders_of(
        &self,
        buyer_id: UserId,
        request: PageRequest<OrderId>,
        order: Oldest,
    ) -> Result<Page<OrderWithTicket>, ListingError> {
        listing::orders_of(&self.reader, buyer_id, request, order).await
    }

    /// The storefront's Buy: a new order, or, when the buyer already holds this ticket (a second
    /// click, a reload), the order they have. The JSON API keeps the contract's 400 for the latter.
    pub async fn buy(
        &self,
        buyer_id: UserId,
        ticket_id: TicketId,
    ) -> Result<Bought, PurchaseError> {
        if let Some(order_id) = self.held_by(buyer_id, ticket_id).await? {
            return Ok(Bought::AlreadyHeld(order_id));
        }
        match self.place_order(buyer_id, ticket_id).await {
            Ok((order, _)) => Ok(Bought::Placed(order.id)),
            // Two clicks at once: the other one won, for this same buyer.
            Err(PurchaseError::AlreadyReserved) => match self.held_by(buyer_id, ticket_id).await? {
                Some(order_id) => Ok(Bought::AlreadyHeld(order_id)),
                None => Err(PurchaseError::AlreadyReserved),
            },
            Err(err) => Err(err),
        }
    }

    /// The buyer's order that holds `ticket_id` now, unpaid, if there is one.
    async fn held_by(
        &self,
        buyer_id: UserId,
        ticket_id: TicketId,
    ) -> Result<Option<OrderId>, PurchaseError> {
        let ticket = boxoffice_activities::store::tickets::find_ticket(&self.reader, ticket_id)
            .await
            .map_err(not_found)?;
        let Some(order_id) = ticket.order_id else {
            return Ok(None);
        };
        let (order, _) = orders::find_order(&self.reader, order_id).await?;
        let yours = order.user_id == buyer_id && order.standing() == Standing::Held;
        Ok(yours.then_some(order.id))
    }

    /// What paid for the order, once it is paid: the receipt's card and time.
    pub async fn payment_of(
        &self,
        order: &order::Model,
    ) -> Result<Option<payment::Model>, PurchaseError> {
        Ok(orders::payment_of(&self.reader, order.id).await?)
    }

    /// The buyer's order with its ticket; someone else's is [`PurchaseError::NotYours`].
    pub async fn own_order(
        &self,
        buyer_id: UserId,
        order_id: OrderId,
    ) -> Result<OrderWithTicket, PurchaseError> {
        about_order(order_id);
        let found = orders::find_order(&self.reader, order_id)
            .await
            .map_err(not_found)?;
        if found.0.user_id != buyer_id {
            return Err(PurchaseError::NotYours);
        }
        Ok(found)
    }

    /// Cancels the buyer's order through its workflow; returns once the ticket is back on sale.
    pub async fn cancel_order(
        &self,
        buyer_id: UserId,
        order_id: OrderId,
    ) -> Result<(), PurchaseError> {
        self.limits.action(buyer_id, Action::Cancel)?;
        let (order, _) = self.own_order(buyer_id, order_id).await?;
        match order.standing() {
            Standing::Paid => return Err(PurchaseError::CannotCancelComplete),
            Standing::Expired | Standing::Cancelled => return Ok(()),
            Standing::Held => {}
        }
        let _slot = self.temporal_gate.enter().await?;
        let handle = self
            .temporal
            .get_workflow_handle::<PurchaseWorkflow>(workflow_id(order_id));
        let cancelled = handle
            .execute_update(
                PurchaseWorkflow::cancel,
                buyer_id,
                WorkflowExecuteUpdateOptions::default(),
            )
            .await;
        match cancelled {
            Ok(Stage::Complete) => Err(PurchaseError::CannotCancelComplete),
            Ok(_) => Ok(()),
            Err(WorkflowUpdateError::Failed(failure)) => {
                Err(PurchaseError::Refused(failure.message))
            }
            // The workflow ended meanwhile (expired or paid): the database has the final word.
            Err(WorkflowUpdateError::NotFound(_)) => {
                let (order, _) = orders::find_order(&self.reader, order_id).await?;
                match order.standing() {
                    Standing::Paid => Err(PurchaseError::CannotCancelComplete),
                    _ => Ok(()),
                }
            }
            Err(err) => Err(temporal_error(
                "cancel the order",
                status_of_update(&err),
                &err,
            )),
        }
    }

    /// Pays for the buyer's order with a Stripe PaymentMethod or card token; returns the
    /// payment's id.
    pub async fn pay_order(
        &self,
        buyer_id: UserId,
        order_id: OrderId,
        token: PaymentToken,
    ) -> Result<uuid::Uuid, PurchaseError> {
        self.limits.action(buyer_id, Action::Pay)?;
        let payment_method = token.into_string();
        let (order, _) = self.own_order(buyer_id, order_id).await?;
        if let Some(refusal) = unpayable(&order) {
            return Err(refusal);
        }
        let _slot = self.temporal_gate.enter().await?;
        let handle = self
            .temporal
            .get_workflow_handle::<PurchaseWorkflow>(workflow_id(order_id));
        let answer = handle
            .execute_update(
                PurchaseWorkflow::pay,
                PayRequest { payment_method },
                WorkflowExecuteUpdateOptions::default(),
            )
            .await;
        match answer {
            Ok(PaymentAnswer::Paid { payment_id }) => Ok(payment_id),
            Ok(PaymentAnswer::Declined { message }) => Err(PurchaseError::Declined(message)),
            Ok(PaymentAnswer::Rejected { message }) => Err(PurchaseError::PaymentRefused(message)),
            Ok(PaymentAnswer::Unavailable) => Err(PurchaseError::PaymentsUnavailable),
            Ok(PaymentAnswer::Expired) => Err(PurchaseError::Expired),
            Ok(PaymentAnswer::Refunded) => Err(PurchaseError::Refunded),
            Err(WorkflowUpdateError::Failed(failure))
                if failure.message == TOO_MANY_PAYMENT_ATTEMPTS =>
            {
                Err(PurchaseError::TooManyPaymentAttempts)
            }
            Err(WorkflowUpdateError::Failed(failure)) => {
                Err(PurchaseError::Refused(failure.message))
            }
            Err(WorkflowUpdateError::NotFound(_)) => {
                let (order, _) = orders::find_order(&self.reader, order_id).await?;
                Err(unpayable(&order).unwrap_or(PurchaseError::NoLongerPayable))
            }
            // The update can be lost with a workflow task that failed after the charge went
            // through (the hold ended meanwhile); the database has the final word.
            Err(err) => {
                let (order, _) = orders::find_order(&self.db, order_id).await?;
                match (order.standing(), order.payment_id) {
                    (Standing::Paid, Some(payment_id)) => Ok(payment_id),
                    _ => Err(unpayable(&order).unwrap_or_else(|| {
                        temporal_error("pay for the order", status_of_update(&err), &err)
                    })),
                }
            }
        }
    }
}

/// A missing order is the buyer's mistake, not the store's.
fn not_found(err: StoreError) -> PurchaseError {
    match err {
        StoreError::NotFound => PurchaseError::NotFound,
        other => other.into(),
    }
}

/// Why the database says this order cannot be paid, if it says so.
fn unpayable(order: &order::Model) -> Option<PurchaseError> {
    match order.standing() {
        Standing::Held => None,
        Standing::Paid => Some(PurchaseError::AlreadyPaid),
        Standing::Expired => Some(PurchaseError::Expired),
        Standing::Cancelled => Some(PurchaseError::Cancelled),
    }
}

/// A failed Temporal call: shed when the server is overloaded or out of reach (try again soon),
/// else a fault.
fn temporal_error(
    action: &str,
    status: Option<&tonic::Status>,
    err: &dyn std::fmt::Display,
) -> PurchaseError {
    let busy = status.is_some_and(|status| {
        matches!(
            status.code(),
            Code::ResourceExhausted | Code::Unavailable | Code::DeadlineExceeded
        )
    });
    if busy {
        tracing::warn!(error = %err, "could not {action}: Temporal is saturated");
        shed(Saturated::Temporal).into()
    } else {
        PurchaseError::Temporal(anyhow::anyhow!("could not {action}: {err}"))
    }
}
