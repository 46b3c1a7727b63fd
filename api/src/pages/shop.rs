//! The tickets: what is for sale, selling one, one ticket's page with Buy and its owner's edit form.

use std::collections::BTreeMap;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{Html, Response};
use boxoffice_activities::entities::ticket;
use boxoffice_domain::TicketId;
use boxoffice_domain::saga::Standing;
use boxoffice_web::view::{
    Availability, Form, Page, SearchBox, TicketPage, TicketSummary, Viewer, WaitlistBox, YourOrder,
};
use chrono::Utc;

use crate::accounts::Accounts;
use crate::auth::SessionKeys;
use crate::domain::{self, FieldError, Invalid, Price, Title};
use crate::extract::Query;
use crate::listing::{self, DEFAULT_PAGE_SIZE};
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
use crate::pages::flash::{Flash, redirect_with};
use crate::pages::forms::{CsrfForm, Fields, RecordForm};
use crate::pages::{PageId, moment, render};
use crate::purchases::{Bought, Purchases};
use crate::routes::PageQuery;
use crate::search::{self, SearchQuery};
use crate::tickets::{Change, Tickets};
use crate::waitlist::Waitlists;

fn summary(ticket: &ticket::Model) -> TicketSummary {
    TicketSummary {
        id: ticket.id,
        title: ticket.title.clone(),
        price_cents: ticket.price_cents,
    }
}

pub async fn home(
    context: PageContext,
    State(tickets): State<Tickets>,
    Query(query): Query<PageQuery>,
    Query(asked): Query<SearchQuery>,
) -> Result<Html<Bytes>, PageError> {
    let request = query.request().map_err(|_| PageError::NotFound)?;
    let mut search_box = SearchBox {
        q: asked.q.clone().unwrap_or_default(),
        min_price: asked.min_price.clone().unwrap_or_default(),
        max_price: asked.max_price.clone().unwrap_or_default(),
        sort: asked.sort.clone().unwrap_or_else(|| "newest".to_owned()),
        ..SearchBox::default()
    };
    let search = match asked.search() {
        Ok(search) => search,
        Err(Invalid(errors)) => {
            // The form again, with why; no tickets rather than the wrong ones.
            search_box.errors = errors.into_iter().map(|e| e.message).collect();
            let empty = listing::Page {
                rows: Vec::new(),
                next_after: None,
            };
            return Ok(home_page(&context, empty, search_box, ""));
        }
    };
    if !search.is_everything() {
        search_box.active = true;
        search_box.matched = search
            .words
            .as_deref()
            .map(search::matched_words)
            .unwrap_or_default();
        let page = tickets.search(&search, request).await?;
        let again = format!("{}&", search::query_string(&search));
        return Ok(home_page(&context, page, search_box, &again));
    }
    if context.is_any_visitor() && listing::is_the_usual_first_page(&request) {
        // Nearly every view: made once per catalog change, then the same bytes for everyone.
        let first = tickets.first_page().await?;
        let page = first
            .shown_to_visitors
            .get_or_init(|| home_page(&context, first.page(DEFAULT_PAGE_SIZE), search_box, "").0);
        return Ok(Html(page.clone()));
    }
    let page = tickets.for_sale(request).await?;
    Ok(home_page(&context, page, search_box, ""))
}

/// The home page with `page` of tickets; `again` is the search's query (ending in `&`) that the
/// next page's link keeps.
fn home_page(
    context: &PageContext,
    page: listing::Page<ticket::Model>,
    search: SearchBox,
    again: &str,
) -> Html<Bytes> {
    let tickets = page.rows.iter().map(summary).collect();
    let more = page
        .next_after
        .map(|after| format!("/?{again}after={after}"));
    let Html(html) = render(
        context,
        &Page::Home {
            tickets,
            more,
            search,
        },
    );
    Html(Bytes::from(html))
}

pub async fn new_ticket_page(context: PageContext) -> Result<Html<String>, PageError> {
    context.require_user("/tickets/new")?;
    let form = context.flash.form_or(Form::default);
    Ok(render(&context, &Page::NewTicket { form }))
}

fn parse_ticket(fields: &Fields) -> Result<(Title, Price), Invalid> {
    domain::both(
        Title::parse(fields.text("title").as_ref()),
        Price::parse(fields.amount("price").as_ref()),
    )
}

pub async fn sell(
    context: PageContext,
    State(tickets): State<Tickets>,
    State(keys): State<Arc<SessionKeys>>,
    CsrfForm(fields): CsrfForm,
) -> Result<Response, PageError> {
    let seller = context.require_user("/tickets/new")?;
    let listed = match parse_ticket(&fields) {
        Ok((title, price)) => tickets
            .sell(seller.id, title, price)
            .await
            .map_err(Refusal::from),
        Err(invalid) => Err(invalid.into()),
    };
    Ok(match listed {
        Ok(ticket) => redirect_with(
            &format!("/tickets/{}", ticket.id),
            Flash::notice("Your ticket is listed for sale."),
            &keys,
        ),
        Err(err) => fields.refused("/tickets/new", err, &keys),
    })
}

/// The price as the edit form shows it: `25.00`.
fn price_text(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

pub async fn ticket_page(
    context: PageContext,
    State(accounts): State<Accounts>,
    State(tickets): State<Tickets>,
    State(waitlists): State<Waitlists>,
    PageId(id): PageId<TicketId>,
) -> Result<Html<String>, PageError> {
    let ticket = tickets.find(id).await?;
    let holder = tickets.holder(&ticket).await?;
    let standing = holder.as_ref().map(|holder| holder.order.standing());
    let availability = match standing {
        None if ticket.withdrawn_at.is_some() => Availability::Withdrawn,
        None => Availability::ForSale,
        Some(Standing::Paid) => Availability::Sold,
        Some(_) => Availability::OnHold,
    };
    let viewer = context.user.as_ref().map(|user| {
        if user.id == ticket.user_id {
            Viewer::Owner
        } else {
            Viewer::Shopper
        }
    });
    let flashed = context.flash.form_or(Form::default);
    // A flash with a title came from the edit form; anything else from Buy.
    let (edit, buy_errors) = if flashed.values.contains_key("title") {
        (flashed, Vec::new())
    } else {
        let values = BTreeMap::from([
            ("title".to_owned(), ticket.title.clone()),
            ("price".to_owned(), price_text(ticket.price_cents)),
        ]);
        let buy_errors = flashed.errors.into_iter().map(|e| e.message).collect();
        (
            Form {
                values,
                errors: Vec::new(),
            },
            buy_errors,
        )
    };
    let list = waitlists
        .view(ticket.id, context.user.as_ref().map(|u| u.id))
        .await?;
    let your_turn = waitlists.turn_to_pay(&list).await?;
    let viewer_id = context.user.as_ref().map(|user| user.id);
    let your_order = holder
        .as_ref()
        .filter(|holder| Some(holder.order.user_id) == viewer_id)
        .map(|holder| YourOrder {
            id: holder.order.id,
            paid: standing == Some(Standing::Paid),
            seconds_left: (holder.order.expires_at - Utc::now()).num_seconds().max(0),
            from_waitlist: your_turn == Some(holder.order.id),
        });
    let sold_at = match (viewer, &holder) {
        (Some(Viewer::Owner), Some(holder)) => holder
            .payment
            .as_ref()
            .map(|payment| moment(payment.created_at)),
        _ => None,
    };
    // Only a shopper who may join is asked to verify first (one read, only then).
    let verified = match (&context.user, viewer, availability, list.position) {
        (Some(user), Some(Viewer::Shopper), Availability::OnHold, None) => {
            accounts.is_verified(user.id).await?
        }
        _ => true,
    };
    let waitlist = WaitlistBox {
        waiting: list.waiting,
        position: list.position,
        your_turn,
        note: list.note,
        verified,
    };
    let page = Page::Ticket(Box::new(TicketPage {
        ticket: summary(&ticket),
        availability,
        viewer,
        buy_errors,
        edit,
        version: ticket.version,
        waitlist,
        your_order,
        sold_at,
    }));
    Ok(render(&context, &page))
}

pub async fn edit_ticket(State(tickets): State<Tickets>, form: RecordForm<TicketId>) -> Response {
    let version = form
        .fields
        .get("version")
        .map(|v| v.trim().parse::<i32>())
        .transpose()
        .map_err(|_| Refusal::from(FieldError::new("version", "Reload the page and try again")));
    let edited = match (parse_ticket(&form.fields), version) {
        (Ok((title, price)), Ok(seen_version)) => {
            let change = Change {
                title,
                price,
                seen_version,
            };
            tickets
                .change(form.id, form.user.id, change)
                .await
                .map_err(Refusal::from)
        }
        (Err(invalid), _) => Err(invalid.into()),
        (_, Err(refusal)) => Err(refusal),
    };
    // A refusal keeps the title in the flash, so the page knows it was the edit form that failed.
    form.back(edited.map(|_| "Your changes are saved.".to_owned()))
}

/// The seller takes the ticket off sale, back to its page.
pub async fn withdraw(State(tickets): State<Tickets>, form: RecordForm<TicketId>) -> Response {
    let withdrawn = tickets.withdraw(form.id, form.user.id).await;
    form.back(withdrawn.map(|_| "Your ticket is withdrawn from sale.".to_owned()))
}

pub async fn buy(State(purchases): State<Purchases>, form: RecordForm<TicketId>) -> Response {
    match purchases.buy(form.user.id, form.id).await {
        Ok(Bought::Placed(order_id)) => form.on_to(
            &format!("/orders/{order_id}"),
            "The ticket is held for you. Pay before the time runs out to keep it.",
        ),
        Ok(Bought::AlreadyHeld(order_id)) => form.on_to(
            &format!("/orders/{order_id}"),
            "You are already holding this ticket: here is your order.",
        ),
        Err(err) => form.refused(err),
    }
}

/// Joins the ticket's waiting list, back to the ticket with the shopper's place.
pub async fn join_waitlist(
    State(waitlists): State<Waitlists>,
    form: RecordForm<TicketId>,
) -> Response {
    let joined = waitlists.join(form.id, form.user.id).await;
    form.back(
        joined.map(|place| format!("You are on the waiting list: number {}.", place.position)),
    )
}

/// Leaves the ticket's waiting list.
pub async fn leave_waitlist(
    State(waitlists): State<Waitlists>,
    form: RecordForm<TicketId>,
) -> Response {
    let left = waitlists.leave(form.id, form.user.id).await;
    form.back(left.map(|()| "You left the waiting list.".to_owned()))
}
