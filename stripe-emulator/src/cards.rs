//! Stripe's test cards: which numbers, `pm_card_*` ids and `tok_*` tokens succeed, which decline
//! and how, and the validation Stripe applies to card details when a PaymentMethod or token is
//! created.

use sha2::{Digest, Sha256};

use self::ChargeOutcome::{Declined, Succeeds};
use crate::errors::ApiError;
use crate::form::Params;
use crate::ids::unix_now;

/// What happens when a card is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChargeOutcome {
    Succeeds,
    Declined(Decline),
}

/// A decline as Stripe reports it: `code` is `card_declined` with the reason in `decline_code`,
/// or names the problem itself (`expired_card`, `incorrect_cvc`), with no `decline_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decline {
    pub(crate) code: &'static str,
    pub(crate) decline_code: Option<&'static str>,
    pub(crate) message: &'static str,
    /// The card field at fault; empty when none is.
    pub(crate) param: &'static str,
}

const fn card_declined(decline_code: &'static str, message: &'static str) -> Decline {
    Decline {
        code: "card_declined",
        decline_code: Some(decline_code),
        message,
        param: "",
    }
}

const GENERIC_DECLINE: Decline = card_declined("generic_decline", "Your card was declined.");
const INSUFFICIENT_FUNDS: Decline =
    card_declined("insufficient_funds", "Your card has insufficient funds.");
const LOST_CARD: Decline = card_declined("lost_card", "Your card was declined.");
// Stripe does not tell the customer that it suspects fraud.
const FRAUDULENT: Decline = card_declined("fraudulent", "Your card was declined.");
const EXPIRED_CARD: Decline = Decline {
    code: "expired_card",
    decline_code: None,
    message: "Your card has expired.",
    param: "exp_month",
};
const INCORRECT_CVC: Decline = Decline {
    code: "incorrect_cvc",
    decline_code: None,
    message: "Your card's security code is incorrect.",
    param: "cvc",
};

struct TestCard {
    number: &'static str,
    /// Stripe's ready-made PaymentMethod ids for the number.
    payment_methods: &'static [&'static str],
    /// Stripe's test card tokens for the number.
    tokens: &'static [&'static str],
    funding: &'static str,
    outcome: ChargeOutcome,
}

const fn test_card(
    number: &'static str,
    payment_methods: &'static [&'static str],
    tokens: &'static [&'static str],
    outcome: ChargeOutcome,
) -> TestCard {
    TestCard {
        number,
        payment_methods,
        tokens,
        funding: "credit",
        outcome,
    }
}

const fn debit(card: TestCard) -> TestCard {
    TestCard {
        funding: "debit",
        ..card
    }
}

/// Stripe documents these at https://docs.stripe.com/testing; each id and token exists in every
/// test account without being created, and can be used any number of times.
const TEST_CARDS: &[TestCard] = &[
    test_card(
        "4242424242424242",
        &["pm_card_visa"],
        &["tok_visa"],
        Succeeds,
    ),
    debit(test_card(
        "4000056655665556",
        &["pm_card_visa_debit"],
        &["tok_visa_debit"],
        Succeeds,
    )),
    test_card(
        "5555555555554444",
        &["pm_card_mastercard"],
        &["tok_mastercard"],
        Succeeds,
    ),
    debit(test_card(
        "5200828282828210",
        &["pm_card_mastercard_debit"],
        &["tok_mastercard_debit"],
        Succeeds,
    )),
    test_card(
        "378282246310005",
        &["pm_card_amex"],
        &["tok_amex"],
        Succeeds,
    ),
    test_card(
        "6011111111111117",
        &["pm_card_discover"],
        &["tok_discover"],
        Succeeds,
    ),
    test_card(
        "4000000000000002",
        &["pm_card_visa_chargeDeclined"],
        &["tok_chargeDeclined"],
        Declined(GENERIC_DECLINE),
    ),
    test_card(
        "4000000000009995",
        &["pm_card_visa_chargeDeclinedInsufficientFunds"],
        &["tok_chargeDeclinedInsufficientFunds"],
        Declined(INSUFFICIENT_FUNDS),
    ),
    test_card(
        "4000000000009987",
        &["pm_card_visa_chargeDeclinedLostCard"],
        &[],
        Declined(LOST_CARD),
    ),
    test_card(
        "4000000000000069",
        &["pm_card_chargeDeclinedExpiredCard"],
        &["tok_chargeDeclinedExpiredCard"],
        Declined(EXPIRED_CARD),
    ),
    test_card(
        "4000000000000127",
        &["pm_card_chargeDeclinedIncorrectCvc"],
        &["tok_chargeDeclinedIncorrectCvc"],
        Declined(INCORRECT_CVC),
    ),
    test_card(
        "4100000000000019",
        &[],
        &["tok_chargeDeclinedFraudulent"],
        Declined(FRAUDULENT),
    ),
];

/// Card details as a PaymentMethod keeps them: never the full number or the CVC.
#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub(crate) brand: &'static str,
    pub(crate) last4: String,
    pub(crate) exp_month: i64,
    pub(crate) exp_year: i64,
    pub(crate) fingerprint: String,
    /// `credit` or `debit`.
    pub(crate) funding: &'static str,
    pub(crate) cvc_provided: bool,
    pub(crate) outcome: ChargeOutcome,
}

/// The card behind one of Stripe's ready-made test PaymentMethod ids such as `pm_card_visa`.
pub(crate) fn test_payment_method(id: &str) -> Option<Card> {
    test_card_where(|card| card.payment_methods.contains(&id))
}

/// The card behind one of Stripe's test card tokens such as `tok_visa`.
pub(crate) fn test_token(id: &str) -> Option<Card> {
    test_card_where(|card| card.tokens.contains(&id))
}

fn test_card_where(matches: impl Fn(&TestCard) -> bool) -> Option<Card> {
    let test_card = TEST_CARDS.iter().find(|card| matches(card))?;
    let (year, _) = current_year_month();
    Some(card_for(test_card.number, 12, year + 1, true))
}

/// The `card[…]` fields `POST /v1/payment_methods` and `POST /v1/tokens` take.
const CARD_FIELDS: &[&str] = &["number", "exp_month", "exp_year", "cvc"];

/// The `card[…]` fields of `POST /v1/payment_methods` and `POST /v1/tokens`, validated; a field
/// outside them is refused.
pub(crate) fn from_params(params: &Params) -> Result<Card, ApiError> {
    params.reject_unknown_within("card", CARD_FIELDS)?;
    validate(&CardInput {
        number: params.required("card[number]")?,
        exp_month: params
            .integer("card[exp_month]")?
            .ok_or_else(|| ApiError::missing_param("card[exp_month]"))?,
        exp_year: params
            .integer("card[exp_year]")?
            .ok_or_else(|| ApiError::missing_param("card[exp_year]"))?,
        cvc: params.non_empty("card[cvc]"),
    })
}

/// The raw card fields of `POST /v1/payment_methods` and `POST /v1/tokens`, still unvalidated.
pub(crate) struct CardInput<'a> {
    pub(crate) number: &'a str,
    pub(crate) exp_month: i64,
    pub(crate) exp_year: i64,
    pub(crate) cvc: Option<&'a str>,
}

/// Validates card details the way Stripe does when a PaymentMethod is created. Declining cards
/// pass this: they are only declined when charged.
pub(crate) fn validate(input: &CardInput<'_>) -> Result<Card, ApiError> {
    // Stripe.js sends digits only, but people paste numbers with spaces.
    let number: String = input
        .number
        .chars()
        .filter(|c| *c != ' ' && *c != '-')
        .collect();
    let well_formed =
        (12..=19).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit());
    if !well_formed || !luhn_valid(&number) {
        return Err(
            ApiError::card_error("incorrect_number", "Your card number is incorrect.")
                .with_param("card[number]"),
        );
    }
    if !(1..=12).contains(&input.exp_month) {
        return Err(invalid_expiry_month());
    }
    // Stripe accepts two-digit years.
    let exp_year = if (0..100).contains(&input.exp_year) {
        2000 + input.exp_year
    } else {
        input.exp_year
    };
    let (year, month) = current_year_month();
    if exp_year < year || exp_year > year + 50 {
        return Err(ApiError::card_error(
            "invalid_expiry_year",
            "Your card's expiration year is invalid.",
        )
        .with_param("card[exp_year]"));
    }
    if exp_year == year && input.exp_month < month {
        return Err(invalid_expiry_month());
    }
    if let Some(cvc) = input.cvc
        && !((3..=4).contains(&cvc.len()) && cvc.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(
            ApiError::card_error("invalid_cvc", "Your card's security code is invalid.")
                .with_param("card[cvc]"),
        );
    }
    Ok(card_for(
        &number,
        input.exp_month,
        exp_year,
        input.cvc.is_some(),
    ))
}

fn invalid_expiry_month() -> ApiError {
    ApiError::card_error(
        "invalid_expiry_month",
        "Your card's expiration month is invalid.",
    )
    .with_param("card[exp_month]")
}

fn card_for(number: &str, exp_month: i64, exp_year: i64, cvc_provided: bool) -> Card {
    // Any other valid number is a credit card that charges successfully, like an unremarkable
    // real card would.
    let test_card = TEST_CARDS.iter().find(|card| card.number == number);
    let outcome = test_card.map_or(ChargeOutcome::Succeeds, |card| card.outcome);
    let funding = test_card.map_or("credit", |card| card.funding);
    let last4 = number
        .get(number.len().saturating_sub(4)..)
        .unwrap_or(number)
        .to_owned();
    // Stripe's fingerprint identifies a card number across PaymentMethods without revealing it.
    let digest = Sha256::digest(format!("stripe-emulator:{number}").as_bytes());
    Card {
        brand: brand(number),
        last4,
        exp_month,
        exp_year,
        fingerprint: hex::encode(&digest[..8]),
        funding,
        cvc_provided,
        outcome,
    }
}

/// Stripe's `card.brand` values, from the number's issuer prefix.
fn brand(number: &str) -> &'static str {
    let prefix = |len: usize| {
        number
            .get(..len)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    match (prefix(1), prefix(2), prefix(4)) {
        (4, _, _) => "visa",
        (_, 34 | 37, _) => "amex",
        (_, 51..=55, _) | (_, _, 2221..=2720) => "mastercard",
        (_, 65, _) | (_, _, 6011) => "discover",
        (_, 35, _) => "jcb",
        (_, 36 | 38, _) | (_, 30, _) => "diners",
        (_, 62, _) => "unionpay",
        _ => "unknown",
    }
}

/// A `card.brand` as the older Card object (on tokens) spells it: `Visa`, `MasterCard`, ….
pub(crate) fn card_object_brand(brand: &str) -> &'static str {
    match brand {
        "visa" => "Visa",
        "mastercard" => "MasterCard",
        "amex" => "American Express",
        "discover" => "Discover",
        "jcb" => "JCB",
        "diners" => "Diners Club",
        "unionpay" => "UnionPay",
        _ => "Unknown",
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Today's UTC year and month, for expiry checks, without pulling in a date library.
fn current_year_month() -> (i64, i64) {
    // Howard Hinnant's days-to-civil algorithm.
    let days = unix_now().div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(number: &str) -> CardInput<'_> {
        CardInput {
            number,
            exp_month: 12,
            exp_year: current_year_month().0 + 2,
            cvc: Some("123"),
        }
    }

    #[test]
    fn every_test_card_number_passes_luhn() {
        for card in TEST_CARDS {
            assert!(luhn_valid(card.number), "{}", card.number);
        }
    }

    #[test]
    fn test_numbers_carry_their_documented_outcomes() {
        let visa = validate(&input("4242 4242 4242 4242")).ok();
        assert_eq!(
            visa.as_ref().map(|c| (c.brand, c.last4.as_str())),
            Some(("visa", "4242"))
        );
        assert_eq!(visa.map(|c| c.outcome), Some(ChargeOutcome::Succeeds));
        let declined = validate(&input("4000000000009995")).ok().map(|c| c.outcome);
        assert_eq!(declined, Some(ChargeOutcome::Declined(INSUFFICIENT_FUNDS)));
    }

    #[test]
    fn test_tokens_carry_their_documented_cards() {
        let card =
            |token: &str| test_token(token).map(|c| (c.brand, c.last4, c.funding, c.outcome));
        assert_eq!(
            card("tok_visa"),
            Some(("visa", "4242".into(), "credit", ChargeOutcome::Succeeds))
        );
        assert_eq!(
            card("tok_mastercard_debit"),
            Some((
                "mastercard",
                "8210".into(),
                "debit",
                ChargeOutcome::Succeeds
            ))
        );
        assert_eq!(
            card("tok_chargeDeclinedExpiredCard"),
            Some((
                "visa",
                "0069".into(),
                "credit",
                ChargeOutcome::Declined(EXPIRED_CARD)
            ))
        );
        assert_eq!(card("tok_nope"), None);
        assert_eq!(card("pm_card_visa"), None);
    }

    #[test]
    fn every_test_id_and_token_names_one_card() {
        let mut ids: Vec<&str> = TEST_CARDS
            .iter()
            .flat_map(|card| card.payment_methods.iter().chain(card.tokens))
            .copied()
            .collect();
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }

    #[test]
    fn numbers_failing_luhn_are_incorrect() {
        let error = ApiError::field_of(validate(&input("4242424242424241")), "code");
        assert_eq!(error.as_deref(), Some("incorrect_number"));
    }

    #[test]
    fn expired_and_malformed_details_are_card_errors() {
        let past = CardInput {
            exp_year: 2001,
            ..input("4242424242424242")
        };
        assert!(validate(&past).is_err());
        let month = CardInput {
            exp_month: 13,
            ..input("4242424242424242")
        };
        assert!(validate(&month).is_err());
        let cvc = CardInput {
            cvc: Some("12a"),
            ..input("4242424242424242")
        };
        assert!(validate(&cvc).is_err());
    }

    #[test]
    fn brands_follow_issuer_prefixes() {
        assert_eq!(brand("5555555555554444"), "mastercard");
        assert_eq!(brand("2223003122003222"), "mastercard");
        assert_eq!(brand("378282246310005"), "amex");
        assert_eq!(brand("6011111111111117"), "discover");
    }

    #[test]
    fn civil_date_conversion_is_plausible() {
        let (year, month) = current_year_month();
        assert!((2024..2200).contains(&year));
        assert!((1..=12).contains(&month));
    }
}
