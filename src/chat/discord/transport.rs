//! The `Chat` port on Discord: DMs for people, the team channel and its intervisie threads for
//! teams. Every request waits for the pacer; every message carries its key as an enforced nonce.

use async_trait::async_trait;
use chrono_tz::Tz;
use serenity::all::{
    AutoArchiveDuration, ChannelId, ChannelType, CreateAttachment, CreateThread, Http, HttpError,
    MessageId,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::outbound::{create_message, message_with_file};
use super::pacer::Pacer;
use super::wire::{Place, channel_address, parse_address};
use crate::app::messages::{Message, OutboundMessage};
use crate::app::ports::{Chat, ChatError};
use crate::chat::pictures;
use crate::chat::render::{DEFAULT_MAX_CHARS, RenderContext};
use crate::domain::intervisie::Phase;
use crate::store::Store;

/// Discord's JSON error codes the bot acts on.
const CANNOT_MESSAGE_USER: isize = 50007;
const UNKNOWN_CHANNEL: isize = 10003;
const UNKNOWN_USER: isize = 10013;
const THREAD_ALREADY_CREATED: isize = 160004;

/// The `Chat` port over Discord's REST API, every request paced below the global rate limit.
pub struct DiscordChat {
    http: Arc<Http>,
    store: Store,
    pacer: Arc<Pacer>,
    tz: Tz,
    /// DM channel per user; Discord returns the same channel every time, so losing this on a
    /// restart costs one request per person, nothing more.
    dm_channels: Mutex<HashMap<u64, ChannelId>>,
}

impl DiscordChat {
    /// Sends through `http` at `pacer`'s pace, records intervisie threads in `store` and shows
    /// times in `tz`.
    pub fn new(http: Arc<Http>, store: Store, pacer: Arc<Pacer>, tz: Tz) -> Self {
        Self {
            http,
            store,
            pacer,
            tz,
            dm_channels: Mutex::new(HashMap::new()),
        }
    }

    /// The REST client, for answers the handlers send outside the outbox.
    pub fn http(&self) -> &Arc<Http> {
        &self.http
    }

    /// The shared pacer, so requests made outside the port wait their turn too.
    pub fn pacer(&self) -> &Arc<Pacer> {
        &self.pacer
    }

    /// The DM channel with a user: cached, else opened once per process (a paced request).
    pub async fn dm_channel(&self, user: u64) -> Result<ChannelId, ChatError> {
        if let Some(c) = self.cached_dm(user) {
            return Ok(c);
        }
        self.pacer.wait().await;
        let channel = self
            .http
            .create_private_channel(&serde_json::json!({ "recipient_id": user.to_string() }))
            .await
            .map_err(classify)?;
        self.dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user, channel.id);
        Ok(channel.id)
    }

    fn cached_dm(&self, user: u64) -> Option<ChannelId> {
        self.dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user)
            .copied()
    }

    /// Where a team message goes: the intervisie thread it belongs to once that exists, else
    /// the team channel itself.
    async fn team_place(&self, body: &Message, team_channel: u64) -> Result<ChannelId, ChatError> {
        if let Some(thread) = body.intervisie_thread() {
            let stored = self
                .store
                .chat_thread(thread)
                .await
                .map_err(|e| ChatError::Transient(e.to_string()))?;
            if let Some(Place::Channel(c)) = stored.as_deref().and_then(parse_address) {
                return Ok(ChannelId::new(c));
            }
        }
        Ok(ChannelId::new(team_channel))
    }

    /// The Inbreng announcement becomes the start of a thread. A thread started from a message
    /// has the message's id, so doing this twice after a crash finds the same thread.
    async fn open_thread(
        &self,
        channel: ChannelId,
        message: MessageId,
        thread: i64,
        name: String,
    ) -> Result<(), ChatError> {
        self.pacer.wait().await;
        let created = channel
            .create_thread_from_message(
                &self.http,
                message,
                CreateThread::new(name)
                    .kind(ChannelType::PublicThread)
                    .auto_archive_duration(AutoArchiveDuration::OneWeek),
            )
            .await;
        match created {
            Ok(_) => {}
            Err(e) if json_code(&e) == Some(THREAD_ALREADY_CREATED) => {}
            Err(e) => return Err(classify(e)),
        }
        self.store
            .set_chat_thread(thread, &channel_address(message.get()))
            .await
            .map_err(|e| ChatError::Transient(e.to_string()))
    }
}

#[async_trait]
impl Chat for DiscordChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        let place = message
            .to
            .address
            .as_deref()
            .and_then(parse_address)
            .ok_or_else(|| {
                ChatError::Unreachable("geen Discord-adres / no Discord address".into())
            })?;
        let channel = match place {
            Place::User(user) => self.dm_channel(user).await?,
            Place::Channel(c) => self.team_place(&message.body, c).await?,
        };
        let ctx = RenderContext {
            language: message.to.language,
            tz: self.tz,
            max_chars: DEFAULT_MAX_CHARS,
        };
        self.pacer.wait().await;
        let sent = match pictures::of_message(&message.body, &ctx) {
            // One message with the picture attached, its text alternative as the description.
            Some(picture) => {
                let body = message_with_file(message, &ctx, &picture.file_name, &picture.alt);
                let file = CreateAttachment::bytes(picture.picture.png, picture.file_name);
                self.http.send_message(channel, vec![file], &body).await
            }
            None => {
                channel
                    .send_message(&self.http, create_message(message, &ctx))
                    .await
            }
        }
        .map_err(classify)?;
        if let (
            Place::Channel(_),
            Message::IntervisiePhase {
                thread,
                phase: Phase::Inbreng,
                owner,
                ..
            },
        ) = (place, &message.body)
        {
            self.open_thread(
                channel,
                sent.id,
                *thread,
                format!("Intervisie #{thread} · {owner}"),
            )
            .await?;
        }
        Ok(())
    }
}

fn json_code(e: &serenity::Error) -> Option<isize> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => Some(r.error.code),
        _ => None,
    }
}

/// Closed DMs, a deleted channel or user: not retried. Everything else may pass.
pub fn classify(e: serenity::Error) -> ChatError {
    if let serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) = &e {
        let status = r.status_code.as_u16();
        let code = r.error.code;
        if status == 403 || matches!(code, CANNOT_MESSAGE_USER | UNKNOWN_CHANNEL | UNKNOWN_USER) {
            return ChatError::Unreachable(format!("Discord {status}/{code}: {}", r.error.message));
        }
        if !(status == 429 || status >= 500) {
            // A request Discord refuses as malformed is our bug: log it loudly; the outbox
            // retries a few times and then records the failure.
            tracing::error!(status, code, message = %r.error.message, url = %r.url, "Discord refused a request");
        }
        return ChatError::Transient(format!("Discord {status}/{code}: {}", r.error.message));
    }
    ChatError::Transient(e.to_string())
}
