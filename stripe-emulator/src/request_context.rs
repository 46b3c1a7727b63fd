//! What the pipeline learns about a `/v1` request and hands on, as a request extension, to the
//! idempotency layer, the handlers and the webhooks they emit. Kept apart from `pipeline`, which
//! calls into those, so that they need not import it back.

/// Facts about the request that handlers need, e.g. for an event's `request` field.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    pub(crate) request_id: String,
    pub(crate) idempotency_key: Option<String>,
    /// The `Stripe-Version` header: some parameters depend on it.
    pub(crate) stripe_version: Option<String>,
}
