//! Starting a purchase saga, from the client's side: its workflow id and task queue, its start
//! options, and what support staff read (summary, details) and search by in the Temporal UI. The
//! gateway starts one for each admitted order; a release that hands its ticket to the waiting
//! list starts one for the member's new order. Both come here, so the two starts can't drift.
//!
//! This is the one part of the crate that talks to the outside world (Temporal's frontend); the
//! workflow itself never calls it.

use std::time::Duration;

use boxoffice_activities::entities::ticket;
use boxoffice_activities::purchase::{HandOver, StartHandedOver};
use boxoffice_activities::store::waitlists::{HandOverRules, HandedOver};
use boxoffice_domain::{OrderId, UserId};
use temporalio_client::errors::{
    WorkflowStartError, WorkflowUpdateError, WorkflowUpdateWithStartError,
};
use temporalio_client::tonic::{Code, Status};
use temporalio_client::{
    Client, RetryOptions, RpcOptions, WorkflowIdConflictPolicy, WorkflowUpdateWithStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

use super::{PurchaseInput, PurchaseWorkflow, ReservationAnswer, Stage};
use crate::search;

/// The task queue the purchase saga's workers poll, unless configured otherwise.
pub const TASK_QUEUE: &str = "purchase";

/// Support staff find an order's workflow by this id.
pub fn workflow_id(order_id: OrderId) -> String {
    format!("order-{order_id}")
}

/// How long a handed-over order's saga has to start before anyone may take the ticket.
const HAND_OVER_LEASE: Duration = Duration::from_secs(60);

/// What every gateway and worker of one shop must agree on about its sagas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SagaSettings {
    /// The task queue purchase workflows run on.
    pub task_queue: String,
    /// How long an order holds its ticket.
    pub hold_secs: u64,
    /// How long a won admission claim keeps others off the ticket while its saga starts.
    pub claim_lease: Duration,
    /// The most tickets one buyer may hold at once (orders awaiting payment and live claims).
    pub max_holds: u64,
}

/// Where an order came from, as its summary tells support staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The buyer ordered it (`POST /api/orders`, or Buy on the ticket page).
    Checkout,
    /// A release handed the ticket to the buyer from its waiting list.
    WaitingList,
}

/// One order's saga to start.
#[derive(Debug, Clone, Copy)]
pub struct NewSaga<'a> {
    pub order_id: OrderId,
    pub buyer_id: UserId,
    /// The ticket as the buyer was shown it.
    pub ticket: &'a ticket::Model,
    pub origin: Origin,
}

/// Why a saga could not be started.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Temporal refused the start (it is overloaded): nothing was started.
    #[error("Temporal refused to start the saga: {0}")]
    Refused(Status),
    /// Temporal was out of reach or did not answer in time: the saga may or may not have started.
    #[error("Temporal did not answer: {0}")]
    Unanswered(String),
    #[error("could not start the saga: {0}")]
    Failed(String),
}

impl StartError {
    /// Temporal is overloaded or out of reach: asking again in a moment may work.
    pub fn is_busy(&self) -> bool {
        matches!(self, Self::Refused(_) | Self::Unanswered(_))
    }
}

/// Starts the order's `PurchaseWorkflow` and waits for its `reservation` update: the answer says
/// whether the ticket is now held for the order. Starting a waiting-list order again is harmless
/// (the same saga and update answer); a checkout order's id is new, so a second start conflicts.
pub async fn start(
    client: &Client,
    settings: &SagaSettings,
    saga: NewSaga<'_>,
) -> Result<ReservationAnswer, StartError> {
    let input = PurchaseInput {
        order_id: saga.order_id,
        ticket_id: saga.ticket.id,
        buyer_id: saga.buyer_id,
        hold_secs: settings.hold_secs,
    };
    client
        .execute_update_with_start_workflow(
            PurchaseWorkflow::run,
            input,
            PurchaseWorkflow::reservation,
            (),
            options(settings, saga),
        )
        .await
        .map_err(StartError::from)
}

/// How a purchase saga starts: its id, what support staff read in the Temporal UI (summary,
/// details) and can search by.
fn options(settings: &SagaSettings, saga: NewSaga<'_>) -> WorkflowUpdateWithStartOptions {
    let NewSaga {
        order_id,
        buyer_id,
        ticket,
        origin,
    } = saga;
    let hold_secs = settings.hold_secs;
    let price = boxoffice_domain::money::dollars(ticket.price_cents);
    // For the support view only; the workflow computes the authoritative deadline itself.
    let hold_deadline = chrono::Utc::now()
        + chrono::Duration::seconds(i64::try_from(hold_secs).unwrap_or(i64::MAX));
    // A hand-over is started again by a retried release: the same order's saga and reservation
    // update, not a second one.
    let (conflict, told, update_id) = match origin {
        Origin::Checkout => (WorkflowIdConflictPolicy::Fail, "", None),
        Origin::WaitingList => (
            WorkflowIdConflictPolicy::UseExisting,
            ", from the waiting list",
            Some("reservation".to_owned()),
        ),
    };
    WorkflowUpdateWithStartOptions::new(
        settings.task_queue.clone(),
        workflow_id(order_id),
        conflict,
    )
    .static_summary(format!(
        "Order {order_id} for ticket '{}' ({price}){told}",
        ticket.title
    ))
    .static_details(format!(
        "Ticket: {} ({})\nPrice: {price}\nBuyer: {buyer_id}\nHold until: {} ({hold_secs}s hold){told}",
        ticket.title,
        ticket.id,
        hold_deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    ))
    .search_attributes(SearchAttributes::new([
        search::ORDER_ID.value_set(order_id.to_string()),
        search::TICKET_ID.value_set(ticket.id.to_string()),
        search::BUYER_ID.value_set(buyer_id.to_string()),
        // Admission guarantees the reservation all but always succeeds, so the order is listed
        // as awaiting payment from the start (the workflow says otherwise if it is refused); the
        // saga need not spend an upsert on it.
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

impl From<WorkflowUpdateWithStartError> for StartError {
    fn from(err: WorkflowUpdateWithStartError) -> Self {
        let status = match &err {
            WorkflowUpdateWithStartError::Rpc(status)
            | WorkflowUpdateWithStartError::Start(WorkflowStartError::Rpc(status))
            | WorkflowUpdateWithStartError::Start(WorkflowStartError::AlreadyStarted {
                source: status,
                ..
            }) => Some(status),
            WorkflowUpdateWithStartError::Update(
                WorkflowUpdateError::Rpc(status) | WorkflowUpdateError::NotFound(status),
            ) => Some(status),
            _ => None,
        };
        match status.map(Status::code) {
            Some(Code::ResourceExhausted) => Self::Refused(
                status
                    .cloned()
                    .unwrap_or_else(|| Status::resource_exhausted("Temporal is overloaded")),
            ),
            Some(Code::Unavailable | Code::DeadlineExceeded) => Self::Unanswered(err.to_string()),
            _ => Self::Failed(err.to_string()),
        }
    }
}

/// Waiting lists, for the worker's release activity: hand the ticket to the next member who
/// holds fewer than the most one buyer may, and start their order's saga here.
pub fn hand_over(temporal: Client, settings: SagaSettings) -> HandOver {
    let rules = HandOverRules {
        max_holds: settings.max_holds,
        lease: HAND_OVER_LEASE,
        hold: Duration::from_secs(settings.hold_secs),
    };
    let start_handed_over: StartHandedOver = std::sync::Arc::new(move |handed, ticket| {
        let (temporal, settings) = (temporal.clone(), settings.clone());
        Box::pin(async move {
            let HandedOver {
                order_id, buyer_id, ..
            } = handed;
            let saga = NewSaga {
                order_id,
                buyer_id,
                ticket: &ticket,
                origin: Origin::WaitingList,
            };
            let answer = start(&temporal, &settings, saga).await?;
            tracing::info!(%order_id, ?answer, "handed-over order started");
            Ok(())
        })
    });
    HandOver {
        rules,
        start: start_handed_over,
    }
}
