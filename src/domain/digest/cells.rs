//! The weekly grid of teams × school weeks, and the small-cell rule: a klik figure resting on
//! one or two students is shown as "< 3", and so is a school figure from which such a team
//! figure could be found by subtracting the shown teams from it.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::weeks::SchoolWeek;
use super::{DigestInput, TeamFact, WeekFigures};
use crate::domain::klik::KlikValue;

/// A figure, or the note that it rests on too few students to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell<T> {
    /// The figure.
    Shown(T),
    /// Fewer than the threshold's students: shown as "< n".
    Suppressed,
}

impl<T: Default> Default for Cell<T> {
    fn default() -> Self {
        Cell::Shown(T::default())
    }
}

impl<T: Copy> Cell<T> {
    /// The figure when it may be shown.
    pub fn shown(&self) -> Option<T> {
        match self {
            Cell::Shown(v) => Some(*v),
            Cell::Suppressed => None,
        }
    }
}

/// Klik signals per value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlikCounts {
    /// Goed.
    pub goed: u32,
    /// Twijfel.
    pub twijfel: u32,
    /// Geen klik.
    pub geen: u32,
}

impl KlikCounts {
    /// All signals.
    pub fn total(&self) -> u32 {
        self.goed + self.twijfel + self.geen
    }

    fn add(&mut self, value: KlikValue) {
        match value {
            KlikValue::Goed => self.goed += 1,
            KlikValue::Twijfel => self.twijfel += 1,
            KlikValue::GeenKlik => self.geen += 1,
        }
    }
}

/// One team-week before the small-cell rule: the figures and whose signals they hold.
#[derive(Debug, Clone, Default)]
struct RawWeek<'a> {
    figures: WeekFigures,
    klik: KlikCounts,
    students: BTreeSet<&'a str>,
}

/// Teams × weeks of raw counts.
pub(super) struct Grid<'a> {
    teams: Vec<Vec<RawWeek<'a>>>,
    /// The number of weeks, also when there are no teams.
    weeks: usize,
}

impl<'a> Grid<'a> {
    /// Counts every fact into its team and school week; facts outside the weeks are left out.
    pub(super) fn build(
        input: &'a DigestInput,
        teams: &[TeamFact],
        weeks: &[SchoolWeek],
        team_of: &dyn Fn(&str) -> &'a str,
    ) -> Self {
        let mut grid = Grid {
            teams: vec![vec![RawWeek::default(); weeks.len()]; teams.len()],
            weeks: weeks.len(),
        };
        let index = |wpb: &str, day| -> Option<(usize, usize)> {
            let team = team_of(wpb);
            let t = teams.iter().position(|x| x.id == team)?;
            let w = weeks.iter().position(|w: &SchoolWeek| w.contains(day))?;
            Some((t, w))
        };
        for p in &input.facts.prompts {
            if let Some((t, w)) = index(&p.wpb, p.sent) {
                let c = &mut grid.teams[t][w];
                c.figures.prompts_sent += 1;
                c.figures.prompts_answered += u32::from(p.answered);
            }
        }
        for r in &input.facts.reflections {
            if let Some((t, w)) = index(&r.wpb, r.at) {
                let c = &mut grid.teams[t][w];
                c.figures.reflections += 1;
                c.figures.shared += u32::from(r.shared);
            }
        }
        for s in &input.facts.signals {
            if let Some((t, w)) = index(&s.wpb, s.at) {
                let c = &mut grid.teams[t][w];
                c.klik.add(s.value);
                c.students.insert(s.student.as_str());
            }
        }
        grid
    }
}

/// The grid after the small-cell rule.
pub(super) struct Suppressed {
    teams: Vec<Vec<WeekFigures>>,
    school: Vec<WeekFigures>,
}

impl Suppressed {
    /// Team `t`'s weeks.
    pub(super) fn team_weeks(&self, t: usize) -> Vec<WeekFigures> {
        self.teams.get(t).cloned().unwrap_or_default()
    }

    /// The school's weeks.
    pub(super) fn school_weeks(&self) -> Vec<WeekFigures> {
        self.school.clone()
    }
}

/// Whether a figure over these students may not be shown: one or two (below `min`), never
/// none (an empty cell reveals nobody's signal).
fn too_few(students: usize, min: u32) -> bool {
    students > 0 && students < min as usize
}

/// Applies the small-cell rule to every team-week, then to every school week: hidden when it
/// rests on too few students itself, or when the students of its hidden team cells together
/// are too few (the school minus the shown teams would give them away).
pub(super) fn suppress(grid: &Grid, min: u32) -> Suppressed {
    let weeks = grid.weeks;
    let teams = grid
        .teams
        .iter()
        .map(|row| {
            row.iter()
                .map(|raw| WeekFigures {
                    klik: if too_few(raw.students.len(), min) {
                        Cell::Suppressed
                    } else {
                        Cell::Shown(raw.klik)
                    },
                    ..raw.figures.clone()
                })
                .collect()
        })
        .collect();
    let school = (0..weeks)
        .map(|w| {
            let mut figures = WeekFigures::default();
            let mut klik = KlikCounts::default();
            let mut students = BTreeSet::new();
            let mut hidden = BTreeSet::new();
            for row in &grid.teams {
                let raw = &row[w];
                figures.prompts_sent += raw.figures.prompts_sent;
                figures.prompts_answered += raw.figures.prompts_answered;
                figures.reflections += raw.figures.reflections;
                figures.shared += raw.figures.shared;
                klik.goed += raw.klik.goed;
                klik.twijfel += raw.klik.twijfel;
                klik.geen += raw.klik.geen;
                students.extend(raw.students.iter().copied());
                if too_few(raw.students.len(), min) {
                    hidden.extend(raw.students.iter().copied());
                }
            }
            figures.klik = if too_few(students.len(), min) || too_few(hidden.len(), min) {
                Cell::Suppressed
            } else {
                Cell::Shown(klik)
            };
            figures
        })
        .collect();
    Suppressed { teams, school }
}
