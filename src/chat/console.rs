//! The terminal transport for `demo`, `simulate` and local use: prints each message with the
//! local time at which it arrives. Delivers each key once, like the real platforms.

use async_trait::async_trait;
use chrono_tz::Tz;
use std::collections::HashSet;
use std::io::Write;
use std::sync::{Arc, Mutex};

use super::pictures;
use super::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::app::messages::OutboundMessage;
use crate::app::ports::{Chat, ChatError, Clock};

/// The `Chat` port on the terminal: prints each message once, with the local time it arrives.
pub struct ConsoleChat {
    out: Mutex<Box<dyn Write + Send>>,
    seen: Mutex<HashSet<String>>,
    clock: Arc<dyn Clock>,
    tz: Tz,
    delivered: Mutex<Vec<Delivered>>,
    pictures: Option<std::path::PathBuf>,
}

/// A message the console printed: when, as what text, and the message itself.
#[derive(Debug, Clone)]
pub struct Delivered {
    /// The clock's time when it was printed.
    pub at: chrono::DateTime<chrono::Utc>,
    /// The text as printed, without the heading line.
    pub text: String,
    /// The message as the engine sent it.
    pub message: OutboundMessage,
}

impl ConsoleChat {
    /// Writes to `out`, stamping each message with `clock`'s time as shown in `tz`.
    pub fn new(out: Box<dyn Write + Send>, clock: Arc<dyn Clock>, tz: Tz) -> Self {
        Self {
            out: Mutex::new(out),
            seen: Mutex::new(HashSet::new()),
            clock,
            tz,
            delivered: Mutex::new(Vec::new()),
            pictures: None,
        }
    }

    /// Writes the pictures messages carry into `dir` (beside the database), one file per
    /// message and recipient; without it they are only named in the transcript. The
    /// transcript names the file, not the folder, so it reads the same on every machine.
    pub fn with_pictures(mut self, dir: std::path::PathBuf) -> Self {
        self.pictures = Some(dir);
        self
    }

    /// Writes a message's picture, if it has one, and returns the transcript line naming it.
    fn picture_line(&self, message: &OutboundMessage, ctx: &RenderContext) -> Option<String> {
        let picture = pictures::of_message(&message.body, ctx)?;
        let stem = picture.file_name.trim_end_matches(".png");
        let name = format!("{stem}-{}.png", message.to.person);
        let saved = match &self.pictures {
            Some(dir) => match std::fs::create_dir_all(dir)
                .and_then(|()| std::fs::write(dir.join(&name), &picture.picture.png))
            {
                Ok(()) => name,
                Err(e) => {
                    tracing::warn!(%e, file = %name, "could not write a picture");
                    format!("{name} (niet geschreven / not written: {e})")
                }
            },
            None => name,
        };
        Some(format!(
            "🖼 {saved} ({}×{}): {}",
            picture.picture.width, picture.picture.height, picture.alt
        ))
    }

    /// Messages delivered since the last call, so a scenario can answer them.
    pub fn take_delivered(&self) -> Vec<Delivered> {
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
        // As on the real platforms: nobody to write to is nobody reached.
        if message.to.address.is_none() {
            return Err(ChatError::Unreachable("geen adres / no address".into()));
        }
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
        let now = self.clock.now();
        let when = render::local_time(now, &ctx);
        let mut text = render::message(&message.body, &ctx);
        if let Some(line) = self.picture_line(message, &ctx) {
            text = format!("{text}\n{line}");
        }
        self.delivered
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Delivered {
                at: now,
                text: text.clone(),
                message: message.clone(),
            });
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let indented = text.replace('\n', "\n      ");
        writeln!(
            out,
            "[{when}] → {} ({}):\n      {indented}",
            message.to.name,
            shown_address(message)
        )
        .map_err(|e| ChatError::Transient(e.to_string()))
    }
}

/// Who a line goes to: the person's id, or for a team channel or the admin contact the address
/// itself (`#zorg` from `console:#zorg`), since the person is then only the recipient of record.
fn shown_address(message: &OutboundMessage) -> String {
    match (
        &message.to.address,
        message.to.team_channel || message.to.admin_contact,
    ) {
        (Some(address), true) => address
            .strip_prefix("console:")
            .unwrap_or(address)
            .to_string(),
        _ => message.to.person.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::messages::{Message, Recipient};
    use crate::app::ports::VirtualClock;
    use crate::domain::language::Language;
    use crate::domain::roster::PersonId;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn to(address: &str, team_channel: bool, name: &str) -> Recipient {
        Recipient {
            person: PersonId::parse("anna").unwrap(),
            name: name.into(),
            address: Some(address.into()),
            language: Language::Nl,
            team_channel,
            admin_contact: false,
        }
    }

    #[tokio::test]
    async fn team_channel_lines_show_the_channel_and_dms_the_person() {
        let buf = Buf::default();
        let clock: Arc<dyn Clock> = Arc::new(VirtualClock::new(
            chrono::DateTime::parse_from_rfc3339("2026-11-23T09:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        let chat = ConsoleChat::new(Box::new(buf.clone()), clock, chrono_tz::Europe::Amsterdam);
        let body = Message::IntervisieCall {
            team: "Team Zorg & Welzijn".into(),
        };
        for (key, to) in [
            ("a", to("console:#zorg", true, "Team Zorg & Welzijn")),
            ("b", to("console:anna", false, "Anna")),
        ] {
            let m = OutboundMessage {
                key: key.into(),
                to,
                body: body.clone(),
            };
            chat.send(&m).await.unwrap();
        }
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("→ Team Zorg & Welzijn (#zorg):"), "{text}");
        assert!(!text.contains("Welzijn (anna)"), "{text}");
        assert!(text.contains("→ Anna (anna):"), "{text}");
    }
}
