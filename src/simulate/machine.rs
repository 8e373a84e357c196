//! The bot's process as a scenario plays it: the chat transport the engine sends through
//! (the console, plus people whose DMs are closed), a crash in the middle of a tick, and
//! downtime after which a new engine starts on the same database.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

use super::expect::ADMIN;
use super::record::{Shown, ShownLog, Transcript};
use super::scenario::Cast;
use super::{ScenarioError, Sim};
use crate::app::messages::{Message, OutboundMessage};
use crate::app::ports::{Chat, ChatError, VirtualClock};
use crate::chat::console::{ConsoleChat, Delivered};
use crate::chat::render;

/// What the runner knows about the bot's process; kept with a stopped run's progress.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Machine {
    /// The bot is down until this moment; a new engine starts then.
    pub(super) down_until: Option<DateTime<Utc>>,
    /// A crash is due in the next tick that sends something.
    pub(super) crash_armed: bool,
    /// After that crash, the bot stays down until this moment (else it restarts right away).
    pub(super) crash_until: Option<DateTime<Utc>>,
    /// People whose DMs are closed: the platform refuses messages to them.
    pub(super) unreachable: BTreeSet<String>,
}

/// The `Chat` port of a scenario: the console, with closed DMs and the crash switch.
#[derive(Clone)]
pub(super) struct SharedConsole(Arc<Outlet>);

struct Outlet {
    console: ConsoleChat,
    transcript: Transcript,
    shown: Arc<ShownLog>,
    cast: Arc<Cast>,
    machine: Arc<Mutex<Machine>>,
    /// Told when a send stops dead for a crash.
    crashed: Notify,
    /// Delivered and not yet seen by the responders.
    fresh: Mutex<Vec<Delivered>>,
}

impl SharedConsole {
    /// The console writing into `transcript`, recording into `shown`.
    pub(super) fn new(
        transcript: Transcript,
        shown: Arc<ShownLog>,
        cast: Arc<Cast>,
        machine: Arc<Mutex<Machine>>,
        clock: &VirtualClock,
        tz: Tz,
        pictures: std::path::PathBuf,
    ) -> Self {
        let console = ConsoleChat::new(Box::new(transcript.clone()), Arc::new(clock.clone()), tz)
            .with_pictures(pictures);
        Self(Arc::new(Outlet {
            console,
            transcript,
            shown,
            cast,
            machine,
            crashed: Notify::new(),
            fresh: Mutex::new(Vec::new()),
        }))
    }

    /// A transcript line that is not a message.
    pub(super) fn note(&self, line: &str) {
        self.0.console.note(line);
    }

    /// Messages delivered since the last call, for the responders.
    pub(super) fn take_fresh(&self) -> Vec<Delivered> {
        std::mem::take(&mut *self.0.fresh.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn machine(&self) -> std::sync::MutexGuard<'_, Machine> {
        self.0.machine.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Who reads a message: the team's wpbs for a team channel, the admin for the admin
    /// contact, else the addressee.
    fn readers(&self, m: &OutboundMessage) -> Vec<String> {
        match (&m.to.address, m.to.team_channel, m.to.admin_contact) {
            (_, _, true) => vec![ADMIN.to_string()],
            (Some(address), true, _) => self.0.cast.channel_readers(address),
            _ => vec![m.to.person.to_string()],
        }
    }
}

/// A message kind in the words a scenario uses (`expect::KINDS`).
pub(super) fn kind_word(m: &Message) -> &'static str {
    match m {
        Message::Prompt { .. } => "vraag",
        Message::Reminder { .. } => "herinnering",
        Message::KlikFollowUp { .. } => "doorvraag",
        Message::Escalation(_) => "escalatie",
        Message::EscalationReminder { .. } => "escalatie-herinnering",
        Message::WpbEscalationNotice { .. } => "melding",
        Message::Unreachable { .. } => "onbereikbaar",
        Message::Digest(_) => "weekoverzicht",
        Message::Terugblik(_) => "terugblik",
        // Named one by one, so a new kind of message has to be given a word here.
        Message::IntervisiePhase { .. }
        | Message::IntervisieReminder { .. }
        | Message::IntervisieHint { .. }
        | Message::IntervisiePointer { .. }
        | Message::IntervisieCall { .. }
        | Message::IntervisieClosed { .. } => "intervisie",
    }
}

#[async_trait]
impl Chat for SharedConsole {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        let direct = !message.to.team_channel && !message.to.admin_contact;
        if direct
            && self
                .machine()
                .unreachable
                .contains(message.to.person.as_str())
        {
            return Err(ChatError::Unreachable(
                "DM's gesloten in het scenario / DMs closed in the scenario".into(),
            ));
        }
        let line = self.0.transcript.len();
        self.0.console.send(message).await?;
        for d in self.0.console.take_delivered() {
            self.0.shown.push(Shown {
                at: d.at,
                seen_by: self.readers(&d.message),
                kind: kind_word(&d.message.body).to_string(),
                text: d.text.clone(),
                line,
            });
            self.0
                .fresh
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(d);
        }
        let crash = std::mem::take(&mut self.machine().crash_armed);
        if crash {
            // The message is out, its outcome not yet recorded: the process dies here.
            self.0.crashed.notify_one();
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}

impl Sim {
    /// One engine tick; a crash armed for it stops it after its first message and restarts
    /// the bot (right away, or at the moment the crash named).
    pub(super) async fn tick(&self) -> Result<(), ScenarioError> {
        let engine = self.engine();
        let crashed = self.chat.0.crashed.notified();
        tokio::select! {
            r = engine.tick() => {
                r?;
                return Ok(());
            }
            () = crashed => {}
        }
        drop(engine);
        let now = self.clock_now();
        let until = self.machine().crash_until.take();
        let then = match until {
            Some(u) => format!("bot offline tot {}", render::local_time(u, &self.ctx)),
            None => "nieuwe start op dezelfde database".into(),
        };
        self.note(&format!(
            "[{}] 💥 crash midden in een tick (bericht verstuurd, uitkomst niet vastgelegd); {then}",
            render::local_time(now, &self.ctx)
        ));
        match until {
            Some(u) => self.machine().down_until = Some(u),
            None => self.restart().await?,
        }
        Ok(())
    }

    /// Brings the bot back when its downtime is over at `t`: a new engine on the same database.
    pub(super) async fn wake_if_due(&self, t: DateTime<Utc>) -> Result<(), ScenarioError> {
        let due = self.machine().down_until.is_some_and(|u| t >= u);
        if due {
            self.machine().down_until = None;
            self.note(&format!(
                "[{}] ▶ bot weer online: nieuwe start op dezelfde database",
                render::local_time(t, &self.ctx)
            ));
            self.restart().await?;
        }
        Ok(())
    }
}
