//! Plays the generated school through the real engine on a virtual clock: a tick every step,
//! and every fifth wpb answering each prompt 45 minutes later with a reflection and a klik,
//! its student tapping their own klik every other time. The transport only counts, so what
//! is measured is the engine and the database, not a chat platform.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::school::{student_id, wpb_id, wpb_number};
use crate::app::Engine;
use crate::app::engine::EngineError;
use crate::app::events::{Inbound, ReflectionTarget, Sender};
use crate::app::messages::{Message, OutboundMessage};
use crate::app::ports::{Chat, ChatError, VirtualClock};

/// One wpb in this many answers every prompt.
pub const ANSWERING_EVERY: usize = 5;
/// How long an answering wpb takes to answer.
const ANSWER_AFTER_MINUTES: i64 = 45;

/// What the run sent and was sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Ticks of the engine.
    pub ticks: usize,
    /// Prompts delivered to wpbs.
    pub prompts: usize,
    /// Every message delivered (prompts, reminders, follow-ups, escalations, digests, calls).
    pub messages: usize,
    /// Reflections and klik signals handed to the engine.
    pub answers: usize,
    /// Of those, the ones the engine refused (none is expected).
    pub refused: usize,
}

/// A prompt an answering wpb received.
struct Delivered {
    wpb: usize,
    key: String,
}

/// The `Chat` port of a scale run: counts, and remembers the prompts that will be answered.
#[derive(Clone, Default)]
pub struct CountingChat(Arc<Tally>);

/// What the counting transport saw.
#[derive(Default)]
pub struct Tally {
    prompts: AtomicUsize,
    messages: AtomicUsize,
    to_answer: Mutex<Vec<Delivered>>,
}

impl CountingChat {
    fn take_to_answer(&self) -> Vec<Delivered> {
        std::mem::take(&mut *self.0.to_answer.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[async_trait]
impl Chat for CountingChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        self.0.messages.fetch_add(1, Ordering::Relaxed);
        if let Message::Prompt { .. } = message.body {
            self.0.prompts.fetch_add(1, Ordering::Relaxed);
            if let Some(wpb) = wpb_number(&message.to.person)
                && wpb % ANSWERING_EVERY == 0
            {
                self.0
                    .to_answer
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Delivered {
                        wpb,
                        key: message.key.clone(),
                    });
            }
        }
        Ok(())
    }
}

/// A klik value that depends only on the prompt's key: mostly goed, some twijfel, a few
/// geen klik (enough for an escalation now and then).
fn klik_for(key: &str, salt: u8) -> &'static str {
    match hash(key, salt) % 10 {
        0..=6 => "goed",
        7 | 8 => "twijfel",
        _ => "geen klik",
    }
}

/// FNV-1a of the key, varied by `salt`: a stable coin for each prompt.
fn hash(key: &str, salt: u8) -> u32 {
    key.bytes()
        .fold(2_166_136_261u32 ^ u32::from(salt), |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16_777_619)
        })
}

/// The engine of a scale run.
pub type ScaleEngine = Engine<CountingChat, VirtualClock>;

/// An answer waiting for its moment.
struct Due {
    at: DateTime<Utc>,
    wpb: usize,
    key: String,
}

/// Steps the clock from `start` to `end`, `step` at a time: due answers first, then a tick.
/// `on_day` is told at each local midnight the run passes, with the counts so far.
pub async fn play(
    engine: &ScaleEngine,
    clock: &VirtualClock,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    step: Duration,
    mut on_day: impl FnMut(DateTime<Utc>, &Counts),
) -> Result<Counts, EngineError> {
    let mut counts = Counts::default();
    // Answers are planned a fixed time after delivery, so they fall due in the order planned.
    let mut waiting: VecDeque<Due> = VecDeque::new();
    let tz = engine.config.defaults.calendar.tz;
    let mut day = start.with_timezone(&tz).date_naive();
    let mut t = start;
    while t < end {
        while waiting.front().is_some_and(|d| d.at <= t) {
            if let Some(due) = waiting.pop_front() {
                clock.set(due.at);
                answer(engine, &due, &mut counts).await;
            }
        }
        clock.set(t);
        engine.tick().await?;
        counts.ticks += 1;
        for d in engine.chat.take_to_answer() {
            waiting.push_back(Due {
                at: t + Duration::minutes(ANSWER_AFTER_MINUTES),
                wpb: d.wpb,
                key: d.key,
            });
        }
        t += step;
        let today = t.with_timezone(&tz).date_naive();
        if today != day {
            day = today;
            counts.prompts = engine.chat.0.prompts.load(Ordering::Relaxed);
            counts.messages = engine.chat.0.messages.load(Ordering::Relaxed);
            on_day(t, &counts);
        }
    }
    counts.prompts = engine.chat.0.prompts.load(Ordering::Relaxed);
    counts.messages = engine.chat.0.messages.load(Ordering::Relaxed);
    Ok(counts)
}

/// The wpb's reflection and klik on the prompt, and every other time their student's klik.
async fn answer(engine: &ScaleEngine, due: &Due, counts: &mut Counts) {
    let wpb = wpb_id(due.wpb);
    let student = student_id(due.wpb);
    let mut events = vec![
        Inbound::Reflection {
            from: Sender::Person(wpb.clone()),
            text: format!("Vandaag samen het overleg voorbereid ({}).", due.key),
            target: ReflectionTarget::Prompt(due.key.clone()),
            share: hash(&due.key, 3).is_multiple_of(3),
        },
        Inbound::Klik {
            from: Sender::Person(wpb),
            student: Some(student.clone()),
            value: klik_for(&due.key, 0).into(),
        },
    ];
    if hash(&due.key, 1).is_multiple_of(2) {
        events.push(Inbound::StudentKlik {
            from: Sender::Person(student),
            value: klik_for(&due.key, 2).into(),
        });
    }
    for event in events {
        counts.answers += 1;
        if let Err(refusal) = engine.handle(event).await {
            counts.refused += 1;
            tracing::warn!(?refusal, "scale run: an answer was refused");
        }
    }
}
