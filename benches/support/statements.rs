//! Where a measured step's time goes: every statement sqlx ran during it, with its start
//! within the step and its time in the database, from sqlx's own `sqlx::query` events.
//! The gaps between statements are the engine's own work and the hand-offs to the driver.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

static RECORDING: AtomicBool = AtomicBool::new(false);
/// (finished at, summary, seconds in the database)
static SEEN: Mutex<Vec<(Instant, String, f64)>> = Mutex::new(Vec::new());

struct Statements;

#[derive(Default)]
struct Fields {
    summary: String,
    secs: f64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            self.summary = value.to_string();
        }
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.secs = value;
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.summary = format!("{value:?}").trim_matches('"').to_string();
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if !RECORDING.load(Ordering::Relaxed) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let now = Instant::now();
        SEEN.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((now, fields.summary, fields.secs));
    }
}

/// Logging as the binary does (`wandelgang::telemetry::filter`), plus the statement recorder.
pub fn init() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(wandelgang::telemetry::filter()),
        )
        .with(
            Statements.with_filter(tracing_subscriber::filter::filter_fn(|m| {
                m.target() == "sqlx::query"
            })),
        )
        .try_init();
}

/// Runs `step` and returns its output with its statements as a timeline to print (printed
/// after, so the printing is not part of the step's time).
pub async fn timeline<T>(name: &str, step: impl std::future::Future<Output = T>) -> (T, String) {
    use std::fmt::Write;
    SEEN.lock().unwrap_or_else(|p| p.into_inner()).clear();
    RECORDING.store(true, Ordering::Relaxed);
    let start = Instant::now();
    let out = step.await;
    let total = start.elapsed().as_secs_f64() * 1e3;
    RECORDING.store(false, Ordering::Relaxed);
    let seen = std::mem::take(&mut *SEEN.lock().unwrap_or_else(|p| p.into_inner()));
    let in_db: f64 = seen.iter().map(|(_, _, s)| s * 1e3).sum();
    let mut report = format!(
        "  {name}: {total:.1} ms, {} statements, {in_db:.1} ms of them in the database (as sqlx times them)\n",
        seen.len()
    );
    for (at, summary, secs) in &seen {
        let end = at.duration_since(start).as_secs_f64() * 1e3;
        let ms = secs * 1e3;
        let short: String = summary.chars().take(90).collect();
        let _ = writeln!(report, "    {:>7.1} ms  {ms:>6.1} ms  {short}", end - ms);
    }
    (out, report)
}
