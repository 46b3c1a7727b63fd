//! "My listings": the seller's tickets, where each stands, and the totals.

use dioxus::prelude::*;

use crate::format::money;
use crate::view::{ListingStatus, ListingSummary, ListingTotals};

fn status_cell(status: &ListingStatus) -> Element {
    match status {
        ListingStatus::ForSale => rsx! { span { class: "badge for-sale", "For sale" } },
        ListingStatus::Held { until } => rsx! {
            span { class: "badge held", "On hold" }
            " until {until}"
        },
        ListingStatus::Sold { at, price_cents } => rsx! {
            span { class: "badge sold", "Sold" }
            " {at} for "
            {money(*price_cents)}
        },
        ListingStatus::Withdrawn => rsx! { span { class: "badge withdrawn", "Withdrawn" } },
    }
}

pub(super) fn listings_page(
    listings: &[ListingSummary],
    totals: &ListingTotals,
    more: Option<&str>,
) -> Element {
    let listed = match totals.listed {
        1 => "1 ticket listed".to_owned(),
        n => format!("{n} tickets listed"),
    };
    rsx! {
        h1 { "My listings" }
        p { class: "totals", id: "totals",
            "{listed}, {totals.sold} sold, "
            {money(totals.revenue_cents)}
            " in sales."
        }
        if listings.is_empty() {
            section { class: "panel empty",
                p { "You have not listed anything yet. " a { href: "/tickets/new", "Sell a ticket" } "." }
            }
        } else {
            table { class: "orders listings",
                thead { tr { th { "Ticket" } th { "Price" } th { "Status" } th { "Waiting" } } }
                tbody {
                    for listing in listings {
                        tr { key: "{listing.id}",
                            td { a { href: "/tickets/{listing.id}", "{listing.title}" } }
                            td { class: "num", {money(listing.price_cents)} }
                            td { class: "status", {status_cell(&listing.status)} }
                            td { class: "num", "{listing.waiting}" }
                        }
                    }
                }
            }
            if let Some(more) = more {
                p { class: "more", a { class: "button", href: "{more}", rel: "next", "Older listings" } }
            }
        }
    }
}
