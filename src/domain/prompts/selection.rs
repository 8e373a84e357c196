//! Choosing the next prompt for one wpb. Pure and seeded: the same catalogue, context and rng
//! state give the same prompt.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::REPEAT_WINDOW_DAYS;
use super::library::Catalogue;
use super::model::{PlacementPhase, Prompt, PromptId, Theme};
use crate::domain::language::Language;

/// A prompt sent to a wpb earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// Which prompt.
    pub prompt: PromptId,
    /// Its theme, for the theme rotation.
    pub theme: Theme,
    /// When it was sent.
    pub at: DateTime<Utc>,
}

/// What the choice of the next prompt for one wpb depends on.
#[derive(Debug, Clone, Copy)]
pub struct SelectionContext<'a> {
    /// The wpb's language: prompts come from that part of the catalogue.
    pub language: Language,
    /// Weeks since the placement started; `None` when unknown (then any phase fits).
    pub weeks_in: Option<i64>,
    /// Prompts sent to this wpb before (any order, any age).
    pub history: &'a [Sent],
    /// The moment of the choice; the repeat window counts back from it.
    pub now: DateTime<Utc>,
    /// After worrying klik signals: lean to the themes klik and veiligheid.
    pub lean_to_klik: bool,
}

/// Whether a choice that leans to klik prefers prompts of `theme`: the themes klik and
/// veiligheid.
pub fn is_lean_theme(theme: Theme) -> bool {
    matches!(theme, Theme::Klik | Theme::Veiligheid)
}

/// Chooses the next prompt for one wpb. Pure: the same catalogue, context and rng state give
/// the same prompt.
///
/// 1. Only prompts not sent to this wpb in the last [`REPEAT_WINDOW_DAYS`] days are eligible.
/// 2. With `lean_to_klik`, eligible prompts of the themes klik and veiligheid
///    ([`is_lean_theme`]) are preferred.
/// 3. Prompts whose phase fits `PlacementPhase::for_weeks(weeks_in)` (or `Any`) are preferred.
/// 4. Among the remaining themes, the one used least recently wins (never used first; ties by
///    rng); within it, prompts of exactly the current phase go before `Any` ones, then the
///    prompt sent least recently wins (never sent first; ties by rng).
/// 5. If nothing is eligible, the prompt sent least recently is chosen, so this returns `None`
///    only when the catalogue has no prompts in the language.
pub fn select<'a, R: Rng>(
    cat: &'a Catalogue,
    ctx: &SelectionContext,
    rng: &mut R,
) -> Option<&'a Prompt> {
    let all = cat.prompts(ctx.language);
    if all.is_empty() {
        return None;
    }
    let last = LastSent::from_history(ctx.history);

    let cutoff = ctx.now - Duration::days(REPEAT_WINDOW_DAYS);
    let mut pool: Vec<&Prompt> = all
        .iter()
        .filter(|p| last.prompt(p).is_none_or(|at| at <= cutoff))
        .collect();
    if pool.is_empty() {
        // Everything was sent recently: the prompt sent longest ago.
        return pick_least_recent(all.iter().collect(), &last, rng);
    }

    let target = ctx.weeks_in.map(PlacementPhase::for_weeks);
    if ctx.lean_to_klik {
        narrow(&mut pool, |p| is_lean_theme(p.theme));
    }
    if let Some(target) = target {
        narrow(&mut pool, |p| p.phase.fits(target));
    }

    let theme = least_recent_theme(&pool, &last, rng)?;
    let mut in_theme: Vec<&Prompt> = pool.into_iter().filter(|p| p.theme == theme).collect();
    // Within the theme, a prompt written for this very phase goes before an `Any` one, which
    // stays available for later phases.
    if let Some(target) = target {
        narrow(&mut in_theme, |p| p.phase == target);
    }
    pick_least_recent(in_theme, &last, rng)
}

/// When each prompt id and each theme was last sent to the wpb.
struct LastSent<'h> {
    prompts: BTreeMap<&'h str, DateTime<Utc>>,
    themes: [Option<DateTime<Utc>>; Theme::ALL.len()],
}

impl<'h> LastSent<'h> {
    fn from_history(history: &'h [Sent]) -> Self {
        let mut last = LastSent {
            prompts: BTreeMap::new(),
            themes: [None; Theme::ALL.len()],
        };
        for s in history {
            let slot = last.prompts.entry(s.prompt.as_str()).or_insert(s.at);
            if s.at > *slot {
                *slot = s.at;
            }
            let t = &mut last.themes[s.theme.index()];
            if t.is_none_or(|prev| s.at > prev) {
                *t = Some(s.at);
            }
        }
        last
    }

    fn prompt(&self, p: &Prompt) -> Option<DateTime<Utc>> {
        self.prompts.get(p.id.as_str()).copied()
    }

    fn theme(&self, theme: Theme) -> Option<DateTime<Utc>> {
        self.themes[theme.index()]
    }
}

/// Keeps only the prompts matching `keep`, unless none does.
fn narrow(pool: &mut Vec<&Prompt>, keep: impl Fn(&Prompt) -> bool) {
    if pool.iter().any(|p| keep(p)) {
        pool.retain(|p| keep(p));
    }
}

/// Theme rotation: the theme of the pool used least recently (never used sorts first, as
/// `None < Some`); ties broken by `rng`.
fn least_recent_theme<R: Rng>(pool: &[&Prompt], last: &LastSent, rng: &mut R) -> Option<Theme> {
    let themes: BTreeSet<Theme> = pool.iter().map(|p| p.theme).collect();
    let oldest = themes.iter().map(|t| last.theme(*t)).min()?;
    let candidates: Vec<Theme> = themes
        .into_iter()
        .filter(|t| last.theme(*t) == oldest)
        .collect();
    Some(candidates[rng.random_range(0..candidates.len())])
}

/// The prompt sent least recently (never sent first); ties broken by `rng`.
fn pick_least_recent<'a, R: Rng>(
    prompts: Vec<&'a Prompt>,
    last: &LastSent,
    rng: &mut R,
) -> Option<&'a Prompt> {
    let oldest = prompts.iter().map(|p| last.prompt(p)).min()?;
    let ties: Vec<&Prompt> = prompts
        .into_iter()
        .filter(|p| last.prompt(p) == oldest)
        .collect();
    Some(ties[rng.random_range(0..ties.len())])
}
