//! The markup of each page. Plain functions from view-models to elements: no state, no hooks.

use dioxus::prelude::*;

use crate::assets::{ICON, ORDER_SCRIPT, STYLESHEET};
use crate::format::{countdown, money};
use crate::view::{
    AuthKind, Availability, CSRF_FIELD, Chrome, Form, OrderPage, OrderState, OrderSummary, Page,
    TicketSummary, Viewer, WaitlistBox,
};

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
        Page::NewTicket { .. } => "Sell a ticket".into(),
        Page::Ticket { ticket, .. } => ticket.title.clone(),
        Page::Orders { .. } => "My orders".into(),
        Page::Order(order) => format!("Order for {}", order.ticket_title),
        Page::Error { title, .. } => title.clone(),
    }
}

/// What search engines show under the title.
fn page_description(page: &Page) -> String {
    match page {
        Page::Ticket { ticket, .. } => format!(
            "{} for {} on boxoffice: buy it, and it is held for you while you pay.",
            ticket.title,
            money(ticket.price_cents)
        ),
        _ => "boxoffice: buy and sell tickets. A ticket you order is held for you while you pay \
              by card."
            .into(),
    }
}

fn content(chrome: &Chrome, page: &Page) -> Element {
    let csrf = chrome.csrf_token.as_str();
    match page {
        Page::Home { tickets, more } => home(tickets, more.as_deref(), chrome.signed_in.is_some()),
        Page::Auth { kind, form, next } => auth(*kind, form, next.as_deref(), csrf),
        Page::SignOut => sign_out(chrome, csrf),
        Page::NewTicket { form } => new_ticket(form, csrf),
        Page::Ticket {
            ticket,
            availability,
            viewer,
            buy_errors,
            edit,
            version,
            waitlist,
        } => ticket_page(
            TicketView {
                ticket,
                availability: *availability,
                viewer: *viewer,
                buy_errors,
                edit,
                version: *version,
                waitlist,
            },
            chrome,
        ),
        Page::Orders { orders, more } => orders_page(orders, more.as_deref()),
        Page::Order(order) => order_page(order, csrf),
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

fn header(chrome: &Chrome) -> Element {
    rsx! {
        header { class: "site-header",
            a { class: "brand", href: "/", "boxoffice" }
            nav { "aria-label": "Main",
                match &chrome.signed_in {
                    Some(email) => rsx! {
                        a { href: "/tickets/new", "Sell a ticket" }
                        a { href: "/orders", "My orders" }
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

fn csrf_input(token: &str) -> Element {
    rsx! { input { r#type: "hidden", name: CSRF_FIELD, value: "{token}" } }
}

fn home(tickets: &[TicketSummary], more: Option<&str>, signed_in: bool) -> Element {
    rsx! {
        h1 { "Tickets for sale" }
        if tickets.is_empty() {
            section { class: "panel empty",
                p { "Nothing is for sale right now." }
                if signed_in {
                    p { a { class: "button", href: "/tickets/new", "Sell a ticket" } }
                } else {
                    p { a { href: "/auth/signup", "Sign up" } " to sell yours." }
                }
            }
        } else {
            ul { class: "tickets",
                for ticket in tickets {
                    li { key: "{ticket.id}", class: "ticket-card",
                        a { href: "/tickets/{ticket.id}", class: "ticket-title", "{ticket.title}" }
                        span { class: "price", {money(ticket.price_cents)} }
                    }
                }
            }
            if let Some(more) = more {
                p { class: "more", a { class: "button", href: "{more}", rel: "next", "More tickets" } }
            }
        }
    }
}

/// A labelled input with its error, if any, tied to it for screen readers.
struct Field<'a> {
    name: &'a str,
    label: &'a str,
    kind: &'a str,
    autocomplete: &'a str,
    hint: Option<&'a str>,
}

fn field(form: &Form, spec: Field<'_>, extra: Element) -> Element {
    let error = form.error(spec.name);
    let error_id = format!("{}-error", spec.name);
    let hint_id = format!("{}-hint", spec.name);
    let described_by = match (error.is_some(), spec.hint.is_some()) {
        (true, _) => error_id.clone(),
        (false, true) => hint_id.clone(),
        (false, false) => String::new(),
    };
    // Passwords are never sent back to the browser.
    let value = if spec.kind == "password" {
        ""
    } else {
        form.value(spec.name)
    };
    rsx! {
        div { class: if error.is_some() { "field invalid" } else { "field" },
            label { r#for: spec.name, "{spec.label}" }
            input {
                id: spec.name,
                name: spec.name,
                r#type: spec.kind,
                value: "{value}",
                autocomplete: spec.autocomplete,
                "aria-invalid": if error.is_some() { "true" } else { "false" },
                "aria-describedby": described_by,
                {extra}
            }
            if let Some(hint) = spec.hint {
                if error.is_none() {
                    p { class: "hint", id: hint_id, "{hint}" }
                }
            }
            if let Some(message) = error {
                p { class: "field-error", id: error_id, "{message}" }
            }
        }
    }
}

fn form_errors<'a>(messages: impl Iterator<Item = &'a str>) -> Element {
    let messages: Vec<&str> = messages.collect();
    rsx! {
        if !messages.is_empty() {
            div { class: "alert", role: "alert",
                for message in messages {
                    p { "{message}" }
                }
            }
        }
    }
}

fn auth(kind: AuthKind, form: &Form, next: Option<&str>, csrf: &str) -> Element {
    let (heading, action, button, password_autocomplete) = match kind {
        AuthKind::SignUp => ("Sign up", "/auth/signup", "Create account", "new-password"),
        AuthKind::SignIn => ("Sign in", "/auth/signin", "Sign in", "current-password"),
    };
    let hint = (kind == AuthKind::SignUp).then_some("At least 8 characters.");
    rsx! {
        section { class: "panel narrow",
            h1 { "{heading}" }
            {form_errors(form.general_errors(&["email", "password"]))}
            form { method: "post", action: action, novalidate: true,
                {csrf_input(csrf)}
                if let Some(next) = next {
                    input { r#type: "hidden", name: "next", value: "{next}" }
                }
                {field(form, Field { name: "email", label: "Email", kind: "email", autocomplete: "email", hint: None }, rsx! {})}
                {field(form, Field { name: "password", label: "Password", kind: "password", autocomplete: password_autocomplete, hint }, rsx! {})}
                button { r#type: "submit", class: "primary", "{button}" }
            }
            match kind {
                AuthKind::SignUp => rsx! { p { class: "aside", "Have an account? " a { href: "/auth/signin", "Sign in" } } },
                AuthKind::SignIn => rsx! { p { class: "aside", "New here? " a { href: "/auth/signup", "Sign up" } } },
            }
        }
    }
}

fn sign_out(chrome: &Chrome, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Sign out" }
            if chrome.signed_in.is_some() {
                form { method: "post", action: "/auth/signout",
                    {csrf_input(csrf)}
                    p { "Sign out of boxoffice on this browser?" }
                    button { r#type: "submit", class: "primary", "Sign out" }
                }
                form { method: "post", action: "/auth/signout",
                    {csrf_input(csrf)}
                    input { r#type: "hidden", name: "everywhere", value: "1" }
                    p { "Lost a phone, or signed in on someone else's computer?" }
                    button { r#type: "submit", "Sign out everywhere" }
                }
            } else {
                p { "You are signed out." }
                p { a { href: "/", "Back to the tickets" } }
            }
        }
    }
}

fn ticket_fields(form: &Form) -> Element {
    rsx! {
        {field(form, Field { name: "title", label: "Title", kind: "text", autocomplete: "off", hint: None }, rsx! {})}
        {field(form, Field { name: "price", label: "Price (USD)", kind: "text", autocomplete: "off", hint: Some("For example 25 or 19.99.") }, rsx! {})}
    }
}

fn new_ticket(form: &Form, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Sell a ticket" }
            {form_errors(form.general_errors(&["title", "price"]))}
            form { method: "post", action: "/tickets/new", novalidate: true,
                {csrf_input(csrf)}
                {ticket_fields(form)}
                button { r#type: "submit", class: "primary", "List ticket" }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
struct TicketView<'a> {
    ticket: &'a TicketSummary,
    availability: Availability,
    viewer: Option<Viewer>,
    buy_errors: &'a [String],
    edit: &'a Form,
    version: i32,
    waitlist: &'a WaitlistBox,
}

fn ticket_page(view: TicketView<'_>, chrome: &Chrome) -> Element {
    let TicketView {
        ticket,
        availability,
        viewer,
        buy_errors,
        edit,
        version,
        waitlist,
    } = view;
    let csrf = chrome.csrf_token.as_str();
    let hold = chrome.hold.as_str();
    let (badge_class, badge) = match availability {
        Availability::ForSale => ("badge for-sale", "For sale"),
        Availability::OnHold => ("badge held", "On hold"),
        Availability::Sold => ("badge sold", "Sold"),
    };
    let price = money(ticket.price_cents);
    rsx! {
        section { class: "panel",
            p { span { class: badge_class, "{badge}" } }
            h1 { class: "ticket-heading", "{ticket.title}" }
            p { class: "price big", "{price}" }
            {form_errors(buy_errors.iter().map(String::as_str))}
            match (viewer, availability) {
                (Some(Viewer::Shopper), Availability::ForSale) => rsx! {
                    form { method: "post", action: "/tickets/{ticket.id}/order",
                        {csrf_input(csrf)}
                        button { r#type: "submit", class: "primary", "Buy for {price}" }
                        p { class: "hint", "We hold it for you for {hold} while you pay." }
                    }
                },
                (None, Availability::ForSale) => rsx! {
                    p { a { class: "button primary", href: "/auth/signin?next=/tickets/{ticket.id}", "Sign in to buy" } }
                },
                (Some(Viewer::Owner), _) => rsx! { p { class: "hint", "This is your ticket." } },
                (_, Availability::OnHold) if waitlist.your_turn.is_some() => rsx! { p { "This ticket is held for you." } },
                (_, Availability::OnHold) => rsx! { p { "Someone is buying this ticket. If they don't pay within {hold}, it goes to the first person on its waiting list, or back on sale." } },
                (_, Availability::Sold) => rsx! { p { "This ticket has been sold." } },
            }
        }
        {waitlist_panel(ticket, availability, viewer, waitlist, csrf, hold)}
        if viewer == Some(Viewer::Owner) {
            section { class: "panel",
                h2 { "Edit your ticket" }
                {form_errors(edit.general_errors(&["title", "price"]))}
                form { method: "post", action: "/tickets/{ticket.id}", novalidate: true,
                    {csrf_input(csrf)}
                    input { r#type: "hidden", name: "version", value: "{version}" }
                    fieldset { disabled: availability != Availability::ForSale,
                        if availability != Availability::ForSale {
                            p { class: "hint", "A ticket that is on hold or sold cannot be edited." }
                        }
                        {ticket_fields(edit)}
                        button { r#type: "submit", class: "primary", "Save changes" }
                    }
                }
            }
        }
    }
}

/// The waiting list: how many wait, and the viewer's way in, place, turn or note.
fn waitlist_panel(
    ticket: &TicketSummary,
    availability: Availability,
    viewer: Option<Viewer>,
    waitlist: &WaitlistBox,
    csrf: &str,
    hold: &str,
) -> Element {
    let people = match waitlist.waiting {
        1 => "1 person is waiting".to_owned(),
        n => format!("{n} people are waiting"),
    };
    let open = availability == Availability::OnHold;
    if !open && waitlist.your_turn.is_none() && waitlist.note.is_none() {
        return rsx! {};
    }
    rsx! {
        section { class: "panel waitlist", id: "waitlist",
            h2 { "Waiting list" }
            if let Some(order_id) = waitlist.your_turn {
                p { class: "notice", role: "status",
                    "It's your turn: the ticket is held for you. "
                    a { href: "/orders/{order_id}", "Pay within {hold}" }
                    "."
                }
            }
            if let Some(note) = &waitlist.note {
                p { class: "hint", "{note}" }
            }
            if open {
                p { id: "waiting-count", "{people}." }
                match (viewer, waitlist.position) {
                    (Some(Viewer::Shopper), Some(position)) => rsx! {
                        p { id: "your-position", "You are number {position}." }
                        form { method: "post", action: "/tickets/{ticket.id}/waitlist/leave",
                            {csrf_input(csrf)}
                            button { r#type: "submit", "Leave the waiting list" }
                        }
                    },
                    (Some(Viewer::Shopper), None) if waitlist.your_turn.is_none() => rsx! {
                        form { method: "post", action: "/tickets/{ticket.id}/waitlist",
                            {csrf_input(csrf)}
                            button { r#type: "submit", class: "primary", "Join the waiting list" }
                            p { class: "hint", "If the hold ends unpaid, the ticket is held for the first person waiting." }
                        }
                    },
                    (None, _) => rsx! {
                        p { a { href: "/auth/signin?next=/tickets/{ticket.id}", "Sign in" } " to join the waiting list." }
                    },
                    _ => rsx! {},
                }
            }
        }
    }
}

fn state_badge(state: OrderState) -> Element {
    let (class, title) = (state.label(), state.title());
    rsx! { span { class: "badge {class}", "{title}" } }
}

fn orders_page(orders: &[OrderSummary], more: Option<&str>) -> Element {
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

fn order_page(order: &OrderPage, csrf: &str) -> Element {
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
