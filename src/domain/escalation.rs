//! When a pairing's klik signals form a pattern the schoolopleider must hear about.
//!
//! [`evaluate`] looks at a pairing's recent signals each time a new one arrives and decides
//! two things apart: whether to open an escalation for the schoolopleider (patterns over both
//! sides), and what the wpb hears ([`wpb_facing`]: a gentle follow-up question, a notice, or
//! nothing), which rests on the wpb's own signals and what they were told only, so that it
//! never gives away what a student signalled. Pure: no clock, no storage.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::klik::{KlikValue, SignalSource};

/// Thresholds per school. Defaults follow the issue: two geen klik in a row, three negative
/// among the last five, a student's geen klik plus a wpb's negative signal within 14 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EscalationRules {
    /// Geen klik in a row (from one side or across both) that escalates.
    pub consecutive_geen_klik: u32,
    /// Negative signals among the last `negative_of_last` that escalate.
    pub negative_count: u32,
    /// How many of the latest signals `negative_count` looks at.
    pub negative_of_last: u32,
    /// Days within which a student's geen klik and a wpb's negative signal escalate together.
    pub cross_signal_days: i64,
    /// School days before an unacknowledged escalation gets its one reminder.
    pub reminder_school_days: u32,
}

impl Default for EscalationRules {
    fn default() -> Self {
        Self {
            consecutive_geen_klik: 2,
            negative_count: 3,
            negative_of_last: 5,
            cross_signal_days: 14,
            reminder_school_days: 3,
        }
    }
}

impl EscalationRules {
    /// How many of a pairing's most recent signals (since the last resolved escalation) the
    /// caller passes to [`evaluate`]; the newest signal is the last of them.
    pub const WINDOW: usize = 10;

    /// Checks thresholds a schoolopleider configured. Returns the first problem, Dutch first.
    pub fn validate(&self) -> Result<(), String> {
        // The bounds are `Threshold::range`'s, said here the way each one is usually broken.
        let (lo, hi) = bounds(Threshold::ConsecutiveGeenKlik);
        if !(lo..=hi).contains(&i64::from(self.consecutive_geen_klik)) {
            return Err(format!(
                "consecutive_geen_klik moet tussen {lo} en {hi} liggen (nu {}). / consecutive_geen_klik must be between {lo} and {hi} (now {}).",
                self.consecutive_geen_klik, self.consecutive_geen_klik
            ));
        }
        let (lo, _) = bounds(Threshold::NegativeCount);
        if i64::from(self.negative_count) < lo {
            return Err(format!(
                "negative_count moet minstens {lo} zijn (nu {}). / negative_count must be at least {lo} (now {}).",
                self.negative_count, self.negative_count
            ));
        }
        let (_, hi) = bounds(Threshold::NegativeOfLast);
        if i64::from(self.negative_of_last) > hi {
            return Err(format!(
                "negative_of_last mag hoogstens {hi} zijn (nu {}). / negative_of_last must be at most {hi} (now {}).",
                self.negative_of_last, self.negative_of_last
            ));
        }
        if !self.negative_count_fits() {
            return Err(format!(
                "negative_count ({}) mag niet groter zijn dan negative_of_last ({}). / negative_count ({}) must not be greater than negative_of_last ({}).",
                self.negative_count,
                self.negative_of_last,
                self.negative_count,
                self.negative_of_last
            ));
        }
        let (lo, hi) = bounds(Threshold::CrossSignalDays);
        if !(lo..=hi).contains(&self.cross_signal_days) {
            return Err(format!(
                "cross_signal_days moet tussen {lo} en {hi} liggen (nu {}). / cross_signal_days must be between {lo} and {hi} (now {}).",
                self.cross_signal_days, self.cross_signal_days
            ));
        }
        let (lo, hi) = bounds(Threshold::ReminderSchoolDays);
        if !(lo..=hi).contains(&i64::from(self.reminder_school_days)) {
            return Err(format!(
                "reminder_school_days moet tussen {lo} en {hi} liggen (nu {}). / reminder_school_days must be between {lo} and {hi} (now {}).",
                self.reminder_school_days, self.reminder_school_days
            ));
        }
        Ok(())
    }
}

/// One signal as the rules see it: who, what, when (the pairing is implied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalPoint {
    /// Who gave it.
    pub source: SignalSource,
    /// The value given.
    pub value: KlikValue,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// A pattern that held when an escalation opened. Meant for the schoolopleider's summary:
/// triggers may rest on a student's signals, so never show them to the wpb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// `consecutive_geen_klik` geen klik in a row: from one side (`Some`), or across the
    /// combined timeline of both sides (`None`; only reported when that streak mixes both
    /// sides, otherwise it is the same fact as the one-sided trigger).
    ConsecutiveGeenKlik {
        /// The side whose streak it is; `None` when the streak mixes both sides.
        source: Option<SignalSource>,
    },
    /// `negative` of the last `of` signals (both sides) were twijfel or geen klik;
    /// `of` is the number of signals actually looked at (at most `negative_of_last`).
    NegativeMajority {
        /// How many were negative.
        negative: u32,
        /// How many signals were looked at.
        of: u32,
    },
    /// A student's geen klik and a wpb's twijfel/geen klik `days` whole days apart
    /// (the closest such pair; at most `cross_signal_days`).
    StudentAndWpb {
        /// Whole days between the two signals.
        days: i64,
    },
}

impl Trigger {
    /// One sentence for the escalation summary, in Dutch or English.
    pub fn describe(&self, dutch: bool) -> String {
        match (*self, dutch) {
            (
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Wpb),
                },
                true,
            ) => "De wpb gaf meerdere keren achter elkaar 'geen klik'.".to_string(),
            (
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Wpb),
                },
                false,
            ) => "The wpb signalled 'no click' several times in a row.".to_string(),
            (
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Student),
                },
                true,
            ) => "De student gaf meerdere keren achter elkaar 'geen klik'.".to_string(),
            (
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Student),
                },
                false,
            ) => "The student signalled 'no click' several times in a row.".to_string(),
            (Trigger::ConsecutiveGeenKlik { source: None }, true) => {
                "Wpb en student gaven samen meerdere keren achter elkaar 'geen klik'.".to_string()
            }
            (Trigger::ConsecutiveGeenKlik { source: None }, false) => {
                "The wpb and the student together signalled 'no click' several times in a row."
                    .to_string()
            }
            (Trigger::NegativeMajority { negative, of }, true) => {
                format!("{negative} van de laatste {of} kliksignalen waren twijfel of geen klik.")
            }
            (Trigger::NegativeMajority { negative, of }, false) => {
                format!("{negative} of the last {of} klik signals were doubt or no click.")
            }
            (Trigger::StudentAndWpb { days }, true) => {
                let when = match days {
                    0 => "op dezelfde dag".to_string(),
                    1 => "binnen 1 dag van elkaar".to_string(),
                    n => format!("binnen {n} dagen van elkaar"),
                };
                format!("De student gaf 'geen klik' en de wpb twijfel of 'geen klik', {when}.")
            }
            (Trigger::StudentAndWpb { days }, false) => {
                let when = match days {
                    0 => "on the same day".to_string(),
                    1 => "within 1 day of each other".to_string(),
                    n => format!("within {n} days of each other"),
                };
                format!("The student signalled 'no click' and the wpb doubt or 'no click', {when}.")
            }
        }
    }
}

/// What the wpb hears after their own klik signal. Computed from [`WpbView`] alone, so it is
/// the same whether or not their student signalled anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WpbFacing {
    /// Nothing to say to the wpb.
    Nothing,
    /// A gentle follow-up question about their first twijfel.
    FollowUp,
    /// Their own signals form a pattern: the schoolopleider will reach out.
    Notice,
}

/// Everything the wpb already knows: their own signals since the last closed escalation they
/// were told about (oldest first, the new one last), and whether an escalation they were told
/// about is still in progress. Never anything a student signalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WpbView<'a> {
    /// The wpb's own signals since the last closed escalation they were told about, oldest first.
    pub own: &'a [SignalPoint],
    /// Whether an escalation they were told about is still open.
    pub told_in_progress: bool,
}

/// What a new klik signal leads to: for the schoolopleider (open an escalation with these
/// triggers) and, separately, for the wpb.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationDecision {
    /// Open an escalation; `None` when there is no pattern or one is already in progress.
    pub escalate: Option<Vec<Trigger>>,
    /// What the wpb hears.
    pub wpb: WpbFacing,
}

impl EscalationDecision {
    /// Nothing happens: no escalation, nothing for the wpb.
    pub const NOTHING: Self = Self {
        escalate: None,
        wpb: WpbFacing::Nothing,
    };
}

/// Decides what a new klik signal leads to.
///
/// `recent` = the pairing's signals of both sides since the last closed escalation, oldest
/// first, the new signal last (at most [`EscalationRules::WINDOW`] are looked at).
/// `open` = an escalation is in progress for this pairing (at most one: no duplicate).
/// `wpb` = what the wpb knows (see [`WpbView`]); when the new signal is the wpb's, its `own`
/// ends with that signal.
///
/// For the schoolopleider: a pattern over both sides opens an escalation; so does the wpb's
/// own pattern (the wpb is told someone will reach out, so there must be someone). For the
/// wpb: [`wpb_facing`], only after their own signal; a student's signal never shows.
pub fn evaluate(
    rules: &EscalationRules,
    recent: &[SignalPoint],
    open: bool,
    wpb: &WpbView<'_>,
) -> EscalationDecision {
    let recent = &recent[recent.len().saturating_sub(EscalationRules::WINDOW)..];
    let Some(newest) = recent.last() else {
        return EscalationDecision::NOTHING;
    };
    let facing = match newest.source {
        SignalSource::Wpb => wpb_facing(rules, wpb),
        SignalSource::Student => WpbFacing::Nothing,
    };
    let escalate = if open {
        None
    } else {
        let both = patterns(rules, recent);
        if !both.is_empty() {
            Some(both)
        } else if facing == WpbFacing::Notice {
            Some(patterns(rules, own_window(wpb)))
        } else {
            None
        }
    };
    EscalationDecision {
        escalate,
        wpb: facing,
    }
}

/// What the wpb hears after their own new signal (the last of `view.own`): a notice when their
/// own signals form a pattern and no escalation they know of is in progress; a follow-up for
/// their first negative signal being a twijfel when there is no such pattern; else nothing.
pub fn wpb_facing(rules: &EscalationRules, view: &WpbView<'_>) -> WpbFacing {
    let own = own_window(view);
    let Some((newest, earlier)) = own.split_last() else {
        return WpbFacing::Nothing;
    };
    if !patterns(rules, own).is_empty() {
        return if view.told_in_progress {
            WpbFacing::Nothing
        } else {
            WpbFacing::Notice
        };
    }
    let first_negative = !earlier.iter().any(|p| p.value.is_negative());
    if newest.value == KlikValue::Twijfel && first_negative {
        WpbFacing::FollowUp
    } else {
        WpbFacing::Nothing
    }
}

/// The wpb's own signals the rules look at: the last [`EscalationRules::WINDOW`].
fn own_window<'a>(view: &WpbView<'a>) -> &'a [SignalPoint] {
    &view.own[view.own.len().saturating_sub(EscalationRules::WINDOW)..]
}

/// Every pattern that holds for the newest (last) signal of `timeline`, in a fixed order.
fn patterns(rules: &EscalationRules, timeline: &[SignalPoint]) -> Vec<Trigger> {
    let mut found = Vec::new();
    let Some((newest, earlier)) = timeline.split_last() else {
        return found;
    };
    if !newest.value.is_negative() {
        return found;
    }

    // A: geen klik in a row, per side (the newest signal's side) and combined.
    let streak = rules.consecutive_geen_klik.max(1) as usize;
    let same_side: Vec<&SignalPoint> = timeline
        .iter()
        .rev()
        .filter(|p| p.source == newest.source)
        .take(streak)
        .collect();
    if same_side.len() == streak && same_side.iter().all(|p| p.value == KlikValue::GeenKlik) {
        found.push(Trigger::ConsecutiveGeenKlik {
            source: Some(newest.source),
        });
    }
    let last = &timeline[timeline.len().saturating_sub(streak)..];
    if last.len() == streak
        && last.iter().all(|p| p.value == KlikValue::GeenKlik)
        && last.iter().any(|p| p.source != newest.source)
    {
        found.push(Trigger::ConsecutiveGeenKlik { source: None });
    }

    // B: enough negatives among the last few signals of both sides.
    let of = rules.negative_of_last.max(1) as usize;
    let window = &timeline[timeline.len().saturating_sub(of)..];
    let negative = window.iter().filter(|p| p.value.is_negative()).count();
    if negative >= rules.negative_count.max(1) as usize {
        found.push(Trigger::NegativeMajority {
            negative: negative as u32,
            of: window.len() as u32,
        });
    }

    // C: a student's geen klik and a wpb's negative signal close together, the newest
    // signal being one of the two.
    let is_partner = |p: &SignalPoint| match newest.source {
        SignalSource::Student if newest.value == KlikValue::GeenKlik => {
            p.source == SignalSource::Wpb && p.value.is_negative()
        }
        SignalSource::Student => false,
        SignalSource::Wpb => p.source == SignalSource::Student && p.value == KlikValue::GeenKlik,
    };
    let closest = earlier
        .iter()
        .filter(|p| is_partner(p))
        .map(|p| (newest.at - p.at).num_days().abs())
        .min();
    if let Some(days) = closest
        && days <= rules.cross_signal_days
    {
        found.push(Trigger::StudentAndWpb { days });
    }

    found
}

// ---------------------------------------------------------------------------------------------
// Which signals count
// ---------------------------------------------------------------------------------------------

/// One escalation a pairing already has, as far as counting its signals goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastEscalation {
    /// The escalation's id.
    pub id: i64,
    /// Open or acknowledged: not yet resolved or closed with a move.
    pub in_progress: bool,
    /// When it was resolved or closed with a move; None while in progress.
    pub closed_at: Option<DateTime<Utc>>,
    /// The wpb was told someone will reach out about it.
    pub wpb_told: bool,
}

/// Which of a pairing's signals a new decision looks at, from its escalation history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counting {
    /// Signals of both sides count when strictly later (the last closed escalation); all when None.
    pub since: Option<DateTime<Utc>>,
    /// The wpb's own signals count when strictly later than the last closed escalation they
    /// were told of; all when None.
    pub wpb_since: Option<DateTime<Utc>>,
    /// The escalation in progress (the newest, should there be more).
    pub in_progress: Option<i64>,
    /// An escalation the wpb was told of is in progress.
    pub wpb_told_in_progress: bool,
}

impl Counting {
    /// Whether a signal at `at` counts for the schoolopleider's patterns.
    pub fn counts(&self, at: DateTime<Utc>) -> bool {
        self.since.is_none_or(|since| at > since)
    }

    /// Whether the wpb's own signal at `at` counts for what the wpb hears.
    pub fn counts_for_wpb(&self, at: DateTime<Utc>) -> bool {
        self.wpb_since.is_none_or(|since| at > since)
    }
}

/// Only signals after the last closed escalation count: a resolved pattern must recur before
/// it escalates again. For the wpb only escalations they were told of count, since they know
/// of no other.
pub fn counting(history: &[PastEscalation]) -> Counting {
    let closed = |told_only: bool| {
        history
            .iter()
            .filter(|e| e.wpb_told || !told_only)
            .filter_map(|e| e.closed_at)
            .max()
    };
    Counting {
        since: closed(false),
        wpb_since: closed(true),
        in_progress: history.iter().filter(|e| e.in_progress).map(|e| e.id).max(),
        wpb_told_in_progress: history.iter().any(|e| e.in_progress && e.wpb_told),
    }
}

// ---------------------------------------------------------------------------------------------
// Thresholds one by one, for the configuration's per-key checks

/// One threshold of [`EscalationRules`] a school may configure, named as its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// [`EscalationRules::consecutive_geen_klik`].
    ConsecutiveGeenKlik,
    /// [`EscalationRules::negative_count`].
    NegativeCount,
    /// [`EscalationRules::negative_of_last`].
    NegativeOfLast,
    /// [`EscalationRules::cross_signal_days`].
    CrossSignalDays,
    /// [`EscalationRules::reminder_school_days`].
    ReminderSchoolDays,
}

impl Threshold {
    /// The field's name, which is also its key under `escalation` in the configuration.
    pub fn key(self) -> &'static str {
        match self {
            Threshold::ConsecutiveGeenKlik => "consecutive_geen_klik",
            Threshold::NegativeCount => "negative_count",
            Threshold::NegativeOfLast => "negative_of_last",
            Threshold::CrossSignalDays => "cross_signal_days",
            Threshold::ReminderSchoolDays => "reminder_school_days",
        }
    }

    /// The values [`EscalationRules::validate`] accepts for this threshold on its own; the
    /// counts are bounded by the signals [`evaluate`] sees ([`EscalationRules::WINDOW`]).
    /// Between thresholds, [`EscalationRules::negative_count_fits`] must hold as well.
    pub fn range(self) -> std::ops::RangeInclusive<i64> {
        let window = EscalationRules::WINDOW as i64;
        match self {
            Threshold::ConsecutiveGeenKlik
            | Threshold::NegativeCount
            | Threshold::NegativeOfLast => 1..=window,
            Threshold::CrossSignalDays => 1..=90,
            Threshold::ReminderSchoolDays => 1..=20,
        }
    }
}

/// A threshold's lowest and highest accepted value.
fn bounds(t: Threshold) -> (i64, i64) {
    let range = t.range();
    (*range.start(), *range.end())
}

impl EscalationRules {
    /// The one rule between two thresholds: `negative_count` negative signals must fit in the
    /// `negative_of_last` signals looked at.
    pub fn negative_count_fits(&self) -> bool {
        self.negative_count <= self.negative_of_last
    }
}

#[cfg(test)]
mod threshold_tests {
    use super::*;

    /// Rules with `t` set to `n` and the other counts out of its way.
    fn with(t: Threshold, n: i64) -> EscalationRules {
        let mut r = EscalationRules {
            negative_count: 1,
            negative_of_last: EscalationRules::WINDOW as u32,
            ..EscalationRules::default()
        };
        let small = u32::try_from(n).unwrap_or(u32::MAX);
        match t {
            Threshold::ConsecutiveGeenKlik => r.consecutive_geen_klik = small,
            Threshold::NegativeCount => r.negative_count = small,
            Threshold::NegativeOfLast => r.negative_of_last = small,
            Threshold::CrossSignalDays => r.cross_signal_days = n,
            Threshold::ReminderSchoolDays => r.reminder_school_days = small,
        }
        r
    }

    #[test]
    fn each_threshold_range_is_what_validate_accepts() {
        let cases = [
            (
                Threshold::ConsecutiveGeenKlik,
                "consecutive_geen_klik",
                1,
                10,
            ),
            (Threshold::NegativeCount, "negative_count", 1, 10),
            (Threshold::NegativeOfLast, "negative_of_last", 1, 10),
            (Threshold::CrossSignalDays, "cross_signal_days", 1, 90),
            (Threshold::ReminderSchoolDays, "reminder_school_days", 1, 20),
        ];
        for (t, key, lo, hi) in cases {
            assert_eq!(t.key(), key);
            assert_eq!(t.range(), lo..=hi, "{key}");
            for (n, accepted) in [(lo - 1, false), (lo, true), (hi, true), (hi + 1, false)] {
                let verdict = with(t, n).validate();
                assert_eq!(verdict.is_ok(), accepted, "{key} = {n}: {verdict:?}");
            }
        }
    }

    #[test]
    fn negative_count_must_fit_in_negative_of_last() {
        let cases = [
            (1, 1, true),
            (3, 5, true),
            (5, 5, true),
            (6, 5, false),
            (10, 1, false),
        ];
        for (count, of_last, fits) in cases {
            let rules = EscalationRules {
                negative_count: count,
                negative_of_last: of_last,
                ..EscalationRules::default()
            };
            assert_eq!(rules.negative_count_fits(), fits, "{count} of {of_last}");
            assert_eq!(rules.validate().is_ok(), fits, "{count} of {of_last}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    /// A timeline from a tiny script: `w`/`s` for wpb/student followed by `G` (goed),
    /// `T` (twijfel) or `X` (geen klik); `+N` moves the clock N days on. Consecutive
    /// signals are a minute apart.
    fn tl(script: &str) -> Vec<SignalPoint> {
        let start = Utc.with_ymd_and_hms(2026, 9, 7, 9, 0, 0).single().unwrap();
        let mut at = start;
        let mut out = Vec::new();
        for tok in script.split_whitespace() {
            if let Some(days) = tok.strip_prefix('+') {
                at += Duration::days(days.parse().unwrap());
                continue;
            }
            let mut cs = tok.chars();
            let source = match cs.next() {
                Some('w') => SignalSource::Wpb,
                Some('s') => SignalSource::Student,
                other => panic!("bad source in {tok:?}: {other:?}"),
            };
            let value = match cs.next() {
                Some('G') => KlikValue::Goed,
                Some('T') => KlikValue::Twijfel,
                Some('X') => KlikValue::GeenKlik,
                other => panic!("bad value in {tok:?}: {other:?}"),
            };
            assert!(cs.next().is_none(), "bad token {tok:?}");
            out.push(SignalPoint { source, value, at });
            at += Duration::minutes(1);
        }
        out
    }

    use SignalSource::{Student as S, Wpb as W};
    use WpbFacing::{FollowUp as F, Nothing as N, Notice as T};

    /// The expected decision: an escalation with these triggers (or none) and what the wpb hears.
    fn d(escalate: Option<&[Trigger]>, wpb: WpbFacing) -> EscalationDecision {
        EscalationDecision {
            escalate: escalate.map(<[Trigger]>::to_vec),
            wpb,
        }
    }
    const NONE: Option<&[Trigger]> = None;
    const A_W: Trigger = Trigger::ConsecutiveGeenKlik { source: Some(W) };
    const A_S: Trigger = Trigger::ConsecutiveGeenKlik { source: Some(S) };
    const A_BOTH: Trigger = Trigger::ConsecutiveGeenKlik { source: None };
    const fn b(negative: u32, of: u32) -> Trigger {
        Trigger::NegativeMajority { negative, of }
    }
    const fn c(days: i64) -> Trigger {
        Trigger::StudentAndWpb { days }
    }

    fn wpb_only(timeline: &[SignalPoint]) -> Vec<SignalPoint> {
        timeline.iter().filter(|p| p.source == W).copied().collect()
    }

    /// Evaluates a script as the store would: the wpb's view is their own signals of it.
    fn eval(rules: &EscalationRules, script: &str, open: bool, told: bool) -> EscalationDecision {
        let timeline = tl(script);
        let own = wpb_only(&timeline);
        let view = WpbView {
            own: &own,
            told_in_progress: told,
        };
        evaluate(rules, &timeline, open, &view)
    }

    /// Cases of (script, escalation in progress, the wpb was told of it, expected).
    fn check(rules: &EscalationRules, cases: &[(&str, bool, bool, EscalationDecision)]) {
        for (script, open, told, want) in cases {
            let got = eval(rules, script, *open, *told);
            assert_eq!(&got, want, "script {script:?}, open={open}, told={told}");
            // Whatever the student signalled, the wpb hears the same as with no student at all.
            let own_script: Vec<&str> = script
                .split_whitespace()
                .filter(|t| !t.starts_with('s'))
                .collect();
            let newest_is_wpb = script
                .split_whitespace()
                .last()
                .is_some_and(|t| t.starts_with('w'));
            if newest_is_wpb {
                let alone = eval(rules, &own_script.join(" "), false, *told);
                assert_eq!(got.wpb, alone.wpb, "script {script:?}: the student shows");
            }
        }
    }

    #[test]
    fn default_rules_table() {
        let rules = EscalationRules::default();
        check(
            &rules,
            &[
                // Empty.
                ("", false, false, d(NONE, N)),
                // A per side: threshold and one below.
                ("wX", false, false, d(NONE, N)),
                ("wX wX", false, false, d(Some(&[A_W]), T)),
                ("sX", false, false, d(NONE, N)),
                ("sX sX", false, false, d(Some(&[A_S]), N)),
                // A per side ignores the other side's signals in between.
                ("wX sG wX", false, false, d(Some(&[A_W]), T)),
                ("sX wG sX", false, false, d(Some(&[A_S]), N)),
                // A combined: alternating sides (far apart, so C stays out of it).
                ("wX +20 sX", false, false, d(Some(&[A_BOTH]), N)),
                ("sX +20 wX", false, false, d(Some(&[A_BOTH]), N)),
                // ... and close together C holds as well.
                ("wX sX", false, false, d(Some(&[A_BOTH, c(0)]), N)),
                (
                    "wX sX wX",
                    false,
                    false,
                    d(Some(&[A_W, A_BOTH, b(3, 3), c(0)]), T),
                ),
                // A goed in between breaks the streak.
                ("wX wG wX", false, false, d(NONE, N)),
                ("sX sG sX", false, false, d(NONE, N)),
                ("wX +20 sG sX", false, false, d(NONE, N)),
                // B: 3 of the last 5 negative triggers, 2 of 5 does not.
                ("wT sG wT sG wT", false, false, d(Some(&[b(3, 5)]), T)),
                ("sT wG sT wG sT", false, false, d(Some(&[b(3, 5)]), N)),
                ("wT sT wG sG wT", false, false, d(Some(&[b(3, 5)]), N)),
                ("wT wT wT", false, false, d(Some(&[b(3, 3)]), T)),
                ("wT wT", false, false, d(NONE, N)),
                ("wT sG wG sG wT", false, false, d(NONE, N)),
                ("sT wG sG wG wT", false, false, d(NONE, F)),
                // B: negatives older than the last 5 do not count.
                ("sT sT wG sG sT", false, false, d(Some(&[b(3, 5)]), N)),
                ("sT sT wG sG wG sT", false, false, d(NONE, N)),
                ("sT sT sT wG sG wG sG sG", false, false, d(NONE, N)),
                // C: student geen klik + wpb twijfel, 14 days apart yes, 15 no. The wpb's
                // first twijfel gets its follow-up either way: its absence would give the
                // student away.
                ("sX +14 wT", false, false, d(Some(&[c(14)]), F)),
                ("sX +15 wT", false, false, d(NONE, F)),
                ("wT +14 sX", false, false, d(Some(&[c(14)]), N)),
                ("wT +15 sX", false, false, d(NONE, N)),
                ("sX +3 wX", false, false, d(Some(&[A_BOTH, c(3)]), N)),
                // C: the closest pair counts.
                (
                    "sX +10 sG wG sG wG +2 sX +1 wT",
                    false,
                    false,
                    d(Some(&[c(1)]), F),
                ),
                // C: student twijfel + wpb twijfel is not C.
                ("sT +1 wT", false, false, d(NONE, F)),
                ("wT +1 sT", false, false, d(NONE, N)),
                // An escalation in progress suppresses a duplicate. The wpb who was not told
                // of it hears of their own pattern now (the store marks it as told).
                ("wX wX", true, false, d(NONE, T)),
                ("wX wX", true, true, d(NONE, N)),
                ("sX sX", true, false, d(NONE, N)),
                ("wT sG wT sG wT", true, false, d(NONE, T)),
                ("wT sG wT sG wT", true, true, d(NONE, N)),
                ("sX +14 wT", true, false, d(NONE, F)),
                ("sX +14 wT", true, true, d(NONE, F)),
                // A newest goed never opens, even with a pattern in the window.
                ("wX wX wG", false, false, d(NONE, N)),
                ("wT sT wT sG", false, false, d(NONE, N)),
                ("sX wX sG", false, false, d(NONE, N)),
                ("sX sX wG", false, false, d(NONE, N)),
                // FollowUp: the wpb's first twijfel.
                ("wT", false, false, d(NONE, F)),
                ("wG wG wT", false, false, d(NONE, F)),
                ("sT wG wT", false, false, d(NONE, F)),
                ("sX +20 wT", false, false, d(NONE, F)),
                ("wT", true, false, d(NONE, F)),
                // Second wpb twijfel, not yet a pattern.
                ("wT wG wT", false, false, d(NONE, N)),
                ("wX wG wT", false, false, d(NONE, N)),
                // A wpb geen klik on its own is not a twijfel follow-up.
                ("wG wX", false, false, d(NONE, N)),
                // A student's twijfel never leads to a follow-up for the wpb.
                ("sT", false, false, d(NONE, N)),
                ("wG sT", false, false, d(NONE, N)),
                // Goed alone.
                ("wG", false, false, d(NONE, N)),
                ("sG", false, false, d(NONE, N)),
            ],
        );
    }

    #[test]
    fn notice_only_when_the_wpb_signals_alone_carry_the_pattern() {
        let rules = EscalationRules::default();
        check(
            &rules,
            &[
                // Wpb-only pattern: the wpb is told.
                ("wX wX", false, false, d(Some(&[A_W]), T)),
                ("wT wT wT", false, false, d(Some(&[b(3, 3)]), T)),
                ("sG wT sG wT sG wX", false, false, d(Some(&[b(3, 5)]), T)),
                // A student signal is needed for the pattern: the wpb is not told.
                ("sX wX", false, false, d(Some(&[A_BOTH, c(0)]), N)),
                ("sT wT wT", false, false, d(Some(&[b(3, 3)]), N)),
                ("sX +14 wT", false, false, d(Some(&[c(14)]), F)),
                // The wpb's own signals would carry a pattern, but the new signal is the
                // student's: telling the wpb now would reveal it.
                (
                    "wT wG wT wG wT +20 sT",
                    false,
                    false,
                    d(Some(&[b(3, 5)]), N),
                ),
                // The wpb's own pattern holds, the combined window does not (the student's
                // goed signals dilute it): the wpb is told, so an escalation opens on the
                // wpb's own pattern.
                ("wT sG sG wT sG sG wT", false, false, d(Some(&[b(3, 3)]), T)),
            ],
        );
    }

    #[test]
    fn custom_thresholds() {
        let three_in_a_row = EscalationRules {
            consecutive_geen_klik: 3,
            negative_count: 5,
            negative_of_last: 5,
            ..EscalationRules::default()
        };
        check(
            &three_in_a_row,
            &[
                ("wX wX", false, false, d(NONE, N)),
                ("wX wX wX", false, false, d(Some(&[A_W]), T)),
                ("sX sX", false, false, d(NONE, N)),
                ("sX sX sX", false, false, d(Some(&[A_S]), N)),
                ("wX +20 sX +20 wX", false, false, d(Some(&[A_BOTH]), N)),
                ("wX wX sG wX", false, false, d(Some(&[A_W]), T)),
            ],
        );

        let two_of_three = EscalationRules {
            consecutive_geen_klik: 5,
            negative_count: 2,
            negative_of_last: 3,
            cross_signal_days: 3,
            ..EscalationRules::default()
        };
        check(
            &two_of_three,
            &[
                ("wT", false, false, d(NONE, F)),
                ("wT wT", false, false, d(Some(&[b(2, 2)]), T)),
                ("wT wG wG wT", false, false, d(NONE, N)),
                ("wT wG wT", false, false, d(Some(&[b(2, 3)]), T)),
                ("sX +3 wX", false, false, d(Some(&[b(2, 2), c(3)]), N)),
                ("sX +3 sG sG wT", false, false, d(Some(&[c(3)]), F)),
                ("sX +4 sG sG wT", false, false, d(NONE, F)),
            ],
        );

        let single_geen_klik = EscalationRules {
            consecutive_geen_klik: 1,
            ..EscalationRules::default()
        };
        check(
            &single_geen_klik,
            &[
                ("wX", false, false, d(Some(&[A_W]), T)),
                ("sX", false, false, d(Some(&[A_S]), N)),
                ("wT", false, false, d(NONE, F)),
            ],
        );
    }

    #[test]
    fn only_the_last_window_of_signals_is_considered() {
        let rules = EscalationRules {
            consecutive_geen_klik: 10,
            negative_count: 1,
            negative_of_last: 1,
            ..EscalationRules::default()
        };
        // Ten wpb geen klik: the streak of 10 holds.
        let ten = ["wX"; 10].join(" ");
        assert!(eval(&rules, &ten, false, false).escalate.is_some());
        let rules = EscalationRules::default();
        // Eleven wpb signals of which the oldest is the only twijfel: it is out of the wpb's
        // window, so the new twijfel is treated as the first.
        let script = format!("wT {} wT", ["wG"; 9].join(" "));
        assert_eq!(eval(&rules, &script, false, false), d(NONE, F));
        // The wpb's window is their own signals: a student's nine signals in between do not
        // push the wpb's earlier twijfel out of it (that would let the student show).
        let script = format!("wT {} wT", ["sG"; 9].join(" "));
        assert_eq!(eval(&rules, &script, false, false), d(NONE, N));
    }

    #[test]
    fn validate_accepts_defaults_and_refuses_bad_thresholds() {
        let ok = EscalationRules::default();
        assert_eq!(ok.validate(), Ok(()));
        let edge = EscalationRules {
            consecutive_geen_klik: 10,
            negative_count: 10,
            negative_of_last: 10,
            cross_signal_days: 90,
            reminder_school_days: 20,
        };
        assert_eq!(edge.validate(), Ok(()));
        let low = EscalationRules {
            consecutive_geen_klik: 1,
            negative_count: 1,
            negative_of_last: 1,
            cross_signal_days: 1,
            reminder_school_days: 1,
        };
        assert_eq!(low.validate(), Ok(()));

        let bad: [(&str, EscalationRules, &str); 11] = [
            (
                "streak 0",
                EscalationRules {
                    consecutive_geen_klik: 0,
                    ..ok
                },
                "consecutive_geen_klik",
            ),
            (
                "streak > window",
                EscalationRules {
                    consecutive_geen_klik: 11,
                    ..ok
                },
                "consecutive_geen_klik",
            ),
            (
                "count 0",
                EscalationRules {
                    negative_count: 0,
                    ..ok
                },
                "negative_count",
            ),
            (
                "of 0",
                EscalationRules {
                    negative_count: 0,
                    negative_of_last: 0,
                    ..ok
                },
                "negative_count",
            ),
            (
                "count > of",
                EscalationRules {
                    negative_count: 6,
                    negative_of_last: 5,
                    ..ok
                },
                "negative_count (6)",
            ),
            (
                "of > window",
                EscalationRules {
                    negative_of_last: 11,
                    ..ok
                },
                "negative_of_last",
            ),
            (
                "days 0",
                EscalationRules {
                    cross_signal_days: 0,
                    ..ok
                },
                "cross_signal_days",
            ),
            (
                "days 91",
                EscalationRules {
                    cross_signal_days: 91,
                    ..ok
                },
                "cross_signal_days",
            ),
            (
                "days negative",
                EscalationRules {
                    cross_signal_days: -1,
                    ..ok
                },
                "cross_signal_days",
            ),
            (
                "reminder 0",
                EscalationRules {
                    reminder_school_days: 0,
                    ..ok
                },
                "reminder_school_days",
            ),
            (
                "reminder 21",
                EscalationRules {
                    reminder_school_days: 21,
                    ..ok
                },
                "reminder_school_days",
            ),
        ];
        for (name, rules, mentions) in bad {
            let err = rules.validate().expect_err(name);
            assert!(err.contains(mentions), "{name}: {err}");
            assert!(err.contains(" / "), "{name}: {err}");
        }
    }

    #[test]
    fn invalid_rules_do_not_make_evaluate_fire_on_nothing() {
        let zero = EscalationRules {
            consecutive_geen_klik: 0,
            negative_count: 0,
            negative_of_last: 0,
            ..EscalationRules::default()
        };
        assert_eq!(eval(&zero, "wG", false, false), d(NONE, N));
        assert_eq!(eval(&zero, "sT", false, false), d(Some(&[b(1, 1)]), N));
    }

    #[test]
    fn triggers_serialise_with_stable_tags() {
        let cases = [
            (A_W, r#"{"kind":"consecutive_geen_klik","source":"wpb"}"#),
            (
                A_S,
                r#"{"kind":"consecutive_geen_klik","source":"student"}"#,
            ),
            (A_BOTH, r#"{"kind":"consecutive_geen_klik","source":null}"#),
            (
                b(3, 5),
                r#"{"kind":"negative_majority","negative":3,"of":5}"#,
            ),
            (c(14), r#"{"kind":"student_and_wpb","days":14}"#),
        ];
        for (t, json) in cases {
            assert_eq!(serde_json::to_string(&t).unwrap(), json);
            assert_eq!(serde_json::from_str::<Trigger>(json).unwrap(), t);
        }
        let decision = d(Some(&[A_W]), T);
        let json = serde_json::to_string(&decision).unwrap();
        assert_eq!(
            json,
            r#"{"escalate":[{"kind":"consecutive_geen_klik","source":"wpb"}],"wpb":"notice"}"#
        );
        assert_eq!(
            serde_json::from_str::<EscalationDecision>(&json).unwrap(),
            decision
        );
    }

    #[test]
    fn rules_deserialise_with_defaults_for_missing_fields() {
        let r: EscalationRules = serde_json::from_str(r#"{"consecutive_geen_klik":3}"#).unwrap();
        assert_eq!(
            r,
            EscalationRules {
                consecutive_geen_klik: 3,
                ..EscalationRules::default()
            }
        );
    }

    #[test]
    fn describe_reads_well_in_both_languages() {
        let cases = [
            (A_W, "De wpb gaf", "The wpb signalled"),
            (A_S, "De student gaf", "The student signalled"),
            (A_BOTH, "Wpb en student", "The wpb and the student"),
            (b(3, 5), "3 van de laatste 5", "3 of the last 5"),
            (c(0), "op dezelfde dag", "on the same day"),
            (c(1), "binnen 1 dag van", "within 1 day of"),
            (c(14), "binnen 14 dagen", "within 14 days"),
        ];
        for (t, nl, en) in cases {
            assert!(t.describe(true).contains(nl), "{}", t.describe(true));
            assert!(t.describe(false).contains(en), "{}", t.describe(false));
        }
    }

    #[test]
    fn only_signals_after_the_last_closed_escalation_count() {
        let t0 = Utc.with_ymd_and_hms(2026, 9, 7, 9, 0, 0).single().unwrap();
        let day = |n: i64| t0 + Duration::days(n);
        let closed = |id, d, wpb_told| PastEscalation {
            id,
            in_progress: false,
            closed_at: Some(day(d)),
            wpb_told,
        };
        let open = |id, wpb_told| PastEscalation {
            id,
            in_progress: true,
            closed_at: None,
            wpb_told,
        };
        // (history, signal on day, counts, counts for the wpb, in progress, told in progress)
        let cases = [
            (vec![], 0, true, true, None, false),
            (vec![closed(1, 5, true)], 4, false, false, None, false),
            // Exactly at the close: not after it.
            (vec![closed(1, 5, true)], 5, false, false, None, false),
            (vec![closed(1, 5, true)], 6, true, true, None, false),
            // The wpb never heard of it: their own earlier signals still count for them.
            (vec![closed(1, 5, false)], 4, false, true, None, false),
            (
                vec![closed(1, 5, true), closed(2, 9, false)],
                7,
                false,
                true,
                None,
                false,
            ),
            (
                vec![closed(2, 9, false), closed(1, 5, true)],
                4,
                false,
                false,
                None,
                false,
            ),
            (
                vec![closed(1, 5, true), closed(2, 9, true)],
                7,
                false,
                false,
                None,
                false,
            ),
            // One in progress does not move the cut-off.
            (
                vec![closed(1, 5, true), open(2, false)],
                6,
                true,
                true,
                Some(2),
                false,
            ),
            (vec![open(3, true)], 0, true, true, Some(3), true),
            (
                vec![open(3, false), open(4, true)],
                0,
                true,
                true,
                Some(4),
                true,
            ),
        ];
        for (history, on, counts, for_wpb, in_progress, told) in cases {
            let c = counting(&history);
            let at = day(on);
            let got = (
                c.counts(at),
                c.counts_for_wpb(at),
                c.in_progress,
                c.wpb_told_in_progress,
            );
            assert_eq!(
                got,
                (counts, for_wpb, in_progress, told),
                "{history:?}, signal on day {on}"
            );
        }
    }
}
