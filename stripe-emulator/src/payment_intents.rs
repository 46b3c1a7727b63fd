//! PaymentIntents: create (optionally confirming at once), confirm, retrieve and list.
//!
//! Confirming charges the card immediately, since Stripe's plain test cards never ask for
//! authentication, and emits `payment_intent.succeeded` or `payment_intent.payment_failed`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use serde_json::{Value, json};

use crate::StripeEmulator;
use crate::cards::ChargeOutcome;
use crate::currency;
use crate::errors::ApiError;
use crate::form::Params;
use crate::ids::{client_secret, new_id, unix_now};
use crate::metadata;
use crate::pagination::{self, LIST_PARAMS, Listable};
use crate::payment_methods::{self, PaymentMethod};
use crate::pipeline::RequestContext;
use crate::store::{Charge, Store};

const CREATE_PARAMS: &[&str] = &[
    "amount",
    "currency",
    "payment_method",
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
    "return_url",
    "receipt_email",
    "setup_future_usage",
    "off_session",
    "error_on_requires_action",
    "use_stripe_sdk",
    "expand",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    RequiresPaymentMethod,
    RequiresConfirmation,
    Succeeded,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::RequiresPaymentMethod => "requires_payment_method",
            Self::RequiresConfirmation => "requires_confirmation",
            Self::Succeeded => "succeeded",
        }
    }
}

/// `automatic_payment_methods[allow_redirects]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AllowRedirects {
    Always,
    Never,
}

#[derive(Debug, Clone)]
pub(crate) struct PaymentIntent {
    pub(crate) id: String,
    sequence: u64,
    created: i64,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    status: Status,
    client_secret: String,
    capture_method: &'static str,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    customer: Option<String>,
    receipt_email: Option<String>,
    statement_descriptor_suffix: Option<String>,
    setup_future_usage: Option<String>,
    payment_method: Option<String>,
    /// As requested; `payment_method_types` is what Stripe made of it.
    allowed_payment_method_types: Option<Vec<String>>,
    payment_method_types: Vec<String>,
    /// `Some` when Stripe offers the payment methods enabled in the Dashboard.
    automatic_payment_methods: Option<AllowRedirects>,
    pub(crate) latest_charge: Option<String>,
    last_payment_error: Option<Value>,
    amount_received: i64,
}

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

    pub(crate) fn succeeded(&self) -> bool {
        self.status == Status::Succeeded
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

impl Listable for PaymentIntent {
    fn id(&self) -> &str {
        &self.id
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn created(&self) -> i64 {
        self.created
    }

    /// Stripe's PaymentIntent object, with every field `stripe_shared::PaymentIntent` knows
    /// (null where it does not apply). `latest_charge` and `payment_method` are ids, unexpanded.
    fn to_json(&self) -> Value {
        let automatic_payment_methods = self.automatic_payment_methods.map(|allow_redirects| {
            json!({
                "allow_redirects": match allow_redirects {
                    AllowRedirects::Always => "always",
                    AllowRedirects::Never => "never",
                },
                "enabled": true,
            })
        });
        let mut object = json!({
            "id": self.id,
            "object": "payment_intent",
            "allowed_payment_method_types": self.allowed_payment_method_types,
            "amount": self.amount,
            "amount_capturable": 0,
            "amount_details": { "tip": {} },
            "amount_received": self.amount_received,
            "application": null,
            "application_fee_amount": null,
            "automatic_payment_methods": automatic_payment_methods,
            "canceled_at": null,
            "cancellation_reason": null,
            "capture_method": self.capture_method,
            "client_secret": self.client_secret,
            "confirmation_method": "automatic",
            "created": self.created,
            "currency": self.currency,
            "customer": self.customer,
            "customer_account": null,
            "description": self.description,
            "excluded_payment_method_types": null,
            "hooks": null,
        });
        let rest = json!({
            "last_payment_error": self.last_payment_error,
            "latest_charge": self.latest_charge,
            "livemode": false,
            "managed_payments": null,
            "metadata": self.metadata,
            "next_action": null,
            "on_behalf_of": null,
            "payment_details": null,
            "payment_method": self.payment_method,
            "payment_method_configuration_details": null,
            "payment_method_options": {
                "card": {
                    "installments": null,
                    "mandate_options": null,
                    "network": null,
                    "request_three_d_secure": "automatic",
                },
            },
            "payment_method_types": self.payment_method_types,
            "payment_record": null,
            "presentment_details": null,
            "processing": null,
            "receipt_email": self.receipt_email,
            "review": null,
            "setup_future_usage": self.setup_future_usage,
            "shipping": null,
            "source": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": self.statement_descriptor_suffix,
            "status": self.status.as_str(),
            "transfer_data": null,
            "transfer_group": null,
        });
        // Two literals because one this size exceeds the json! macro's recursion limit.
        if let (Value::Object(object), Value::Object(rest)) = (&mut object, rest) {
            object.extend(rest);
        }
        object
    }
}

/// `POST /v1/payment_intents`
pub(crate) async fn create(
    State(emulator): State<StripeEmulator>,
    Extension(context): Extension<RequestContext>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let params = Params::parse(&body);
    params.reject_unknown(CREATE_PARAMS)?;
    let mut intent = PaymentIntent::from_params(&params, &context)?;
    let confirm = params.boolean("confirm")?.unwrap_or(false);
    let payment_method_id = params.non_empty("payment_method");
    if confirm {
        intent.check_return_url(params.non_empty("return_url"))?;
        if payment_method_id.is_none() {
            return Err(missing_payment_method());
        }
    }

    let charged = {
        let mut store = emulator.store();
        let payment_method = payment_method_id
            .map(|id| resolve_payment_method(&mut store, id))
            .transpose()?;
        if let Some(payment_method) = &payment_method {
            intent.attach(payment_method)?;
        }
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
    let params = Params::parse(&body);
    params.reject_unknown(CONFIRM_PARAMS)?;
    let setup_future_usage = setup_future_usage(&params)?;

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
        let payment_method = match params.non_empty("payment_method") {
            Some(id) => resolve_payment_method(&mut store, id)?,
            None => intent
                .payment_method
                .as_ref()
                .and_then(|id| store.payment_methods.get(id).cloned())
                .ok_or_else(|| missing_payment_method().with_payment_intent(intent.to_json()))?,
        };
        intent.attach(&payment_method)?;
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
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let known: Vec<&str> = LIST_PARAMS.iter().copied().chain(["customer"]).collect();
    params.reject_unknown(&known)?;
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
            let error = ApiError::card_error("card_declined", decline.message)
                .with_decline_code(decline.decline_code)
                .with_param("")
                .with_charge(&charge.id)
                .with_payment_method(payment_method.to_json());
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

fn resolve_payment_method(store: &mut Store, id: &str) -> Result<PaymentMethod, ApiError> {
    payment_methods::resolve(store, id)
        .ok_or_else(|| ApiError::no_such("PaymentMethod", id, "payment_method"))
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
