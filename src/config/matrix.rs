//! The `[matrix]` section: how `wandelgang run` logs in on Matrix and where it keeps its store.

use std::collections::BTreeMap;

use super::env::{env_error, env_value};
use super::error::ConfigError;
use super::keys::KeyPath;
use super::layers::CheckContext;
use super::raw::RawMatrix;
use super::secret::{Secret, check_token};

/// The checked `[matrix]` section, present only when the file has one: the bot's login and
/// its own store.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSettings {
    /// `https://matrix.school.nl`
    pub homeserver: String,
    /// The bot's own user id, `@wandelgang:school.nl`.
    pub user: String,
    /// Logs in with a password (a new device) …
    pub password: Option<Secret>,
    /// … or with an existing session's access token.
    pub access_token: Option<Secret>,
    /// The directory of matrix-sdk's own store (encryption keys, device, rooms); `None`: next
    /// to the SQLite database.
    pub store: Option<std::path::PathBuf>,
    /// Encrypts that store at rest.
    pub store_passphrase: Option<Secret>,
    /// DM rooms the bot creates are end-to-end encrypted, as Element's are.
    pub encrypt_dms: bool,
}

/// Overrides `[matrix] password`.
pub const ENV_MATRIX_PASSWORD: &str = "WANDELGANG_MATRIX_PASSWORD";
/// Overrides `[matrix] access_token`.
pub const ENV_MATRIX_ACCESS_TOKEN: &str = "WANDELGANG_MATRIX_ACCESS_TOKEN";
/// Encrypts the Matrix store; only from the environment, never the file.
pub const ENV_MATRIX_STORE_PASSPHRASE: &str = "WANDELGANG_MATRIX_STORE_PASSPHRASE";

/// The `[matrix]` table checked, with the secrets the environment may give instead.
pub(super) fn matrix_settings(
    ctx: &CheckContext<'_>,
    raw: Option<&RawMatrix>,
    env: &BTreeMap<String, String>,
) -> Result<Option<MatrixSettings>, ConfigError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let prefix = KeyPath::root("matrix");
    let homeserver = raw
        .homeserver
        .as_deref()
        .map(str::trim)
        .filter(|h| h.starts_with("https://") || h.starts_with("http://"))
        .ok_or_else(|| {
            ctx.invalid(
                &prefix.key("homeserver"),
                "nodig: het adres van de homeserver, bijvoorbeeld \"https://matrix.school.nl\"",
                "required: the homeserver's address, for example \"https://matrix.school.nl\"",
            )
        })?
        .to_string();
    let user = raw
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| {
            u.strip_prefix('@')
                .and_then(|r| r.split_once(':'))
                .is_some_and(|(l, s)| !l.is_empty() && !s.is_empty())
        })
        .ok_or_else(|| {
            ctx.invalid(
                &prefix.key("user"),
                "nodig: de gebruiker van de bot, bijvoorbeeld \"@wandelgang:school.nl\"",
                "required: the bot's user, for example \"@wandelgang:school.nl\"",
            )
        })?
        .to_string();
    let secret =
        |var: &str, key: &str, value: Option<&String>| -> Result<Option<Secret>, ConfigError> {
            match env_value(env, var) {
                Some(t) => Ok(Some(check_token(t).map_err(|b| env_error(var, b))?)),
                None => value
                    .map(|t| check_token(t).map_err(|b| ctx.invalid(&prefix.key(key), b.0, b.1)))
                    .transpose(),
            }
        };
    let password = secret(ENV_MATRIX_PASSWORD, "password", raw.password.as_ref())?;
    let access_token = secret(
        ENV_MATRIX_ACCESS_TOKEN,
        "access_token",
        raw.access_token.as_ref(),
    )?;
    let store_passphrase = env_value(env, ENV_MATRIX_STORE_PASSPHRASE).map(Secret::new);
    let store = match raw.store.as_deref().map(str::trim) {
        Some("") => {
            return Err(ctx.invalid(
                &prefix.key("store"),
                "een map, bijvoorbeeld \"/var/lib/wandelgang/matrix-store\"",
                "a directory, for example \"/var/lib/wandelgang/matrix-store\"",
            ));
        }
        other => other.map(std::path::PathBuf::from),
    };
    Ok(Some(MatrixSettings {
        homeserver,
        user,
        password,
        access_token,
        store,
        store_passphrase,
        encrypt_dms: raw.encrypt_dms.unwrap_or(true),
    }))
}
