//! Stripe's test cards: which numbers and `pm_card_*` ids succeed, which decline and how, and
//! the validation Stripe applies to card details when a PaymentMethod is created.

use sha2::{Digest, Sha256};

use crate::errors::ApiError;
use crate::ids::unix_now;

/// What happens when a card is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChargeOutcome {
    Succeeds,
    Declined(Decline),
}

/// A decline as Stripe reports it: `code` is always `card_declined`, the detail is here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decline {
    pub(crate) decline_code: &'static str,
    pub(crate) message: &'static str,
}

const GENERIC_DECLINE: Decline = Decline {
    decline_code: "generic_decline",
    message: "Your card was declined.",
};
const INSUFFICIENT_FUNDS: Decline = Decline {
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
};
const LOST_CARD: Decline = Decline {
    decline_code: "lost_card",
    message: "Your card was declined.",
};

struct TestCard {
    number: &'static str,
    payment_method: &'static str,
    outcome: ChargeOutcome,
}

/// Stripe documents these at https://docs.stripe.com/testing; each number has a ready-made
/// PaymentMethod id that exists in every test account without being created.
const TEST_CARDS: &[TestCard] = &[
    TestCard {
        number: "4242424242424242",
        payment_method: "pm_card_visa",
        outcome: ChargeOutcome::Succeeds,
    },
    TestCard {
        number: "5555555555554444",
        payment_method: "pm_card_mastercard",
        outcome: ChargeOutcome::Succeeds,
    },
    TestCard {
        number: "378282246310005",
        payment_method: "pm_card_amex",
        outcome: ChargeOutcome::Succeeds,
    },
    TestCard {
        number: "4000000000000002",
        payment_method: "pm_card_visa_chargeDeclined",
        outcome: ChargeOutcome::Declined(GENERIC_DECLINE),
    },
    TestCard {
        number: "4000000000009995",
        payment_method: "pm_card_visa_chargeDeclinedInsufficientFunds",
        outcome: ChargeOutcome::Declined(INSUFFICIENT_FUNDS),
    },
    TestCard {
        number: "4000000000009987",
        payment_method: "pm_card_visa_chargeDeclinedLostCard",
        outcome: ChargeOutcome::Declined(LOST_CARD),
    },
];

/// Card details as a PaymentMethod keeps them: never the full number or the CVC.
#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub(crate) brand: &'static str,
    pub(crate) last4: String,
    pub(crate) exp_month: i64,
    pub(crate) exp_year: i64,
    pub(crate) fingerprint: String,
    pub(crate) cvc_provided: bool,
    pub(crate) outcome: ChargeOutcome,
}

/// The card behind one of Stripe's ready-made test PaymentMethod ids such as `pm_card_visa`.
pub(crate) fn test_payment_method(id: &str) -> Option<Card> {
    let test_card = TEST_CARDS.iter().find(|card| card.payment_method == id)?;
    let (year, _) = current_year_month();
    Some(card_for(test_card.number, 12, year + 1, true))
}

/// The raw card fields of `POST /v1/payment_methods`, still unvalidated.
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
    // Any other valid number charges successfully, like an unremarkable real card would.
    let outcome = TEST_CARDS
        .iter()
        .find(|card| card.number == number)
        .map_or(ChargeOutcome::Succeeds, |card| card.outcome);
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
    fn numbers_failing_luhn_are_incorrect() {
        let err = validate(&input("4242424242424241"))
            .err()
            .map(|e| e.to_json());
        assert_eq!(
            err.as_ref().and_then(|e| e["code"].as_str()),
            Some("incorrect_number")
        );
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
