//! A buyer's orders, and one order: its countdown, the card form, its outcome.

use dioxus::prelude::*;

use super::forms::csrf_input;
use crate::assets::ORDER_SCRIPT;
use crate::format::{countdown, money};
use crate::view::{OrderPage, OrderState, OrderSummary};

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
                            td { "{order.placed_at}" }
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
                    form { method: "post", action: "/orders/{order.id}/cancel", class: "cancel",
                        {csrf_input(csrf)}
                        button { r#type: "submit", class: "secondary", "Cancel order" }
                    }
                },
                OrderState::Paid => rsx! {
                    p { class: "outcome success", id: "outcome", "Paid. The ticket is yours." }
                    if let Some(payment_id) = order.payment_id {
                        p { class: "hint", "Payment reference: ", code { "{payment_id}" } }
                    }
                },
                OrderState::Expired => rsx! {
                    p { class: "outcome", id: "outcome", "The hold expired before payment, so the order was cancelled and the ticket is for sale again." }
                    p { a { href: "/tickets/{order.ticket_id}", "See the ticket" } }
                },
                OrderState::Cancelled => rsx! {
                    p { class: "outcome", id: "outcome", "This order was cancelled and the ticket is for sale again." }
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
                label { r#for: "card-element", "Card" }
                div { id: "card-element", class: "card-input", "aria-describedby": "card-errors",
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
