//! The schoolopleider's week in one look: the weekly digest, `/overzicht` and the wpb's
//! `/terugblik`. The figures come from `domain::digest`; this module fetches the facts, decides
//! when the weekly digest is due and enqueues it, once per schoolopleider per week.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, Utc};

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Reply, Sender, UserError, json_row};
use super::messages::{Message, SharedReflection, StudentKlik, Terugblik};
use super::ports::{Chat, Clock};
use crate::domain::authz::Action;
use crate::domain::digest::{
    DigestFigures, SchoolWeek, SummaryRequest, figures_of_summary, is_school_week, terugblik_span,
};
use crate::domain::roster::{PairingId, Person, SchoolId};
use crate::domain::schedule::{DateRange, SchoolCalendar};
use crate::store::OutboxKind;

/// How far before a placement's end its last school day is looked for.
const LAST_SCHOOL_DAY_SEARCH: u64 = 28;

/// The placement's last school day: its end, or the latest school day before it (within
/// [`LAST_SCHOOL_DAY_SEARCH`] days). `None` when there is none.
fn last_school_day(calendar: &SchoolCalendar, end: NaiveDate) -> Option<NaiveDate> {
    (0..=LAST_SCHOOL_DAY_SEARCH)
        .filter_map(|back| end.checked_sub_days(Days::new(back)))
        .find(|d| calendar.is_school_day(*d))
}

/// The end days of the placements whose last school day is on or before `today` while they
/// have not ended: from today up to the day before the next school day.
fn ending_with_today(calendar: &SchoolCalendar, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last = (1..=LAST_SCHOOL_DAY_SEARCH)
        .filter_map(|ahead| today.checked_add_days(Days::new(ahead)))
        .take_while(|d| !calendar.is_school_day(*d))
        .last()
        .unwrap_or(today);
    (today, last)
}

/// School weeks the weekly digest (and its chart) covers.
pub const DIGEST_WEEKS: usize = 10;
/// The most weeks `/overzicht` and `report` look back.
pub const MAX_OVERVIEW_WEEKS: usize = 52;

/// The outbox key of a schoolopleider's digest of one week: its ISO week, so a second process,
/// a restart or a second tick that week finds the key taken.
pub fn digest_key(week: SchoolWeek, person: &str) -> String {
    let iso = week.monday.iso_week();
    format!("weekoverzicht:{}-W{:02}:{person}", iso.year(), iso.week())
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// The figures of `school` over `weeks` school weeks up to and including `until`, made on
    /// `today`. `None` for an unknown school.
    pub async fn school_figures(
        &self,
        school: &SchoolId,
        until: NaiveDate,
        today: NaiveDate,
        weeks: usize,
    ) -> Result<Option<DigestFigures>, EngineError> {
        let settings = self.config.school(school.as_str());
        let calendar = &settings.calendar;
        let request = SummaryRequest::new(
            calendar,
            until,
            today,
            weeks.clamp(1, MAX_OVERVIEW_WEEKS),
            settings.digest.thresholds,
        );
        let Some(summary) = self
            .store
            .digest_summary(school, &request, calendar)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(figures_of_summary(
            calendar, until, &request, &summary,
        )))
    }

    /// The weekly digest: for each school that sends one, once its weekday and time have come
    /// in a school week (never in a holiday week), one message per schoolopleider who did not
    /// switch it off, under a key of its own per week (see [`digest_key`]). A week the bot
    /// was down through is not made up for later, and a week with nothing to tell is left
    /// out. Returns how many digests were enqueued.
    pub(crate) async fn weekly_digests(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut enqueued = 0;
        for school in self.store.school_ids().await? {
            let settings = self.config.school(school.as_str());
            let (calendar, digest) = (&settings.calendar, &settings.digest);
            if !digest.enabled {
                continue;
            }
            let today = calendar.local_date(now);
            let week = SchoolWeek::of(today);
            if !is_school_week(calendar, week) {
                continue;
            }
            let day = week
                .monday
                .checked_add_days(Days::new(u64::from(digest.weekday.num_days_from_monday())))
                .unwrap_or(week.monday);
            let Some(moment) = day
                .and_time(digest.time)
                .and_local_timezone(calendar.tz)
                .earliest()
            else {
                continue;
            };
            if now < moment.with_timezone(&Utc) || self.digest_seen(&school, week) {
                continue;
            }
            let mut missing = Vec::new();
            for person in self.store.digest_recipients(&school).await? {
                if self
                    .store
                    .outbox_by_key(&digest_key(week, person.as_str()))
                    .await?
                    .is_none()
                {
                    missing.push(person);
                }
            }
            // The digest covers the school weeks before this one; one computation serves
            // every schoolopleider of the school.
            let until = week.monday - Duration::days(1);
            let figures = if missing.is_empty() {
                None
            } else {
                self.school_figures(&school, until, today, DIGEST_WEEKS)
                    .await?
            };
            if let Some(figures) = figures.filter(|f| !f.has_nothing_to_tell()) {
                let body = Message::Digest(Box::new(figures));
                for person in &missing {
                    let key = digest_key(week, person.as_str());
                    if let Some(row) = json_row(key, OutboxKind::Digest, person, now, &body, None)
                        && self.store.enqueue(&row).await?
                    {
                        enqueued += 1;
                    }
                }
            }
            self.mark_digest_seen(&school, week);
        }
        Ok(enqueued)
    }

    fn digest_seen(&self, school: &SchoolId, week: SchoolWeek) -> bool {
        self.digests_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(school.as_str())
            == Some(&week.monday)
    }

    /// Forgets which week this process handled for `school`, so a schoolopleider who switched
    /// their digest on again still gets this week's.
    pub(crate) fn digest_unseen(&self, school: &SchoolId) {
        self.digests_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(school.as_str());
    }

    fn mark_digest_seen(&self, school: &SchoolId, week: SchoolWeek) {
        self.digests_seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(school.to_string(), week.monday);
    }
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// A wpb's terugblik as of `today`: their reflections and their own klik over the placements
    /// running today (else their last one). `None` when they have had no placement yet.
    pub async fn terugblik(
        &self,
        wpb: &Person,
        today: NaiveDate,
    ) -> Result<Option<Terugblik>, EngineError> {
        let calendar = &self.settings(wpb).calendar;
        let all = self
            .store
            .journey_facts(&wpb.id, DateTime::<Utc>::MIN_UTC)
            .await?;
        let spans: Vec<DateRange> = all.pairings.iter().map(|(_, _, d)| *d).collect();
        let Some(span) = terugblik_span(&spans, today) else {
            return Ok(None);
        };
        let local = |t: DateTime<Utc>| calendar.local_date(t);
        let in_span = |t: DateTime<Utc>| span.contains(local(t));
        let reflections = all
            .reflections
            .iter()
            .filter(|(at, _)| in_span(*at))
            .map(|(at, text)| SharedReflection {
                at: *at,
                text: text.clone(),
            })
            .collect();
        let klik = all
            .pairings
            .iter()
            .filter(|(_, _, d)| d.overlaps(&span))
            .map(|(id, student, _)| StudentKlik {
                student: student.clone(),
                signals: all
                    .signals
                    .iter()
                    .filter(|(p, at, _)| p == id && in_span(*at))
                    .map(|(_, at, v)| (local(*at), *v))
                    .collect(),
            })
            .collect();
        Ok(Some(Terugblik {
            from: span.start,
            until: span.end,
            reflections,
            klik,
        }))
    }

    /// `/terugblik`: the sender's own, only for them.
    pub(crate) async fn terugblik_now(&self, from: Sender) -> Handled {
        let wpb = self.actor_for_own(&from, Action::Terugblik).await?;
        let today = self.settings(&wpb).calendar.local_date(self.clock.now());
        match self.terugblik(&wpb, today).await? {
            Some(t) => Ok(Reply::Terugblik(Box::new(t))),
            None => Err(UserError::NoPlacementYet.into()),
        }
    }

    /// The last days of placements whose terugblik can be due at `now`: only those whose last
    /// school day can be today in some school's calendar, read in order of their end, so a
    /// region's many placements that end later in the month cannot keep today's from being
    /// reached. None outside the deployment's working window, so ticks at night cost nothing
    /// (each school's own window decides in [`Engine::ending_terugblikken`]).
    pub(crate) fn ending_range(&self, now: DateTime<Utc>) -> Option<(NaiveDate, NaiveDate)> {
        let defaults = &self.config.defaults.calendar;
        if !defaults.in_window(now) {
            return None;
        }
        std::iter::once(defaults)
            .chain(self.config.schools.values().map(|s| &s.calendar))
            .map(|c| ending_with_today(c, c.local_date(now)))
            .reduce(|(f1, t1), (f2, t2)| (f1.min(f2), t1.max(t2)))
    }

    /// Once at the end of a placement, on its last school day (so the last week's reflections
    /// are in it) inside the school's working window: the wpb's terugblik, under the key
    /// `terugblik:<pairing>` so it goes once whatever restarts. Looks at placements whose last
    /// day is in `(from, to)` (see [`Engine::ending_range`]). Returns how many were enqueued.
    pub(crate) async fn ending_terugblikken(
        &self,
        now: DateTime<Utc>,
        (from, to): (NaiveDate, NaiveDate),
    ) -> Result<usize, EngineError> {
        let mut enqueued = 0;
        for (pairing, wpb) in self.store.placements_ending(from, to, self.batch).await? {
            let Some(person) = self.store.person(&wpb).await? else {
                continue;
            };
            let calendar = &self.settings(&person).calendar;
            if !calendar.in_window(now) {
                continue;
            }
            let local_today = calendar.local_date(now);
            let Some(pairing_row) = self.store.pairing(PairingId(pairing)).await? else {
                continue;
            };
            let due = last_school_day(calendar, pairing_row.end);
            if due.is_none_or(|d| d > local_today) || local_today > pairing_row.end {
                continue;
            }
            let Some(t) = self.terugblik(&person, local_today).await? else {
                continue;
            };
            let body = Message::Terugblik(Box::new(t));
            if let Some(row) = json_row(
                format!("terugblik:{pairing}"),
                OutboxKind::Terugblik,
                &person.id,
                now,
                &body,
                Some(pairing),
            ) && self.store.enqueue(&row).await?
            {
                enqueued += 1;
            }
        }
        Ok(enqueued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::SchoolCalendar;

    #[test]
    fn the_last_school_day_of_a_placement_skips_weekends_and_holidays() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let mut calendar = SchoolCalendar::amsterdam_default();
        // Ends on a Friday, on a Sunday, and in a two-week holiday.
        assert_eq!(
            last_school_day(&calendar, d("2026-12-18")),
            Some(d("2026-12-18"))
        );
        assert_eq!(
            last_school_day(&calendar, d("2026-12-20")),
            Some(d("2026-12-18"))
        );
        calendar.holidays.push(DateRange {
            start: d("2026-12-19"),
            end: d("2027-01-03"),
        });
        assert_eq!(
            last_school_day(&calendar, d("2027-01-01")),
            Some(d("2026-12-18"))
        );
        calendar.school_days.clear();
        assert_eq!(last_school_day(&calendar, d("2027-01-01")), None);
    }

    #[test]
    fn the_digest_key_is_the_iso_week_of_the_week_it_goes() {
        let monday = SchoolWeek::of("2027-01-04".parse().expect("date"));
        assert_eq!(digest_key(monday, "so"), "weekoverzicht:2027-W01:so");
        let last = SchoolWeek::of("2026-12-31".parse().expect("date"));
        assert_eq!(digest_key(last, "so"), "weekoverzicht:2026-W53:so");
    }
}
