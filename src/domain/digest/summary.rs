//! What the figures need, already counted: per team and school week the counts, and only the
//! few pairings, wpbs and escalations a risk list may name. The store counts this in SQL, so a
//! region's digest does not carry every prompt and signal of half a year into the process;
//! [`summarize`] counts the same from the stored rows ([`DigestFacts`]) and is the reference
//! the store's counting is tested against.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};

use super::weeks::{SchoolWeek, school_weeks};
use super::{COMPARE_WEEKS, DigestFacts, KlikCounts, NO_TEAM, TeamFact, ThreadFact, Thresholds};
use crate::domain::klik::SignalSource;
use crate::domain::schedule::{DateRange, SchoolCalendar};

/// Days looked back before the counted weeks, for the risk lists and holidays in between.
const LOOK_BACK_DAYS: u64 = 12 * 7;

/// What a summary is counted for: the school weeks of its cells, the day it is made on and
/// the thresholds that decide which pairings and wpbs a risk list may need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRequest {
    /// The school weeks counted, oldest first: the shown ones and the compared ones before.
    pub weeks: Vec<SchoolWeek>,
    /// How many of the last of them are shown.
    pub shown: usize,
    /// The first day whose facts count: far enough back for the compared weeks, the risk
    /// lists and holidays in between. Facts from before it are left out.
    pub since: NaiveDate,
    /// The day the figures are made.
    pub today: NaiveDate,
    /// The school's thresholds.
    pub thresholds: Thresholds,
}

impl SummaryRequest {
    /// The request for the figures of `weeks` school weeks up to `until`, made on `today`.
    pub fn new(
        calendar: &SchoolCalendar,
        until: NaiveDate,
        today: NaiveDate,
        weeks: usize,
        thresholds: Thresholds,
    ) -> Self {
        let back = (weeks + COMPARE_WEEKS) as u64 * 7 + LOOK_BACK_DAYS;
        Self {
            weeks: school_weeks(calendar, until, weeks + COMPARE_WEEKS),
            shown: weeks,
            since: until.checked_sub_days(Days::new(back)).unwrap_or(until),
            today,
            thresholds,
        }
    }

    /// A wpb who gave a klik about the student on or after this day cannot have been silent
    /// for the threshold's completed weeks by today: silence counts from the Monday after the
    /// klik's week, and the threshold's last week must have ended before today.
    pub fn quiet_klik_before(&self) -> NaiveDate {
        let days = 7 * u64::from(self.thresholds.quiet_pairing_weeks);
        self.today
            .checked_sub_days(Days::new(days))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Running placements that end on or before this day are listed as ending soon.
    pub fn ending_by(&self) -> NaiveDate {
        let days = 7 * u64::from(self.thresholds.ending_within_weeks);
        self.today
            .checked_add_days(Days::new(days))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Unanswered prompts in a row from which a wpb is quiet.
    pub fn unanswered_from(&self) -> u32 {
        self.thresholds.quiet_wpb_prompts.max(1)
    }

    /// A cell with fewer students than this carries their ids.
    pub fn few_below(&self) -> u32 {
        self.thresholds.min_students
    }
}

/// One team (or [`NO_TEAM`]) in one of the request's weeks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellFact {
    /// The team's id, [`NO_TEAM`] for wpbs without one.
    pub team: String,
    /// The week's position in [`SummaryRequest::weeks`].
    pub week: usize,
    /// Prompts sent.
    pub prompts_sent: u32,
    /// Of those, answered by a reflection.
    pub prompts_answered: u32,
    /// Reflections written.
    pub reflections: u32,
    /// Of those, shared.
    pub shared: u32,
    /// Klik signals of both sides, per value.
    pub klik: KlikCounts,
    /// Distinct students those signals are about.
    pub students: u32,
    /// Their ids, in order, when they are fewer than [`SummaryRequest::few_below`]; empty
    /// otherwise. The small-cell rule needs them to tell students of several teams apart.
    pub few_students: Vec<String>,
}

/// A placement running on the request's day that the quiet list may name: its wpb prompted
/// and silent about the student since before [`SummaryRequest::quiet_klik_before`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningPairing {
    /// The wpb's id.
    pub wpb: String,
    /// The wpb's name.
    pub wpb_name: String,
    /// The student's name.
    pub student_name: String,
    /// The placement's dates.
    pub dates: DateRange,
    /// The local date of the wpb's first prompt in the facts, if any.
    pub first_prompt: Option<NaiveDate>,
    /// The local date of the wpb's latest klik about this student, if any.
    pub last_wpb_klik: Option<NaiveDate>,
}

/// A placement running on the request's day that ends on or before
/// [`SummaryRequest::ending_by`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingFact {
    /// The wpb's name.
    pub wpb_name: String,
    /// The student's name.
    pub student_name: String,
    /// The placement's last day.
    pub end: NaiveDate,
}

/// A wpb whose latest prompts up to the request's day went unanswered, at least
/// [`SummaryRequest::unanswered_from`] of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnansweredWpb {
    /// The wpb's id.
    pub wpb: String,
    /// The wpb's name.
    pub name: String,
    /// Unanswered prompts since their last answered one.
    pub unanswered: u32,
}

/// A pause of a wpb of the school.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseFact {
    /// The wpb's id.
    pub wpb: String,
    /// The pause.
    pub dates: DateRange,
}

/// An escalation that is open or picked up, with the names its list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    /// Its number.
    pub id: i64,
    /// The wpb's team, [`NO_TEAM`] without one.
    pub team: String,
    /// The wpb's name.
    pub wpb_name: String,
    /// The student's name.
    pub student_name: String,
    /// Someone picked it up.
    pub picked_up: bool,
    /// The local date it opened.
    pub opened: NaiveDate,
}

/// A school's facts, counted for one [`SummaryRequest`]. Lists are in a fixed order (cells by
/// team and week, the rest by id) so two summaries of the same rows compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DigestSummary {
    /// The school's name.
    pub school: String,
    /// Its teams, in the roster's order.
    pub teams: Vec<TeamFact>,
    /// Some wpb of the school has no team.
    pub teamless_wpbs: bool,
    /// Every team-week with anything counted.
    pub cells: Vec<CellFact>,
    /// Placements whose wpb went silent about the student (see [`RunningPairing`]): all of
    /// them, or the store's choice: those of wpbs with a pause, and the first of the others
    /// in the quiet list's order, at least [`RISK_LIST_LEN`](super::RISK_LIST_LEN) of them when there are.
    pub quiet: Vec<RunningPairing>,
    /// Quiet pairings of the list (silent for the threshold's weeks) left out of `quiet`;
    /// each ranks after every pairing in it.
    pub quiet_more: u32,
    /// Placements that end soon: all of them, or the first [`RISK_LIST_LEN`](super::RISK_LIST_LEN) by end and names.
    pub ending: Vec<EndingFact>,
    /// Those left out of `ending`.
    pub ending_more: u32,
    /// See [`UnansweredWpb`].
    pub unanswered: Vec<UnansweredWpb>,
    /// The pauses of the wpbs named above.
    pub pauses: Vec<PauseFact>,
    /// Escalations open or picked up now.
    pub escalations: Vec<OpenEscalation>,
    /// Intervisie threads.
    pub threads: Vec<ThreadFact>,
}

impl DigestSummary {
    /// Puts every list in its fixed order.
    pub fn sort(&mut self) {
        self.cells
            .sort_by(|a, b| (&a.team, a.week).cmp(&(&b.team, b.week)));
        for c in &mut self.cells {
            c.few_students.sort();
        }
        self.quiet.sort_by(|a, b| {
            (&a.wpb, &a.student_name, a.dates.start).cmp(&(&b.wpb, &b.student_name, b.dates.start))
        });
        self.ending.sort_by(|a, b| {
            (a.end, &a.wpb_name, &a.student_name).cmp(&(b.end, &b.wpb_name, &b.student_name))
        });
        self.unanswered.sort_by(|a, b| a.wpb.cmp(&b.wpb));
        self.pauses.sort_by(|a, b| {
            (&a.wpb, a.dates.start, a.dates.end).cmp(&(&b.wpb, b.dates.start, b.dates.end))
        });
        self.escalations.sort_by_key(|e| e.id);
        self.threads.sort_by(|a, b| {
            (&a.team, a.opened, a.participants).cmp(&(&b.team, b.opened, b.participants))
        });
    }
}

/// The cell of a team and week, new when it is not there yet.
fn cell_entry<'m, 'f>(
    cells: &'m mut HashMap<(String, usize), (CellFact, BTreeSet<&'f str>)>,
    (team, week): (String, usize),
) -> &'m mut (CellFact, BTreeSet<&'f str>) {
    cells.entry((team.clone(), week)).or_insert_with(|| {
        let fact = CellFact {
            team,
            week,
            ..CellFact::default()
        };
        (fact, BTreeSet::new())
    })
}

/// Counts the stored rows (read from [`SummaryRequest::since`] on) the way the store's SQL
/// does: the reference for it, and what the figures of in-memory facts are made from. One
/// difference is left: of two prompts to a wpb on the same day, the store orders by the time
/// it went, these facts cannot.
pub fn summarize(facts: &DigestFacts, request: &SummaryRequest) -> DigestSummary {
    let team_of: HashMap<&str, &str> = facts
        .wpbs
        .iter()
        .map(|w| (w.id.as_str(), w.team.as_deref().unwrap_or(NO_TEAM)))
        .collect();
    let team = |wpb: &str| team_of.get(wpb).copied().unwrap_or(NO_TEAM).to_string();
    let week_of = |d: NaiveDate| request.weeks.iter().position(|w| w.contains(d));
    let mut cells: HashMap<(String, usize), (CellFact, BTreeSet<&str>)> = HashMap::new();
    let cell = |wpb: &str, d: NaiveDate| Some((team(wpb), week_of(d)?));
    for p in &facts.prompts {
        if let Some(at) = cell(&p.wpb, p.sent) {
            let (c, _) = cell_entry(&mut cells, at);
            c.prompts_sent += 1;
            c.prompts_answered += u32::from(p.answered);
        }
    }
    for r in &facts.reflections {
        if let Some(at) = cell(&r.wpb, r.at) {
            let (c, _) = cell_entry(&mut cells, at);
            c.reflections += 1;
            c.shared += u32::from(r.shared);
        }
    }
    for s in &facts.signals {
        if let Some(at) = cell(&s.wpb, s.at) {
            let (c, students) = cell_entry(&mut cells, at);
            c.klik.add(s.value);
            students.insert(s.student.as_str());
        }
    }
    let cells = cells
        .into_values()
        .map(|(mut c, students)| {
            c.students = u32::try_from(students.len()).unwrap_or(u32::MAX);
            if c.students < request.few_below() {
                c.few_students = students.into_iter().map(String::from).collect();
            }
            c
        })
        .collect();

    let names: HashMap<&str, &str> = facts
        .wpbs
        .iter()
        .map(|w| (w.id.as_str(), w.name.as_str()))
        .collect();
    let name = |wpb: &str| names.get(wpb).copied().unwrap_or(wpb).to_string();
    let mut first_prompt: HashMap<&str, NaiveDate> = HashMap::new();
    for p in &facts.prompts {
        let at = first_prompt.entry(p.wpb.as_str()).or_insert(p.sent);
        *at = (*at).min(p.sent);
    }
    let mut last_klik: HashMap<(&str, &str), NaiveDate> = HashMap::new();
    for s in facts
        .signals
        .iter()
        .filter(|s| s.source == SignalSource::Wpb)
    {
        let at = last_klik
            .entry((s.wpb.as_str(), s.student.as_str()))
            .or_insert(s.at);
        *at = (*at).max(s.at);
    }
    let today = request.today;
    // The risk lists name only people who are wpbs now.
    let running = facts
        .pairings
        .iter()
        .filter(|p| p.dates.contains(today) && names.contains_key(p.wpb.as_str()))
        .map(|p| RunningPairing {
            wpb: p.wpb.clone(),
            wpb_name: name(&p.wpb),
            student_name: p.student_name.clone(),
            dates: p.dates,
            first_prompt: first_prompt.get(p.wpb.as_str()).copied(),
            last_wpb_klik: last_klik
                .get(&(p.wpb.as_str(), p.student.as_str()))
                .copied(),
        });
    let (mut quiet, mut ending) = (Vec::new(), Vec::new());
    for p in running {
        let silent = p.first_prompt.is_some()
            && p.last_wpb_klik
                .is_none_or(|at| at < request.quiet_klik_before());
        if p.dates.end <= request.ending_by() {
            ending.push(EndingFact {
                wpb_name: p.wpb_name.clone(),
                student_name: p.student_name.clone(),
                end: p.dates.end,
            });
        }
        if silent {
            quiet.push(p);
        }
    }

    let mut sent: HashMap<&str, Vec<(NaiveDate, bool)>> = HashMap::new();
    for p in facts
        .prompts
        .iter()
        .filter(|p| p.sent <= today && names.contains_key(p.wpb.as_str()))
    {
        sent.entry(p.wpb.as_str())
            .or_default()
            .push((p.sent, p.answered));
    }
    let unanswered: Vec<UnansweredWpb> = sent
        .into_iter()
        .filter_map(|(wpb, mut own)| {
            own.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
            let n = own.iter().take_while(|(_, answered)| !answered).count();
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            (n >= request.unanswered_from()).then(|| UnansweredWpb {
                wpb: wpb.to_string(),
                name: name(wpb),
                unanswered: n,
            })
        })
        .collect();

    let named: BTreeSet<&str> = quiet
        .iter()
        .map(|p| p.wpb.as_str())
        .chain(unanswered.iter().map(|w| w.wpb.as_str()))
        .collect();
    let pauses = facts
        .wpbs
        .iter()
        .filter(|w| named.contains(w.id.as_str()))
        .flat_map(|w| {
            w.pauses.iter().map(|d| PauseFact {
                wpb: w.id.clone(),
                dates: *d,
            })
        })
        .collect();
    let escalations = facts
        .escalations
        .iter()
        .map(|e| OpenEscalation {
            id: e.id,
            team: team(&e.wpb),
            wpb_name: name(&e.wpb),
            student_name: e.student_name.clone(),
            picked_up: e.picked_up,
            opened: e.opened,
        })
        .collect();
    let mut summary = DigestSummary {
        school: facts.school.clone(),
        teams: facts.teams.clone(),
        teamless_wpbs: facts.wpbs.iter().any(|w| w.team.is_none()),
        cells,
        quiet,
        quiet_more: 0,
        ending,
        ending_more: 0,
        unanswered,
        pauses,
        escalations,
        threads: facts.threads.clone(),
    };
    summary.sort();
    summary
}
