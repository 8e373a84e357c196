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
use crate::service::{Service, SingleProcess};
use crate::store::Store;

use super::{load_config, no_schoolopleider, open_store};

/// The scheduler's interval when an option leaves ticking to the caller (never in `run`).
const DEFAULT_TICK: std::time::Duration = std::time::Duration::from_secs(30);

/// What every `run` sets up before its platform starts: the SQLite file taken for this
/// process, the store, the warnings, and the service beside the bot (its row in the
/// `processes` table and its endpoints).
async fn set_up(
    config: &Config,
    id: &str,
    role: &str,
    metrics: Arc<Metrics>,
    tick_every: Option<std::time::Duration>,
) -> Result<(SingleProcess, Store, Service)> {
    let single = SingleProcess::take(&config.database_url)?;
    let store = open_store(config).await?;
    warn_schools_without_schoolopleider(&store).await?;
    let service = Service::start(
        &config.service,
        &store,
        id,
        role,
        metrics,
        tick_every.unwrap_or(DEFAULT_TICK),
    )
    .await?;
    Ok((single, store, service))
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
    let (_single, store, service) = set_up(
        &config,
        &opts.id,
        "matrix",
        opts.metrics.clone(),
        opts.tick_every,
    )
    .await?;
    eprintln!(
        "Wandelgang draait op Matrix als {} / running on Matrix as {}; stoppen met Ctrl-C / stop with Ctrl-C\n{}",
        opts.settings.user,
        opts.settings.user,
        endpoints_line(&service)
    );
    // Ends with an error (so a non-zero exit, for systemd and the operator) when the login
    // is revoked and cannot be renewed.
    let result = crate::chat::matrix::run(
        store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        opts,
        stop_signal(),
    )
    .await;
    service.stop().await;
    store.close().await;
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
    let (_single, store, service) = set_up(
        &config,
        &opts.id,
        "discord",
        opts.metrics.clone(),
        opts.tick_every,
    )
    .await?;
    eprintln!(
        "Wandelgang draait op Discord voor {} server(s); stoppen met Ctrl-C / running on Discord for {} guild(s); stop with Ctrl-C\n{}",
        opts.guilds.len(),
        opts.guilds.len(),
        endpoints_line(&service)
    );
    opts.peers = service.peers();
    if opts.peers.load(std::sync::atomic::Ordering::Relaxed) > 1 {
        // Joining processes that already send: wait until each has counted this one and
        // taken its smaller part of the request budget, so together they never exceed it.
        tokio::time::sleep(crate::service::HEARTBEAT).await;
    }
    let result = match discord::start(
        store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        opts,
    )
    .await
    {
        Ok(bot) => bot.run_until(stop_signal()).await,
        Err(e) => Err(e),
    };
    // Also after a failed start: `status` then shows a stop, not a crash.
    service.stop().await;
    store.close().await;
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
