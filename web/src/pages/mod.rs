//! The markup of each page. Plain functions from view-models to elements: no state, no hooks.
//! One module per part of the shop, as the gateway's page handlers are (`api/src/pages/`); this
//! one is the frame every page shares.

mod account;
mod forms;
mod listings;
mod orders;
mod shop;
mod support;

use dioxus::prelude::*;

use crate::assets::{ICON, STYLESHEET, TIME_SCRIPT};
use crate::format::money;
use crate::view::{AuthKind, Chrome, Page};
use account::{account, auth, forgot_password, link_followed, new_password, sign_out};
use forms::csrf_input;
use listings::listings_page;
use orders::{cancel_order, order_page, orders_page};
use shop::{home, new_ticket, ticket_page};
use support::support_page;

pub fn document(chrome: &Chrome, page: &Page) -> Element {
    let title = format!("{} · boxoffice", page_title(page));
    let description = page_description(page);
    // Dioxus has no `html` element: `render` wraps this in it.
    rsx! {
            head {
                meta { charset: "utf-8" }
                meta { name: "viewport", content: "width=device-width, initial-scale=1" }
                meta { name: "description", content: "{description}" }
                title { "{title}" }
                link { rel: "icon", href: ICON.path, r#type: "image/svg+xml" }
                link { rel: "stylesheet", href: STYLESHEET.path }
            }
            body {
                {header(chrome)}
                main { id: "main",
                    if let Some(notice) = &chrome.notice {
                        p { class: "notice", role: "status", "{notice}" }
                    }
                    {content(chrome, page)}
                }
                if shows_times(page) {
                    script { src: TIME_SCRIPT.path, defer: true }
                }
                footer { class: "site-footer",
                    p { "Tickets are held for you for {chrome.hold} while you pay." }
                }
            }
    }
}

fn page_title(page: &Page) -> String {
    match page {
        Page::Home { .. } => "Tickets for sale".into(),
        Page::Auth {
            kind: AuthKind::SignUp,
            ..
        } => "Sign up".into(),
        Page::Auth {
            kind: AuthKind::SignIn,
            ..
        } => "Sign in".into(),
        Page::SignOut => "Sign out".into(),
        Page::Account { .. } => "Your account".into(),
        Page::ForgotPassword { .. } => "Forgot your password?".into(),
        Page::NewPassword { .. } => "Choose a new password".into(),
        Page::LinkFollowed { title, .. } => title.clone(),
        Page::CancelOrder { ticket_title, .. } => format!("Cancel your order for {ticket_title}"),
        Page::NewTicket { .. } => "Sell a ticket".into(),
        Page::Ticket(page) => page.ticket.title.clone(),
        Page::Orders { .. } => "My orders".into(),
        Page::Listings { .. } => "My listings".into(),
        Page::Order(order) => format!("Order for {}", order.ticket_title),
        Page::Support(_) => "Support desk".into(),
        Page::Error { title, .. } => title.clone(),
    }
}

/// What search engines show under the title.
fn page_description(page: &Page) -> String {
    match page {
        Page::Ticket(page) => format!(
            "{} for {} on boxoffice: buy it, and it is held for you while you pay.",
            page.ticket.title,
            money(page.ticket.price_cents)
        ),
        _ => "boxoffice: buy and sell tickets. A ticket you order is held for you while you pay \
              by card."
            .into(),
    }
}

fn content(chrome: &Chrome, page: &Page) -> Element {
    let csrf = chrome.csrf_token.as_str();
    match page {
        Page::Home {
            tickets,
            more,
            search,
        } => home(tickets, more.as_deref(), search, chrome.signed_in.is_some()),
        Page::Auth { kind, form, next } => auth(*kind, form, next.as_deref(), csrf),
        Page::SignOut => sign_out(chrome, csrf),
        Page::Account {
            email,
            verified,
            errors,
        } => account(email, *verified, errors, csrf),
        Page::ForgotPassword { form } => forgot_password(form, csrf),
        Page::NewPassword { token, form } => new_password(token, form, csrf),
        Page::LinkFollowed {
            title,
            message,
            next,
        } => link_followed(title, message, next),
        Page::CancelOrder {
            order_id,
            ticket_title,
        } => cancel_order(*order_id, ticket_title, csrf),
        Page::NewTicket { form } => new_ticket(form, csrf),
        Page::Ticket(ticket) => ticket_page(ticket, chrome),
        Page::Orders { orders, more } => orders_page(orders, more.as_deref()),
        Page::Order(order) => order_page(order, csrf),
        Page::Support(page) => support_page(page, csrf),
        Page::Listings {
            listings,
            totals,
            more,
        } => listings_page(listings, totals, more.as_deref()),
        Page::Error {
            status,
            title,
            message,
        } => rsx! {
            section { class: "panel error-page",
                p { class: "status-code", "{status}" }
                h1 { "{title}" }
                p { "{message}" }
                p { a { href: "/", "Back to the tickets" } }
            }
        },
    }
}

/// Pages with a `<time>` to show in the reader's time zone.
fn shows_times(page: &Page) -> bool {
    match page {
        Page::Orders { orders, .. } => !orders.is_empty(),
        Page::Order(order) => order.receipt.is_some(),
        Page::Ticket(ticket) => ticket.sold_at.is_some(),
        _ => false,
    }
}

fn header(chrome: &Chrome) -> Element {
    rsx! {
        header { class: "site-header",
            a { class: "brand", href: "/", "boxoffice" }
            nav { "aria-label": "Main",
                match &chrome.signed_in {
                    Some(email) => rsx! {
                        a { href: "/tickets/new", "Sell a ticket" }
                        a { href: "/orders", "My orders" }
                        a { href: "/listings", "My listings" }
                        a { href: "/account", "Account" }
                        span { class: "who", "Signed in as ", strong { "{email}" } }
                        form { class: "inline", method: "post", action: "/auth/signout",
                            {csrf_input(&chrome.csrf_token)}
                            button { class: "link", r#type: "submit", "Sign out" }
                        }
                    },
                    None => rsx! {
                        a { href: "/auth/signin", "Sign in" }
                        a { class: "button", href: "/auth/signup", "Sign up" }
                    },
                }
            }
        }
    }
}
