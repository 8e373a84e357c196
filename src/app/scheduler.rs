//! The tick: plan next prompt slots, claim what is due, send it, record the outcome.
//! Idempotent per outbox key; safe to run in several processes on one PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::engine::{Engine, EngineError};
use super::messages::{Message, OutboundMessage, StudentRef};
use super::ports::{Chat, ChatError, Clock};
use crate::domain::prompts::{self, Catalogue, PromptId, SelectionContext, Sent};
use crate::domain::roster::{Person, PersonId};
use crate::domain::schedule::{Lateness, PlanInput, lateness, next_slot};
use crate::store::{NewOutbox, OutboxKind, OutboxRow, OutboxStatus};

/// What one tick did, for logs, the demo transcript and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickOutcome {
    pub planned: usize,
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
    pub retried: usize,
    /// Rows whose claim another process took over while we worked on them.
    pub lost: usize,
}

impl TickOutcome {
    pub fn is_idle(&self) -> bool {
        *self == TickOutcome::default()
    }

    fn add(&mut self, other: &TickOutcome) {
        self.planned += other.planned;
        self.sent += other.sent;
        self.skipped += other.skipped;
        self.failed += other.failed;
        self.retried += other.retried;
        self.lost += other.lost;
    }
}

const MAX_ATTEMPTS: i64 = 8;
const HISTORY_WEEKS: i64 = 16;
const MAX_PLAN_TRIES: usize = 8;

/// Stable 64-bit hash (FNV-1a) of a key, to seed per-slot choices reproducibly.
pub(crate) fn key_seed(key: &str) -> u64 {
    crate::store::seed_for(key)
}

enum Step {
    Sent(Vec<NewOutbox>, Option<PersonId>),
    Skip(&'static str, Option<PersonId>),
    Fail(String, Vec<NewOutbox>, Option<PersonId>),
    Retry(String),
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// One pass: plan, then claim and deliver due rows until none are left (bounded by batches).
    #[tracing::instrument(skip(self), fields(engine = %self.id))]
    pub async fn tick(&self) -> Result<TickOutcome, EngineError> {
        let now = self.clock.now();
        let mut outcome = TickOutcome {
            planned: self.plan(now).await?,
            ..Default::default()
        };
        loop {
            let step = self.deliver_batch(now).await?;
            let had_work = !step.is_idle();
            outcome.add(&step);
            if !had_work {
                break;
            }
            // Sending can mark wpbs for re-planning (their next slot); do that within the tick.
            outcome.planned += self.plan(now).await?;
        }
        Ok(outcome)
    }

    /// Computes the next slot of every wpb marked for (re)planning.
    pub async fn plan(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut planned = 0;
        loop {
            let targets = self.store.plan_targets(self.batch).await?;
            if targets.is_empty() {
                return Ok(planned);
            }
            for t in &targets {
                let settings = self.settings(&t.person);
                let input = PlanInput {
                    calendar: &settings.calendar,
                    cadence: settings.cadence,
                    seed: t.seed,
                    pauses: &t.pauses,
                    placements: &t.placements,
                };
                let mut after = t.last_due.map_or(now, |d| d.max(now));
                // A week re-numbered by a new pause or holiday can repeat a used key: never
                // resend it, look further instead.
                let mut done = false;
                for _ in 0..MAX_PLAN_TRIES {
                    let slot = next_slot(&input, after);
                    let row = slot.as_ref().map(|slot| NewOutbox {
                        key: format!("prompt:{}:{}", t.person.id, slot.key),
                        kind: OutboxKind::Prompt,
                        recipient: t.person.id.clone(),
                        due_at: slot.due,
                        body: None,
                        ref_id: None,
                    });
                    if self.store.plan_slot(row.as_ref(), &t.person.id).await? {
                        planned += usize::from(row.is_some());
                        done = true;
                        break;
                    }
                    after = slot.map_or(after, |s| s.due);
                }
                if !done {
                    tracing::warn!(wpb = %t.person.id, "no unused slot found; planning again at the next change");
                    self.store.plan_slot(None, &t.person.id).await?;
                }
            }
        }
    }

    async fn deliver_batch(&self, now: DateTime<Utc>) -> Result<TickOutcome, EngineError> {
        let rows = self
            .store
            .claim_due(now, &self.id, self.lease_secs, self.batch)
            .await?;
        let mut outcome = TickOutcome::default();
        for row in rows {
            let step = self.deliver(&row, now).await?;
            let (status, note, follow_ups, replan) = match step {
                Step::Sent(f, r) => (OutboxStatus::Sent, None, f, r),
                Step::Skip(note, r) => (OutboxStatus::Skipped, Some(note.to_string()), vec![], r),
                Step::Fail(note, f, r) => (OutboxStatus::Failed, Some(note), f, r),
                Step::Retry(note) => {
                    let retry_at = now + Duration::seconds(30 * (1 << row.attempts.clamp(0, 6)));
                    self.store
                        .release(row.id, &self.id, retry_at, &note)
                        .await?;
                    outcome.retried += 1;
                    continue;
                }
            };
            let recorded = self
                .store
                .finish(
                    row.id,
                    &self.id,
                    status,
                    now,
                    note.as_deref(),
                    &follow_ups,
                    replan.as_ref(),
                )
                .await?;
            match (recorded, status) {
                (false, _) => outcome.lost += 1,
                (true, OutboxStatus::Sent) => outcome.sent += 1,
                (true, OutboxStatus::Skipped) => outcome.skipped += 1,
                (true, _) => outcome.failed += 1,
            }
        }
        Ok(outcome)
    }

    async fn deliver(&self, row: &OutboxRow, now: DateTime<Utc>) -> Result<Step, EngineError> {
        let Some(person) = self.store.person(&row.recipient).await? else {
            return Ok(Step::Fail(
                "ontvanger onbekend / unknown recipient".into(),
                vec![],
                None,
            ));
        };
        let calendar = &self.settings(&person).calendar;
        let replan = (row.kind == OutboxKind::Prompt).then(|| person.id.clone());
        // Prompts and their reminders belong to a moment; after downtime they are never sent in a burst.
        if matches!(row.kind, OutboxKind::Prompt | OutboxKind::Reminder)
            && lateness(calendar, row.due_at, now) == Lateness::Skip
        {
            return Ok(Step::Skip(
                "gemist: buiten het venster van die dag / missed: outside that day's window",
                replan,
            ));
        }
        let body = match row.kind {
            OutboxKind::Prompt => match self.prompt_body(row, &person, now).await? {
                Ok(body) => body,
                Err(reason) => return Ok(Step::Skip(reason, replan)),
            },
            _ => {
                let Some(body) = row.body.as_deref() else {
                    return Ok(Step::Fail(
                        "bericht zonder inhoud / message without body".into(),
                        vec![],
                        None,
                    ));
                };
                let body: Message = serde_json::from_str(body)
                    .map_err(|e| EngineError::Inconsistent(format!("outbox {}: {e}", row.key)))?;
                if let Some(reason) = self.obsolete(row, &body).await? {
                    return Ok(Step::Skip(reason, None));
                }
                body
            }
        };
        let message = OutboundMessage {
            key: row.key.clone(),
            to: self.recipient(&person),
            body,
        };
        Ok(match self.chat.send(&message).await {
            Ok(()) => Step::Sent(self.after_sent(row, &person, &message, now), replan),
            Err(ChatError::Unreachable(why)) => {
                self.store.set_dm_closed(&person.id).await?;
                Step::Fail(why, self.unreachable_notices(&person, now).await?, replan)
            }
            Err(ChatError::Transient(why)) if row.attempts >= MAX_ATTEMPTS => {
                tracing::error!(key = %row.key, %why, "giving up after {MAX_ATTEMPTS} attempts");
                Step::Fail(why, vec![], replan)
            }
            Err(ChatError::Transient(why)) => Step::Retry(why),
        })
    }

    /// Chooses (once, durably) and builds the prompt for a slot, or says why it is skipped.
    async fn prompt_body(
        &self,
        row: &OutboxRow,
        person: &Person,
        now: DateTime<Utc>,
    ) -> Result<Result<Message, &'static str>, EngineError> {
        let settings = self.settings(person);
        let today = settings.calendar.local_date(now);
        if self
            .store
            .pauses(&person.id)
            .await?
            .iter()
            .any(|p| p.contains(today))
        {
            return Ok(Err("gepauzeerd / paused"));
        }
        let pairings: Vec<_> = self
            .store
            .pairings_of(&person.id)
            .await?
            .into_iter()
            .filter(|(_, p)| p.wpb == person.id && p.is_active_on(today))
            .collect();
        if pairings.is_empty() {
            return Ok(Err("geen lopende koppeling / no active pairing"));
        }
        let language = self.recipient(person).language;
        let prompt = match &row.prompt_id {
            Some(id) => self
                .catalogue
                .get(language, &PromptId::from_trusted(id.clone())),
            None => {
                let history = self.history(&person.id, now).await?;
                let since = history.last().map_or(now - Duration::days(14), |s| s.at);
                let lean_to_klik = self
                    .store
                    .latest_wpb_signal(&person.id, since)
                    .await?
                    .is_some_and(|v| v.is_negative());
                let weeks_in = pairings.iter().map(|(_, p)| p.weeks_in(today)).max();
                let ctx = SelectionContext {
                    language,
                    weeks_in,
                    history: &history,
                    now,
                    lean_to_klik,
                };
                let mut rng = ChaCha8Rng::seed_from_u64(key_seed(&row.key));
                let chosen = prompts::select(&self.catalogue, &ctx, &mut rng);
                if let Some(p) = chosen {
                    if !self
                        .store
                        .set_prompt(row.id, &self.id, p.id.as_str())
                        .await?
                    {
                        return Ok(Err("claim verloren / claim lost"));
                    }
                }
                chosen
            }
        };
        let Some(prompt) = prompt else {
            return Ok(Err("geen vraag beschikbaar / no prompt available"));
        };
        let mut students = Vec::new();
        for (_, p) in &pairings {
            let name = self
                .store
                .person(&p.student)
                .await?
                .map_or_else(|| p.student.to_string(), |s| s.name);
            students.push(StudentRef {
                id: p.student.clone(),
                name,
            });
        }
        Ok(Ok(Message::Prompt {
            prompt_id: prompt.id.to_string(),
            text: prompt.text.clone(),
            students,
        }))
    }

    async fn history(&self, wpb: &PersonId, now: DateTime<Utc>) -> Result<Vec<Sent>, EngineError> {
        let sent = self
            .store
            .prompt_history(wpb, now - Duration::weeks(HISTORY_WEEKS))
            .await?;
        Ok(sent
            .into_iter()
            .filter_map(|(id, at)| {
                let id = PromptId::from_trusted(id);
                let theme = self.catalogue_theme(&id)?;
                Some(Sent {
                    prompt: id,
                    theme,
                    at,
                })
            })
            .collect())
    }

    fn catalogue_theme(&self, id: &PromptId) -> Option<prompts::Theme> {
        let cat: &Catalogue = &self.catalogue;
        cat.get(crate::domain::language::Language::Nl, id)
            .or_else(|| cat.get(crate::domain::language::Language::En, id))
            .map(|p| p.theme)
    }

    /// Messages that lost their point while waiting: an answered prompt needs no reminder,
    /// an acknowledged escalation no reminder either.
    async fn obsolete(
        &self,
        row: &OutboxRow,
        body: &Message,
    ) -> Result<Option<&'static str>, EngineError> {
        Ok(match body {
            Message::Reminder { .. } => {
                let original = row.key.trim_end_matches(":herinnering");
                self.store
                    .is_answered(original)
                    .await?
                    .then_some("al beantwoord / already answered")
            }
            Message::EscalationReminder { escalation_id, .. } => {
                let open = self
                    .store
                    .escalation(*escalation_id)
                    .await?
                    .is_some_and(|e| e.status == crate::store::EscalationStatus::Open);
                (!open).then_some("al opgepakt / already picked up")
            }
            _ => None,
        })
    }

    fn after_sent(
        &self,
        row: &OutboxRow,
        person: &Person,
        message: &OutboundMessage,
        now: DateTime<Utc>,
    ) -> Vec<NewOutbox> {
        let settings = self.settings(person);
        let (OutboxKind::Prompt, Message::Prompt { text, .. }, true) =
            (row.kind, &message.body, settings.reminder)
        else {
            return vec![];
        };
        let later = now + Duration::hours(i64::from(settings.reminder_after_hours));
        let Some(due_at) = settings.calendar.next_window_moment(later) else {
            return vec![];
        };
        let body = serde_json::to_string(&Message::Reminder { text: text.clone() }).ok();
        vec![NewOutbox {
            key: format!("{}:herinnering", row.key),
            kind: OutboxKind::Reminder,
            recipient: person.id.clone(),
            due_at,
            body,
            ref_id: Some(row.id),
        }]
    }

    /// Tells each schoolopleider once that a wpb cannot be reached.
    async fn unreachable_notices(
        &self,
        wpb: &Person,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbox>, EngineError> {
        if wpb.role != crate::domain::roster::Role::Wpb {
            return Ok(vec![]);
        }
        let body = serde_json::to_string(&Message::Unreachable {
            wpb: wpb.name.clone(),
        })
        .map_err(|e| EngineError::Inconsistent(e.to_string()))?;
        Ok(self
            .store
            .schoolopleiders(&wpb.school)
            .await?
            .into_iter()
            .map(|so| NewOutbox {
                key: format!("onbereikbaar:{}:{}", wpb.id, so.id),
                kind: OutboxKind::Unreachable,
                recipient: so.id,
                due_at: now,
                body: Some(body.clone()),
                ref_id: None,
            })
            .collect())
    }
}
