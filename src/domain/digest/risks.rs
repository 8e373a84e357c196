//! The quiet risks a schoolopleider would otherwise miss: pairings nobody said anything about
//! for weeks, wpbs who stopped answering, placements about to end, escalations still waiting.
//! Holiday weeks and a wpb's paused weeks are never counted as silence; a wpb paused today is
//! not listed at all (they said they are away).

use std::cmp::Reverse;
use std::collections::HashMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::summary::{DigestSummary, RunningPairing, SummaryRequest};
use super::weeks::{SchoolWeek, is_school_week};
use crate::domain::schedule::{DateRange, SchoolCalendar};

/// An active pairing without a klik from its wpb for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietPairing {
    /// The wpb's name.
    pub wpb: String,
    /// The student's name.
    pub student: String,
    /// Completed school weeks without a klik from the wpb (at least; the facts reach back
    /// only so far).
    pub weeks: u32,
}

/// A wpb who left their last prompts unanswered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietWpb {
    /// The wpb's name.
    pub wpb: String,
    /// Unanswered prompts in a row, the latest included.
    pub unanswered: u32,
}

/// A placement that ends soon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndingPlacement {
    /// The wpb's name.
    pub wpb: String,
    /// The student's name.
    pub student: String,
    /// The placement's last day.
    pub end: NaiveDate,
}

/// An escalation that is open or picked up, with its age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationAge {
    /// Its number.
    pub id: i64,
    /// The wpb's name.
    pub wpb: String,
    /// The student's name.
    pub student: String,
    /// Days since it opened.
    pub days: i64,
    /// Someone picked it up.
    pub picked_up: bool,
}

fn paused<'a>(mut pauses: impl Iterator<Item = &'a DateRange>, d: NaiveDate) -> bool {
    pauses.any(|p| p.contains(d))
}

/// What the risk lists are made from.
pub(super) struct Risks<'a> {
    calendar: &'a SchoolCalendar,
    request: &'a SummaryRequest,
    summary: &'a DigestSummary,
    pauses: HashMap<&'a str, Vec<DateRange>>,
}

impl<'a> Risks<'a> {
    pub(super) fn new(
        calendar: &'a SchoolCalendar,
        request: &'a SummaryRequest,
        summary: &'a DigestSummary,
    ) -> Self {
        let mut pauses: HashMap<&str, Vec<DateRange>> = HashMap::new();
        for p in &summary.pauses {
            pauses.entry(p.wpb.as_str()).or_default().push(p.dates);
        }
        Self {
            calendar,
            request,
            summary,
            pauses,
        }
    }

    fn pauses_of(&self, wpb: &str) -> impl Iterator<Item = &DateRange> {
        self.pauses.get(wpb).into_iter().flatten()
    }

    /// Active pairings whose wpb gave no klik about the student for the threshold's completed
    /// school weeks (weeks the wpb was paused throughout do not count, nor weeks before the
    /// wpb's first prompt), longest silence first; with those the summary left out.
    pub(super) fn quiet_pairings(&self) -> (Vec<QuietPairing>, u32) {
        let mut out: Vec<QuietPairing> = self
            .summary
            .quiet
            .iter()
            .filter_map(|p| {
                let pauses = self
                    .pauses
                    .get(p.wpb.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let weeks = quiet_weeks(self.calendar, self.request, pauses, p)?;
                Some(QuietPairing {
                    wpb: p.wpb_name.clone(),
                    student: p.student_name.clone(),
                    weeks,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (Reverse(a.weeks), &a.wpb, &a.student).cmp(&(Reverse(b.weeks), &b.wpb, &b.student))
        });
        (out, self.summary.quiet_more)
    }

    /// Wpbs (not paused today) whose last prompts, as many as the threshold, all went
    /// unanswered; most unanswered first.
    pub(super) fn quiet_wpbs(&self) -> Vec<QuietWpb> {
        let need = self.request.unanswered_from();
        let mut out: Vec<QuietWpb> = self
            .summary
            .unanswered
            .iter()
            .filter(|w| w.unanswered >= need && !paused(self.pauses_of(&w.wpb), self.request.today))
            .map(|w| QuietWpb {
                wpb: w.name.clone(),
                unanswered: w.unanswered,
            })
            .collect();
        out.sort_by(|a, b| b.unanswered.cmp(&a.unanswered).then(a.wpb.cmp(&b.wpb)));
        out
    }

    /// Running placements whose last day lies within the threshold's weeks after today; with
    /// those the summary left out.
    pub(super) fn ending(&self) -> (Vec<EndingPlacement>, u32) {
        let today = self.request.today;
        let horizon = self.request.ending_by();
        let mut out: Vec<EndingPlacement> = self
            .summary
            .ending
            .iter()
            .filter(|p| today <= p.end && p.end <= horizon)
            .map(|p| EndingPlacement {
                wpb: p.wpb_name.clone(),
                student: p.student_name.clone(),
                end: p.end,
            })
            .collect();
        out.sort_by(|a, b| (a.end, &a.wpb, &a.student).cmp(&(b.end, &b.wpb, &b.student)));
        (out, self.summary.ending_more)
    }

    /// Open and picked-up escalations with their age in days, oldest first.
    pub(super) fn escalation_ages(&self) -> Vec<EscalationAge> {
        let mut out: Vec<EscalationAge> = self
            .summary
            .escalations
            .iter()
            .map(|e| EscalationAge {
                id: e.id,
                wpb: e.wpb_name.clone(),
                student: e.student_name.clone(),
                days: (self.request.today - e.opened).num_days().max(0),
                picked_up: e.picked_up,
            })
            .collect();
        out.sort_by(|a, b| b.days.cmp(&a.days).then(a.id.cmp(&b.id)));
        out
    }
}

/// The completed school weeks a placement's wpb has been silent about the student, when that
/// puts it on the quiet list: running today, its wpb (whose `pauses` these are) not paused
/// today, prompted, and silent for at least the threshold's weeks.
pub fn quiet_weeks(
    calendar: &SchoolCalendar,
    request: &SummaryRequest,
    pauses: &[DateRange],
    p: &RunningPairing,
) -> Option<u32> {
    let today = request.today;
    if !p.dates.contains(today) || paused(pauses.iter(), today) {
        return None;
    }
    // A wpb never asked yet has not been silent.
    let first_prompt = p.first_prompt?;
    let from = match p.last_wpb_klik {
        Some(at) => silent_after_klik(at)?,
        None => p.dates.start.max(first_prompt),
    };
    listed_weeks(calendar, request, pauses, from)
}

/// [`quiet_weeks`] of a running, prompted placement of a wpb without pauses whose last klik
/// about the student was on `klik`: it depends on that day alone.
pub fn quiet_weeks_after_klik(
    calendar: &SchoolCalendar,
    request: &SummaryRequest,
    klik: NaiveDate,
) -> Option<u32> {
    listed_weeks(calendar, request, &[], silent_after_klik(klik)?)
}

/// [`quiet_weeks`] of a running, prompted placement of a wpb without pauses and without a
/// klik: it depends only on `from`, the later of the placement's start and the first prompt.
pub fn quiet_weeks_without_klik(
    calendar: &SchoolCalendar,
    request: &SummaryRequest,
    from: NaiveDate,
) -> Option<u32> {
    listed_weeks(calendar, request, &[], from)
}

/// After a klik, silence starts the Monday after its week.
fn silent_after_klik(klik: NaiveDate) -> Option<NaiveDate> {
    SchoolWeek::of(klik).sunday().checked_add_days(Days::new(1))
}

/// The silent weeks from `from`, when they reach the threshold.
fn listed_weeks(
    calendar: &SchoolCalendar,
    request: &SummaryRequest,
    pauses: &[DateRange],
    from: NaiveDate,
) -> Option<u32> {
    let weeks = silent_weeks(calendar, pauses, from, request.today);
    (weeks >= request.thresholds.quiet_pairing_weeks).then_some(weeks)
}

/// School weeks from the week of `from` that ended before `today`, in which the wpb had a
/// school day without a pause.
fn silent_weeks(
    calendar: &SchoolCalendar,
    pauses: &[DateRange],
    from: NaiveDate,
    today: NaiveDate,
) -> u32 {
    let mut week = SchoolWeek::of(from);
    let mut n = 0;
    while week.sunday() < today {
        let present = week
            .days()
            .any(|d| d >= from && calendar.is_school_day(d) && !paused(pauses.iter(), d));
        if is_school_week(calendar, week) && present {
            n += 1;
        }
        let Some(next) = week.sunday().checked_add_days(Days::new(1)) else {
            break;
        };
        week = SchoolWeek::of(next);
    }
    n
}
