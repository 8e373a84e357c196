//! The ports the use-cases speak to. The store is the one SQL implementation in
//! `crate::store` (sqlx's Any driver serves SQLite and PostgreSQL alike), so it needs no trait.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use super::engine::Engine;
use super::inbox::{Handled, Refusal, Sender};
use super::messages::OutboundMessage;
use crate::domain::addressing::Wanted;
use crate::domain::language::Language;
use crate::domain::roster::PersonId;
use crate::store::StoreError;
use chrono_tz::Tz;

/// Outbound side of a chat platform. `send` must be idempotent per `message.key`: the key is
/// the platform's idempotency key (Discord nonce with `enforce_nonce`, Matrix transaction id),
/// so a resend after a crash between "sent" and "recorded" shows up once.
#[async_trait]
pub trait Chat: Send + Sync {
    /// Delivers one message; the error says whether and when it is worth trying again.
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError>;
}

/// Why a message was not delivered, which decides whether and when it is tried again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The person cannot be reached this way (e.g. Discord 403/50007, DMs closed). Not retried.
    #[error("ontvanger niet bereikbaar / recipient unreachable: {0}")]
    Unreachable(String),
    /// A passing failure (network, 5xx, rate limit): retried later.
    #[error("tijdelijke fout / transient failure: {0}")]
    Transient(String),
    /// The platform's rate limit (or the adapter keeping to it): nothing went wrong, the
    /// message waits its turn. Tried again no earlier than `retry_after`; not a failed attempt.
    #[error("snelheidslimiet / rate limit: {why}; {}s wachten / wait", retry_after.as_secs())]
    Limited {
        /// What limited it, for the log.
        why: String,
        /// How long to wait before trying again.
        retry_after: std::time::Duration,
    },
}

/// A transport for commands that never send (the local `export`, `forget` and `retention`).
pub struct OfflineChat;

#[async_trait]
impl Chat for OfflineChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        Err(ChatError::Transient(format!(
            "geen chatverbinding / no chat transport for {}",
            message.key
        )))
    }
}

/// The time source; a virtual clock drives `demo`, `simulate` and the tests.
pub trait Clock: Send + Sync {
    /// The current instant; every deadline and local date is derived from it.
    fn now(&self) -> DateTime<Utc>;
}

/// A clock shared between the engine and the platform adapter.
impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

/// The wall clock, for the running bot and the local commands.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that moves only when told, so `demo`, `simulate` and tests play weeks in seconds;
/// clones share one time.
#[derive(Clone)]
pub struct VirtualClock(Arc<Mutex<DateTime<Utc>>>);

impl VirtualClock {
    /// A clock standing at `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// Puts the clock at `t`, backwards too.
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *t += by;
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub use super::inbox::Inbound;

/// Inbound side of a chat platform: all a chat adapter asks of the core. `Engine` implements
/// it; the one answering path (`chat::answer`) speaks only to this port.
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Handles one event (see `Engine::handle`).
    async fn handle(&self, event: Inbound) -> Handled;
    /// The person `named` stands for in the sender's school (see `Engine::named_person`).
    async fn named_person(
        &self,
        from: &Sender,
        named: &str,
        address: Option<&str>,
        wanted: Wanted,
    ) -> Result<PersonId, Refusal>;
    /// The language of the person at a chat address, when the roster knows them.
    async fn language_at(&self, address: &str) -> Option<Language>;
    /// Whether a chat address is the place of an intervisie thread.
    async fn is_thread(&self, address: &str) -> Result<bool, StoreError>;
    /// The deployment's default language and time zone, for people the roster does not know.
    fn defaults(&self) -> (Language, Tz);
}

#[async_trait]
impl<C: Chat, K: Clock> Inbox for Engine<C, K> {
    async fn handle(&self, event: Inbound) -> Handled {
        Engine::handle(self, event).await
    }

    async fn named_person(
        &self,
        from: &Sender,
        named: &str,
        address: Option<&str>,
        wanted: Wanted,
    ) -> Result<PersonId, Refusal> {
        Engine::named_person(self, from, named, address, wanted).await
    }

    async fn language_at(&self, address: &str) -> Option<Language> {
        match self.store.person_by_chat(address).await {
            Ok(Some(p)) => Some(self.recipient(&p).language),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(%e, "could not look up a person's language");
                None
            }
        }
    }

    async fn is_thread(&self, address: &str) -> Result<bool, StoreError> {
        Ok(self.store.thread_at_chat_address(address).await?.is_some())
    }

    fn defaults(&self) -> (Language, Tz) {
        (
            self.config.defaults.language,
            self.config.defaults.calendar.tz,
        )
    }
}
