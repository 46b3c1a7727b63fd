//! The tickets: what is for sale, selling one, one ticket's page with Buy, its waiting list and
//! its owner's edit form.

use dioxus::prelude::*;

use super::account::verify_button;
use super::forms::{Field, csrf_input, error_summary, field, form_errors, moment};
use crate::format::{countdown, money};
use crate::view::{
    Availability, Chrome, Form, SearchBox, TicketPage, TicketSummary, Viewer, WaitlistBox,
    YourOrder,
};

pub(super) fn home(
    tickets: &[TicketSummary],
    more: Option<&str>,
    search: &SearchBox,
    signed_in: bool,
) -> Element {
    rsx! {
        h1 { if search.active { "Search results" } else { "Tickets for sale" } }
        {search_form(search)}
        {form_errors(search.errors.iter().map(String::as_str))}
        if tickets.is_empty() && search.active {
            section { class: "panel empty", id: "no-results",
                if search.q.trim().is_empty() {
                    p { "No tickets match your search." }
                } else {
                    p { "No tickets match “{search.q.trim()}”." }
                }
                p { a { href: "/", "Clear the search" } }
            }
        } else if tickets.is_empty() && search.errors.is_empty() {
            section { class: "panel empty",
                p { "Nothing is for sale right now." }
                if signed_in {
                    p { a { class: "button", href: "/tickets/new", "Sell a ticket" } }
                } else {
                    p { a { href: "/auth/signup", "Sign up" } " to sell yours." }
                }
            }
        } else if !tickets.is_empty() {
            ul { class: "tickets",
                for ticket in tickets {
                    li { key: "{ticket.id}", class: "ticket-card",
                        a { href: "/tickets/{ticket.id}", class: "ticket-title",
                            for (part, marked) in highlighted(&ticket.title, &search.matched) {
                                if marked { mark { "{part}" } } else { "{part}" }
                            }
                        }
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

/// The search box: words, a price range and an order, sent with GET so a search is a link.
fn search_form(search: &SearchBox) -> Element {
    let sorts = [
        ("newest", "Newest first"),
        ("price_asc", "Price, low to high"),
        ("price_desc", "Price, high to low"),
    ];
    rsx! {
        form { class: "search", method: "get", action: "/", role: "search",
            div { class: "field grow",
                label { r#for: "q", "Search tickets" }
                input { r#type: "search", id: "q", name: "q", value: "{search.q}", maxlength: 200, placeholder: "An artist, a venue…" }
            }
            div { class: "field",
                label { r#for: "minPrice", "From $" }
                input { r#type: "text", id: "minPrice", name: "minPrice", value: "{search.min_price}", inputmode: "decimal", size: 6 }
            }
            div { class: "field",
                label { r#for: "maxPrice", "To $" }
                input { r#type: "text", id: "maxPrice", name: "maxPrice", value: "{search.max_price}", inputmode: "decimal", size: 6 }
            }
            div { class: "field",
                label { r#for: "sort", "Order" }
                select { id: "sort", name: "sort",
                    for (value, label) in sorts {
                        option { value: value, selected: search.sort == value, "{label}" }
                    }
                }
            }
            button { r#type: "submit", class: "primary", "Search" }
        }
    }
}

/// `title` in runs of word and non-word characters, each word run marked when it is one of
/// `matched` (lowercased words).
fn highlighted(title: &str, matched: &[String]) -> Vec<(String, bool)> {
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut run = String::new();
    let mut in_word = false;
    let flush = |run: &mut String, in_word: bool, parts: &mut Vec<(String, bool)>| {
        if run.is_empty() {
            return;
        }
        let marked = in_word && matched.contains(&run.to_lowercase());
        match parts.last_mut() {
            Some((text, false)) if !marked => text.push_str(run),
            _ => parts.push((std::mem::take(run), marked)),
        }
        run.clear();
    };
    for c in title.chars() {
        if c.is_alphanumeric() != in_word {
            flush(&mut run, in_word, &mut parts);
            in_word = c.is_alphanumeric();
        }
        run.push(c);
    }
    flush(&mut run, in_word, &mut parts);
    parts
}

fn ticket_fields(form: &Form) -> Element {
    rsx! {
        {field(form, Field { name: "title", label: "Title", kind: "text", autocomplete: "off", hint: None }, rsx! {})}
        {field(form, Field { name: "price", label: "Price (USD)", kind: "decimal", autocomplete: "off", hint: Some("For example 25 or 19.99.") }, rsx! {})}
    }
}

pub(super) fn new_ticket(form: &Form, csrf: &str) -> Element {
    rsx! {
        section { class: "panel narrow",
            h1 { "Sell a ticket" }
            {error_summary(form, &["title", "price"])}
            form { method: "post", action: "/tickets/new", novalidate: true,
                {csrf_input(csrf)}
                {ticket_fields(form)}
                button { r#type: "submit", class: "primary", "List ticket" }
            }
        }
    }
}

pub(super) fn ticket_page(page: &TicketPage, chrome: &Chrome) -> Element {
    let TicketPage {
        ticket,
        buy_errors,
        edit,
        waitlist,
        your_order,
        sold_at,
        ..
    } = page;
    let (availability, viewer, version) = (page.availability, page.viewer, page.version);
    let csrf = chrome.csrf_token.as_str();
    let hold = chrome.hold.as_str();
    let (badge_class, badge) = match availability {
        Availability::ForSale => ("badge for-sale", "For sale"),
        Availability::OnHold => ("badge held", "On hold"),
        Availability::Sold => ("badge sold", "Sold"),
        Availability::Withdrawn => ("badge withdrawn", "Withdrawn"),
    };
    let price = money(ticket.price_cents);
    rsx! {
        section { class: "panel",
            p { span { class: badge_class, "{badge}" } }
            h1 { class: "ticket-heading", "{ticket.title}" }
            p { class: "price big", "{price}" }
            {form_errors(buy_errors.iter().map(String::as_str))}
            match (viewer, availability, your_order) {
                (_, _, Some(yours)) => your_order_panel(yours, &price),
                (_, Availability::Withdrawn, _) => rsx! { p { "The seller has withdrawn this ticket from sale." } },
                (Some(Viewer::Owner), Availability::Sold, _) => rsx! {
                    p { class: "outcome success", id: "sold",
                        "You sold this ticket for {price}"
                        if let Some(sold_at) = sold_at { " on " {moment(sold_at)} }
                        "."
                    }
                },
                (Some(Viewer::Owner), _, _) => rsx! { p { class: "hint", "This is your ticket." } },
                (Some(Viewer::Shopper), Availability::ForSale, _) => rsx! {
                    form { method: "post", action: "/tickets/{ticket.id}/order",
                        {csrf_input(csrf)}
                        button { r#type: "submit", class: "primary", "Buy for {price}" }
                        p { class: "hint", "We hold it for you for {hold} while you pay." }
                    }
                },
                (None, Availability::ForSale, _) => rsx! {
                    p { a { class: "button primary", href: "/auth/signin?next=/tickets/{ticket.id}", "Sign in to buy" } }
                },
                (_, Availability::OnHold, _) => rsx! { p { "Someone is buying this ticket. If they don't pay within {hold}, it goes to the first person on its waiting list, or back on sale." } },
                (_, Availability::Sold, _) => rsx! { p { "This ticket has been sold." } },
            }
        }
        if your_order.is_none() {
            {waitlist_panel(ticket, availability, viewer, waitlist, csrf)}
        }
        if viewer == Some(Viewer::Owner) {
            section { class: "panel",
                h2 { "Edit your ticket" }
                {error_summary(edit, &["title", "price"])}
                form { method: "post", action: "/tickets/{ticket.id}", novalidate: true,
                    {csrf_input(csrf)}
                    input { r#type: "hidden", name: "version", value: "{version}" }
                    fieldset { disabled: availability != Availability::ForSale,
                        if availability != Availability::ForSale {
                            p { class: "hint", "A ticket that is on hold, sold or withdrawn cannot be edited." }
                        }
                        {ticket_fields(edit)}
                        button { r#type: "submit", class: "primary", "Save changes" }
                    }
                }
            }
            if availability == Availability::ForSale {
                section { class: "panel",
                    h2 { "Withdraw your ticket" }
                    form { method: "post", action: "/tickets/{ticket.id}/withdraw",
                        {csrf_input(csrf)}
                        p { class: "hint", "It leaves the listings for good and can no longer be bought." }
                        button { r#type: "submit", "Withdraw" }
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
) -> Element {
    let people = match waitlist.waiting {
        1 => "1 person is waiting".to_owned(),
        n => format!("{n} people are waiting"),
    };
    let open = availability == Availability::OnHold;
    if !open && waitlist.note.is_none() {
        return rsx! {};
    }
    rsx! {
        section { class: "panel waitlist", id: "waitlist",
            h2 { "Waiting list" }
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
                    (Some(Viewer::Shopper), None) if !waitlist.verified => rsx! {
                        p { id: "verify-to-join", "Joining a waiting list needs a verified e-mail address: we e-mail you a link, and following it verifies the address." }
                        {verify_button(csrf, &format!("/tickets/{}", ticket.id), "Verify your e-mail to join")}
                    },
                    (Some(Viewer::Shopper), None) => rsx! {
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

/// The viewer's own order for this ticket: pay for it while it is held, or see what they bought.
fn your_order_panel(yours: &YourOrder, price: &str) -> Element {
    if yours.paid {
        return rsx! {
            p { class: "outcome success", id: "yours", "You bought this ticket." }
            p { a { class: "button", href: "/orders/{yours.id}", "See your receipt" } }
        };
    }
    let left = countdown(yours.seconds_left);
    rsx! {
        p { class: "notice", id: "yours", role: "status",
            if yours.from_waitlist { "It's your turn on the waiting list: " }
            "You're holding this ticket — pay within "
            strong { "{left}" }
            " to keep it."
        }
        p { a { class: "button primary", href: "/orders/{yours.id}", "Pay {price}" } }
    }
}

#[cfg(test)]
mod tests {
    use super::highlighted;

    #[test]
    fn the_searched_words_of_a_title_are_marked_in_any_case() {
        let matched = vec!["coldplay".to_owned(), "rocks".to_owned()];
        assert_eq!(
            highlighted("COLDPLAY at Red Rocks, row 2", &matched),
            [
                ("COLDPLAY".to_owned(), true),
                (" at Red ".to_owned(), false),
                ("Rocks".to_owned(), true),
                (", row 2".to_owned(), false),
            ]
        );
        assert_eq!(highlighted("Adele", &[]), [("Adele".to_owned(), false)]);
    }
}
