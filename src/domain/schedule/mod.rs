//! When a wpb gets a prompt: school calendar, cadence, pauses, placement and seeded jitter.
//!
//! Everything here is pure: time is always passed in, randomness comes from a seed.
//!
//! Conventions used throughout:
//! - A [`DateRange`] is inclusive on both ends (local dates).
//! - A working window is half-open: `[hours.start, hours.end)` in local time. The start
//!   instant is inside the window, the end instant is not.
//! - Local times are converted to UTC with the calendar's time zone. A local time that does
//!   not exist (the spring-forward gap) moves forward to the next existing minute; an
//!   ambiguous local time (the fall-back hour) takes the earliest instant.
//! - Planned slots fall in `[hours.start, hours.end − 15 min]` (local wall clock), so there is
//!   always a quarter of an hour of working time left after a prompt arrives.

use chrono::{
    DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

mod planning;
pub use planning::{Lateness, PlanInput, PlannedSlot, lateness, next_slot, slots_in_week};

/// `next_window_moment` and `add_school_days` look at most this many days ahead for a window.
pub const MAX_SEARCH_DAYS: u32 = 400;
/// `next_slot` looks at most this many ISO weeks ahead.
pub const MAX_SEARCH_WEEKS: u32 = 60;
/// Minimum length of a working window.
pub const MIN_WINDOW_MINUTES: i64 = 30;
/// A planned slot never starts later than this before the end of the window.
pub const SLOT_END_MARGIN_MINUTES: i64 = 15;
/// A slot sent less than this after its due time is on time (see [`lateness`]).
pub const ON_TIME_GRACE: TimeDelta = TimeDelta::seconds(60);

/// Longest run of nonexistent local minutes we step over (real zones have gaps of at most a
/// day, e.g. Samoa skipping 2011-12-30).
const MAX_GAP_MINUTES: u32 = 48 * 60;

/// An inclusive range of local dates (a holiday, a pause, a placement).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateRange {
    /// The first day.
    pub start: NaiveDate,
    /// The last day (inclusive).
    pub end: NaiveDate,
}

/// Daily window in local time in which prompts may arrive.
///
/// The window is half-open: `start` is inside, `end` is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWorkingHours", into = "RawWorkingHours")]
pub struct WorkingHours {
    /// The first moment prompts may arrive.
    pub start: NaiveTime,
    /// The end of the window (not inside it).
    pub end: NaiveTime,
}

/// Everything about a school's time that decides whether "now" is a good moment.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolCalendar {
    /// The school's time zone.
    pub tz: Tz,
    /// The daily window for prompts.
    pub hours: WorkingHours,
    /// The weekdays the school works.
    pub school_days: Vec<Weekday>,
    /// Holidays: no prompts, and they do not count as school days.
    pub holidays: Vec<DateRange>,
}

/// Prompts per week: 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Cadence(u8);

/// Why a schedule setting was refused. Dutch first, then English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "de begindatum {start} ligt na de einddatum {end} / the start date {start} is after the end date {end}"
    )]
    /// The start date lies after the end date.
    RangeInverted {
        /// The start date.
        start: NaiveDate,
        /// The end date.
        end: NaiveDate,
    },
    #[error(
        "de werktijd moet beginnen vóór hij eindigt ({start}–{end}) / working hours must start before they end ({start}–{end})"
    )]
    /// Working hours that end before they begin.
    HoursInverted {
        /// The start time.
        start: NaiveTime,
        /// The end time.
        end: NaiveTime,
    },
    #[error(
        "het werktijdvenster {start}–{end} is korter dan 30 minuten / the working window {start}–{end} is shorter than 30 minutes"
    )]
    /// A window shorter than 30 minutes.
    WindowTooShort {
        /// The start time.
        start: NaiveTime,
        /// The end time.
        end: NaiveTime,
    },
    #[error(
        "{0} keer per week kan niet, kies 1, 2 of 3 / {0} times a week is not possible, choose 1, 2 or 3"
    )]
    /// A cadence outside 1 to 3 a week.
    CadenceOutOfRange(u8),
}

// ---------------------------------------------------------------------------------------------
// DateRange

impl DateRange {
    /// A range from `start` to `end`, both inclusive. A single day has `start == end`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, ScheduleError> {
        if start > end {
            return Err(ScheduleError::RangeInverted { start, end });
        }
        Ok(Self { start, end })
    }

    /// A single day.
    pub fn day(d: NaiveDate) -> Self {
        Self { start: d, end: d }
    }

    /// Inclusive on both ends.
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }

    /// Whether the two ranges share at least one day.
    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}

// ---------------------------------------------------------------------------------------------
// WorkingHours

impl WorkingHours {
    /// Local working hours within one day: `start < end` and at least 30 minutes long.
    /// Windows across midnight are not supported.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Result<Self, ScheduleError> {
        if start >= end {
            return Err(ScheduleError::HoursInverted { start, end });
        }
        if end - start < TimeDelta::minutes(MIN_WINDOW_MINUTES) {
            return Err(ScheduleError::WindowTooShort { start, end });
        }
        Ok(Self { start, end })
    }

    /// `start <= t < end`.
    pub fn contains(&self, t: NaiveTime) -> bool {
        self.start <= t && t < self.end
    }

    /// How many whole minutes after `start` a slot may still be planned
    /// (`end − 15 min − start`, never negative).
    fn slot_span_minutes(&self) -> i64 {
        ((self.end - self.start) - TimeDelta::minutes(SLOT_END_MARGIN_MINUTES))
            .num_minutes()
            .max(0)
    }

    /// `t` moved into `[start, end)`: before the window -> `start`, at or after the end ->
    /// one minute before the end (never before `start`).
    fn clamp(&self, t: NaiveTime) -> NaiveTime {
        if t < self.start {
            self.start
        } else if t >= self.end {
            let (last, _) = self.end.overflowing_sub_signed(TimeDelta::minutes(1));
            last.max(self.start)
        } else {
            t
        }
    }
}

/// The serialised shape of [`WorkingHours`]; validated on the way in.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct RawWorkingHours {
    start: NaiveTime,
    end: NaiveTime,
}

impl TryFrom<RawWorkingHours> for WorkingHours {
    type Error = ScheduleError;
    fn try_from(raw: RawWorkingHours) -> Result<Self, Self::Error> {
        WorkingHours::new(raw.start, raw.end)
    }
}

impl From<WorkingHours> for RawWorkingHours {
    fn from(h: WorkingHours) -> Self {
        Self {
            start: h.start,
            end: h.end,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cadence

impl Cadence {
    /// 1, 2 or 3 prompts per ISO week.
    pub fn new(per_week: u8) -> Result<Self, ScheduleError> {
        if (1..=3).contains(&per_week) {
            Ok(Self(per_week))
        } else {
            Err(ScheduleError::CadenceOutOfRange(per_week))
        }
    }

    /// Prompts per week (1 to 3).
    pub fn per_week(self) -> u8 {
        self.0
    }
}

impl Default for Cadence {
    fn default() -> Self {
        Self(2)
    }
}

impl TryFrom<u8> for Cadence {
    type Error = ScheduleError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Cadence::new(v)
    }
}

impl From<Cadence> for u8 {
    fn from(c: Cadence) -> Self {
        c.0
    }
}

// ---------------------------------------------------------------------------------------------
// SchoolCalendar

// Evaluated at compile time: an invalid literal would fail the build, never panic at run time.
const DEFAULT_START: NaiveTime = NaiveTime::from_hms_opt(8, 30, 0).expect("08:30 is a valid time");
const DEFAULT_END: NaiveTime = NaiveTime::from_hms_opt(16, 30, 0).expect("16:30 is a valid time");

impl SchoolCalendar {
    /// Europe/Amsterdam, 08:30–16:30, Monday to Friday, no holidays.
    pub fn amsterdam_default() -> Self {
        Self {
            tz: chrono_tz::Europe::Amsterdam,
            hours: WorkingHours {
                start: DEFAULT_START,
                end: DEFAULT_END,
            },
            school_days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            holidays: Vec::new(),
        }
    }

    /// The local calendar date of an instant.
    pub fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Inside one of the holidays.
    pub fn is_holiday(&self, d: NaiveDate) -> bool {
        self.holidays.iter().any(|h| h.contains(d))
    }

    /// The weekday is a school day and the date is not in a holiday.
    pub fn is_school_day(&self, d: NaiveDate) -> bool {
        self.school_days.contains(&d.weekday()) && !self.is_holiday(d)
    }

    /// The UTC instants `[start, end)` of that local day's working window, `None` if it is not
    /// a school day (or the hours are unusable that day, e.g. the whole window falls in a DST
    /// gap). DST-correct.
    pub fn window(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_school_day(d) || self.hours.start >= self.hours.end {
            return None;
        }
        let start = resolve_local(self.tz, d.and_time(self.hours.start))?;
        let end = resolve_local(self.tz, d.and_time(self.hours.end))?;
        (start < end).then_some((start, end))
    }

    /// `t` lies inside the working window of its local day (start inclusive, end exclusive).
    pub fn in_window(&self, t: DateTime<Utc>) -> bool {
        let d = self.local_date(t);
        // The previous day too: a window end pushed forward over a DST gap at midnight could
        // reach into the next local date. Never the case in Europe/Amsterdam.
        [d.pred_opt(), Some(d)]
            .into_iter()
            .flatten()
            .filter_map(|day| self.window(day))
            .any(|(s, e)| s <= t && t < e)
    }

    /// `from` plus `n` school days, at the same local time-of-day clamped into the window
    /// (before the window -> its start; at or after its end -> one minute before the end).
    ///
    /// `n == 0` means "now if this is a good moment, otherwise the next good moment".
    /// If the calendar has no school day within [`MAX_SEARCH_DAYS`] of the previous one
    /// (misconfigured: no school days at all), this falls back to `n` calendar days later.
    pub fn add_school_days(&self, from: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        if n == 0 {
            return self.next_window_moment(from).unwrap_or(from);
        }
        let local = from.with_timezone(&self.tz);
        let time_of_day = self.hours.clamp(local.time());
        let mut day = local.date_naive();
        let mut remaining = n;
        let mut days_since_last_hit = 0u32;
        let fallback = || {
            from.checked_add_signed(TimeDelta::days(i64::from(n)))
                .unwrap_or(from)
        };
        while days_since_last_hit <= MAX_SEARCH_DAYS {
            let Some(next) = day.succ_opt() else {
                return fallback();
            };
            day = next;
            days_since_last_hit += 1;
            let Some(window) = self.window(day) else {
                continue;
            };
            days_since_last_hit = 0;
            remaining -= 1;
            if remaining == 0 {
                let at = resolve_local(self.tz, day.and_time(time_of_day)).unwrap_or(window.0);
                return clamp_into(window, at);
            }
        }
        fallback()
    }

    /// `t` itself if it is inside a working window, otherwise the start of the next window
    /// after `t`. `None` if there is no window within [`MAX_SEARCH_DAYS`] days.
    pub fn next_window_moment(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let today = self.local_date(t);
        let first = today.pred_opt().unwrap_or(today);
        let mut day = first;
        for _ in 0..=MAX_SEARCH_DAYS + 1 {
            if let Some((start, end)) = self.window(day) {
                if t < start {
                    return Some(start);
                }
                if t < end {
                    return Some(t);
                }
            }
            day = day.succ_opt()?;
        }
        None
    }
}

/// A local date-time in `tz` as a UTC instant. Ambiguous -> earliest; nonexistent -> the next
/// existing whole minute.
pub(super) fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(t) = tz.from_local_datetime(&local).earliest() {
        return Some(t.with_timezone(&Utc));
    }
    let mut minute = local.with_second(0)?.with_nanosecond(0)?;
    for _ in 0..MAX_GAP_MINUTES {
        minute = minute.checked_add_signed(TimeDelta::minutes(1))?;
        if let Some(t) = tz.from_local_datetime(&minute).earliest() {
            return Some(t.with_timezone(&Utc));
        }
    }
    None
}

/// `t` moved into the half-open `[start, end)` (requires `start < end`).
pub(super) fn clamp_into(
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    t: DateTime<Utc>,
) -> DateTime<Utc> {
    if t < start {
        start
    } else if t >= end {
        end.checked_sub_signed(TimeDelta::minutes(1))
            .map_or(start, |last| last.max(start))
    } else {
        t
    }
}

// ---------------------------------------------------------------------------------------------
// Reminder delay

/// Hours after an unanswered prompt before its one reminder: at least one, at most three days.
pub const REMINDER_AFTER_HOURS: std::ops::RangeInclusive<i64> = 1..=72;

#[cfg(test)]
mod tests;
