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

/// Reads of due rows a batch's claim makes before it gives up until the next tick.
const CLAIM_TRIES: usize = 4;

/// Due rows with their recipients' contexts and their students' names: what a claim needs
/// to choose the prompts it fixes, and what sending the claimed rows needs after it.
pub(super) struct DueRead {
    rows: Vec<OutboxRow>,
    contexts: HashMap<PersonId, RecipientContext>,
    names: HashMap<PersonId, String>,
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Reads a batch of due rows and what they need in bulk (unless `ahead` read them while
    /// the previous batch went out), chooses their prompts, claims them with those prompts
    /// fixed, sends, and records all outcomes in one transaction. A crash before that commit
    /// leaves the rows claimed; after the lease they are sent again under the same key and
    /// with the same prompt, which the platform deduplicates.
    ///
    /// Where the database reads beside a write
    /// ([`crate::store::Store::reads_beside_writes`]), the next batch's due rows and contexts
    /// are read on other connections while this batch is sent and recorded, and returned for
    /// the next call to claim with. They are returned only when none of their recipients is
    /// in this batch (whose outcomes change those recipients' history and last slot) and when
    /// something was due: "nothing due" is only believed when read after this batch's
    /// outcomes, which can add rows due at once.
    pub(super) async fn deliver_batch(
        &self,
        now: DateTime<Utc>,
        ahead: Option<DueRead>,
    ) -> Result<(TickOutcome, Option<DueRead>), EngineError> {
        let mut outcome = TickOutcome::default();
        let Some(batch) = self.claim_batch(now, ahead).await? else {
            return Ok((outcome, None));
        };
        let next = if self.store.reads_beside_writes() {
            // The read goes first: it waits on the database at once, and the sending, which
            // waits on nothing until its outcomes are written, runs meanwhile.
            let none_passed = HashSet::new();
            let (next, sent) = tokio::join!(
                self.read_due(now, self.batch, &none_passed),
                self.send_and_record(&batch, now, &mut outcome),
            );
            sent?;
            // Only speed is at stake: the next call reads again, and reports what fails then.
            next.inspect_err(|e| tracing::debug!(error = %e, "due rows not read ahead"))
                .ok()
        } else {
            self.send_and_record(&batch, now, &mut outcome).await?;
            None
        };
        let in_batch: HashSet<&PersonId> = batch.rows.iter().map(|r| &r.recipient).collect();
        let next = next.filter(|n| {
            !n.rows.is_empty() && n.rows.iter().all(|r| !in_batch.contains(&r.recipient))
        });
        Ok((outcome, next))
    }

    /// Prepares, sends and records the outcomes of a claimed batch.
    async fn send_and_record(
        &self,
        batch: &DueRead,
        now: DateTime<Utc>,
        outcome: &mut TickOutcome,
    ) -> Result<(), EngineError> {
        let DueRead {
            rows,
            contexts,
            names,
        } = batch;
        let prepared = self.prepare_all(rows, contexts, names, now).await?;
        let mut finishes = Vec::with_capacity(rows.len());
        for (row, p) in rows.iter().zip(prepared) {
            let ctx = contexts.get(&row.recipient);
            match p {
                Prepared::Done(f) => finishes.push(f),
                // Stopping: what was sent is recorded below, the rest goes back unsent at once
                // rather than waiting out the lease, for another process to send.
                Prepared::Send(_) if self.is_stopping() => {
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
                Prepared::Send(message) => {
                    finishes.extend(self.send_one(row, ctx, &message, now, outcome).await?)
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
        Ok(())
    }

    /// Claims a batch of due rows with their prompts chosen, and returns the claimed rows
    /// with their recipients' contexts and students' names; `None` when nothing is due. The
    /// rows are read first (or were read `ahead`) and claimed after their prompts are chosen,
    /// so one write does both; rows another process claimed in between are left to it, and
    /// the next due ones read. Rows that could not be claimed (locked on PostgreSQL by a claim
    /// or an outcome in flight, perhaps of a process that hangs) are passed over, a few times,
    /// rather than tried again and again.
    async fn claim_batch(
        &self,
        now: DateTime<Utc>,
        mut ahead: Option<DueRead>,
    ) -> Result<Option<DueRead>, EngineError> {
        let mut passed: HashSet<i64> = HashSet::new();
        for _ in 0..CLAIM_TRIES {
            let due = match ahead.take() {
                Some(due) => due,
                None => {
                    let limit = self.batch + passed.len() as i64;
                    self.read_due(now, limit, &passed).await?
                }
            };
            if due.rows.is_empty() {
                return Ok(None);
            }
            let chosen: Vec<(i64, Option<String>)> = due
                .rows
                .iter()
                .map(|r| {
                    (
                        r.id,
                        self.prompt_choice(r, due.contexts.get(&r.recipient), now),
                    )
                })
                .collect();
            let rows = self
                .store
                .claim(now, &self.id, self.lease_secs, &chosen)
                .await?;
            if !rows.is_empty() {
                return Ok(Some(DueRead { rows, ..due }));
            }
            passed.extend(due.rows.iter().map(|r| r.id));
        }
        tracing::debug!(
            passed = passed.len(),
            "due rows left unclaimed until the next tick"
        );
        Ok(None)
    }

    /// Up to `limit` due rows, less those `passed` over, with their recipients' contexts.
    async fn read_due(
        &self,
        now: DateTime<Utc>,
        limit: i64,
        passed: &HashSet<i64>,
    ) -> Result<DueRead, EngineError> {
        let rows: Vec<OutboxRow> = self
            .store
            .due_rows(now, limit)
            .await?
            .into_iter()
            .filter(|r| !passed.contains(&r.id))
            .collect();
        if rows.is_empty() {
            return Ok(DueRead {
                rows,
                contexts: HashMap::new(),
                names: HashMap::new(),
            });
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
        Ok(DueRead {
            rows,
            contexts,
            names,
        })
    }

    /// Prepares every row, each with the prompt its claim fixed.
    async fn prepare_all(
        &self,
        rows: &[OutboxRow],
        contexts: &HashMap<PersonId, RecipientContext>,
        names: &HashMap<PersonId, String>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Prepared>, EngineError> {
        let mut prepared = Vec::with_capacity(rows.len());
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
            prepared.push(self.prepare(row, &read, now).await?);
        }
        Ok(prepared)
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
