//! The JSON API contract as OpenAPI 3, served at `/api/openapi.json`. Routes are registered through
//! `utoipa_axum::OpenApiRouter`, so a handler cannot be routed without its spec.

use boxoffice_activities::payments::PaymentSource;
use serde::Serialize;
use serde_json::json;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use crate::domain::Price;

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

/// `POST /api/users/signup` and `/signin`.
#[derive(ToSchema)]
pub struct Credentials {
    #[schema(example = "ann@example.com")]
    pub email: String,
    /// 8 to 128 characters.
    pub password: String,
}

/// `POST /api/tickets` and `PUT /api/tickets/{id}`.
#[derive(ToSchema)]
pub struct TicketInput {
    pub title: String,
    #[schema(schema_with = price_input)]
    pub price: serde_json::Value,
    /// (ext) The version edited; a stale one is a 409.
    pub version: Option<i32>,
}

/// A price as clients send it: a JSON number or, as the original's own client sends its form
/// field, a string holding a decimal number. Responses always carry a number.
fn price_input() -> Schema {
    let rule = "Dollars, at most two decimals, more than 0 and at most 1,000,000";
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .exclusive_minimum(Some(0))
        .maximum(Some(1_000_000))
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
