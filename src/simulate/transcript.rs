//! What the reader of a run sees besides the messages themselves: the heading, the engine's
//! reply to each action, and the closing table per wpb with the escalations.

use chrono::{DateTime, Utc};

use super::scenario::Cast;
use super::{RunSummary, ScenarioError, Sim, SimEngine};
use crate::app::inbox::{Inbound, Refusal, UserError};
use crate::chat::render::{self, RenderContext};
use crate::domain::roster::PersonId;
use crate::store::{EscalationRow, EscalationStatus, Store};

/// The run's title, database and time span.
pub(super) fn header(
    sim: &Sim,
    title: &str,
    db_path: &std::path::Path,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) {
    sim.note(&format!("=== {title} ==="));
    sim.note(&format!("Database: {}", db_path.display()));
    sim.note(&format!(
        "Van {} tot {} (virtuele klok)\n",
        render::local_time(start, &sim.ctx),
        render::local_time(end, &sim.ctx)
    ));
}

/// Hands the engine one message and renders its reply; a refusal reads "geweigerd: …",
/// except the question which student is meant, which is a plain reply.
/// The one place that reads the engine's result type.
pub(super) async fn reply(
    engine: &SimEngine,
    inbound: Inbound,
    ctx: &RenderContext,
) -> Result<String, ScenarioError> {
    Ok(match engine.handle(inbound).await {
        Ok(r) => render::reply(&r, ctx),
        Err(Refusal::User(e @ UserError::WhichStudent(_))) => render::user_error(&e, ctx),
        Err(Refusal::User(e)) => format!("geweigerd: {}", render::user_error(&e, ctx)),
        Err(Refusal::Internal(e)) => return Err(e.into()),
    })
}

/// Writes the closing table (per wpb: prompts, skipped, reflections, reminders, klik) and
/// the escalations, and counts the prompts sent and escalations raised.
pub(super) async fn closing_table(store: &Store, sim: &Sim) -> Result<RunSummary, ScenarioError> {
    let cast = &sim.cast;
    let counts = store.outbox_counts().await?;
    let count = |who: &str, kind: &str, status: &str| {
        counts
            .iter()
            .filter(|(r, k, s, _)| r == who && k == kind && s == status)
            .map(|c| c.3)
            .sum::<i64>()
    };
    sim.note("\n=== Overzicht / Summary ===");
    sim.note(&format!(
        "{:<22} {:>9} {:>10} {:>11} {:>13} {:>8}",
        "wpb", "vragen", "gemist", "reflecties", "herinneringen", "klik"
    ));
    let mut prompts_sent = 0;
    let far_past = DateTime::<Utc>::MIN_UTC;
    for pid in cast.wpbs() {
        let id = pid.as_str();
        let sent = count(id, "prompt", "sent");
        prompts_sent += sent as usize;
        let reflections = store.reflections_of(&pid, false, far_past).await?.len();
        let signals = signals_as_wpb(store, &pid).await?;
        sim.note(&format!(
            "{:<22} {:>9} {:>10} {:>11} {:>13} {:>8}",
            cast.name(id),
            sent,
            count(id, "prompt", "skipped"),
            reflections,
            count(id, "reminder", "sent"),
            signals
        ));
    }
    let escalations = store.escalations().await?;
    escalation_lines(store, sim, cast, &escalations).await?;
    Ok(RunSummary {
        database: String::new(),
        prompts_sent,
        escalations: escalations.len(),
        ..RunSummary::default()
    })
}

/// The klik signals on the pairings where `wpb` is the wpb.
async fn signals_as_wpb(store: &Store, wpb: &PersonId) -> Result<usize, ScenarioError> {
    let mut signals = 0;
    for (pairing, p) in store.pairings_of(wpb).await? {
        if p.wpb == *wpb {
            signals += store.signals_of(pairing, 1_000).await?.len();
        }
    }
    Ok(signals)
}

/// One line per escalation: the pairing's names and its status.
async fn escalation_lines(
    store: &Store,
    sim: &Sim,
    cast: &Cast,
    escalations: &[EscalationRow],
) -> Result<(), ScenarioError> {
    sim.note("\nEscalaties / escalations:");
    if escalations.is_empty() {
        sim.note("  geen / none");
    }
    for e in escalations {
        let pairing = store.pairing(e.pairing.clone()).await?;
        let who = pairing.map_or_else(String::new, |p| {
            format!(
                "{} – {}",
                cast.name(p.wpb.as_str()),
                cast.name(p.student.as_str())
            )
        });
        let status = match e.status {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "opgepakt / acknowledged",
            EscalationStatus::Resolved => "opgelost / resolved",
            EscalationStatus::Moved => "overplaatsing / moved",
        };
        sim.note(&format!("  #{} {who}: {status}", e.id));
    }
    Ok(())
}
