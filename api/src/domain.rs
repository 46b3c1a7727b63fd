//! Domain values that validate as they are built: once parsed, the rest of the code cannot hold an
//! invalid email, password, title or price. Inputs arrive as raw JSON values so that a wrong type is
//! a field error like any other, and every failing field is reported at once.

use serde_json::Value;

use crate::error::{ApiError, FieldError};

/// A trimmed, lower-cased email address; emails compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "email", "Email")?;
        let email = text.trim().to_lowercase();
        let valid = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && match email.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Self(email))
        } else {
            Err(FieldError::new("email", "Email must be valid"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password of 8 to 128 characters, kept only until it is hashed or checked.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "password", "Password")?;
        let chars = text.chars().count();
        if (Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::new(
                "password",
                "Password must be between 8 and 128 characters",
            ))
        }
    }

    /// For sign-in: any supplied string is checked against the hash; the length rule is for new
    /// passwords only.
    pub fn parse_any(raw: Option<&Value>) -> Result<Self, FieldError> {
        required_string(raw, "password", "Password").map(|text| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A ticket title: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "title", "Title")?.trim();
        if text.is_empty() {
            Err(FieldError::new("title", "Title is required"))
        } else if text.chars().count() > Self::MAX_CHARS {
            Err(FieldError::new(
                "title",
                "Title must be at most 200 characters",
            ))
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A price in integer cents: more than 0 and at most $1,000,000, given in dollars with at most two
/// decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Price(i64);

impl Price {
    pub const MAX_CENTS: i64 = 100_000_000;

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let error = |message: &str| FieldError::new("price", message);
        let number = match raw {
            None | Some(Value::Null) => return Err(error("Price is required")),
            Some(Value::Number(number)) => number,
            Some(_) => return Err(error("Price must be a number")),
        };
        let cents = dollars_to_cents(number)
            .ok_or_else(|| error("Price must be a positive amount with at most two decimals"))?;
        if cents <= 0 {
            Err(error("Price must be greater than 0"))
        } else if cents > Self::MAX_CENTS {
            Err(error("Price must be at most 1000000"))
        } else {
            Ok(Self(cents))
        }
    }

    pub fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    /// Dollars as a JSON number (`20`, `12.5`), as the contract shows prices.
    pub fn to_json(self) -> Value {
        if self.0 % 100 == 0 {
            Value::from(self.0 / 100)
        } else {
            // Exact for any two-decimal amount this type can hold.
            Value::from(self.0 as f64 / 100.0)
        }
    }
}

/// Exact decimal conversion: works on the number's shortest decimal form, never on float
/// arithmetic, so `0.29` is 29 cents and `0.001` is rejected. `None` when not representable.
fn dollars_to_cents(number: &serde_json::Number) -> Option<i64> {
    if let Some(whole) = number.as_i64() {
        return whole.checked_mul(100);
    }
    if number.is_u64() {
        return None; // larger than any valid price
    }
    let float = number.as_f64()?;
    if !float.is_finite() {
        return None;
    }
    // Rust's `Display` for f64 is the shortest round-tripping decimal and never uses an exponent.
    let text = format!("{float}");
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if fraction.len() > 2 || whole.len() > 12 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction_cents: i64 = format!("{fraction:0<2}").parse().ok()?;
    Some(sign * (whole * 100 + fraction_cents))
}

fn required_string<'a>(
    raw: Option<&'a Value>,
    field: &str,
    label: &str,
) -> Result<&'a str, FieldError> {
    match raw {
        None | Some(Value::Null) => Err(FieldError::new(field, format!("{label} is required"))),
        Some(Value::String(text)) => Ok(text),
        Some(_) => Err(FieldError::new(field, format!("{label} must be a string"))),
    }
}

/// Runs both field parsers and reports every failure together.
pub fn both<A, B>(a: Result<A, FieldError>, b: Result<B, FieldError>) -> Result<(A, B), ApiError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(ApiError::Validation(
            [a.err(), b.err()].into_iter().flatten().collect(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn price(value: Value) -> Result<i64, FieldError> {
        Price::parse(Some(&value)).map(Price::cents)
    }

    #[test]
    fn prices_convert_to_exact_cents() {
        assert_eq!(price(json!(20)), Ok(2000));
        assert_eq!(price(json!(12.5)), Ok(1250));
        assert_eq!(price(json!(0.29)), Ok(29));
        assert_eq!(price(json!(1_000_000)), Ok(100_000_000));
    }

    #[test]
    fn prices_out_of_range_or_too_precise_are_rejected() {
        for bad in [
            json!(0),
            json!(-5),
            json!(0.001),
            json!(1_000_000.01),
            json!("10"),
        ] {
            assert!(price(bad.clone()).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn prices_render_back_as_dollars() {
        assert_eq!(Price::from_cents(2000).to_json(), json!(20));
        assert_eq!(Price::from_cents(1250).to_json(), json!(12.5));
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        let email = Email::parse(Some(&json!("  Ann@Example.COM "))).unwrap();
        assert_eq!(email.as_str(), "ann@example.com");
        for bad in [
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
        ] {
            assert!(Email::parse(Some(&json!(bad))).is_err(), "{bad}");
        }
    }

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(
            Title::parse(Some(&json!("  Gig  "))).unwrap().as_str(),
            "Gig"
        );
        assert!(Title::parse(Some(&json!("   "))).is_err());
        assert!(Title::parse(Some(&json!("x".repeat(201)))).is_err());
    }
}
