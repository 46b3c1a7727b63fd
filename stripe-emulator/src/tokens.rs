//! Card tokens: `POST /v1/tokens` (card details in, as Stripe.js `createToken` sends them),
//! `GET /v1/tokens/{id}`, Stripe's test tokens such as `tok_visa`, and spending a token on a
//! PaymentMethod, as `payment_method_data[card][token]` does.
//!
//! A created token can be used once; Stripe's test tokens any number of times.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::StripeEmulator;
use crate::cards::{self, Card};
use crate::errors::ApiError;
use crate::form::Params;
use crate::ids::new_id;
use crate::objects::Token;
use crate::store::Store;

const CREATE_PARAMS: &[&str] = &["card", "expand", "payment_user_agent"];

/// A token as it stands: a created one from the store, or one of Stripe's test tokens, which
/// exist in every account and are never used up.
fn find(store: &Store, id: &str) -> Option<Token> {
    store
        .tokens
        .get(id)
        .cloned()
        .or_else(|| Some(Token::new(id.to_owned(), cards::test_token(id)?)))
}

/// The card behind a token that can still be spent; `param` names the parameter it came in.
/// Nothing is spent until [`spend`].
pub(crate) fn usable_card(store: &Store, id: &str, param: &str) -> Result<Card, ApiError> {
    let token = find(store, id).ok_or_else(|| ApiError::no_such("token", id, param))?;
    if token.used {
        return Err(ApiError::invalid_request(format!(
            "You cannot use a Stripe token more than once: {id}."
        ))
        .with_code("token_already_used")
        .with_param(param));
    }
    Ok(token.card)
}

/// Uses a created token up; Stripe's test tokens stay usable.
pub(crate) fn spend(store: &mut Store, id: &str) {
    if let Some(token) = store.tokens.get_mut(id) {
        token.used = true;
    }
}

/// `POST /v1/tokens`
pub(crate) async fn create(
    State(emulator): State<StripeEmulator>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse_known(&body, CREATE_PARAMS)?;
    let token = Token::new(new_id("tok"), cards::from_params(&params)?);

    let json = token.to_json();
    emulator.store().tokens.insert(token.id.clone(), token);
    Ok(Json(json))
}

/// `GET /v1/tokens/{id}`
pub(crate) async fn retrieve(
    State(emulator): State<StripeEmulator>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    find(&emulator.store(), &id)
        .map(|token| Json(token.to_json()))
        .ok_or_else(|| ApiError::not_found("token", &id, "token"))
}
