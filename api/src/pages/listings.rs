//! "My listings": the signed-in seller's tickets and totals.

use axum::extract::State;
use axum::response::Html;
use boxoffice_activities::store::listings::{ListingState, SellerListing};
use boxoffice_web::view::{ListingStatus, ListingSummary, ListingTotals, Page};
use chrono::{DateTime, Utc};

use crate::extract::Query;
use crate::pages::context::PageContext;
use crate::pages::error::PageError;
use crate::pages::render;
use crate::routes::PageQuery;
use crate::tickets::Tickets;

fn when(at: DateTime<Utc>) -> String {
    at.format("%-d %b %Y, %H:%M UTC").to_string()
}

fn summary(listing: &SellerListing) -> ListingSummary {
    let status = match listing.state {
        ListingState::ForSale => ListingStatus::ForSale,
        ListingState::Held { until } => ListingStatus::Held { until: when(until) },
        ListingState::Sold { at, price_cents } => ListingStatus::Sold {
            at: when(at),
            price_cents,
        },
        ListingState::Withdrawn { .. } => ListingStatus::Withdrawn,
    };
    ListingSummary {
        id: listing.ticket.id,
        title: listing.ticket.title.clone(),
        price_cents: listing.ticket.price_cents,
        status,
        waiting: listing.waiting,
    }
}

pub async fn listings_page(
    context: PageContext,
    State(tickets): State<Tickets>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let seller = context.require_user("/listings")?;
    let request = query.request().map_err(|_| PageError::NotFound)?;
    let page = tickets.listings_of(seller.id, request).await?;
    let totals = tickets.totals_of(seller.id).await?;
    let listings = page.rows.iter().map(summary).collect();
    let more = page
        .next_after
        .map(|after| format!("/listings?after={after}"));
    let totals = ListingTotals {
        listed: totals.listed,
        sold: totals.sold,
        revenue_cents: totals.revenue_cents,
    };
    Ok(render(
        &context,
        &Page::Listings {
            listings,
            totals,
            more,
        },
    ))
}
