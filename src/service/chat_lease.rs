//! One process per platform holds the chat connection (the Discord gateway session, the
//! Matrix sync) when several `run` processes share one PostgreSQL database: two connections
//! would each receive every message and answer it twice. The holder renews a lease row every
//! few seconds; the others try to take it on the same beat and get it once it runs out, so a
//! holder that died is replaced within [`LeaseTiming::takeover`]. A holder that cannot renew
//! gives up well before its lease runs out, so two holders never overlap.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::store::Store;

/// Where this process stands with the chat lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaseState {
    /// Another process holds it; this one tries again on every beat.
    Waiting,
    /// This process holds it and may connect.
    Held,
    /// This process held it and could not renew it in time (the database was unreachable, or
    /// another process took it over): it must drop its connection. Final.
    Lost,
}

/// This process held the chat connection and lost it.
#[derive(Debug, thiserror::Error)]
#[error(
    "de chatverbinding is overgenomen of de lease kon niet worden verlengd; dit proces stopt zodat een herstart weer als reserve begint / the chat connection was taken over or its lease could not be renewed; this process stops so a restart begins again as a standby"
)]
pub struct LeaseLost;

/// How long a lease lasts and how often it is renewed.
#[derive(Debug, Clone, Copy)]
pub struct LeaseTiming {
    /// How long a lease lasts after its last renewal.
    pub ttl: Duration,
    /// How often the holder renews it and the others try to take it.
    pub beat: Duration,
}

impl Default for LeaseTiming {
    /// A 15 s lease renewed every 3 s: a dead holder is replaced within 18 s, leaving the new
    /// connection time to come up inside the 30 s the operator is promised.
    fn default() -> Self {
        LeaseTiming {
            ttl: Duration::from_secs(15),
            beat: Duration::from_secs(3),
        }
    }
}

impl LeaseTiming {
    /// The longest a holder keeps its connection without a renewal. It notices within two
    /// beats more (a beat's wait plus a renewal that hangs for one), and closing takes at most
    /// one: three beats short of the lease's end, it has let go before anyone may take over.
    pub fn give_up_after(&self) -> Duration {
        self.ttl.saturating_sub(3 * self.beat)
    }

    /// The longest from a holder's death until another process holds the lease.
    pub fn takeover(&self) -> Duration {
        self.ttl + self.beat
    }
}

/// This process's claim on a platform's chat lease, tried and renewed in the background.
pub struct ChatLease {
    store: Store,
    platform: String,
    holder: String,
    state: watch::Receiver<LeaseState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl ChatLease {
    /// Starts trying for the lease on `platform` as `holder` (the process id).
    pub fn start(store: Store, platform: &str, holder: &str) -> ChatLease {
        Self::start_with(store, platform, holder, LeaseTiming::default())
    }

    /// [`ChatLease::start`] with other timing (tests use short leases).
    pub fn start_with(
        store: Store,
        platform: &str,
        holder: &str,
        timing: LeaseTiming,
    ) -> ChatLease {
        let (state_tx, state) = watch::channel(LeaseState::Waiting);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(keep(
            store.clone(),
            platform.to_string(),
            holder.to_string(),
            timing,
            state_tx,
            stopped,
        ));
        ChatLease {
            store,
            platform: platform.to_string(),
            holder: holder.to_string(),
            state,
            stop,
            task,
        }
    }

    /// Follows this process's standing; the connection waits for [`LeaseState::Held`] and
    /// ends on [`LeaseState::Lost`].
    pub fn state(&self) -> watch::Receiver<LeaseState> {
        self.state.clone()
    }

    /// Stops renewing and hands the lease over: the row is deleted, so the next process takes
    /// it on its next beat instead of waiting for the lease to run out.
    pub async fn release(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if let Err(e) = self
            .store
            .release_chat_lease(&self.platform, &self.holder)
            .await
        {
            tracing::warn!(%e, "could not hand over the chat lease; the next process takes it when it runs out");
        }
    }
}

/// Tries and renews on every beat until stopped or lost.
async fn keep(
    store: Store,
    platform: String,
    holder: String,
    timing: LeaseTiming,
    state: watch::Sender<LeaseState>,
    mut stopped: watch::Receiver<bool>,
) {
    let ttl = chrono::Duration::from_std(timing.ttl).unwrap_or(chrono::Duration::seconds(15));
    let mut last_renewal: Option<tokio::time::Instant> = None;
    loop {
        let now = Utc::now();
        // A renewal that hangs counts as failed: the holder must not wait past its give-up.
        let attempt = tokio::time::timeout(
            timing.beat,
            store.take_chat_lease(&platform, &holder, now, now + ttl),
        )
        .await;
        let held = *state.borrow() == LeaseState::Held;
        match attempt {
            Ok(Ok(true)) => {
                last_renewal = Some(tokio::time::Instant::now());
                if !held {
                    tracing::info!(%platform, "this process now holds the chat connection");
                    let _ = state.send(LeaseState::Held);
                }
            }
            Ok(Ok(false)) if held => {
                tracing::error!(%platform, "another process took over the chat lease");
                let _ = state.send(LeaseState::Lost);
                return;
            }
            Ok(Ok(false)) => {}
            Ok(Err(e)) => tracing::warn!(%platform, %e, "could not renew or take the chat lease"),
            Err(_) => tracing::warn!(%platform, "the chat lease: no answer from the database"),
        }
        if held && last_renewal.is_none_or(|t| t.elapsed() >= timing.give_up_after()) {
            tracing::error!(%platform, "the chat lease could not be renewed in time; letting go of the connection");
            let _ = state.send(LeaseState::Lost);
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(timing.beat) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// Waits until `state` is [`LeaseState::Held`]; false when the lease went away first.
pub async fn until_held(state: &mut watch::Receiver<LeaseState>) -> bool {
    state
        .wait_for(|s| *s != LeaseState::Waiting)
        .await
        .is_ok_and(|s| *s == LeaseState::Held)
}

/// Waits until `state` is [`LeaseState::Lost`]; never returns while the lease is kept or
/// handed over cleanly.
pub async fn until_lost(state: &mut watch::Receiver<LeaseState>) {
    if state.wait_for(|s| *s == LeaseState::Lost).await.is_err() {
        std::future::pending::<()>().await;
    }
}
