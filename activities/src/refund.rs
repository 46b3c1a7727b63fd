//! `RefundWorkflow`'s activities: a paid order refunded by support staff. Each is idempotent —
//! the database steps find their own earlier write, Stripe gets an idempotency key derived from
//! the order — so a worker killed mid-refund refunds once.
//!
//! Refusals (the order is not paid, or refunded already) and a refund Stripe refuses for good
//! are non-retryable failures whose message is the reason staff read.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

use boxoffice_domain::{OrderId, TicketId, UserId};

use crate::mail::Links;
use crate::payments::{Stripe, StripeFault};
use crate::purchase::{HandOver, PurchaseActivities, fault, final_error};
use crate::store::refunds;

pub struct RefundActivities {
    db: sea_orm::DatabaseConnection,
    stripe: Stripe,
    hand_over: Option<HandOver>,
    links: Links,
}

impl RefundActivities {
    /// Refunds work as the purchases do: with the same database and Stripe account, notices that
    /// link to the same shop, and a refunded ticket going to its waiting list's next member as a
    /// released one does.
    pub fn beside(purchases: &PurchaseActivities) -> Self {
        Self {
            db: purchases.db.clone(),
            stripe: purchases.stripe.clone(),
            hand_over: purchases.hand_over.clone(),
            links: purchases.links.clone(),
        }
    }
}

/// What staff asked for: the workflow's input, and the Temporal UI's *Start Workflow* form's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundRequest {
    pub order_id: OrderId,
    pub staff_id: UserId,
    pub reason: String,
}

/// A paid order marked `refunding`: what Stripe is to give back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundablePayment {
    pub payment_intent: String,
    pub amount_cents: i64,
    pub ticket_id: TicketId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StripeRefundInput {
    pub order_id: OrderId,
    pub payment_intent: String,
}

impl StripeRefundInput {
    /// One refund per order, however often it is retried or the refund is started again.
    pub fn idempotency_key(&self) -> String {
        format!("order-{}-support-refund", self.order_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FinishRefundInput {
    pub order_id: OrderId,
    pub refund_id: String,
}

#[activities]
impl RefundActivities {
    /// Checks the order is paid and not refunded, and marks it `refunding`.
    #[activity]
    pub async fn begin_refund(
        self: Arc<Self>,
        _ctx: ActivityContext,
        request: RefundRequest,
    ) -> Result<RefundablePayment, ActivityError> {
        match refunds::begin_refund(
            &self.db,
            request.order_id,
            request.staff_id,
            &request.reason,
        )
        .await
        .map_err(fault)?
        {
            Ok(refundable) => Ok(RefundablePayment {
                payment_intent: refundable.payment_intent,
                amount_cents: refundable.amount_cents,
                ticket_id: refundable.ticket_id,
            }),
            Err(refusal) => Err(final_error(refusal.to_string())),
        }
    }

    /// Refunds the payment in full through Stripe; returns the refund's id. Stripe unavailable
    /// is retried; a refusal (already refunded at Stripe, disputed) fails for good.
    #[activity]
    pub async fn refund_payment(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: StripeRefundInput,
    ) -> Result<String, ActivityError> {
        let refund = self
            .stripe
            .refund(&input.payment_intent, &input.idempotency_key())
            .await
            .map_err(|err| match err {
                StripeFault::Retryable(_) => ActivityError::from(err),
                StripeFault::Final(message) => {
                    final_error(format!("Stripe refused the refund: {message}"))
                }
            })?;
        crate::metrics::charge_refunded();
        tracing::warn!(order_id = %input.order_id, refund = %refund, "order refunded by staff");
        Ok(refund)
    }

    /// After Stripe refused: clears the `refunding` mark, leaving the order as it was.
    #[activity]
    pub async fn undo_refunding(
        self: Arc<Self>,
        _ctx: ActivityContext,
        order_id: OrderId,
    ) -> Result<(), ActivityError> {
        refunds::undo_refunding(&self.db, order_id)
            .await
            .map_err(fault)
    }

    /// Marks the order refunded and puts its ticket back on sale, or hands it to its waiting
    /// list and starts the member's saga, exactly as a release does.
    #[activity]
    pub async fn finish_refund(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: FinishRefundInput,
    ) -> Result<(), ActivityError> {
        let rules = self.hand_over.as_ref().map(|hand_over| hand_over.rules);
        let handed_over = match refunds::finish_refund(
            &self.db,
            input.order_id,
            &input.refund_id,
            rules,
            &self.links,
        )
        .await
        .map_err(fault)?
        {
            Ok(handed_over) => handed_over,
            Err(refusal) => return Err(final_error(refusal.to_string())),
        };
        if let (Some(handed), Some(hand_over)) = (handed_over, &self.hand_over) {
            hand_over.start_saga(&self.db, handed).await?;
        }
        Ok(())
    }
}
