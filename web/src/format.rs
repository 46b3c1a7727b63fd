//! How numbers read on the pages.

pub use boxoffice_domain::money::dollars as money;

/// `14:05` from seconds left; never negative.
pub fn countdown(seconds_left: i64) -> String {
    let seconds = seconds_left.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countdown_shows_minutes_and_seconds_and_stops_at_zero() {
        assert_eq!(countdown(900), "15:00");
        assert_eq!(countdown(61), "1:01");
        assert_eq!(countdown(-3), "0:00");
    }
}
