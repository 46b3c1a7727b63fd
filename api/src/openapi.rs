//! The JSON API contract as OpenAPI 3, served at `/api/openapi.json`. Routes are registered through
//! `utoipa_axum::OpenApiRouter`, so a handler cannot be routed without its spec.

use serde::Serialize;
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

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
    /// Dollars, at most two decimals, more than 0 and at most 1,000,000.
    #[schema(example = 20.5)]
    pub price: f64,
    /// (ext) The version edited; a stale one is a 409.
    pub version: Option<i32>,
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
    /// A Stripe PaymentMethod id, e.g. `pm_card_visa`.
    pub token: String,
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
