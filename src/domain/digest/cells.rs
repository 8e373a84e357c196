//! The weekly grid of teams × school weeks, and the small-cell rule: a klik figure resting on
//! one or two students is shown as "< 3", and so is a school figure from which such a team
//! figure could be found by subtracting the shown teams from it.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::{DigestSummary, TeamFact, WeekFigures};
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

    pub(super) fn add(&mut self, value: KlikValue) {
        match value {
            KlikValue::Goed => self.goed += 1,
            KlikValue::Twijfel => self.twijfel += 1,
            KlikValue::GeenKlik => self.geen += 1,
        }
    }
}

/// One team-week before the small-cell rule: the figures, how many students its signals are
/// about and, when they are few, which.
#[derive(Debug, Clone, Default)]
struct RawWeek<'a> {
    figures: WeekFigures,
    klik: KlikCounts,
    students: u32,
    few_students: &'a [String],
}

/// Teams × weeks of raw counts.
pub(super) struct Grid<'a> {
    teams: Vec<Vec<RawWeek<'a>>>,
    /// The number of weeks, also when there are no teams.
    weeks: usize,
}

impl<'a> Grid<'a> {
    /// Places every counted cell in its team's row; cells of unknown teams or weeks are left
    /// out.
    pub(super) fn build(summary: &'a DigestSummary, teams: &[TeamFact], weeks: usize) -> Self {
        let mut grid = Grid {
            teams: vec![vec![RawWeek::default(); weeks]; teams.len()],
            weeks,
        };
        let row_of: HashMap<&str, usize> = teams
            .iter()
            .enumerate()
            .map(|(t, team)| (team.id.as_str(), t))
            .collect();
        for cell in &summary.cells {
            let Some(raw) = row_of
                .get(cell.team.as_str())
                .and_then(|t| grid.teams[*t].get_mut(cell.week))
            else {
                continue;
            };
            *raw = RawWeek {
                figures: WeekFigures {
                    prompts_sent: cell.prompts_sent,
                    prompts_answered: cell.prompts_answered,
                    reflections: cell.reflections,
                    shared: cell.shared,
                    klik: Cell::default(),
                },
                klik: cell.klik,
                students: cell.students,
                few_students: &cell.few_students,
            };
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

/// How many students a team-week's signals are about.
fn count(raw: &RawWeek) -> usize {
    raw.students as usize
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
                    klik: if too_few(count(raw), min) {
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
            // The students of the hidden team-weeks (a student can be in two teams' figures).
            // A school figure on too few students is covered too: then every team-week of
            // the week is small and hidden.
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
                if too_few(count(raw), min) {
                    hidden.extend(raw.few_students.iter().map(String::as_str));
                }
            }
            figures.klik = if too_few(hidden.len(), min) {
                Cell::Suppressed
            } else {
                Cell::Shown(klik)
            };
            figures
        })
        .collect();
    Suppressed { teams, school }
}
