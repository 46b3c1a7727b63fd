//! `/support`: the support desk's page, for staff only (everyone else gets the site's 404, as for
//! a page that does not exist). The same search and refunds as `/api/support/…`.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::response::{Html, IntoResponse, Response};
use boxoffice_domain::OrderId;
use boxoffice_domain::saga::Standing;
use boxoffice_web::view::{Form, FormError, Page, SupportOrderRow, SupportPage, SupportRefund};
use chrono::{DateTime, Utc};

use crate::extract::Query;
use crate::pages::context::PageContext;
use crate::pages::error::{PageError, Refusal};
use crate::pages::forms::CsrfForm;
use crate::pages::{PageId, render};
use crate::routes::support::SearchParams;
use crate::state::AppState;
use crate::support::{self, DeskOrder, NotStaff, Support};
use boxoffice_activities::store::refunds::{REFUNDED, REFUNDING};

impl From<NotStaff> for PageError {
    fn from(_: NotStaff) -> Self {
        PageError::NotFound
    }
}

pub async fn support_page(
    context: PageContext,
    State(support): State<Support>,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, PageError> {
    support.staff(context.user.as_ref()).await?;
    let values: BTreeMap<String, String> = [
        ("email", &params.email),
        ("orderId", &params.order_id),
        ("ticketId", &params.ticket_id),
    ]
    .into_iter()
    .filter_map(|(name, value)| Some((name.to_owned(), value.clone()?)))
    .collect();
    let searched = !values.is_empty();
    let mut search = Form {
        values,
        errors: Vec::new(),
    };
    let mut orders = Vec::new();
    if searched {
        match support::parse_query(
            params.email.as_deref(),
            params.order_id.as_deref(),
            params.ticket_id.as_deref(),
        ) {
            Ok(query) => orders = support.search(&query).await?,
            Err(invalid) => {
                search.errors = invalid
                    .0
                    .into_iter()
                    .map(|error| FormError {
                        field: None,
                        message: error.message,
                    })
                    .collect();
            }
        }
    }
    let page = SupportPage {
        search,
        searched,
        orders: orders.into_iter().map(row).collect(),
        refund: context.flash.form_or(Form::default),
    };
    Ok(render(&context, &Page::Support(Box::new(page))))
}

/// Refunds the order with the form's reason, then back to the order on the desk. Staff rights
/// are checked before anything else, so that to others the path does not exist at all.
pub async fn refund(State(state): State<AppState>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let staff = match PageContext::from_request_parts(&mut parts, &state).await {
        Ok(context) => state.support.staff(context.user.as_ref()).await,
        Err(err) => return err.into_response(),
    };
    let Ok(staff) = staff else {
        return PageError::NotFound.into_response();
    };
    let PageId(id) = match PageId::<OrderId>::from_request_parts(&mut parts, &state).await {
        Ok(id) => id,
        Err(err) => return err.into_response(),
    };
    let CsrfForm(fields) =
        match CsrfForm::from_request(Request::from_parts(parts, body), &state).await {
            Ok(form) => form,
            Err(err) => return err.into_response(),
        };
    let here = format!("/support?orderId={id}");
    let reason = fields.get("reason").unwrap_or("").to_owned();
    let done = state
        .support
        .refund(&staff, id, &reason)
        .await
        .map(|outcome| {
            format!(
                "Order {id} is refunded (Stripe refund {}).",
                outcome.refund_id
            )
        })
        .map_err(Refusal::from);
    fields.back_to(&here, done, &state.sessions)
}

fn row(desk: DeskOrder) -> SupportOrderRow {
    let DeskOrder {
        found,
        card,
        workflow_url,
        refund_workflow_url,
    } = desk;
    let order = found.order;
    let state = match (order.refund_state.as_deref(), order.standing()) {
        (Some(REFUNDED), _) => "Refunded",
        (Some(REFUNDING), _) => "Refunding",
        (_, Standing::Held) => "Held",
        (_, Standing::Paid) => "Paid",
        (_, Standing::Expired) => "Expired",
        (_, Standing::Cancelled) => "Cancelled",
    };
    let refund = order.refund_state.as_ref().map(|_| SupportRefund {
        id: order.refund_id.clone(),
        by: order
            .refunded_by
            .map(|by| by.to_string())
            .unwrap_or_default(),
        reason: order.refund_reason.clone().unwrap_or_default(),
        at: order.refunded_at.map(shown),
    });
    SupportOrderRow {
        id: order.id,
        state,
        buyer_email: found.buyer_email,
        ticket_id: found.ticket.id,
        ticket_title: found.ticket.title,
        price_cents: found.ticket.price_cents,
        created_at: shown(order.created_at),
        expires_at: shown(order.expires_at),
        paid_at: found.payment.as_ref().map(|p| shown(p.created_at)),
        charge_id: found.payment.as_ref().map(|p| p.stripe_id.clone()),
        card,
        refundable: state == "Paid",
        refund,
        workflow_id: boxoffice_workflows::workflow_id(order.id),
        workflow_url,
        refund_workflow_id: boxoffice_workflows::refund::start::workflow_id(order.id),
        refund_workflow_url,
    }
}

fn shown(time: DateTime<Utc>) -> String {
    time.format("%-d %b %Y, %H:%M:%S UTC").to_string()
}
