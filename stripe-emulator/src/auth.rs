//! API keys, checked the way Stripe checks them: `Authorization: Bearer <key>` (or HTTP Basic
//! with the key as user name, as `curl -u sk_test_…:` sends it).

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::errors::ApiError;

/// Which kinds of key an endpoint takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyPolicy {
    SecretOnly,
    /// Endpoints Stripe.js calls from the browser.
    PublishableOrSecret,
}

/// An accepted API key. Idempotency keys are scoped to it, as Stripe scopes them to an account
/// and mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiKey(String);

impl ApiKey {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

pub(crate) fn authenticate(headers: &HeaderMap, policy: KeyPolicy) -> Result<ApiKey, ApiError> {
    let Some(key) = headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(key_from_header)
    else {
        return Err(ApiError::authentication(
            "You did not provide an API key. You need to provide your API key in the Authorization header, \
             using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See \
             https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
        ));
    };
    let is_secret = has_key_shape(&key, "sk_");
    let is_publishable = has_key_shape(&key, "pk_");
    match policy {
        _ if is_secret => Ok(ApiKey(key)),
        KeyPolicy::PublishableOrSecret if is_publishable => Ok(ApiKey(key)),
        KeyPolicy::SecretOnly if is_publishable => Err(ApiError::authentication(
            "This API call cannot be made with a publishable API key. Please use a secret API key. You can \
             find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
        )),
        _ => Err(ApiError::authentication(format!(
            "Invalid API Key provided: {}",
            redact(&key)
        ))),
    }
}

fn key_from_header(header: &str) -> Option<String> {
    let (scheme, credentials) = header.trim().split_once(' ')?;
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        Some(credentials.to_owned())
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(decode_base64(credentials)?).ok()?;
        // The key is the user name; the password is empty.
        Some(
            decoded
                .split_once(':')
                .map_or(decoded.as_str(), |(user, _)| user)
                .to_owned(),
        )
    } else {
        None
    }
}

/// `sk_test_…`, `sk_live_…`, `pk_test_…` or `pk_live_…` with a non-empty tail.
fn has_key_shape(key: &str, kind: &str) -> bool {
    let Some(rest) = key.strip_prefix(kind) else {
        return false;
    };
    let tail = rest
        .strip_prefix("test_")
        .or_else(|| rest.strip_prefix("live_"));
    tail.is_some_and(|tail| {
        !tail.is_empty() && tail.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Stripe echoes a rejected key with its middle masked.
fn redact(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 12 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 12))
}

/// Standard base64 with optional padding; small enough not to warrant a dependency.
fn decode_base64(encoded: &str) -> Option<Vec<u8>> {
    let sextet = |byte: u8| -> Option<u32> {
        Some(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let trimmed = encoded.trim_end_matches('=');
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in trimmed.bytes() {
        buffer = (buffer << 6) | sextet(byte)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(authorization) {
            headers.insert(AUTHORIZATION, value);
        }
        headers
    }

    #[test]
    fn accepts_secret_keys_as_bearer_or_basic_credentials() {
        let bearer = authenticate(&headers("Bearer sk_test_abc"), KeyPolicy::SecretOnly);
        assert_eq!(bearer.ok().map(|k| k.0), Some("sk_test_abc".to_owned()));
        // base64("sk_test_abc:")
        let basic = authenticate(&headers("Basic c2tfdGVzdF9hYmM6"), KeyPolicy::SecretOnly);
        assert_eq!(basic.ok().map(|k| k.0), Some("sk_test_abc".to_owned()));
    }

    #[test]
    fn publishable_keys_only_open_browser_endpoints() {
        assert!(authenticate(&headers("Bearer pk_test_abc"), KeyPolicy::SecretOnly).is_err());
        assert!(
            authenticate(
                &headers("Bearer pk_test_abc"),
                KeyPolicy::PublishableOrSecret
            )
            .is_ok()
        );
    }

    #[test]
    fn rejects_missing_and_malformed_keys() {
        assert!(authenticate(&HeaderMap::new(), KeyPolicy::SecretOnly).is_err());
        assert!(authenticate(&headers("Bearer sk_test_"), KeyPolicy::SecretOnly).is_err());
        assert!(authenticate(&headers("Bearer nonsense"), KeyPolicy::SecretOnly).is_err());
    }

    #[test]
    fn masks_rejected_keys() {
        assert_eq!(redact("sk_test_0123456789abcd"), "sk_test_**********abcd");
    }
}
