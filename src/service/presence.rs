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

/// A registered process, beating until [`Presence::stop`].
pub struct Presence {
    store: Store,
    id: String,
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

/// Counts the live processes of `role` (this one included) into `peers`.
async fn count_peers(store: &Store, role: &str, peers: &AtomicUsize) -> StoreResult<()> {
    let since = Utc::now() - chrono::Duration::from_std(LIVE_WINDOW).unwrap_or_default();
    let n = store.live_processes(role, since).await?;
    peers.store(usize::try_from(n).unwrap_or(1).max(1), Ordering::Relaxed);
    Ok(())
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
        count_peers(&store, role, &peers).await?;
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
                        count_peers(&store, &role, &peers).await
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
            peers,
            beat,
        })
    }

    /// How many live processes run the same platform, this one included; updated on every
    /// beat.
    pub fn peers(&self) -> Arc<AtomicUsize> {
        self.peers.clone()
    }

    /// Stops beating and records the clean stop.
    pub async fn stop(self) {
        self.beat.abort();
        if let Err(e) = self.store.process_stopped(&self.id, Utc::now()).await {
            tracing::warn!(%e, "could not record this process's stop");
        }
    }
}
