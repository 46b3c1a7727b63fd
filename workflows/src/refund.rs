//! `RefundWorkflow`, one per refunded order (`refund-<orderId>`): support staff give a paid
//! order's money back. Check the order is paid and not refunded, mark it `refunding`, refund
//! through Stripe, mark it refunded and put its ticket back on sale (or hand it to its waiting
//! list, as a release does). A refund Stripe refuses for good clears the mark and fails the
//! workflow with Stripe's reason; the order is as it was.
//!
//! Its history is the audit trail: the input, the current details and the summaries name the
//! staff member and the reason.

pub mod start;

use boxoffice_activities::refund::{
    FinishRefundInput, RefundActivities, RefundRequest, StripeRefundInput,
};
use serde::{Deserialize, Serialize};
use temporalio_macros::{workflow, workflow_methods};
use temporalio_sdk::{
    ActivityExecutionError, ApplicationFailure, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

use crate::purchase::policies;
use crate::search;

/// What a finished refund tells whoever started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundOutcome {
    pub refund_id: String,
}

/// `OrderStatus` of a refund's workflow while it runs, once done, and once refused.
pub const REFUNDING: &str = "Refunding";
pub const REFUNDED: &str = "Refunded";
pub const REFUND_REFUSED: &str = "RefundRefused";

#[workflow]
pub struct RefundWorkflow {
    request: RefundRequest,
}

#[workflow_methods]
impl RefundWorkflow {
    #[init]
    pub fn new(_ctx: &WorkflowContextView, request: RefundRequest) -> Self {
        Self { request }
    }

    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<RefundOutcome> {
        let request = ctx.state(|s| s.request.clone());
        let order_id = request.order_id;
        let about = format!(
            "Refund of order {order_id} by staff {}: {}",
            request.staff_id, request.reason
        );
        ctx.set_current_details(about.clone());
        // Whoever started it (the support page, the CLI, the Temporal UI), it is found the same.
        ctx.upsert_search_attributes([
            search::ORDER_ID.value_set(order_id.to_string()),
            search::REFUNDED_BY.value_set(request.staff_id.to_string()),
            search::ORDER_STATUS.value_set(REFUNDING.to_owned()),
        ]);

        let begun = ctx
            .execute_activity(
                RefundActivities::begin_refund,
                request.clone(),
                policies::database_step("check the order is paid; mark it refunding", 5),
            )
            .await;
        let payment = match begun {
            Ok(payment) => payment,
            Err(err) => return refused(ctx, &about, &err),
        };

        let refunded = ctx
            .execute_activity(
                RefundActivities::refund_payment,
                StripeRefundInput {
                    order_id,
                    payment_intent: payment.payment_intent.clone(),
                },
                policies::charge(format!(
                    "refund {} ({}) by staff {}: {}",
                    payment.payment_intent,
                    boxoffice_domain::money::dollars(payment.amount_cents),
                    request.staff_id,
                    request.reason
                )),
            )
            .await;
        let refund_id = match refunded {
            Ok(refund_id) => refund_id,
            Err(err) => {
                // Stripe refused for good: the order goes back to paid, unrefunded.
                ctx.execute_activity(
                    RefundActivities::undo_refunding,
                    order_id,
                    policies::compensation("clear the refunding mark"),
                )
                .await?;
                return refused(ctx, &about, &err);
            }
        };

        ctx.execute_activity(
            RefundActivities::finish_refund,
            FinishRefundInput {
                order_id,
                refund_id: refund_id.clone(),
            },
            policies::compensation("mark the order refunded; ticket back on sale"),
        )
        .await?;
        ctx.set_current_details(format!("{about}\nRefunded: {refund_id}"));
        ctx.upsert_search_attributes([search::ORDER_STATUS.value_set(REFUNDED.to_owned())]);
        Ok(RefundOutcome { refund_id })
    }
}

/// Ends the workflow failed with the reason the refused step gave, for staff to read.
fn refused(
    ctx: &mut WorkflowContext<RefundWorkflow>,
    about: &str,
    err: &ActivityExecutionError,
) -> WorkflowResult<RefundOutcome> {
    let reason = reason_of(err);
    ctx.set_current_details(format!("{about}\nRefused: {reason}"));
    ctx.upsert_search_attributes([search::ORDER_STATUS.value_set(REFUND_REFUSED.to_owned())]);
    Err(ApplicationFailure::non_retryable(reason).into())
}

/// The message of the failure an activity ended with (the reason it gave), not its wrapper's.
fn reason_of(err: &ActivityExecutionError) -> String {
    err.reason()
        .map(|reason| reason.failure().message.clone())
        .unwrap_or_else(|| err.to_string())
}
