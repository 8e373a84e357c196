//! What this process did, counted for Prometheus: messages sent by kind, send failures by
//! kind, reflections, klik signals by value, escalation steps, tick durations and the chat
//! connection. No label ever names a person, a school or a team: these figures go to an
//! operator's dashboard, and a count per person would tell more than the digest may.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use chrono::{DateTime, Utc};

use crate::domain::klik::KlikValue;
use crate::store::Backlog;

/// One label, from a fixed set of words.
type Label = Vec<(&'static str, &'static str)>;

/// Why a send did not go out, as `/metrics` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailureKind {
    /// The platform or network failed for a moment; the row is tried again.
    Transient,
    /// The person cannot be reached (closed DMs, no address); never retried.
    Unreachable,
    /// The platform's rate limit held the row back.
    RateLimited,
}

impl SendFailureKind {
    fn label(self) -> &'static str {
        match self {
            SendFailureKind::Transient => "transient",
            SendFailureKind::Unreachable => "unreachable",
            SendFailureKind::RateLimited => "rate_limited",
        }
    }
}

/// A step in an escalation's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationStep {
    /// A klik pattern opened it.
    Opened,
    /// A schoolopleider took it on.
    Acknowledged,
    /// Closed as solved.
    Resolved,
    /// Closed with a move of the student.
    Moved,
}

impl EscalationStep {
    fn label(self) -> &'static str {
        match self {
            EscalationStep::Opened => "opened",
            EscalationStep::Acknowledged => "acknowledged",
            EscalationStep::Resolved => "resolved",
            EscalationStep::Moved => "moved",
        }
    }
}

/// This process's counters, and the moment of its last completed tick.
pub struct Metrics {
    registry: Registry,
    sent: Family<Label, Counter>,
    failures: Family<Label, Counter>,
    reflections: Counter,
    klik: Family<Label, Counter>,
    escalations: Family<Label, Counter>,
    tick_seconds: Histogram,
    chat_connected: Gauge,
    chat_standby: Gauge,
    outbox_due: Gauge,
    outbox_planned: Gauge,
    oldest_due: Gauge,
    database_up: Gauge,
    last_tick: Gauge<f64, AtomicU64>,
    last_tick_at: Mutex<Option<Instant>>,
    /// When this process last stopped being a standby: its first tick as holder is due from then.
    active_since: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("wandelgang");
        let sent = Family::<Label, Counter>::default();
        registry.register(
            "messages_sent",
            "Messages delivered to the chat platform, by kind (prompt, reminder, escalation, ...)",
            sent.clone(),
        );
        let failures = Family::<Label, Counter>::default();
        registry.register(
            "send_failures",
            "Sends that failed, by kind: transient (retried), unreachable (given up), rate_limited (held back)",
            failures.clone(),
        );
        let reflections = Counter::default();
        registry.register("reflections", "Reflections stored", reflections.clone());
        let klik = Family::<Label, Counter>::default();
        registry.register(
            "klik_signals",
            "Klik signals stored, by value (goed, twijfel, geen)",
            klik.clone(),
        );
        let escalations = Family::<Label, Counter>::default();
        registry.register(
            "escalations",
            "Escalation steps: opened, acknowledged, resolved, moved",
            escalations.clone(),
        );
        // 5 ms to about 40 s: an idle tick up to a Monday's fan-out of a region.
        let tick_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        registry.register(
            "tick_duration_seconds",
            "How long a scheduler tick took",
            tick_seconds.clone(),
        );
        let chat_connected = Gauge::default();
        registry.register(
            "chat_connected",
            "1 while this process holds a live connection to the chat platform",
            chat_connected.clone(),
        );
        let chat_standby = Gauge::default();
        registry.register(
            "chat_standby",
            "1 while another process on the same database holds the chat connection and this one waits to take it over",
            chat_standby.clone(),
        );
        let outbox_due = Gauge::default();
        registry.register(
            "outbox_due",
            "Outbox rows due by now and not yet finished, in the whole database",
            outbox_due.clone(),
        );
        let outbox_planned = Gauge::default();
        registry.register(
            "outbox_planned",
            "Outbox rows planned for later, in the whole database",
            outbox_planned.clone(),
        );
        let oldest_due = Gauge::default();
        registry.register(
            "outbox_oldest_due_age_seconds",
            "Seconds since the oldest unfinished outbox row became due (0 when none)",
            oldest_due.clone(),
        );
        let database_up = Gauge::default();
        registry.register(
            "database_up",
            "1 when the database answered this scrape's outbox question",
            database_up.clone(),
        );
        let last_tick = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "last_tick_timestamp_seconds",
            "Unix time at which this process last completed a tick",
            last_tick.clone(),
        );
        Self {
            registry,
            sent,
            failures,
            reflections,
            klik,
            escalations,
            tick_seconds,
            chat_connected,
            chat_standby,
            outbox_due,
            outbox_planned,
            oldest_due,
            database_up,
            last_tick,
            last_tick_at: Mutex::new(None),
            active_since: Mutex::new(None),
        }
    }
}

impl Metrics {
    /// A message of `kind` (the outbox's stored name) reached the platform.
    pub fn sent(&self, kind: &'static str) {
        self.sent.get_or_create(&vec![("kind", kind)]).inc();
    }

    /// A send failed.
    pub fn send_failed(&self, kind: SendFailureKind) {
        self.failures
            .get_or_create(&vec![("kind", kind.label())])
            .inc();
    }

    /// A reflection was stored.
    pub fn reflection(&self) {
        self.reflections.inc();
    }

    /// A klik signal was stored.
    pub fn klik(&self, value: KlikValue) {
        let word = match value {
            KlikValue::Goed => "goed",
            KlikValue::Twijfel => "twijfel",
            KlikValue::GeenKlik => "geen",
        };
        self.klik.get_or_create(&vec![("value", word)]).inc();
    }

    /// An escalation took a step.
    pub fn escalation(&self, step: EscalationStep) {
        self.escalations
            .get_or_create(&vec![("step", step.label())])
            .inc();
    }

    /// A tick completed after `took`, at Unix time `at`.
    pub fn tick(&self, took: Duration, at: f64) {
        self.tick_seconds.observe(took.as_secs_f64());
        self.last_tick.set(at);
        *self.last_tick_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
    }

    /// How long ago the last tick completed; `None` before the first.
    pub fn since_last_tick(&self) -> Option<Duration> {
        self.last_tick_at
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|t| t.elapsed())
    }

    /// The chat connection came up or went down.
    pub fn set_chat_connected(&self, connected: bool) {
        self.chat_connected.set(i64::from(connected));
    }

    /// Whether the chat connection is up.
    pub fn chat_connected(&self) -> bool {
        self.chat_connected.get() == 1
    }

    /// This process waits for the chat lease (true) or holds it or needs none (false).
    pub fn set_chat_standby(&self, standby: bool) {
        let was = self.chat_standby.set(i64::from(standby)) == 1;
        if was && !standby {
            *self.active_since.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        }
    }

    /// How long ago this process stopped being a standby, if it ever was one.
    pub fn since_active(&self) -> Option<Duration> {
        self.active_since
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(|t| t.elapsed())
    }

    /// Whether this process waits for another's chat connection to become free.
    pub fn chat_standby(&self) -> bool {
        self.chat_standby.get() == 1
    }

    /// The Prometheus text format of every figure, with the outbox as read at `now`; `None`
    /// when the database did not answer (the outbox figures keep their last values).
    pub fn render(&self, backlog: Option<&Backlog>, now: DateTime<Utc>) -> String {
        self.database_up.set(i64::from(backlog.is_some()));
        if let Some(backlog) = backlog {
            self.outbox_due.set(backlog.due);
            self.outbox_planned.set(backlog.planned);
            self.oldest_due.set(backlog.oldest_due_secs(now));
        }
        let mut text = String::new();
        // Writing into a String cannot fail; should the encoder ever, say so in the output.
        if let Err(e) = encode(&mut text, &self.registry) {
            text.push_str(&format!("# encoding failed: {e}\n"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line `name` (with its labels as printed).
    fn sample(text: &str, name: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn counts_appear_under_their_labels_and_nothing_names_a_person() {
        let m = Metrics::default();
        m.sent("prompt");
        m.sent("prompt");
        m.sent("reminder");
        m.send_failed(SendFailureKind::RateLimited);
        m.reflection();
        m.klik(KlikValue::GeenKlik);
        m.escalation(EscalationStep::Opened);
        m.set_chat_connected(true);
        m.tick(Duration::from_millis(12), 1_700_000_000.0);
        let now = DateTime::from_timestamp(1_700_000_000, 0).expect("moment");
        let text = m.render(
            Some(&Backlog {
                due: 3,
                planned: 40,
                oldest_due: Some(now - chrono::Duration::seconds(95)),
            }),
            now,
        );
        let cases = [
            ("wandelgang_messages_sent_total{kind=\"prompt\"}", 2.0),
            ("wandelgang_messages_sent_total{kind=\"reminder\"}", 1.0),
            ("wandelgang_send_failures_total{kind=\"rate_limited\"}", 1.0),
            ("wandelgang_reflections_total", 1.0),
            ("wandelgang_klik_signals_total{value=\"geen\"}", 1.0),
            ("wandelgang_escalations_total{step=\"opened\"}", 1.0),
            ("wandelgang_chat_connected", 1.0),
            ("wandelgang_outbox_due", 3.0),
            ("wandelgang_outbox_planned", 40.0),
            ("wandelgang_outbox_oldest_due_age_seconds", 95.0),
            ("wandelgang_database_up", 1.0),
            ("wandelgang_tick_duration_seconds_count", 1.0),
            ("wandelgang_last_tick_timestamp_seconds", 1_700_000_000.0),
        ];
        for (name, want) in cases {
            assert_eq!(sample(&text, name), Some(want), "{name} in\n{text}");
        }
        assert!(m.since_last_tick().is_some());
        // Without the database the outbox figures stay as they were, and say so.
        let text = m.render(None, now);
        assert_eq!(sample(&text, "wandelgang_database_up"), Some(0.0));
        assert_eq!(sample(&text, "wandelgang_outbox_due"), Some(3.0));
        m.set_chat_connected(false);
        assert!(!m.chat_connected());
    }

    #[test]
    fn a_fresh_process_has_not_ticked() {
        assert_eq!(Metrics::default().since_last_tick(), None);
    }
}
