//! The environment layer: `WANDELGANG_*` values that override the file's `[defaults]`.

use std::collections::BTreeMap;

use super::error::ConfigError;
use super::layers::{Layer, ValueSource};
use super::values::{Bad, bad, parse_cadence, parse_language, parse_timezone};
use super::{ENV_CADENCE, ENV_LANGUAGE, ENV_TIMEZONE};

/// A non-empty environment value; empty values count as unset.
pub(super) fn env_value<'e>(env: &'e BTreeMap<String, String>, var: &str) -> Option<&'e str> {
    env.get(var).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// An environment variable's complaint as a configuration error.
pub(super) fn env_error(var: &str, b: Bad) -> ConfigError {
    ConfigError::Env {
        var: var.to_string(),
        nl: b.0,
        en: b.1,
    }
}

/// The `WANDELGANG_*` values that override `[defaults]`, each checked on its own.
pub(super) fn env_layer(env: &BTreeMap<String, String>) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    if let Some(v) = env_value(env, ENV_CADENCE) {
        let n: i64 = v.parse().map_err(|_| {
            env_error(
                ENV_CADENCE,
                bad("ritme moet 1, 2 of 3 zijn", "cadence must be 1, 2 or 3"),
            )
        })?;
        let cadence = parse_cadence(n).map_err(|b| env_error(ENV_CADENCE, b))?;
        layer.cadence = Some((cadence, ValueSource::Env(ENV_CADENCE)));
    }
    if let Some(v) = env_value(env, ENV_TIMEZONE) {
        let tz = parse_timezone(v).map_err(|b| env_error(ENV_TIMEZONE, b))?;
        layer.timezone = Some((tz, ValueSource::Env(ENV_TIMEZONE)));
    }
    if let Some(v) = env_value(env, ENV_LANGUAGE) {
        let language = parse_language(v).map_err(|b| env_error(ENV_LANGUAGE, b))?;
        layer.language = Some((language, ValueSource::Env(ENV_LANGUAGE)));
    }
    Ok(layer)
}
