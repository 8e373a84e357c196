//! The `Chat` port on Matrix: one DM room per person (found or created once, remembered in
//! the store and in `m.direct`), at the homeserver's pace (`pace`),
//! the team room and its `m.thread` for intervisie. Every send uses the outbox key as the
//! transaction id, so a resend after a crash is the same event on the homeserver. Sends go
//! through matrix-sdk's room API, which encrypts them in encrypted rooms.

use crate::chat::answer::Attachment;
use crate::chat::pictures;
use async_trait::async_trait;
use chrono_tz::Tz;
use matrix_sdk::attachment::{AttachmentConfig, AttachmentInfo, BaseImageInfo};
use matrix_sdk::ruma::UInt;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::api::error::{ErrorKind, RetryAfter};
use matrix_sdk::ruma::events::InitialStateEvent;
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::message::TextMessageEventContent;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId, RoomId};
use matrix_sdk::{Client, Room, RoomState};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

use super::dm;
use super::pace::{Action, DEFAULT_WAIT, PaceStats, Pacer};
use super::wire::{Meta, Place, parse_address, text_content, thread_address, thread_root};
use crate::app::messages::{Message, OutboundMessage};
use crate::app::ports::{Chat, ChatError, Clock};
use crate::chat::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::domain::intervisie::Phase;
use crate::domain::language::Text;
use crate::store::Store;

/// Matrix has no hard limit like Discord's; the same budget keeps messages readable.
const MAX_CHARS: usize = DEFAULT_MAX_CHARS;

/// The `Chat` port on Matrix, over a logged-in matrix-sdk client.
pub struct MatrixChat {
    client: Client,
    store: Store,
    clock: Arc<dyn Clock>,
    tz: Tz,
    pacer: Pacer,
    dms: dm::Directory,
    dm_lock: tokio::sync::Mutex<()>,
    encrypt_dms: bool,
}

impl MatrixChat {
    /// Sends as `client`'s user, remembers DM rooms in `store` and shows times in `tz`. DM rooms
    /// it creates are encrypted unless `with_encrypted_dms(false)`.
    pub fn new(client: Client, store: Store, clock: Arc<dyn Clock>, tz: Tz) -> Self {
        Self {
            client,
            store,
            clock,
            tz,
            pacer: Pacer::default(),
            dms: dm::Directory::default(),
            dm_lock: tokio::sync::Mutex::new(()),
            encrypt_dms: true,
        }
    }

    /// Whether the DM rooms the bot creates are end-to-end encrypted (default: yes).
    pub fn with_encrypted_dms(mut self, encrypt: bool) -> Self {
        self.encrypt_dms = encrypt;
        self
    }

    /// The logged-in client, for the sync loop, invitations and tests.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The person's DM room with the bot: the one remembered, else one the homeserver knows
    /// (the bot's `m.direct`, or a room of just the bot and the person, e.g. one the bot made
    /// just before a crash), else a new one. Never a second room for the same person.
    pub async fn dm_room(&self, address: &str, user: &str) -> Result<OwnedRoomId, ChatError> {
        if let Some(room) = self.remembered_dm(address).await? {
            return Ok(room);
        }
        let user: OwnedUserId = user.try_into().map_err(|_| {
            ChatError::Unreachable(format!(
                "geen geldige Matrix-gebruiker / not a Matrix user: {user}"
            ))
        })?;
        // One lookup or creation at a time: two at once could each make a room.
        let _one = self.dm_lock.lock().await;
        if let Some(room) = self.remembered_dm(address).await? {
            return Ok(room);
        }
        let room = match self.dms.existing(&self.client, &self.store, &user).await? {
            Some(room) => room,
            None => self.create_dm(address, &user).await?,
        };
        self.remember_dm(address, &user, &room).await?;
        Ok(room)
    }

    /// A DM room a person opened with the bot (they invited it, `is_direct`) becomes their DM.
    pub async fn adopt_dm(
        &self,
        address: &str,
        user: &str,
        room: &RoomId,
    ) -> Result<(), ChatError> {
        let user: OwnedUserId = user
            .try_into()
            .map_err(|_| ChatError::Unreachable(format!("not a Matrix user: {user}")))?;
        let _one = self.dm_lock.lock().await;
        self.remember_dm(address, &user, room).await
    }

    async fn remembered_dm(&self, address: &str) -> Result<Option<OwnedRoomId>, ChatError> {
        match self
            .store
            .chat_state(&dm_key(address))
            .await
            .map_err(transient)?
        {
            Some(room) => RoomId::parse(room)
                .map(Some)
                .map_err(|e| ChatError::Transient(e.to_string())),
            None => Ok(None),
        }
    }

    /// Creates the DM room, at the homeserver's pace.
    async fn create_dm(&self, address: &str, user: &OwnedUserId) -> Result<OwnedRoomId, ChatError> {
        let lane = Action::CreateRoom;
        // Synapse counts a room creation as a message too.
        if let Some(wait) = self.pacer.closed(Action::Message, Instant::now()) {
            return Err(lane.limited(wait));
        }
        self.pacer
            .admit(lane, address, Instant::now())
            .map_err(|wait| lane.limited(wait))?;
        let mut request = create_room::v3::Request::new();
        request.invite = vec![user.clone()];
        request.is_direct = true;
        request.preset = Some(create_room::v3::RoomPreset::TrustedPrivateChat);
        request.name = Some("Wandelgang".into());
        if self.encrypt_dms {
            request.initial_state = vec![
                InitialStateEvent::with_empty_state_key(
                    RoomEncryptionEventContent::with_recommended_defaults(),
                )
                .to_raw_any(),
            ];
        }
        match self.client.send(request).await.map_err(classify) {
            Ok(created) => {
                self.pacer.done(lane, address, Instant::now());
                // Known at once: should the process die before the room is recorded, the
                // next lookup finds it here or in m.direct.
                self.dms.learn(user, &created.room_id);
                Ok(created.room_id)
            }
            Err(ChatError::Limited { retry_after, .. }) => {
                let wait = self
                    .pacer
                    .refused(lane, address, Some(retry_after), Instant::now());
                Err(lane.limited(wait))
            }
            Err(e) => {
                // The room may exist even so (an answer lost on the way): look it up again.
                self.dms.forget_index();
                Err(e)
            }
        }
    }

    /// Records the room as the person's DM: in `m.direct` first (the homeserver outlives a
    /// crash of this process), then in the store.
    async fn remember_dm(
        &self,
        address: &str,
        user: &OwnedUserId,
        room: &RoomId,
    ) -> Result<(), ChatError> {
        if let Err(e) = dm::add_to_m_direct(&self.client, user, room).await {
            tracing::warn!(%e, %room, "could not record the DM room in m.direct");
        }
        self.dms.learn(user, room);
        self.store
            .set_chat_state(&dm_key(address), room.as_str(), self.clock.now())
            .await
            .map_err(transient)
    }

    /// How often the homeserver's limits held back requests of a kind (for tests and logs).
    pub fn pace_stats(&self, action: Action) -> PaceStats {
        self.pacer.stats(action)
    }

    /// A send at the homeserver's pace for messages.
    pub async fn paced_send(
        &self,
        room: &RoomId,
        txn: &str,
        content: &Value,
    ) -> Result<OwnedEventId, ChatError> {
        let lane = Action::Message;
        self.pacer
            .admit(lane, txn, Instant::now())
            .map_err(|wait| lane.limited(wait))?;
        match self.send_content(room, txn, content).await {
            Ok(event) => {
                self.pacer.done(lane, txn, Instant::now());
                Ok(event)
            }
            Err(ChatError::Limited { retry_after, .. }) => {
                Err(lane.limited(
                    self.pacer
                        .refused(lane, txn, Some(retry_after), Instant::now()),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Sends content with a transaction id; the same id gives the same event (also when the
    /// room is encrypted: the homeserver dedups on the id, not on the ciphertext).
    pub async fn send_content(
        &self,
        room: &RoomId,
        txn: &str,
        content: &Value,
    ) -> Result<OwnedEventId, ChatError> {
        let room = self.joined_room(room).await?;
        let txn = OwnedTransactionId::from(txn);
        let sent = room
            .send_raw("m.room.message", content)
            .with_transaction_id(&txn)
            .await
            .map_err(classify_sdk)?;
        Ok(sent.response.event_id)
    }

    /// Sends a file at the message pace: a picture as `m.image` with its size in `info` and its
    /// text alternative as the body, anything else as `m.file`. In an encrypted room the SDK
    /// encrypts it before the upload, so a person's export never lies readable in the
    /// homeserver's media store.
    pub async fn send_file(
        &self,
        room: &RoomId,
        txn: &str,
        file: &Attachment,
    ) -> Result<OwnedEventId, ChatError> {
        let lane = Action::Message;
        self.pacer
            .admit(lane, txn, Instant::now())
            .map_err(|wait| lane.limited(wait))?;
        let room = self.joined_room(room).await?;
        let mut config = AttachmentConfig::new()
            .txn_id(OwnedTransactionId::from(txn))
            .mentions(Some(Mentions::new()));
        let mime = match file.image {
            Some((w, h)) => {
                config = config
                    .info(AttachmentInfo::Image(BaseImageInfo {
                        width: Some(UInt::from(w)),
                        height: Some(UInt::from(h)),
                        size: UInt::new(file.bytes.len() as u64),
                        blurhash: None,
                        is_animated: Some(false),
                    }))
                    .caption(Some(TextMessageEventContent::plain(&file.description)));
                mime::IMAGE_PNG
            }
            None => mime::APPLICATION_JSON,
        };
        match room
            .send_attachment(&file.name, &mime, file.bytes.clone(), config)
            .await
            .map_err(classify_sdk)
        {
            Ok(sent) => {
                self.pacer.done(lane, txn, Instant::now());
                Ok(sent.event_id)
            }
            Err(ChatError::Limited { retry_after, .. }) => {
                Err(lane.limited(
                    self.pacer
                        .refused(lane, txn, Some(retry_after), Instant::now()),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// The room as matrix-sdk knows it. A room the client has not synced yet (just created, or
    /// after a fresh store) is made known by joining it: for a room the bot is in, a no-op.
    async fn joined_room(&self, room: &RoomId) -> Result<Room, ChatError> {
        if let Some(known) = self.client.get_room(room)
            && known.state() == RoomState::Joined
        {
            return Ok(known);
        }
        self.client
            .join_room_by_id(room)
            .await
            .map_err(classify_sdk)
    }

    fn render(&self, message: &OutboundMessage) -> String {
        outbound_text(message, self.tz)
    }
}

/// What to do on Matrix (react, reply), where Discord has buttons.
fn how_to_answer(body: &Message) -> Option<Text> {
    match body {
        Message::Prompt { students, .. } if students.len() == 1 => Some(Text::new(
            "Reageer met 👍 goed, 🤔 twijfel of 👎 geen klik; antwoord op dit bericht met je reflectie.",
            "React with 👍 good, 🤔 doubt or 👎 no klik; reply to this message with your reflection.",
        )),
        Message::Prompt { .. } => Some(Text::new(
            "Antwoord op dit bericht met je reflectie; de klik per student staat hieronder.",
            "Reply to this message with your reflection; the klik per student follows below.",
        )),
        Message::Escalation(_) | Message::EscalationReminder { .. } => Some(Text::new(
            "Reageer met ✋ (ik pak het op), ✅ (opgelost) of 🔁 (overplaatsing).",
            "React with ✋ (I'm on it), ✅ (resolved) or 🔁 (move the student).",
        )),
        _ => None,
    }
}

/// The message text on Matrix: the rendered message within the limit that is left once the
/// line saying how to answer is in, so that line is never cut.
pub(crate) fn outbound_text(message: &OutboundMessage, tz: Tz) -> String {
    let how = how_to_answer(&message.body);
    let how = how.as_ref().map(|t| t.get(message.to.language));
    let ctx = RenderContext {
        language: message.to.language,
        tz,
        max_chars: MAX_CHARS - how.map_or(0, |h| render::char_count(h) + 1),
    };
    let text = render::message(&message.body, &ctx);
    match how {
        Some(how) => format!("{text}\n{how}"),
        None => text,
    }
}

#[async_trait]
impl Chat for MatrixChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        let address = message.to.address.as_deref().unwrap_or_default();
        let place = parse_address(address).ok_or_else(|| {
            ChatError::Unreachable("geen Matrix-adres / no Matrix address".into())
        })?;
        let room = match &place {
            Place::User(user) => self.dm_room(address, user).await?,
            Place::Room(room) => {
                RoomId::parse(room).map_err(|e| ChatError::Unreachable(e.to_string()))?
            }
        };
        let root = match (&place, message.body.intervisie_thread()) {
            (Place::Room(_), Some(thread)) => self
                .store
                .chat_thread(thread)
                .await
                .map_err(transient)?
                .as_deref()
                .and_then(thread_root)
                .map(String::from),
            _ => None,
        };
        let meta = match &message.body {
            Message::Prompt { students, .. } => Some(Meta::Prompt {
                key: message.key.clone(),
                student: (students.len() == 1).then(|| students[0].id.to_string()),
            }),
            Message::Escalation(s) => Some(Meta::Escalation {
                id: s.escalation_id,
            }),
            Message::EscalationReminder { escalation_id, .. } => {
                Some(Meta::Escalation { id: *escalation_id })
            }
            _ => None,
        };
        let content = text_content(&self.render(message), meta.as_ref(), root.as_deref());
        let event = self.paced_send(&room, &message.key, &content).await?;
        // A picture follows its text as an `m.image` of its own, under a key of its own.
        let ctx = RenderContext {
            language: message.to.language,
            tz: self.tz,
            max_chars: MAX_CHARS,
        };
        if let Some(picture) = pictures::of_message(&message.body, &ctx) {
            self.send_file(
                &room,
                &format!("{}:beeld", message.key),
                &Attachment::picture(picture),
            )
            .await?;
        }
        // With several students, each gets a line of its own to react to.
        if let Message::Prompt { students, .. } = &message.body
            && students.len() > 1
        {
            let nl = message.to.language == crate::domain::language::Language::Nl;
            for s in students {
                let line = if nl {
                    format!(
                        "Klik met {}? 👍 goed · 🤔 twijfel · 👎 geen klik",
                        render::defuse_mentions(&s.name)
                    )
                } else {
                    format!(
                        "Klik with {}? 👍 good · 🤔 doubt · 👎 no klik",
                        render::defuse_mentions(&s.name)
                    )
                };
                let meta = Meta::KlikLine {
                    key: message.key.clone(),
                    student: s.id.to_string(),
                };
                self.paced_send(
                    &room,
                    &format!("{}:{}", message.key, s.id),
                    &text_content(&line, Some(&meta), None),
                )
                .await?;
            }
        }
        if let (
            Place::Room(_),
            Message::IntervisiePhase {
                thread,
                phase: Phase::Inbreng,
                ..
            },
        ) = (&place, &message.body)
        {
            self.store
                .set_chat_thread(*thread, &thread_address(event.as_str()))
                .await
                .map_err(transient)?;
        }
        Ok(())
    }
}

/// The same for the SDK's higher-level calls (e.g. the Room API).
pub fn classify_sdk(e: matrix_sdk::Error) -> ChatError {
    match e {
        matrix_sdk::Error::Http(e) => classify(*e),
        other => ChatError::Transient(other.to_string()),
    }
}

/// How long a 429 asks to wait (`retry_after_ms`, or `Retry-After`); `None` when it is no 429.
fn rate_limit(kind: Option<&ErrorKind>, status: u16) -> Option<std::time::Duration> {
    match kind {
        Some(ErrorKind::LimitExceeded(data)) => Some(match data.retry_after {
            Some(RetryAfter::Delay(d)) => d,
            Some(RetryAfter::DateTime(at)) => at
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default(),
            None => DEFAULT_WAIT,
        }),
        _ if status == 429 => Some(DEFAULT_WAIT),
        _ => None,
    }
}

fn transient(e: impl std::fmt::Display) -> ChatError {
    ChatError::Transient(e.to_string())
}

fn dm_key(address: &str) -> String {
    format!("dm:{address}")
}

/// Forbidden or unknown rooms and users are not retried; a rate limit says how long to wait;
/// everything else may pass.
pub fn classify(e: matrix_sdk::HttpError) -> ChatError {
    if let Some(api) = e.as_client_api_error() {
        let status = api.status_code.as_u16();
        if let Some(retry_after) = rate_limit(api.error_kind(), status) {
            return ChatError::Limited {
                why: format!("Matrix {status}: {e}"),
                retry_after,
            };
        }
        if matches!(status, 403 | 404) {
            return ChatError::Unreachable(format!("Matrix {status}: {e}"));
        }
        return ChatError::Transient(format!("Matrix {status}: {e}"));
    }
    ChatError::Transient(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::messages::{EscalationSummary, Recipient, SharedReflection};
    use crate::domain::language::{Language, assert_only};
    use crate::domain::roster::PersonId;
    use chrono::{NaiveDate, TimeZone, Utc};

    fn escalation(language: Language, reflections: usize) -> OutboundMessage {
        let at = |day: u32| Utc.with_ymd_and_hms(2026, 10, day, 9, 0, 0).unwrap();
        OutboundMessage {
            key: "escalatie:1".into(),
            to: Recipient {
                person: PersonId::from_trusted("so"),
                name: "Eva".into(),
                address: Some("matrix:@so:x".into()),
                language,
                team_channel: false,
                admin_contact: false,
            },
            body: Message::Escalation(EscalationSummary {
                escalation_id: 1,
                school: "Lyceum".into(),
                wpb: "Anna".into(),
                student: "Bram".into(),
                pairing_start: NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                since: at(5),
                triggers: vec![],
                timeline: vec![],
                shared_reflections: (0..reflections)
                    .map(|i| SharedReflection {
                        at: at(1 + (i % 28) as u32),
                        text: format!("r{i} {}", "x".repeat(270)),
                    })
                    .collect(),
            }),
        }
    }

    /// The reaction line is Matrix's action line: it stays, within the same 2,000 characters.
    #[test]
    fn a_long_escalation_keeps_the_reaction_line_on_matrix() {
        for language in [Language::Nl, Language::En] {
            let how = how_to_answer(&escalation(language, 0).body).unwrap();
            let how = how.get(language);
            for reflections in [0, 3, 40] {
                let text = outbound_text(
                    &escalation(language, reflections),
                    chrono_tz::Europe::Amsterdam,
                );
                assert!(
                    render::char_count(&text) <= DEFAULT_MAX_CHARS,
                    "{reflections}"
                );
                assert!(text.ends_with(how), "{text}");
                assert!(
                    text.contains(match language {
                        Language::Nl => "\nActies: ",
                        Language::En => "\nActions: ",
                    }),
                    "{text}"
                );
                assert_only(language, how);
            }
        }
    }
}
