//! `/api/tickets`: what is for sale, one ticket, selling, editing and withdrawing.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use boxoffice_activities::entities::ticket;
use boxoffice_domain::{OrderId, TicketId, UserId};
use serde::Serialize;
use serde_json::Value;

use crate::domain::{self, Invalid, Price, Title};
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::extract::SignedIn;
use crate::extract::{IdPath, Json, JsonObject, Query};
use crate::listing::{self, DEFAULT_PAGE_SIZE, Page};
use crate::openapi::{NewTicketInput, TicketInput};
use crate::routes::{PageQuery, next_link};
use crate::search::{self, SearchQuery};
use crate::tickets::{Change, Tickets};

/// A ticket as the contract shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TicketView {
    #[schema(value_type = Uuid)]
    pub id: TicketId,
    pub title: String,
    /// Dollars.
    #[schema(value_type = f64)]
    pub price: Value,
    #[schema(value_type = Uuid)]
    pub user_id: UserId,
    pub version: i32,
    #[schema(value_type = Option<Uuid>)]
    pub order_id: Option<OrderId>,
    /// (ext) Its seller took it off sale: it can no longer be ordered.
    pub withdrawn: bool,
}

impl From<ticket::Model> for TicketView {
    fn from(t: ticket::Model) -> Self {
        Self {
            id: t.id,
            title: t.title,
            price: Price::from_cents(t.price_cents).to_json(),
            user_id: t.user_id,
            version: t.version,
            order_id: t.order_id,
            withdrawn: t.withdrawn_at.is_some(),
        }
    }
}

fn parse_ticket(body: &JsonObject) -> Result<(Title, Price), Invalid> {
    domain::both(
        Title::parse(body.get("title")),
        Price::parse(body.get("price")),
    )
}

/// (ext) The version the client edited, if it says; a stale one is a 409, never a silent overwrite.
fn expected_version(body: &JsonObject) -> Result<Option<i32>, FieldError> {
    match body.get("version") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => whole_number(value)
            .and_then(|v| i32::try_from(v).ok())
            .filter(|v| *v >= 0)
            .map(Some)
            .ok_or_else(|| FieldError::new("version", "Version must be a whole number")),
    }
}

/// `3` or `3.0`: JSON has one kind of number, and JSON Schema's `integer` is any without a fraction.
fn whole_number(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|v| v.fract() == 0.0 && v.abs() <= f64::from(i32::MAX))
            // Whole and within i32's range, so the conversion is exact.
            .map(|v| v as i64)
    })
}

#[utoipa::path(post, path = "/api/tickets", tag = "tickets", request_body = NewTicketInput,
    responses((status = 201, body = TicketView), (status = 400, description = "Invalid input", body = ErrorBody), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 429, description = "Too many tickets listed by this seller this hour", body = ErrorBody)))]
pub async fn create(
    State(tickets): State<Tickets>,
    SignedIn(user): SignedIn,
    Json(body): Json<JsonObject>,
) -> Result<(StatusCode, Json<TicketView>), ApiError> {
    let (title, price) = parse_ticket(&body)?;
    let ticket = tickets.sell(user.id, title, price).await?;
    Ok((StatusCode::CREATED, Json(ticket.into())))
}

#[utoipa::path(get, path = "/api/tickets", tag = "tickets", params(PageQuery, SearchQuery),
    responses((status = 200, description = "Tickets for sale, newest first (or as `sort` says), those \
        matching the search if one is given: a plain array of at most `limit` (default 100, the most there is), \
        with `Link: <…>; rel=\"next\"` when there are more (it keeps the search)",
        body = Vec<TicketView>, headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 400, description = "Invalid `after`, `limit`, `q`, `minPrice`, `maxPrice` or `sort`", body = ErrorBody),
        (status = 404, description = "`after` names no ticket", body = ErrorBody)))]
pub async fn list(
    State(tickets): State<Tickets>,
    Query(query): Query<PageQuery>,
    Query(search): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let (request, search) = match (query.request(), search.search()) {
        (Ok(request), Ok(search)) => (request, search),
        (Err(a), Err(b)) => return Err(Invalid([a.0, b.0].concat()).into()),
        (Err(invalid), _) | (_, Err(invalid)) => return Err(invalid.into()),
    };
    if !search.is_everything() {
        let page = tickets.search(&search, request).await?;
        let path = format!("/api/tickets?{}", search::query_string(&search));
        let headers = next_link(&path, page.next_after, request.limit);
        return Ok((headers, Json(views_of(page))).into_response());
    }
    if listing::is_the_usual_first_page(&request) {
        // What the original's clients ask for: made once per catalog change.
        let first = tickets.first_page().await?;
        let body = match first.as_json.get() {
            Some(body) => body.clone(),
            None => {
                let views = views_of(first.page(DEFAULT_PAGE_SIZE));
                let body = Bytes::from(serde_json::to_vec(&views).map_err(anyhow::Error::from)?);
                first.as_json.get_or_init(|| body).clone()
            }
        };
        let headers = next_link(
            "/api/tickets",
            first.next_after(request.limit),
            request.limit,
        );
        let json = [(header::CONTENT_TYPE, "application/json")];
        return Ok((headers, json, body).into_response());
    }
    let page = tickets.for_sale(request).await?;
    let headers = next_link("/api/tickets", page.next_after, request.limit);
    Ok((headers, Json(views_of(page))).into_response())
}

fn views_of(page: Page<ticket::Model>) -> Vec<TicketView> {
    page.rows.into_iter().map(TicketView::from).collect()
}

#[utoipa::path(get, path = "/api/tickets/{id}", tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, body = TicketView), (status = 400, description = "Invalid input", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn show(
    State(tickets): State<Tickets>,
    IdPath(id): IdPath<TicketId>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(tickets.find(id).await?.into()))
}

#[utoipa::path(put, path = "/api/tickets/{id}", tag = "tickets", params(("id" = Uuid, Path)),
    request_body = TicketInput,
    responses((status = 200, body = TicketView),
        (status = 400, description = "Invalid input, or the ticket is reserved or sold", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 409, description = "Changed since that version", body = ErrorBody),
        (status = 429, description = "120 changes by this seller this hour; see `Retry-After`", body = ErrorBody)))]
pub async fn update(
    State(tickets): State<Tickets>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<TicketId>,
    Json(body): Json<JsonObject>,
) -> Result<Json<TicketView>, ApiError> {
    let (title, price) = parse_ticket(&body)?;
    let change = Change {
        title,
        price,
        seen_version: expected_version(&body)?,
    };
    Ok(Json(tickets.change(id, user.id, change).await?.into()))
}

#[utoipa::path(delete, path = "/api/tickets/{id}", tag = "tickets", params(("id" = Uuid, Path)),
    responses((status = 200, description = "(ext) Withdrawn: off sale for good, still readable, `withdrawn: true`. \
        Withdrawing it again changes nothing", body = TicketView),
        (status = 400, description = "The ticket is on hold or sold", body = ErrorBody),
        (status = 401, description = "Not signed in, or not the seller", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 429, description = "120 changes by this seller this hour; see `Retry-After`", body = ErrorBody)))]
pub async fn withdraw(
    State(tickets): State<Tickets>,
    SignedIn(user): SignedIn,
    IdPath(id): IdPath<TicketId>,
) -> Result<Json<TicketView>, ApiError> {
    Ok(Json(tickets.withdraw(id, user.id).await?.into()))
}
