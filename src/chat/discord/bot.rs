//! The running Discord bot: serenity's client with poise's commands, the tick loop, and the
//! translation of button presses, modals and plain messages into the core's `Inbound` events.
//! Who may do what is decided by the core, never here.

use serenity::all::{
    ChannelId, Client, ComponentInteraction, ComponentInteractionDataKind,
    CreateInteractionResponse, CreateMessage, FullEvent, GatewayIntents, GuildId, HttpBuilder,
    Interaction, Message as DiscordMessage, ModalInteraction, ShardManager, UserId,
};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::catch_up::{SEEN, catch_up};
use super::commands;
use super::outbound::{ephemeral, ephemeral_message, no_mentions, reflection_modal};
use super::pacer::Pacer;
use super::people::DISCORD;
use super::transport::DiscordChat;
use super::wire::{Component, CustomIdError, MODAL_TEXT_ID, channel_address, user_address};
use crate::app::Engine;
use crate::app::engine::new_engine_id;
use crate::app::inbox::{Inbound, ReflectionTarget, Sender};
use crate::app::metrics::Metrics;
use crate::app::ports::Clock;
use crate::chat::answer::{self, Answer, StaleButton, ThreadPost};
use crate::chat::render::{self, DEFAULT_MAX_CHARS};
use crate::chat::ticker::Ticker;
use crate::config::Config;
use crate::domain::language::{Language, Text};
use crate::domain::prompts::Catalogue;
use crate::service::{LeaseLost, LeaseState, until_held, until_lost};
use crate::store::Store;

/// The clock the engine and the handlers share; a trait object, so a virtual clock can stand in.
pub type SharedClock = Arc<dyn Clock>;
/// The core as the Discord bot runs it, sending through `DiscordChat`.
pub type BotEngine = Engine<DiscordChat, SharedClock>;
/// The error of poise's handlers: anything, since a failed command is only logged and answered
/// with a kind apology.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The least the bot needs: guilds (threads, channels), DMs (plain replies count as the
/// reflection) and guild messages with their content (posts in intervisie threads; everything
/// else in a guild is ignored and never stored).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

/// How long a clean stop waits for the tick in hand; with the gateway's close, a stop stays
/// well within the 10 s systemd and container runtimes give before they kill.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(7);

/// What every handler can reach.
pub struct Data {
    /// The core that every command, button and message is handed to.
    pub engine: Arc<BotEngine>,
    /// Guild id → school id: commands are registered in these guilds only.
    pub guilds: BTreeMap<u64, String>,
    /// Set once this process's first session has read back what went unheard before it.
    caught_up: AtomicBool,
}

/// How to start the Discord bot; `new` fills in the production defaults.
pub struct DiscordOptions {
    /// The REST client; tests hand in one that reaches their stand-in.
    pub http: HttpBuilder,
    /// Guild id → school id: the servers the bot serves (commands are registered there only).
    pub guilds: BTreeMap<u64, String>,
    /// The bot's own ceiling on REST requests, kept below Discord's global limit of 50 a second.
    pub requests_per_second: f64,
    /// How often the scheduler runs; None leaves ticking to the caller (tests).
    pub tick_every: Option<Duration>,
    /// Outbox rows claimed per step. Small batches keep a resend after a crash (one batch at
    /// most) well inside Discord's nonce window.
    pub batch: i64,
    /// How long a claimed outbox row stays this process's before another may take it over.
    pub lease_secs: i64,
    /// The engine's claim id, which is also this process's name in the `processes` table.
    pub id: String,
    /// The counters `/metrics` shows; the bot sets the connection's state in them.
    pub metrics: Arc<Metrics>,
    /// How many processes share the bot's token and so its request budget (1 alone).
    pub peers: Arc<AtomicUsize>,
    /// With several processes on one database: this process's standing with the chat lease.
    /// The gateway connects once it is held and closes when it is lost; `None` connects at
    /// once (one process alone).
    pub lease: Option<watch::Receiver<LeaseState>>,
}

impl DiscordOptions {
    /// The production defaults: a tick every 30 s, batches of 100 rows and a 60 s lease.
    pub fn new(http: HttpBuilder, guilds: BTreeMap<u64, String>, requests_per_second: f64) -> Self {
        Self {
            http,
            guilds,
            requests_per_second,
            tick_every: Some(Duration::from_secs(30)),
            batch: 100,
            lease_secs: 60,
            id: new_engine_id(),
            metrics: Arc::new(Metrics::default()),
            peers: Arc::new(AtomicUsize::new(1)),
            lease: None,
        }
    }
}

/// Why the Discord bot could not start, or stopped running.
#[derive(Debug, thiserror::Error)]
pub enum DiscordError {
    /// serenity failed: building the client, or the gateway ended on a fatal error such as a bad
    /// token.
    #[error("Discord-client kon niet starten / Discord client could not start: {0}")]
    Client(#[from] serenity::Error),
    /// The task running the gateway client panicked or was aborted.
    #[error("Discord-client gestopt / Discord client stopped: {0}")]
    Task(String),
    /// Another process took the gateway over, or the lease could not be renewed in time.
    #[error(transparent)]
    LeaseLost(#[from] LeaseLost),
}

/// A started Discord bot: the gateway client and the ticker, running until killed or shut down.
pub struct RunningBot {
    /// The core it runs, so callers and tests can tick it and look at its store.
    pub engine: Arc<BotEngine>,
    shard_manager: Arc<ShardManager>,
    client: JoinHandle<Result<(), DiscordError>>,
    ticker: Ticker,
}

impl RunningBot {
    /// Stops like a crash would: nothing is finished or flushed. (The shard tasks serenity
    /// spawned are told to close too, as a dead process's connection would drop.)
    pub fn kill(self) {
        self.client.abort();
        self.ticker.stop();
        let shards = self.shard_manager.clone();
        tokio::spawn(async move { shards.shutdown_all().await });
    }

    /// Stops cleanly: no new claims, the batch in hand sent or given back (waiting at most
    /// [`SHUTDOWN_WAIT`] for that), then the gateway closed.
    pub async fn shutdown(self) {
        self.engine.stop_claiming();
        if !self.ticker.finish(SHUTDOWN_WAIT).await {
            tracing::warn!(
                "the tick in progress did not end in time; its rows come back after their lease"
            );
        }
        self.shard_manager.shutdown_all().await;
        self.engine.metrics.set_chat_connected(false);
        // A standby's gateway task still waits for the lease; a holder's has nothing left.
        self.client.abort();
        let _ = self.client.await;
    }

    /// Runs until `stop` completes (then shuts down cleanly) or the gateway client ends on a
    /// fatal error such as a bad token.
    pub async fn run_until(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), DiscordError> {
        tokio::select! {
            ended = &mut self.client => {
                self.ticker.stop();
                match ended {
                    Ok(r) => r,
                    Err(e) => Err(DiscordError::Task(e.to_string())),
                }
            }
            () = stop => {
                self.shutdown().await;
                Ok(())
            }
        }
    }
}

/// Starts the bot in the background: the gateway client (which registers the commands in each
/// configured guild once connected) and the ticker.
pub async fn start(
    store: Store,
    config: Arc<Config>,
    catalogue: Arc<Catalogue>,
    clock: SharedClock,
    opts: DiscordOptions,
) -> Result<RunningBot, DiscordError> {
    let data_cell: Arc<OnceLock<Arc<Data>>> = Arc::new(OnceLock::new());
    let framework = {
        let data_cell = data_cell.clone();
        poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: commands::all(),
                event_handler: |framework, event| Box::pin(on_event(framework, event)),
                on_error: |error| Box::pin(commands::on_error(error)),
                allowed_mentions: Some(no_mentions()),
                ..Default::default()
            })
            .initialize_owners(false)
            .setup(move |ctx, _ready, framework| {
                Box::pin(async move {
                    let data = data_cell
                        .get()
                        .cloned()
                        .ok_or("bot data not ready before the gateway")?;
                    for guild in data.guilds.keys() {
                        if let Err(e) = poise::builtins::register_in_guild(
                            ctx,
                            &framework.options().commands,
                            GuildId::new(*guild),
                        )
                        .await
                        {
                            tracing::error!(guild, %e, "could not register the commands");
                        }
                    }
                    Ok(data)
                })
            })
            .build()
    };
    let http = opts.http.default_allowed_mentions(no_mentions()).build();
    let client = serenity::all::ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .await?;
    let tz = config.defaults.calendar.tz;
    let chat = DiscordChat::new(
        client.http.clone(),
        store.clone(),
        Arc::new(Pacer::shared(opts.requests_per_second, opts.peers)),
        tz,
    );
    let mut engine = Engine::new(store, chat, clock, config, catalogue);
    engine.batch = opts.batch;
    engine.lease_secs = opts.lease_secs;
    engine.id = opts.id;
    engine.metrics = opts.metrics;
    let engine = Arc::new(engine);
    let data = Arc::new(Data {
        engine: engine.clone(),
        guilds: opts.guilds,
        caught_up: AtomicBool::new(false),
    });
    let _ = data_cell.set(data);
    let shard_manager = client.shard_manager.clone();
    let client = tokio::spawn(gateway(client, opts.lease, engine.metrics.clone()));
    let ticker = Ticker::start(&engine, opts.tick_every);
    Ok(RunningBot {
        engine,
        shard_manager,
        client,
        ticker,
    })
}

/// The gateway connection: at once, or once this process holds the chat lease. It ends when
/// the lease is lost, closing the shards first so two processes never answer one message.
async fn gateway(
    mut client: Client,
    lease: Option<watch::Receiver<LeaseState>>,
    metrics: Arc<Metrics>,
) -> Result<(), DiscordError> {
    let Some(mut lease) = lease else {
        return client.start().await.map_err(DiscordError::from);
    };
    let held = until_held(&mut lease).await;
    metrics.set_chat_standby(false);
    if !held {
        // Handed back before it was ever held: the process is stopping.
        return Ok(());
    }
    let shards = client.shard_manager.clone();
    tokio::select! {
        ended = client.start() => ended.map_err(DiscordError::from),
        () = until_lost(&mut lease) => {
            // Closing is quick; bounded all the same, as the lease's timing counts on it.
            let closing = tokio::time::timeout(Duration::from_secs(2), shards.shutdown_all());
            if closing.await.is_err() {
                tracing::warn!("the gateway did not close within 2 s");
            }
            metrics.set_chat_connected(false);
            Err(LeaseLost.into())
        }
    }
}

impl Data {
    /// The asker's language by the one rule (`chat::answer::language`), with their Discord locale.
    pub async fn language(&self, user: UserId, locale: Option<&str>) -> Language {
        answer::language(&*self.engine, &user_address(user.get()), locale).await
    }

    /// A guild the bot was not set up for answers nothing but this.
    pub fn unknown_guild(&self, guild: Option<GuildId>, language: Language) -> Option<String> {
        let guild = guild?;
        (!self.guilds.contains_key(&guild.get())).then(|| UNKNOWN_GUILD.get(language).to_string())
    }

    /// Handles `event` through the one answering path.
    pub async fn answer(&self, event: Inbound, language: Language) -> Answer {
        answer::answer(&*self.engine, event, language, &DISCORD).await
    }
}

fn sender(user: UserId) -> Sender {
    Sender::Chat(user_address(user.get()))
}

async fn on_event(
    framework: poise::FrameworkContext<'_, Arc<Data>, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let data = framework.user_data;
    let ctx = framework.serenity_context;
    match event {
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(c),
        } => on_component(ctx, data, c).await,
        FullEvent::InteractionCreate {
            interaction: Interaction::Modal(m),
        } => on_modal(ctx, data, m).await,
        FullEvent::Message { new_message } => on_message(data, new_message).await,
        FullEvent::Ready { .. } => {
            data.engine.metrics.set_chat_connected(true);
            if !data.caught_up.swap(true, Ordering::SeqCst) {
                let data = data.clone();
                tokio::spawn(async move {
                    if let Err(e) = catch_up(&data).await {
                        tracing::error!(%e, "catch-up: could not read back the unheard DMs");
                    }
                });
            }
            Ok(())
        }
        FullEvent::Resume { .. } => {
            data.engine.metrics.set_chat_connected(true);
            Ok(())
        }
        FullEvent::ShardStageUpdate { event } => {
            let up = event.new == serenity::all::ConnectionStage::Connected;
            data.engine.metrics.set_chat_connected(up);
            Ok(())
        }
        _ => Ok(()),
    }
}

async fn on_component(
    ctx: &serenity::all::Context,
    data: &Data,
    c: &ComponentInteraction,
) -> Result<(), Error> {
    let language = data.language(c.user.id, Some(&c.locale)).await;
    if let Some(refusal) = data.unknown_guild(c.guild_id, language) {
        c.create_response(&ctx.http, ephemeral(refusal)).await?;
        return Ok(());
    }
    if !matches!(c.data.kind, ComponentInteractionDataKind::Button) {
        return Ok(());
    }
    let from = sender(c.user.id);
    let event = match Component::parse(&c.data.custom_id) {
        Err(e) => {
            c.create_response(&ctx.http, ephemeral(stale_text(e, language)))
                .await?;
            return Ok(());
        }
        Ok(Component::ReflectButton { prompt_key }) => {
            let response = reflection_modal(&prompt_key, language)
                .unwrap_or_else(|| ephemeral(stale_text(CustomIdError::Unknown, language)));
            c.create_response(&ctx.http, response).await?;
            return Ok(());
        }
        Ok(Component::ReflectModal { .. }) => {
            c.create_response(
                &ctx.http,
                ephemeral(stale_text(CustomIdError::Unknown, language)),
            )
            .await?;
            return Ok(());
        }
        Ok(Component::Klik { value, student }) => Inbound::Klik {
            from,
            student: Some(student),
            value: value.label(true).to_string(),
        },
        Ok(Component::Escalation { id, action }) => Inbound::Escalation {
            from,
            escalation_id: id,
            action,
        },
        Ok(Component::ForgetConfirm) => Inbound::ForgetSelf {
            from,
            confirm: true,
        },
    };
    let forget = matches!(event, Inbound::ForgetSelf { .. });
    let answer = data.answer(event, language).await;
    let message = ephemeral_message(answer.text);
    // The confirmation replaces the question, so its button cannot be pressed twice.
    let response = if forget {
        CreateInteractionResponse::UpdateMessage(message.components(vec![]))
    } else {
        CreateInteractionResponse::Message(message)
    };
    c.create_response(&ctx.http, response).await?;
    Ok(())
}

async fn on_modal(
    ctx: &serenity::all::Context,
    data: &Data,
    m: &ModalInteraction,
) -> Result<(), Error> {
    let language = data.language(m.user.id, Some(&m.locale)).await;
    let prompt_key = match Component::parse(&m.data.custom_id) {
        Ok(Component::ReflectModal { prompt_key }) => prompt_key,
        Ok(_) => {
            m.create_response(
                &ctx.http,
                ephemeral(stale_text(CustomIdError::Unknown, language)),
            )
            .await?;
            return Ok(());
        }
        Err(e) => {
            m.create_response(&ctx.http, ephemeral(stale_text(e, language)))
                .await?;
            return Ok(());
        }
    };
    let text = modal_text(m).unwrap_or_default();
    let answer = data
        .answer(
            Inbound::Reflection {
                from: sender(m.user.id),
                text,
                target: ReflectionTarget::Prompt(prompt_key),
                share: false,
            },
            language,
        )
        .await;
    m.create_response(&ctx.http, ephemeral(answer.text)).await?;
    Ok(())
}

fn modal_text(m: &ModalInteraction) -> Option<String> {
    m.data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::all::ActionRowComponent::InputText(t) if t.custom_id == MODAL_TEXT_ID => {
                t.value.clone()
            }
            _ => None,
        })
}

/// A plain DM is the reflection to the latest open prompt; a post in an intervisie thread is a
/// contribution to it. Anything else in a guild is none of the bot's business.
async fn on_message(data: &Data, msg: &DiscordMessage) -> Result<(), Error> {
    if msg.author.bot || msg.content.trim().is_empty() {
        return Ok(());
    }
    let Some(guild) = msg.guild_id else {
        on_dm(data, msg).await;
        return Ok(());
    };
    if !data.guilds.contains_key(&guild.get()) {
        return Ok(());
    }
    let place = channel_address(msg.channel_id.get());
    let author = user_address(msg.author.id.get());
    let posted = answer::thread_post(
        &*data.engine,
        &author,
        &place,
        msg.content.clone(),
        &DISCORD,
    )
    .await?;
    // The answer to a refused post is private.
    if let ThreadPost::Refused(answer) = posted {
        match data.engine.chat.dm_channel(msg.author.id.get()).await {
            Ok(dm) => say(data, dm, answer.text).await,
            Err(e) => tracing::warn!(%e, "could not tell a poster why their post was refused"),
        }
    }
    Ok(())
}

/// A DM is the reflection to the latest open prompt, answered in the DM; handled only the
/// first time any process sees it (true then).
pub(super) async fn on_dm(data: &Data, msg: &DiscordMessage) -> bool {
    if !first_sight(data, msg).await {
        return false;
    }
    let language = data.language(msg.author.id, None).await;
    let answer = data
        .answer(
            Inbound::Reflection {
                from: sender(msg.author.id),
                text: msg.content.clone(),
                target: ReflectionTarget::LatestOpenPrompt,
                share: false,
            },
            language,
        )
        .await;
    say(data, msg.channel_id, answer.text).await;
    true
}

/// Whether no process handled this message before; marks it handled. When the database
/// cannot tell, the message is left (a live one is lost as if the connection had dropped it;
/// the next catch-up reads it back).
async fn first_sight(data: &Data, msg: &DiscordMessage) -> bool {
    let now = data.engine.clock.now();
    match data
        .engine
        .store
        .first_sight(SEEN, &msg.id.get().to_string(), now)
        .await
    {
        Ok(first) => first,
        Err(e) => {
            tracing::error!(%e, "could not mark a message as handled; leaving it");
            false
        }
    }
}

/// A short message outside the outbox (an answer to something the person just did).
async fn say(data: &Data, channel: ChannelId, text: String) {
    data.engine.chat.pacer().wait().await;
    let message = CreateMessage::new()
        .content(render::fit(text, DEFAULT_MAX_CHARS))
        .allowed_mentions(no_mentions());
    if let Err(e) = channel.send_message(data.engine.chat.http(), message).await {
        tracing::warn!(%e, "could not answer a message");
    }
}

const UNKNOWN_GUILD: Text = Text::new(
    "Deze server is niet aan een school gekoppeld; vraag de beheerder om hem toe te voegen.",
    "This server is not linked to a school; ask the administrator to add it.",
);

fn stale_text(e: CustomIdError, language: Language) -> String {
    let button = match e {
        CustomIdError::Stale => StaleButton::OlderVersion,
        CustomIdError::Unknown => StaleButton::Unknown,
    };
    answer::stale(button).get(language).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bots_own_answers_are_in_one_language_each() {
        answer::assert_in_one_language_each(&[UNKNOWN_GUILD]);
    }
}
