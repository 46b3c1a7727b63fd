//! PaymentMethods: `POST /v1/payment_methods` (card details in, as Stripe.js sends them) and
//! `GET /v1/payment_methods/{id}`, plus Stripe's ready-made test ids such as `pm_card_visa`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::{Map, Value};

use crate::StripeEmulator;
use crate::cards;
use crate::errors::ApiError;
use crate::form::Params;
use crate::objects::PaymentMethod;
use crate::store::Store;

const CREATE_PARAMS: &[&str] = &[
    "type",
    "card",
    "billing_details",
    "metadata",
    "expand",
    "payment_user_agent",
];
const BILLING_DETAILS_FIELDS: &[&str] = &["address", "email", "name", "phone"];
const ADDRESS_FIELDS: &[&str] = &["city", "country", "line1", "line2", "postal_code", "state"];

/// Looks up a `payment_method` parameter. Stripe's ready-made test ids (`pm_card_visa`, …) exist
/// in every account; as on Stripe, each use materialises a new PaymentMethod with its own id.
pub(crate) fn resolve(store: &mut Store, id: &str) -> Option<PaymentMethod> {
    if let Some(existing) = store.payment_methods.get(id) {
        return Some(existing.clone());
    }
    let payment_method =
        PaymentMethod::new(cards::test_payment_method(id)?, Map::new(), BTreeMap::new());
    store
        .payment_methods
        .insert(payment_method.id.clone(), payment_method.clone());
    Some(payment_method)
}

/// `POST /v1/payment_methods`
pub(crate) async fn create(
    State(emulator): State<StripeEmulator>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse_known(&body, CREATE_PARAMS)?;
    params.reject_unknown_within("billing_details", BILLING_DETAILS_FIELDS)?;
    params.require_card_type("type")?;
    let card = cards::from_params(&params)?;
    let payment_method = PaymentMethod::new(
        card,
        billing_details(&params)?,
        crate::metadata::from_params(&params)?,
    );

    let json = payment_method.to_json();
    emulator
        .store()
        .payment_methods
        .insert(payment_method.id.clone(), payment_method);
    Ok(Json(json))
}

/// `GET /v1/payment_methods/{id}`
pub(crate) async fn retrieve(
    State(emulator): State<StripeEmulator>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut store = emulator.store();
    resolve(&mut store, &id)
        .map(|payment_method| Json(payment_method.to_json()))
        .ok_or_else(|| ApiError::not_found("PaymentMethod", &id, "payment_method"))
}

/// `billing_details[name]`, `billing_details[address][city]`, … with every value a string.
fn billing_details(params: &Params) -> Result<Map<String, Value>, ApiError> {
    let details = params.nested("billing_details");
    for (field, value) in &details {
        let well_formed = match (field.as_str(), value) {
            ("address", Value::Object(address)) => address
                .iter()
                .all(|(part, value)| ADDRESS_FIELDS.contains(&part.as_str()) && value.is_string()),
            (_, value) => value.is_string(),
        };
        if !well_formed {
            return Err(ApiError::invalid_param(
                &format!("billing_details[{field}]"),
                format!("Invalid billing_details[{field}]"),
            ));
        }
    }
    Ok(details)
}
