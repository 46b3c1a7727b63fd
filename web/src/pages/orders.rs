//! A buyer's orders, and one order: its countdown, the card form, its outcome.

use dioxus::prelude::*;

use boxoffice_domain::OrderId;

use super::forms::{csrf_input, moment};
use crate::assets::ORDER_SCRIPT;
use crate::format::{countdown, money};
use crate::view::{OrderPage, OrderState, OrderSummary, TicketWent};

fn state_badge(state: OrderState) -> Element {
    let (class, title) = (state.label(), state.title());
    rsx! { span { class: "badge {class}", "{title}" } }
}

pub(super) fn orders_page(orders: &[OrderSummary], more: Option<&str>) -> Element {
    rsx! {
        h1 { "My orders" }
        if orders.is_empty() {
            section { class: "panel empty",
                p { "You have not ordered anything yet. " a { href: "/", "See what is for sale" } "." }
            }
        } else {
            table { class: "orders",
                thead { tr { th { "Ticket" } th { "Price" } th { "Status" } th { "Ordered" } } }
                tbody {
                    for order in orders {
                        tr { key: "{order.id}",
                            td { a { href: "/orders/{order.id}", "{order.ticket_title}" } }
                            td { class: "num", {money(order.price_cents)} }
                            td { {state_badge(order.state)} }
                            td { {moment(&order.placed_at)} }
                        }
                    }
                }
            }
            if let Some(more) = more {
                p { class: "more", a { class: "button", href: "{more}", rel: "next", "Older orders" } }
            }
        }
    }
}

pub(super) fn order_page(order: &OrderPage, csrf: &str) -> Element {
    let price = money(order.price_cents);
    let state = order.state.label();
    rsx! {
        section {
            class: "panel order",
            id: "order",
            "data-order-id": "{order.id}",
            "data-state": state,
            p { {state_badge(order.state)} }
            h1 { "{order.ticket_title}" }
            p { class: "price big", "{price}" }
            if order.from_waitlist {
                p { class: "hint", id: "from-waitlist", "This ticket came to you from its waiting list." }
            }
            match order.state {
                OrderState::Held => rsx! {
                    p { class: "countdown", id: "countdown",
                        "data-expires-at": "{order.expires_at}",
                        "data-seconds-left": "{order.seconds_left}",
                        "We hold this ticket for you for "
                        strong { id: "time-left", {countdown(order.seconds_left)} }
                        " more."
                    }
                    {payment_form(order, &price, csrf)}
                    p { class: "cancel",
                        a { class: "button secondary", href: "/orders/{order.id}/cancel", "Cancel order" }
                    }
                },
                OrderState::Paid => rsx! {
                    p { class: "outcome success", id: "outcome", "Paid. The ticket is yours." }
                    {receipt(order, &price)}
                    p { a { href: "/", "Find more tickets" } }
                },
                OrderState::Expired => rsx! {
                    p { class: "outcome", id: "outcome",
                        "The hold expired before payment, so the order was cancelled. "
                        {went(order.ticket_went)}
                    }
                    p { a { href: "/tickets/{order.ticket_id}", "See the ticket" } }
                },
                OrderState::Cancelled => rsx! {
                    p { class: "outcome", id: "outcome",
                        "This order was cancelled. "
                        {went(order.ticket_went)}
                    }
                    p { a { href: "/tickets/{order.ticket_id}", "See the ticket" } }
                },
            }
            p { class: "aside", a { href: "/orders", "All my orders" } }
        }
        // Watches the order and ticks the countdown in any state, so a page left open follows it.
        script { src: ORDER_SCRIPT.path, defer: true }
    }
}

fn payment_form(order: &OrderPage, price: &str, csrf: &str) -> Element {
    let error = order.payment_error.as_deref();
    let Some(stripe) = &order.stripe else {
        return rsx! { p { class: "alert", "Card payments are not set up on this server." } };
    };
    rsx! {
        form {
            id: "payment-form",
            method: "post",
            action: "/orders/{order.id}/pay",
            "data-stripe-key": "{stripe.publishable_key}",
            {csrf_input(csrf)}
            input { r#type: "hidden", name: "payment_method", id: "payment-method" }
            div { class: if error.is_some() { "field invalid" } else { "field" },
                // Stripe.js puts the card's inputs in a frame of its own: the label names the group.
                p { class: "field-label", id: "card-label", "Card" }
                div { id: "card-element", class: "card-input", role: "group", "aria-labelledby": "card-label", "aria-describedby": "card-errors",
                    noscript { "Paying by card needs JavaScript, so that your card number goes straight to Stripe and never to us." }
                }
                p { class: "field-error", id: "card-errors", role: "alert",
                    if let Some(message) = error { "{message}" }
                }
            }
            button { r#type: "submit", class: "primary", id: "pay-button", "Pay {price}" }
        }
        // Deferred like the order script, which it precedes, so it still runs first.
        script { src: "{stripe.js_url}", defer: true }
    }
}

/// Where the ticket went, in the words of what happened to it.
fn went(went: Option<TicketWent>) -> &'static str {
    match went {
        Some(TicketWent::ToTheWaitingList) => {
            "The ticket went to the next person on its waiting list."
        }
        Some(TicketWent::ToAnotherBuyer) => {
            "The ticket went back on sale, and someone else has ordered it since."
        }
        Some(TicketWent::BackOnSale) | None => "The ticket is for sale again.",
    }
}

/// A paid order as a receipt: what, how much, how paid, when, and the reference to quote.
fn receipt(order: &OrderPage, price: &str) -> Element {
    let Some(receipt) = &order.receipt else {
        return rsx! {};
    };
    rsx! {
        dl { class: "receipt", id: "receipt",
            dt { "Ticket" } dd { "{order.ticket_title}" }
            dt { "Price" } dd { "{price}" }
            if let Some(card) = &receipt.card {
                dt { "Card" } dd { "{card}" }
            }
            dt { "Paid" } dd { {moment(&receipt.paid_at)} }
            dt { "Order reference" } dd { code { "{order.id}" } }
        }
    }
}

/// "Cancel your order?", asked once on a page of its own, so it needs no JavaScript.
pub(super) fn cancel_order(order_id: OrderId, ticket_title: &str, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Cancel your order?" }
            p { "You will no longer hold ", strong { "{ticket_title}" }, ". It goes to the next person on its waiting list, or back on sale." }
            form { method: "post", action: "/orders/{order_id}/cancel",
                {csrf_input(csrf)}
                button { r#type: "submit", class: "danger", "Yes, cancel my order" }
            }
            p { class: "aside", a { href: "/orders/{order_id}", "No, keep my order" } }
        }
    }
}
