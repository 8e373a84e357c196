//! Whether a running process is ready to do its work: the database answers and has this
//! binary's schema, the chat connection is up, and the scheduler ticked lately.

use std::sync::Arc;
use std::time::Duration;

use crate::app::metrics::Metrics;
use crate::store::Store;

/// How long `/readyz` waits for the database before calling it unreachable.
const DATABASE_WAIT: Duration = Duration::from_secs(2);

/// What `/readyz` checks, for one process.
#[derive(Clone)]
pub struct Readiness {
    /// The database the process works on.
    pub store: Store,
    /// The process's own figures: its chat connection and its last tick.
    pub metrics: Arc<Metrics>,
    /// How often the process ticks: a tick is expected within two of these.
    pub tick_every: Duration,
    /// When the process started, so a fresh one gets two intervals before its first tick.
    pub started: std::time::Instant,
    /// Whether a standby ticks too. On Discord it does (it sends through REST); on Matrix it
    /// waits idle, as only the client holding the device's keys may send.
    pub standby_ticks: bool,
}

/// The outcome of one readiness check: every problem found, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadinessReport {
    /// Empty when ready.
    pub problems: Vec<String>,
}

impl ReadinessReport {
    /// Nothing is wrong.
    pub fn is_ready(&self) -> bool {
        self.problems.is_empty()
    }

    /// The body `/readyz` answers with: `ready`, or one problem per line.
    pub fn body(&self) -> String {
        if self.is_ready() {
            "ready\n".to_string()
        } else {
            self.problems.iter().map(|p| format!("{p}\n")).collect()
        }
    }
}

impl Readiness {
    /// Checks everything, never waiting on the database longer than two seconds.
    pub async fn check(&self) -> ReadinessReport {
        let mut problems = Vec::new();
        match tokio::time::timeout(DATABASE_WAIT, self.store.migration_state()).await {
            Err(_) => problems.push("database: no answer within 2 s".to_string()),
            Ok(Err(e)) => problems.push(format!("database: {e}")),
            Ok(Ok(state)) if !state.is_current() => problems.push(format!(
                "database: migrations not current ({} pending, {} unknown to this binary)",
                state.pending.len(),
                state.unknown.len()
            )),
            Ok(Ok(_)) => {}
        }
        // A standby needs no connection of its own: another process holds it.
        if !self.metrics.chat_connected() && !self.metrics.chat_standby() {
            problems.push("chat: not connected".to_string());
        }
        let limit = 2 * self.tick_every;
        let idle_standby = self.metrics.chat_standby() && !self.standby_ticks;
        let late = !idle_standby
            && match self.metrics.since_last_tick() {
                Some(ago) => ago > limit,
                // A fresh process, or a Matrix standby that just took over, gets its grace.
                None => {
                    self.metrics
                        .since_active()
                        .unwrap_or_else(|| self.started.elapsed())
                        > limit
                }
            };
        if late {
            problems.push(format!(
                "scheduler: no tick completed in the last {} s",
                limit.as_secs()
            ));
        }
        ReadinessReport { problems }
    }
}
