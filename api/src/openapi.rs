//! The JSON API contract as OpenAPI 3, served at `/api/openapi.json`. Routes are registered through
//! `utoipa_axum::OpenApiRouter`, so a handler cannot be routed without its spec.

use boxoffice_activities::payments::PaymentSource;
use serde::Serialize;
use serde_json::json;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};
use uuid::Uuid;

use crate::domain::{Email, Price, Title};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "boxoffice",
        description = "The ticketing contract: users, tickets, orders (each a Temporal saga) and payments."
    ),
    tags(
        (name = "users"), (name = "tickets"), (name = "orders"), (name = "payments"),
        (name = "operations")
    )
)]
pub struct ApiDoc;

/// What every operation can also answer, said once rather than on each route (applied to the
/// routed spec, `app::routes`): 400 for an id that is not one, 413 and 415 for a
/// body (too large, not JSON), 503 when the shop sheds load; and an operation id for each,
/// unique by method and path.
pub struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations = [
                ("get", item.get.as_mut()),
                ("put", item.put.as_mut()),
                ("post", item.post.as_mut()),
                ("delete", item.delete.as_mut()),
            ];
            for (method, operation) in operations {
                let Some(operation) = operation else { continue };
                operation.operation_id = Some(operation_id(method, path));
                let responses = &mut operation.responses.responses;
                if operation.request_body.is_some() {
                    responses
                        .entry("413".into())
                        .or_insert_with(|| error("The body is larger than 64 KiB").into());
                    responses
                        .entry("415".into())
                        .or_insert_with(|| error("The body is not `application/json`").into());
                }
                if path.contains("{id}") {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| error("Invalid id").into());
                }
                if path.starts_with("/api/") {
                    responses.entry("503".into()).or_insert_with(|| {
                        error("The shop is busy; try again after `Retry-After` seconds").into()
                    });
                }
            }
        }
    }
}

/// `post /api/users/{id}` → `postApiUsersById`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    for part in path.split('/').filter(|part| !part.is_empty()) {
        let word = part.trim_start_matches('{').trim_end_matches('}');
        if part.starts_with('{') {
            id.push_str("By");
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.extend(first.to_uppercase());
            id.push_str(chars.as_str());
        }
    }
    id
}

/// `POST /api/users/signup`.
#[derive(ToSchema)]
pub struct SignUpInput {
    #[schema(schema_with = email_input)]
    pub email: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// `POST /api/users/signin`: any password is checked (the length rule is for new ones).
#[derive(ToSchema)]
pub struct SignInInput {
    #[schema(schema_with = email_input)]
    pub email: String,
    pub password: String,
}

/// `POST /api/users/password-reset`.
#[derive(ToSchema)]
pub struct PasswordResetInput {
    #[schema(schema_with = email_input)]
    pub email: String,
}

/// `POST /api/users/password-reset/confirm`: the token from the e-mailed link and the new
/// password (the sign-up rules).
#[derive(ToSchema)]
pub struct PasswordResetConfirmInput {
    #[schema(min_length = 1)]
    pub token: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// `POST /api/tickets`.
#[derive(ToSchema)]
pub struct NewTicketInput {
    #[schema(schema_with = title_input)]
    pub title: String,
    #[schema(schema_with = price_input)]
    pub price: serde_json::Value,
}

/// `PUT /api/tickets/{id}`.
#[derive(ToSchema)]
pub struct TicketInput {
    #[schema(schema_with = title_input)]
    pub title: String,
    #[schema(schema_with = price_input)]
    pub price: serde_json::Value,
    /// (ext) The version edited; a stale one is a 409.
    #[schema(minimum = 0)]
    pub version: Option<i32>,
}

/// An e-mail address, as the shop's parser accepts them.
fn email_input() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(254))
        .pattern(Some(Email::PATTERN))
        .examples([json!("ann@example.com")])
        .into()
}

/// A ticket's title, as the shop's parser accepts them.
fn title_input() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(Title::PATTERN))
        .description(Some(
            "1 to 200 characters, not counting surrounding spaces; not only spaces; no control or \
             text-direction characters.",
        ))
        .into()
}

/// A price as clients send it: a JSON number or, as the original's own client sends its form
/// field, a string holding a decimal number. Responses always carry a number.
fn price_input() -> Schema {
    let rule =
        "Dollars, at most two decimals, from 0.50 to 999,999.99 (what Stripe charges in USD)";
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0.5))
        .maximum(Some(999_999.99))
        .multiple_of(Some(0.01))
        .description(Some(format!("{rule}.")))
        .examples([json!(20), json!(20.5)]);
    let decimal = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(Price::DECIMAL_PATTERN))
        .description(Some(format!(
            "{rule}, written in decimal (surrounding spaces are ignored)."
        )))
        .examples([json!("42.50"), json!("20")]);
    Schema::OneOf(
        OneOfBuilder::new()
            .item(number)
            .item(decimal)
            .description(Some(format!("{rule}: a number, or a string holding one.")))
            .build(),
    )
}

/// `POST /api/orders`.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct OrderInput {
    pub ticketId: Uuid,
}

/// `POST /api/payments`.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct PaymentInput {
    pub orderId: Uuid,
    #[schema(schema_with = payment_token)]
    pub token: String,
}

fn payment_token() -> Schema {
    Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(PaymentSource::PATTERN))
            .description(Some(
                "A Stripe PaymentMethod id (`pm_…`, as Stripe.js `createPaymentMethod` returns, or \
                 a test id such as `pm_card_visa`) or card token (`tok_…`, as Stripe.js \
                 `createToken` and Stripe Checkout return, or a test token such as `tok_visa`).",
            ))
            .examples([json!("tok_visa"), json!("pm_card_visa")])
            .build(),
    )
}

/// The payment's id.
#[derive(Serialize, ToSchema)]
pub struct PaymentCreated {
    pub id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: String,
}
