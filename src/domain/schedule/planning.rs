//! Planning: a wpb's prompt slots of a week, the next one, and how late a claimed one is.

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeDelta, Utc};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;

/// Everything `next_slot` needs for one wpb.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// The school's calendar.
    pub calendar: &'a SchoolCalendar,
    /// How many prompts a week.
    pub cadence: Cadence,
    /// Per-wpb seed, stored with the wpb so the plan survives restarts.
    pub seed: u64,
    /// Days the wpb asked not to be prompted (inclusive ranges).
    pub pauses: &'a [DateRange],
    /// The wpb's placement periods. No placements -> no slots.
    pub placements: &'a [DateRange],
}

/// One planned prompt moment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedSlot {
    /// When the prompt is due (UTC).
    pub due: DateTime<Utc>,
    /// `"{iso_year}-W{week:02}-{index}"`, index 1-based in time order within the ISO week,
    /// e.g. `"2026-W12-1"`. Unique per wpb; use it as the idempotency key.
    pub key: String,
}

/// Whether a slot whose due time has come should still be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// `now < due + 60 s`.
    OnTime,
    /// Missed (e.g. downtime) but still inside the same local day's working window.
    Late,
    /// Too late: do not send (never a burst after downtime).
    Skip,
}

impl PlanInput<'_> {
    /// May this wpb get a prompt on local date `d`? Returns the day's window if so.
    fn eligible_window(&self, d: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if self.pauses.iter().any(|p| p.contains(d)) {
            return None;
        }
        if !self.placements.iter().any(|p| p.contains(d)) {
            return None;
        }
        self.calendar.window(d)
    }
}

/// All slots of the ISO week containing local date `day`, in time order.
///
/// Deterministic: the same inputs always give the same slots. How it works:
/// a ChaCha8 stream seeded from `(seed, iso_year, iso_week)` gives each of the seven days a
/// random priority and a random minute. The `min(cadence, eligible)` eligible days with the
/// highest priority are picked (a uniformly random subset); each gets its own minute in
/// `[hours.start, hours.end − 15 min]`. Because every day's draw is independent of which other
/// days are eligible, adding a pause or holiday on a day that was not picked leaves the other
/// slots of the week unchanged.
pub fn slots_in_week(input: &PlanInput, day: NaiveDate) -> Vec<PlannedSlot> {
    let Some(monday) = monday_of(day) else {
        return Vec::new();
    };
    let iso = monday.iso_week();
    let mut rng = ChaCha8Rng::from_seed(week_seed(input.seed, iso.year(), iso.week()));

    struct Candidate {
        date: NaiveDate,
        priority: u64,
        minute_draw: u64,
        window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    }
    // Draw for all seven days unconditionally so the stream does not depend on eligibility.
    let mut days: Vec<Candidate> = Vec::with_capacity(7);
    let mut date = Some(monday);
    for _ in 0..7 {
        let priority = rng.next_u64();
        let minute_draw = rng.next_u64();
        if let Some(d) = date {
            days.push(Candidate {
                date: d,
                priority,
                minute_draw,
                window: input.eligible_window(d),
            });
            date = d.succ_opt();
        }
    }

    let mut picked: Vec<Candidate> = days.into_iter().filter(|c| c.window.is_some()).collect();
    picked.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.date.cmp(&b.date)));
    picked.truncate(usize::from(input.cadence.per_week()));

    let hours = input.calendar.hours;
    let span = hours.slot_span_minutes();
    let mut dues: Vec<DateTime<Utc>> = picked
        .iter()
        .filter_map(|c| {
            let window = c.window?;
            let minute = bounded(c.minute_draw, span);
            let local = c
                .date
                .and_time(hours.start)
                .checked_add_signed(TimeDelta::minutes(minute))?;
            let due = resolve_local(input.calendar.tz, local).unwrap_or(window.0);
            Some(clamp_into(window, due))
        })
        .collect();
    dues.sort();

    dues.into_iter()
        .enumerate()
        .map(|(i, due)| PlannedSlot {
            due,
            key: format!("{}-W{:02}-{}", iso.year(), iso.week(), i + 1),
        })
        .collect()
}

/// The first slot strictly after `after`, or `None` if there is none within
/// [`MAX_SEARCH_WEEKS`] weeks (e.g. all placements ended).
pub fn next_slot(input: &PlanInput, after: DateTime<Utc>) -> Option<PlannedSlot> {
    let today = input.calendar.local_date(after);
    // Start one week early: cheap, and airtight should a window ever reach past midnight.
    let mut monday = monday_of(today)?;
    monday = monday.checked_sub_days(Days::new(7)).unwrap_or(monday);
    for _ in 0..=MAX_SEARCH_WEEKS {
        if input.placements.iter().all(|p| p.end < monday) {
            return None;
        }
        if let Some(slot) = slots_in_week(input, monday)
            .into_iter()
            .find(|s| s.due > after)
        {
            return Some(slot);
        }
        monday = monday.checked_add_days(Days::new(7))?;
    }
    None
}

/// After downtime: should a slot that came due be sent?
///
/// - `now < due + 60 s` -> [`Lateness::OnTime`] (also when `now` is before `due`);
/// - otherwise [`Lateness::Late`] only if `now` is inside the working window of the same local
///   day as `due`;
/// - otherwise [`Lateness::Skip`] (after the window, a later day, or `due`'s day is no longer a
///   school day).
pub fn lateness(cal: &SchoolCalendar, due: DateTime<Utc>, now: DateTime<Utc>) -> Lateness {
    match due.checked_add_signed(ON_TIME_GRACE) {
        Some(limit) if now < limit => return Lateness::OnTime,
        None => return Lateness::OnTime, // due is at the end of time; now cannot be later
        Some(_) => {}
    }
    match cal.window(cal.local_date(due)) {
        Some((start, end)) if start <= now && now < end => Lateness::Late,
        _ => Lateness::Skip,
    }
}

/// The Monday of `d`'s ISO week.
fn monday_of(d: NaiveDate) -> Option<NaiveDate> {
    d.checked_sub_days(Days::new(u64::from(d.weekday().num_days_from_monday())))
}

/// SplitMix64 step: a stable, well-mixed 64-bit generator (Steele, Lea, Flood 2014).
pub(super) fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 32-byte ChaCha seed for one wpb's ISO week. Written out by hand (not std's hasher, not
/// `seed_from_u64`) so it never changes with a Rust or rand upgrade.
pub(super) fn week_seed(seed: u64, iso_year: i32, iso_week: u32) -> [u8; 32] {
    let mut state = seed;
    let mut h = splitmix64(&mut state);
    // Bit-reinterpret the year; sign does not matter, only stability.
    state = h ^ u64::from(iso_year.cast_unsigned());
    h = splitmix64(&mut state);
    state = h ^ u64::from(iso_week);
    let mut out = [0u8; 32];
    for chunk in out.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    out
}

/// A uniform-enough integer in `0..=max` from a 64-bit draw (multiply-shift; bias below
/// `(max + 1) / 2^64`, irrelevant for at most 1440 minutes).
pub(super) fn bounded(draw: u64, max: i64) -> i64 {
    let Ok(range) = u64::try_from(max.saturating_add(1)) else {
        return 0;
    };
    let scaled = (u128::from(draw) * u128::from(range)) >> 64;
    // scaled < range <= i64::MAX, so the conversion cannot fail.
    i64::try_from(scaled).unwrap_or(0)
}
