//! Domain values that validate as they are built: once parsed, the rest of the code cannot hold an
//! invalid email, password, title or price. Inputs arrive as raw JSON values so that a wrong type is
//! a field error like any other, and every failing field is reported at once.

use boxoffice_activities::payments::PaymentSource;
use serde::Serialize;
use serde_json::Value;

/// What is wrong with one field of the input (or, without `field`, with the input as a whole), in
/// the contract's error shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

/// Input refused by the parsers below: every failing field at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input")]
pub struct Invalid(pub Vec<FieldError>);

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

/// What `str::trim` removes (Unicode White_Space), as the body of a regex character class. The
/// spec's patterns spell it out because `\s` means more in some engines (Python's, which
/// schemathesis uses, also matches U+001C to U+001F, control characters the shop refuses).
macro_rules! space_class {
    () => {
        r"\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}

/// The characters [`is_hidden_control`] refuses, as the body of a regex character class.
macro_rules! hidden_class {
    () => {
        r"\x00-\x1F\x7F-\x9F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069"
    };
}

/// A trimmed, lower-cased email address; emails compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The addresses accepted, as a regular expression (for the OpenAPI spec; the 254 is a
    /// `maxLength` there).
    #[rustfmt::skip]
    pub const PATTERN: &'static str = concat!(
        "^[", space_class!(), "]*",
        "[^@", space_class!(), hidden_class!(), "]+@",
        "[^@.", space_class!(), hidden_class!(), "]",
        "[^@", space_class!(), hidden_class!(), "]*\\.",
        "[^@", space_class!(), hidden_class!(), "]*",
        "[^@.", space_class!(), hidden_class!(), "]",
        "[", space_class!(), "]*$"
    );

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "email", "Email")?;
        let email = text.trim().to_lowercase();
        if email.chars().count() > 254 {
            return Err(FieldError::new(
                "email",
                "Email must be at most 254 characters",
            ));
        }
        let valid = email.len() <= 254
            && !email
                .chars()
                .any(|c| c.is_whitespace() || is_hidden_control(c))
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

/// A character that is not shown as itself: a control character (NUL, which Postgres refuses in
/// text, a newline, a tab…) or one that reorders the text around it (the bidirectional embeddings,
/// overrides and isolates, which make a title read differently from what it says).
fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// A ticket title: trimmed, 1 to 200 characters, none of them hidden controls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub const MAX_CHARS: usize = 200;
    /// The titles accepted, as a regular expression (for the OpenAPI spec): something other
    /// than spaces, no hidden controls between the surrounding spaces.
    #[rustfmt::skip]
    pub const PATTERN: &'static str = concat!(
        "^[", space_class!(), "]*",
        "[^", space_class!(), hidden_class!(), "]",
        "(?:[^", hidden_class!(), "]*[^", space_class!(), hidden_class!(), "])?",
        "[", space_class!(), "]*$"
    );

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "title", "Title")?.trim();
        if text.is_empty() {
            Err(FieldError::new("title", "Title is required"))
        } else if text.chars().any(is_hidden_control) {
            Err(FieldError::new(
                "title",
                "Title must not contain control or text-direction characters",
            ))
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

/// A price in integer cents: from $0.50 to $999,999.99 (what Stripe charges in USD), given in
/// dollars with at most two decimals, as a JSON number (`20`, `12.5`) or, as the original's own client sends its form
/// field, a string holding a decimal number (`"42.50"`, `" 12 "`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Price(i64);

impl Price {
    /// Stripe's smallest USD charge.
    pub const MIN_CENTS: i64 = 50;
    /// Stripe's largest USD charge.
    pub const MAX_CENTS: i64 = 99_999_999;
    /// The decimal strings accepted as a price, as a regular expression (for the OpenAPI spec):
    /// 0.50 to 999999.99, at most two decimals (trailing zeros aside), an optional `+`.
    #[rustfmt::skip]
    pub const DECIMAL_PATTERN: &'static str = concat!(
        "^[", space_class!(), "]*",
        r"\+?0*(?:[1-9][0-9]{0,5}(?:\.[0-9]{0,2}0*)?|\.[5-9][0-9]?0*)",
        "[", space_class!(), "]*$"
    );

    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let error = |message: &str| FieldError::new("price", message);
        let cents = match raw {
            None | Some(Value::Null) => return Err(error("Price is required")),
            Some(Value::Number(number)) => dollars_to_cents(number),
            Some(Value::String(text)) => Decimal::parse(text.trim())
                .ok_or_else(|| error("Price must be a number"))?
                .to_cents(),
            Some(_) => return Err(error("Price must be a number")),
        };
        let cents = cents
            .ok_or_else(|| error("Price must be a positive amount with at most two decimals"))?;
        if cents <= 0 {
            Err(error("Price must be greater than 0"))
        } else if cents < Self::MIN_CENTS {
            Err(error("Price must be at least $0.50"))
        } else if cents > Self::MAX_CENTS {
            Err(error("Price must be at most $999,999.99"))
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

/// A price bound of a search (`minPrice`, `maxPrice`): dollars with at most two decimals, 0 or
/// more; in cents.
pub fn price_bound(field: &str, text: &str) -> Result<i64, FieldError> {
    let cents = Decimal::parse(text.trim()).and_then(|decimal| decimal.to_cents());
    match cents {
        Some(cents) if cents >= 0 => Ok(cents),
        _ => Err(FieldError::new(
            field,
            format!("{field} must be an amount of dollars, 0 or more, with at most two decimals"),
        )),
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
    Decimal::parse(&format!("{float}"))?.to_cents()
}

/// A number written in decimal, `[+-]digits[.digits]` (one side of the point may be empty): what
/// a price string may hold, and what a JSON number's shortest form looks like.
struct Decimal<'a> {
    negative: bool,
    whole: &'a str,
    fraction: &'a str,
}

impl<'a> Decimal<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let (negative, digits) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            _ => (false, text),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        (all_digits(whole) && all_digits(fraction) && !(whole.is_empty() && fraction.is_empty()))
            .then_some(Self {
                negative,
                whole,
                fraction,
            })
    }

    /// Exact cents; `None` with more than two decimals (trailing zeros aside). Saturates far
    /// beyond any valid price rather than overflowing.
    fn to_cents(&self) -> Option<i64> {
        let fraction = self.fraction.trim_end_matches('0');
        if fraction.len() > 2 {
            return None;
        }
        let whole = self.whole.trim_start_matches('0');
        // Digits only, so the one way to fail is being too large.
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().unwrap_or(i64::MAX)
        };
        let fraction_cents: i64 = format!("{fraction:0<2}").parse().ok()?;
        let cents = whole.saturating_mul(100).saturating_add(fraction_cents);
        Some(if self.negative { -cents } else { cents })
    }
}

/// What `POST /api/payments` is paid with (`token`): a Stripe PaymentMethod id (`pm_…`) or card
/// token (`tok_…`), checked by shape before it goes anywhere near Stripe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentToken(String);

impl PaymentToken {
    pub fn parse(raw: Option<&Value>) -> Result<Self, FieldError> {
        let text = required_string(raw, "token", "token")?.trim();
        if text.is_empty() {
            Err(FieldError::new("token", "token is required"))
        } else if PaymentSource::parse(text).is_some() {
            Ok(Self(text.to_owned()))
        } else {
            Err(FieldError::new(
                "token",
                format!("token must be {}", PaymentSource::DESCRIPTION),
            ))
        }
    }

    /// The token a form posted (`payment_method`): the same rules as the API's `token`.
    pub fn parse_text(text: &str) -> Result<Self, FieldError> {
        Self::parse(Some(&Value::String(text.to_owned())))
    }

    pub fn into_string(self) -> String {
        self.0
    }
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
pub fn both<A, B>(a: Result<A, FieldError>, b: Result<B, FieldError>) -> Result<(A, B), Invalid> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => Err(Invalid([a.err(), b.err()].into_iter().flatten().collect())),
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
        assert_eq!(price(json!(0.5)), Ok(50));
        assert_eq!(price(json!(999_999.99)), Ok(99_999_999));
    }

    #[test]
    fn prices_out_of_range_or_too_precise_are_rejected() {
        for bad in [
            json!(0),
            json!(-5),
            json!(0.001),
            json!(0.49),
            json!(1_000_000),
            json!(1e300),
            json!(true),
        ] {
            assert!(price(bad.clone()).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn decimal_strings_are_prices_with_the_same_rules() {
        assert_eq!(price(json!("42.50")), Ok(4250));
        assert_eq!(price(json!(" 12 ")), Ok(1200));
        assert_eq!(price(json!("20")), Ok(2000));
        assert_eq!(price(json!("0.75")), Ok(75));
        assert_eq!(price(json!(".5")), Ok(50));
        assert_eq!(price(json!("7.")), Ok(700));
        assert_eq!(price(json!("+3")), Ok(300));
        assert_eq!(price(json!("007.10")), Ok(710));
        assert_eq!(price(json!("1.000")), Ok(100));
        assert_eq!(price(json!("999999.99")), Ok(99_999_999));
        let message = |value: Value| price(value).unwrap_err().message;
        assert_eq!(message(json!("0.29")), "Price must be at least $0.50");
        assert_eq!(message(json!("-10")), "Price must be greater than 0");
        assert_eq!(message(json!("0.00")), "Price must be greater than 0");
        assert_eq!(
            message(json!("1000000")),
            "Price must be at most $999,999.99"
        );
        assert_eq!(
            message(json!("99999999999999999999999")),
            "Price must be at most $999,999.99"
        );
        assert_eq!(
            message(json!("1.005")),
            "Price must be a positive amount with at most two decimals"
        );
        for not_a_number in [
            "", "  ", "abc", "ten", "1e3", "1,5", "$5", "1.2.3", ".", "-", "0x10",
        ] {
            assert_eq!(
                message(json!(not_a_number)),
                "Price must be a number",
                "{not_a_number:?}"
            );
        }
    }

    #[test]
    fn payment_tokens_are_payment_method_ids_or_card_tokens() {
        let token = |value: Value| PaymentToken::parse(Some(&value)).map(PaymentToken::into_string);
        assert_eq!(token(json!("pm_card_visa")), Ok("pm_card_visa".to_owned()));
        assert_eq!(token(json!(" tok_visa ")), Ok("tok_visa".to_owned()));
        for bad in [
            "not-a-token",
            "pm_../../x",
            "pm_",
            "tok_a b",
            "src_123",
            "tok_visa?expand[]=x",
        ] {
            assert_eq!(
                token(json!(bad)).unwrap_err().field.as_deref(),
                Some("token"),
                "{bad}"
            );
        }
        assert!(token(json!(format!("tok_{}", "a".repeat(201)))).is_err());
        assert!(PaymentToken::parse(None).is_err());
        assert!(PaymentToken::parse(Some(&json!(42))).is_err());
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
            "ann\u{0}@example.com",
            "ann@exa\u{202E}moc.com",
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

    #[test]
    fn titles_refuse_hidden_controls_but_keep_any_script() {
        for bad in [
            "Gig\u{0}",
            "Line\nbreak",
            "Tab\there",
            "Free \u{202E}3$ teg",
            "\u{2066}isolated\u{2069}",
            "mark\u{200F}",
        ] {
            assert_eq!(
                Title::parse(Some(&json!(bad))).unwrap_err().message,
                "Title must not contain control or text-direction characters",
                "{bad:?}"
            );
        }
        for good in ["Концерт", "حفلة موسيقية", "コンサート", "Café – 2 for 1 🎟"]
        {
            assert_eq!(Title::parse(Some(&json!(good))).unwrap().as_str(), good);
        }
    }

    /// Inputs at the edges of the rules: spaces of every kind around and inside, hidden controls
    /// at either end and in the middle, the characters Python's `\s` adds, other scripts.
    const EDGES: &[&str] = &[
        "Gig",
        " Gig ",
        "\tGig\n",
        "\u{85}Gig\u{3000}",
        "G",
        "Gig night",
        "Gig\u{85}night",
        "\u{1c}Gig",
        "Gig\u{1f}",
        "Gig\u{0}night",
        "\u{202E}Gig",
        "Gig\u{2069}",
        "Gig\u{7f}",
        "Концерт",
        "コンサート",
        "🎟",
        "",
        " ",
        "\u{3000}",
        "ann@example.com",
        " ann@example.com\t",
        "ann@ex.co\u{1c}",
        "a\u{1}n@example.com",
        "ann@.example.com",
        "ann@example.com.",
        "ann@example",
        "a@b@c.d",
        "ann @example.com",
        "ünï@exämple.çom",
        "20",
        " 20 ",
        "\u{1c}20",
        "20\u{a0}",
        "+0.50",
        ".5",
        "0.49",
        "999999.99",
        "1000000",
        "12.345",
        "12.340",
    ];

    /// The OpenAPI spec's pattern for a field admits nothing its parser refuses (schemathesis
    /// sends whatever the pattern allows and expects it accepted), and refuses what it refuses.
    fn assert_pattern_matches_parser(pattern: &str, accepts: impl Fn(&str) -> bool) {
        let pattern = regex::Regex::new(pattern).expect("the pattern compiles");
        for input in EDGES {
            assert_eq!(pattern.is_match(input), accepts(input), "{input:?}");
        }
    }

    #[test]
    fn the_spec_pattern_for_titles_is_the_title_rule() {
        assert_pattern_matches_parser(Title::PATTERN, |text| {
            Title::parse(Some(&json!(text))).is_ok()
        });
    }

    #[test]
    fn the_spec_pattern_for_emails_is_the_email_rule() {
        assert_pattern_matches_parser(Email::PATTERN, |text| {
            Email::parse(Some(&json!(text))).is_ok()
        });
    }

    #[test]
    fn the_spec_pattern_for_decimal_prices_is_the_price_rule() {
        assert_pattern_matches_parser(Price::DECIMAL_PATTERN, |text| {
            Price::parse(Some(&json!(text))).is_ok()
        });
    }
}
