//! The command line's commands, one file per family; `main.rs` only parses the arguments and
//! calls one function here per command.
//!
//! Every command that needs the database opens it through [`open_store`], so a database that
//! will not open is reported the same way everywhere.

pub mod bench;
pub mod bot;
pub mod privacy;
pub mod prompts;
pub mod report;
pub mod roster;
pub mod scenario;
pub mod status;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Result, anyhow};

use crate::app::Engine;
use crate::app::ports::{OfflineChat, SystemClock};
use crate::config::{Config, database_open_failure, redact_url};
use crate::domain::prompts::Catalogue;
use crate::domain::roster::{PersonId, SchoolId};
use crate::store::Store;

/// The engine of commands that read and delete but never send.
pub type CliEngine = Engine<OfflineChat, SystemClock>;

/// The `WANDELGANG_*` part of the process environment, for [`Config::load`].
pub fn env_vars() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("WANDELGANG_"))
        .collect()
}

/// Loads `--config` (or `./wandelgang.toml`) with the environment's overrides.
pub fn load_config(config: Option<&Path>) -> Result<Config> {
    Ok(Config::load(config, &env_vars())?)
}

/// Opens (and migrates) the configured database; a failure names the path and its source.
pub async fn open_store(config: &Config) -> Result<Store> {
    Store::open(&config.database_url).await.map_err(|e| {
        anyhow!(database_open_failure(
            &config.database_url,
            &config.database_source,
            &e
        ))
    })
}

/// Runs `command` with an engine that reads and deletes but never sends, then closes the
/// store whatever the command's outcome.
pub async fn offline<T>(
    config: Option<&Path>,
    command: impl AsyncFnOnce(&CliEngine) -> Result<T>,
) -> Result<T> {
    let config = load_config(config)?;
    let store = open_store(&config).await?;
    let engine = Engine::new(
        store.clone(),
        OfflineChat,
        SystemClock,
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );
    let result = command(&engine).await;
    store.close().await;
    result
}

/// `wandelgang migrate`: opening the database applies the migrations.
pub async fn migrate(config: Option<&Path>) -> Result<()> {
    let config = load_config(config)?;
    let url = redact_url(&config.database_url);
    let store = open_store(&config).await?;
    println!("Migraties toegepast / migrations applied: {url}");
    store.close().await;
    Ok(())
}

/// A person id from the command line.
pub fn person_id(raw: &str) -> Result<PersonId> {
    PersonId::parse(raw).map_err(|e| anyhow!("{e}"))
}

/// A school id as typed on the command line.
pub fn school_id(raw: &str) -> Result<SchoolId> {
    SchoolId::parse(raw).map_err(|e| anyhow!("{e}"))
}

/// What `roster show` and `run` say about a school without a schoolopleider.
pub fn no_schoolopleider(school: &SchoolId) -> String {
    format!(
        "school `{school}` heeft geen schoolopleider: escalaties gaan naar admin_chat als die is ingesteld, anders bereiken ze niemand / school `{school}` has no schoolopleider: escalations go to admin_chat if configured, otherwise they reach nobody"
    )
}
