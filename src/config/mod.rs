//! Configuration: one TOML file (`wandelgang.toml`, see `wandelgang.example.toml`) plus
//! `WANDELGANG_*` environment overrides.
//!
//! Layers, later wins: built-in defaults, the file's `[defaults]`, the environment
//! (`WANDELGANG_CADENCE`, `WANDELGANG_TIMEZONE`, `WANDELGANG_LANGUAGE`), and a school's own
//! `[schools.<id>]` table. A school only overrides the keys it sets; everything else is
//! inherited. `holidays` and `working_hours.*` follow the same rule per key (a school's
//! `holidays` list replaces the inherited list as a whole).
//!
//! Every error names the file, the dotted key (`schools.kw1c.cadence`) and the line, in Dutch
//! first and English second. Tokens are [`Secret`]s: they never appear in `Debug`, `Display`
//! or error messages, and the password in a database URL is masked in `Debug`.
//!
//! The submodules follow the path a value takes: [`raw`] is the file's shape, [`keys`] finds a
//! dotted key's line, [`file_layer`] and [`env`] check values one by one into layers,
//! [`layers`] merges them and runs the checks that span several keys, and [`build`] puts the
//! whole [`Config`] together, the schools and the platform sections included.

mod build;
mod database;
mod discord;
mod env;
mod error;
mod file_layer;
mod keys;
mod layers;
mod matrix;
mod raw;
mod secret;
mod service;
mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

use crate::domain::digest::DigestSettings;
use crate::domain::escalation::EscalationRules;
use crate::domain::intervisie::IntervisieSettings;
use crate::domain::language::Language;
use crate::domain::schedule::{Cadence, SchoolCalendar};

pub use database::{DatabaseSource, database_open_failure, sqlite_file};
pub use discord::{DEFAULT_DISCORD_REQUESTS_PER_SECOND, DiscordSettings};
pub use error::ConfigError;
pub(crate) use keys::line_of;
pub use matrix::{
    ENV_MATRIX_ACCESS_TOKEN, ENV_MATRIX_PASSWORD, ENV_MATRIX_STORE_PASSPHRASE, MatrixSettings,
};
pub use secret::{Secret, redact_url};
pub use service::{DEFAULT_LISTEN, ENV_LISTEN, ServiceSettings};
pub use values::parse_weekday;

use keys::{serde_error, syntax_error};
use layers::{CheckContext, builtin_resolved};
use raw::RawFile;

/// The file looked for in the working directory when no path is given.
pub const DEFAULT_FILE: &str = "wandelgang.toml";
/// Embedded SQLite next to the binary.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://wandelgang.db";
// Environment variables read by [`Config::load`] / [`Config::from_toml_str`].
/// Overrides `database_url`.
pub const ENV_DATABASE_URL: &str = "WANDELGANG_DATABASE_URL";
/// Overrides `discord_token`.
pub const ENV_DISCORD_TOKEN: &str = "WANDELGANG_DISCORD_TOKEN";
/// Overrides `[defaults] cadence` (a school's own key still wins).
pub const ENV_CADENCE: &str = "WANDELGANG_CADENCE";
/// Overrides `[defaults] timezone` (a school's own key still wins).
pub const ENV_TIMEZONE: &str = "WANDELGANG_TIMEZONE";
/// Overrides `[defaults] language` (a school's own key still wins).
pub const ENV_LANGUAGE: &str = "WANDELGANG_LANGUAGE";
/// Months a school keeps reflections, klik signals, finished messages and audit rows.
pub const DEFAULT_RETENTION_MONTHS: u32 = 12;
/// Days a student's data stays after the end of their last placement.
pub const DEFAULT_STUDENT_RETENTION_DAYS: u32 = 30;

/// The whole deployment's configuration.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// `sqlite:…` or `postgres://…`; may hold a password, so print it through [`redact_url`].
    pub database_url: String,
    /// Where [`Config::database_url`] came from, named when the database cannot be opened.
    pub database_source: DatabaseSource,
    /// The Discord bot's token; `None` when the bot does not run on Discord.
    pub discord_token: Option<Secret>,
    /// The `[defaults]` table merged over the built-in defaults and the environment.
    pub defaults: SchoolSettings,
    /// Every `[schools.<id>]` table, fully merged over [`Config::defaults`].
    pub schools: BTreeMap<String, SchoolSettings>,
    /// The file this configuration was read from; `None` when only defaults and environment.
    pub source: Option<PathBuf>,
    /// The `[discord]` table: which guild belongs to which school, and the bot's pace.
    pub discord: DiscordSettings,
    /// The `[matrix]` table; None when the bot does not run on Matrix.
    pub matrix: Option<MatrixSettings>,
    /// The deployment's admin contact (`platform:address`): hears of an escalation when the
    /// school has no schoolopleider left.
    pub admin_chat: Option<String>,
    /// The `[service]` table: where `run` serves its health and metrics.
    pub service: ServiceSettings,
}

/// Per-school behaviour: when prompts may arrive, how often, in which language, and when a
/// klik pattern escalates.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolSettings {
    /// Time zone, working hours, school days and holidays.
    pub calendar: SchoolCalendar,
    /// Prompts per week.
    pub cadence: Cadence,
    /// At most one gentle reminder after an unanswered prompt.
    pub reminder: bool,
    /// Hours after a prompt before its reminder; 1..=72.
    pub reminder_after_hours: u32,
    /// The language of the school's prompts and replies, unless a person chose another.
    pub language: Language,
    /// When a klik pattern reaches the schoolopleider.
    pub escalation: EscalationRules,
    /// Intervisie phase lengths and how often the team is asked for a case.
    pub intervisie: IntervisieSettings,
    /// Reflections, klik signals, finished outbox rows and audit rows older than this many
    /// months are deleted by the retention run; 1..=120, default 12.
    pub retention_months: u32,
    /// A student's data is deleted this many days after the end of their last placement;
    /// 1..=365, default 30.
    pub student_retention_days: u32,
    /// The weekly digest for the schoolopleiders: when, whether, and its thresholds.
    pub digest: DigestSettings,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("discord_token", &self.discord_token)
            .field("defaults", &self.defaults)
            .field("schools", &self.schools)
            .field("source", &self.source)
            .field("discord", &self.discord)
            .field("matrix", &self.matrix)
            .field("service", &self.service)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        let defaults = builtin_resolved().settings();
        Config {
            database_url: DEFAULT_DATABASE_URL.to_string(),
            database_source: DatabaseSource::Default,
            discord_token: None,
            defaults,
            schools: BTreeMap::new(),
            source: None,
            discord: DiscordSettings::default(),
            matrix: None,
            admin_chat: None,
            service: ServiceSettings::default(),
        }
    }
}

impl Config {
    /// Reads `path`, or `./wandelgang.toml` when `path` is `None` (a missing default file means
    /// built-in defaults), then applies the `WANDELGANG_*` values from `env`.
    /// An explicit path that does not exist is an error.
    pub fn load(
        path: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        Self::load_or(path, Path::new(DEFAULT_FILE), env)
    }

    fn load_or(
        path: Option<&Path>,
        default_path: &Path,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let (file, explicit) = match path {
            Some(p) => (p, true),
            None => (default_path, false),
        };
        match std::fs::read_to_string(file) {
            Ok(text) => {
                let mut config = Self::from_toml_str(&text, &file.display().to_string(), env)?;
                config.source = Some(file.to_path_buf());
                Ok(config)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if explicit {
                    Err(ConfigError::NotFound {
                        file: file.to_path_buf(),
                    })
                } else {
                    Self::from_toml_str("", &file.display().to_string(), env)
                }
            }
            Err(source) => Err(ConfigError::Read {
                file: file.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses `text` (named `file_name` in errors) and applies the environment overrides.
    /// [`Config::source`] stays `None`; [`Config::load`] fills it in.
    pub fn from_toml_str(
        text: &str,
        file_name: &str,
        env: &BTreeMap<String, String>,
    ) -> Result<Config, ConfigError> {
        let doc = match DeTable::parse(text) {
            Ok(doc) => doc,
            Err(e) => return Err(syntax_error(text, file_name, &e)),
        };
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => return Err(serde_error(text, file_name, doc.get_ref(), &e)),
        };
        let ctx = CheckContext {
            text,
            file: file_name,
            doc: doc.get_ref(),
        };
        build::build(&ctx, raw, env)
    }

    /// The settings for a school: its own merged table, or the defaults.
    pub fn school(&self, id: &str) -> &SchoolSettings {
        self.schools.get(id).unwrap_or(&self.defaults)
    }
}

#[cfg(test)]
mod tests;
