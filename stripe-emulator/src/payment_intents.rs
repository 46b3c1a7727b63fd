//! PaymentIntents: create (optionally confirming at once), confirm, retrieve and list.
//!
//! Confirming charges the card immediately, since Stripe's plain test cards never ask for
//! authentication, and emits `payment_intent.succeeded` or `payment_intent.payment_failed`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Map, Value};

use crate::StripeEmulator;
use crate::cards::ChargeOutcome;
use crate::currency;
use crate::errors::ApiError;
use crate::form::Params;
use crate::ids::{client_secret, new_id, unix_now};
use crate::metadata;
use crate::objects::{AllowRedirects, Charge, PaymentIntent, PaymentMethod, Status};
use crate::pagination::{self, Listable};
use crate::payment_methods;
use crate::request_context::RequestContext;
use crate::store::Store;
use crate::tokens;

const CREATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "payment_method",
    "payment_method_data",
    "confirm",
    "allowed_payment_method_types",
    "payment_method_types",
    "automatic_payment_methods",
    "metadata",
    "description",
    "customer",
    "receipt_email",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "capture_method",
    "confirmation_method",
    "return_url",
    "off_session",
    "error_on_requires_action",
    "use_stripe_sdk",
    "expand",
];
const CONFIRM_PARAMS: &[&str] = &[
    "payment_method",
    "payment_method_data",
    "return_url",
    "receipt_email",
    "setup_future_usage",
    "off_session",
    "error_on_requires_action",
    "use_stripe_sdk",
    "expand",
];

// What requests do to a PaymentIntent. The object itself is plain data in `objects`, which the
// store holds without depending on this module.
impl PaymentIntent {
    /// Validates creation parameters; no state is touched until they all pass.
    fn from_params(params: &Params, context: &RequestContext) -> Result<Self, ApiError> {
        let amount = params
            .integer("amount")?
            .ok_or_else(|| ApiError::missing_param("amount"))?;
        let raw_currency = params.required("currency")?;
        let currency = currency::normalise(raw_currency).ok_or_else(|| {
            ApiError::invalid_param("currency", format!("Invalid currency: {raw_currency}."))
        })?;
        check_amount(amount, &currency)?;
        let selection = payment_method_selection(params, context.stripe_version.as_deref())?;
        let id = new_id("pi");
        Ok(Self {
            client_secret: client_secret(&id),
            id,
            sequence: 0,
            created: unix_now(),
            amount,
            currency,
            status: Status::RequiresPaymentMethod,
            capture_method: capture_method(params)?,
            description: params.non_empty("description").map(str::to_owned),
            metadata: metadata::from_params(params)?,
            customer: params.non_empty("customer").map(str::to_owned),
            receipt_email: params.non_empty("receipt_email").map(str::to_owned),
            statement_descriptor_suffix: statement_descriptor_suffix(params)?,
            setup_future_usage: setup_future_usage(params)?,
            payment_method: None,
            allowed_payment_method_types: selection.allowed,
            payment_method_types: selection.types,
            automatic_payment_methods: selection.automatic,
            latest_charge: None,
            last_payment_error: None,
            amount_received: 0,
        })
    }

    /// Sets the payment method to charge on confirmation.
    fn attach(&mut self, payment_method: &PaymentMethod) -> Result<(), ApiError> {
        if !self.payment_method_types.iter().any(|t| t == "card") {
            return Err(ApiError::invalid_param(
                "payment_method",
                format!(
                    "The PaymentMethod provided (card) is not allowed for this PaymentIntent. Please attach a \
                     PaymentMethod of one of the following types: {}. Alternatively, update the allowed \
                     payment_method_types for this PaymentIntent to include \"card\".",
                    self.payment_method_types.join(", ")
                ),
            ));
        }
        self.payment_method = Some(payment_method.id.clone());
        self.status = Status::RequiresConfirmation;
        Ok(())
    }

    /// Payment methods from the Dashboard may redirect the customer away, so Stripe refuses to
    /// confirm without somewhere to send them back to, unless redirects were ruled out.
    fn check_return_url(&self, return_url: Option<&str>) -> Result<(), ApiError> {
        if self.automatic_payment_methods == Some(AllowRedirects::Always) && return_url.is_none() {
            return Err(ApiError::invalid_param(
                "return_url",
                "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because \
                 some of these payment methods might redirect your customer off of your page, you must provide \
                 a `return_url`. If you don't want to accept redirect-based payment methods, set \
                 `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` \
                 to `never` when creating Setup Intents and Payment Intents.",
            ));
        }
        Ok(())
    }
}

/// `POST /v1/payment_intents`
pub(crate) async fn create(
    State(emulator): State<StripeEmulator>,
    Extension(context): Extension<RequestContext>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse_known(&body, CREATE_PARAMS)?;
    let mut intent = PaymentIntent::from_params(&params, &context)?;
    let confirm = params.boolean("confirm")?.unwrap_or(false);
    let method = MethodParam::from_params(&params)?;
    if confirm {
        intent.check_return_url(params.non_empty("return_url"))?;
        if method.is_none() {
            return Err(missing_payment_method());
        }
    }

    let charged = {
        let mut store = emulator.store();
        let payment_method = method
            .map(|method| method.resolve(&mut store))
            .transpose()?;
        if let Some((payment_method, spent_token)) = &payment_method {
            intent.attach(payment_method)?;
            keep(&mut store, payment_method, *spent_token);
        }
        let payment_method = payment_method.map(|(payment_method, _)| payment_method);
        intent.sequence = store.next_sequence();
        let charged = match payment_method {
            Some(payment_method) if confirm => {
                Some(charge(&mut store, &mut intent, &payment_method))
            }
            _ => None,
        };
        store
            .payment_intents
            .insert(intent.id.clone(), intent.clone());
        charged
    };
    respond(&emulator, &context, &intent, charged)
}

/// `POST /v1/payment_intents/{id}/confirm`
pub(crate) async fn confirm(
    State(emulator): State<StripeEmulator>,
    Extension(context): Extension<RequestContext>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse_known(&body, CONFIRM_PARAMS)?;
    let setup_future_usage = setup_future_usage(&params)?;
    let method = MethodParam::from_params(&params)?;

    let (intent, charged) = {
        let mut store = emulator.store();
        let mut intent = store
            .payment_intents
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("payment_intent", &id, "intent"))?;
        if intent.status == Status::Succeeded {
            return Err(ApiError::invalid_request(
                "You cannot confirm this PaymentIntent because it has already succeeded after being previously \
                 confirmed.",
            )
            .with_code("payment_intent_unexpected_state")
            .with_payment_intent(intent.to_json()));
        }
        intent.check_return_url(params.non_empty("return_url"))?;
        let (payment_method, spent_token) = match method {
            Some(method) => method.resolve(&mut store)?,
            None => intent
                .payment_method
                .as_ref()
                .and_then(|id| store.payment_methods.get(id).cloned())
                .map(|payment_method| (payment_method, None))
                .ok_or_else(|| missing_payment_method().with_payment_intent(intent.to_json()))?,
        };
        intent.attach(&payment_method)?;
        keep(&mut store, &payment_method, spent_token);
        if let Some(receipt_email) = params.non_empty("receipt_email") {
            intent.receipt_email = Some(receipt_email.to_owned());
        }
        if setup_future_usage.is_some() {
            intent.setup_future_usage = setup_future_usage;
        }
        let charged = charge(&mut store, &mut intent, &payment_method);
        store
            .payment_intents
            .insert(intent.id.clone(), intent.clone());
        (intent, charged)
    };
    respond(&emulator, &context, &intent, Some(charged))
}

/// `GET /v1/payment_intents/{id}`
pub(crate) async fn retrieve(
    State(emulator): State<StripeEmulator>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let store = emulator.store();
    let intent = store
        .payment_intents
        .get(&id)
        .ok_or_else(|| ApiError::not_found("payment_intent", &id, "intent"))?;
    Ok(Json(intent.to_json()))
}

/// `GET /v1/payment_intents`, newest first.
pub(crate) async fn list(
    State(emulator): State<StripeEmulator>,
    RawQuery(query): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let params = pagination::list_params(query, &["customer"])?;
    let customer = params.non_empty("customer");
    let store = emulator.store();
    let matching = store
        .payment_intents
        .values()
        .filter(|intent| customer.is_none_or(|c| intent.customer.as_deref() == Some(c)));
    pagination::page(matching, &params, "/v1/payment_intents", "payment_intent").map(Json)
}

/// The response to a create or confirm, and the webhook event if a charge was attempted.
fn respond(
    emulator: &StripeEmulator,
    context: &RequestContext,
    intent: &PaymentIntent,
    charged: Option<Result<(), ApiError>>,
) -> Result<Json<Value>, ApiError> {
    let object = intent.to_json();
    match charged {
        None => Ok(Json(object)),
        Some(Ok(())) => {
            emulator
                .shared
                .webhooks
                .emit("payment_intent.succeeded", object.clone(), context);
            Ok(Json(object))
        }
        Some(Err(decline)) => {
            emulator
                .shared
                .webhooks
                .emit("payment_intent.payment_failed", object.clone(), context);
            Err(decline.with_payment_intent(object))
        }
    }
}

/// Charges `payment_method` for the intent's amount. A decline leaves the intent waiting for
/// another payment method, with the error kept as `last_payment_error`.
fn charge(
    store: &mut Store,
    intent: &mut PaymentIntent,
    payment_method: &PaymentMethod,
) -> Result<(), ApiError> {
    let charge = Charge {
        id: new_id("ch"),
        payment_intent: intent.id.clone(),
        amount: intent.amount,
        currency: intent.currency.clone(),
        amount_refunded: 0,
        succeeded: payment_method.card.outcome == ChargeOutcome::Succeeds,
    };
    intent.latest_charge = Some(charge.id.clone());
    let result = match payment_method.card.outcome {
        ChargeOutcome::Succeeds => {
            intent.status = Status::Succeeded;
            intent.amount_received = intent.amount;
            intent.last_payment_error = None;
            Ok(())
        }
        ChargeOutcome::Declined(decline) => {
            let mut error = ApiError::card_error(decline.code, decline.message)
                .with_param(decline.param)
                .with_charge(&charge.id)
                .with_payment_method(payment_method.to_json());
            if let Some(decline_code) = decline.decline_code {
                error = error.with_decline_code(decline_code);
            }
            // Stripe detaches the declined method so the customer can try another.
            intent.status = Status::RequiresPaymentMethod;
            intent.payment_method = None;
            intent.last_payment_error = Some(error.to_json());
            Err(error)
        }
    };
    store.charges.insert(charge.id.clone(), charge);
    result
}

/// What a create or confirm pays with: `payment_method`, or a PaymentMethod made from
/// `payment_method_data` (the emulator implements `type=card` with a card token only).
enum MethodParam<'a> {
    Id(&'a str),
    CardToken(&'a str),
}

const TOKEN_PARAM: &str = "payment_method_data[card][token]";

impl<'a> MethodParam<'a> {
    fn from_params(params: &'a Params) -> Result<Option<Self>, ApiError> {
        params.reject_unknown_within("payment_method_data", &["type", "card"])?;
        let data = params.nested("payment_method_data");
        let id = params.non_empty("payment_method");
        if data.is_empty() {
            return Ok(id.map(Self::Id));
        }
        if id.is_some() {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: payment_method, payment_method_data.",
            ));
        }
        params.require_card_type("payment_method_data[type]")?;
        // Stripe also takes raw card numbers here, from accounts allowed to send them; the
        // emulator takes a token only.
        if let Some(Value::Object(card)) = data.get("card")
            && let Some(field) = card.keys().find(|field| field.as_str() != "token")
        {
            return Err(ApiError::unknown_param(&format!(
                "payment_method_data[card][{field}]"
            )));
        }
        params
            .required(TOKEN_PARAM)
            .map(|token| Some(Self::CardToken(token)))
    }

    /// The PaymentMethod to charge, and the token it spends once the request goes ahead.
    fn resolve(self, store: &mut Store) -> Result<(PaymentMethod, Option<&'a str>), ApiError> {
        match self {
            Self::Id(id) => payment_methods::resolve(store, id)
                .map(|payment_method| (payment_method, None))
                .ok_or_else(|| ApiError::no_such("PaymentMethod", id, "payment_method")),
            // As on Stripe, each use of a test token makes a PaymentMethod of its own.
            Self::CardToken(token) => tokens::usable_card(store, token, TOKEN_PARAM).map(|card| {
                let payment_method = PaymentMethod::new(card, Map::new(), BTreeMap::new());
                (payment_method, Some(token))
            }),
        }
    }
}

/// Once the PaymentIntent took the payment method: it exists, and its token is spent.
fn keep(store: &mut Store, payment_method: &PaymentMethod, spent_token: Option<&str>) {
    store
        .payment_methods
        .entry(payment_method.id.clone())
        .or_insert_with(|| payment_method.clone());
    if let Some(token) = spent_token {
        tokens::spend(store, token);
    }
}

fn missing_payment_method() -> ApiError {
    ApiError::invalid_request(
        "You cannot confirm this PaymentIntent because it's missing a payment method. You can either update the \
         PaymentIntent with a payment method and then confirm it again, or confirm it again directly with a \
         payment method.",
    )
    .with_code("payment_intent_unexpected_state")
}

fn check_amount(amount: i64, currency: &str) -> Result<(), ApiError> {
    let minimum = currency::minimum_charge(currency);
    if amount < minimum {
        let minimum = currency::format_amount(minimum, currency);
        return Err(ApiError::invalid_param(
            "amount",
            format!("Amount must be at least {minimum} {currency}"),
        )
        .with_code("amount_too_small"));
    }
    if amount > currency::MAXIMUM_CHARGE {
        let maximum = currency::format_amount(currency::MAXIMUM_CHARGE, currency);
        return Err(ApiError::invalid_param(
            "amount",
            format!("Amount must be no more than {maximum} {currency}"),
        )
        .with_code("amount_too_large"));
    }
    Ok(())
}

/// Which payment method types an intent takes: at most one of `allowed_payment_method_types[]`,
/// `payment_method_types[]` (only before API version 2026-08-26, which removed it) and
/// `automatic_payment_methods[…]`. With none of them Stripe (since API version 2023-08-16) turns
/// automatic payment methods on.
struct Selection {
    allowed: Option<Vec<String>>,
    types: Vec<String>,
    automatic: Option<AllowRedirects>,
}

fn payment_method_selection(
    params: &Params,
    stripe_version: Option<&str>,
) -> Result<Selection, ApiError> {
    params.reject_unknown_within("automatic_payment_methods", &["enabled", "allow_redirects"])?;
    let allowed = params.list("allowed_payment_method_types");
    let legacy = params.list("payment_method_types");
    // Dated versions compare correctly as strings ("2026-09-30.endive").
    if !legacy.is_empty() && stripe_version.is_some_and(|version| version >= "2026-08-26") {
        return Err(ApiError::invalid_param(
            "payment_method_types",
            "`payment_method_types` is no longer supported on this API version. Use              `allowed_payment_method_types` or `automatic_payment_methods` instead.",
        )
        .with_code("payment_method_types_no_longer_supported"));
    }
    let enabled = params.boolean("automatic_payment_methods[enabled]")?;
    let allow_redirects = match params.non_empty("automatic_payment_methods[allow_redirects]") {
        None | Some("always") => AllowRedirects::Always,
        Some("never") => AllowRedirects::Never,
        Some(other) => {
            return Err(ApiError::invalid_param(
                "automatic_payment_methods[allow_redirects]",
                format!(
                    "Invalid automatic_payment_methods[allow_redirects]: must be one of always or never (got {other})"
                ),
            ));
        }
    };
    let given = [
        !allowed.is_empty(),
        !legacy.is_empty(),
        enabled == Some(true),
    ];
    if given.iter().filter(|given| **given).count() > 1 {
        return Err(ApiError::invalid_request(
            "You may only specify one of these parameters: allowed_payment_method_types, automatic_payment_methods, \
             payment_method_types.",
        ));
    }
    // The emulator's "Dashboard" has only cards enabled.
    let card_only = || vec!["card".to_owned()];
    Ok(if !allowed.is_empty() {
        Selection {
            types: allowed.clone(),
            allowed: Some(allowed),
            automatic: None,
        }
    } else if !legacy.is_empty() {
        Selection {
            types: legacy,
            allowed: None,
            automatic: None,
        }
    } else if enabled == Some(false) {
        Selection {
            types: card_only(),
            allowed: None,
            automatic: None,
        }
    } else {
        Selection {
            types: card_only(),
            allowed: None,
            automatic: Some(allow_redirects),
        }
    })
}

fn capture_method(params: &Params) -> Result<&'static str, ApiError> {
    match params.non_empty("capture_method") {
        // Stripe's default since API version 2024-04-10.
        None | Some("automatic_async") => Ok("automatic_async"),
        Some("automatic") => Ok("automatic"),
        Some("manual") => Err(unsupported("capture_method", "capture_method=manual")),
        Some(other) => Err(ApiError::invalid_param(
            "capture_method",
            format!("Invalid capture_method: {other}"),
        )),
    }
    .and_then(|method| match params.non_empty("confirmation_method") {
        None | Some("automatic") => Ok(method),
        Some(_) => Err(unsupported(
            "confirmation_method",
            "confirmation_method=manual",
        )),
    })
}

fn setup_future_usage(params: &Params) -> Result<Option<String>, ApiError> {
    match params.non_empty("setup_future_usage") {
        None => Ok(None),
        Some(usage @ ("on_session" | "off_session")) => Ok(Some(usage.to_owned())),
        Some(other) => Err(ApiError::invalid_param(
            "setup_future_usage",
            format!(
                "Invalid setup_future_usage: must be one of on_session or off_session (got {other})"
            ),
        )),
    }
}

fn statement_descriptor_suffix(params: &Params) -> Result<Option<String>, ApiError> {
    let suffix = params.non_empty("statement_descriptor_suffix");
    if suffix.is_some_and(|s| s.chars().count() > 22) {
        return Err(ApiError::invalid_param(
            "statement_descriptor_suffix",
            "The statement descriptor suffix must be at most 22 characters long.",
        ));
    }
    Ok(suffix.map(str::to_owned))
}

/// Real Stripe accepts these; the emulator says plainly that it does not implement them rather than
/// behaving differently.
fn unsupported(param: &str, what: &str) -> ApiError {
    ApiError::invalid_param(
        param,
        format!("The stripe emulator does not implement {what}."),
    )
}
