//! Delivering a claimed batch: prepare every row, send, and record the outcomes (with each
//! prompt's reminder and the wpb's next slot) in one transaction.

use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet};

use super::super::engine::{Engine, EngineError};
use super::super::messages::{Message, OutboundMessage};
use super::super::metrics::SendFailureKind;
use super::super::on_demand::is_on_demand;
use super::super::ports::{Chat, ChatError, Clock};
use super::prepare::{Prepared, Read};
use super::{HISTORY_WEEKS, REMINDER_SUFFIX, TickOutcome};
use crate::domain::lean;
use crate::domain::retry::{self, MAX_ATTEMPTS, Retry, SendFailure};
use crate::domain::roster::{Person, PersonId, Role};
use crate::domain::school_settings;
use crate::store::{Finish, NewOutbox, OutboxKind, OutboxRow, OutboxStatus, RecipientContext};

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Claims a batch, reads what it needs in bulk, fixes prompt choices, sends, and records
    /// all outcomes in one transaction. A crash before that commit leaves the rows claimed;
    /// after the lease they are sent again under the same key, which the platform deduplicates.
    pub(super) async fn deliver_batch(
        &self,
        now: DateTime<Utc>,
    ) -> Result<TickOutcome, EngineError> {
        let rows = self
            .store
            .claim_due(now, &self.id, self.lease_secs, self.batch)
            .await?;
        let mut outcome = TickOutcome::default();
        if rows.is_empty() {
            return Ok(outcome);
        }
        let mut recipients: Vec<PersonId> = rows.iter().map(|r| r.recipient.clone()).collect();
        recipients.sort();
        recipients.dedup();
        let (contexts, names) = self
            .store
            .recipient_contexts(
                &recipients,
                Some((
                    now - Duration::weeks(HISTORY_WEEKS),
                    lean::signal_horizon(now),
                )),
            )
            .await?;
        let prepared = self.prepare_all(&rows, &contexts, &names, now).await?;
        let mut finishes = Vec::with_capacity(rows.len());
        for (row, p) in rows.iter().zip(prepared) {
            let ctx = contexts.get(&row.recipient);
            match p {
                None => outcome.lost += 1,
                Some(Prepared::Done(f)) => finishes.push(f),
                // Stopping: what was sent is recorded below, the rest goes back unsent at once
                // rather than waiting out the lease, for another process to send.
                Some(Prepared::Send(_)) if self.is_stopping() => {
                    self.store
                        .hold_back(
                            row.id,
                            &self.id,
                            now,
                            "teruggegeven bij stoppen / given back on stop",
                        )
                        .await?;
                    outcome.held += 1;
                }
                Some(Prepared::Send(message)) => {
                    finishes.extend(self.send_one(row, ctx, &message, now, &mut outcome).await?)
                }
            }
        }
        let recorded = self.store.finish_many(&self.id, now, &finishes).await?;
        let kinds: HashMap<i64, OutboxKind> = rows.iter().map(|r| (r.id, r.kind)).collect();
        for (f, ok) in finishes.iter().zip(recorded) {
            match (ok, f.status) {
                (false, _) => outcome.lost += 1,
                (true, OutboxStatus::Sent) => {
                    outcome.sent += 1;
                    if let Some(kind) = kinds.get(&f.id) {
                        self.metrics.sent(kind.as_str());
                    }
                }
                (true, OutboxStatus::Skipped) => outcome.skipped += 1,
                (true, _) => outcome.failed += 1,
            }
        }
        Ok(outcome)
    }

    /// Prepares every row and fixes the prompts chosen for them in one write. A row whose
    /// choice another process fixed first (its claim was taken over) comes back `None`.
    async fn prepare_all(
        &self,
        rows: &[OutboxRow],
        contexts: &HashMap<PersonId, RecipientContext>,
        names: &HashMap<PersonId, String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Option<Prepared>>, EngineError> {
        let mut prepared = Vec::with_capacity(rows.len());
        let mut choices = Vec::new();
        // The prompts the batch's reminders are about, read together.
        let reminded: Vec<String> = rows
            .iter()
            .filter(|r| r.key.ends_with(REMINDER_SUFFIX))
            .map(|r| r.key.trim_end_matches(REMINDER_SUFFIX).to_string())
            .collect();
        let reminded = self.store.reminded_prompts(&reminded).await?;
        for row in rows {
            let read = Read {
                ctx: contexts.get(&row.recipient),
                names,
                reminded: &reminded,
            };
            let (p, choice) = self.prepare(row, &read, now).await?;
            choices.extend(choice.map(|c| (row.id, c)));
            prepared.push(p);
        }
        let kept: HashSet<i64> = self
            .store
            .set_prompts(&self.id, &choices)
            .await?
            .into_iter()
            .collect();
        let chosen: HashSet<i64> = choices.iter().map(|(id, _)| *id).collect();
        Ok(rows
            .iter()
            .zip(prepared)
            .map(|(row, p)| (!chosen.contains(&row.id) || kept.contains(&row.id)).then_some(p))
            .collect())
    }

    /// Sends one message. Returns its outcome to record, or nothing when the row was given
    /// back to be tried again later (counted in `outcome`).
    async fn send_one(
        &self,
        row: &OutboxRow,
        ctx: Option<&RecipientContext>,
        message: &OutboundMessage,
        now: DateTime<Utc>,
        outcome: &mut TickOutcome,
    ) -> Result<Option<Finish>, EngineError> {
        let person = ctx.map(|c| &c.person);
        let (failure, why) = match self.chat.send(message).await {
            Ok(()) => {
                let follow_ups = match person {
                    // The school's reminder setting changed through the bot, over the configuration.
                    Some(p) => {
                        self.after_sent(row, p, message, ctx.and_then(|c| c.school.reminder), now)
                    }
                    None => vec![],
                };
                let sent = self.finish(row, ctx, now, OutboxStatus::Sent, None, follow_ups);
                return Ok(Some(sent));
            }
            Err(ChatError::Unreachable(why)) => {
                self.metrics.send_failed(SendFailureKind::Unreachable);
                // A team channel or the admin contact that cannot be reached says nothing
                // about the DMs of the recipient of record.
                let person =
                    person.filter(|_| row.channel_team.is_none() && row.to_address.is_none());
                let notices = match person {
                    Some(p) => {
                        self.store.set_dm_closed(&p.id).await?;
                        self.unreachable_notices(p, now).await?
                    }
                    None => vec![],
                };
                let failed = self.finish(row, ctx, now, OutboxStatus::Failed, Some(why), notices);
                return Ok(Some(failed));
            }
            Err(ChatError::Transient(why)) => {
                self.metrics.send_failed(SendFailureKind::Transient);
                (SendFailure::Passing, why)
            }
            Err(ChatError::Limited { why, retry_after }) => {
                self.metrics.send_failed(SendFailureKind::RateLimited);
                (SendFailure::Limited(retry_after), why)
            }
        };
        match retry::after_failure(row.attempts, failure) {
            Retry::GiveUp => {
                tracing::error!(key = %row.key, %why, "giving up after {MAX_ATTEMPTS} attempts");
                let failed = self.finish(row, ctx, now, OutboxStatus::Failed, Some(why), vec![]);
                Ok(Some(failed))
            }
            Retry::After { wait, counts: true } => {
                self.store
                    .release(row.id, &self.id, now + wait, &why)
                    .await?;
                outcome.retried += 1;
                Ok(None)
            }
            Retry::After {
                wait,
                counts: false,
            } => {
                self.store
                    .hold_back(row.id, &self.id, now + wait, &why)
                    .await?;
                outcome.held += 1;
                Ok(None)
            }
        }
    }

    /// Records a row's outcome; a prompt slot, whatever became of it, brings its wpb's next
    /// slot along in the same transaction.
    pub(super) fn finish(
        &self,
        row: &OutboxRow,
        ctx: Option<&RecipientContext>,
        now: DateTime<Utc>,
        status: OutboxStatus,
        note: Option<String>,
        follow_ups: Vec<NewOutbox>,
    ) -> Finish {
        let (next_slot, replan) = match (row.kind, ctx) {
            // A prompt on demand is outside the chain of planned slots: the slot it replaced
            // already brought the next one along.
            (OutboxKind::Prompt, _) if is_on_demand(&row.key) => (None, None),
            (OutboxKind::Prompt, Some(ctx)) => {
                let after = ctx.last_due.unwrap_or(row.due_at).max(row.due_at).max(now);
                (self.next_prompt_row(ctx, after), None)
            }
            (OutboxKind::Prompt, None) => (None, Some(row.recipient.clone())),
            _ => (None, None),
        };
        Finish {
            id: row.id,
            status,
            note,
            follow_ups,
            next_slot,
            replan,
        }
    }

    /// The reminder of a prompt just sent, when the wpb's school wants one: after the
    /// configured hours, at the next moment inside the working window.
    fn after_sent(
        &self,
        row: &OutboxRow,
        person: &Person,
        message: &OutboundMessage,
        reminder_override: Option<bool>,
        now: DateTime<Utc>,
    ) -> Vec<NewOutbox> {
        let settings = self.settings(person);
        let reminder = school_settings::reminder(reminder_override, settings.reminder);
        let (OutboxKind::Prompt, Message::Prompt { text, .. }, true) =
            (row.kind, &message.body, reminder)
        else {
            return vec![];
        };
        let later = now + Duration::hours(i64::from(settings.reminder_after_hours));
        let Some(due_at) = settings.calendar.next_window_moment(later) else {
            return vec![];
        };
        let body = serde_json::to_string(&Message::Reminder { text: text.clone() }).ok();
        vec![NewOutbox {
            key: format!("{}{REMINDER_SUFFIX}", row.key),
            kind: OutboxKind::Reminder,
            recipient: person.id.clone(),
            due_at,
            body,
            ref_id: Some(row.id),
            channel_team: None,
            to_address: None,
        }]
    }

    /// Tells each schoolopleider once that a wpb cannot be reached.
    async fn unreachable_notices(
        &self,
        wpb: &Person,
        now: DateTime<Utc>,
    ) -> Result<Vec<NewOutbox>, EngineError> {
        if wpb.role != Role::Wpb {
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
                channel_team: None,
                to_address: None,
            })
            .collect())
    }
}
