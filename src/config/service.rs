//! The `[service]` table: where `run` answers health, readiness and metrics requests.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use super::env::env_error;
use super::error::ConfigError;
use super::keys::KeyPath;
use super::layers::CheckContext;
use super::raw::RawService;
use super::values::bad;

/// Overrides `[service] listen`; empty turns the endpoints off.
pub const ENV_LISTEN: &str = "WANDELGANG_LISTEN";
/// Loopback only by default: metrics name no person, but they are the operator's business.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9187";

/// How `wandelgang run` shows it is well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSettings {
    /// The address of `/healthz`, `/readyz` and `/metrics`; `None` when switched off.
    pub listen: Option<SocketAddr>,
}

impl Default for ServiceSettings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN.parse().ok(),
        }
    }
}

/// A listen address: `host:port` with an IP address, or empty for none.
fn listen(raw: &str) -> Result<Option<SocketAddr>, (String, String)> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse().map(Some).map_err(|_| {
        (
            format!("`{raw}` is geen adres als 127.0.0.1:9187 (IP-adres en poort), of \"\" voor uit"),
            format!("`{raw}` is not an address like 127.0.0.1:9187 (IP address and port), or \"\" for off"),
        )
    })
}

/// The `[service]` table, then `WANDELGANG_LISTEN` over it.
pub(super) fn service_settings(
    ctx: &CheckContext<'_>,
    raw: Option<&RawService>,
    env: &BTreeMap<String, String>,
) -> Result<ServiceSettings, ConfigError> {
    let mut settings = ServiceSettings::default();
    if let Some(value) = raw.and_then(|r| r.listen.as_deref()) {
        settings.listen = listen(value)
            .map_err(|(nl, en)| ctx.invalid(&KeyPath::root("service").key("listen"), nl, en))?;
    }
    // Set but empty is "off" here, not "unset": read the raw value.
    if let Some(value) = env.get(ENV_LISTEN) {
        settings.listen = listen(value).map_err(|(nl, en)| env_error(ENV_LISTEN, bad(nl, en)))?;
    }
    Ok(settings)
}
