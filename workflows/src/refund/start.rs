//! Starting a refund, from the client's side (the support API and page, `boxoffice staff
//! refund`): one workflow per order, `refund-<orderId>`, so an order is refunded once however
//! often the button is pressed. A refund running already is joined (conflict policy
//! `UseExisting`); one that finished is not run again (reuse policy `AllowDuplicateFailedOnly`),
//! while one that was refused (the order was not paid yet, Stripe refused) may be tried again.

use boxoffice_activities::refund::RefundRequest;
use boxoffice_activities::store::refunds::RefundRefusal;
use boxoffice_domain::OrderId;
use temporalio_client::errors::{WorkflowGetResultError, WorkflowStartError};
use temporalio_client::{
    Client, WorkflowGetResultOptions, WorkflowIdConflictPolicy, WorkflowIdReusePolicy,
    WorkflowStartOptions,
};
use temporalio_common::search_attributes::SearchAttributes;

use super::{REFUNDING, RefundOutcome, RefundWorkflow};
use crate::search;

/// Support staff find a refund's workflow by this id.
pub fn workflow_id(order_id: OrderId) -> String {
    format!("refund-{order_id}")
}

/// Why a refund did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// The refund was refused, saying why: the order is not paid, is refunded already, or
    /// Stripe refused. Nothing changed.
    #[error("{0}")]
    Refused(String),
    /// Temporal could not be asked, or the workflow ended otherwise (terminated, say).
    #[error("the refund's workflow: {0}")]
    Temporal(String),
}

/// Refunds the order through its `RefundWorkflow` and waits for the outcome.
pub async fn refund(
    client: &Client,
    task_queue: &str,
    request: RefundRequest,
) -> Result<RefundOutcome, RefundError> {
    let order_id = request.order_id;
    let options = WorkflowStartOptions::new(task_queue.to_owned(), workflow_id(order_id))
        .id_conflict_policy(WorkflowIdConflictPolicy::UseExisting)
        .id_reuse_policy(WorkflowIdReusePolicy::AllowDuplicateFailedOnly)
        .static_summary(format!(
            "Refund of order {order_id} by staff {}",
            request.staff_id
        ))
        .static_details(format!(
            "Order: {order_id}\nStaff: {}\nReason: {}",
            request.staff_id, request.reason
        ))
        .search_attributes(SearchAttributes::new([
            search::ORDER_ID.value_set(order_id.to_string()),
            search::REFUNDED_BY.value_set(request.staff_id.to_string()),
            search::ORDER_STATUS.value_set(REFUNDING.to_owned()),
        ]))
        .build();
    let handle = match client
        .start_workflow(RefundWorkflow::run, request, options)
        .await
    {
        Ok(handle) => handle,
        // Only a refund that completed is never run again.
        Err(WorkflowStartError::AlreadyStarted { .. }) => {
            return Err(RefundError::Refused(
                RefundRefusal::AlreadyRefunded(order_id).to_string(),
            ));
        }
        Err(err) => return Err(RefundError::Temporal(err.to_string())),
    };
    handle
        .get_result(WorkflowGetResultOptions::default())
        .await
        .map_err(|err| match err {
            WorkflowGetResultError::Failed(failure) => {
                RefundError::Refused(failure.failure().message.clone())
            }
            other => RefundError::Temporal(other.to_string()),
        })
}
