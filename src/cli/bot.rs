//! `wandelgang run`: the bot on Discord or Matrix with the scheduler, until Ctrl-C or SIGTERM.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use serenity::all::HttpBuilder;

use crate::app::metrics::Metrics;
use crate::app::ports::SystemClock;
use crate::chat::discord::{self, DiscordOptions};
use crate::chat::matrix::MatrixOptions;
use crate::config::{Config, MatrixSettings, Secret};
use crate::domain::prompts::Catalogue;
use crate::service::{ChatLease, LeaseLost, Service, SingleProcess, until_held, until_lost};
use crate::store::{Backend, Store};

use super::{load_config, no_schoolopleider, open_store};

/// The scheduler's interval when an option leaves ticking to the caller (never in `run`).
const DEFAULT_TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// What every `run` sets up before its platform starts.
struct SetUp {
    /// The SQLite file taken for this process (nothing on PostgreSQL).
    _single: SingleProcess,
    store: Store,
    /// Its row in the `processes` table and its endpoints.
    service: Service,
    /// On PostgreSQL, where several processes may run: the claim on the chat connection.
    lease: Option<ChatLease>,
}

async fn set_up(
    config: &Config,
    id: &str,
    role: &str,
    metrics: Arc<Metrics>,
    tick_every: Option<std::time::Duration>,
) -> Result<SetUp> {
    let single = SingleProcess::take(&config.database_url)?;
    let store = open_store(config).await?;
    warn_schools_without_schoolopleider(&store).await?;
    let service = Service::start(
        &config.service,
        &store,
        id,
        role,
        metrics.clone(),
        tick_every.unwrap_or(DEFAULT_TICK),
    )
    .await?;
    // SQLite has one process, which needs no lease (and after a crash need not wait one out).
    let lease = (Backend::from_url(&config.database_url)? == Backend::Postgres)
        .then(|| ChatLease::start(store.clone(), role, id));
    // Until the lease is held, this process is a standby (ready, without a connection).
    metrics.set_chat_standby(lease.is_some());
    Ok(SetUp {
        _single: single,
        store,
        service,
        lease,
    })
}

impl SetUp {
    /// Hands the chat lease over, records the stop and closes the database.
    async fn finish(self) {
        if let Some(lease) = self.lease {
            lease.release().await;
        }
        self.service.stop().await;
        self.store.close().await;
    }
}

/// The start line's note on the chat connection when several processes may share it.
fn lease_line(lease: &Option<ChatLease>) -> &'static str {
    match lease {
        Some(_) => {
            "\nPostgreSQL: één proces tegelijk houdt de chatverbinding, de andere nemen het over als het wegvalt / one process at a time holds the chat connection, the others take over when it goes away"
        }
        None => "",
    }
}

/// At start: every school where an escalation would find no schoolopleider, as a warning in
/// the log and on stderr (where the start line goes too).
async fn warn_schools_without_schoolopleider(store: &Store) -> Result<()> {
    let roster = store.roster().await?;
    for school in roster.schools_without_schoolopleider() {
        // The binary's own target, as when this ran in main.rs: log filters and readers see no change.
        tracing::warn!(target: "wandelgang", school = %school.id, "school has no schoolopleider; escalations go to admin_chat if configured, otherwise they reach nobody");
        eprintln!("Let op / warning: {}", no_schoolopleider(&school.id));
    }
    Ok(())
}

/// `wandelgang run`: one deployment serves one platform, Discord or Matrix.
pub async fn run(config: Option<&Path>) -> Result<()> {
    let config = load_config(config)?;
    match (config.discord_token.clone(), config.matrix.clone()) {
        (Some(_), Some(_)) => bail!(
            "zowel Discord als Matrix is ingesteld; één deployment bedient één platform. Haal er een weg uit de configuratie.\n\
             both Discord and Matrix are configured; one deployment serves one platform. Remove one from the configuration."
        ),
        (None, Some(matrix)) => run_matrix(config, matrix).await,
        (Some(token), None) => run_discord(config, token).await,
        (None, None) => bail!(
            "geen chatplatform: zet WANDELGANG_DISCORD_TOKEN (Discord) of een [matrix]-tabel in het configuratiebestand (README, 'Running on Discord' en 'Running on Matrix'). Zonder chataccount laat `wandelgang demo` zien wat de bot doet.\n\
             no chat platform: set WANDELGANG_DISCORD_TOKEN (Discord) or a [matrix] table in the configuration file (README, 'Running on Discord' and 'Running on Matrix'). Without a chat account, `wandelgang demo` shows what the bot does."
        ),
    }
}

/// The start line's note on the endpoints.
fn endpoints_line(service: &Service) -> String {
    match service.address() {
        Some(a) => format!(
            "gezondheid en metrics op / health and metrics at http://{a}/readyz, http://{a}/metrics"
        ),
        None => {
            "geen gezondheids-endpoints ([service] listen = \"\") / no health endpoints".to_string()
        }
    }
}

async fn run_matrix(config: Config, matrix: MatrixSettings) -> Result<()> {
    let opts = MatrixOptions::new(matrix);
    let metrics = opts.metrics.clone();
    let set = set_up(
        &config,
        &opts.id,
        "matrix",
        metrics.clone(),
        opts.tick_every,
    )
    .await?;
    eprintln!(
        "Wandelgang draait op Matrix als {} / running on Matrix as {}; stoppen met Ctrl-C / stop with Ctrl-C\n{}{}",
        opts.settings.user,
        opts.settings.user,
        endpoints_line(&set.service),
        lease_line(&set.lease)
    );
    let stop = stop_signal();
    tokio::pin!(stop);
    // The device's encryption keys belong to one running client, so on Matrix a standby does
    // nothing until it holds the lease: then it logs in and syncs on from the stored token.
    let mut state = set.lease.as_ref().map(ChatLease::state);
    if let Some(state) = state.as_mut() {
        let held = tokio::select! {
            held = until_held(state) => held,
            () = stop.as_mut() => false,
        };
        metrics.set_chat_standby(false);
        if !held {
            set.finish().await;
            return Ok(());
        }
    }
    // Ends with an error (so a non-zero exit, for systemd and the operator) when the login
    // is revoked and cannot be renewed.
    let bot = crate::chat::matrix::run(
        set.store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        opts,
        stop,
    );
    let result = match state.as_mut() {
        Some(state) => tokio::select! {
            result = bot => result,
            // Let go at once, as a crash would (which loses nothing: the sync token is stored
            // only after its events were handled): the next holder is about to sync.
            () = until_lost(state) => return Err(LeaseLost.into()),
        },
        None => bot.await,
    };
    set.finish().await;
    result.context("Matrix")
}

async fn run_discord(config: Config, token: Secret) -> Result<()> {
    if config.discord.guilds.is_empty() {
        bail!(
            "geen Discord-servers: koppel elke server aan een school onder [discord.guilds] in het configuratiebestand (README, 'Op Discord draaien').\n\
             no Discord guilds: map each guild to a school under [discord.guilds] in the configuration file (README, 'Running on Discord')."
        );
    }
    let mut http = HttpBuilder::new(token.expose());
    if let Some(url) = &config.discord.api_url {
        // serenity sends through a proxy only with its own rate limiter off; the proxy (or
        // the stand-in) keeps Discord's limits, the bot's pacer still keeps its own pace.
        http = http.proxy(url.as_str()).ratelimiter_disabled(true);
    }
    let mut opts = DiscordOptions::new(
        http,
        config.discord.guilds.clone(),
        config.discord.requests_per_second,
    );
    let set = set_up(
        &config,
        &opts.id,
        "discord",
        opts.metrics.clone(),
        opts.tick_every,
    )
    .await?;
    eprintln!(
        "Wandelgang draait op Discord voor {} server(s); stoppen met Ctrl-C / running on Discord for {} guild(s); stop with Ctrl-C\n{}{}",
        opts.guilds.len(),
        opts.guilds.len(),
        endpoints_line(&set.service),
        lease_line(&set.lease)
    );
    opts.peers = set.service.peers();
    opts.lease = set.lease.as_ref().map(ChatLease::state);
    let stop = stop_signal();
    tokio::pin!(stop);
    if opts.peers.load(std::sync::atomic::Ordering::Relaxed) > 1 {
        // Joining processes that already send: wait until each has counted this one and
        // taken its smaller part of the request budget, so together they never exceed it.
        // (A fixed wait of one heartbeat could end just before a peer's late beat counted
        // it.) Then one more second, the window Discord counts in, and two turns: the turns a
        // peer's pacer had already given out at its old pace.
        let turn =
            std::time::Duration::from_secs_f64(1.0 / config.discord.requests_per_second.max(1.0));
        let settle = std::time::Duration::from_secs(1) + turn * 2;
        let joined = async {
            if !set.service.until_counted(crate::service::LIVE_WINDOW).await {
                tracing::warn!(
                    "not every other process counted this one within {:?}; sending anyway",
                    crate::service::LIVE_WINDOW
                );
            }
            tokio::time::sleep(settle).await;
        };
        let stopped = tokio::select! {
            () = joined => false,
            () = stop.as_mut() => true,
        };
        if stopped {
            set.finish().await;
            return Ok(());
        }
    }
    let result = match discord::start(
        set.store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        opts,
    )
    .await
    {
        Ok(bot) => bot.run_until(stop).await,
        Err(e) => Err(e),
    };
    // Also after a failed start: `status` then shows a stop, not a crash.
    set.finish().await;
    result.context("Discord")
}

/// Ctrl-C, or SIGTERM from systemd.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
