//! Orders and payments: the commands go through the order's `PurchaseWorkflow`, the reads straight
//! to the database.

use boxoffice_activities::store::orders::{self, OrderWithTicket, ReserveRefusal, status};
use boxoffice_activities::store::tickets;
use boxoffice_workflows::{
    PayRequest, PaymentAnswer, PurchaseInput, PurchaseWorkflow, ReservationAnswer, Stage, search,
    workflow_id,
};
use sea_orm::DatabaseConnection;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_client::{
    WorkflowExecuteUpdateOptions, WorkflowIdConflictPolicy, WorkflowUpdateWithStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiError;

/// Places an order: admission by a cheap read, then one workflow per plausible winner, waiting for
/// its reserve step. The reserve activity stays the authority if the read was stale.
pub async fn place_order(
    state: &AppState,
    buyer_id: Uuid,
    ticket_id: Uuid,
) -> Result<OrderWithTicket, ApiError> {
    let ticket = tickets::find_ticket(&state.db, ticket_id).await?;
    if ticket.user_id == buyer_id {
        return Err(refusal_error(ReserveRefusal::OwnTicket));
    }
    if ticket.order_id.is_some() {
        return Err(refusal_error(ReserveRefusal::AlreadyReserved));
    }

    let order_id = Uuid::now_v7();
    about_order(order_id);
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
        search::ORDER_STATUS.value_set(Stage::Reserving.as_str().to_owned()),
    ]))
    .build();
    let answer = state
        .temporal
        .execute_update_with_start_workflow(
            PurchaseWorkflow::run,
            input,
            PurchaseWorkflow::reservation,
            (),
            options,
        )
        .await
        .map_err(|err| temporal_error("place the order", &err))?;
    match answer {
        ReservationAnswer::Reserved { .. } => Ok(orders::find_order(&state.db, order_id).await?),
        ReservationAnswer::Refused(refusal) => Err(refusal_error(refusal)),
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
    let (order, _) = own_order(&state.db, buyer_id, order_id).await?;
    match order.status.as_str() {
        status::COMPLETE => return Err(cannot_cancel_complete()),
        status::CANCELLED => return Ok(()),
        _ => {}
    }
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
            let (order, _) = orders::find_order(&state.db, order_id).await?;
            if order.status == status::COMPLETE {
                Err(cannot_cancel_complete())
            } else {
                Ok(())
            }
        }
        Err(err) => Err(temporal_error("cancel the order", &err)),
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
    let (order, _) = own_order(&state.db, buyer_id, order_id).await?;
    if let Some(refusal) = unpayable(&order) {
        return Err(refusal);
    }
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
            let (order, _) = orders::find_order(&state.db, order_id).await?;
            Err(unpayable(&order)
                .unwrap_or_else(|| ApiError::BadRequest("Order can no longer be paid".into())))
        }
        Err(err) => Err(temporal_error("pay for the order", &err)),
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

fn temporal_error(action: &str, err: &dyn std::fmt::Display) -> ApiError {
    ApiError::Internal(anyhow::anyhow!("could not {action}: {err}"))
}
