//! The ports the use-cases speak to. The store is the one SQL implementation in
//! `crate::store` (sqlx's Any driver serves SQLite and PostgreSQL alike), so it needs no trait.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

use super::messages::OutboundMessage;

/// Outbound side of a chat platform. `send` must be idempotent per `message.key`: the key is
/// the platform's idempotency key (Discord nonce with `enforce_nonce`, Matrix transaction id),
/// so a resend after a crash between "sent" and "recorded" shows up once.
#[async_trait]
pub trait Chat: Send + Sync {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError>;
}

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
        why: String,
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
    fn now(&self) -> DateTime<Utc>;
}

/// A clock shared between the engine and the platform adapter.
impl<T: Clock + ?Sized> Clock for Arc<T> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct VirtualClock(Arc<Mutex<DateTime<Utc>>>);

impl VirtualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }

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
