//! The purchase saga's activities: every side effect the workflow needs. Each is idempotent under
//! retry — reserve, complete and release find their own earlier write; charge and refund send Stripe
//! an idempotency key — so a retry after a crash never reserves, charges or releases twice.
//!
//! Business answers (ticket taken, card declined) are return values. Errors are faults: retryable
//! ones (database, network, Stripe 429/5xx) are retried by Temporal; final ones are not.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use temporalio_macros::activities;
use temporalio_sdk::ApplicationFailure;
use temporalio_sdk::activities::{ActivityContext, ActivityError};
use uuid::Uuid;

use boxoffice_domain::saga::{CancelReason, ReserveRefusal};
use boxoffice_domain::{OrderId, TicketId, UserId};

use crate::entities::ticket;
use crate::mail::Links;
use crate::metrics;
use crate::payments::{CardDescription, ChargeRequest, ChargeResult, Stripe, StripeFault};
use crate::store::orders::{self, NewOrder, PaidOrder, RefundedPayment, Release};
use crate::store::waitlists::{HandOverRules, HandedOver};
use crate::store::{StoreError, tickets};

pub struct PurchaseActivities {
    pub(crate) db: DatabaseConnection,
    pub(crate) stripe: Stripe,
    pub(crate) hand_over: Option<HandOver>,
    /// Where the messages the activities enqueue link to.
    pub(crate) links: Links,
}

/// Starts the purchase saga of an order handed over from a waiting list, for the ticket as it is
/// now. The workflow and its start live in another crate (which depends on this one), so the
/// worker passes the starting in. Starting the same order twice must succeed (a retried release
/// starts it again).
pub type StartHandedOver = Arc<
    dyn Fn(
            HandedOver,
            ticket::Model,
        ) -> Pin<Box<dyn Future<Output = Result<(), StartFailed>> + Send>>
        + Send
        + Sync,
>;

/// Why the saga of a handed-over order could not be started (Temporal's answer).
pub type StartFailed = Box<dyn std::error::Error + Send + Sync>;

/// A release handed its ticket over but could not start the new order's saga; retried (the retry
/// finds the same hand-over and starts the same saga).
#[derive(Debug, thiserror::Error)]
#[error("could not start the handed-over order {order_id}: {source}")]
pub struct HandOverNotStarted {
    pub order_id: OrderId,
    #[source]
    pub source: StartFailed,
}

/// Waiting lists: how a release hands its ticket over, and how the new order's saga starts.
#[derive(Clone)]
pub struct HandOver {
    pub rules: HandOverRules,
    pub start: StartHandedOver,
}

impl HandOver {
    /// Starts the saga of the order `handed` made, for its ticket as it is now. A failure is
    /// retried: the retry finds the same hand-over and starts the same order's saga, which is
    /// idempotent by its workflow id.
    pub(crate) async fn start_saga(
        &self,
        db: &DatabaseConnection,
        handed: HandedOver,
    ) -> Result<(), ActivityError> {
        let ticket = tickets::find_ticket(db, handed.ticket_id)
            .await
            .map_err(fault)?;
        (self.start)(handed, ticket).await.map_err(|source| {
            ActivityError::from(HandOverNotStarted {
                order_id: handed.order_id,
                source,
            })
        })
    }
}

impl PurchaseActivities {
    pub fn new(db: DatabaseConnection, stripe: Stripe) -> Self {
        Self {
            db,
            stripe,
            hand_over: None,
            links: Links::default(),
        }
    }

    /// The messages link to the shop at this public address.
    pub fn with_links(mut self, links: Links) -> Self {
        self.links = links;
        self
    }

    /// Releases hand their ticket to the waiting list's next member.
    pub fn with_hand_over(mut self, hand_over: HandOver) -> Self {
        self.hand_over = Some(hand_over);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveInput {
    pub order_id: OrderId,
    pub ticket_id: TicketId,
    pub buyer_id: UserId,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReserveOutcome {
    Reserved { title: String, price_cents: i64 },
    Refused(ReserveRefusal),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChargeInput {
    pub order_id: OrderId,
    pub attempt: u32,
    pub amount_cents: i64,
    pub payment_method: String,
    pub description: String,
}

impl ChargeInput {
    /// One key per order and attempt: a retried activity repeats its own attempt, a new attempt
    /// (another card after a decline) is a new charge.
    pub fn idempotency_key(&self) -> String {
        format!("order-{}-attempt-{}", self.order_id, self.attempt)
    }
}

/// What a charge came to. `card` names the card charged, when Stripe could say (charges recorded
/// before it was reported read as `None`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChargeOutcome {
    Charged {
        payment_intent: String,
        #[serde(default)]
        card: Option<CardDescription>,
    },
    Declined {
        message: String,
        #[serde(default)]
        card: Option<CardDescription>,
    },
    Rejected {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompleteInput {
    pub order_id: OrderId,
    pub payment_intent: String,
    pub amount_cents: i64,
    /// The card charged ("visa ending 4242"), kept for the receipt; absent from histories
    /// recorded before receipts named the card.
    #[serde(default)]
    pub card: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseInput {
    pub order_id: OrderId,
    pub reason: CancelReason,
}

/// What a release found instead of an order to release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReleaseFound {
    /// The order is complete, with this payment: the sale stands.
    AlreadySold { payment_id: Uuid },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundInput {
    pub order_id: OrderId,
    pub payment_intent: String,
    pub amount_cents: i64,
    /// The card charged, for the buyer's notice; absent in runs from before it.
    #[serde(default)]
    pub card: Option<String>,
}

#[activities]
impl PurchaseActivities {
    /// Holds the ticket for the order (inserting the order), or says why it can't.
    #[activity]
    pub async fn reserve(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ReserveInput,
    ) -> Result<ReserveOutcome, ActivityError> {
        let new = NewOrder {
            order_id: input.order_id,
            ticket_id: input.ticket_id,
            buyer_id: input.buyer_id,
            expires_at: input.expires_at,
        };
        let outcome = match orders::reserve_ticket(&self.db, new).await.map_err(fault)? {
            Ok(ticket) => ReserveOutcome::Reserved {
                title: ticket.title,
                price_cents: ticket.price_cents,
            },
            Err(refusal) => ReserveOutcome::Refused(refusal),
        };
        tracing::info!(order_id = %input.order_id, workflow_id = ?ctx.info().workflow_id, ?outcome, "reserve");
        Ok(outcome)
    }

    /// Which card a PaymentMethod is, so the charge can be labelled with it for support staff
    /// (runs from before the charge reported its card).
    #[activity]
    pub async fn describe_card(
        self: Arc<Self>,
        _ctx: ActivityContext,
        payment_method: String,
    ) -> Result<Option<CardDescription>, ActivityError> {
        self.stripe
            .describe_card(&payment_method)
            .await
            .map_err(stripe_fault)
    }

    /// Charges the card through Stripe with the attempt's idempotency key, and says which card it
    /// was (best effort: a card Stripe cannot describe is charged all the same, or refused by the
    /// charge itself).
    #[activity]
    pub async fn charge(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: ChargeInput,
    ) -> Result<ChargeOutcome, ActivityError> {
        let key = input.idempotency_key();
        let order_id = input.order_id.to_string();
        let result = self
            .stripe
            .charge(ChargeRequest {
                amount_cents: input.amount_cents,
                payment_method: &input.payment_method,
                idempotency_key: &key,
                order_id: &order_id,
                description: &input.description,
            })
            .await
            .map_err(stripe_fault)?;
        // Asked after the charge, so that a lost answer to the charge itself is what a retry meets.
        // The PaymentMethod Stripe says it charged: for a card token, the one made from it.
        let charged = result.payment_method().unwrap_or(&input.payment_method);
        let card = self.stripe.describe_card(charged).await.ok().flatten();
        tracing::info!(order_id = %input.order_id, workflow_id = ?ctx.info().workflow_id, attempt = input.attempt, ?result, "charge");
        Ok(match result {
            ChargeResult::Succeeded { payment_intent, .. } => ChargeOutcome::Charged {
                payment_intent,
                card,
            },
            ChargeResult::Declined { message, .. } => ChargeOutcome::Declined { message, card },
            ChargeResult::Rejected { message } => ChargeOutcome::Rejected { message },
        })
    }

    /// Completes the order after a successful charge: order `complete`, ticket sold, payment
    /// recorded. Fails for good when the order can no longer be completed, which makes the
    /// workflow refund the charge.
    #[activity]
    pub async fn complete(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: CompleteInput,
    ) -> Result<Uuid, ActivityError> {
        let paid = PaidOrder {
            order_id: input.order_id,
            stripe_payment_intent: &input.payment_intent,
            amount_cents: input.amount_cents,
            card: input.card.as_deref(),
        };
        match orders::complete_order(&self.db, paid, &self.links)
            .await
            .map_err(fault)?
        {
            Ok(completed) => {
                if let Some(ended) = completed.ended {
                    metrics::order_ended("complete", ended);
                }
                Ok(completed.payment.id)
            }
            Err(not_completable) => Err(final_error(not_completable.to_string())),
        }
    }

    /// Cancels the order and puts the ticket back on sale, or hands it to the next member of its
    /// waiting list and starts their order's saga. `None` when it did (the only answer runs from
    /// before `ReleaseFound` recorded: `()` and `None` are both JSON `null`).
    #[activity]
    pub async fn release(
        self: Arc<Self>,
        _ctx: ActivityContext,
        input: ReleaseInput,
    ) -> Result<Option<ReleaseFound>, ActivityError> {
        let rules = self.hand_over.as_ref().map(|hand_over| hand_over.rules);
        match orders::release_order(&self.db, input.order_id, input.reason, rules, &self.links)
            .await
            .map_err(fault)?
        {
            Release::Released { ended, handed_over } => {
                if let Some(ended) = ended {
                    metrics::order_ended(input.reason.as_str(), ended);
                }
                if let (Some(handed), Some(hand_over)) = (handed_over, &self.hand_over) {
                    hand_over.start_saga(&self.db, handed).await?;
                    tracing::info!(order_id = %input.order_id, handed_over_to = %handed.order_id, "ticket handed to the waiting list");
                }
                Ok(None)
            }
            // The order was completed meanwhile: a charge and its completion ran in a workflow
            // task whose result was lost (the task failed and its retry saw the hold end first).
            // The sale stands; the workflow learns it here.
            Release::Sold {
                payment_id: Some(payment_id),
            } => Ok(Some(ReleaseFound::AlreadySold { payment_id })),
            Release::Sold { payment_id: None } => Err(final_error(format!(
                "order {} is complete without a payment; a sold ticket is never released",
                input.order_id
            ))),
        }
    }

    /// Gives the money back when a charge succeeded but the order could not be completed.
    #[activity]
    pub async fn refund(
        self: Arc<Self>,
        ctx: ActivityContext,
        input: RefundInput,
    ) -> Result<String, ActivityError> {
        let key = format!("order-{}-refund", input.order_id);
        // Every fault retries: money taken for an undelivered ticket must go back. The key makes a
        // retry return the first refund rather than refund twice.
        let refund = self
            .stripe
            .refund(&input.payment_intent, &key)
            .await
            .map_err(ActivityError::from)?;
        let refunded = RefundedPayment {
            order_id: input.order_id,
            stripe_payment_intent: &input.payment_intent,
            amount_cents: input.amount_cents,
            card: input.card.as_deref(),
        };
        orders::record_refunded_payment(&self.db, refunded, &self.links)
            .await
            .map_err(fault)?;
        metrics::charge_refunded();
        tracing::warn!(order_id = %input.order_id, workflow_id = ?ctx.info().workflow_id, refund = %refund, "charge refunded");
        Ok(refund)
    }
}

/// Database trouble is retryable; a version conflict is too (the retry re-reads).
pub(crate) fn fault(err: StoreError) -> ActivityError {
    ActivityError::from(err)
}

fn stripe_fault(err: StripeFault) -> ActivityError {
    match err {
        StripeFault::Retryable(_) => ActivityError::from(err),
        StripeFault::Final(message) => final_error(message),
    }
}

/// A failure Temporal does not retry, whose message says why.
pub(crate) fn final_error(message: String) -> ActivityError {
    ActivityError::application(ApplicationFailure::non_retryable(message))
}
