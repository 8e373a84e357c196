//! A prompt now: the wpb's own `/vraag` (`!vraag`) and the operator's `wandelgang prompt send`.
//!
//! Both queue one outbox row of kind prompt, keyed like a planned slot but by the day
//! (`2026-W49-vraag2:prompt:<wpb>`), so a double click or a second ask that day never gives a
//! second prompt. The running bot's tick delivers it like any slot. It counts toward the week:
//! it takes the place of the wpb's next planned slot of the same ISO week (that slot is
//! skipped and the next one is planned after it), or of the week's next slot still to be
//! planned; when the week's slots were all sent or replaced already, it comes on top of them
//! (the wpb or the operator asked for it; at most once a day).

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Reply, Sender, UserError};
use super::ports::{Chat, Clock};
use super::privacy::Operator;
use crate::domain::authz::{Action, Target, authorize};
use crate::domain::language::{Localize, Text};
use crate::domain::roster::{Person, PersonId, Role};
use crate::domain::schedule::SchoolCalendar;
use crate::store::{NewOutbox, OnDemandQueued, OutboxKind, person_subject};

/// Marks an on-demand slot in a prompt key; scheduled slots end in a plain number.
const SLOT_TAG: &str = "-vraag";

/// Whether a prompt row was asked for rather than planned.
pub(crate) fn is_on_demand(key: &str) -> bool {
    key.split(':')
        .next()
        .is_some_and(|slot| slot.contains(SLOT_TAG))
}

/// The slot part of the key: ISO week and weekday, so it names the day and stays short enough
/// for a Discord button's custom id with a 64-character person id.
fn slot_key(day: NaiveDate) -> String {
    let iso = day.iso_week();
    format!(
        "{}-W{:02}{SLOT_TAG}{}",
        iso.year(),
        iso.week(),
        day.weekday().number_from_monday()
    )
}

/// Why no prompt was queued now (besides the general refusals: unknown sender, the table, no
/// running pairing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptRefusal {
    /// Only wpbs get prompts.
    NotAWpb,
    /// The person has no chat address in the roster: nothing could reach them.
    NoChatAddress,
    /// The wpb paused up to and including `until`.
    Paused {
        /// The last day of the pause.
        until: NaiveDate,
    },
    /// Today is a holiday or no school day.
    NoSchoolDay,
    /// There was a prompt on demand today already; the next school day is `again`.
    AlreadyToday {
        /// The next school day a prompt may be asked for.
        again: NaiveDate,
    },
}

impl Localize for PromptRefusal {
    fn text(&self) -> Text {
        match self {
            PromptRefusal::NotAWpb => Text::new(
                "Alleen werkplekbegeleiders krijgen vragen.",
                "Only werkplekbegeleiders get prompts.",
            ),
            PromptRefusal::NoChatAddress => Text::new(
                "Deze persoon staat in het rooster maar heeft geen chatadres; een vraag zou niemand bereiken.",
                "This person is in the roster but has no chat address; a prompt would reach nobody.",
            ),
            PromptRefusal::Paused { until } => {
                let date = until.format("%d-%m-%Y");
                Text::owned(
                    format!(
                        "Je vragen zijn gepauzeerd tot en met {date}; hervat ze eerst als je nu een vraag wilt."
                    ),
                    format!(
                        "Your prompts are paused up to and including {date}; resume them first if you would like a prompt now."
                    ),
                )
            }
            PromptRefusal::NoSchoolDay => Text::new(
                "Vandaag is geen schooldag (vakantie of weekend); op een schooldag kan het weer.",
                "Today is a holiday or weekend day; ask again on a school day.",
            ),
            PromptRefusal::AlreadyToday { again } => {
                let date = again.format("%d-%m-%Y");
                Text::owned(
                    format!(
                        "Je kreeg vandaag al een vraag op verzoek; vanaf {date} kun je weer om een vraag vragen."
                    ),
                    format!(
                        "You already had a prompt on request today; from {date} on, ask again."
                    ),
                )
            }
        }
    }
}

/// The next school day after `today` (within a year), else the day after.
fn next_school_day(calendar: &SchoolCalendar, today: NaiveDate) -> NaiveDate {
    (1..=366)
        .filter_map(|n| today.checked_add_days(Days::new(n)))
        .find(|d| calendar.is_school_day(*d))
        .or_else(|| today.succ_opt())
        .unwrap_or(today)
}

/// Local midnight at the start of `day`, in UTC.
fn day_start(calendar: &SchoolCalendar, day: NaiveDate, fallback: DateTime<Utc>) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(calendar.tz).earliest())
        .map_or(fallback, |t| t.with_timezone(&Utc))
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Chat: the sender asks for a prompt now.
    pub(crate) async fn ask_prompt(&self, from: Sender) -> Handled {
        let wpb = self.actor_for_own(&from, Action::RequestPrompt).await?;
        self.queue_prompt_now(&wpb).await
    }

    /// The operator (the CLI, recorded as `admin:cli`) or a permitted person queues a prompt now for the wpb `id`; audited.
    pub async fn prompt_now_as(&self, op: &Operator, id: &PersonId) -> Handled {
        let (actor, audit_as) = self.operator(op).await?;
        let Some(person) = self.store.person(id).await? else {
            return Err(UserError::PersonNotFound.into());
        };
        let target = Target::Person {
            id: person.id.clone(),
            school: person.school.clone(),
        };
        authorize(&actor, Action::RequestPrompt, &target)?;
        let reply = self.queue_prompt_now(&person).await?;
        self.store
            .audit(
                self.clock.now(),
                &audit_as,
                "prompt_now",
                &person_subject(id),
                Some(person.school.as_str()),
                None,
            )
            .await?;
        Ok(reply)
    }

    /// The rules of a planned slot (a wpb with a chat address, a running pairing, no pause, a
    /// school day), then at most one prompt on demand per wpb per day.
    async fn queue_prompt_now(&self, wpb: &Person) -> Handled {
        let refuse = |r: PromptRefusal| -> Handled { Err(UserError::PromptNow(r).into()) };
        if wpb.role != Role::Wpb {
            return refuse(PromptRefusal::NotAWpb);
        }
        if wpb.chat.is_none() {
            return refuse(PromptRefusal::NoChatAddress);
        }
        let now = self.clock.now();
        let calendar = &self.settings(wpb).calendar;
        let today = calendar.local_date(now);
        let (contexts, _) = self
            .store
            .recipient_contexts(std::slice::from_ref(&wpb.id), None)
            .await?;
        let ctx = contexts
            .get(&wpb.id)
            .ok_or_else(|| EngineError::Inconsistent(format!("wpb {} missing", wpb.id)))?;
        if !ctx.pairings.iter().any(|(_, p)| p.is_active_on(today)) {
            return Err(UserError::NoActivePairing.into());
        }
        if let Some(until) = ctx
            .pauses
            .iter()
            .filter(|p| p.contains(today))
            .map(|p| p.end)
            .max()
        {
            return refuse(PromptRefusal::Paused { until });
        }
        if !calendar.is_school_day(today) {
            return refuse(PromptRefusal::NoSchoolDay);
        }
        let monday = today
            .checked_sub_days(Days::new(u64::from(today.weekday().num_days_from_monday())))
            .unwrap_or(today);
        let next_monday = monday.checked_add_days(Days::new(7)).unwrap_or(monday);
        let row = NewOutbox {
            key: format!("{}:prompt:{}", slot_key(today), wpb.id),
            kind: OutboxKind::Prompt,
            recipient: wpb.id.clone(),
            due_at: now,
            body: None,
            ref_id: None,
            channel_team: None,
            to_address: None,
        };
        let unplanned = self.week_slots_after(ctx, today, now);
        let queued = self
            .store
            .queue_prompt_now(
                &row,
                day_start(calendar, monday, now),
                day_start(calendar, next_monday, now),
                &unplanned,
            )
            .await?;
        match queued {
            OnDemandQueued::AlreadyToday => refuse(PromptRefusal::AlreadyToday {
                again: next_school_day(calendar, today),
            }),
            OnDemandQueued::InPlaceOf(due) => Ok(Reply::PromptQueued {
                in_place_of: Some(due),
            }),
            OnDemandQueued::Extra => Ok(Reply::PromptQueued { in_place_of: None }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_demand_keys_name_the_day_and_are_told_apart_from_planned_slots() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        assert_eq!(slot_key(day), "2026-W49-vraag2");
        assert!(is_on_demand("2026-W49-vraag2:prompt:wpb-1"));
        assert!(is_on_demand("2026-W49-vraag2:prompt:wpb-1:herinnering"));
        assert!(!is_on_demand("2026-W49-2:prompt:wpb-1"));
        // A person id that happens to contain the tag does not make a planned slot on demand.
        assert!(!is_on_demand("2026-W49-2:prompt:x-vraag1"));
        // Longest person id: the reflection button's custom id still fits Discord's 100.
        let key = format!("{}:prompt:{}", slot_key(day), "x".repeat(64));
        assert!(format!("wg1:reflm:{key}").len() <= 100);
    }
}
