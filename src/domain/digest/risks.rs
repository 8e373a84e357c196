//! The quiet risks a schoolopleider would otherwise miss: pairings nobody said anything about
//! for weeks, wpbs who stopped answering, placements about to end, escalations still waiting.
//! Holiday weeks and a wpb's paused weeks are never counted as silence; a wpb paused today is
//! not listed at all (they said they are away).

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use super::weeks::{SchoolWeek, is_school_week};
use super::{DigestInput, PromptFact, WpbFact};
use crate::domain::klik::SignalSource;
use crate::domain::schedule::DateRange;

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

fn paused(pauses: &[DateRange], d: NaiveDate) -> bool {
    pauses.iter().any(|p| p.contains(d))
}

/// Active pairings whose wpb gave no klik about the student for the threshold's completed
/// school weeks (weeks the wpb was paused throughout do not count, nor weeks before the wpb's
/// first prompt), longest silence first.
pub fn quiet_pairings(input: &DigestInput) -> Vec<QuietPairing> {
    let today = input.today;
    // One pass over the facts, then a lookup per pairing.
    let mut last_klik: HashMap<(&str, &str), NaiveDate> = HashMap::new();
    for s in input
        .facts
        .signals
        .iter()
        .filter(|s| s.source == SignalSource::Wpb)
    {
        let at = last_klik
            .entry((s.wpb.as_str(), s.student.as_str()))
            .or_insert(s.at);
        *at = (*at).max(s.at);
    }
    let mut first_prompt: HashMap<&str, NaiveDate> = HashMap::new();
    for p in &input.facts.prompts {
        let at = first_prompt.entry(p.wpb.as_str()).or_insert(p.sent);
        *at = (*at).min(p.sent);
    }
    let wpbs = wpbs_by_id(input);
    let mut out: Vec<QuietPairing> = input
        .facts
        .pairings
        .iter()
        .filter(|p| p.dates.contains(today))
        .filter_map(|p| {
            let w = wpbs.get(p.wpb.as_str())?;
            if paused(&w.pauses, today) {
                return None;
            }
            // A wpb never asked yet has not been silent: silence starts with their first
            // prompt (or the placement, if later), and after a klik the week after it.
            let first_prompt = *first_prompt.get(p.wpb.as_str())?;
            let from = match last_klik.get(&(p.wpb.as_str(), p.student.as_str())) {
                Some(at) => SchoolWeek::of(*at)
                    .sunday()
                    .checked_add_days(Days::new(1))?,
                None => p.dates.start.max(first_prompt),
            };
            let weeks = silent_weeks(input, &w.pauses, from, today);
            (weeks >= input.thresholds.quiet_pairing_weeks).then(|| QuietPairing {
                wpb: w.name.clone(),
                student: p.student_name.clone(),
                weeks,
            })
        })
        .collect();
    out.sort_by(|a, b| b.weeks.cmp(&a.weeks).then(a.wpb.cmp(&b.wpb)));
    out
}

fn wpbs_by_id<'a>(input: &'a DigestInput) -> HashMap<&'a str, &'a WpbFact> {
    input
        .facts
        .wpbs
        .iter()
        .map(|w| (w.id.as_str(), w))
        .collect()
}

/// School weeks from the week of `from` that ended before `today`, in which the wpb had a
/// school day without a pause.
fn silent_weeks(
    input: &DigestInput,
    pauses: &[DateRange],
    from: NaiveDate,
    today: NaiveDate,
) -> u32 {
    let mut week = SchoolWeek::of(from);
    let mut n = 0;
    while week.sunday() < today {
        let present = week
            .days()
            .any(|d| d >= from && input.calendar.is_school_day(d) && !paused(pauses, d));
        if is_school_week(input.calendar, week) && present {
            n += 1;
        }
        let Some(next) = week.sunday().checked_add_days(Days::new(1)) else {
            break;
        };
        week = SchoolWeek::of(next);
    }
    n
}

/// Wpbs (not paused today) whose last prompts, as many as the threshold, all went
/// unanswered; most unanswered first.
pub fn quiet_wpbs(input: &DigestInput) -> Vec<QuietWpb> {
    let need = input.thresholds.quiet_wpb_prompts.max(1) as usize;
    let mut sent: HashMap<&str, Vec<&PromptFact>> = HashMap::new();
    for p in input.facts.prompts.iter().filter(|p| p.sent <= input.today) {
        sent.entry(p.wpb.as_str()).or_default().push(p);
    }
    let mut out: Vec<QuietWpb> = input
        .facts
        .wpbs
        .iter()
        .filter(|w| !paused(&w.pauses, input.today))
        .filter_map(|w| {
            let mut own = sent.remove(w.id.as_str())?;
            own.sort_by_key(|p| std::cmp::Reverse(p.sent));
            let unanswered = own.iter().take_while(|p| !p.answered).count();
            (unanswered >= need).then(|| QuietWpb {
                wpb: w.name.clone(),
                unanswered: u32::try_from(unanswered).unwrap_or(u32::MAX),
            })
        })
        .collect();
    out.sort_by(|a, b| b.unanswered.cmp(&a.unanswered).then(a.wpb.cmp(&b.wpb)));
    out
}

/// Running placements whose last day lies within the threshold's weeks after today.
pub fn ending(input: &DigestInput) -> Vec<EndingPlacement> {
    let days = u64::from(input.thresholds.ending_within_weeks) * 7;
    let Some(horizon) = input.today.checked_add_days(Days::new(days)) else {
        return Vec::new();
    };
    let wpbs = wpbs_by_id(input);
    let mut out: Vec<EndingPlacement> = input
        .facts
        .pairings
        .iter()
        .filter(|p| p.dates.start <= input.today && input.today <= p.dates.end)
        .filter(|p| p.dates.end <= horizon)
        .filter_map(|p| {
            Some(EndingPlacement {
                wpb: wpbs.get(p.wpb.as_str())?.name.clone(),
                student: p.student_name.clone(),
                end: p.dates.end,
            })
        })
        .collect();
    out.sort_by(|a, b| a.end.cmp(&b.end).then(a.wpb.cmp(&b.wpb)));
    out
}

/// Open and picked-up escalations with their age in days, oldest first.
pub fn escalation_ages(input: &DigestInput) -> Vec<EscalationAge> {
    let wpbs = wpbs_by_id(input);
    let mut out: Vec<EscalationAge> = input
        .facts
        .escalations
        .iter()
        .map(|e| EscalationAge {
            id: e.id,
            wpb: wpbs
                .get(e.wpb.as_str())
                .map_or_else(|| e.wpb.clone(), |w| w.name.clone()),
            student: e.student_name.clone(),
            days: (input.today - e.opened).num_days().max(0),
            picked_up: e.picked_up,
        })
        .collect();
    out.sort_by(|a, b| b.days.cmp(&a.days).then(a.id.cmp(&b.id)));
    out
}
