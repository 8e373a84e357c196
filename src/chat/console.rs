//! The terminal transport for `demo`, `simulate` and local use: prints each message with the
//! local time at which it arrives. Delivers each key once, like the real platforms.

use async_trait::async_trait;
use chrono_tz::Tz;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use super::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::app::messages::OutboundMessage;
use crate::app::ports::{Chat, ChatError, Clock};

pub struct ConsoleChat {
    out: Mutex<Box<dyn Write + Send>>,
    seen: Mutex<HashSet<String>>,
    clock: Arc<dyn Clock>,
    tz: Tz,
    delivered: Mutex<Vec<OutboundMessage>>,
}

impl ConsoleChat {
    pub fn new(out: Box<dyn Write + Send>, clock: Arc<dyn Clock>, tz: Tz) -> Self {
        Self {
            out: Mutex::new(out),
            seen: Mutex::new(HashSet::new()),
            clock,
            tz,
            delivered: Mutex::new(Vec::new()),
        }
    }

    /// Messages delivered since the last call, so a scenario can answer them.
    pub fn take_delivered(&self) -> Vec<OutboundMessage> {
        std::mem::take(&mut *self.delivered.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Prints a line of the transcript that is not a message (an answer, a tap, a note).
    pub fn note(&self, line: &str) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(out, "{line}");
    }
}

#[async_trait]
impl Chat for ConsoleChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        if !self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(message.key.clone())
        {
            return Ok(());
        }
        let ctx = RenderContext {
            language: message.to.language,
            tz: self.tz,
            max_chars: DEFAULT_MAX_CHARS,
        };
        let when = render::local_time(self.clock.now(), &ctx);
        let text = render::message(&message.body, &ctx);
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(message.clone());
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let indented = text.replace('\n', "\n      ");
        writeln!(
            out,
            "[{when}] → {} ({}):\n      {indented}",
            message.to.name, message.to.person
        )
        .map_err(|e| ChatError::Transient(e.to_string()))
    }
}
