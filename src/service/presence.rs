//! This process's row in the `processes` table: registered at start, a heartbeat every ten
//! seconds while it runs, and its clean stop, so `wandelgang status` and the other processes
//! know who is alive.

use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinHandle;

use crate::store::{ProcessStart, Store, StoreResult};

/// How often a running process shows life. `status` calls a process live when it showed
/// life within three of these.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// A registered process, beating until [`Presence::stop`].
pub struct Presence {
    store: Store,
    id: String,
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

impl Presence {
    /// Registers the process `id` (the engine's claim id) running `role`, and starts beating.
    pub async fn start(store: Store, id: String, role: &str) -> StoreResult<Presence> {
        let start = ProcessStart {
            id: id.clone(),
            host: host_name(),
            pid: std::process::id(),
            role: role.to_string(),
        };
        store.register_process(&start, Utc::now()).await?;
        let beat = {
            let (store, id) = (store.clone(), id.clone());
            tokio::spawn(async move {
                let mut every = tokio::time::interval(HEARTBEAT);
                every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    every.tick().await;
                    if let Err(e) = store.heartbeat(&id, Utc::now()).await {
                        tracing::warn!(%e, "could not record this process's heartbeat");
                    }
                }
            })
        };
        Ok(Presence { store, id, beat })
    }

    /// Stops beating and records the clean stop.
    pub async fn stop(self) {
        self.beat.abort();
        if let Err(e) = self.store.process_stopped(&self.id, Utc::now()).await {
            tracing::warn!(%e, "could not record this process's stop");
        }
    }
}
