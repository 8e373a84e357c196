//! A transport that records what it is asked to send, for tests and benchmarks only (built with
//! the `testing` feature). Like Discord's nonce and Matrix's transaction id it delivers each key
//! once; it can fail or hang on demand.

use async_trait::async_trait;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::app::messages::OutboundMessage;
use crate::app::ports::{Chat, ChatError};

/// Where a send stops forever, to simulate a process killed mid-tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hang {
    /// Before the platform has the message.
    BeforeDelivery,
    /// After the platform has it, before the engine hears back.
    AfterDelivery,
}

#[derive(Default)]
struct Inner {
    delivered: Vec<OutboundMessage>,
    keys: HashSet<String>,
    attempts: usize,
    attempts_per_key: HashMap<String, usize>,
    resent_otherwise: Vec<String>,
    hang_at: Option<(usize, Hang)>,
    failures: HashMap<String, ChatError>,
    fail_next: Vec<ChatError>,
    on_attempt: Option<(usize, Callback)>,
}

/// Something a test runs at a given send, such as a stop signal arriving mid-batch.
type Callback = Arc<dyn Fn() + Send + Sync>;

/// The recording transport; clones share one record.
#[derive(Clone, Default)]
pub struct RecordingChat(Arc<Mutex<Inner>>);

impl RecordingChat {
    /// A transport with nothing recorded yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The (n+1)-th send attempt from now on never returns.
    pub fn hang_at_attempt(&self, n: usize, hang: Hang) {
        let mut inner = self.inner();
        inner.hang_at = Some((inner.attempts + n, hang));
    }

    /// Runs `f` during the (n+1)-th send attempt from now on, once that message is delivered.
    pub fn on_attempt(&self, n: usize, f: impl Fn() + Send + Sync + 'static) {
        let mut inner = self.inner();
        inner.on_attempt = Some((inner.attempts + n, Arc::new(f)));
    }

    /// Every send to this platform address fails with `error`.
    pub fn fail_address(&self, address: &str, error: ChatError) {
        self.inner().failures.insert(address.to_string(), error);
    }

    /// The next sends fail with these errors, in order.
    pub fn fail_next(&self, errors: Vec<ChatError>) {
        let mut inner = self.inner();
        inner.fail_next = errors.into_iter().rev().collect();
    }

    /// What reached the platform, each key once, in order.
    pub fn delivered(&self) -> Vec<OutboundMessage> {
        self.inner().delivered.clone()
    }

    /// How many sends were attempted, failed and hung ones included.
    pub fn attempts(&self) -> usize {
        self.inner().attempts
    }

    /// How often each key was handed to the platform, duplicates included.
    pub fn attempts_per_key(&self) -> HashMap<String, usize> {
        self.inner().attempts_per_key.clone()
    }

    /// Keys resent with another body than the one delivered under them: the platform keeps
    /// the first, so what the bot records of the second (a prompt, say) would be wrong.
    pub fn resent_otherwise(&self) -> Vec<String> {
        self.inner().resent_otherwise.clone()
    }

    /// Forgets what was delivered; the keys seen stay, so a resend is still not delivered twice.
    pub fn clear(&self) {
        let mut inner = self.inner();
        inner.delivered.clear();
    }
}

#[async_trait]
impl Chat for RecordingChat {
    async fn send(&self, message: &OutboundMessage) -> Result<(), ChatError> {
        let (hang, callback) = {
            let mut inner = self.inner();
            let attempt = inner.attempts;
            inner.attempts += 1;
            *inner
                .attempts_per_key
                .entry(message.key.clone())
                .or_default() += 1;
            if let Some(e) = inner.fail_next.pop() {
                return Err(e);
            }
            if let Some(e) = message
                .to
                .address
                .as_ref()
                .and_then(|a| inner.failures.get(a))
            {
                return Err(e.clone());
            }
            let hang = match inner.hang_at {
                Some((n, h)) if n == attempt => Some(h),
                _ => None,
            };
            if hang != Some(Hang::BeforeDelivery) && inner.keys.insert(message.key.clone()) {
                inner.delivered.push(message.clone());
            } else if inner
                .delivered
                .iter()
                .any(|d| d.key == message.key && d.body != message.body)
            {
                inner.resent_otherwise.push(message.key.clone());
            }
            let callback = match &inner.on_attempt {
                Some((n, f)) if *n == attempt => Some(f.clone()),
                _ => None,
            };
            (hang, callback)
        };
        if let Some(f) = callback {
            f();
        }
        if hang.is_some() {
            std::future::pending::<()>().await;
        }
        Ok(())
    }
}
