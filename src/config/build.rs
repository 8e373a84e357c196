//! Putting the whole configuration together: database, tokens, the defaults, every school's
//! overrides and the platform sections.

use std::collections::BTreeMap;

use crate::domain::roster::{SchoolId, is_chat_address};

use super::database::database_url;
use super::discord::discord_settings;
use super::env::{env_error, env_layer, env_value};
use super::error::ConfigError;
use super::file_layer::file_layer;
use super::keys::KeyPath;
use super::layers::{CheckContext, Resolved, builtin_resolved};
use super::matrix::matrix_settings;
use super::raw::{RawFile, RawSettings};
use super::secret::{Secret, check_token};
use super::service::service_settings;
use super::{Config, ENV_DISCORD_TOKEN, SchoolSettings};

/// The whole configuration from the checked file and the environment.
pub(super) fn build(
    ctx: &CheckContext<'_>,
    raw: RawFile,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigError> {
    let (database_url, database_source) = database_url(ctx, &raw, env)?;
    let discord_token = discord_token(ctx, &raw, env)?;

    let defaults_layer = file_layer(ctx, &raw.defaults, &KeyPath::root("defaults"))?;
    let env_layer = env_layer(env)?;
    let base = builtin_resolved().apply(&defaults_layer).apply(&env_layer);
    base.check(ctx)?;
    let schools = schools(ctx, &raw.schools, &base)?;

    let discord = discord_settings(ctx, raw.discord.as_ref())?;
    let matrix = matrix_settings(ctx, raw.matrix.as_ref(), env)?;
    let admin_chat = admin_chat(ctx, raw.admin_chat.as_deref())?;
    let service = service_settings(ctx, raw.service.as_ref(), env)?;

    Ok(Config {
        database_url,
        database_source,
        discord_token,
        defaults: base.settings(),
        schools,
        source: None,
        discord,
        matrix,
        admin_chat,
        service,
    })
}

/// The environment's token, else the file's.
fn discord_token(
    ctx: &CheckContext<'_>,
    raw: &RawFile,
    env: &BTreeMap<String, String>,
) -> Result<Option<Secret>, ConfigError> {
    match env_value(env, ENV_DISCORD_TOKEN) {
        Some(t) => Ok(Some(
            check_token(t).map_err(|b| env_error(ENV_DISCORD_TOKEN, b))?,
        )),
        None => match &raw.discord_token {
            Some(t) => Ok(Some(check_token(t).map_err(|b| {
                ctx.invalid(&KeyPath::root("discord_token"), b.0, b.1)
            })?)),
            None => Ok(None),
        },
    }
}

/// Every `[schools.<id>]` table merged over `base` (the defaults and the environment).
fn schools(
    ctx: &CheckContext<'_>,
    raw: &BTreeMap<String, RawSettings>,
    base: &Resolved,
) -> Result<BTreeMap<String, SchoolSettings>, ConfigError> {
    let mut schools = BTreeMap::new();
    for (id, settings) in raw {
        let prefix = KeyPath::root("schools").key(id);
        if let Err(e) = SchoolId::parse(id) {
            return Err(ctx.invalid(
                &prefix,
                format!("ongeldig school-id: {e}"),
                format!("invalid school id: {e}"),
            ));
        }
        let layer = file_layer(ctx, settings, &prefix)?;
        let merged = base.apply(&layer);
        merged.check(ctx)?;
        schools.insert(id.trim().to_string(), merged.settings());
    }
    Ok(schools)
}

/// The deployment's admin contact, a chat address when set.
fn admin_chat(ctx: &CheckContext<'_>, raw: Option<&str>) -> Result<Option<String>, ConfigError> {
    match raw.map(str::trim) {
        Some(a) if is_chat_address(a) => Ok(Some(a.to_string())),
        Some(a) => Err(ctx.invalid(
            &KeyPath::root("admin_chat"),
            format!("`{a}` moet de vorm platform:adres hebben, bijvoorbeeld discord:1234 of console:beheer"),
            format!("`{a}` must look like platform:address, for example discord:1234 or console:beheer"),
        )),
        None => Ok(None),
    }
}
