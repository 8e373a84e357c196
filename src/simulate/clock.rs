//! The virtual clock loop: scripted events and planned answers wait in an agenda; each step
//! the clock moves on, what is due happens, the engine ticks (unless the bot is down), the
//! responders plan their answers to the prompts just delivered, and due expectations are
//! checked.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::progress::{Files, Progress};
use super::scenario::{Cast, Event, Responder, event_time, invalid};
use super::verdicts::Checks;
use super::{ScenarioError, Sim, actions};
use crate::app::messages::{Message, OutboundMessage};
use crate::chat::render;
use crate::domain::roster::Role;

/// Something that happens at a set time: a scripted event or a responder's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) enum Planned {
    /// A line of the scenario's `[[event]]` list.
    Script(Event),
    /// A responder answering one prompt.
    Answer(Answer),
}

/// A responder's answer to one prompt: a reflection, klik taps, or both.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Answer {
    /// The id of the wpb who answers.
    pub(super) wpb: String,
    /// The key of the prompt answered.
    pub(super) key: String,
    pub(super) text: Option<String>,
    pub(super) share: bool,
    /// One value tapped for every student on the prompt.
    pub(super) klik: Option<String>,
    /// The ids of the students on the prompt.
    pub(super) students: Vec<String>,
}

/// What is planned, in time order; items at the same time keep the order they were planned in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Agenda {
    #[serde(with = "agenda_items")]
    items: BTreeMap<(DateTime<Utc>, usize), Planned>,
    /// The number of the last planned item; the scripted events take the first numbers.
    seq: usize,
}

impl Agenda {
    /// The scripted events, each checked for a known person and a readable time.
    pub(super) fn from_events(
        events: &[Event],
        cast: &Cast,
        tz: Tz,
        file: &str,
    ) -> Result<Self, ScenarioError> {
        let mut items = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            if !e.who.is_empty() && !cast.contains(&e.who) {
                return Err(invalid(
                    file,
                    format!(
                        "event {}: onbekende persoon / unknown person `{}`",
                        i + 1,
                        e.who
                    ),
                ));
            }
            let at = event_time(tz, file, i, e)?;
            items.insert((at, i), Planned::Script(e.clone()));
        }
        Ok(Self {
            items,
            seq: events.len(),
        })
    }

    /// Takes the earliest item due at or before `t`, with its time.
    fn next_due(&mut self, t: DateTime<Utc>) -> Option<(DateTime<Utc>, Planned)> {
        let (&(at, _), _) = self.items.first_key_value()?;
        if at > t {
            return None;
        }
        self.items.pop_first().map(|((at, _), item)| (at, item))
    }

    /// Plans `item` at `at`, after everything already planned for that time.
    fn plan(&mut self, at: DateTime<Utc>, item: Planned) {
        self.seq += 1;
        self.items.insert((at, self.seq), item);
    }
}

/// The scripted responders by wpb id, each with the number of prompts they have had.
pub(super) struct Responders(BTreeMap<String, (Responder, usize)>);

impl Responders {
    /// The scenario's responders, each checked to be a wpb.
    pub(super) fn new(list: &[Responder], cast: &Cast, file: &str) -> Result<Self, ScenarioError> {
        let mut responders = BTreeMap::new();
        for r in list {
            if cast.role(&r.wpb) != Some(Role::Wpb) {
                return Err(invalid(
                    file,
                    format!("respond: `{}` is geen wpb / is not a wpb", r.wpb),
                ));
            }
            responders.insert(r.wpb.clone(), (r.clone(), 0));
        }
        Ok(Self(responders))
    }

    /// The number of prompts each responder has had, for a stopped run's progress.
    pub(super) fn counts(&self) -> BTreeMap<String, usize> {
        self.0.iter().map(|(id, (_, n))| (id.clone(), *n)).collect()
    }

    /// Takes up the counts a stopped run left.
    pub(super) fn with_counts(mut self, counts: &BTreeMap<String, usize>) -> Self {
        for (id, (_, n)) in &mut self.0 {
            *n = counts.get(id).copied().unwrap_or(0);
        }
        self
    }

    /// The answer to a message delivered at `at` and when it is given; `None` for anything
    /// but a prompt to a responder, and when the responder has nothing to say to this one.
    fn answer(
        &mut self,
        m: &OutboundMessage,
        at: DateTime<Utc>,
    ) -> Option<(DateTime<Utc>, Planned)> {
        let Message::Prompt { students, .. } = &m.body else {
            return None;
        };
        let (r, n) = self.0.get_mut(m.to.person.as_str())?;
        let idx = *n;
        *n += 1;
        let text = r.answers.get(idx).cloned().filter(|t| !t.is_empty());
        let klik = r.klik.get(idx).cloned().filter(|k| !k.is_empty());
        if text.is_none() && klik.is_none() {
            return None;
        }
        let answer = Answer {
            wpb: r.wpb.clone(),
            key: m.key.clone(),
            text,
            share: r.share.contains(&idx),
            klik,
            students: students.iter().map(|s| s.id.to_string()).collect(),
        };
        Some((
            at + Duration::minutes(r.delay_minutes),
            Planned::Answer(answer),
        ))
    }
}

/// How a drive ended.
pub(super) enum Driven {
    /// At the scenario's end.
    Ended,
    /// At the `--until` moment, to be resumed.
    Stopped(DateTime<Utc>),
}

/// Steps the clock from the progress's step to `end` (`step_minutes` at a time), performing
/// what is due before each tick and checking expectations as their moments pass; ticks once
/// more at the end. Stops early after `stop`, keeping the progress to go on from.
pub(super) async fn drive(
    sim: &Sim,
    mut progress: Progress,
    mut responders: Responders,
    checks: &mut Checks,
    (end, stop): (DateTime<Utc>, Option<DateTime<Utc>>),
    step_minutes: i64,
    files: &Files,
) -> Result<Driven, ScenarioError> {
    let mut t = progress.step;
    while t < end {
        if stop.is_some_and(|s| t > s) {
            progress.save(sim, &responders, checks, t, files)?;
            return Ok(Driven::Stopped(t));
        }
        sim.wake_if_due(t).await?;
        let mut busy = false;
        while !sim.is_down(t)
            && let Some((at, item)) = progress.agenda.next_due(t)
        {
            checks.run_before(sim, at).await?;
            // Due in an earlier step: the bot was down then, and handles it now it is back.
            let late = at <= t - Duration::minutes(step_minutes);
            sim.clock.set(if late { t } else { at });
            if late {
                sim.note(&format!(
                    "[{}] (na de herstart; gepland om {})",
                    render::local_time(t, &sim.ctx),
                    render::local_time(at, &sim.ctx)
                ));
            }
            actions::perform(sim, item).await?;
            plan_answers(sim, &mut progress.agenda, &mut responders);
            checks.run_by(sim).await?;
            progress.save(sim, &responders, checks, t, files)?;
            busy = true;
        }
        checks.run_before(sim, t).await?;
        sim.clock.set(t);
        if !sim.is_down(t) {
            sim.tick().await?;
        }
        busy |= plan_answers(sim, &mut progress.agenda, &mut responders);
        if busy {
            checks.run_by(sim).await?;
        }
        checks.run_through(sim, t).await?;
        t += Duration::minutes(step_minutes);
        if busy {
            progress.save(sim, &responders, checks, t, files)?;
        }
    }
    sim.clock.set(end);
    sim.wake_if_due(end).await?;
    if !sim.is_down(end) {
        sim.tick().await?;
    }
    plan_answers(sim, &mut progress.agenda, &mut responders);
    checks.run_by(sim).await?;
    checks.run_through(sim, end).await?;
    progress.save(sim, &responders, checks, end, files)?;
    Ok(Driven::Ended)
}

/// Plans the responders' answers to what was just delivered; true when anything was.
fn plan_answers(sim: &Sim, agenda: &mut Agenda, responders: &mut Responders) -> bool {
    let fresh = sim.chat.take_fresh();
    for d in &fresh {
        if let Some((at, answer)) = responders.answer(&d.message, d.at) {
            agenda.plan(at, answer);
        }
    }
    !fresh.is_empty()
}

/// The agenda's items as a list, since JSON keys must be strings.
mod agenda_items {
    use super::Planned;
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    type Items = BTreeMap<(DateTime<Utc>, usize), Planned>;

    pub(super) fn serialize<S: Serializer>(items: &Items, s: S) -> Result<S::Ok, S::Error> {
        items.iter().collect::<Vec<_>>().serialize(s)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Items, D::Error> {
        Ok(Vec::<((DateTime<Utc>, usize), Planned)>::deserialize(d)?
            .into_iter()
            .collect())
    }
}
