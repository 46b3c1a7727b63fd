//! `/api/orders`: placing an order (its saga holds the ticket), a buyer's orders, one order, and
//! cancelling it.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use boxoffice_activities::store::orders::{Oldest, OrderWithTicket};
use boxoffice_domain::saga::{CancelReason, OrderStatus};
use boxoffice_domain::{OrderId, TicketId, UserId};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::domain::Price;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::extract::SignedIn;
use crate::extract::{IdPath, Json, JsonObject, Query};
use crate::openapi::OrderInput;
use crate::purchases::Purchases;
use crate::routes::{PageQuery, next_link};

/// An order as the contract shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderView {
    #[schema(value_type = Uuid)]
    pub id: OrderId,
    /// `created`, `cancelled` or `complete` (the original also knew `awaiting:payment`).
    #[schema(value_type = String, example = "created")]
    pub status: OrderStatus,
    #[schema(value_type = Uuid)]
    pub user_id: UserId,
    pub expires_at: String,
    pub ticket: OrderTicketView,
    pub version: i32,
    /// (ext) `expired` or `cancelled`, once the order is cancelled.
    #[schema(value_type = Option<String>, example = "expired")]
    pub cancel_reason: Option<CancelReason>,
    pub payment_id: Option<Uuid>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderTicketView {
    #[schema(value_type = Uuid)]
    pub id: TicketId,
    pub title: String,
    #[schema(value_type = f64)]
    pub price: Value,
    pub version: i32,
}

impl From<OrderWithTicket> for OrderView {
    fn from((order, ticket): OrderWithTicket) -> Self {
        Self {
            id: order.id,
            status: order.status,
            user_id: order.user_id,
            expires_at: rfc3339(order.expires_at),
            ticket: OrderTicketView {
                id: ticket.id,
                title: ticket.title,
                price: Price::from_cents(ticket.price_cents).to_json(),
                version: ticket.version,
            },
            version: order.version,
            cancel_reason: order.cancel_reason,
            payment_id: order.payment_id,
        }
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Reads a required id field of a JSON body.
pub fn required_id<Id: std::str::FromStr>(
    body: &JsonObject,
    field: &str,
) -> Result<Id, FieldError> {
    match body.get(field) {
        None | Some(Value::Null) => Err(FieldError::new(field, format!("{field} is required"))),
        Some(Value::String(text)) => text
            .trim()
            .parse()
            .map_err(|_| FieldError::new(field, format!("{field} must be a valid id"))),
        Some(_) => Err(FieldError::new(field, format!("{field} must be a string"))),
    }
}

#[utoipa::path(post, path = "/api/orders", tag = "orders", request_body = OrderInput,
    responses((status = 201, description = "The ticket is held; the order's workflow is order-<id>", body = OrderView),
        (status = 400, description = "Invalid input, ticket already reserved, or your own ticket", body = ErrorBody),
        (status = 429, description = "The buyer already holds the most tickets one buyer may (4 by default), or placed 60 orders this hour; see `Retry-After`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn create(
    State(purchases): State<Purchases>,
    SignedIn(user): SignedIn,
    Json(body): Json<JsonObject>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let ticket_id = required_id(&body, "ticketId")?;
    let order = purchases.place_order(user.id, ticket_id).await?;
    Ok((StatusCode::CREATED, Json(order.into())))
}

#[utoipa::path(get, path = "/api/orders", tag = "orders", params(PageQuery),
    responses((status = 200, description = "The caller's orders, oldest first: a plain array of at most \
        `limit` (default 100), with `Link: <…>; rel=\"next\"` when there are more",
        body = Vec<OrderView>, headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 400, description = "Invalid `after` or `limit`", body = ErrorBody),
        (status = 404, description = "`after` names none of the caller's orders", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn list(
    State(purchases): State<Purchases>,
    SignedIn(user): SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<OrderView>>), ApiError> {
    let request = query.request()?;
    let page = purchases.orders_of(user.id, request, Oldest::First).await?;
    let headers = next_link("/api/orders", page.next_after, request.limit);
    Ok((
        headers,
        Json(page.rows.into_iter().map(OrderView::from).collect()),
    ))
}

#[utoipa::path(get, path = "/api/orders/{id}", tag = "orders", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrderView), (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Not signed in, or another user's order", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(purchases): State<Purchases>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<OrderId>,
) -> Result<Json<OrderView>, ApiError> {
    Ok(Json(purchases.own_order(user.id, id).await?.into()))
}

#[utoipa::path(delete, path = "/api/orders/{id}", tag = "orders", params(("id" = Uuid, Path)),
    responses((status = 204, description = "Cancelled; the ticket is for sale again"),
        (status = 400, description = "The order is complete", body = ErrorBody),
        (status = 401, description = "Not signed in, or another user's order", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 429, description = "30 orders cancelled by this buyer this hour; see `Retry-After`", body = ErrorBody)))]
pub async fn cancel(
    State(purchases): State<Purchases>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<OrderId>,
) -> Result<StatusCode, ApiError> {
    purchases.cancel_order(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
