//! Refunds of succeeded charges, named by PaymentIntent or charge: `POST /v1/refunds`,
//! `GET /v1/refunds/{id}` and `GET /v1/refunds`. Card refunds succeed at once.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use serde_json::Value;

use crate::StripeEmulator;
use crate::currency::format_amount;
use crate::errors::ApiError;
use crate::form::Params;
use crate::ids::{new_id, unix_now};
use crate::metadata;
use crate::objects::{Charge, Refund};
use crate::pagination::{self, Listable};
use crate::store::Store;

const CREATE_PARAMS: &[&str] = &[
    "payment_intent",
    "charge",
    "amount",
    "reason",
    "metadata",
    "expand",
];

/// `POST /v1/refunds`
pub(crate) async fn create(
    State(emulator): State<StripeEmulator>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse_known(&body, CREATE_PARAMS)?;
    let requested_amount = params.integer("amount")?;
    if requested_amount.is_some_and(|amount| amount < 1) {
        return Err(ApiError::invalid_param(
            "amount",
            "This value must be greater than or equal to 1.",
        ));
    }
    let reason = match params.non_empty("reason") {
        None => None,
        Some(reason @ ("duplicate" | "fraudulent" | "requested_by_customer")) => {
            Some(reason.to_owned())
        }
        Some(other) => {
            return Err(ApiError::invalid_param(
                "reason",
                format!(
                    "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer (got {other})"
                ),
            ));
        }
    };
    let metadata = metadata::from_params(&params)?;

    let mut store = emulator.store();
    let charge = refundable_charge(
        &store,
        params.non_empty("payment_intent"),
        params.non_empty("charge"),
    )?;
    let unrefunded = charge.amount - charge.amount_refunded;
    if unrefunded == 0 {
        return Err(ApiError::invalid_request(format!(
            "Charge {} has already been refunded.",
            charge.id
        ))
        .with_code("charge_already_refunded"));
    }
    let amount = requested_amount.unwrap_or(unrefunded);
    if amount > unrefunded {
        return Err(ApiError::invalid_param(
            "amount",
            format!(
                "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                format_amount(amount, &charge.currency),
                format_amount(unrefunded, &charge.currency)
            ),
        ));
    }

    let refund = Refund {
        id: new_id("re"),
        sequence: store.next_sequence(),
        created: unix_now(),
        amount,
        currency: charge.currency.clone(),
        charge: charge.id.clone(),
        payment_intent: charge.payment_intent.clone(),
        reason,
        metadata,
    };
    if let Some(stored) = store.charges.get_mut(&charge.id) {
        stored.amount_refunded += amount;
    }
    let json = refund.to_json();
    store.refunds.insert(refund.id.clone(), refund);
    Ok(Json(json))
}

/// `GET /v1/refunds/{id}`
pub(crate) async fn retrieve(
    State(emulator): State<StripeEmulator>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = emulator.store();
    let refund = store
        .refunds
        .get(&id)
        .ok_or_else(|| ApiError::not_found("refund", &id, "id"))?;
    Ok(Json(refund.to_json()))
}

/// `GET /v1/refunds`, newest first, optionally for one PaymentIntent or charge.
pub(crate) async fn list(
    State(emulator): State<StripeEmulator>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = pagination::list_params(query, &["payment_intent", "charge"])?;
    let payment_intent = params.non_empty("payment_intent");
    let charge = params.non_empty("charge");
    let store = emulator.store();
    let matching = store.refunds.values().filter(|refund| {
        payment_intent.is_none_or(|id| refund.payment_intent == id)
            && charge.is_none_or(|id| refund.charge == id)
    });
    pagination::page(matching, &params, "/v1/refunds", "refund").map(Json)
}

/// The succeeded charge a refund request names, directly or through its PaymentIntent.
fn refundable_charge(
    store: &Store,
    payment_intent: Option<&str>,
    charge: Option<&str>,
) -> Result<Charge, ApiError> {
    let charge_id = match (payment_intent, charge) {
        (None, None) => {
            return Err(ApiError::invalid_request(
                "One of the following params should be provided for this request: payment_intent or charge.",
            ));
        }
        (Some(id), _) => {
            let intent = store
                .payment_intents
                .get(id)
                .ok_or_else(|| ApiError::no_such("payment_intent", id, "payment_intent"))?;
            let charge_id = intent
                .latest_charge
                .as_deref()
                .filter(|_| intent.succeeded())
                .ok_or_else(|| {
                    ApiError::invalid_param(
                        "payment_intent",
                        format!(
                            "This PaymentIntent ({id}) does not have a successful charge to refund."
                        ),
                    )
                })?;
            if charge.is_some_and(|named| named != charge_id) {
                return Err(ApiError::invalid_param(
                    "charge",
                    format!("The charge provided does not belong to PaymentIntent {id}."),
                ));
            }
            charge_id
        }
        (None, Some(id)) => id,
    };
    let charge = store
        .charges
        .get(charge_id)
        .ok_or_else(|| ApiError::no_such("charge", charge_id, "charge"))?;
    if !charge.succeeded {
        return Err(ApiError::invalid_param(
            "charge",
            format!("Charge {charge_id} has not succeeded, so it cannot be refunded."),
        ));
    }
    Ok(charge.clone())
}
