//! What people type on any platform, read the same way everywhere.

use chrono::NaiveDate;

/// Dates as people type them: 2026-12-24 or 24-12-2026 (also with slashes).
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim().replace('/', "-");
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&s, "%d-%m-%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_orders() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 24);
        assert_eq!(parse_date("2026-12-24"), d);
        assert_eq!(parse_date(" 24-12-2026 "), d);
        assert_eq!(parse_date("24/12/2026"), d);
        assert_eq!(parse_date("kerst"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }
}
