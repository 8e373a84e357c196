//! The running Matrix bot: log in (once; the session is kept in the store so the device and
//! its transaction ids survive restarts), sync with the token kept in the store, turn messages,
//! replies and reactions into the core's `Inbound` events, and tick the scheduler.

use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::{RequestConfig, SyncSettings};
use matrix_sdk::deserialized_responses::{TimelineEvent, TimelineEventKind};
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::room::get_room_event;
use matrix_sdk::ruma::api::client::session::login;
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::api::client::uiaa::{MatrixUserIdentifier, UserIdentifier};
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::{EventId, OwnedDeviceId, OwnedUserId, RoomId, UInt};
use matrix_sdk::{SessionMeta, SessionTokens};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use super::commands::{Command, HELP, ParseError, parse};
use super::people::named;
use super::transport::MatrixChat;
use super::wire::{
    Meta, escalation_of, klik_of, strip_reply_fallback, text_content, thread_address, user_address,
};
use crate::app::Engine;
use crate::app::inbox::{Handled, Inbound, ReflectionTarget, Refusal, Reply, Sender};
use crate::app::ports::Clock;
use crate::chat::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::config::{Config, MatrixSettings};
use crate::domain::addressing::Wanted;
use crate::domain::language::{Language, Text};
use crate::domain::prompts::Catalogue;
use crate::domain::roster::{PersonId, Role};
use crate::store::{Store, StoreError};

pub type SharedClock = Arc<dyn Clock>;
pub type MatrixEngine = Engine<MatrixChat, SharedClock>;

const SYNC_TOKEN: &str = "matrix:sync";
const SESSION: &str = "matrix:session";
/// Events handled are remembered this long, so a sync replayed after a crash adds nothing.
const SEEN_PREFIX: &str = "seen:";
const SEEN_KEEP_HOURS: i64 = 48;
/// Room events per sync: enough that a normal downtime loses nothing to a gap.
const TIMELINE_LIMIT: u32 = 500;
/// When a room last heard that the bot cannot read a message; one notice per room per burst.
const UNREADABLE_PREFIX: &str = "onleesbaar:";
const UNREADABLE_QUIET_MINUTES: i64 = 60;
/// In the store directory: the device the store's keys belong to.
const STORE_DEVICE_FILE: &str = "wandelgang-device";
/// matrix-sdk's files in the store directory (state, crypto, event cache, media).
const SDK_FILE_PREFIX: &str = "matrix-sdk-";
/// A login revoked again this soon after logging in again is not retried.
const RELOGIN_GRACE: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct MatrixOptions {
    pub settings: MatrixSettings,
    pub tick_every: Option<Duration>,
    pub sync_timeout: Duration,
    pub batch: i64,
    pub lease_secs: i64,
}

impl MatrixOptions {
    pub fn new(settings: MatrixSettings) -> Self {
        Self {
            settings,
            tick_every: Some(Duration::from_secs(30)),
            sync_timeout: Duration::from_secs(30),
            batch: 100,
            lease_secs: 120,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("Matrix-homeserver niet bruikbaar / Matrix homeserver not usable: {0}")]
    Client(String),
    #[error("inloggen op Matrix lukt niet / Matrix login failed: {0}")]
    Login(String),
    #[error(
        "geen Matrix-wachtwoord of -toegangstoken: zet WANDELGANG_MATRIX_PASSWORD of WANDELGANG_MATRIX_ACCESS_TOKEN / no Matrix password or access token: set WANDELGANG_MATRIX_PASSWORD or WANDELGANG_MATRIX_ACCESS_TOKEN"
    )]
    NoCredentials,
    #[error(
        "geen plek voor de Matrix-sleutels: de database is geen SQLite-bestand; zet [matrix] store op een map / no place for the Matrix keys: the database is not an SQLite file; set [matrix] store to a directory"
    )]
    NoStoreDir,
    #[error("Matrix-opslag {path} niet bruikbaar / Matrix store {path} not usable: {reason}")]
    StoreDir { path: String, reason: String },
    /// The homeserver no longer knows the bot's access token (`M_UNKNOWN_TOKEN`).
    #[error(
        "de homeserver kent de login van de bot niet meer (M_UNKNOWN_TOKEN) / the homeserver no longer knows the bot's login (M_UNKNOWN_TOKEN)"
    )]
    LoggedOut,
    #[error(
        "het toegangstoken van {user} is ingetrokken (M_UNKNOWN_TOKEN). Maak een nieuw toegangstoken, zet het in WANDELGANG_MATRIX_ACCESS_TOKEN (of zet WANDELGANG_MATRIX_PASSWORD, dan logt de bot zelf opnieuw in) en start de bot opnieuw.\n\
         the access token of {user} was revoked (M_UNKNOWN_TOKEN). Create a new access token, put it in WANDELGANG_MATRIX_ACCESS_TOKEN (or set WANDELGANG_MATRIX_PASSWORD so the bot logs in again by itself) and start the bot again."
    )]
    TokenRevoked { user: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct RunningMatrixBot {
    pub engine: Arc<MatrixEngine>,
    syncer: JoinHandle<MatrixError>,
    ticker: Option<JoinHandle<()>>,
}

impl RunningMatrixBot {
    /// Stops like a crash would.
    pub fn kill(self) {
        self.syncer.abort();
        if let Some(t) = &self.ticker {
            t.abort();
        }
    }

    /// Runs until `stop`, or until the sync meets an error it cannot get past (a revoked
    /// login). Stopping at any point loses nothing: the sync token is stored only after its
    /// events were handled, and claimed outbox rows come back after their lease.
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), MatrixError> {
        let result = tokio::select! {
            () = stop => Ok(()),
            ended = &mut self.syncer => Err(ended.unwrap_or_else(|e| MatrixError::Client(e.to_string()))),
        };
        self.kill();
        result
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
    let syncer = {
        let engine = engine.clone();
        let timeout = opts.sync_timeout;
        tokio::spawn(async move { sync_forever(engine, timeout).await })
    };
    let ticker = opts.tick_every.map(|every| engine.spawn_ticker(every));
    Ok(RunningMatrixBot {
        engine,
        syncer,
        ticker,
    })
}

/// Where matrix-sdk keeps the bot's device, keys and rooms: `[matrix] store`, or a directory
/// next to the SQLite database (`wandelgang.db` → `wandelgang.matrix-store/`).
pub fn store_dir(settings: &MatrixSettings, database_url: &str) -> Result<PathBuf, MatrixError> {
    match &settings.store {
        Some(dir) => Ok(dir.clone()),
        None => sqlite_sibling(database_url).ok_or(MatrixError::NoStoreDir),
    }
}

fn sqlite_sibling(database_url: &str) -> Option<PathBuf> {
    let rest = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next().unwrap_or_default();
    if file.is_empty() || file.contains(":memory:") {
        return None;
    }
    let file = Path::new(file);
    let stem = file.file_stem()?.to_string_lossy();
    Some(file.with_file_name(format!("{stem}.matrix-store")))
}

/// The session to use: the stored one (same user, same configured token), or a new login.
async fn session(
    store: &Store,
    settings: &MatrixSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<MatrixSession, MatrixError> {
    if let Some(saved) = store.chat_state(SESSION).await?.filter(|s| !s.is_empty()) {
        let session: MatrixSession =
            serde_json::from_str(&saved).map_err(|e| MatrixError::Login(e.to_string()))?;
        // A new access token in the configuration replaces the stored one.
        let same_token = settings
            .access_token
            .as_ref()
            .is_none_or(|t| t.expose() == session.tokens.access_token);
        if session.meta.user_id.as_str() == settings.user && same_token {
            return Ok(session);
        }
    }
    let session = if let Some(token) = &settings.access_token {
        let (user_id, device_id) = whoami(settings, token.expose()).await?;
        MatrixSession {
            meta: SessionMeta { user_id, device_id },
            tokens: SessionTokens {
                access_token: token.expose().to_string(),
                refresh_token: None,
            },
        }
    } else if let Some(password) = &settings.password {
        password_login(settings, password.expose()).await?
    } else {
        return Err(MatrixError::NoCredentials);
    };
    save_session(store, &session, now).await?;
    Ok(session)
}

/// The user and device an access token belongs to. Asked without matrix-sdk, whose client
/// would set up encryption for that device in a throwaway store.
async fn whoami(
    settings: &MatrixSettings,
    token: &str,
) -> Result<(OwnedUserId, OwnedDeviceId), MatrixError> {
    let login_err = |e: &dyn std::fmt::Display| MatrixError::Login(e.to_string());
    let url = format!(
        "{}/_matrix/client/v3/account/whoami",
        settings.homeserver.trim_end_matches('/')
    );
    let response = matrix_sdk::reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| login_err(&e))?;
    if response.status() == matrix_sdk::reqwest::StatusCode::UNAUTHORIZED {
        return Err(MatrixError::TokenRevoked {
            user: settings.user.clone(),
        });
    }
    let body = response
        .error_for_status()
        .map_err(|e| login_err(&e))?
        .text()
        .await
        .map_err(|e| login_err(&e))?;
    let body: Value = serde_json::from_str(&body).map_err(|e| login_err(&e))?;
    let user: OwnedUserId = body["user_id"]
        .as_str()
        .unwrap_or_default()
        .try_into()
        .map_err(|e| login_err(&e))?;
    let device = body["device_id"]
        .as_str()
        .ok_or_else(|| login_err(&"token without a device"))?;
    Ok((user, device.into()))
}

/// A new login, so a new device. Sent as a bare request, so no client sets up encryption for
/// the device before the client with the real store does.
async fn password_login(
    settings: &MatrixSettings,
    password: &str,
) -> Result<MatrixSession, MatrixError> {
    let login_err = |e: &dyn std::fmt::Display| MatrixError::Login(e.to_string());
    let probe = Client::builder()
        .homeserver_url(&settings.homeserver)
        .build()
        .await
        .map_err(|e| login_err(&e))?;
    let mut request =
        login::v3::Request::new(login::v3::LoginInfo::Password(login::v3::Password::new(
            UserIdentifier::Matrix(MatrixUserIdentifier::new(settings.user.clone())),
            password.to_string(),
        )));
    request.initial_device_display_name = Some("Wandelgang".into());
    let response = probe.send(request).await.map_err(|e| login_err(&e))?;
    tracing::info!(device = %response.device_id, "logged in on Matrix as a new device");
    Ok(MatrixSession::from(&response))
}

/// A client on the store directory, with the session restored. The store belongs to one
/// device: a store of another device (after a new login) is replaced by a fresh one, since
/// matrix-sdk refuses it and its keys are useless to the new device anyway.
async fn open_client(
    settings: &MatrixSettings,
    dir: &Path,
    session: MatrixSession,
) -> Result<Client, MatrixError> {
    let store_err = |e: &dyn std::fmt::Display| MatrixError::StoreDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let device = format!("{} {}", session.meta.user_id, session.meta.device_id);
    let marker = dir.join(STORE_DEVICE_FILE);
    let owner = std::fs::read_to_string(&marker).unwrap_or_default();
    if owner.trim() != device {
        clear_sdk_files(dir).map_err(|e| store_err(&e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| store_err(&e))?;
    let passphrase = settings.store_passphrase.as_ref().map(|p| p.expose());
    let client = Client::builder()
        .homeserver_url(&settings.homeserver)
        .sqlite_store(dir, passphrase)
        // The SDK would retry a 429 by itself for up to 15 minutes, silently; the bot keeps to
        // the homeserver's limits itself (`pace`), and its loops retry everything else.
        .request_config(RequestConfig::new().disable_retry())
        .build()
        .await
        .map_err(|e| store_err(&e))?;
    client
        .restore_session(session)
        .await
        .map_err(|e| MatrixError::Login(e.to_string()))?;
    std::fs::write(&marker, format!("{device}\n")).map_err(|e| store_err(&e))?;
    let fingerprint = client.encryption().ed25519_key().await.unwrap_or_default();
    tracing::info!(%device, %fingerprint, store = %dir.display(), "Matrix device (verify it with this fingerprint)");
    Ok(client)
}

/// Removes matrix-sdk's own files from the store directory, and nothing else there.
fn clear_sdk_files(dir: &Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(SDK_FILE_PREFIX)
        {
            continue;
        }
        tracing::warn!(file = %entry.path().display(), "removing the Matrix store of another device");
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

async fn save_session(
    store: &Store,
    session: &MatrixSession,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), MatrixError> {
    let saved = serde_json::to_string(session).map_err(|e| MatrixError::Login(e.to_string()))?;
    store.set_chat_state(SESSION, &saved, now).await?;
    Ok(())
}

/// A revoked session is never restored again.
async fn forget_session(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), MatrixError> {
    store.set_chat_state(SESSION, "", now).await?;
    Ok(())
}

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

/// Syncs until the login is revoked; everything else is tried again, with backoff.
async fn sync_forever(engine: Arc<MatrixEngine>, timeout: Duration) -> MatrixError {
    let mut backoff = Duration::from_secs(1);
    let mut last_prune = None;
    loop {
        match sync_step(&engine, timeout).await {
            Ok(()) => backoff = Duration::from_secs(1),
            Err(e @ MatrixError::LoggedOut) => return e,
            Err(e) => {
                tracing::warn!(%e, "Matrix sync failed; trying again");
                tokio::time::sleep(backoff).await;
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
    let response = client
        .sync_once(sync_settings(token, timeout))
        .await
        .map_err(sync_failed)?;
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

/// Where an event came from, and so where its answer goes.
#[derive(Clone, Copy)]
struct Origin<'a> {
    room: &'a RoomId,
    event_id: &'a str,
    sender: &'a str,
    /// Answers to events in a team room go to the sender's DMs instead.
    team_room: bool,
}

async fn handle_event(
    engine: &MatrixEngine,
    room: &RoomId,
    event_id: &str,
    sender: &str,
    event: &Value,
) -> Result<(), MatrixError> {
    let content = &event["content"];
    let from = Sender::Chat(user_address(sender));
    let team_room = is_team_room(engine, room).await?;
    let origin = Origin {
        room,
        event_id,
        sender,
        team_room,
    };
    match event["type"].as_str() {
        Some("m.reaction") => {
            let relates = &content["m.relates_to"];
            let (Some(target), Some(key)) = (relates["event_id"].as_str(), relates["key"].as_str())
            else {
                return Ok(());
            };
            let Some(meta) = bot_meta(engine, room, target).await else {
                return Ok(());
            };
            let inbound = match meta {
                Meta::Prompt {
                    student: Some(student),
                    ..
                }
                | Meta::KlikLine { student, .. } => {
                    let (Some(value), Ok(student)) = (klik_of(key), PersonId::parse(&student))
                    else {
                        return Ok(());
                    };
                    Inbound::Klik {
                        from,
                        student: Some(student),
                        value: value.label(true).into(),
                    }
                }
                Meta::Escalation { id } => {
                    let Some(action) = escalation_of(key) else {
                        return Ok(());
                    };
                    Inbound::Escalation {
                        from,
                        escalation_id: id,
                        action,
                    }
                }
                Meta::Prompt { student: None, .. } => return Ok(()),
            };
            answer(engine, origin, engine.handle(inbound).await).await
        }
        Some("m.room.message") if content["msgtype"] == "m.text" => {
            let body = strip_reply_fallback(content["body"].as_str().unwrap_or_default()).trim();
            let relates = &content["m.relates_to"];
            if relates["rel_type"] == "m.thread"
                && let Some(root) = relates["event_id"].as_str()
                && engine
                    .store
                    .thread_at_chat_address(&thread_address(root))
                    .await?
                    .is_some()
                && !body.starts_with('!')
            {
                let handled = engine
                    .handle(Inbound::IntervisiePost {
                        from,
                        text: body.to_string(),
                    })
                    .await;
                // The post itself is the visible result; only a refusal needs words.
                if handled.is_err() {
                    answer(
                        engine,
                        Origin {
                            team_room: true,
                            ..origin
                        },
                        handled,
                    )
                    .await?;
                }
                return Ok(());
            }
            match parse(body) {
                Ok(command) => command_event(engine, origin, from, command).await,
                Err(ParseError::NotACommand) if team_room => Ok(()),
                Err(ParseError::NotACommand) => {
                    let target = match relates["m.in_reply_to"]["event_id"].as_str() {
                        Some(replied) => match bot_meta(engine, room, replied).await {
                            Some(Meta::Prompt { key, .. } | Meta::KlikLine { key, .. }) => {
                                ReflectionTarget::Prompt(key)
                            }
                            _ => ReflectionTarget::LatestOpenPrompt,
                        },
                        None => ReflectionTarget::LatestOpenPrompt,
                    };
                    let inbound = Inbound::Reflection {
                        from,
                        text: body.to_string(),
                        target,
                        share: false,
                    };
                    answer(engine, origin, engine.handle(inbound).await).await
                }
                Err(e) => {
                    let language = language(engine, sender).await;
                    let text = e
                        .text()
                        .map(|t| render::defuse_mentions(t.get(language)))
                        .unwrap_or_default();
                    say(engine, origin, &text).await
                }
            }
        }
        _ => Ok(()),
    }
}

async fn command_event(
    engine: &MatrixEngine,
    origin: Origin<'_>,
    from: Sender,
    command: Command,
) -> Result<(), MatrixError> {
    let inbound = match command {
        Command::Help => {
            let language = language(engine, origin.sender).await;
            return say(engine, origin, HELP.get(language)).await;
        }
        Command::Reflect { text, share } => Inbound::Reflection {
            from,
            text,
            target: ReflectionTarget::LatestOpenPrompt,
            share,
        },
        Command::Klik { value, student } => {
            let student = match student {
                Some(typed) => {
                    match named(engine, &from, &typed, Wanted::role(Role::Student)).await {
                        Ok(id) => Some(id),
                        Err(refused) => return answer(engine, origin, refused).await,
                    }
                }
                None => None,
            };
            Inbound::Klik {
                from,
                student,
                value,
            }
        }
        Command::Pause { until } => Inbound::Pause { from, until },
        Command::Resume => Inbound::Resume { from },
        Command::AskPrompt => Inbound::AskPrompt { from },
        Command::Rhythm { per_week } => Inbound::SetRhythm { from, per_week },
        Command::ExportOwn => Inbound::ExportOwn { from },
        Command::Forget { confirm } => Inbound::ForgetSelf { from, confirm },
        Command::IntervisieStart { case, reflection } => Inbound::IntervisieStart {
            from,
            case,
            reflection_id: reflection,
        },
        Command::IntervisiePost { text } => Inbound::IntervisiePost { from, text },
        Command::IntervisieAdvance => Inbound::IntervisieAdvance { from },
        Command::IntervisieTakeaway { text } => Inbound::IntervisieTakeaway { from, text },
        Command::Pair {
            wpb,
            student,
            start,
            end,
        } => match pair_people(engine, &from, &wpb, &student).await {
            Ok((wpb, student)) => Inbound::Pair {
                from,
                wpb,
                student,
                start,
                end,
            },
            Err(refused) => return answer(engine, origin, refused).await,
        },
        Command::Unpair { wpb, student, end } => {
            match pair_people(engine, &from, &wpb, &student).await {
                Ok((wpb, student)) => Inbound::Unpair {
                    from,
                    wpb,
                    student,
                    end,
                },
                Err(refused) => return answer(engine, origin, refused).await,
            }
        }
        Command::Escalations => Inbound::ListEscalations { from },
        Command::Overview => Inbound::SchoolOverview { from },
        Command::Settings { per_week, reminder } => Inbound::SchoolSettings {
            from,
            per_week,
            reminder,
        },
        Command::Escalation { id, action } => Inbound::Escalation {
            from,
            escalation_id: id,
            action,
        },
    };
    answer(engine, origin, engine.handle(inbound).await).await
}

/// The wpb and the student a pairing command names.
async fn pair_people(
    engine: &MatrixEngine,
    from: &Sender,
    wpb: &str,
    student: &str,
) -> Result<(PersonId, PersonId), Handled> {
    let wpb = named(engine, from, wpb, Wanted::role(Role::Wpb)).await?;
    let student = named(engine, from, student, Wanted::role(Role::Student)).await?;
    Ok((wpb, student))
}

/// An encrypted message whose key the bot does not have.
fn is_unreadable(event: &TimelineEvent) -> bool {
    matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. })
}

/// What a room hears when the bot cannot read a message there: in both languages, since the
/// bot may not know who wrote it.
pub const UNREADABLE: Text = Text::new(
    "Ik kan je bericht niet lezen: het is versleuteld en ik heb de sleutel niet gekregen. Stuur het nog eens. Helpt dat niet, zet dan in je Matrix-app 'alleen naar geverifieerde sessies versturen' uit of vraag de beheerder het apparaat van de bot te verifiëren.",
    "I cannot read your message: it is encrypted and I did not receive its key. Please send it again. If that does not help, turn off 'only send to verified sessions' in your Matrix app, or ask the administrator to verify the bot's device.",
);

/// One notice per room per burst of unreadable messages, never one per message.
async fn tell_unreadable(
    engine: &MatrixEngine,
    room: &RoomId,
    event_id: &str,
) -> Result<(), MatrixError> {
    let key = format!("{UNREADABLE_PREFIX}{room}");
    let now = engine.clock.now();
    let last = engine
        .store
        .chat_state(&key)
        .await?
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    if last.is_some_and(|t| now - t.to_utc() < chrono::Duration::minutes(UNREADABLE_QUIET_MINUTES))
    {
        return Ok(());
    }
    let text = format!(
        "{}\n\n{}",
        UNREADABLE.get(Language::Nl),
        UNREADABLE.get(Language::En)
    );
    let content = text_content(&text, None, None);
    if let Err(e) = engine
        .chat
        .send_content(room, &format!("onleesbaar:{event_id}"), &content)
        .await
    {
        tracing::warn!(%e, "could not say that a message is unreadable");
    }
    engine
        .store
        .set_chat_state(&key, &now.to_rfc3339(), now)
        .await?;
    Ok(())
}

/// The references on one of the bot's own messages; nothing for anyone else's. Read through
/// the room, so the bot's own encrypted messages are decrypted.
async fn bot_meta(engine: &MatrixEngine, room: &RoomId, event: &str) -> Option<Meta> {
    let client = engine.chat.client();
    let event_id = EventId::parse(event).ok()?;
    let raw = match client.get_room(room) {
        Some(known) => known
            .event(&event_id, None)
            .await
            .ok()?
            .raw()
            .json()
            .get()
            .to_string(),
        None => client
            .send(get_room_event::v3::Request::new(room.to_owned(), event_id))
            .await
            .ok()?
            .event
            .json()
            .get()
            .to_string(),
    };
    let value: Value = serde_json::from_str(&raw).ok()?;
    let me = client.user_id()?.as_str();
    (value["sender"] == me).then(|| Meta::from_content(&value["content"]))?
}

async fn is_team_room(engine: &MatrixEngine, room: &RoomId) -> Result<bool, MatrixError> {
    Ok(engine
        .store
        .is_team_channel(&format!("matrix:{room}"))
        .await?)
}

async fn language(engine: &MatrixEngine, sender: &str) -> Language {
    match engine.store.person_by_chat(&user_address(sender)).await {
        Ok(Some(p)) => engine.recipient(&p).language,
        _ => engine.config.defaults.language,
    }
}

/// How to confirm a forget on Matrix, where there is no button.
const FORGET_CONFIRM_HOW: Text = Text::new(
    "Typ !vergeet-mij bevestig om alles te verwijderen.",
    "Type !forget-me confirm to delete everything.",
);

/// The answer in the person's language, within the limit; what to type next always stays.
fn answer_text(handled: &Handled, ctx: &RenderContext) -> String {
    match handled {
        Ok(reply @ Reply::ForgetConfirm { .. }) => {
            let how = FORGET_CONFIRM_HOW;
            let how = how.get(ctx.language);
            let room = RenderContext {
                max_chars: ctx.max_chars.saturating_sub(render::char_count(how) + 1),
                ..*ctx
            };
            format!("{}\n{how}", render::reply(reply, &room))
        }
        Ok(reply) => render::reply(reply, ctx),
        Err(Refusal::User(e)) => render::user_error(e, ctx),
        Err(Refusal::Internal(e)) => {
            tracing::error!(%e, "handling a Matrix event failed");
            render::fault(ctx.language)
        }
    }
}

/// Answers in the same conversation, or privately when it came from a team room.
async fn answer(
    engine: &MatrixEngine,
    origin: Origin<'_>,
    handled: Handled,
) -> Result<(), MatrixError> {
    let language = language(engine, origin.sender).await;
    let ctx = RenderContext {
        language,
        tz: engine.config.defaults.calendar.tz,
        max_chars: DEFAULT_MAX_CHARS,
    };
    let text = answer_text(&handled, &ctx);
    say(engine, origin, &text).await?;
    if let Ok(Reply::Exported { file_name, json }) = handled {
        send_file(engine, origin, &file_name, json.into_bytes()).await?;
    }
    Ok(())
}

/// Where a private answer goes: this room, unless it is a team room; then the person's DMs.
async fn answer_room(
    engine: &MatrixEngine,
    origin: Origin<'_>,
) -> Option<matrix_sdk::ruma::OwnedRoomId> {
    if !origin.team_room {
        return Some(origin.room.to_owned());
    }
    // Only people in the roster get a room with the bot: a stranger typing in a team room
    // gets no answer rather than a new DM.
    match engine
        .store
        .person_by_chat(&user_address(origin.sender))
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::info!(sender = %origin.sender, "no private answer for someone not in the roster");
            return None;
        }
        Err(e) => {
            tracing::warn!(%e, "could not look up who wrote in a team room");
            return None;
        }
    }
    match engine
        .chat
        .dm_room(&user_address(origin.sender), origin.sender)
        .await
    {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(%e, "could not reach a person privately");
            None
        }
    }
}

async fn say(engine: &MatrixEngine, origin: Origin<'_>, text: &str) -> Result<(), MatrixError> {
    if text.is_empty() {
        return Ok(());
    }
    let Some(target) = answer_room(engine, origin).await else {
        return Ok(());
    };
    let content = text_content(text, None, None);
    // One answer per event, also when the event is handled again after a crash.
    if let Err(e) = engine
        .chat
        .send_content(&target, &format!("antwoord:{}", origin.event_id), &content)
        .await
    {
        tracing::warn!(%e, "could not answer");
    }
    Ok(())
}

async fn send_file(
    engine: &MatrixEngine,
    origin: Origin<'_>,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<(), MatrixError> {
    let Some(target) = answer_room(engine, origin).await else {
        return Ok(());
    };
    if let Err(e) = engine
        .chat
        .send_file(
            &target,
            &format!("bestand:{}", origin.event_id),
            file_name,
            bytes,
        )
        .await
    {
        tracing::warn!(%e, "could not send an export");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::assert_only;

    #[test]
    fn a_forget_confirmation_always_says_what_to_type() {
        let handled: Handled = Ok(Reply::ForgetConfirm {
            reflections: 1,
            signals: 2,
            prompts: 3,
        });
        for language in [Language::Nl, Language::En] {
            for max_chars in [DEFAULT_MAX_CHARS, 120] {
                let ctx = RenderContext {
                    language,
                    tz: chrono_tz::Europe::Amsterdam,
                    max_chars,
                };
                let text = answer_text(&handled, &ctx);
                assert!(render::char_count(&text) <= max_chars, "{text}");
                assert!(text.ends_with(FORGET_CONFIRM_HOW.get(language)), "{text}");
                assert_only(language, &text);
            }
        }
    }
    #[test]
    fn the_store_lives_next_to_an_sqlite_database() {
        let sibling = |url: &str| sqlite_sibling(url).map(|p| p.display().to_string());
        assert_eq!(
            sibling("sqlite://wandelgang.db").as_deref(),
            Some("wandelgang.matrix-store")
        );
        assert_eq!(
            sibling("sqlite:///var/lib/wg/data.db?mode=rwc").as_deref(),
            Some("/var/lib/wg/data.matrix-store")
        );
        assert_eq!(
            sibling("sqlite:data/wg.db").as_deref(),
            Some("data/wg.matrix-store")
        );
        assert_eq!(sibling("sqlite::memory:"), None);
        assert_eq!(sibling("postgres://db/wg"), None);
    }

    #[test]
    fn a_new_device_clears_only_the_sdk_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "matrix-sdk-crypto.sqlite3",
            "matrix-sdk-crypto.sqlite3-wal",
            "wandelgang.db",
        ] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        std::fs::create_dir(dir.path().join("matrix-sdk-media")).expect("dir");
        clear_sdk_files(dir.path()).expect("clear");
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["wandelgang.db".to_string()]);
        clear_sdk_files(&dir.path().join("absent")).expect("nothing to clear");
    }

    #[test]
    fn the_unreadable_notice_speaks_both_languages() {
        for language in [Language::Nl, Language::En] {
            assert_only(language, UNREADABLE.get(language));
        }
    }
}
