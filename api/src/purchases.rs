//! Orders and payments: the commands go through the order's `PurchaseWorkflow`, the reads straight
//! to the database.

use std::time::Duration;

use boxoffice_activities::entities::{order, ticket};
use boxoffice_activities::saga::{ReserveRefusal, Standing, TOO_MANY_PAYMENT_ATTEMPTS};
use boxoffice_activities::store::StoreError;
use boxoffice_activities::store::claims::{self, Claim, ClaimRequest};
use boxoffice_activities::store::orders::{self, OrderWithTicket};
use boxoffice_activities::store::waitlists::HandedOver;
use boxoffice_workflows::{
    PayRequest, PaymentAnswer, PurchaseInput, PurchaseWorkflow, ReservationAnswer, Stage, search,
    workflow_id,
};
use sea_orm::DatabaseConnection;
use temporalio_client::Client;
use temporalio_client::errors::{
    WorkflowStartError, WorkflowUpdateError, WorkflowUpdateWithStartError,
};
use temporalio_client::tonic::{self, Code};
use temporalio_client::{
    RetryOptions, RpcOptions, WorkflowExecuteUpdateOptions, WorkflowIdConflictPolicy,
    WorkflowUpdateWithStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;
use uuid::Uuid;

use crate::backpressure::{Saturated, TemporalGate, shed};

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
    pub settings: PurchaseSettings,
}

#[derive(Debug, Clone)]
pub struct PurchaseSettings {
    /// How long an order holds its ticket.
    pub hold_secs: u64,
    /// How long a won admission claim keeps others off the ticket while its saga starts.
    pub claim_lease: Duration,
    /// The task queue purchase workflows run on.
    pub task_queue: String,
    /// The most tickets one buyer may hold at once (orders awaiting payment).
    pub max_holds: u64,
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
        }
    }
}

/// A buyer admitted to start a saga: the order it will be, and the ticket as claimed.
#[derive(Debug)]
pub struct Admitted {
    pub order_id: Uuid,
    pub ticket: ticket::Model,
}

impl Purchases {
    /// Places an order: admission first, then one saga for the admitted buyer, waiting for its reserve
    /// step (see `admit` for why). The reserve activity stays the authority that turns the claim into
    /// the hold.
    pub async fn place_order(
        &self,
        buyer_id: Uuid,
        ticket_id: Uuid,
    ) -> Result<OrderWithTicket, PurchaseError> {
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
    /// refused here, at database speed, without touching Temporal. A gateway that dies after this
    /// leaves a claim that lapses within `PurchaseSettings::claim_lease`.
    pub async fn admit(&self, buyer_id: Uuid, ticket_id: Uuid) -> Result<Admitted, PurchaseError> {
        let order_id = Uuid::now_v7();
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
        buyer_id: Uuid,
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
        let input = PurchaseInput {
            order_id,
            ticket_id,
            buyer_id,
            hold_secs: self.settings.hold_secs,
        };
        let options = saga_options(SagaStart {
            task_queue: &self.settings.task_queue,
            hold_secs: self.settings.hold_secs,
            order_id,
            ticket: &ticket,
            buyer_id,
            from_waitlist: false,
        });
        let started = self.temporal.execute_update_with_start_workflow(
            PurchaseWorkflow::run,
            input,
            PurchaseWorkflow::reservation,
            (),
            options,
        );
        match tokio::time::timeout(START_DEADLINE, started).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(err)) => {
                let refused =
                    status_of_start(&err).is_some_and(|s| s.code() == Code::ResourceExhausted);
                if refused {
                    // The server refused the start outright: the claim can go at once.
                    claims::abandon_claim(&self.db, ticket_id, order_id).await?;
                }
                Err(temporal_error(
                    "place the order",
                    status_of_start(&err),
                    &err,
                ))
            }
            // The start may still happen; the claim lapses by itself if it does not.
            Err(_) => Err(shed(Saturated::Temporal).into()),
        }
    }
}

/// What a purchase saga is started with, besides its input.
struct SagaStart<'a> {
    task_queue: &'a str,
    hold_secs: u64,
    order_id: Uuid,
    ticket: &'a ticket::Model,
    buyer_id: Uuid,
    from_waitlist: bool,
}

/// How a purchase saga starts: its id, what support staff read in the Temporal UI (summary,
/// details) and can search by.
fn saga_options(start: SagaStart<'_>) -> WorkflowUpdateWithStartOptions {
    let SagaStart {
        task_queue,
        hold_secs,
        order_id,
        ticket,
        buyer_id,
        from_waitlist,
    } = start;
    let ticket_id = ticket.id;
    let price = boxoffice_web::money(ticket.price_cents);
    // For the support view only; the workflow computes the authoritative deadline itself.
    let hold_deadline = chrono::Utc::now()
        + chrono::Duration::seconds(i64::try_from(hold_secs).unwrap_or(i64::MAX));
    // A hand-over is started again by a retried release: the same order's saga and reservation
    // update, not a second one.
    let (conflict, origin, update_id) = if from_waitlist {
        (
            WorkflowIdConflictPolicy::UseExisting,
            ", from the waiting list",
            Some("reservation".to_owned()),
        )
    } else {
        (WorkflowIdConflictPolicy::Fail, "", None)
    };
    WorkflowUpdateWithStartOptions::new(task_queue.to_owned(), workflow_id(order_id), conflict)
        .static_summary(format!(
            "Order {order_id} for ticket '{}' ({price}){origin}",
            ticket.title
        ))
        .static_details(format!(
            "Ticket: {} ({ticket_id})\nPrice: {price}\nBuyer: {buyer_id}\nHold until: {} ({hold_secs}s hold){origin}",
            ticket.title,
            hold_deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        ))
        .search_attributes(SearchAttributes::new([
            search::ORDER_ID.value_set(order_id.to_string()),
            search::TICKET_ID.value_set(ticket_id.to_string()),
            search::BUYER_ID.value_set(buyer_id.to_string()),
            // Admission guarantees the reservation all but always succeeds, so the order is listed
            // as awaiting payment from the start (the workflow says otherwise if it is refused);
            // the saga need not spend an upsert on it.
            search::ORDER_STATUS.value_set(Stage::AwaitingPayment.as_str().to_owned()),
        ]))
        // No client-side retries: a busy server is answered with a 503 now, not after ~17 s of
        // backing off; and a retried start could not tell its own earlier start from a conflict.
        .rpc_options(
            RpcOptions::builder()
                .retry_options(RetryOptions::no_retries())
                .build(),
        )
        .maybe_update_id(update_id)
        .build()
}

/// Starts the saga of an order a waiting list handed a ticket to (`store::waitlists`), as
/// `POST /api/orders` does, and waits until it holds the ticket. The worker's release activity
/// calls it; calling it again for the same order is harmless.
pub async fn start_handed_over(
    db: &DatabaseConnection,
    temporal: &Client,
    task_queue: &str,
    hold_secs: u64,
    handed: HandedOver,
) -> Result<(), String> {
    let ticket = boxoffice_activities::store::tickets::find_ticket(db, handed.ticket_id)
        .await
        .map_err(|err| err.to_string())?;
    let input = PurchaseInput {
        order_id: handed.order_id,
        ticket_id: handed.ticket_id,
        buyer_id: handed.buyer_id,
        hold_secs,
    };
    let options = saga_options(SagaStart {
        task_queue,
        hold_secs,
        order_id: handed.order_id,
        ticket: &ticket,
        buyer_id: handed.buyer_id,
        from_waitlist: true,
    });
    let answer = temporal
        .execute_update_with_start_workflow(
            PurchaseWorkflow::run,
            input,
            PurchaseWorkflow::reservation,
            (),
            options,
        )
        .await
        .map_err(|err| err.to_string())?;
    tracing::info!(order_id = %handed.order_id, ?answer, "handed-over order started");
    Ok(())
}

/// How long placing an order may wait on Temporal before the buyer is told the shop is busy.
const START_DEADLINE: Duration = Duration::from_secs(10);

/// The gRPC status behind a failed update-with-start, if there is one.
fn status_of_start(err: &WorkflowUpdateWithStartError) -> Option<&tonic::Status> {
    match err {
        WorkflowUpdateWithStartError::Rpc(status)
        | WorkflowUpdateWithStartError::Start(WorkflowStartError::Rpc(status))
        | WorkflowUpdateWithStartError::Start(WorkflowStartError::AlreadyStarted {
            source: status,
            ..
        }) => Some(status),
        WorkflowUpdateWithStartError::Update(update) => status_of_update(update),
        _ => None,
    }
}

fn status_of_update(err: &WorkflowUpdateError) -> Option<&tonic::Status> {
    match err {
        WorkflowUpdateError::Rpc(status) | WorkflowUpdateError::NotFound(status) => Some(status),
        _ => None,
    }
}

/// Tags the request's log lines with the order and its workflow.
fn about_order(order_id: Uuid) {
    let span = tracing::Span::current();
    span.record("order_id", tracing::field::display(order_id));
    span.record(
        "workflow_id",
        tracing::field::display(workflow_id(order_id)),
    );
}

impl Purchases {
    /// The buyer's order with its ticket; someone else's is [`PurchaseError::NotYours`].
    pub async fn own_order(
        &self,
        buyer_id: Uuid,
        order_id: Uuid,
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
    pub async fn cancel_order(&self, buyer_id: Uuid, order_id: Uuid) -> Result<(), PurchaseError> {
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
        buyer_id: Uuid,
        order_id: Uuid,
        payment_method: String,
    ) -> Result<Uuid, PurchaseError> {
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
