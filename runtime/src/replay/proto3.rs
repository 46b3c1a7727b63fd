//! Histories in proto3 JSON, the form `temporal workflow show --output json` and the Web UI
//! produce (the UI's inside `{"history": …}`). The SDK reads only its own serde form, so the proto3 form is parsed with the
//! Temporal API's descriptors (compiled by temporalio-protos) and re-encoded as the SDK's type.

use std::sync::LazyLock;

use prost_reflect::{DescriptorPool, DeserializeOptions, DynamicMessage};
use temporalio_common::protos::temporal::api::history::v1::History;

const HISTORY_MESSAGE: &str = "temporal.api.history.v1.History";

static POOL: LazyLock<Result<DescriptorPool, String>> = LazyLock::new(|| {
    DescriptorPool::decode(include_bytes!(env!("TEMPORAL_DESCRIPTORS")).as_slice())
        .map_err(|err| format!("the Temporal API descriptors do not load: {err}"))
});

/// Parses a proto3 JSON history.
pub fn parse(json: &[u8]) -> Result<History, String> {
    let pool = POOL.as_ref().map_err(Clone::clone)?;
    let descriptor = pool
        .get_message_by_name(HISTORY_MESSAGE)
        .ok_or_else(|| format!("{HISTORY_MESSAGE} is missing from the descriptors"))?;
    let mut document: serde_json::Value =
        serde_json::from_slice(json).map_err(|err| format!("not a proto3 JSON history: {err}"))?;
    // The Web UI (and the HTTP API it uses) wraps the history in its response:
    // `{"history": {"events": […]}}`.
    if let Some(history) = document.get_mut("history").filter(|h| h.is_object()) {
        document = history.take();
    }
    // A newer server's extra fields do not change how the workflow replays.
    let options = DeserializeOptions::new().deny_unknown_fields(false);
    let message = DynamicMessage::deserialize_with_options(descriptor, document, &options)
        .map_err(|err| format!("not a proto3 JSON history: {err}"))?;
    let history: History = message
        .transcode_to()
        .map_err(|err| format!("not a history: {err}"))?;
    // Unknown enum values are dropped rather than refused; an event this build cannot name would
    // replay wrongly, so refuse it here.
    if let Some(event) = history
        .events
        .iter()
        .find(|event| event.event_type == 0 || event.attributes.is_none())
    {
        return Err(format!(
            "event {} has a type or attributes this build does not know",
            event.event_id
        ));
    }
    if history.events.is_empty() {
        return Err("the history has no events".to_owned());
    }
    Ok(history)
}

/// `history` in proto3 JSON, for tests that need the form the CLI writes.
pub fn to_json(history: &History) -> Result<Vec<u8>, String> {
    let pool = POOL.as_ref().map_err(Clone::clone)?;
    let descriptor = pool
        .get_message_by_name(HISTORY_MESSAGE)
        .ok_or_else(|| format!("{HISTORY_MESSAGE} is missing from the descriptors"))?;
    let mut message = DynamicMessage::new(descriptor);
    message
        .transcode_from(history)
        .map_err(|err| err.to_string())?;
    serde_json::to_vec(&message).map_err(|err| err.to_string())
}
