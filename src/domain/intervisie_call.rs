//! When a team's scheduled call for an intervisie case is due: a school that asks every `n`
//! weeks has its teams called on the local date `n` weeks after the last call, whatever its
//! time of day. (That the team has a channel, no open thread and a wpb, and that it is inside
//! the school's working window, the tick checks first: those are facts to fetch, not dates.)

use chrono::{Days, NaiveDate};

/// The first local date whose call holds back a call `today`: a call before it leaves the
/// team due. A school asking every `every_weeks` weeks (at least one) is asked once per period.
pub fn blocking_since(today: NaiveDate, every_weeks: u32) -> NaiveDate {
    let days = u64::from(every_weeks.max(1)) * 7 - 1;
    today
        .checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// Whether a team last called on the local date `last_call` (never: `None`) is due `today`.
/// The store checks the same against the job's last run when it claims a call atomically.
pub fn call_due(last_call: Option<NaiveDate>, today: NaiveDate, every_weeks: u32) -> bool {
    last_call.is_none_or(|last| last < blocking_since(today, every_weeks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_call_is_due_n_weeks_after_the_last_on_the_local_date() {
        let cases = [
            // (last call, today, every n weeks, due)
            (None, "2026-10-05", 3, true),
            (Some("2026-10-05"), "2026-10-05", 3, false),
            (Some("2026-10-05"), "2026-10-25", 3, false),
            (Some("2026-10-05"), "2026-10-26", 3, true),
            (Some("2026-10-05"), "2026-11-30", 3, true),
            (Some("2026-10-05"), "2026-10-11", 1, false),
            (Some("2026-10-05"), "2026-10-12", 1, true),
            // Zero weeks counts as one: never more than once a week.
            (Some("2026-10-05"), "2026-10-11", 0, false),
            (Some("2026-10-05"), "2026-10-12", 0, true),
            (Some("2026-10-05"), "2026-12-27", 12, false),
            (Some("2026-10-05"), "2026-12-28", 12, true),
        ];
        for (last, today, weeks, expected) in cases {
            assert_eq!(
                call_due(last.map(d), d(today), weeks),
                expected,
                "last {last:?}, today {today}, every {weeks} weeks"
            );
        }
    }
}
