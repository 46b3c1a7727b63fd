//! `metadata[key]=value` with Stripe's limits, which real integrations do run into.

use std::collections::BTreeMap;

use crate::errors::ApiError;
use crate::form::Params;

const MAX_KEYS: usize = 50;
const MAX_KEY_CHARS: usize = 40;
const MAX_VALUE_CHARS: usize = 500;

pub(crate) fn from_params(params: &Params) -> Result<BTreeMap<String, String>, ApiError> {
    let mut metadata = params.map("metadata");
    // An empty value unsets a key, so on creation it is as if it had not been sent.
    metadata.retain(|_, value| !value.is_empty());
    if metadata.len() > MAX_KEYS {
        return Err(ApiError::invalid_param(
            "metadata",
            format!(
                "You can have up to {MAX_KEYS} metadata keys, but you passed in {}.",
                metadata.len()
            ),
        ));
    }
    for (key, value) in &metadata {
        let param = format!("metadata[{key}]");
        let key_chars = key.chars().count();
        if key_chars > MAX_KEY_CHARS {
            return Err(ApiError::invalid_param(
                &param,
                format!(
                    "Metadata keys can have up to {MAX_KEY_CHARS} characters, but you passed in a key that is \
                     {key_chars} characters. Invalid key: {key}"
                ),
            ));
        }
        let value_chars = value.chars().count();
        if value_chars > MAX_VALUE_CHARS {
            return Err(ApiError::invalid_param(
                &param,
                format!(
                    "Metadata values can have up to {MAX_VALUE_CHARS} characters, but you passed in a value that \
                     is {value_chars} characters. Invalid value: {value}"
                ),
            ));
        }
    }
    Ok(metadata)
}
