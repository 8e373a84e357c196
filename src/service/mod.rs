//! `run` as a service: the health, readiness and metrics endpoints, the process's entry in
//! the database (registration, heartbeat, clean stop) that `wandelgang status` reads, one
//! process per SQLite file, and on PostgreSQL one holder of each platform's chat connection.

mod chat_lease;
mod endpoints;
mod presence;
mod readiness;
mod single;
pub mod status;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

pub use chat_lease::{ChatLease, LeaseLost, LeaseState, LeaseTiming, until_held, until_lost};
pub use endpoints::{ServeError, serve};
pub use presence::{HEARTBEAT, LIVE_WINDOW, Presence};
pub use readiness::{Readiness, ReadinessReport};
pub use single::{SingleError, SingleProcess};

use crate::app::metrics::Metrics;
use crate::config::ServiceSettings;
use crate::store::{Store, StoreError};

/// The service side of a running process could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The endpoints' address.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// Registering the process.
    #[error(
        "het proces kon zich niet aanmelden in de database / could not register the process in the database: {0}"
    )]
    Store(#[from] StoreError),
}

/// What runs beside a bot: its presence in the database and, unless switched off, its
/// endpoints.
pub struct Service {
    presence: Presence,
    endpoints: Option<(SocketAddr, JoinHandle<()>)>,
}

impl Service {
    /// Registers the process `id` (its engine's claim id) running `role`, and serves the
    /// endpoints where `settings` say.
    pub async fn start(
        settings: &ServiceSettings,
        store: &Store,
        id: &str,
        role: &str,
        metrics: Arc<Metrics>,
        tick_every: Duration,
    ) -> Result<Service, ServiceError> {
        let endpoints = match settings.listen {
            Some(addr) => Some(
                serve(
                    addr,
                    Readiness {
                        store: store.clone(),
                        metrics,
                        tick_every,
                        started: std::time::Instant::now(),
                        standby_ticks: role != "matrix",
                    },
                )
                .await?,
            ),
            None => None,
        };
        let presence = Presence::start(store.clone(), id.to_string(), role).await?;
        Ok(Service {
            presence,
            endpoints,
        })
    }

    /// How many live processes run the same platform, this one included.
    pub fn peers(&self) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
        self.presence.peers()
    }

    /// Waits until every other live process of this platform has counted this one, at most
    /// `within`; see [`Presence::until_counted`].
    pub async fn until_counted(&self, within: Duration) -> bool {
        self.presence.until_counted(within).await
    }

    /// Where the endpoints answer, if they do.
    pub fn address(&self) -> Option<SocketAddr> {
        self.endpoints.as_ref().map(|(addr, _)| *addr)
    }

    /// Stops serving and records the clean stop.
    pub async fn stop(self) {
        if let Some((_, task)) = self.endpoints {
            task.abort();
        }
        self.presence.stop().await;
    }
}
