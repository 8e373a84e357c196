//! The tick: plan next prompt slots, claim what is due, send it, record the outcome.
//! Idempotent per outbox key; safe to run in several processes on one PostgreSQL.

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

use super::engine::{Engine, EngineError};
use super::inbox::json_row;
use super::messages::{Message, OutboundMessage, Recipient, StudentRef};
use super::on_demand::is_on_demand;
use super::ports::{Chat, ChatError, Clock};
use crate::domain::language::Language;
use crate::domain::prompts::{self, Catalogue, PromptId, SelectionContext, Sent};
use crate::domain::roster::{Pairing, Person, PersonId, Role, TeamId};
use crate::domain::schedule::{DateRange, Lateness, PlanInput, lateness, next_slot};
use crate::store::{
    EscalationStatus, Finish, NewOutbox, OutboxKind, OutboxRow, OutboxStatus, RecipientContext,
};

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
    /// Rows held back by the platform's rate limit, each to go at the time it was given.
    pub held: usize,
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
        self.held += other.held;
    }
}

const MAX_ATTEMPTS: i64 = 8;
const HISTORY_WEEKS: i64 = 16;
const MAX_PLAN_TRIES: usize = 8;
/// How far back a wpb's own negative signal makes the next prompt lean to klik and safety.
const LEAN_WEEKS: i64 = 2;
const REMINDER_SUFFIX: &str = ":herinnering";

/// Why a wpb is not to be asked anything today: a holiday (or no school day), a pause, or no
/// running pairing. `None` when a prompt or reminder may go.
fn out_of_season(
    ctx: &RecipientContext,
    calendar: &crate::domain::schedule::SchoolCalendar,
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

/// Stable 64-bit hash (FNV-1a) of a key, to seed per-slot choices reproducibly.
pub(crate) fn key_seed(key: &str) -> u64 {
    crate::store::seed_for(key)
}

impl<C: Chat + 'static, K: Clock + 'static> Engine<C, K> {
    /// Ticks every `every` until the task is aborted, as a running bot does. A failed tick
    /// is logged; the next one starts over (nothing is lost: rows are only claimed).
    pub fn spawn_ticker(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                match engine.tick().await {
                    Ok(outcome) => tracing::debug!(?outcome, "tick"),
                    Err(e) => tracing::error!(%e, "tick failed; the next one retries"),
                }
            }
        })
    }
}

/// What to do with one claimed row, decided before anything is sent.
enum Prepared {
    Send(OutboundMessage),
    Done(Finish),
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// One pass: plan, then claim and deliver due rows until none are left.
    #[tracing::instrument(skip(self), fields(engine = %self.id))]
    pub async fn tick(&self) -> Result<TickOutcome, EngineError> {
        let now = self.clock.now();
        let mut outcome = TickOutcome {
            planned: self.plan(now).await?,
            ..Default::default()
        };
        // Due intervisie threads move on; their messages join this tick's deliveries.
        self.advance_threads(now).await?;
        // The teams' scheduled calls for a case wait for each school's working window (which
        // the once-a-day jobs may run outside of), so they are looked at on every tick.
        self.intervisie_calls(now).await?;
        loop {
            let step = self.deliver_batch(now).await?;
            let had_work = !step.is_idle();
            outcome.add(&step);
            if !had_work {
                break;
            }
            // Sending marks wpbs for re-planning (their next slot); do that within the tick.
            outcome.planned += self.plan(now).await?;
        }
        self.daily_jobs(now).await?;
        Ok(outcome)
    }

    /// Once a day (the deployment's default time zone), whichever process ticks first runs
    /// retention. The in-memory day spares the database a question on every other tick.
    async fn daily_jobs(&self, now: DateTime<Utc>) -> Result<(), EngineError> {
        let tz = self.config.defaults.calendar.tz;
        let today = now.with_timezone(&tz).date_naive();
        {
            let done = self
                .daily_jobs_done
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if *done == Some(today) {
                return Ok(());
            }
        }
        let day_start = today
            .and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(tz).earliest())
            .map_or(now, |t| t.with_timezone(&Utc));
        if self
            .store
            .claim_daily_job("retention", day_start, now)
            .await?
        {
            let report = self.retention("wandelgang", false).await?;
            tracing::info!(?report, "daily retention ran");
        }
        *self
            .daily_jobs_done
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(today);
        Ok(())
    }

    /// The team's scheduled call for a case: for each team with a channel whose school asks
    /// every `n` weeks, on a school day inside the working window, when the team has no open
    /// thread and a wpb, one message to the team channel, at most once per `n` weeks across
    /// processes (job `intervisie-oproep:<team>`). The row's recipient of record is the team's
    /// first wpb by id (outbox rows need a person); a team without wpbs is not asked.
    /// Returns how many calls were enqueued.
    pub(crate) async fn intervisie_calls(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut called = 0;
        for team in self.store.teams_with_channel().await? {
            let settings = self.config.school(team.school.as_str());
            let Some(weeks) = settings.intervisie.every_weeks else {
                continue;
            };
            let calendar = &settings.calendar;
            if !calendar.in_window(now) {
                continue;
            }
            let today = calendar.local_date(now);
            let seen = |mark: bool| {
                let mut map = self
                    .intervisie_calls_seen
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if mark {
                    map.insert(team.id.to_string(), today);
                }
                map.get(team.id.as_str()) == Some(&today)
            };
            if seen(false) {
                continue;
            }
            if self.store.open_thread_of_team(&team.id).await?.is_none()
                && let Some(wpb) = self.store.first_wpb_of_team(&team.id).await?
            {
                // Due on the local date `n` weeks after the last call, whatever its time of day.
                let days = u64::from(weeks.max(1)) * 7 - 1;
                let not_before = today
                    .checked_sub_days(chrono::Days::new(days))
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|t| t.and_local_timezone(calendar.tz).earliest())
                    .map_or(now, |t| t.with_timezone(&Utc));
                let row = json_row(
                    format!("intervisie-oproep:{}:{today}", team.id),
                    OutboxKind::Intervisie,
                    &wpb,
                    now,
                    &Message::IntervisieCall {
                        team: team.name.clone(),
                    },
                    None,
                )
                .map(|r| NewOutbox {
                    channel_team: Some(team.id.to_string()),
                    ..r
                });
                if self
                    .store
                    .claim_periodic_job(
                        &format!("intervisie-oproep:{}", team.id),
                        not_before,
                        now,
                        row.as_slice(),
                    )
                    .await?
                {
                    called += 1;
                }
            }
            seen(true);
        }
        Ok(called)
    }

    /// Computes the next slot of every wpb marked for (re)planning.
    pub async fn plan(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut planned = 0;
        loop {
            let targets = self.store.plan_targets(self.batch).await?;
            if targets.is_empty() {
                return Ok(planned);
            }
            let mut pending: Vec<(RecipientContext, DateTime<Utc>)> = targets
                .into_iter()
                .map(|c| {
                    let after = c.last_due.map_or(now, |d| d.max(now));
                    (c, after)
                })
                .collect();
            // A week re-numbered by a new pause or holiday can repeat a used key: never
            // resend it, look further instead.
            for _ in 0..MAX_PLAN_TRIES {
                if pending.is_empty() {
                    break;
                }
                let plans: Vec<(PersonId, Option<NewOutbox>)> = pending
                    .iter()
                    .map(|(c, after)| (c.person.id.clone(), self.next_prompt_row(c, *after)))
                    .collect();
                let done = self.store.plan_slots(&plans).await?;
                let mut retry = Vec::new();
                for ((ctx, _), ((_, row), ok)) in
                    pending.into_iter().zip(plans.into_iter().zip(done))
                {
                    match (ok, row) {
                        (true, row) => planned += usize::from(row.is_some()),
                        (false, Some(row)) => retry.push((ctx, row.due_at)),
                        (false, None) => {}
                    }
                }
                pending = retry;
            }
            for (ctx, _) in pending {
                tracing::warn!(wpb = %ctx.person.id, "no unused slot found; planning again at the next change");
                self.store.plan_slots(&[(ctx.person.id, None)]).await?;
            }
        }
    }

    fn next_prompt_row(&self, ctx: &RecipientContext, after: DateTime<Utc>) -> Option<NewOutbox> {
        let settings = self.settings(&ctx.person);
        let placements: Vec<DateRange> = ctx
            .pairings
            .iter()
            .map(|(_, p)| DateRange {
                start: p.start,
                end: p.end,
            })
            .collect();
        let input = PlanInput {
            calendar: &settings.calendar,
            // The wpb's own rhythm, else the school's override, else the configuration.
            cadence: ctx
                .cadence
                .or(ctx.school.cadence)
                .unwrap_or(settings.cadence),
            seed: ctx.seed,
            pauses: &ctx.pauses,
            placements: &placements,
        };
        next_slot(&input, after).map(|slot| NewOutbox {
            // Week first: a tick's new keys land side by side in the key index instead of
            // scattered over it, which keeps batch inserts cheap.
            key: format!("{}:prompt:{}", slot.key, ctx.person.id),
            kind: OutboxKind::Prompt,
            recipient: ctx.person.id.clone(),
            due_at: slot.due,
            body: None,
            ref_id: None,
            channel_team: None,
            to_address: None,
        })
    }

    /// Claims a batch, reads what it needs in bulk, fixes prompt choices, sends, and records
    /// all outcomes in one transaction. A crash before that commit leaves the rows claimed;
    /// after the lease they are sent again under the same key, which the platform deduplicates.
    async fn deliver_batch(&self, now: DateTime<Utc>) -> Result<TickOutcome, EngineError> {
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
                    now - Duration::weeks(LEAN_WEEKS),
                )),
            )
            .await?;

        let mut prepared = Vec::with_capacity(rows.len());
        let mut choices = Vec::new();
        for row in &rows {
            let (p, choice) = self
                .prepare(row, contexts.get(&row.recipient), &names, now)
                .await?;
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

        let mut finishes = Vec::with_capacity(rows.len());
        for (row, p) in rows.iter().zip(prepared) {
            if chosen.contains(&row.id) && !kept.contains(&row.id) {
                outcome.lost += 1;
                continue;
            }
            let message = match p {
                Prepared::Done(f) => {
                    finishes.push(f);
                    continue;
                }
                Prepared::Send(m) => m,
            };
            let ctx = contexts.get(&row.recipient);
            let person = ctx.map(|c| &c.person);
            let reminder_override = ctx.and_then(|c| c.school.reminder);
            match (self.chat.send(&message).await, person) {
                (Ok(()), Some(person)) => finishes.push(self.finish(
                    row,
                    contexts.get(&row.recipient),
                    now,
                    OutboxStatus::Sent,
                    None,
                    self.after_sent(row, person, &message, reminder_override, now),
                )),
                (Ok(()), None) => finishes.push(self.finish(
                    row,
                    contexts.get(&row.recipient),
                    now,
                    OutboxStatus::Sent,
                    None,
                    vec![],
                )),
                (Err(ChatError::Unreachable(why)), person) => {
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
                    finishes.push(self.finish(
                        row,
                        contexts.get(&row.recipient),
                        now,
                        OutboxStatus::Failed,
                        Some(why),
                        notices,
                    ));
                }
                (Err(ChatError::Transient(why)), _) if row.attempts >= MAX_ATTEMPTS => {
                    tracing::error!(key = %row.key, %why, "giving up after {MAX_ATTEMPTS} attempts");
                    finishes.push(self.finish(
                        row,
                        contexts.get(&row.recipient),
                        now,
                        OutboxStatus::Failed,
                        Some(why),
                        vec![],
                    ));
                }
                (Err(ChatError::Limited { why, retry_after }), _) => {
                    // Waiting for the homeserver is no failure: the attempt does not count.
                    let wait = Duration::from_std(retry_after)
                        .unwrap_or(Duration::hours(1))
                        .max(Duration::seconds(1));
                    self.store
                        .hold_back(row.id, &self.id, now + wait, &why)
                        .await?;
                    outcome.held += 1;
                }
                (Err(ChatError::Transient(why)), _) => {
                    let retry_at = now + Duration::seconds(30 * (1 << row.attempts.clamp(0, 6)));
                    self.store.release(row.id, &self.id, retry_at, &why).await?;
                    outcome.retried += 1;
                }
            }
        }
        let recorded = self.store.finish_many(&self.id, now, &finishes).await?;
        for (f, ok) in finishes.iter().zip(recorded) {
            match (ok, f.status) {
                (false, _) => outcome.lost += 1,
                (true, OutboxStatus::Sent) => outcome.sent += 1,
                (true, OutboxStatus::Skipped) => outcome.skipped += 1,
                (true, _) => outcome.failed += 1,
            }
        }
        Ok(outcome)
    }

    /// Records a row's outcome; a prompt slot, whatever became of it, brings its wpb's next
    /// slot along in the same transaction.
    fn finish(
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

    /// Decides a row's fate without side effects, choosing a prompt where one is needed.
    async fn prepare(
        &self,
        row: &OutboxRow,
        ctx: Option<&RecipientContext>,
        names: &HashMap<PersonId, String>,
        now: DateTime<Utc>,
    ) -> Result<(Prepared, Option<String>), EngineError> {
        let skip = |note: &str| {
            Ok((
                Prepared::Done(self.finish(
                    row,
                    ctx,
                    now,
                    OutboxStatus::Skipped,
                    Some(note.to_string()),
                    vec![],
                )),
                None,
            ))
        };
        let Some(ctx) = ctx else {
            return Ok((
                Prepared::Done(self.finish(
                    row,
                    None,
                    now,
                    OutboxStatus::Failed,
                    Some("ontvanger onbekend / unknown recipient".into()),
                    vec![],
                )),
                None,
            ));
        };
        let calendar = &self.settings(&ctx.person).calendar;
        // A prompt asked for goes out that same day, also outside the working window.
        let asked_for = row.kind == OutboxKind::Prompt && is_on_demand(&row.key);
        if asked_for && calendar.local_date(row.due_at) != calendar.local_date(now) {
            return skip("gemist: niet meer dezelfde dag / missed: no longer the same day");
        }
        // Prompts and their reminders belong to a moment; after downtime they are never sent in a burst.
        if !asked_for
            && matches!(row.kind, OutboxKind::Prompt | OutboxKind::Reminder)
            && lateness(calendar, row.due_at, now) == Lateness::Skip
        {
            return skip(
                "gemist: buiten het venster van die dag / missed: outside that day's window",
            );
        }
        // A reminder belongs to a prompt of a running placement on a school day; a pause, a
        // holiday or the end of the last pairing since it was planned makes it moot.
        if row.kind == OutboxKind::Reminder
            && let Some(reason) = out_of_season(ctx, calendar, now)
        {
            return skip(reason);
        }
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
                _ => return skip("team zonder kanaal / team without a channel"),
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
        if row.kind == OutboxKind::Prompt {
            return Ok(match self.prompt_body(row, ctx, names, now) {
                Ok((body, choice)) => (
                    Prepared::Send(OutboundMessage {
                        key: row.key.clone(),
                        to,
                        body,
                    }),
                    choice,
                ),
                Err(reason) => return skip(reason),
            });
        }
        let Some(body) = row.body.as_deref() else {
            return Ok((
                Prepared::Done(self.finish(
                    row,
                    Some(ctx),
                    now,
                    OutboxStatus::Failed,
                    Some("bericht zonder inhoud / message without body".into()),
                    vec![],
                )),
                None,
            ));
        };
        let body: Message = serde_json::from_str(body)
            .map_err(|e| EngineError::Inconsistent(format!("outbox {}: {e}", row.key)))?;
        if let Some(reason) = self.obsolete(row, &body).await? {
            return skip(reason);
        }
        Ok((
            Prepared::Send(OutboundMessage {
                key: row.key.clone(),
                to,
                body,
            }),
            None,
        ))
    }

    /// Builds the prompt for a slot, choosing it (seeded by the slot key) unless a previous
    /// attempt already fixed it. Returns the new choice to persist, or why the slot is skipped.
    fn prompt_body(
        &self,
        row: &OutboxRow,
        ctx: &RecipientContext,
        names: &HashMap<PersonId, String>,
        now: DateTime<Utc>,
    ) -> Result<(Message, Option<String>), &'static str> {
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
        let (prompt, choice) = match &row.prompt_id {
            Some(id) => (
                self.catalogue
                    .get(language, &PromptId::from_trusted(id.clone())),
                None,
            ),
            None => {
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
                // Only the wpb's own signals steer the prompts: a student's must never show.
                let since = history
                    .last()
                    .map_or(now - Duration::weeks(LEAN_WEEKS), |s| s.at);
                let lean_to_klik = ctx
                    .latest_own_signal
                    .is_some_and(|(v, at)| at >= since && v.is_negative());
                let weeks_in = active.iter().map(|p| p.weeks_in(today)).max();
                let sel = SelectionContext {
                    language,
                    weeks_in,
                    history: &history,
                    now,
                    lean_to_klik,
                };
                let mut rng = ChaCha8Rng::seed_from_u64(key_seed(&row.key));
                let chosen = prompts::select(&self.catalogue, &sel, &mut rng);
                (chosen, chosen.map(|p| p.id.to_string()))
            }
        };
        let prompt = prompt.ok_or("geen vraag beschikbaar / no prompt available")?;
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
        Ok((
            Message::Prompt {
                prompt_id: prompt.id.to_string(),
                text: prompt.text.clone(),
                students,
            },
            choice,
        ))
    }

    fn catalogue_theme(&self, id: &PromptId) -> Option<prompts::Theme> {
        let cat: &Catalogue = &self.catalogue;
        cat.get(Language::Nl, id)
            .or_else(|| cat.get(Language::En, id))
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
                let original = row.key.trim_end_matches(REMINDER_SUFFIX);
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
                    .is_some_and(|e| e.status == EscalationStatus::Open);
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
        // The school's reminder setting changed through the bot, over the configuration.
        reminder_override: Option<bool>,
        now: DateTime<Utc>,
    ) -> Vec<NewOutbox> {
        let settings = self.settings(person);
        let reminder = reminder_override.unwrap_or(settings.reminder);
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
