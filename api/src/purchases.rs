//! Orders and payments: the commands go through the order's `PurchaseWorkflow`, the reads straight
//! to the database.

use std::time::Duration;

use boxoffice_activities::entities::ticket;
use boxoffice_activities::store::claims::{self, Claim};
use boxoffice_activities::store::orders::{self, OrderWithTicket, ReserveRefusal, status};
use boxoffice_workflows::{
    PayRequest, PaymentAnswer, PurchaseInput, PurchaseWorkflow, ReservationAnswer, Stage, search,
    workflow_id,
};
use sea_orm::DatabaseConnection;
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

use crate::app::AppState;
use crate::backpressure::{Saturated, shed};
use crate::error::ApiError;

/// Places an order: admission first, then one saga for the admitted buyer, waiting for its reserve
/// step (see `admit` for why). The reserve activity stays the authority that turns the claim into
/// the hold.
pub async fn place_order(
    state: &AppState,
    buyer_id: Uuid,
    ticket_id: Uuid,
) -> Result<OrderWithTicket, ApiError> {
    let admitted = admit(state, buyer_id, ticket_id).await?;
    let order_id = admitted.order_id;
    let answer = start_purchase(state, buyer_id, admitted).await?;
    match answer {
        ReservationAnswer::Reserved { .. } => {
            Ok(orders::find_order(&state.reader.0, order_id).await?)
        }
        ReservationAnswer::Refused(refusal) => Err(refusal_error(refusal)),
    }
}

/// A buyer admitted to start a saga: the order it will be, and the ticket as claimed.
#[derive(Debug)]
pub struct Admitted {
    pub order_id: Uuid,
    pub ticket: ticket::Model,
}

/// Admission before a saga: a workflow is expensive and a database write is cheap, and an on-sale
/// rush brings thousands of buyers for each ticket in the same second. So the buyer must first win
/// a short-lived claim on the ticket with one conditional write (`store::claims`); every loser is
/// refused here, at database speed, without touching Temporal. A gateway that dies after this
/// leaves a claim that lapses within `Settings::claim_lease`.
pub async fn admit(
    state: &AppState,
    buyer_id: Uuid,
    ticket_id: Uuid,
) -> Result<Admitted, ApiError> {
    let order_id = Uuid::now_v7();
    about_order(order_id);
    let lease = state.settings.claim_lease;
    match claims::claim_ticket(&state.db, ticket_id, order_id, buyer_id, lease).await? {
        Claim::Won(ticket) => Ok(Admitted { order_id, ticket }),
        Claim::Refused(refusal) => Err(refusal_error(refusal)),
    }
}

/// Starts the admitted order's `PurchaseWorkflow` and waits for its `reservation` update.
async fn start_purchase(
    state: &AppState,
    buyer_id: Uuid,
    Admitted { order_id, ticket }: Admitted,
) -> Result<ReservationAnswer, ApiError> {
    let ticket_id = ticket.id;
    let Ok(_slot) = state.temporal_gate.enter().await else {
        // Nothing was started: let the next buyer have the ticket now rather than after the lease.
        claims::abandon_claim(&state.db, ticket_id, order_id).await?;
        return Err(shed(Saturated::Temporal));
    };
    let price = boxoffice_web::money(ticket.price_cents);
    // For the support view only; the workflow computes the authoritative deadline itself.
    let hold_deadline = chrono::Utc::now()
        + chrono::Duration::seconds(i64::try_from(state.settings.hold_secs).unwrap_or(i64::MAX));
    let input = PurchaseInput {
        order_id,
        ticket_id,
        buyer_id,
        hold_secs: state.settings.hold_secs,
    };
    let options = WorkflowUpdateWithStartOptions::new(
        state.settings.task_queue.clone(),
        workflow_id(order_id),
        WorkflowIdConflictPolicy::Fail,
    )
    .static_summary(format!(
        "Order {order_id} for ticket '{}' ({price})",
        ticket.title
    ))
    .static_details(format!(
        "Ticket: {} ({ticket_id})\nPrice: {price}\nBuyer: {buyer_id}\nHold until: {} ({}s hold)",
        ticket.title,
        hold_deadline.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        state.settings.hold_secs,
    ))
    .search_attributes(SearchAttributes::new([
        search::ORDER_ID.value_set(order_id.to_string()),
        search::TICKET_ID.value_set(ticket_id.to_string()),
        search::BUYER_ID.value_set(buyer_id.to_string()),
        // Admission guarantees the reservation all but always succeeds, so the order is listed as
        // awaiting payment from the start (the workflow says otherwise if it is refused); the
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
    .build();
    let started = state.temporal.execute_update_with_start_workflow(
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
                claims::abandon_claim(&state.db, ticket_id, order_id).await?;
            }
            Err(temporal_error(
                "place the order",
                status_of_start(&err),
                &err,
            ))
        }
        // The start may still happen; the claim lapses by itself if it does not.
        Err(_) => Err(shed(Saturated::Temporal)),
    }
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

fn refusal_error(refusal: ReserveRefusal) -> ApiError {
    match refusal {
        ReserveRefusal::TicketNotFound => ApiError::NotFound,
        ReserveRefusal::AlreadyReserved => {
            ApiError::BadRequest("Ticket is already reserved".into())
        }
        ReserveRefusal::OwnTicket => ApiError::BadRequest("Cannot buy your own ticket".into()),
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

/// The caller's order; someone else's is 401, as the contract says.
pub async fn own_order(
    db: &DatabaseConnection,
    buyer_id: Uuid,
    order_id: Uuid,
) -> Result<OrderWithTicket, ApiError> {
    about_order(order_id);
    let found = orders::find_order(db, order_id).await?;
    if found.0.user_id != buyer_id {
        return Err(ApiError::Unauthorized);
    }
    Ok(found)
}

/// Cancels the buyer's order through its workflow; returns once the ticket is back on sale.
pub async fn cancel_order(
    state: &AppState,
    buyer_id: Uuid,
    order_id: Uuid,
) -> Result<(), ApiError> {
    let (order, _) = own_order(&state.reader.0, buyer_id, order_id).await?;
    match order.status.as_str() {
        status::COMPLETE => return Err(cannot_cancel_complete()),
        status::CANCELLED => return Ok(()),
        _ => {}
    }
    let _slot = state.temporal_gate.enter().await?;
    let handle = state
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
        Ok(Stage::Complete) => Err(cannot_cancel_complete()),
        Ok(_) => Ok(()),
        Err(WorkflowUpdateError::Failed(failure)) => Err(ApiError::BadRequest(failure.message)),
        // The workflow ended meanwhile (expired or paid): the database has the final word.
        Err(WorkflowUpdateError::NotFound(_)) => {
            let (order, _) = orders::find_order(&state.reader.0, order_id).await?;
            if order.status == status::COMPLETE {
                Err(cannot_cancel_complete())
            } else {
                Ok(())
            }
        }
        Err(err) => Err(temporal_error(
            "cancel the order",
            status_of_update(&err),
            &err,
        )),
    }
}

fn cannot_cancel_complete() -> ApiError {
    ApiError::BadRequest("Cannot cancel a completed order".into())
}

/// Pays for the buyer's order with a Stripe PaymentMethod; returns the payment's id.
pub async fn pay_order(
    state: &AppState,
    buyer_id: Uuid,
    order_id: Uuid,
    payment_method: String,
) -> Result<Uuid, ApiError> {
    let (order, _) = own_order(&state.reader.0, buyer_id, order_id).await?;
    if let Some(refusal) = unpayable(&order) {
        return Err(refusal);
    }
    let _slot = state.temporal_gate.enter().await?;
    let handle = state
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
        Ok(PaymentAnswer::Declined { message }) => Err(ApiError::PaymentDeclined(message)),
        Ok(PaymentAnswer::Rejected { message }) => Err(ApiError::field("token", message)),
        Ok(PaymentAnswer::Unavailable) => Err(ApiError::Unavailable(
            "Payments are unavailable right now; please try again".into(),
        )),
        Ok(PaymentAnswer::Expired) => Err(ApiError::BadRequest("Order has expired".into())),
        Ok(PaymentAnswer::Refunded) => Err(ApiError::BadRequest(
            "The order could not be completed; your payment was refunded".into(),
        )),
        Err(WorkflowUpdateError::Failed(failure)) => Err(ApiError::BadRequest(failure.message)),
        Err(WorkflowUpdateError::NotFound(_)) => {
            let (order, _) = orders::find_order(&state.reader.0, order_id).await?;
            Err(unpayable(&order)
                .unwrap_or_else(|| ApiError::BadRequest("Order can no longer be paid".into())))
        }
        Err(err) => Err(temporal_error(
            "pay for the order",
            status_of_update(&err),
            &err,
        )),
    }
}

/// Why the database says this order cannot be paid, if it says so.
fn unpayable(order: &boxoffice_activities::entities::order::Model) -> Option<ApiError> {
    match (order.status.as_str(), order.cancel_reason.as_deref()) {
        (status::COMPLETE, _) => Some(ApiError::BadRequest("Order is already paid".into())),
        (status::CANCELLED, Some("expired")) => {
            Some(ApiError::BadRequest("Order has expired".into()))
        }
        (status::CANCELLED, _) => Some(ApiError::BadRequest("Order is cancelled".into())),
        _ => None,
    }
}

/// A failed Temporal call: a 503 when the server is overloaded or out of reach (try again soon),
/// else a fault.
fn temporal_error(
    action: &str,
    status: Option<&tonic::Status>,
    err: &dyn std::fmt::Display,
) -> ApiError {
    let busy = status.is_some_and(|status| {
        matches!(
            status.code(),
            Code::ResourceExhausted | Code::Unavailable | Code::DeadlineExceeded
        )
    });
    if busy {
        tracing::warn!(error = %err, "could not {action}: Temporal is saturated");
        shed(Saturated::Temporal)
    } else {
        ApiError::Internal(anyhow::anyhow!("could not {action}: {err}"))
    }
}
