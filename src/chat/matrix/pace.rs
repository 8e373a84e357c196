//! Keeping to the homeserver's rate limits. Synapse answers 429 `M_LIMIT_EXCEEDED` with a
//! `retry_after_ms` (by default: ten new rooms, then about one a minute; ten messages, then one
//! per five seconds). After a 429 nothing of that kind goes out before the homeserver's time,
//! and what is held back gets a turn of its own, spaced as the homeserver asked, instead of all
//! trying again at once. One warning per burst says what waits and why.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::app::ports::ChatError;

/// What the homeserver limits separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Creating a room (a new DM); Synapse's `rc_room_creation`.
    CreateRoom,
    /// Sending a message; Synapse's `rc_message`.
    Message,
}

impl Action {
    fn what(self) -> &'static str {
        match self {
            Action::CreateRoom => "room creation",
            Action::Message => "messages",
        }
    }

    fn held(self) -> &'static str {
        match self {
            Action::CreateRoom => "new DM rooms (and their first messages) wait",
            Action::Message => "messages wait",
        }
    }

    fn setting(self) -> &'static str {
        match self {
            Action::CreateRoom => "rc_room_creation",
            Action::Message => "rc_message",
        }
    }

    /// The error for a request held back `wait` long.
    pub fn limited(self, wait: Duration) -> ChatError {
        ChatError::Limited {
            why: format!("Matrix rate limit on {}", self.what()),
            retry_after: wait,
        }
    }
}

/// The shortest wait handed out: a row retried at once would be claimed again in the same tick.
const MIN_WAIT: Duration = Duration::from_secs(1);
/// A 429 without `retry_after_ms`.
pub(super) const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// A burst is over when nothing waits and the homeserver has not refused for this long, so a
/// limit met again and again while the queue drains warns once.
const QUIET: Duration = Duration::from_secs(120);
/// Turns nobody came back for (a row skipped or forgotten meanwhile) stop counting after this.
const STALE: Duration = Duration::from_secs(15 * 60);

/// Counts for one kind of request, for logs and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaceStats {
    /// Requests that reached the homeserver.
    pub requests: u64,
    /// Of those, refused with 429.
    pub refused: u64,
    /// Requests held back here without asking the homeserver.
    pub held: u64,
    /// Bursts of rate limiting (one warning each).
    pub bursts: u64,
}

#[derive(Default)]
struct Lane {
    /// The homeserver said: nothing before this.
    until: Option<Instant>,
    /// The spacing the homeserver asked for last.
    interval: Duration,
    /// The turn reserved for each request held back, by its key.
    turns: HashMap<String, Instant>,
    /// The first turn not yet handed out.
    next_free: Option<Instant>,
    last_refused: Option<Instant>,
    burst: Option<Burst>,
    stats: PaceStats,
}

struct Burst {
    since: Instant,
    waited: HashSet<String>,
}

impl Lane {
    fn reserve(&mut self, key: &str, now: Instant) -> Duration {
        let turn = [self.until, self.next_free, Some(now)]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(now);
        self.next_free = Some(turn + self.interval.max(MIN_WAIT));
        self.turns.insert(key.to_string(), turn);
        if let Some(b) = &mut self.burst {
            b.waited.insert(key.to_string());
        }
        self.stats.held += 1;
        turn.saturating_duration_since(now).max(MIN_WAIT)
    }

    fn forget_stale(&mut self, now: Instant) {
        self.turns
            .retain(|_, turn| now.saturating_duration_since(*turn) < STALE);
    }
}

/// Keeps the bot's requests within the homeserver's rate limits, separately for each `Action`.
#[derive(Default)]
pub struct Pacer {
    lanes: Mutex<HashMap<Action, Lane>>,
}

impl Pacer {
    fn with<T>(&self, action: Action, f: impl FnOnce(&mut Lane) -> T) -> T {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        f(lanes.entry(action).or_default())
    }

    /// Whether the request `key` may go to the homeserver now; otherwise how long it waits.
    pub fn admit(&self, action: Action, key: &str, now: Instant) -> Result<(), Duration> {
        self.with(action, |lane| {
            lane.forget_stale(now);
            let closed = lane.until.is_some_and(|u| u > now);
            let admitted = match lane.turns.get(key) {
                // Its turn came (and the homeserver has not closed again since).
                Some(turn) => *turn <= now && !closed,
                // Nobody is waiting whose turn is still to come.
                None => !closed && lane.next_free.is_none_or(|f| f <= now),
            };
            if admitted {
                lane.stats.requests += 1;
                return Ok(());
            }
            match lane.turns.get(key) {
                Some(turn) if *turn > now && lane.until.is_none_or(|u| *turn >= u) => {
                    lane.stats.held += 1;
                    Err(turn.saturating_duration_since(now).max(MIN_WAIT))
                }
                _ => Err(lane.reserve(key, now)),
            }
        })
    }

    /// The request went through.
    pub fn done(&self, action: Action, key: &str, now: Instant) {
        self.with(action, |lane| {
            lane.turns.remove(key);
            let quiet = lane
                .last_refused
                .is_none_or(|t| now.saturating_duration_since(t) >= QUIET);
            if lane.turns.is_empty()
                && quiet
                && let Some(burst) = lane.burst.take()
            {
                tracing::info!(
                    "Matrix rate limit on {}: over; {} waited, {}s in all",
                    action.what(),
                    burst.waited.len(),
                    now.saturating_duration_since(burst.since).as_secs()
                );
            }
        })
    }

    /// The homeserver refused `key` with 429: nothing of this kind before `retry_after`, and
    /// `key` waits for a turn. Returns how long.
    pub fn refused(
        &self,
        action: Action,
        key: &str,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> Duration {
        self.with(action, |lane| {
            let wait = retry_after.unwrap_or(DEFAULT_WAIT).max(MIN_WAIT);
            lane.stats.refused += 1;
            lane.last_refused = Some(now);
            lane.until = Some(now + wait);
            lane.interval = wait;
            lane.turns.remove(key);
            if lane.burst.is_none() {
                lane.stats.bursts += 1;
                lane.burst = Some(Burst {
                    since: now,
                    waited: HashSet::new(),
                });
                tracing::warn!(
                    "Matrix rate limit on {} (M_LIMIT_EXCEEDED): {}, the next in {}s, then one at \
                     a time as the homeserver allows (no retries before then); raise {} or set \
                     override_ratelimit for the bot (README: Running on Matrix)",
                    action.what(),
                    action.held(),
                    wait.as_secs(),
                    action.setting()
                );
            }
            lane.reserve(key, now)
        })
    }

    /// How long the homeserver still refuses everything of this kind, if it does.
    pub fn closed(&self, action: Action, now: Instant) -> Option<Duration> {
        self.with(action, |lane| {
            lane.until
                .filter(|u| *u > now)
                .map(|u| u.saturating_duration_since(now).max(MIN_WAIT))
        })
    }

    /// The counts so far for one kind of request.
    pub fn stats(&self, action: Action) -> PaceStats {
        self.with(action, |lane| lane.stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn after_a_429_each_waiting_request_gets_a_turn_of_its_own() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let a = Action::CreateRoom;
        assert_eq!(pacer.admit(a, "w0", t0), Ok(()));
        assert_eq!(pacer.refused(a, "w0", Some(60 * S), t0), 60 * S);
        // The others wait behind it, a minute apart, without asking the homeserver.
        assert_eq!(pacer.admit(a, "w1", t0), Err(120 * S));
        assert_eq!(pacer.admit(a, "w2", t0), Err(180 * S));
        // Coming back early changes nothing.
        assert_eq!(pacer.admit(a, "w2", t0 + 10 * S), Err(170 * S));
        // At its turn, each goes.
        assert_eq!(pacer.admit(a, "w0", t0 + 60 * S), Ok(()));
        pacer.done(a, "w0", t0 + 61 * S);
        assert_eq!(pacer.admit(a, "w1", t0 + 120 * S), Ok(()));
        pacer.done(a, "w1", t0 + 121 * S);
        // A newcomer queues behind w2, whose turn is still to come.
        assert_eq!(pacer.admit(a, "w3", t0 + 121 * S), Err(119 * S));
        assert_eq!(pacer.admit(a, "w2", t0 + 180 * S), Ok(()));
        pacer.done(a, "w2", t0 + 180 * S);
        let stats = pacer.stats(a);
        assert_eq!((stats.requests, stats.refused, stats.bursts), (4, 1, 1));
        // Messages are a lane of their own.
        assert_eq!(pacer.admit(Action::Message, "m", t0 + S), Ok(()));
    }

    #[test]
    fn a_request_refused_again_goes_to_the_back_and_the_burst_warns_once() {
        let pacer = Pacer::default();
        let t0 = Instant::now();
        let a = Action::Message;
        pacer.refused(a, "m0", Some(5 * S), t0);
        assert_eq!(pacer.admit(a, "m1", t0), Err(10 * S));
        assert_eq!(pacer.admit(a, "m0", t0 + 5 * S), Ok(()));
        // Refused once more: later than everyone already waiting.
        assert_eq!(pacer.refused(a, "m0", Some(5 * S), t0 + 5 * S), 10 * S);
        assert_eq!(pacer.stats(a).bursts, 1);
        // Drained, but refused only just now: still the same burst.
        assert_eq!(pacer.admit(a, "m1", t0 + 10 * S), Ok(()));
        pacer.done(a, "m1", t0 + 10 * S);
        assert_eq!(pacer.admit(a, "m0", t0 + 15 * S), Ok(()));
        pacer.done(a, "m0", t0 + 15 * S);
        pacer.refused(a, "m2", Some(5 * S), t0 + 20 * S);
        assert_eq!(pacer.stats(a).bursts, 1);
        // After a quiet spell the next refusal is news again.
        assert_eq!(pacer.admit(a, "m2", t0 + 25 * S), Ok(()));
        pacer.done(a, "m2", t0 + 200 * S);
        pacer.refused(a, "m3", Some(5 * S), t0 + 300 * S);
        assert_eq!(pacer.stats(a).bursts, 2);
        // Without retry_after there is still a pause, never zero.
        let other = Pacer::default();
        assert_eq!(other.refused(a, "x", Some(Duration::ZERO), t0), S);
    }
}
