//! `/api/support/…`: the support desk's JSON, for staff sessions only; everyone else gets the
//! 404 of a route that does not exist. Kept out of the public OpenAPI spec for that reason.

use axum::extract::State;
use boxoffice_domain::OrderId;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::Price;
use crate::error::ApiError;
use crate::extract::{CurrentUser, IdPath, Json, JsonObject, Query};
use crate::failure::Failure;
use crate::support::{self, DeskOrder, NotStaff, Support, SupportError};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchParams {
    pub email: Option<String>,
    pub order_id: Option<String>,
    pub ticket_id: Option<String>,
}

/// An order as the desk shows it. `status` and `cancelReason` are the contract's; a refunded
/// order is `cancelled` (reason `cancelled`) with `refund` set.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportOrderView {
    pub id: OrderId,
    pub status: Value,
    pub cancel_reason: Option<Value>,
    /// `refunding` while a refund runs, `refunded` once done.
    pub refund_state: Option<String>,
    pub buyer: BuyerView,
    pub ticket: TicketView,
    pub price: Value,
    pub created_at: String,
    pub expires_at: String,
    pub paid_at: Option<String>,
    pub payment: Option<PaymentView>,
    pub refund: Option<RefundView>,
    /// The order's `PurchaseWorkflow` in the Temporal UI (when its address is configured).
    pub workflow_url: Option<String>,
    /// Its `RefundWorkflow`, once one ran.
    pub refund_workflow_url: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BuyerView {
    pub id: boxoffice_domain::UserId,
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct TicketView {
    pub id: boxoffice_domain::TicketId,
    pub title: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentView {
    /// The Stripe PaymentIntent charged.
    pub charge_id: String,
    /// `succeeded`, or `refunded`.
    pub status: String,
    /// The card's brand, when the order's saga could say.
    pub card_brand: Option<String>,
    pub card_last4: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundView {
    /// Stripe's refund (`None` while it runs).
    pub id: Option<String>,
    /// The staff member's user id.
    pub by: Option<boxoffice_domain::UserId>,
    pub reason: Option<String>,
    pub at: Option<String>,
}

impl From<DeskOrder> for SupportOrderView {
    fn from(desk: DeskOrder) -> Self {
        let DeskOrder {
            found,
            card,
            workflow_url,
            refund_workflow_url,
        } = desk;
        let order = found.order;
        // "visa ending 4242"
        let (card_brand, card_last4) = match card.as_deref().and_then(|c| c.split_once(" ending "))
        {
            Some((brand, last4)) => (Some(brand.to_owned()), Some(last4.to_owned())),
            None => (None, None),
        };
        let refund = order.refund_state.as_ref().map(|_| RefundView {
            id: order.refund_id.clone(),
            by: order.refunded_by,
            reason: order.refund_reason.clone(),
            at: order.refunded_at.map(rfc3339),
        });
        Self {
            id: order.id,
            status: serde_json::to_value(order.status).unwrap_or(Value::Null),
            cancel_reason: order
                .cancel_reason
                .and_then(|reason| serde_json::to_value(reason).ok()),
            refund_state: order.refund_state.clone(),
            buyer: BuyerView {
                id: order.user_id,
                email: found.buyer_email,
            },
            ticket: TicketView {
                id: found.ticket.id,
                title: found.ticket.title,
            },
            price: Price::from_cents(found.ticket.price_cents).to_json(),
            created_at: rfc3339(order.created_at),
            expires_at: rfc3339(order.expires_at),
            paid_at: found.payment.as_ref().map(|p| rfc3339(p.created_at)),
            payment: found.payment.map(|p| PaymentView {
                charge_id: p.stripe_id,
                status: p.status,
                card_brand,
                card_last4,
            }),
            refund,
            workflow_url,
            refund_workflow_url,
        }
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl From<NotStaff> for ApiError {
    fn from(_: NotStaff) -> Self {
        ApiError::NoRoute
    }
}

impl From<SupportError> for Failure {
    fn from(err: SupportError) -> Self {
        match err {
            SupportError::Invalid(invalid) => invalid.into(),
            SupportError::Refused(reason) => Self::Refused(reason),
            SupportError::Store(err) => err.into(),
            SupportError::Temporal(err) => Self::Internal(err),
        }
    }
}

/// `GET /api/support/orders?email=…|orderId=…|ticketId=…`: the orders found, newest first.
pub async fn orders(
    State(support): State<Support>,
    CurrentUser(user): CurrentUser,
    Query(params): Query<SearchParams>,
) -> Result<Json<Vec<SupportOrderView>>, ApiError> {
    support.staff(user.as_ref()).await?;
    let query = support::parse_query(
        params.email.as_deref(),
        params.order_id.as_deref(),
        params.ticket_id.as_deref(),
    )
    .map_err(Failure::from)?;
    let found = support.search(&query).await.map_err(Failure::from)?;
    Ok(Json(
        found.into_iter().map(SupportOrderView::from).collect(),
    ))
}

/// `POST /api/support/orders/{id}/refund` `{"reason": "…"}`: refunds the paid order through its
/// `RefundWorkflow` and answers with the order as it now is. Refunding twice refunds once (the
/// second answer says the order is refunded already).
pub async fn refund(
    State(support): State<Support>,
    CurrentUser(user): CurrentUser,
    IdPath(id): IdPath<OrderId>,
    Json(body): Json<JsonObject>,
) -> Result<Json<SupportOrderView>, ApiError> {
    let staff = support.staff(user.as_ref()).await?;
    let reason = support::parse_reason(body.get("reason")).map_err(Failure::from)?;
    support
        .refund(&staff, id, &reason)
        .await
        .map_err(Failure::from)?;
    let order = support
        .order(id)
        .await
        .map_err(Failure::from)?
        .ok_or(Failure::NotFound)?;
    Ok(Json(order.into()))
}
