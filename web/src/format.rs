//! How numbers read on the pages.

/// `$1,234.50` from cents.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::with_capacity(dollars.len() + dollars.len() / 3);
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// `14:05` from seconds left; never negative.
pub fn countdown(seconds_left: i64) -> String {
    let seconds = seconds_left.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_groups_thousands_and_always_shows_cents() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(5), "$0.05");
        assert_eq!(money(2000), "$20.00");
        assert_eq!(money(123_456_789), "$1,234,567.89");
        assert_eq!(money(100_000_000), "$1,000,000.00");
    }

    #[test]
    fn countdown_shows_minutes_and_seconds_and_stops_at_zero() {
        assert_eq!(countdown(900), "15:00");
        assert_eq!(countdown(61), "1:01");
        assert_eq!(countdown(-3), "0:00");
    }
}
