//! A shopper's orders: the list, and one order's page with its countdown, card form and Cancel.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use boxoffice_activities::entities::order;
use boxoffice_activities::store::orders::Oldest;
use boxoffice_domain::OrderId;
use boxoffice_domain::saga::Standing;
use boxoffice_web::view::{
    OrderPage, OrderState, OrderSummary, Page, Receipt, StripeSetup, TicketWent,
};
use chrono::Utc;

use crate::domain::PaymentToken;
use crate::extract::Query;
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
use crate::pages::forms::RecordForm;
use crate::pages::{PageId, moment, render};
use crate::purchases::Purchases;
use crate::routes::PageQuery;
use crate::state::Settings;
use crate::waitlist::Waitlists;

fn state_of(order: &order::Model) -> OrderState {
    match order.standing() {
        Standing::Held => OrderState::Held,
        Standing::Paid => OrderState::Paid,
        Standing::Expired => OrderState::Expired,
        Standing::Cancelled => OrderState::Cancelled,
    }
}

pub async fn orders_page(
    context: PageContext,
    State(purchases): State<Purchases>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, PageError> {
    let buyer = context.require_user("/orders")?;
    let request = query.request().map_err(|_| PageError::NotFound)?;
    // Newest first: the order you just placed is the one you are looking for.
    let page = purchases.orders_of(buyer.id, request, Oldest::Last).await?;
    let orders = page
        .rows
        .iter()
        .map(|(order, ticket)| OrderSummary {
            id: order.id,
            ticket_title: ticket.title.clone(),
            price_cents: ticket.price_cents,
            state: state_of(order),
            placed_at: moment(order.created_at),
        })
        .collect();
    let more = page
        .next_after
        .map(|after| format!("/orders?after={after}"));
    Ok(render(&context, &Page::Orders { orders, more }))
}

pub async fn order_page(
    context: PageContext,
    State(purchases): State<Purchases>,
    State(waitlists): State<Waitlists>,
    State(settings): State<Arc<Settings>>,
    PageId(id): PageId<OrderId>,
) -> Result<Html<String>, PageError> {
    let buyer = context.require_user(&format!("/orders/{id}"))?;
    let (order, ticket) = purchases.own_order(buyer.id, id).await?;
    let from_waitlist = waitlists.origin_of(order.id).await?.is_some();
    let state = state_of(&order);
    let receipt = match state {
        OrderState::Paid => purchases.payment_of(&order).await?.map(|payment| Receipt {
            card: payment.card,
            paid_at: moment(payment.created_at),
        }),
        _ => None,
    };
    let ticket_went = match (state, ticket.order_id) {
        (OrderState::Held | OrderState::Paid, _) => None,
        (_, None) => Some(TicketWent::BackOnSale),
        (_, Some(next)) if waitlists.origin_of(next).await?.is_some() => {
            Some(TicketWent::ToTheWaitingList)
        }
        (_, Some(_)) => Some(TicketWent::ToAnotherBuyer),
    };
    let stripe = settings
        .stripe
        .publishable_key
        .as_ref()
        .map(|key| StripeSetup {
            js_url: settings.stripe.js_url.clone(),
            publishable_key: key.clone(),
        });
    let page = OrderPage {
        id: order.id,
        ticket_id: ticket.id,
        ticket_title: ticket.title,
        price_cents: ticket.price_cents,
        state,
        expires_at: order
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        seconds_left: (order.expires_at - Utc::now()).num_seconds().max(0),
        receipt,
        ticket_went,
        payment_error: context
            .flash
            .errors
            .first()
            .map(|(_, message)| message.clone()),
        stripe,
        from_waitlist,
    };
    Ok(render(&context, &Page::Order(Box::new(page))))
}

pub async fn pay(State(purchases): State<Purchases>, form: RecordForm<OrderId>) -> Response {
    let payment_method = form.fields.get("payment_method").unwrap_or("").trim();
    let paid = if payment_method.is_empty() {
        Err(Refusal::message(
            "Enter your card details to pay (this needs JavaScript).",
        ))
    } else {
        match PaymentToken::parse_text(payment_method) {
            Ok(token) => purchases
                .pay_order(form.user.id, form.id, token)
                .await
                .map_err(Refusal::from),
            Err(invalid) => Err(invalid.into()),
        }
    };
    form.back(paid.map(|_| "Payment received. Enjoy the show!".to_owned()))
}

/// "Cancel your order?": Cancel asks once, on a page of its own. An order that can no longer be
/// cancelled goes back to its own page, which says why.
pub async fn cancel_page(
    context: PageContext,
    State(purchases): State<Purchases>,
    PageId(id): PageId<OrderId>,
) -> Result<Response, PageError> {
    let buyer = context.require_user(&format!("/orders/{id}/cancel"))?;
    let (order, ticket) = purchases.own_order(buyer.id, id).await?;
    if order.standing() != Standing::Held {
        return Ok(axum::response::Redirect::to(&format!("/orders/{id}")).into_response());
    }
    let page = Page::CancelOrder {
        order_id: order.id,
        ticket_title: ticket.title,
    };
    Ok(render(&context, &page).into_response())
}

pub async fn cancel(State(purchases): State<Purchases>, form: RecordForm<OrderId>) -> Response {
    let cancelled = purchases.cancel_order(form.user.id, form.id).await;
    // The order's page says where the ticket went (back on sale, or to its waiting list).
    form.back(cancelled.map(|()| "Your order is cancelled.".to_owned()))
}
