//! The file's shape as serde reads it, before any value is checked.

use std::collections::BTreeMap;

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFile {
    pub(super) database_url: Option<String>,
    pub(super) admin_chat: Option<String>,
    pub(super) discord_token: Option<String>,
    #[serde(default)]
    pub(super) defaults: RawSettings,
    #[serde(default)]
    pub(super) schools: BTreeMap<String, RawSettings>,
    pub(super) discord: Option<RawDiscord>,
    pub(super) matrix: Option<RawMatrix>,
    pub(super) service: Option<RawService>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawService {
    pub(super) listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMatrix {
    pub(super) homeserver: Option<String>,
    pub(super) user: Option<String>,
    pub(super) password: Option<String>,
    pub(super) access_token: Option<String>,
    pub(super) store: Option<String>,
    pub(super) encrypt_dms: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDiscord {
    #[serde(default)]
    pub(super) guilds: BTreeMap<String, String>,
    pub(super) requests_per_second: Option<f64>,
    pub(super) api_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSettings {
    pub(super) timezone: Option<String>,
    pub(super) working_hours: Option<RawHours>,
    pub(super) school_days: Option<Vec<String>>,
    pub(super) holidays: Option<Vec<RawHoliday>>,
    pub(super) cadence: Option<i64>,
    pub(super) reminder: Option<bool>,
    pub(super) reminder_after_hours: Option<i64>,
    pub(super) language: Option<String>,
    pub(super) escalation: Option<RawEscalation>,
    pub(super) intervisie: Option<RawIntervisie>,
    pub(super) digest: Option<RawDigest>,
    pub(super) retention_months: Option<i64>,
    pub(super) student_retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHours {
    pub(super) start: Option<String>,
    pub(super) end: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHoliday {
    #[serde(default)]
    #[allow(dead_code)]
    // documentation for the reader of the file; the calendar keeps dates only
    pub(super) name: Option<String>,
    /// `"2026-10-17"` or a bare TOML date `2026-10-17`.
    pub(super) start: toml::Value,
    pub(super) end: toml::Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEscalation {
    pub(super) consecutive_geen_klik: Option<i64>,
    pub(super) negative_count: Option<i64>,
    pub(super) negative_of_last: Option<i64>,
    pub(super) cross_signal_days: Option<i64>,
    pub(super) reminder_school_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDigest {
    pub(super) enabled: Option<bool>,
    pub(super) weekday: Option<String>,
    pub(super) time: Option<String>,
    pub(super) min_students: Option<i64>,
    pub(super) quiet_pairing_weeks: Option<i64>,
    pub(super) quiet_wpb_prompts: Option<i64>,
    pub(super) ending_within_weeks: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIntervisie {
    pub(super) phase_school_days: Option<Vec<i64>>,
    pub(super) every_weeks: Option<i64>,
}
