//! The schoolopleider's week in figures: from the stored facts of one school, per team and
//! for the school, what was asked and answered, how the klik went per week, which pairings
//! and wpbs went quiet, which placements end soon and which escalations wait.
//!
//! Pure: the store counts the facts per team and week ([`DigestSummary`]; [`summarize`] counts
//! the same from rows held in memory), the chart and the texts show the result. A klik figure
//! that rests on one or two students is never shown as a number (`Cell::Suppressed`), and
//! neither is a total from which such a figure could be worked out by subtraction.

mod cells;
mod journey;
mod risks;
mod summary;
mod weeks;

use chrono::{NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::klik::{KlikValue, SignalSource};
use super::schedule::{DateRange, SchoolCalendar};

pub use cells::{Cell, KlikCounts};
pub use journey::{terugblik_span, weekly_klik};
pub use risks::{
    EndingPlacement, EscalationAge, QuietPairing, QuietWpb, quiet_weeks, quiet_weeks_after_klik,
    quiet_weeks_without_klik,
};
pub use summary::{
    CellFact, DigestSummary, EndingFact, OpenEscalation, PauseFact, RunningPairing, SummaryRequest,
    UnansweredWpb, summarize,
};
pub use weeks::{SchoolWeek, is_school_week, school_weeks, weeks_between};

/// Thresholds a school can set; the defaults are the issue's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// A klik figure resting on fewer students than this is shown as "< n".
    pub min_students: u32,
    /// School weeks without a klik from the wpb before a pairing counts as quiet.
    pub quiet_pairing_weeks: u32,
    /// Unanswered prompts in a row before a wpb counts as quiet.
    pub quiet_wpb_prompts: u32,
    /// Placements ending within this many weeks are listed.
    pub ending_within_weeks: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_students: 3,
            quiet_pairing_weeks: 3,
            quiet_wpb_prompts: 4,
            ending_within_weeks: 2,
        }
    }
}

/// When and whether a school's schoolopleiders get the weekly digest, and its thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestSettings {
    /// The school sends a weekly digest at all.
    pub enabled: bool,
    /// The weekday it goes (school time).
    pub weekday: Weekday,
    /// The time of day it goes, or as soon after as the bot runs that week.
    pub time: NaiveTime,
    /// The small-cell and risk thresholds.
    pub thresholds: Thresholds,
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            weekday: Weekday::Mon,
            time: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            thresholds: Thresholds::default(),
        }
    }
}

/// How many school weeks before the shown period the change is measured against.
pub const COMPARE_WEEKS: usize = 4;

/// A team, or the wpbs of the school without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamFact {
    /// The team's id.
    pub id: String,
    /// The team's name.
    pub name: String,
}

/// A wpb of the school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WpbFact {
    /// The wpb's id.
    pub id: String,
    /// The wpb's name.
    pub name: String,
    /// Their team, if any.
    pub team: Option<String>,
    /// Their pauses: not counted as silence.
    pub pauses: Vec<DateRange>,
}

/// A prompt that was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptFact {
    /// The wpb it went to.
    pub wpb: String,
    /// The local date it went.
    pub sent: NaiveDate,
    /// A reflection answered it.
    pub answered: bool,
}

/// A reflection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReflectionFact {
    /// Whose it is.
    pub wpb: String,
    /// The local date it was written.
    pub at: NaiveDate,
    /// The wpb shared it.
    pub shared: bool,
}

/// A klik signal, of either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalFact {
    /// The pairing's wpb.
    pub wpb: String,
    /// The pairing's student.
    pub student: String,
    /// The local date it was given.
    pub at: NaiveDate,
    /// Its value.
    pub value: KlikValue,
    /// Who gave it.
    pub source: SignalSource,
}

/// A pairing, with the names the risk lists show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairingFact {
    /// The wpb's id.
    pub wpb: String,
    /// The student's id.
    pub student: String,
    /// The student's name.
    pub student_name: String,
    /// The placement's dates.
    pub dates: DateRange,
}

/// An escalation that is open or picked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationFact {
    /// Its number.
    pub id: i64,
    /// The wpb's id.
    pub wpb: String,
    /// The student's name.
    pub student_name: String,
    /// Someone picked it up (acknowledged).
    pub picked_up: bool,
    /// The local date it opened.
    pub opened: NaiveDate,
}

/// An intervisie thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadFact {
    /// The team it ran in.
    pub team: String,
    /// The local date it opened.
    pub opened: NaiveDate,
    /// How many people posted in it.
    pub participants: u32,
}

/// A school's stored facts, row by row (the store counts them in SQL instead, see
/// [`DigestSummary`]). They may reach further back than the period: what lies outside it is
/// ignored, except by the risk lists, which look back from the day the figures are made.
#[derive(Debug, Clone, Default)]
pub struct DigestFacts {
    /// The school's name.
    pub school: String,
    /// Its teams.
    pub teams: Vec<TeamFact>,
    /// Its wpbs, with their pauses.
    pub wpbs: Vec<WpbFact>,
    /// Prompts sent.
    pub prompts: Vec<PromptFact>,
    /// Reflections written.
    pub reflections: Vec<ReflectionFact>,
    /// Klik signals given, of both sides.
    pub signals: Vec<SignalFact>,
    /// The pairings of its wpbs.
    pub pairings: Vec<PairingFact>,
    /// Escalations open or picked up now.
    pub escalations: Vec<EscalationFact>,
    /// Intervisie threads.
    pub threads: Vec<ThreadFact>,
}

/// Everything the figures are computed from: the facts and the school's calendar, the
/// period and the thresholds.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// The school's calendar (holiday weeks are not school weeks).
    pub calendar: &'a SchoolCalendar,
    /// The last day the figures cover (the digest: the Sunday before; `/overzicht`: today).
    pub until: NaiveDate,
    /// The day the figures are made: escalation ages, pauses and ending placements count
    /// from it.
    pub today: NaiveDate,
    /// How many school weeks are shown, up to and including the week of `until`.
    pub weeks: usize,
    /// The school's thresholds.
    pub thresholds: Thresholds,
    /// What is stored.
    pub facts: DigestFacts,
}

/// One week of one team (or the school).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekFigures {
    /// Prompts sent.
    pub prompts_sent: u32,
    /// Of those, answered.
    pub prompts_answered: u32,
    /// Reflections written.
    pub reflections: u32,
    /// Of those, shared.
    pub shared: u32,
    /// Klik signals per value, or suppressed.
    pub klik: Cell<KlikCounts>,
}

impl WeekFigures {
    /// Answered prompts as a share of those sent; `None` when none were sent.
    pub fn response_rate(&self) -> Option<f64> {
        rate(self.prompts_answered, self.prompts_sent)
    }
}

/// Totals over some weeks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Prompts sent.
    pub prompts_sent: u32,
    /// Of those, answered.
    pub prompts_answered: u32,
    /// Reflections written.
    pub reflections: u32,
    /// Of those, shared.
    pub shared: u32,
    /// Intervisie threads opened.
    pub threads: u32,
    /// People who took part in those threads, counted per thread.
    pub participants: u32,
}

impl Totals {
    /// Answered prompts as a share of those sent; `None` when none were sent.
    pub fn response_rate(&self) -> Option<f64> {
        rate(self.prompts_answered, self.prompts_sent)
    }

    fn add_week(&mut self, w: &WeekFigures) {
        self.prompts_sent += w.prompts_sent;
        self.prompts_answered += w.prompts_answered;
        self.reflections += w.reflections;
        self.shared += w.shared;
    }
}

fn rate(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

/// One team's figures (or the school's, under the school's name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamFigures {
    /// The team's name.
    pub name: String,
    /// One entry per shown school week, oldest first.
    pub weeks: Vec<WeekFigures>,
    /// The shown period as a whole.
    pub period: Totals,
    /// The [`COMPARE_WEEKS`] school weeks before the period's last week.
    pub before: Totals,
    /// The period's last week.
    pub last: Totals,
    /// Open escalations about this team's wpbs.
    pub open_escalations: u32,
    /// Picked-up escalations about this team's wpbs.
    pub picked_up_escalations: u32,
}

/// The figures of one school over some weeks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestFigures {
    /// The school's name.
    pub school: String,
    /// The last day covered.
    pub until: NaiveDate,
    /// The shown school weeks, oldest first.
    pub weeks: Vec<SchoolWeek>,
    /// The school as a whole.
    pub school_total: TeamFigures,
    /// Per team, in the roster's order; wpbs without a team form a team of their own.
    pub teams: Vec<TeamFigures>,
    /// Active pairings without a klik from the wpb for a while.
    pub quiet_pairings: Vec<QuietPairing>,
    /// Wpbs who left their last prompts unanswered.
    pub quiet_wpbs: Vec<QuietWpb>,
    /// Placements that end soon.
    pub ending: Vec<EndingPlacement>,
    /// Open and picked-up escalations, oldest first.
    pub escalations: Vec<EscalationAge>,
    /// The threshold the "< n" cells use.
    pub min_students: u32,
    /// How many of each risk list are not in it: each keeps its first [`RISK_LIST_LEN`], so
    /// a region's digest stays small in the outbox. Digests stored before this have none.
    #[serde(default)]
    pub left_out: LeftOut,
}

/// Entries left out of each risk list of [`DigestFigures`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Of [`DigestFigures::quiet_pairings`].
    pub quiet_pairings: u32,
    /// Of [`DigestFigures::quiet_wpbs`].
    pub quiet_wpbs: u32,
    /// Of [`DigestFigures::ending`].
    pub ending: u32,
    /// Of [`DigestFigures::escalations`].
    pub escalations: u32,
}

/// The most entries a risk list of [`DigestFigures`] keeps: what a digest shows of each.
pub const RISK_LIST_LEN: usize = 5;

/// The first [`RISK_LIST_LEN`] of an ordered list, and how many are left out of it (`more`
/// were left out before).
fn first_of<T>(mut list: Vec<T>, more: u32) -> (Vec<T>, u32) {
    let cut = list.len().saturating_sub(RISK_LIST_LEN);
    list.truncate(RISK_LIST_LEN);
    (
        list,
        more.saturating_add(u32::try_from(cut).unwrap_or(u32::MAX)),
    )
}

impl DigestFigures {
    /// Nothing happened and nothing waits: no prompt, reflection or klik in the period, no
    /// intervisie and no risk. The weekly digest is not sent then (a school's first Monday).
    pub fn has_nothing_to_tell(&self) -> bool {
        let t = &self.school_total;
        t.period == Totals::default()
            && t.weeks
                .iter()
                .all(|w| w.klik == Cell::Shown(KlikCounts::default()))
            && self.quiet_pairings.is_empty()
            && self.quiet_wpbs.is_empty()
            && self.ending.is_empty()
            && self.escalations.is_empty()
    }
}

/// The team id given to wpbs without a team.
pub const NO_TEAM: &str = "";

/// Computes the figures of in-memory facts; see the module documentation.
pub fn figures(input: &DigestInput) -> DigestFigures {
    let request = SummaryRequest::new(
        input.calendar,
        input.until,
        input.today,
        input.weeks,
        input.thresholds,
    );
    figures_of_summary(
        input.calendar,
        input.until,
        &request,
        &summarize(&input.facts, &request),
    )
}

/// Computes the figures of a school's summary (as the store counts it for `request`), up to
/// `until`.
pub fn figures_of_summary(
    calendar: &SchoolCalendar,
    until: NaiveDate,
    request: &SummaryRequest,
    summary: &DigestSummary,
) -> DigestFigures {
    let all_weeks = &request.weeks;
    let shown_from = all_weeks.len().saturating_sub(request.shown);
    let mut teams: Vec<TeamFact> = summary.teams.clone();
    if summary.teamless_wpbs {
        teams.push(TeamFact {
            id: NO_TEAM.to_string(),
            name: "—".to_string(),
        });
    }
    let grid = cells::Grid::build(summary, &teams, all_weeks.len());
    let suppressed = cells::suppress(&grid, request.thresholds.min_students);
    let team_figures = |name: &str, weeks: Vec<WeekFigures>, team: Option<&str>| {
        let mut figures = TeamFigures {
            name: name.to_string(),
            weeks: weeks[shown_from..].to_vec(),
            period: Totals::default(),
            before: Totals::default(),
            last: Totals::default(),
            open_escalations: 0,
            picked_up_escalations: 0,
        };
        for w in &figures.weeks {
            figures.period.add_week(w);
        }
        if let Some((last, rest)) = weeks.split_last() {
            figures.last.add_week(last);
            for w in rest.iter().rev().take(COMPARE_WEEKS) {
                figures.before.add_week(w);
            }
        }
        for th in &summary.threads {
            let in_period = all_weeks[shown_from..]
                .iter()
                .any(|w| w.contains(th.opened));
            if in_period && team.is_none_or(|id| th.team == id) {
                figures.period.threads += 1;
                figures.period.participants += th.participants;
            }
        }
        for e in summary
            .escalations
            .iter()
            .filter(|e| team.is_none_or(|id| e.team == id))
        {
            if e.picked_up {
                figures.picked_up_escalations += 1;
            } else {
                figures.open_escalations += 1;
            }
        }
        figures
    };
    let per_team: Vec<TeamFigures> = teams
        .iter()
        .enumerate()
        .map(|(t, team)| team_figures(&team.name, suppressed.team_weeks(t), Some(&team.id)))
        .collect();
    let school_total = team_figures(&summary.school, suppressed.school_weeks(), None);
    let risks = risks::Risks::new(calendar, request, summary);
    let (quiet_pairings, quiet_more) = risks.quiet_pairings();
    let (quiet_pairings, quiet_more) = first_of(quiet_pairings, quiet_more);
    let (quiet_wpbs, quiet_wpbs_more) = first_of(risks.quiet_wpbs(), 0);
    let (ending, ending_more) = risks.ending();
    let (ending, ending_more) = first_of(ending, ending_more);
    let (escalations, escalations_more) = first_of(risks.escalation_ages(), 0);
    DigestFigures {
        school: summary.school.clone(),
        until,
        weeks: all_weeks[shown_from..].to_vec(),
        school_total,
        teams: per_team,
        quiet_pairings,
        quiet_wpbs,
        ending,
        escalations,
        min_students: request.thresholds.min_students,
        left_out: LeftOut {
            quiet_pairings: quiet_more,
            quiet_wpbs: quiet_wpbs_more,
            ending: ending_more,
            escalations: escalations_more,
        },
    }
}

#[cfg(test)]
mod tests;
