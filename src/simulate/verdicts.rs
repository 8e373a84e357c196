//! The expectations of a run and where each stands: checked when its moment passes (`at`),
//! or after each busy moment until it holds (`by`), then reported with the transcript around
//! each that failed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::expect::{Expectation, Found, When, World};
use super::record::Transcript;
use super::scenario::Cast;
use super::{ScenarioError, Sim};
use crate::chat::render;

/// Where one expectation stands.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) enum Verdict {
    /// Not yet decided.
    #[default]
    Pending,
    /// It held, at this moment.
    Met(DateTime<Utc>),
    /// It did not: what was found, and the transcript line to show around.
    Failed {
        /// What was found instead.
        found: String,
        /// The transcript line the context is centred on.
        line: usize,
    },
}

/// The run's expectations with their verdicts, in the order of the file.
pub(super) struct Checks(Vec<(Expectation, Verdict)>);

/// Transcript lines shown before and after the line a failed expectation points at.
const CONTEXT_BEFORE: usize = 8;
const CONTEXT_AFTER: usize = 4;

impl Checks {
    /// The expectations with the verdicts a stopped run reached (none for a fresh run).
    pub(super) fn new(expectations: Vec<Expectation>, earlier: Vec<Verdict>) -> Self {
        let mut earlier = earlier.into_iter();
        Self(
            expectations
                .into_iter()
                .map(|e| (e, earlier.next().unwrap_or_default()))
                .collect(),
        )
    }

    /// The verdicts, for a stopped run's progress.
    pub(super) fn verdicts(&self) -> Vec<Verdict> {
        self.0.iter().map(|(_, v)| v.clone()).collect()
    }

    /// Decides the pending expectations whose moment lies before `t`.
    pub(super) async fn run_before(
        &mut self,
        sim: &Sim,
        t: DateTime<Utc>,
    ) -> Result<(), ScenarioError> {
        self.decide(sim, |deadline| deadline < t).await
    }

    /// Decides the pending expectations whose moment is `t` or earlier.
    pub(super) async fn run_through(
        &mut self,
        sim: &Sim,
        t: DateTime<Utc>,
    ) -> Result<(), ScenarioError> {
        self.decide(sim, |deadline| deadline <= t).await
    }

    /// Final verdicts for the pending expectations whose deadline passes the test, each
    /// evaluated at its own moment.
    async fn decide(
        &mut self,
        sim: &Sim,
        due: impl Fn(DateTime<Utc>) -> bool,
    ) -> Result<(), ScenarioError> {
        for (e, verdict) in &mut self.0 {
            if !matches!(verdict, Verdict::Pending) || !due(e.when.deadline()) {
                continue;
            }
            let found = evaluate(sim, e, e.when.deadline()).await?;
            *verdict = match found.holds {
                true => Verdict::Met(e.when.deadline()),
                false => Verdict::Failed {
                    found: found.found,
                    line: found.line.unwrap_or_else(|| sim.transcript.len()),
                },
            };
        }
        Ok(())
    }

    /// Marks as met each pending `by` expectation that holds now.
    pub(super) async fn run_by(&mut self, sim: &Sim) -> Result<(), ScenarioError> {
        let now = sim.clock_now();
        for (e, verdict) in &mut self.0 {
            if !matches!(verdict, Verdict::Pending)
                || !matches!(e.when, When::By(d) if now <= d)
                || now < e.from
            {
                continue;
            }
            if evaluate(sim, e, now).await?.holds {
                *verdict = Verdict::Met(now);
            }
        }
        Ok(())
    }

    /// One line per expectation, with what was found and the transcript around each failure;
    /// and the number that failed.
    pub(super) fn report(
        &self,
        cast: &Cast,
        transcript: &Transcript,
        ctx: &render::RenderContext,
    ) -> (String, usize) {
        let mut out = String::new();
        if self.0.is_empty() {
            return (out, 0);
        }
        let mut failed = 0;
        let mut pending = 0;
        for (e, verdict) in &self.0 {
            let what = e.describe(cast);
            match verdict {
                Verdict::Met(at) => {
                    out.push_str(&format!(
                        "✓ {}: {what} (om {})\n",
                        e.label,
                        render::local_time(*at, ctx)
                    ));
                }
                Verdict::Pending => {
                    pending += 1;
                    out.push_str(&format!(
                        "· {}: {what} (nog niet aan de beurt / not yet due)\n",
                        e.label
                    ));
                }
                Verdict::Failed { found, line } => {
                    failed += 1;
                    out.push_str(&format!(
                        "✗ {}: {what}\n    gevonden / found: {found}\n",
                        e.label
                    ));
                    out.push_str("    transcript:\n");
                    let from = line.saturating_sub(CONTEXT_BEFORE);
                    for l in transcript.lines(from, line + CONTEXT_AFTER) {
                        out.push_str(&format!("    | {l}\n"));
                    }
                }
            }
        }
        let total = self.0.len();
        out.push_str(&format!(
            "{total} verwachting(en) / expectation(s): {} gehaald / met, {failed} niet gehaald / failed{}\n",
            total - failed - pending,
            if pending > 0 { format!(", {pending} nog open / not yet due") } else { String::new() }
        ));
        (out, failed)
    }
}

/// Evaluates `e` as the world stands, at moment `now`.
async fn evaluate(sim: &Sim, e: &Expectation, now: DateTime<Utc>) -> Result<Found, ScenarioError> {
    let engine = sim.engine();
    let shown = sim.shown.all();
    let world = World {
        store: &engine.store,
        shown: &shown,
        cast: &sim.cast,
        config: &sim.config,
        now,
    };
    e.evaluate(&world).await
}
