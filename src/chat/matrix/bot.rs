//! The running Matrix bot: log in (`session`), sync with the token kept in the store, hand
//! what came in to `inbound`, and tick the scheduler.

use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::UInt;
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::api::error::ErrorKind;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use super::inbound::{handle_event, is_unreadable, tell_unreadable};
pub use super::session::store_dir;
use super::session::{forget_session, open_client, session};
use super::transport::MatrixChat;
use crate::app::Engine;
use crate::app::engine::new_engine_id;
use crate::app::metrics::Metrics;
use crate::app::ports::Clock;
use crate::chat::ticker::Ticker;
use crate::config::{Config, MatrixSettings};
use crate::domain::prompts::Catalogue;
use crate::store::{Store, StoreError};

/// The clock the engine and the sync loop share; a trait object, so a virtual clock can stand in.
pub type SharedClock = Arc<dyn Clock>;
/// The core as the Matrix bot runs it, sending through `MatrixChat`.
pub type MatrixEngine = Engine<MatrixChat, SharedClock>;

const SYNC_TOKEN: &str = "matrix:sync";
/// Events handled are remembered this long, so a sync replayed after a crash adds nothing.
const SEEN_PREFIX: &str = "seen:";
const SEEN_KEEP_HOURS: i64 = 48;
/// Room events per sync: enough that a normal downtime loses nothing to a gap.
const TIMELINE_LIMIT: u32 = 500;
/// A login revoked again this soon after logging in again is not retried.
const RELOGIN_GRACE: Duration = Duration::from_secs(60);

/// How to run the Matrix bot; `new` fills in the production defaults.
#[derive(Clone)]
pub struct MatrixOptions {
    /// The `[matrix]` configuration: homeserver, bot user, credentials and key store.
    pub settings: MatrixSettings,
    /// How often the scheduler runs; None leaves ticking to the caller (tests).
    pub tick_every: Option<Duration>,
    /// How long one sync waits at the homeserver for new events (long polling).
    pub sync_timeout: Duration,
    /// Outbox rows claimed (and wpbs planned) per step of a tick.
    pub batch: i64,
    /// How long a claimed outbox row stays this process's before another may take it over.
    pub lease_secs: i64,
    /// The engine's claim id, which is also this process's name in the `processes` table.
    pub id: String,
    /// The counters `/metrics` shows; the sync loop sets the connection's state in them.
    pub metrics: Arc<Metrics>,
}

impl MatrixOptions {
    /// The production defaults: a tick every 30 s, 30 s syncs, batches of 100 and a 120 s lease.
    pub fn new(settings: MatrixSettings) -> Self {
        Self {
            settings,
            tick_every: Some(Duration::from_secs(30)),
            sync_timeout: Duration::from_secs(30),
            batch: 100,
            lease_secs: 120,
            id: new_engine_id(),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// Why the Matrix bot could not start, or stopped running.
#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    /// The homeserver failed the first sync (other than by a revoked login), or the sync task died.
    #[error("Matrix-homeserver niet bruikbaar / Matrix homeserver not usable: {0}")]
    Client(String),
    /// Logging in or restoring the session failed: wrong password, homeserver unreachable, or a
    /// stored session that cannot be read.
    #[error("inloggen op Matrix lukt niet / Matrix login failed: {0}")]
    Login(String),
    /// Neither a password nor an access token is configured.
    #[error(
        "geen Matrix-wachtwoord of -toegangstoken: zet WANDELGANG_MATRIX_PASSWORD of WANDELGANG_MATRIX_ACCESS_TOKEN / no Matrix password or access token: set WANDELGANG_MATRIX_PASSWORD or WANDELGANG_MATRIX_ACCESS_TOKEN"
    )]
    NoCredentials,
    /// No `[matrix] store` is set and the database is no SQLite file to keep the keys next to.
    #[error(
        "geen plek voor de Matrix-sleutels: de database is geen SQLite-bestand; zet [matrix] store op een map / no place for the Matrix keys: the database is not an SQLite file; set [matrix] store to a directory"
    )]
    NoStoreDir,
    /// matrix-sdk's store directory could not be cleared, created or opened.
    #[error("Matrix-opslag {path} niet bruikbaar / Matrix store {path} not usable: {reason}")]
    StoreDir {
        /// The store directory.
        path: String,
        /// What went wrong with it.
        reason: String,
    },
    /// The homeserver no longer knows the bot's access token (`M_UNKNOWN_TOKEN`).
    #[error(
        "de homeserver kent de login van de bot niet meer (M_UNKNOWN_TOKEN) / the homeserver no longer knows the bot's login (M_UNKNOWN_TOKEN)"
    )]
    LoggedOut,
    /// The access token was revoked and there is no password to log in again with; the message
    /// says what to do.
    #[error(
        "het toegangstoken van {user} is ingetrokken (M_UNKNOWN_TOKEN). Maak een nieuw toegangstoken, zet het in WANDELGANG_MATRIX_ACCESS_TOKEN (of zet WANDELGANG_MATRIX_PASSWORD, dan logt de bot zelf opnieuw in) en start de bot opnieuw.\n\
         the access token of {user} was revoked (M_UNKNOWN_TOKEN). Create a new access token, put it in WANDELGANG_MATRIX_ACCESS_TOKEN (or set WANDELGANG_MATRIX_PASSWORD so the bot logs in again by itself) and start the bot again."
    )]
    TokenRevoked {
        /// The bot's Matrix user id.
        user: String,
    },
    /// The bot's own database failed (sync token, session or events already handled).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The process is stopping; not a failure.
    #[error("gestopt / stopped")]
    Stopped,
}

/// A started Matrix bot: the sync loop and the ticker, running until stopped or killed.
pub struct RunningMatrixBot {
    /// The core it runs, so callers and tests can tick it and look at its store.
    pub engine: Arc<MatrixEngine>,
    syncer: JoinHandle<MatrixError>,
    ticker: Ticker,
}

impl RunningMatrixBot {
    /// Stops like a crash would.
    pub fn kill(self) {
        self.syncer.abort();
        self.ticker.stop();
    }

    /// Runs until `stop` (then stops cleanly, see [`RunningMatrixBot::shutdown`]), or until
    /// the sync meets an error it cannot get past (a revoked login).
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), MatrixError> {
        tokio::select! {
            () = stop => {
                self.shutdown().await;
                Ok(())
            }
            ended = &mut self.syncer => {
                let e = ended.unwrap_or_else(|e| MatrixError::Client(e.to_string()));
                self.kill();
                Err(e)
            }
        }
    }

    /// Stops cleanly: no new claims and no new sync; the batch in hand is sent or given back
    /// and the events in hand are handled and their sync token stored (waiting at most
    /// [`SHUTDOWN_WAIT`] for both). What still runs then is stopped as a crash would be,
    /// which loses nothing either: the token is stored only after its events were handled,
    /// and claimed rows come back after their lease.
    pub async fn shutdown(mut self) {
        self.engine.stop_claiming();
        let started = tokio::time::Instant::now();
        if !self.ticker.finish(SHUTDOWN_WAIT).await {
            tracing::warn!(
                "the tick in progress did not end in time; its rows come back after their lease"
            );
        }
        let left = SHUTDOWN_WAIT.saturating_sub(started.elapsed());
        if tokio::time::timeout(left, &mut self.syncer).await.is_err() {
            self.syncer.abort();
        }
        self.engine.metrics.set_chat_connected(false);
    }
}

/// `wandelgang run` on Matrix: the bot until `stop`. A revoked login (`M_UNKNOWN_TOKEN`) is
/// logged in again with the configured password (a new device, with a new store); with only
/// an access token it ends with what to do. Never an endless retry.
pub async fn run(
    store: Store,
    config: Arc<Config>,
    catalogue: Arc<Catalogue>,
    clock: SharedClock,
    mut opts: MatrixOptions,
    stop: impl std::future::Future<Output = ()>,
) -> Result<(), MatrixError> {
    tokio::pin!(stop);
    let mut logged_in_again: Option<tokio::time::Instant> = None;
    loop {
        let ended = match start(
            store.clone(),
            config.clone(),
            catalogue.clone(),
            clock.clone(),
            opts.clone(),
        )
        .await
        {
            Ok(bot) => bot.run_until(stop.as_mut()).await,
            Err(e) => Err(e),
        };
        match ended {
            Err(MatrixError::LoggedOut) => {
                forget_session(&store, clock.now()).await?;
                if opts.settings.password.is_none() {
                    let user = opts.settings.user.clone();
                    tracing::error!(%user, "the bot's access token was revoked; stopping");
                    return Err(MatrixError::TokenRevoked { user });
                }
                if logged_in_again.is_some_and(|t| t.elapsed() < RELOGIN_GRACE) {
                    tracing::error!("logged out again right after logging in again; stopping");
                    return Err(MatrixError::LoggedOut);
                }
                tracing::warn!(
                    "the homeserver logged the bot out (M_UNKNOWN_TOKEN); logging in again with the password, as a new device"
                );
                // The token is dead; from now on the password is the way in.
                opts.settings.access_token = None;
                logged_in_again = Some(tokio::time::Instant::now());
            }
            other => return other,
        }
    }
}

/// One start: logs in (or restores the session) and syncs and ticks in the background. A
/// revoked login is not retried here; `run` does that.
pub async fn start(
    store: Store,
    config: Arc<Config>,
    catalogue: Arc<Catalogue>,
    clock: SharedClock,
    opts: MatrixOptions,
) -> Result<RunningMatrixBot, MatrixError> {
    let dir = store_dir(&opts.settings, &config.database_url)?;
    let session = session(&store, &opts.settings, clock.now()).await?;
    let client = open_client(&opts.settings, &dir, session).await?;
    let tz = config.defaults.calendar.tz;
    let chat = MatrixChat::new(client.clone(), store.clone(), clock.clone(), tz)
        .with_encrypted_dms(opts.settings.encrypt_dms);
    let mut engine = Engine::new(store, chat, clock, config, catalogue);
    engine.batch = opts.batch;
    engine.lease_secs = opts.lease_secs;
    engine.id = opts.id.clone();
    engine.metrics = opts.metrics.clone();
    let engine = Arc::new(engine);
    // The first start ignores history: everything before now is not the bot's business.
    if engine.store.chat_state(SYNC_TOKEN).await?.is_none() {
        let first = client
            .sync_once(SyncSettings::default().timeout(Duration::ZERO))
            .await
            .map_err(sync_failed)?;
        // Invitations still count: people may have invited the bot before it first ran.
        join_invites(&engine, &first).await?;
        engine
            .store
            .set_chat_state(SYNC_TOKEN, &first.next_batch, engine.clock.now())
            .await?;
    }
    // Logged in and synced: connected, until a sync fails.
    engine.metrics.set_chat_connected(true);
    let syncer = {
        let engine = engine.clone();
        let timeout = opts.sync_timeout;
        tokio::spawn(async move { sync_forever(engine, timeout).await })
    };
    let ticker = Ticker::start(&engine, opts.tick_every);
    Ok(RunningMatrixBot {
        engine,
        syncer,
        ticker,
    })
}

/// How long a clean stop waits for the tick and the sync in hand: a stop stays well within
/// the 10 s systemd and container runtimes give before they kill.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(7);

/// A revoked login is told apart from everything that may pass.
fn sync_failed(e: matrix_sdk::Error) -> MatrixError {
    if matches!(e.client_api_error_kind(), Some(ErrorKind::UnknownToken(_))) {
        MatrixError::LoggedOut
    } else {
        MatrixError::Client(e.to_string())
    }
}

fn sync_settings(token: String, timeout: Duration) -> SyncSettings {
    let mut filter = FilterDefinition::default();
    filter.room.timeline.limit = Some(UInt::from(TIMELINE_LIMIT));
    SyncSettings::default()
        .token(token)
        .timeout(timeout)
        .filter(Filter::FilterDefinition(filter))
}

/// Syncs until the login is revoked or the engine stops; everything else is tried again,
/// with backoff.
async fn sync_forever(engine: Arc<MatrixEngine>, timeout: Duration) -> MatrixError {
    let mut backoff = Duration::from_secs(1);
    let mut last_prune = None;
    loop {
        match sync_step(&engine, timeout).await {
            Ok(()) => {
                engine.metrics.set_chat_connected(true);
                backoff = Duration::from_secs(1);
            }
            Err(MatrixError::Stopped) => return MatrixError::Stopped,
            Err(e @ MatrixError::LoggedOut) => {
                engine.metrics.set_chat_connected(false);
                return e;
            }
            Err(e) => {
                engine.metrics.set_chat_connected(false);
                tracing::warn!(%e, "Matrix sync failed; trying again");
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    () = engine.stopped() => return MatrixError::Stopped,
                }
                backoff = (backoff * 2).min(Duration::from_secs(60));
            }
        }
        let now = engine.clock.now();
        if last_prune.is_none_or(|t| now - t > chrono::Duration::hours(1)) {
            last_prune = Some(now);
            if let Err(e) = engine
                .store
                .prune_chat_state(SEEN_PREFIX, now - chrono::Duration::hours(SEEN_KEEP_HOURS))
                .await
            {
                tracing::warn!(%e, "could not prune seen events");
            }
        }
    }
}

/// Remembers invitations and accepts or declines them as the roster now explains them.
async fn join_invites(
    engine: &MatrixEngine,
    response: &matrix_sdk::sync::SyncResponse,
) -> Result<(), MatrixError> {
    super::invites::handle(engine, response).await
}

/// One sync: handle what came in, then remember where we are.
pub async fn sync_step(engine: &MatrixEngine, timeout: Duration) -> Result<(), MatrixError> {
    let client = engine.chat.client();
    let token = engine
        .store
        .chat_state(SYNC_TOKEN)
        .await?
        .unwrap_or_default();
    // A stopping process leaves the long poll at once; what a sync brought is handled whole.
    let response = tokio::select! {
        r = client.sync_once(sync_settings(token, timeout)) => r.map_err(sync_failed)?,
        () = engine.stopped() => return Err(MatrixError::Stopped),
    };
    join_invites(engine, &response).await?;
    let me = client.user_id().map(|u| u.to_string()).unwrap_or_default();
    for (room, joined) in &response.rooms.joined {
        if joined.timeline.limited {
            // Also true for a room just joined, whose earlier history is none of the bot's business.
            tracing::info!(%room, "sync timeline limited: events older than this sync's window were not read");
        }
        for timeline_event in &joined.timeline.events {
            // Decrypted events come as the plain event they carried.
            let Ok(event) = serde_json::from_str::<Value>(timeline_event.raw().json().get()) else {
                continue;
            };
            let (Some(id), Some(sender)) = (event["event_id"].as_str(), event["sender"].as_str())
            else {
                continue;
            };
            if sender == me {
                continue;
            }
            let seen = format!("{SEEN_PREFIX}{id}");
            if engine.store.chat_state(&seen).await?.is_some() {
                continue;
            }
            if is_unreadable(timeline_event) {
                tracing::warn!(%room, event = %id, %sender, "an encrypted message the bot cannot decrypt");
                tell_unreadable(engine, room, id).await?;
            } else {
                handle_event(engine, room, id, sender, &event).await?;
            }
            engine
                .store
                .set_chat_state(&seen, "", engine.clock.now())
                .await?;
        }
    }
    engine
        .store
        .set_chat_state(SYNC_TOKEN, &response.next_batch, engine.clock.now())
        .await?;
    Ok(())
}
