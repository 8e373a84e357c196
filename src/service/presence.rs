//! This process's row in the `processes` table: registered at start, a heartbeat every ten
//! seconds while it runs, and its clean stop, so `wandelgang status` and the other processes
//! know who is alive. Each beat also counts the live processes of the same platform, which
//! share the platform's request budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::store::{ProcessStart, Store, StoreResult};

/// How often a running process shows life.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// A process that showed life this recently (three heartbeats) counts as live.
pub const LIVE_WINDOW: Duration = Duration::from_secs(30);
/// How often a joining process looks whether the others have counted it.
const COUNTED_POLL: Duration = Duration::from_millis(200);

/// A registered process, beating until [`Presence::stop`].
pub struct Presence {
    store: Store,
    id: String,
    role: String,
    peers: Arc<AtomicUsize>,
    beat: JoinHandle<()>,
}

/// The machine's name, as far as the system tells it.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "?".to_string())
}

/// Counts the live processes of `role` (this one included) into `peers`, then records the
/// count, so a process that joins knows when this one takes only its part of the budget.
async fn count_peers(store: &Store, id: &str, role: &str, peers: &AtomicUsize) -> StoreResult<()> {
    let n = store.live_processes(role, live_since()).await?;
    peers.store(usize::try_from(n).unwrap_or(1).max(1), Ordering::Relaxed);
    store.peers_counted(id, n).await
}

/// Processes that showed life since then count as live.
fn live_since() -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(LIVE_WINDOW).unwrap_or_default()
}

impl Presence {
    /// Registers the process `id` (the engine's claim id) running `role`, and beats every
    /// [`HEARTBEAT`].
    pub async fn start(store: Store, id: String, role: &str) -> StoreResult<Presence> {
        Self::start_every(store, id, role, HEARTBEAT).await
    }

    /// [`Presence::start`], beating every `every` (tests beat faster).
    pub async fn start_every(
        store: Store,
        id: String,
        role: &str,
        every: Duration,
    ) -> StoreResult<Presence> {
        let start = ProcessStart {
            id: id.clone(),
            host: host_name(),
            pid: std::process::id(),
            role: role.to_string(),
        };
        store.register_process(&start, Utc::now()).await?;
        let peers = Arc::new(AtomicUsize::new(1));
        count_peers(&store, &id, role, &peers).await?;
        let beat = {
            let (store, id, role, peers) =
                (store.clone(), id.clone(), role.to_string(), peers.clone());
            tokio::spawn(async move {
                let mut beats = tokio::time::interval(every);
                beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    beats.tick().await;
                    let beat = async {
                        store.heartbeat(&id, Utc::now()).await?;
                        count_peers(&store, &id, &role, &peers).await
                    };
                    if let Err(e) = beat.await {
                        tracing::warn!(%e, "could not record this process's heartbeat");
                    }
                }
            })
        };
        Ok(Presence {
            store,
            id,
            role: role.to_string(),
            peers,
            beat,
        })
    }

    /// How many live processes run the same platform, this one included; updated on every
    /// beat.
    pub fn peers(&self) -> Arc<AtomicUsize> {
        self.peers.clone()
    }

    /// Waits until every other live process of this platform has counted this one (on its
    /// next beat), so that from then on each takes only its part of the request budget; at
    /// most `within`. False if some process had not counted it by then (one that stopped
    /// beating, or a version that does not record its count).
    pub async fn until_counted(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        // One warning per wait: an unreachable database would otherwise log every poll.
        let mut warned = false;
        loop {
            match self
                .store
                .uncounting_peers(&self.id, &self.role, live_since())
                .await
            {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if !warned => {
                    warned = true;
                    tracing::warn!(%e, "could not read whether the other processes counted this one; trying again until the wait ends")
                }
                Err(_) => {}
            }
            if tokio::time::Instant::now() + COUNTED_POLL > deadline {
                return false;
            }
            tokio::time::sleep(COUNTED_POLL).await;
        }
    }

    /// Stops beating and records the clean stop.
    pub async fn stop(self) {
        self.beat.abort();
        if let Err(e) = self.store.process_stopped(&self.id, Utc::now()).await {
            tracing::warn!(%e, "could not record this process's stop");
        }
    }
}
