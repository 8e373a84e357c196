//! Deciding a claimed row's fate before anything is sent: skipped (missed, moot, out of
//! season), failed (no recipient, no body), or a message to send, with its prompt chosen.

use chrono::{DateTime, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

use super::super::engine::{Engine, EngineError};
use super::super::messages::{Message, OutboundMessage, Recipient, StudentRef};
use super::super::on_demand::is_on_demand;
use super::super::ports::{Chat, Clock};
use super::REMINDER_SUFFIX;
use crate::domain::language::Language;
use crate::domain::lean;
use crate::domain::prompts::{self, Catalogue, Prompt, PromptId, SelectionContext, Sent};
use crate::domain::reminder::{self, RemindedPrompt};
use crate::domain::roster::{Pairing, PersonId, TeamId};
use crate::domain::schedule::{Lateness, SchoolCalendar, lateness};
use crate::domain::school_settings;
use crate::domain::seed::stable_seed;
use crate::store::{
    EscalationStatus, Finish, OutboxKind, OutboxRow, OutboxStatus, RecipientContext,
};

/// What the batch read in bulk for preparing one row.
pub(super) struct Read<'a> {
    /// The recipient, if known.
    pub(super) ctx: Option<&'a RecipientContext>,
    /// Student names by id.
    pub(super) names: &'a HashMap<PersonId, String>,
    /// The sent prompts the batch's reminders are about, by key.
    pub(super) reminded: &'a HashMap<String, RemindedPrompt>,
}

/// What to do with one claimed row, decided before anything is sent.
pub(super) enum Prepared {
    Send(OutboundMessage),
    Done(Finish),
}

/// Why a wpb is not to be asked anything today: a holiday (or no school day), a pause, or no
/// running pairing. `None` when a prompt or reminder may go.
fn out_of_season(
    ctx: &RecipientContext,
    calendar: &SchoolCalendar,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    let today = calendar.local_date(now);
    if !calendar.is_school_day(today) {
        Some("vakantie of geen schooldag / holiday or no school day")
    } else if ctx.pauses.iter().any(|p| p.contains(today)) {
        Some("gepauzeerd / paused")
    } else if !ctx.pairings.iter().any(|(_, p)| p.is_active_on(today)) {
        Some("geen lopende koppeling / no active pairing")
    } else {
        None
    }
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Decides a row's fate without side effects; a prompt slot is sent with the prompt its
    /// claim fixed ([`Engine::prompt_choice`]).
    pub(super) async fn prepare(
        &self,
        row: &OutboxRow,
        read: &Read<'_>,
        now: DateTime<Utc>,
    ) -> Result<Prepared, EngineError> {
        let (ctx, names) = (read.ctx, read.names);
        let done = |status, note: &str| {
            let note = Some(note.to_string());
            Ok(Prepared::Done(self.finish(
                row,
                ctx,
                now,
                status,
                note,
                vec![],
            )))
        };
        let Some(ctx) = ctx else {
            return done(
                OutboxStatus::Failed,
                "ontvanger onbekend / unknown recipient",
            );
        };
        if let Some(reason) = self.missed(row, ctx, now) {
            return done(OutboxStatus::Skipped, reason);
        }
        let Some(to) = self.addressee(row, ctx).await? else {
            return done(
                OutboxStatus::Skipped,
                "team zonder kanaal / team without a channel",
            );
        };
        let send = |body| {
            Prepared::Send(OutboundMessage {
                key: row.key.clone(),
                to,
                body,
            })
        };
        if row.kind == OutboxKind::Prompt {
            return match self.prompt_body(row, ctx, names, now) {
                Ok(body) => Ok(send(body)),
                Err(reason) => done(OutboxStatus::Skipped, reason),
            };
        }
        let Some(body) = row.body.as_deref() else {
            return done(
                OutboxStatus::Failed,
                "bericht zonder inhoud / message without body",
            );
        };
        let body: Message = serde_json::from_str(body)
            .map_err(|e| EngineError::Inconsistent(format!("outbox {}: {e}", row.key)))?;
        if let Some(reason) = self.obsolete(row, &body, ctx, read.reminded, now).await? {
            return done(OutboxStatus::Skipped, reason);
        }
        Ok(send(body))
    }

    /// The prompt to fix for a due prompt slot when it is claimed: chosen (seeded by the slot
    /// key) for a slot that has none yet and will be sent, else `None`. The same checks as
    /// [`Engine::prepare`] make before it sends one.
    pub(super) fn prompt_choice(
        &self,
        row: &OutboxRow,
        ctx: Option<&RecipientContext>,
        now: DateTime<Utc>,
    ) -> Option<String> {
        let ctx = ctx?;
        if row.kind != OutboxKind::Prompt
            || row.prompt_id.is_some()
            || self.missed(row, ctx, now).is_some()
        {
            return None;
        }
        let settings = self.settings(&ctx.person);
        if out_of_season(ctx, &settings.calendar, now).is_some() {
            return None;
        }
        let today = settings.calendar.local_date(now);
        let weeks_in = ctx
            .pairings
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.is_active_on(today))
            .map(|p| p.weeks_in(today))
            .max();
        let language = self.recipient(&ctx.person).language;
        self.choose_prompt(row, ctx, language, weeks_in, now)
            .map(|p| p.id.to_string())
    }

    /// Why a prompt or reminder missed its moment, if it did.
    fn missed(
        &self,
        row: &OutboxRow,
        ctx: &RecipientContext,
        now: DateTime<Utc>,
    ) -> Option<&'static str> {
        let calendar = &self.settings(&ctx.person).calendar;
        // A prompt asked for goes out that same day, also outside the working window.
        let asked_for = row.kind == OutboxKind::Prompt && is_on_demand(&row.key);
        if asked_for && calendar.local_date(row.due_at) != calendar.local_date(now) {
            return Some("gemist: niet meer dezelfde dag / missed: no longer the same day");
        }
        // Prompts and their reminders belong to a moment; after downtime they are never sent in a burst.
        if !asked_for
            && matches!(row.kind, OutboxKind::Prompt | OutboxKind::Reminder)
            && lateness(calendar, row.due_at, now) == Lateness::Skip
        {
            return Some(
                "gemist: buiten het venster van die dag / missed: outside that day's window",
            );
        }
        // A reminder belongs to a prompt of a running placement on a school day; a pause, a
        // holiday or the end of the last pairing since it was planned makes it moot.
        if row.kind == OutboxKind::Reminder {
            return out_of_season(ctx, calendar, now);
        }
        None
    }

    /// Where the row goes: the person of record, else the team channel or the admin contact
    /// the row names. `None` for a team without a channel.
    async fn addressee(
        &self,
        row: &OutboxRow,
        ctx: &RecipientContext,
    ) -> Result<Option<Recipient>, EngineError> {
        let mut to = self.recipient(&ctx.person);
        if let Some(team) = &row.channel_team {
            let team = self.store.team(&TeamId::from_trusted(team.clone())).await?;
            match team {
                Some(team) if team.channel.is_some() => {
                    to = Recipient {
                        person: row.recipient.clone(),
                        name: team.name,
                        address: team.channel,
                        language: self.config.school(team.school.as_str()).language,
                        team_channel: true,
                        admin_contact: false,
                    };
                }
                _ => return Ok(None),
            }
        }
        if let Some(address) = &row.to_address {
            to = Recipient {
                person: row.recipient.clone(),
                name: "beheer / admin".to_string(),
                address: Some(address.clone()),
                language: self.config.defaults.language,
                team_channel: false,
                admin_contact: true,
            };
        }
        Ok(Some(to))
    }

    /// Builds the prompt for a slot with the prompt its claim fixed, or says why the slot is
    /// skipped.
    fn prompt_body(
        &self,
        row: &OutboxRow,
        ctx: &RecipientContext,
        names: &HashMap<PersonId, String>,
        now: DateTime<Utc>,
    ) -> Result<Message, &'static str> {
        let settings = self.settings(&ctx.person);
        let today = settings.calendar.local_date(now);
        if let Some(reason) = out_of_season(ctx, &settings.calendar, now) {
            return Err(reason);
        }
        let active: Vec<&Pairing> = ctx
            .pairings
            .iter()
            .map(|(_, p)| p)
            .filter(|p| p.is_active_on(today))
            .collect();
        let language = self.recipient(&ctx.person).language;
        let prompt = row
            .prompt_id
            .as_ref()
            .and_then(|id| {
                self.catalogue
                    .get(language, &PromptId::from_trusted(id.clone()))
            })
            .ok_or("geen vraag beschikbaar / no prompt available")?;
        let students = active
            .iter()
            .map(|p| StudentRef {
                id: p.student.clone(),
                name: names
                    .get(&p.student)
                    .cloned()
                    .unwrap_or_else(|| p.student.to_string()),
            })
            .collect();
        Ok(Message::Prompt {
            prompt_id: prompt.id.to_string(),
            text: prompt.text.clone(),
            students,
        })
    }

    /// Chooses a slot's prompt from the wpb's history and own signals, seeded by the slot key
    /// so the same slot always gets the same prompt.
    fn choose_prompt(
        &self,
        row: &OutboxRow,
        ctx: &RecipientContext,
        language: Language,
        weeks_in: Option<i64>,
        now: DateTime<Utc>,
    ) -> Option<&Prompt> {
        let history: Vec<Sent> = ctx
            .history
            .iter()
            .filter_map(|(id, at)| {
                let id = PromptId::from_trusted(id.clone());
                let theme = self.catalogue_theme(&id)?;
                Some(Sent {
                    prompt: id,
                    theme,
                    at: *at,
                })
            })
            .collect();
        let last_sent = history.last().map(|s| s.at);
        let sel = SelectionContext {
            language,
            weeks_in,
            history: &history,
            now,
            lean_to_klik: lean::leans_to_klik(ctx.latest_own_signal, last_sent, now),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(stable_seed(&row.key));
        prompts::select(&self.catalogue, &sel, &mut rng)
    }

    fn catalogue_theme(&self, id: &PromptId) -> Option<prompts::Theme> {
        let cat: &Catalogue = &self.catalogue;
        cat.get(Language::Nl, id)
            .or_else(|| cat.get(Language::En, id))
            .map(|p| p.theme)
    }

    /// Messages that lost their point while waiting: a reminder whose prompt was answered,
    /// replaced or grew too old, or whose school switched reminders off (`domain::reminder`);
    /// an acknowledged escalation's reminder.
    async fn obsolete(
        &self,
        row: &OutboxRow,
        body: &Message,
        ctx: &RecipientContext,
        reminded: &HashMap<String, RemindedPrompt>,
        now: DateTime<Utc>,
    ) -> Result<Option<&'static str>, EngineError> {
        Ok(match body {
            Message::Reminder { .. } => {
                let original = row.key.trim_end_matches(REMINDER_SUFFIX);
                let prompt = reminded.get(original);
                let on = school_settings::reminder(
                    ctx.school.reminder,
                    self.settings(&ctx.person).reminder,
                );
                reminder::moot(prompt, on, now).map(reminder::Moot::reason)
            }
            Message::EscalationReminder { escalation_id, .. } => {
                let open = self
                    .store
                    .escalation(*escalation_id)
                    .await?
                    .is_some_and(|e| e.status == EscalationStatus::Open);
                (!open).then_some("al opgepakt / already picked up")
            }
            _ => None,
        })
    }
}
