//! Currency rules Stripe applies to amounts: zero-decimal currencies, minimum charge amounts, and
//! how amounts read in error messages.

/// Currencies whose amounts have no minor unit (`amount=500` in JPY is ¥500).
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];

/// Stripe's documented minimum charge, in the currency's smallest unit, for the currencies
/// boxoffice is likely to see; anything else gets the common 0.50.
/// https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
pub(crate) fn minimum_charge(currency: &str) -> i64 {
    match currency {
        "gbp" => 30,
        "dkk" => 250,
        "nok" | "sek" => 300,
        "pln" | "ron" | "aed" | "myr" => 200,
        "hkd" => 400,
        "mxn" | "thb" => 1000,
        "czk" => 1500,
        "huf" => 17500,
        // Including zero-decimal JPY, where 50 is ¥50.
        _ => 50,
    }
}

/// Stripe's upper bound for a single charge: eight digits.
pub(crate) const MAXIMUM_CHARGE: i64 = 99_999_999;

/// `$20.00` / `€0.50` / `¥50` / `12.50`, as Stripe words amounts in messages.
pub(crate) fn format_amount(amount: i64, currency: &str) -> String {
    let symbol = match currency {
        "usd" | "cad" | "aud" | "nzd" | "sgd" | "hkd" | "mxn" => "$",
        "eur" => "€",
        "gbp" => "£",
        "jpy" => "¥",
        _ => "",
    };
    let number = if ZERO_DECIMAL.contains(&currency) {
        amount.to_string()
    } else {
        format!("{}.{:02}", amount / 100, (amount % 100).abs())
    };
    format!("{symbol}{number}")
}

/// Stripe takes any ISO 4217 code in either case and reports it in lowercase.
pub(crate) fn normalise(code: &str) -> Option<String> {
    (code.len() == 3 && code.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| code.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_amounts_in_major_units() {
        assert_eq!(format_amount(50, "usd"), "$0.50");
        assert_eq!(format_amount(2000, "eur"), "€20.00");
        assert_eq!(format_amount(50, "jpy"), "¥50");
        assert_eq!(format_amount(1250, "chf"), "12.50");
    }
}
