//! Stripe request parameters: `application/x-www-form-urlencoded` pairs whose keys nest with
//! brackets (`metadata[order_id]=…`, `payment_method_types[0]=card`,
//! `billing_details[address][city]=…`), for POST bodies and GET query strings alike.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::errors::ApiError;

/// Decoded parameters in the order they were sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Never fails: undecodable bytes become U+FFFD and then fail validation like any bad value.
    pub(crate) fn parse(encoded: &[u8]) -> Self {
        Self {
            pairs: url::form_urlencoded::parse(encoded).into_owned().collect(),
        }
    }

    /// Parses `encoded` and refuses any parameter outside `known`, as every endpoint does first
    /// (see [`Self::reject_unknown`]).
    pub(crate) fn parse_known(encoded: &[u8], known: &[&str]) -> Result<Self, ApiError> {
        let params = Self::parse(encoded);
        params.reject_unknown(known)?;
        Ok(params)
    }

    /// The value of a top-level or fully spelled-out key (`card[number]`); the last one wins when
    /// a key repeats.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Like [`Self::get`], but Stripe reads an empty string as "not set".
    pub(crate) fn non_empty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|value| !value.is_empty())
    }

    pub(crate) fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.non_empty(key)
            .ok_or_else(|| ApiError::missing_param(key))
    }

    /// A payment method `type` (`key`), which must be `card`: the only type the emulator
    /// implements.
    pub(crate) fn require_card_type(&self, key: &str) -> Result<(), ApiError> {
        match self.required(key)? {
            "card" => Ok(()),
            other => Err(ApiError::invalid_param(
                key,
                format!(
                    "Invalid payment method type: {other}. The stripe emulator only implements `card`."
                ),
            )),
        }
    }

    pub(crate) fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        let Some(raw) = self.non_empty(key) else {
            return Ok(None);
        };
        raw.parse().map(Some).map_err(|_| {
            ApiError::invalid_param(key, format!("Invalid integer: {raw}"))
                .with_code("parameter_invalid_integer")
        })
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.non_empty(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(raw) => Err(ApiError::invalid_param(
                key,
                format!("Invalid boolean: {raw}"),
            )),
        }
    }

    /// `name[key]=value` pairs, e.g. metadata.
    pub(crate) fn map(&self, name: &str) -> BTreeMap<String, String> {
        self.pairs
            .iter()
            .filter_map(|(key, value)| match segments(key).as_slice() {
                [top, sub] if top == &name => Some((sub.to_string(), value.clone())),
                _ => None,
            })
            .collect()
    }

    /// `name[0]=a&name[1]=b` (or `name[]=a&name[]=b`), in index order.
    pub(crate) fn list(&self, name: &str) -> Vec<String> {
        let mut indexed: Vec<(usize, usize, String)> = self
            .pairs
            .iter()
            .enumerate()
            .filter_map(|(position, (key, value))| match segments(key).as_slice() {
                [top, index] if top == &name => {
                    let index = if index.is_empty() {
                        usize::MAX
                    } else {
                        index.parse().ok()?
                    };
                    Some((index, position, value.clone()))
                }
                _ => None,
            })
            .collect();
        indexed.sort();
        indexed.into_iter().map(|(_, _, value)| value).collect()
    }

    /// Everything under `name[…]` as a JSON object tree of strings, e.g. billing details.
    pub(crate) fn nested(&self, name: &str) -> Map<String, Value> {
        let mut root = Map::new();
        for (key, value) in &self.pairs {
            let segments = segments(key);
            let Some((top, path)) = segments.split_first() else {
                continue;
            };
            if top != &name || path.is_empty() {
                continue;
            }
            insert_path(&mut root, path, value);
        }
        root
    }

    /// Stripe rejects parameters an endpoint does not know, which catches typos early; so does
    /// the emulator, and also for real Stripe parameters it does not implement, rather than
    /// silently ignoring them.
    pub(crate) fn reject_unknown(&self, known: &[&str]) -> Result<(), ApiError> {
        let top_level = |key: &str| key.split_once('[').map_or(key, |(top, _)| top).to_owned();
        match self
            .pairs
            .iter()
            .map(|(key, _)| key)
            .find(|key| !known.contains(&top_level(key).as_str()))
        {
            Some(key) => Err(ApiError::unknown_param(&display_name(key))),
            None => Ok(()),
        }
    }

    /// Like [`Self::reject_unknown`] one level down: the keys allowed inside `name[…]`.
    pub(crate) fn reject_unknown_within(&self, name: &str, known: &[&str]) -> Result<(), ApiError> {
        for (key, _) in &self.pairs {
            if let [top, sub, ..] = segments(key).as_slice()
                && top == &name
                && !known.contains(sub)
            {
                return Err(ApiError::unknown_param(&format!("{name}[{sub}]")));
            }
        }
        Ok(())
    }

    /// The parameters irrespective of order, for comparing two requests.
    pub(crate) fn canonical(&self) -> Vec<(String, String)> {
        let mut pairs = self.pairs.clone();
        pairs.sort();
        pairs
    }
}

/// `a[b][c]` → `["a", "b", "c"]`; a key that does not nest cleanly is one opaque segment.
fn segments(key: &str) -> Vec<&str> {
    let Some(open) = key.find('[') else {
        return vec![key];
    };
    let (top, mut rest) = key.split_at(open);
    let mut segments = vec![top];
    while let Some(inner) = rest.strip_prefix('[') {
        let Some(close) = inner.find(']') else {
            return vec![key];
        };
        segments.push(&inner[..close]);
        rest = &inner[close + 1..];
    }
    if rest.is_empty() { segments } else { vec![key] }
}

/// Stripe names the offending parameter up to its first level of nesting (`card[foo]`).
fn display_name(key: &str) -> String {
    match segments(key).as_slice() {
        [top] => (*top).to_owned(),
        [top, sub, ..] => format!("{top}[{sub}]"),
        [] => key.to_owned(),
    }
}

fn insert_path(node: &mut Map<String, Value>, path: &[&str], value: &str) {
    match path {
        [] => {}
        [last] => {
            node.insert((*last).to_owned(), Value::String(value.to_owned()));
        }
        [first, rest @ ..] => {
            let child = node
                .entry((*first).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            // A key sent both as a value and as a parent (`a=1&a[b]=2`): the nested form wins.
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(child) = child {
                insert_path(child, rest, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bracketed_keys_whether_or_not_the_brackets_are_percent_encoded() {
        let params = Params::parse(
            b"amount=2000&metadata%5Border_id%5D=42&metadata[seat]=A1&payment_method_types[1]=link\
              &payment_method_types[0]=card&billing_details[address][city]=Paris",
        );
        assert_eq!(params.integer("amount").ok(), Some(Some(2000)));
        assert_eq!(
            params.map("metadata").get("order_id").map(String::as_str),
            Some("42")
        );
        assert_eq!(
            params.map("metadata").get("seat").map(String::as_str),
            Some("A1")
        );
        assert_eq!(params.list("payment_method_types"), ["card", "link"]);
        assert_eq!(
            Value::Object(params.nested("billing_details")),
            serde_json::json!({"address": {"city": "Paris"}})
        );
    }

    #[test]
    fn rejects_unknown_parameters_by_their_top_level_name() {
        let params = Params::parse(b"amount=1&shiping[name]=x");
        let error = ApiError::field_of(params.reject_unknown(&["amount"]), "param");
        assert_eq!(error.as_deref(), Some("shiping[name]"));
    }

    #[test]
    fn malformed_keys_are_opaque_rather_than_misparsed() {
        assert_eq!(segments("a[b"), ["a[b"]);
        assert_eq!(segments("a[b]c"), ["a[b]c"]);
        assert_eq!(segments("a[b][]"), ["a", "b", ""]);
    }

    #[test]
    fn canonical_form_ignores_parameter_order() {
        let a = Params::parse(b"amount=1&currency=usd");
        let b = Params::parse(b"currency=usd&amount=1");
        assert_eq!(a.canonical(), b.canonical());
    }
}
