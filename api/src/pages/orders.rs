//! A shopper's orders: the list, and one order's page with its countdown, card form and Cancel.

use std::sync::Arc;

use axum::extract::State;
use axum::response::{Html, Response};
use boxoffice_activities::entities::order;
use boxoffice_activities::store::orders::Oldest;
use boxoffice_domain::OrderId;
use boxoffice_domain::saga::Standing;
use boxoffice_web::view::{OrderPage, OrderState, OrderSummary, Page, StripeSetup};
use chrono::Utc;

use crate::domain::PaymentToken;
use crate::extract::Query;
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
use crate::pages::forms::RecordForm;
use crate::pages::{PageId, render};
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
            placed_at: order.created_at.format("%-d %b %Y, %H:%M UTC").to_string(),
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
        state: state_of(&order),
        expires_at: order
            .expires_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        seconds_left: (order.expires_at - Utc::now()).num_seconds().max(0),
        payment_id: order.payment_id,
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

pub async fn cancel(State(purchases): State<Purchases>, form: RecordForm<OrderId>) -> Response {
    let cancelled = purchases.cancel_order(form.user.id, form.id).await;
    form.back(
        cancelled.map(|()| "Your order is cancelled and the ticket is back on sale.".to_owned()),
    )
}
