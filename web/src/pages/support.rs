//! The support desk (staff only): search a customer's orders, see each with its payment, refund
//! and workflows, and refund a paid one with a reason.

use dioxus::prelude::*;

use super::forms::csrf_input;
use crate::format::money;
use crate::view::{SupportOrderRow, SupportPage};

pub(super) fn support_page(page: &SupportPage, csrf: &str) -> Element {
    let search = &page.search;
    let search_errors: Vec<&str> = search.general_errors(&[]).collect();
    rsx! {
        h1 { "Support desk" }
        section { class: "panel",
            form { method: "get", action: "/support", id: "support-search", class: "support-search",
                p { class: "hint", "Find orders by the customer's e-mail, an order id or a ticket id (one of them)." }
                div { class: "field",
                    label { r#for: "email", "Customer e-mail" }
                    input { id: "email", name: "email", r#type: "email", value: "{search.value(\"email\")}" }
                }
                div { class: "field",
                    label { r#for: "orderId", "Order id" }
                    input { id: "orderId", name: "orderId", r#type: "text", value: "{search.value(\"orderId\")}" }
                }
                div { class: "field",
                    label { r#for: "ticketId", "Ticket id" }
                    input { id: "ticketId", name: "ticketId", r#type: "text", value: "{search.value(\"ticketId\")}" }
                }
                for message in search_errors {
                    p { class: "alert", role: "alert", "{message}" }
                }
                button { r#type: "submit", class: "primary", id: "search-button", "Search" }
            }
        }
        if page.searched && page.orders.is_empty() && search.errors.is_empty() {
            section { class: "panel empty", id: "no-orders", p { "No orders found." } }
        }
        for order in &page.orders {
            {order_panel(order, page, csrf)}
        }
    }
}

fn order_panel(order: &SupportOrderRow, page: &SupportPage, csrf: &str) -> Element {
    let price = money(order.price_cents);
    let refund_error = page
        .refund
        .errors
        .first()
        .map(|error| error.message.clone());
    rsx! {
        section { class: "panel support-order", id: "order-{order.id}",
            "data-order-id": "{order.id}", "data-state": order.state,
            h2 { "{order.ticket_title} · {price}" }
            p { span { class: "badge", "{order.state}" } }
            dl { class: "facts",
                dt { "Order" } dd { code { "{order.id}" } }
                dt { "Customer" } dd { "{order.buyer_email}" }
                dt { "Ticket" } dd { a { href: "/tickets/{order.ticket_id}", "{order.ticket_title}" } " " code { "{order.ticket_id}" } }
                dt { "Placed" } dd { "{order.created_at}" }
                dt { "Hold until" } dd { "{order.expires_at}" }
                if let Some(paid_at) = &order.paid_at {
                    dt { "Paid" } dd { "{paid_at}" }
                }
                if let Some(charge) = &order.charge_id {
                    dt { "Payment" }
                    dd {
                        code { "{charge}" }
                        if let Some(card) = &order.card { ", {card}" }
                    }
                }
                if let Some(refund) = &order.refund {
                    dt { "Refund" }
                    dd { class: "refund",
                        if let Some(id) = &refund.id { code { "{id}" } " " }
                        "by staff {refund.by}"
                        if let Some(at) = &refund.at { ", {at}" }
                        ": {refund.reason}"
                    }
                }
                dt { "Workflow" }
                dd {
                    match &order.workflow_url {
                        Some(url) => rsx! { a { href: "{url}", class: "workflow-link", "{order.workflow_id}" } },
                        None => rsx! { code { "{order.workflow_id}" } },
                    }
                }
                if order.refund.is_some() {
                    dt { "Refund workflow" }
                    dd {
                        match &order.refund_workflow_url {
                            Some(url) => rsx! { a { href: "{url}", class: "workflow-link", "{order.refund_workflow_id}" } },
                            None => rsx! { code { "{order.refund_workflow_id}" } },
                        }
                    }
                }
            }
            if order.refundable {
                form { method: "post", action: "/support/orders/{order.id}/refund", class: "refund-form",
                    {csrf_input(csrf)}
                    div { class: if refund_error.is_some() { "field invalid" } else { "field" },
                        label { r#for: "reason-{order.id}", "Reason for the refund" }
                        textarea { id: "reason-{order.id}", name: "reason", required: true, maxlength: "500",
                            "{page.refund.value(\"reason\")}"
                        }
                        if let Some(message) = &refund_error {
                            p { class: "field-error", role: "alert", "{message}" }
                        }
                    }
                    button { r#type: "submit", class: "secondary", "Refund {price}" }
                }
            }
        }
    }
}
