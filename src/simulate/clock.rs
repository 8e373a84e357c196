//! The virtual clock loop: scripted events and planned answers wait in an agenda; each step
//! the clock moves on, what is due happens, the engine ticks, and the responders plan their
//! answers to the prompts just delivered.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::BTreeMap;

use super::scenario::{Cast, Event, Responder, event_time, invalid};
use super::{ScenarioError, Sim, actions};
use crate::app::messages::{Message, OutboundMessage};
use crate::domain::roster::Role;

/// Something that happens at a set time: a scripted event or a responder's answer.
#[derive(Debug, Clone)]
pub(super) enum Planned {
    /// A line of the scenario's `[[event]]` list.
    Script(Event),
    /// A responder answering one prompt.
    Answer(Answer),
}

/// A responder's answer to one prompt: a reflection, klik taps, or both.
#[derive(Debug, Clone)]
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
pub(super) struct Agenda {
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
            if !cast.contains(&e.who) {
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
    pub(super) fn new(
        list: Vec<Responder>,
        cast: &Cast,
        file: &str,
    ) -> Result<Self, ScenarioError> {
        let mut responders = BTreeMap::new();
        for r in list {
            if cast.role(&r.wpb) != Some(Role::Wpb) {
                return Err(invalid(
                    file,
                    format!("respond: `{}` is geen wpb / is not a wpb", r.wpb),
                ));
            }
            responders.insert(r.wpb.clone(), (r, 0));
        }
        Ok(Self(responders))
    }

    /// The answer to a message delivered at `now` and when it is given; `None` for anything
    /// but a prompt to a responder, and when the responder has nothing to say to this one.
    fn answer(
        &mut self,
        m: &OutboundMessage,
        now: DateTime<Utc>,
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
            now + Duration::minutes(r.delay_minutes),
            Planned::Answer(answer),
        ))
    }
}

/// Steps the clock from `start` to `end` (`step_minutes` at a time), performing what is due
/// before each tick, and ticks once more at the end.
pub(super) async fn drive(
    sim: &Sim,
    mut agenda: Agenda,
    mut responders: Responders,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    step_minutes: i64,
) -> Result<(), ScenarioError> {
    let mut t = start;
    while t < end {
        while let Some((at, item)) = agenda.next_due(t) {
            sim.clock.set(at);
            actions::perform(sim, item).await?;
        }
        sim.clock.set(t);
        sim.engine.tick().await?;
        for m in sim.console.take_delivered() {
            if let Some((at, answer)) = responders.answer(&m, t) {
                agenda.plan(at, answer);
            }
        }
        t += Duration::minutes(step_minutes);
    }
    sim.clock.set(end);
    sim.engine.tick().await?;
    Ok(())
}
