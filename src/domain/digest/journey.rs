//! The wpb's terugblik: which stretch of time it covers, and their own klik per school week
//! for its small chart. Only the wpb's own signals ever come in here.

use chrono::NaiveDate;

use super::weeks::SchoolWeek;
use crate::domain::klik::KlikValue;
use crate::domain::schedule::DateRange;

/// The stretch a terugblik covers: from the start of the placements running `today` up to
/// today; with none running, the most recently ended placement. `None` without placements.
pub fn terugblik_span(placements: &[DateRange], today: NaiveDate) -> Option<DateRange> {
    let running: Vec<&DateRange> = placements.iter().filter(|p| p.contains(today)).collect();
    if let Some(start) = running.iter().map(|p| p.start).min() {
        return Some(DateRange { start, end: today });
    }
    placements
        .iter()
        .filter(|p| p.end < today)
        .max_by_key(|p| (p.end, p.start))
        .copied()
}

/// The mean of the signals per week (-1.0 geen klik … +1.0 goed); `None` for a week without.
pub fn weekly_klik(signals: &[(NaiveDate, KlikValue)], weeks: &[SchoolWeek]) -> Vec<Option<f64>> {
    weeks
        .iter()
        .map(|w| {
            let values: Vec<f64> = signals
                .iter()
                .filter(|(d, _)| w.contains(*d))
                .map(|(_, v)| f64::from(v.score()))
                .collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn r(a: &str, b: &str) -> DateRange {
        DateRange {
            start: d(a),
            end: d(b),
        }
    }

    #[test]
    fn the_span_is_the_running_placements_or_else_the_last_one() {
        let cases = [
            (vec![], None),
            (
                vec![r("2026-09-01", "2027-01-31")],
                Some(r("2026-09-01", "2026-11-30")),
            ),
            (
                vec![r("2026-09-01", "2027-01-31"), r("2026-10-05", "2026-12-18")],
                Some(r("2026-09-01", "2026-11-30")),
            ),
            (
                vec![r("2025-09-01", "2026-01-31"), r("2026-02-01", "2026-06-30")],
                Some(r("2026-02-01", "2026-06-30")),
            ),
            // A placement that has not started yet is no journey.
            (vec![r("2027-01-04", "2027-06-30")], None),
        ];
        for (placements, expected) in cases {
            assert_eq!(
                terugblik_span(&placements, d("2026-11-30")),
                expected,
                "{placements:?}"
            );
        }
    }

    #[test]
    fn weekly_klik_is_the_mean_of_the_weeks_signals() {
        let weeks = [
            SchoolWeek::of(d("2026-11-16")),
            SchoolWeek::of(d("2026-11-23")),
        ];
        let signals = [
            (d("2026-11-17"), KlikValue::Goed),
            (d("2026-11-19"), KlikValue::GeenKlik),
            (d("2026-11-20"), KlikValue::Twijfel),
        ];
        assert_eq!(weekly_klik(&signals, &weeks), [Some(0.0), None]);
        assert_eq!(
            weekly_klik(&[(d("2026-11-24"), KlikValue::Goed)], &weeks),
            [None, Some(1.0)]
        );
    }
}
