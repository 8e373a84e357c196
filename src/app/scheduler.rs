//! The tick: plan next prompt slots, claim what is due, send it, record the outcome.
//! Idempotent per outbox key; safe to run in several processes on one PostgreSQL.
//! Sending lives in `deliver`, deciding a claimed row's fate and its prompt in `prepare`.

mod deliver;
mod prepare;

use chrono::{DateTime, NaiveDate, Utc};

use super::engine::{Engine, EngineError};
use super::inbox::json_row;
use super::messages::Message;
use super::ports::{Chat, Clock};
use crate::domain::intervisie_call;
use crate::domain::roster::PersonId;
use crate::domain::schedule::{DateRange, PlanInput, PlannedSlot, next_slot, slots_in_week};
use crate::domain::school_settings;
use crate::store::{NewOutbox, OutboxKind, RecipientContext};

/// What one tick did, for logs, the demo transcript and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickOutcome {
    /// Prompt slots newly planned.
    pub planned: usize,
    /// Messages sent.
    pub sent: usize,
    /// Messages that lost their point while waiting, or missed their moment.
    pub skipped: usize,
    /// Messages that failed for good.
    pub failed: usize,
    /// Messages given back after a passing failure, to be tried again later.
    pub retried: usize,
    /// Rows whose claim another process took over while we worked on them.
    pub lost: usize,
    /// Rows held back by the platform's rate limit, each to go at the time it was given.
    pub held: usize,
}

impl TickOutcome {
    /// True when the tick found nothing to do.
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

/// How far back the prompts a wpb was sent steer the choice of the next.
const HISTORY_WEEKS: i64 = 16;
const MAX_PLAN_TRIES: usize = 8;
const REMINDER_SUFFIX: &str = ":herinnering";

impl<C: Chat + 'static, K: Clock + 'static> Engine<C, K> {
    /// Ticks every `every` until the task is aborted or the engine stops claiming, as a running
    /// bot does. A failed tick is logged; the next one starts over (nothing is lost: rows are
    /// only claimed).
    pub fn spawn_ticker(
        self: &std::sync::Arc<Self>,
        every: std::time::Duration,
    ) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = interval.tick() => {}
                    () = engine.stopped() => break,
                }
                let started = std::time::Instant::now();
                let ticked = engine.tick().await;
                let took = started.elapsed();
                match ticked {
                    Ok(outcome) => {
                        tracing::debug!(?outcome, "tick");
                        // `/readyz`, `/metrics` and `wandelgang status` read when this
                        // process last completed a tick.
                        let now = engine.clock.now();
                        engine
                            .metrics
                            .tick(took, now.timestamp_millis() as f64 / 1000.0);
                        if let Err(e) = engine.store.tick_done(&engine.id, now, took).await {
                            tracing::warn!(%e, "could not record this process's tick");
                        }
                    }
                    Err(e) => tracing::error!(%e, "tick failed; the next one retries"),
                }
            }
        })
    }
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// One pass: plan, then claim and deliver due rows until none are left.
    #[tracing::instrument(skip(self), fields(engine = %self.id))]
    pub async fn tick(&self) -> Result<TickOutcome, EngineError> {
        let now = self.clock.now();
        // One question first: most ticks find nothing, and then ask nothing more of the
        // database than it (and the digests' look at the schools).
        let ending = self.ending_range(now);
        let pending = self.store.pending_work(now, ending).await?;
        let mut outcome = TickOutcome::default();
        if pending.plan {
            outcome.planned = self.plan(now).await?;
        }
        // Due intervisie threads move on; their messages join this tick's deliveries.
        let mut enqueued = 0;
        if pending.threads {
            enqueued += self.advance_threads(now).await?;
        }
        // The teams' scheduled calls for a case wait for each school's working window (which
        // the once-a-day jobs may run outside of), so they are looked at on every tick.
        enqueued += self.intervisie_calls(now).await?;
        enqueued += self.weekly_digests(now).await?;
        if let Some(range) = ending.filter(|_| pending.ending) {
            enqueued += self.ending_terugblikken(now, range).await?;
        }
        // Nothing was due when asked and this tick added nothing: no claim to make. (What
        // comes in between waits for the next tick, as it would after a claim.)
        let nothing_to_send = !pending.any() && outcome.planned == 0 && enqueued == 0;
        // A stopping process claims nothing new; what it has in hand, `deliver_batch` finishes.
        let mut ahead = None;
        while !nothing_to_send && !self.is_stopping() {
            let (step, next) = self.deliver_batch(now, ahead.take()).await?;
            let had_work = !step.is_idle();
            outcome.add(&step);
            if !had_work {
                break;
            }
            // Sending marks wpbs for re-planning (their next slot); do that within the tick.
            let planned = self.plan(now).await?;
            outcome.planned += planned;
            // A slot just planned changes its wpb's last slot, which the next batch's read
            // ahead may hold: then it is read again.
            ahead = next.filter(|_| planned == 0);
        }
        if !self.is_stopping() {
            self.daily_jobs(now).await?;
        }
        self.checkpoint_when_idle(nothing_to_send).await;
        Ok(outcome)
    }

    /// After a tick that wrote, the next idle one copies SQLite's log back into the database
    /// file, so a busy tick's sends do not wait on that. Only speed is at stake: a failure is
    /// logged, and the writers checkpoint by themselves past a limit.
    async fn checkpoint_when_idle(&self, idle: bool) {
        use std::sync::atomic::Ordering;
        if !idle {
            self.wrote_since_checkpoint.store(true, Ordering::Relaxed);
        } else if self.wrote_since_checkpoint.swap(false, Ordering::Relaxed)
            && let Err(e) = self.store.checkpoint_wal().await
        {
            tracing::warn!(error = %e, "write-ahead log not checkpointed");
        }
    }

    /// Once a day (the deployment's default time zone), whichever process ticks first runs
    /// retention and the table upkeep autovacuum would do. The in-memory day spares the
    /// database a question on every other tick.
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
            // Stale statistics and dead rows only cost speed: a failure here is no reason to stop.
            match self.store.upkeep_tables().await {
                Ok(upkeep) if !upkeep.is_empty() => {
                    tracing::info!(?upkeep, "tables vacuumed or analyzed");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "table upkeep (vacuum, analyze) not done"),
            }
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
        // The team list is read only when some team's call can be due: a region's hundred
        // teams on every tick cost more than all else an idle tick does.
        let cached = *self
            .intervisie_calls_next
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        // (A clock set back, as tests and scenarios do, looks again.)
        if cached.is_some_and(|(looked, next)| looked <= now && now < next) {
            return Ok(0);
        }
        let mut called = 0;
        let mut look_again: Option<DateTime<Utc>> = None;
        for team in self.store.teams_with_channel().await? {
            let settings = self.config.school(team.school.as_str());
            let Some(weeks) = settings.intervisie.every_weeks else {
                continue;
            };
            let calendar = &settings.calendar;
            let today = calendar.local_date(now);
            // This team is next looked at in its next window moment: later today when its
            // window has not opened yet, else on a later school day.
            let later = match calendar.in_window(now) {
                true => today
                    .succ_opt()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .and_then(|t| t.and_local_timezone(calendar.tz).earliest())
                    .and_then(|t| calendar.next_window_moment(t.with_timezone(&Utc))),
                false => calendar.next_window_moment(now),
            };
            look_again = match (look_again, later) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if !calendar.in_window(now) {
                continue;
            }
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
                let not_before = intervisie_call::blocking_since(today, weeks)
                    .and_hms_opt(0, 0, 0)
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
        // Without any team to call, teams a roster import elsewhere adds are seen within the hour.
        let next = look_again.unwrap_or(now + chrono::Duration::hours(1));
        *self
            .intervisie_calls_next
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some((now, next));
        Ok(called)
    }

    /// Forgets when the teams' calls are next due, so a roster change is looked at on the
    /// next tick.
    pub(crate) fn intervisie_calls_changed(&self) {
        *self
            .intervisie_calls_next
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
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
        self.with_plan_input(ctx, |input| next_slot(input, after))
            .map(|slot| prompt_row(ctx, slot))
    }

    /// The slots of the week of local date `day` due after `after`, earliest first: those a
    /// pending plan could still add to that week.
    pub(crate) fn week_slots_after(
        &self,
        ctx: &RecipientContext,
        day: NaiveDate,
        after: DateTime<Utc>,
    ) -> Vec<NewOutbox> {
        self.with_plan_input(ctx, |input| slots_in_week(input, day))
            .into_iter()
            .filter(|slot| slot.due > after)
            .map(|slot| prompt_row(ctx, slot))
            .collect()
    }

    fn with_plan_input<R>(&self, ctx: &RecipientContext, plan: impl FnOnce(&PlanInput) -> R) -> R {
        let settings = self.settings(&ctx.person);
        let placements: Vec<DateRange> = ctx
            .pairings
            .iter()
            .map(|(_, p)| DateRange {
                start: p.start,
                end: p.end,
            })
            .collect();
        plan(&PlanInput {
            calendar: &settings.calendar,
            cadence: school_settings::cadence(ctx.cadence, ctx.school.cadence, settings.cadence),
            seed: ctx.seed,
            pauses: &ctx.pauses,
            placements: &placements,
        })
    }
}

/// The outbox row of a wpb's planned slot.
fn prompt_row(ctx: &RecipientContext, slot: PlannedSlot) -> NewOutbox {
    NewOutbox {
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
    }
}
