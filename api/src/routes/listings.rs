//! `/api/users/me/tickets`: the signed-in seller's own tickets, where each stands, and the totals.

use axum::extract::State;
use axum::http::HeaderMap;
use boxoffice_activities::store::listings::{ListingState, SellerListing, SellerTotals};
use boxoffice_domain::TicketId;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::domain::Price;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{Json, Query, SignedIn};
use crate::routes::{PageQuery, next_link};
use crate::tickets::Tickets;

/// Where a seller's ticket stands.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum ListingStateView {
    ForSale,
    Held,
    Sold,
    Withdrawn,
}

/// (ext) One of the seller's tickets as the seller sees it: never who holds or bought it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingView {
    #[schema(value_type = Uuid)]
    pub id: TicketId,
    pub title: String,
    /// Dollars.
    #[schema(value_type = f64)]
    pub price: Value,
    pub version: i32,
    pub state: ListingStateView,
    /// While held: when the hold ends, unless it is paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_until: Option<DateTime<Utc>>,
    /// Once sold: when it was paid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sold_at: Option<DateTime<Utc>>,
    /// Once sold: what the buyer paid, in dollars.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub sold_price: Option<Value>,
    /// Once withdrawn: when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// How many shoppers are on its waiting list.
    pub waiting_count: u64,
}

impl From<SellerListing> for ListingView {
    fn from(listing: SellerListing) -> Self {
        let SellerListing {
            ticket,
            state,
            waiting,
        } = listing;
        let mut view = Self {
            id: ticket.id,
            title: ticket.title,
            price: Price::from_cents(ticket.price_cents).to_json(),
            version: ticket.version,
            state: ListingStateView::ForSale,
            held_until: None,
            sold_at: None,
            sold_price: None,
            withdrawn_at: None,
            waiting_count: waiting,
        };
        match state {
            ListingState::ForSale => {}
            ListingState::Held { until } => {
                view.state = ListingStateView::Held;
                view.held_until = Some(until);
            }
            ListingState::Sold { at, price_cents } => {
                view.state = ListingStateView::Sold;
                view.sold_at = Some(at);
                view.sold_price = Some(Price::from_cents(price_cents).to_json());
            }
            ListingState::Withdrawn { at } => {
                view.state = ListingStateView::Withdrawn;
                view.withdrawn_at = Some(at);
            }
        }
        view
    }
}

/// (ext) What the seller has listed and sold, in all.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TotalsView {
    /// Every ticket the seller has listed, whatever became of it.
    pub listed: u64,
    /// Those sold (paid).
    pub sold: u64,
    /// What the sold ones were paid, in dollars.
    #[schema(value_type = f64)]
    pub revenue: Value,
}

impl From<SellerTotals> for TotalsView {
    fn from(totals: SellerTotals) -> Self {
        Self {
            listed: totals.listed,
            sold: totals.sold,
            revenue: Price::from_cents(totals.revenue_cents).to_json(),
        }
    }
}

#[utoipa::path(get, path = "/api/users/me/tickets", tag = "tickets", params(PageQuery),
    responses((status = 200, description = "(ext) The signed-in seller's tickets, newest listed first, each with \
        its state: a plain array of at most `limit` (default 100), with `Link: <…>; rel=\"next\"` when there are more",
        body = Vec<ListingView>, headers(("Link" = String, description = "The next page, when there is one"))),
        (status = 400, description = "Invalid `after` or `limit`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "`after` names none of the seller's tickets", body = ErrorBody)))]
pub async fn mine(
    State(tickets): State<Tickets>,
    SignedIn(user): SignedIn,
    Query(query): Query<PageQuery>,
) -> Result<(HeaderMap, Json<Vec<ListingView>>), ApiError> {
    let request = query.request()?;
    let page = tickets.listings_of(user.id, request).await?;
    let headers = next_link("/api/users/me/tickets", page.next_after, request.limit);
    Ok((
        headers,
        Json(page.rows.into_iter().map(ListingView::from).collect()),
    ))
}

#[utoipa::path(get, path = "/api/users/me/tickets/totals", tag = "tickets",
    responses((status = 200, description = "(ext) The signed-in seller's totals", body = TotalsView),
        (status = 401, description = "Not signed in", body = ErrorBody)))]
pub async fn totals(
    State(tickets): State<Tickets>,
    SignedIn(user): SignedIn,
) -> Result<Json<TotalsView>, ApiError> {
    Ok(Json(tickets.totals_of(user.id).await?.into()))
}
