//! The engine bundles the ports and settings the use-cases need.

use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::messages::Recipient;
use super::metrics::Metrics;
use super::ports::{Chat, Clock};
use crate::config::{Config, SchoolSettings};
use crate::domain::prompts::Catalogue;
use crate::domain::roster::Person;
use crate::store::{Store, StoreError};

/// A fault underneath a use-case, not the sender's doing: logged, and the sender hears the
/// generic fault reply.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored data contradict each other (say, an escalation without its pairing) or would not
    /// serialise.
    #[error("{0}")]
    Inconsistent(String),
}

/// The application core: every use-case is a method on it, over one store, one chat transport
/// and one clock.
pub struct Engine<C: Chat, K: Clock> {
    /// All persistent state; several processes may share it (see `id` and `lease_secs`).
    pub store: Store,
    /// Delivers the outbox's messages.
    pub chat: C,
    /// The time every decision is taken at; virtual in `demo`, `simulate` and tests.
    pub clock: K,
    /// The deployment's configuration, with each school's settings.
    pub config: Arc<Config>,
    /// The prompt library the questions are drawn from.
    pub catalogue: Arc<Catalogue>,
    /// Identifies this process's claims on outbox rows.
    pub id: String,
    /// Rows claimed (and wpbs planned) per step of a tick.
    pub batch: i64,
    /// How long a claim holds before another process may take the row over.
    pub lease_secs: i64,
    /// The local day whose daily jobs this process has already seen claimed.
    pub(crate) daily_jobs_done: std::sync::Mutex<Option<chrono::NaiveDate>>,
    /// Per team, the local day this process last looked at its scheduled intervisie call.
    pub(crate) intervisie_calls_seen:
        std::sync::Mutex<std::collections::HashMap<String, chrono::NaiveDate>>,
    /// When the teams' scheduled intervisie calls were last looked at, and the moment before
    /// which none of them can be due, so the tick need not look (see `intervisie_calls`).
    pub(crate) intervisie_calls_next: std::sync::Mutex<Option<(DateTime<Utc>, DateTime<Utc>)>>,
    /// Per school, the Monday of the week whose digests this process has already enqueued.
    pub(crate) digests_seen: std::sync::Mutex<std::collections::HashMap<String, chrono::NaiveDate>>,
    /// Set by a tick that wrote; the next idle tick checkpoints SQLite's log and clears it.
    pub(crate) wrote_since_checkpoint: std::sync::atomic::AtomicBool,
    /// What this process did, for `/metrics`; shared with the platform adapter, which sets
    /// the chat connection's state.
    pub metrics: Arc<Metrics>,
    /// Set when the process is stopping: no new batch is claimed, and the rows of the batch
    /// in hand that were not sent yet are given back.
    stopping: tokio::sync::watch::Sender<bool>,
}

/// A claim id of its own for an engine of this process: `engine-<pid>-<random>`.
pub fn new_engine_id() -> String {
    format!(
        "engine-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// An engine with its own claim id for this process, batches of 500 rows and a 120 s lease.
    pub fn new(
        store: Store,
        chat: C,
        clock: K,
        config: Arc<Config>,
        catalogue: Arc<Catalogue>,
    ) -> Self {
        let id = new_engine_id();
        Self {
            store,
            chat,
            clock,
            config,
            catalogue,
            id,
            batch: 500,
            lease_secs: 120,
            daily_jobs_done: std::sync::Mutex::new(None),
            intervisie_calls_seen: std::sync::Mutex::new(std::collections::HashMap::new()),
            intervisie_calls_next: std::sync::Mutex::new(None),
            digests_seen: std::sync::Mutex::new(std::collections::HashMap::new()),
            wrote_since_checkpoint: std::sync::atomic::AtomicBool::new(false),
            metrics: Arc::new(Metrics::default()),
            stopping: tokio::sync::watch::Sender::new(false),
        }
    }

    /// Stops claiming: the tick in progress sends no further row and gives the rest of its
    /// batch back, and no later tick claims anything. For a graceful stop.
    pub fn stop_claiming(&self) {
        self.stopping.send_replace(true);
    }

    /// Whether [`Engine::stop_claiming`] was called.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// Completes once [`Engine::stop_claiming`] is called (at once if it was).
    pub async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        // The sender lives as long as the engine, so this only ends when stopping.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }

    /// The settings of `person`'s school, or the deployment's defaults when it has none of its own.
    pub fn settings(&self, person: &Person) -> &SchoolSettings {
        self.config.school(person.school.as_str())
    }

    /// `person` as a message recipient, in their own language or else their school's.
    pub fn recipient(&self, person: &Person) -> Recipient {
        Recipient {
            person: person.id.clone(),
            name: person.name.clone(),
            address: person.chat.clone(),
            language: person.language.unwrap_or(self.settings(person).language),
            team_channel: false,
            admin_contact: false,
        }
    }
}
