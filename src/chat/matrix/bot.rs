//! The running Matrix bot: log in (once; the session is kept in the store so the device and
//! its transaction ids survive restarts), sync with the token kept in the store, turn messages,
//! replies and reactions into the core's `Inbound` events, and tick the scheduler.

use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::filter::FilterDefinition;
use matrix_sdk::ruma::api::client::media::create_content;
use matrix_sdk::ruma::api::client::room::get_room_event;
use matrix_sdk::ruma::api::client::sync::sync_events::v3::Filter;
use matrix_sdk::ruma::{EventId, OwnedUserId, RoomId, UInt};
use matrix_sdk::{SessionMeta, SessionTokens};
use serde_json::{Value, json};
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
use crate::app::inbox::{Handled, Inbound, ReflectionTarget, Reply, Sender};
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
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct RunningMatrixBot {
    pub engine: Arc<MatrixEngine>,
    syncer: JoinHandle<()>,
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

    /// Runs until `stop`. Stopping at any point loses nothing: the sync token is stored only
    /// after its events were handled, and claimed outbox rows come back after their lease.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        self.kill();
    }
}

pub async fn start(
    store: Store,
    config: Arc<Config>,
    catalogue: Arc<Catalogue>,
    clock: SharedClock,
    opts: MatrixOptions,
) -> Result<RunningMatrixBot, MatrixError> {
    let client = Client::builder()
        .homeserver_url(&opts.settings.homeserver)
        .build()
        .await
        .map_err(|e| MatrixError::Client(e.to_string()))?;
    log_in(&client, &store, &opts.settings, clock.now()).await?;
    let tz = config.defaults.calendar.tz;
    let chat = MatrixChat::new(client.clone(), store.clone(), clock.clone(), tz);
    let mut engine = Engine::new(store, chat, clock, config, catalogue);
    engine.batch = opts.batch;
    engine.lease_secs = opts.lease_secs;
    let engine = Arc::new(engine);
    // The first start ignores history: everything before now is not the bot's business.
    if engine.store.chat_state(SYNC_TOKEN).await?.is_none() {
        let first = client
            .sync_once(SyncSettings::default().timeout(Duration::ZERO))
            .await
            .map_err(|e| MatrixError::Client(e.to_string()))?;
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

/// Restores the stored session of this user, or logs in once and stores it.
async fn log_in(
    client: &Client,
    store: &Store,
    settings: &MatrixSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), MatrixError> {
    let login_err = |e: &dyn std::fmt::Display| MatrixError::Login(e.to_string());
    if let Some(saved) = store.chat_state(SESSION).await? {
        let session: MatrixSession = serde_json::from_str(&saved).map_err(|e| login_err(&e))?;
        if session.meta.user_id.as_str() == settings.user {
            return client
                .restore_session(session)
                .await
                .map_err(|e| login_err(&e));
        }
    }
    let session = if let Some(token) = &settings.access_token {
        let user: OwnedUserId = settings
            .user
            .as_str()
            .try_into()
            .map_err(|e| login_err(&e))?;
        let probe = MatrixSession {
            meta: SessionMeta {
                user_id: user,
                device_id: "WANDELGANG".into(),
            },
            tokens: SessionTokens {
                access_token: token.expose().to_string(),
                refresh_token: None,
            },
        };
        // The device belongs to the token: ask the homeserver, on a client of its own, since
        // a client's session can be set only once.
        let asker = Client::builder()
            .homeserver_url(&settings.homeserver)
            .build()
            .await
            .map_err(|e| login_err(&e))?;
        asker
            .restore_session(probe.clone())
            .await
            .map_err(|e| login_err(&e))?;
        let who = asker.whoami().await.map_err(|e| login_err(&e))?;
        let device_id = who
            .device_id
            .ok_or_else(|| login_err(&"token without a device"))?;
        MatrixSession {
            meta: SessionMeta {
                user_id: who.user_id,
                device_id,
            },
            tokens: probe.tokens,
        }
    } else if let Some(password) = &settings.password {
        client
            .matrix_auth()
            .login_username(&settings.user, password.expose())
            .initial_device_display_name("Wandelgang")
            .send()
            .await
            .map_err(|e| login_err(&e))?;
        let session = client
            .matrix_auth()
            .session()
            .ok_or_else(|| login_err(&"no session after login"))?;
        save_session(store, &session, now).await?;
        return Ok(());
    } else {
        return Err(MatrixError::NoCredentials);
    };
    save_session(store, &session, now).await?;
    client
        .restore_session(session)
        .await
        .map_err(|e| login_err(&e))
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

fn sync_settings(token: String, timeout: Duration) -> SyncSettings {
    let mut filter = FilterDefinition::default();
    filter.room.timeline.limit = Some(UInt::from(TIMELINE_LIMIT));
    SyncSettings::default()
        .token(token)
        .timeout(timeout)
        .filter(Filter::FilterDefinition(filter))
}

async fn sync_forever(engine: Arc<MatrixEngine>, timeout: Duration) {
    let mut backoff = Duration::from_secs(1);
    let mut last_prune = None;
    loop {
        match sync_step(&engine, timeout).await {
            Ok(()) => backoff = Duration::from_secs(1),
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
        .map_err(|e| MatrixError::Client(e.to_string()))?;
    join_invites(engine, &response).await?;
    let me = client.user_id().map(|u| u.to_string()).unwrap_or_default();
    for (room, joined) in &response.rooms.joined {
        if joined.timeline.limited {
            // Also true for a room just joined, whose earlier history is none of the bot's business.
            tracing::info!(%room, "sync timeline limited: events older than this sync's window were not read");
        }
        for event in &joined.timeline.events {
            let Ok(event) = serde_json::from_str::<Value>(event.raw().json().get()) else {
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
            handle_event(engine, room, id, sender, &event).await?;
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
                if !matches!(handled, Ok(Ok(_))) {
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

/// The references on one of the bot's own messages; nothing for anyone else's.
async fn bot_meta(engine: &MatrixEngine, room: &RoomId, event: &str) -> Option<Meta> {
    let client = engine.chat.client();
    let event_id = EventId::parse(event).ok()?;
    let response = client
        .send(get_room_event::v3::Request::new(room.to_owned(), event_id))
        .await
        .ok()?;
    let value: Value = serde_json::from_str(response.event.json().get()).ok()?;
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
        Ok(Ok(reply @ Reply::ForgetConfirm { .. })) => {
            let how = FORGET_CONFIRM_HOW;
            let how = how.get(ctx.language);
            let room = RenderContext {
                max_chars: ctx.max_chars.saturating_sub(render::char_count(how) + 1),
                ..*ctx
            };
            format!("{}\n{how}", render::reply(reply, &room))
        }
        Ok(Ok(reply)) => render::reply(reply, ctx),
        Ok(Err(e)) => render::user_error(e, ctx),
        Err(e) => {
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
    if let Ok(Ok(Reply::Exported { file_name, json })) = handled {
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
    let size = bytes.len();
    let mut request = create_content::v3::Request::new(bytes);
    request.content_type = Some("application/json".into());
    request.filename = Some(file_name.to_string());
    let uploaded = match engine.chat.client().send(request).await {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(%e, "could not upload an export");
            return Ok(());
        }
    };
    let content = json!({
        "msgtype": "m.file",
        "body": file_name,
        "filename": file_name,
        "url": uploaded.content_uri.to_string(),
        "info": {"mimetype": "application/json", "size": size},
        "m.mentions": {},
    });
    if let Err(e) = engine
        .chat
        .send_content(&target, &format!("bestand:{}", origin.event_id), &content)
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
        let handled: Handled = Ok(Ok(Reply::ForgetConfirm {
            reflections: 1,
            signals: 2,
            prompts: 3,
        }));
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
}
