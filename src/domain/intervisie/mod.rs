//! Asynchronous intervisie (incident method) as a durable state machine.
//!
//! A thread in the team channel moves through [`Phase`]s: a wpb brings in a case, the team
//! asks open clarifying questions, then shares experiences and advice, the case owner writes
//! what they take away, and the thread closes with a short summary. A [`Thread`] is plain data
//! (serialisable, so the store can persist it and a restart loses nothing); [`Thread::apply`]
//! turns an [`Event`] into [`Effect`]s for the app to render and send.
//!
//! Time is counted in school days through an injected [`AddSchoolDays`] function, so this
//! module does not depend on the calendar type. Pure: no clock, no storage, no chat types.
//!
//! `phase` names the phases and their texts, `settings` a team's phase lengths and call
//! rhythm, `events` what goes into and comes out of a thread, `thread` the thread's life
//! (opening, ticking, advancing, closing, forgetting), `posting` what a post or takeaway
//! counts as and who may act, and `questions` how an open question is told from a closed one.

mod events;
mod phase;
mod posting;
mod questions;
mod settings;
mod thread;

use chrono::{DateTime, Utc};

use super::roster::PersonId;

pub use events::{CloseReason, Effect, Event, Post, PostKind, RefuseReason, Summary};
pub use phase::Phase;
pub use questions::question_hint;
pub use settings::{IntervisieSettings, SettingsError};
pub use thread::Thread;

/// Adds `n` school days to an instant (in the app: `SchoolCalendar::add_school_days`).
pub type AddSchoolDays<'a> = &'a dyn Fn(DateTime<Utc>, u32) -> DateTime<Utc>;

/// What stands in for a forgotten person in a thread: as case owner, as a post's author and
/// as the text of their case and posts. Never a valid person id (ids hold no parentheses),
/// so nobody can act as it.
pub const FORGOTTEN: &str = "(verwijderd)";

/// [`FORGOTTEN`] as a person id.
pub fn forgotten_id() -> PersonId {
    PersonId::from_trusted(FORGOTTEN)
}

#[cfg(test)]
mod tests;
