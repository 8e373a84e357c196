//! The Dutch school year as the roster sees it: where it ends, and so where a pairing
//! made without an end date ends.

use chrono::{Datelike, NaiveDate};

/// The last day of the Dutch school year (31 July) on or after `start`.
pub fn school_year_end(start: NaiveDate) -> NaiveDate {
    let this_year = NaiveDate::from_ymd_opt(start.year(), 7, 31);
    match this_year {
        Some(d) if d >= start => d,
        _ => NaiveDate::from_ymd_opt(start.year() + 1, 7, 31).unwrap_or(start),
    }
}

/// The last day of a pairing from `start`: the `end` given, else the end of the school year.
pub fn pairing_end(start: NaiveDate, end: Option<NaiveDate>) -> NaiveDate {
    end.unwrap_or_else(|| school_year_end(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_pairing_ends_where_asked_else_on_the_next_31_july() {
        let cases = [
            // (start, end given, expected end)
            ("2026-09-01", None, "2027-07-31"),
            ("2027-01-15", None, "2027-07-31"),
            ("2027-07-31", None, "2027-07-31"),
            ("2027-08-01", None, "2028-07-31"),
            ("2027-12-31", None, "2028-07-31"),
            ("2028-02-29", None, "2028-07-31"),
            ("2026-09-01", Some("2027-01-31"), "2027-01-31"),
            // An end before the start is the caller's to refuse; it is kept as given.
            ("2026-09-01", Some("2026-08-01"), "2026-08-01"),
            ("2026-09-01", Some("2028-07-31"), "2028-07-31"),
        ];
        for (start, end, expected) in cases {
            assert_eq!(
                pairing_end(d(start), end.map(d)),
                d(expected),
                "start {start}, end {end:?}"
            );
        }
    }
}
