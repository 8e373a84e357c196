//! School weeks: the Monday-to-Sunday weeks that hold at least one school day. A week that is
//! all holiday is no school week: it is neither shown nor counted as silence.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::domain::schedule::SchoolCalendar;

/// One school week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchoolWeek {
    /// Its Monday.
    pub monday: NaiveDate,
}

impl SchoolWeek {
    /// The week a date lies in.
    pub fn of(d: NaiveDate) -> Self {
        let back = u64::from(d.weekday().num_days_from_monday());
        Self {
            monday: d.checked_sub_days(Days::new(back)).unwrap_or(d),
        }
    }

    /// Its Sunday.
    pub fn sunday(self) -> NaiveDate {
        self.monday
            .checked_add_days(Days::new(6))
            .unwrap_or(self.monday)
    }

    /// Whether the date lies in this week.
    pub fn contains(self, d: NaiveDate) -> bool {
        self.monday <= d && d <= self.sunday()
    }

    /// The ISO week number, as the Netherlands counts weeks.
    pub fn number(self) -> u32 {
        self.monday.iso_week().week()
    }

    /// The week's days.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.monday.iter_days().take(7)
    }

    fn previous(self) -> Option<Self> {
        self.monday
            .checked_sub_days(Days::new(7))
            .map(|monday| Self { monday })
    }
}

/// Whether the week holds a school day of `calendar`.
pub fn is_school_week(calendar: &SchoolCalendar, week: SchoolWeek) -> bool {
    week.days().any(|d| calendar.is_school_day(d))
}

/// At most the last `n` school weeks up to and including the week of `until`, oldest first.
/// Looks back at most two years, so a calendar without school days gives few or none.
pub fn school_weeks(calendar: &SchoolCalendar, until: NaiveDate, n: usize) -> Vec<SchoolWeek> {
    let mut out = Vec::with_capacity(n);
    let mut week = Some(SchoolWeek::of(until));
    for _ in 0..106 {
        let Some(w) = week else { break };
        if out.len() == n {
            break;
        }
        if is_school_week(calendar, w) {
            out.push(w);
        }
        week = w.previous();
    }
    out.reverse();
    out
}

/// The weeks from the week of `from` to the week of `until`, holidays included: at most the
/// last 52.
pub fn weeks_between(from: NaiveDate, until: NaiveDate) -> Vec<SchoolWeek> {
    let mut out = Vec::new();
    let mut week = Some(SchoolWeek::of(until));
    while let Some(w) = week {
        if w.sunday() < from || out.len() == 52 {
            break;
        }
        out.push(w);
        week = w.previous();
    }
    out.reverse();
    out
}
