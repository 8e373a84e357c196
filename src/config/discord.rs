//! The `[discord]` section: which guild belongs to which school, and the bot's pace.

use std::collections::BTreeMap;

use crate::domain::roster::SchoolId;

use super::error::ConfigError;
use super::keys::KeyPath;
use super::layers::CheckContext;
use super::raw::RawDiscord;

/// How `wandelgang run` behaves on Discord.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordSettings {
    /// Guild (server) id → school id. Commands are registered in these guilds only.
    pub guilds: BTreeMap<u64, String>,
    /// The bot's own requests per second, below Discord's global limit of 50.
    pub requests_per_second: f64,
    /// Where the REST API is asked instead of Discord itself (`http://host:port`, no path): an
    /// HTTP proxy in front of Discord that does the rate limiting for several bots, or the
    /// test stand-in. With it set serenity's own rate limiter is off, as serenity requires.
    pub api_url: Option<String>,
}

/// Discord allows 50 requests per second per bot; staying at 48 leaves room for a stray one.
pub const DEFAULT_DISCORD_REQUESTS_PER_SECOND: f64 = 48.0;
const DISCORD_GLOBAL_LIMIT: f64 = 50.0;

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            guilds: BTreeMap::new(),
            requests_per_second: DEFAULT_DISCORD_REQUESTS_PER_SECOND,
            api_url: None,
        }
    }
}

/// The `[discord]` table checked: guild ids are numbers, schools valid ids, the pace within Discord's limit.
pub(super) fn discord_settings(
    ctx: &CheckContext<'_>,
    raw: Option<&RawDiscord>,
) -> Result<DiscordSettings, ConfigError> {
    let mut settings = DiscordSettings::default();
    let Some(raw) = raw else {
        return Ok(settings);
    };
    let prefix = KeyPath::root("discord");
    for (guild, school) in &raw.guilds {
        let key = prefix.key("guilds").key(guild);
        let id = guild
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|g| *g > 0)
            .ok_or_else(|| {
                ctx.invalid(
                    &key,
                    "een server-id is een getal (Discord: rechtsklik op de server, 'Server-ID kopiëren')",
                    "a guild id is a number (Discord: right-click the server, 'Copy Server ID')",
                )
            })?;
        SchoolId::parse(school).map_err(|e| {
            ctx.invalid(
                &key,
                format!("ongeldig school-id: {e}"),
                format!("invalid school id: {e}"),
            )
        })?;
        settings.guilds.insert(id, school.trim().to_string());
    }
    if let Some(rps) = raw.requests_per_second {
        if !(1.0..=DISCORD_GLOBAL_LIMIT).contains(&rps) {
            return Err(ctx.invalid(
                &prefix.key("requests_per_second"),
                format!("moet tussen 1 en {DISCORD_GLOBAL_LIMIT} liggen (de grens van Discord)"),
                format!("must lie between 1 and {DISCORD_GLOBAL_LIMIT} (Discord's limit)"),
            ));
        }
        settings.requests_per_second = rps;
    }
    if let Some(url) = &raw.api_url {
        settings.api_url =
            Some(api_url(url).map_err(|(nl, en)| ctx.invalid(&prefix.key("api_url"), nl, en))?);
    }
    Ok(settings)
}

/// An API address as serenity's proxy wants it: scheme and host (and port), no path, no
/// trailing slash; serenity puts `/api/v10/...` behind it.
fn api_url(raw: &str) -> Result<String, (String, String)> {
    let shape = || {
        (
            format!(
                "`{raw}` is geen adres als http://127.0.0.1:3000 (alleen schema, host en poort)"
            ),
            format!(
                "`{raw}` is not an address like http://127.0.0.1:3000 (scheme, host and port only)"
            ),
        )
    };
    let url = url::Url::parse(raw.trim()).map_err(|_| shape())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    if !plain {
        return Err(shape());
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}
