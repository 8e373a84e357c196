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

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::domain::escalation::EscalationRules;
use crate::domain::intervisie::IntervisieSettings;
use crate::domain::language::{Language, Localize};
use crate::domain::roster::SchoolId;
use crate::domain::schedule::{
    Cadence, DateRange, MIN_WINDOW_MINUTES, SchoolCalendar, WorkingHours,
};

/// The file looked for in the working directory when no path is given.
pub const DEFAULT_FILE: &str = "wandelgang.toml";
/// Embedded SQLite next to the binary.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://wandelgang.db";
/// Environment variables read by [`Config::load`] / [`Config::from_toml_str`].
pub const ENV_DATABASE_URL: &str = "WANDELGANG_DATABASE_URL";
pub const ENV_DISCORD_TOKEN: &str = "WANDELGANG_DISCORD_TOKEN";
pub const ENV_CADENCE: &str = "WANDELGANG_CADENCE";
pub const ENV_TIMEZONE: &str = "WANDELGANG_TIMEZONE";
pub const ENV_LANGUAGE: &str = "WANDELGANG_LANGUAGE";
/// Months a school keeps reflections, klik signals, finished messages and audit rows.
pub const DEFAULT_RETENTION_MONTHS: u32 = 12;
/// Days a student's data stays after the end of their last placement.
pub const DEFAULT_STUDENT_RETENTION_DAYS: u32 = 30;

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/// The whole deployment's configuration.
#[derive(Clone, PartialEq)]
pub struct Config {
    pub database_url: String,
    /// Where [`Config::database_url`] came from, named when the database cannot be opened.
    pub database_source: DatabaseSource,
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
}

/// How `wandelgang run` logs in on Matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSettings {
    /// `https://matrix.school.nl`
    pub homeserver: String,
    /// The bot's own user id, `@wandelgang:school.nl`.
    pub user: String,
    pub password: Option<Secret>,
    pub access_token: Option<Secret>,
    /// The directory of matrix-sdk's own store (encryption keys, device, rooms); `None`: next
    /// to the SQLite database.
    pub store: Option<std::path::PathBuf>,
    /// Encrypts that store at rest.
    pub store_passphrase: Option<Secret>,
    /// DM rooms the bot creates are end-to-end encrypted, as Element's are.
    pub encrypt_dms: bool,
}

pub const ENV_MATRIX_PASSWORD: &str = "WANDELGANG_MATRIX_PASSWORD";
pub const ENV_MATRIX_ACCESS_TOKEN: &str = "WANDELGANG_MATRIX_ACCESS_TOKEN";
pub const ENV_MATRIX_STORE_PASSPHRASE: &str = "WANDELGANG_MATRIX_STORE_PASSPHRASE";

/// How `wandelgang run` behaves on Discord.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscordSettings {
    /// Guild (server) id → school id. Commands are registered in these guilds only.
    pub guilds: BTreeMap<u64, String>,
    /// The bot's own requests per second, below Discord's global limit of 50.
    pub requests_per_second: f64,
}

/// Discord allows 50 requests per second per bot; staying at 48 leaves room for a stray one.
pub const DEFAULT_DISCORD_REQUESTS_PER_SECOND: f64 = 48.0;
const DISCORD_GLOBAL_LIMIT: f64 = 50.0;

impl Default for DiscordSettings {
    fn default() -> Self {
        Self {
            guilds: BTreeMap::new(),
            requests_per_second: DEFAULT_DISCORD_REQUESTS_PER_SECOND,
        }
    }
}

/// Per-school behaviour: when prompts may arrive, how often, in which language, and when a
/// klik pattern escalates.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolSettings {
    pub calendar: SchoolCalendar,
    pub cadence: Cadence,
    /// At most one gentle reminder after an unanswered prompt.
    pub reminder: bool,
    /// Hours after a prompt before its reminder; 1..=72.
    pub reminder_after_hours: u32,
    pub language: Language,
    pub escalation: EscalationRules,
    /// Intervisie phase lengths and how often the team is asked for a case.
    pub intervisie: IntervisieSettings,
    /// Reflections, klik signals, finished outbox rows and audit rows older than this many
    /// months are deleted by the retention run; 1..=120, default 12.
    pub retention_months: u32,
    /// A student's data is deleted this many days after the end of their last placement;
    /// 1..=365, default 30.
    pub student_retention_days: u32,
}

/// A token or password. `Debug` and `Display` print `***`; use [`Secret::expose`] where the
/// value is really needed (handing it to the platform client).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where the database URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// Nothing set: [`DEFAULT_DATABASE_URL`].
    Default,
    /// `database_url` in a configuration file, at this 1-based line.
    File { file: String, line: usize },
    /// [`ENV_DATABASE_URL`].
    Env,
    /// The `--db` option of `demo` and `simulate`.
    Flag,
    /// A fresh file `simulate` or `demo` picked itself.
    Temporary,
}

impl DatabaseSource {
    /// (Dutch, English) description, e.g. `database_url in wandelgang.toml, regel 3`.
    fn describe(&self) -> (String, String) {
        match self {
            DatabaseSource::Default => (
                format!("de standaard {DEFAULT_DATABASE_URL}"),
                format!("the default {DEFAULT_DATABASE_URL}"),
            ),
            DatabaseSource::File { file, line } => (
                format!("database_url in {file}, regel {line}"),
                format!("database_url in {file}, line {line}"),
            ),
            DatabaseSource::Env => (
                format!("omgevingsvariabele {ENV_DATABASE_URL}"),
                format!("environment variable {ENV_DATABASE_URL}"),
            ),
            DatabaseSource::Flag => ("--db".into(), "--db".into()),
            DatabaseSource::Temporary => {
                ("een tijdelijk bestand".into(), "a temporary file".into())
            }
        }
    }
}

/// One line for a database that would not open: the path (or redacted URL) it tried, where
/// that came from, and the innermost cause only (the outer errors repeat it).
pub fn database_open_failure(
    url: &str,
    source: &DatabaseSource,
    error: &(dyn std::error::Error + 'static),
) -> String {
    let target = match url.strip_prefix("sqlite:") {
        Some(rest) => {
            let path = rest.trim_start_matches("//");
            let path = path.split_once('?').map_or(path, |(p, _)| p);
            std::path::absolute(path).map_or_else(|_| path.to_string(), |p| p.display().to_string())
        }
        None => redact_url(url),
    };
    let mut cause = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let (nl, en) = source.describe();
    format!(
        "kan de database {target} niet openen (uit {nl}): {cause} / cannot open the database {target} (from {en}): {cause}"
    )
}

/// Why the configuration could not be used. Display is Dutch first, then English.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: bestand niet gevonden / file not found", .file.display())]
    NotFound { file: PathBuf },
    #[error("{}: kan niet gelezen worden / cannot be read: {source}", .file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Something in the file: syntax, an unknown key, a wrong type or a value out of range.
    #[error("{}", invalid_text(.file, *.line, .key.as_deref(), .nl, .en))]
    Invalid {
        file: String,
        /// 1-based line in the file.
        line: usize,
        /// Dotted key such as `schools.kw1c.cadence`; `None` only for syntax errors outside
        /// any key.
        key: Option<String>,
        nl: String,
        en: String,
    },
    /// A `WANDELGANG_*` environment variable with an unusable value.
    #[error("omgevingsvariabele {var}: {nl} / environment variable {var}: {en}")]
    Env { var: String, nl: String, en: String },
}

impl ConfigError {
    /// The line of an [`ConfigError::Invalid`] error.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Invalid { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// The dotted key of an [`ConfigError::Invalid`] error, or the variable of an `Env` one.
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::Invalid { key, .. } => key.as_deref(),
            ConfigError::Env { var, .. } => Some(var),
            _ => None,
        }
    }
}

fn invalid_text(file: &str, line: usize, key: Option<&str>, nl: &str, en: &str) -> String {
    match key {
        Some(key) => {
            format!("{file}, regel {line}, sleutel {key}: {nl} / line {line}, key {key}: {en}")
        }
        None => format!("{file}, regel {line}: {nl} / line {line}: {en}"),
    }
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
        let ctx = Ctx {
            text,
            file: file_name,
            doc: doc.get_ref(),
        };
        build(&ctx, raw, env)
    }

    /// The settings for a school: its own merged table, or the defaults.
    pub fn school(&self, id: &str) -> &SchoolSettings {
        self.schools.get(id).unwrap_or(&self.defaults)
    }
}

/// `postgres://user:pw@host/db` becomes `postgres://user:***@host/db`; a `password=` query
/// parameter is masked too.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let auth_start = scheme_end + 3;
        let auth_end = out[auth_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| auth_start + i);
        if let Some(at) = out[auth_start..auth_end].rfind('@') {
            let userinfo = &out[auth_start..auth_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(auth_start + colon + 1..auth_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{head}{}", masked.join("&"));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Raw file shape (serde)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    database_url: Option<String>,
    admin_chat: Option<String>,
    discord_token: Option<String>,
    #[serde(default)]
    defaults: RawSettings,
    #[serde(default)]
    schools: BTreeMap<String, RawSettings>,
    discord: Option<RawDiscord>,
    matrix: Option<RawMatrix>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    homeserver: Option<String>,
    user: Option<String>,
    password: Option<String>,
    access_token: Option<String>,
    store: Option<String>,
    encrypt_dms: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscord {
    #[serde(default)]
    guilds: BTreeMap<String, String>,
    requests_per_second: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    timezone: Option<String>,
    working_hours: Option<RawHours>,
    school_days: Option<Vec<String>>,
    holidays: Option<Vec<RawHoliday>>,
    cadence: Option<i64>,
    reminder: Option<bool>,
    reminder_after_hours: Option<i64>,
    language: Option<String>,
    escalation: Option<RawEscalation>,
    intervisie: Option<RawIntervisie>,
    retention_months: Option<i64>,
    student_retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHours {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    #[serde(default)]
    #[allow(dead_code)]
    // documentation for the reader of the file; the calendar keeps dates only
    name: Option<String>,
    /// `"2026-10-17"` or a bare TOML date `2026-10-17`.
    start: toml::Value,
    end: toml::Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEscalation {
    consecutive_geen_klik: Option<i64>,
    negative_count: Option<i64>,
    negative_of_last: Option<i64>,
    cross_signal_days: Option<i64>,
    reminder_school_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntervisie {
    phase_school_days: Option<Vec<i64>>,
    every_weeks: Option<i64>,
}

// ---------------------------------------------------------------------------------------------
// Key paths and locating them in the text
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A dotted key such as `schools.kw1c.holidays[0].end`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct KeyPath(Vec<Seg>);

impl KeyPath {
    fn root(key: &str) -> Self {
        KeyPath(vec![Seg::Key(key.to_string())])
    }

    fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        KeyPath(segs)
    }

    fn index(&self, i: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(i));
        KeyPath(segs)
    }

    fn is_school(&self) -> bool {
        matches!(self.0.first(), Some(Seg::Key(k)) if k == "schools")
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && (offset < span.end || (span.is_empty() && offset == span.start))
}

/// The span of the key (or array element) a path names, or of the deepest part that exists.
fn locate(doc: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut table: Option<&DeTable<'_>> = Some(doc);
    let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
    let mut best: Option<Range<usize>> = None;
    for seg in &path.0 {
        let value = match seg {
            Seg::Key(k) => {
                let Some((key, value)) = table.and_then(|t| {
                    t.iter()
                        .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                }) else {
                    break;
                };
                best = Some(key.span());
                value
            }
            Seg::Index(i) => {
                let Some(value) = array.and_then(|a| a.get(*i)) else {
                    break;
                };
                best = Some(value.span());
                value
            }
        };
        table = None;
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    best
}

/// The dotted key whose name or value covers `offset`, for errors that come with a span only.
fn path_at(doc: &DeTable<'_>, offset: usize) -> Option<KeyPath> {
    fn in_table(t: &DeTable<'_>, offset: usize, path: &KeyPath) -> Option<KeyPath> {
        for (key, value) in t.iter() {
            let p = if path.0.is_empty() {
                KeyPath::root(key.get_ref())
            } else {
                path.key(key.get_ref())
            };
            if contains(&key.span(), offset) {
                return Some(p);
            }
            if let Some(found) = in_value(value, offset, &p) {
                return Some(found);
            }
        }
        None
    }
    fn in_value(v: &Spanned<DeValue<'_>>, offset: usize, path: &KeyPath) -> Option<KeyPath> {
        let inner = match v.get_ref() {
            DeValue::Table(t) => in_table(t, offset, path),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, e)| in_value(e, offset, &path.index(i))),
            _ => None,
        };
        inner.or_else(|| contains(&v.span(), offset).then(|| path.clone()))
    }
    in_table(doc, offset, &KeyPath::default())
}

/// Every key in the document with the span of its name.
fn all_keys(t: &DeTable<'_>, path: &KeyPath, out: &mut Vec<(KeyPath, Range<usize>)>) {
    fn in_value(v: &DeValue<'_>, path: &KeyPath, out: &mut Vec<(KeyPath, Range<usize>)>) {
        match v {
            DeValue::Table(t) => all_keys(t, path, out),
            DeValue::Array(a) => {
                for (i, e) in a.iter().enumerate() {
                    in_value(e.get_ref(), &path.index(i), out);
                }
            }
            _ => {}
        }
    }
    for (key, value) in t.iter() {
        let p = if path.0.is_empty() {
            KeyPath::root(key.get_ref())
        } else {
            path.key(key.get_ref())
        };
        out.push((p.clone(), key.span()));
        in_value(value.get_ref(), &p, out);
    }
}

fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    // Best effort: the last key that starts on the error's line before the error.
    let (partial, _) = DeTable::parse_recoverable(text);
    let line = line_of(text, offset);
    let mut keys = Vec::new();
    all_keys(partial.get_ref(), &KeyPath::default(), &mut keys);
    let key = keys
        .into_iter()
        .filter(|(_, span)| span.start <= offset && line_of(text, span.start) == line)
        .max_by_key(|(_, span)| span.start)
        .map(|(p, _)| p.to_string());
    ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, offset),
        key,
        nl: "ongeldige TOML-syntaxis".to_string(),
        en: format!("invalid TOML syntax: {}", e.message()),
    }
}

fn serde_error(text: &str, file: &str, doc: &DeTable<'_>, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    let key = path_at(doc, offset).map(|p| p.to_string());
    let msg = e.message();
    let nl = if msg.starts_with("unknown field") {
        "onbekende sleutel".to_string()
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("verplichte sleutel {rest} ontbreekt")
    } else if msg.starts_with("invalid type") {
        "verkeerd soort waarde (bijvoorbeeld tekst waar een getal hoort)".to_string()
    } else {
        "ongeldige waarde".to_string()
    };
    let en = if msg.starts_with("unknown field") {
        format!("unknown key ({msg})")
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("required key {rest} is missing")
    } else {
        msg.to_string()
    };
    ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, offset),
        key,
        nl,
        en,
    }
}

// ---------------------------------------------------------------------------------------------
// Layers and merging
// ---------------------------------------------------------------------------------------------

/// Where a merged value came from, so that a cross-key problem is reported where it was set.
#[derive(Debug, Clone)]
enum Origin {
    Builtin,
    File(KeyPath),
    Env(&'static str),
}

impl Origin {
    /// Specificity: a school's own key beats the environment, which beats `[defaults]`.
    fn rank(&self) -> u8 {
        match self {
            Origin::Builtin => 0,
            Origin::File(p) if p.is_school() => 3,
            Origin::Env(_) => 2,
            Origin::File(_) => 1,
        }
    }
}

type Val<T> = (T, Origin);

/// One layer's explicitly set values, already checked one by one.
#[derive(Debug, Default, Clone)]
struct Layer {
    timezone: Option<Val<Tz>>,
    start: Option<Val<NaiveTime>>,
    end: Option<Val<NaiveTime>>,
    school_days: Option<Val<Vec<Weekday>>>,
    holidays: Option<Val<Vec<DateRange>>>,
    cadence: Option<Val<Cadence>>,
    reminder: Option<Val<bool>>,
    reminder_after_hours: Option<Val<u32>>,
    language: Option<Val<Language>>,
    consecutive_geen_klik: Option<Val<u32>>,
    negative_count: Option<Val<u32>>,
    negative_of_last: Option<Val<u32>>,
    cross_signal_days: Option<Val<i64>>,
    reminder_school_days: Option<Val<u32>>,
    phase_school_days: Option<Val<[u32; 4]>>,
    every_weeks: Option<Val<Option<u32>>>,
    retention_months: Option<Val<u32>>,
    student_retention_days: Option<Val<u32>>,
}

/// All values with their origin, after merging layers.
#[derive(Debug, Clone)]
struct Resolved {
    timezone: Val<Tz>,
    start: Val<NaiveTime>,
    end: Val<NaiveTime>,
    school_days: Val<Vec<Weekday>>,
    holidays: Val<Vec<DateRange>>,
    cadence: Val<Cadence>,
    reminder: Val<bool>,
    reminder_after_hours: Val<u32>,
    language: Val<Language>,
    consecutive_geen_klik: Val<u32>,
    negative_count: Val<u32>,
    negative_of_last: Val<u32>,
    cross_signal_days: Val<i64>,
    reminder_school_days: Val<u32>,
    phase_school_days: Val<[u32; 4]>,
    every_weeks: Val<Option<u32>>,
    retention_months: Val<u32>,
    student_retention_days: Val<u32>,
}

fn builtin_resolved() -> Resolved {
    let b = || Origin::Builtin;
    let esc = EscalationRules::default();
    let iv = IntervisieSettings::default();
    Resolved {
        timezone: (chrono_tz::Europe::Amsterdam, b()),
        start: (NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(), b()),
        end: (NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default(), b()),
        school_days: (
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            b(),
        ),
        holidays: (Vec::new(), b()),
        cadence: (Cadence::default(), b()),
        reminder: (true, b()),
        reminder_after_hours: (24, b()),
        language: (Language::Nl, b()),
        consecutive_geen_klik: (esc.consecutive_geen_klik, b()),
        negative_count: (esc.negative_count, b()),
        negative_of_last: (esc.negative_of_last, b()),
        cross_signal_days: (esc.cross_signal_days, b()),
        reminder_school_days: (esc.reminder_school_days, b()),
        phase_school_days: (iv.phase_school_days, b()),
        every_weeks: (iv.every_weeks, b()),
        retention_months: (DEFAULT_RETENTION_MONTHS, b()),
        student_retention_days: (DEFAULT_STUDENT_RETENTION_DAYS, b()),
    }
}

impl Resolved {
    fn apply(&self, layer: &Layer) -> Resolved {
        fn pick<T: Clone>(over: &Option<Val<T>>, base: &Val<T>) -> Val<T> {
            over.clone().unwrap_or_else(|| base.clone())
        }
        Resolved {
            timezone: pick(&layer.timezone, &self.timezone),
            start: pick(&layer.start, &self.start),
            end: pick(&layer.end, &self.end),
            school_days: pick(&layer.school_days, &self.school_days),
            holidays: pick(&layer.holidays, &self.holidays),
            cadence: pick(&layer.cadence, &self.cadence),
            reminder: pick(&layer.reminder, &self.reminder),
            reminder_after_hours: pick(&layer.reminder_after_hours, &self.reminder_after_hours),
            language: pick(&layer.language, &self.language),
            consecutive_geen_klik: pick(&layer.consecutive_geen_klik, &self.consecutive_geen_klik),
            negative_count: pick(&layer.negative_count, &self.negative_count),
            negative_of_last: pick(&layer.negative_of_last, &self.negative_of_last),
            cross_signal_days: pick(&layer.cross_signal_days, &self.cross_signal_days),
            reminder_school_days: pick(&layer.reminder_school_days, &self.reminder_school_days),
            phase_school_days: pick(&layer.phase_school_days, &self.phase_school_days),
            every_weeks: pick(&layer.every_weeks, &self.every_weeks),
            retention_months: pick(&layer.retention_months, &self.retention_months),
            student_retention_days: pick(
                &layer.student_retention_days,
                &self.student_retention_days,
            ),
        }
    }

    /// Checks that span several keys, after merging.
    fn check(&self, ctx: &Ctx<'_>) -> Result<(), ConfigError> {
        if self.start.0 >= self.end.0 {
            let origin = blame(&self.end.1, &self.start.1);
            return Err(ctx.at(
                origin,
                format!(
                    "begintijd {} moet vóór eindtijd {} liggen",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
                format!(
                    "start time {} must be before end time {}",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
            ));
        }
        if WorkingHours::new(self.start.0, self.end.0).is_err() {
            let origin = blame(&self.end.1, &self.start.1);
            return Err(ctx.at(
                origin,
                format!(
                    "werktijd {}–{} is korter dan {MIN_WINDOW_MINUTES} minuten",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
                format!(
                    "working hours {}–{} are shorter than {MIN_WINDOW_MINUTES} minutes",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
            ));
        }
        if self.negative_count.0 > self.negative_of_last.0 {
            let origin = blame(&self.negative_count.1, &self.negative_of_last.1);
            return Err(ctx.at(
                origin,
                format!(
                    "negative_count ({}) mag niet groter zijn dan negative_of_last ({})",
                    self.negative_count.0, self.negative_of_last.0
                ),
                format!(
                    "negative_count ({}) may not exceed negative_of_last ({})",
                    self.negative_count.0, self.negative_of_last.0
                ),
            ));
        }
        Ok(())
    }

    fn settings(&self) -> SchoolSettings {
        SchoolSettings {
            calendar: SchoolCalendar {
                tz: self.timezone.0,
                hours: WorkingHours {
                    start: self.start.0,
                    end: self.end.0,
                },
                school_days: self.school_days.0.clone(),
                holidays: self.holidays.0.clone(),
            },
            cadence: self.cadence.0,
            reminder: self.reminder.0,
            reminder_after_hours: self.reminder_after_hours.0,
            language: self.language.0,
            escalation: EscalationRules {
                consecutive_geen_klik: self.consecutive_geen_klik.0,
                negative_count: self.negative_count.0,
                negative_of_last: self.negative_of_last.0,
                cross_signal_days: self.cross_signal_days.0,
                reminder_school_days: self.reminder_school_days.0,
            },
            intervisie: IntervisieSettings {
                phase_school_days: self.phase_school_days.0,
                every_weeks: self.every_weeks.0,
            },
            retention_months: self.retention_months.0,
            student_retention_days: self.student_retention_days.0,
        }
    }
}

/// Of two keys that conflict, report the one set most specifically (`a` on a tie).
fn blame<'a>(a: &'a Origin, b: &'a Origin) -> &'a Origin {
    if b.rank() > a.rank() { b } else { a }
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
    doc: &'a DeTable<'a>,
}

impl Ctx<'_> {
    fn invalid(&self, path: &KeyPath, nl: impl Into<String>, en: impl Into<String>) -> ConfigError {
        let line = locate(self.doc, path).map_or(1, |s| line_of(self.text, s.start));
        ConfigError::Invalid {
            file: self.file.to_string(),
            line,
            key: Some(path.to_string()),
            nl: nl.into(),
            en: en.into(),
        }
    }

    fn at(&self, origin: &Origin, nl: String, en: String) -> ConfigError {
        match origin {
            Origin::File(path) => self.invalid(path, nl, en),
            Origin::Env(var) => ConfigError::Env {
                var: var.to_string(),
                nl,
                en,
            },
            // Built-in defaults are consistent; keep a readable error anyway.
            Origin::Builtin => ConfigError::Invalid {
                file: self.file.to_string(),
                line: 1,
                key: None,
                nl,
                en,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Single-value checks, shared by the file and the environment
// ---------------------------------------------------------------------------------------------

/// A check's complaint, Dutch and English.
struct Bad(String, String);

fn bad(nl: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad(nl.into(), en.into())
}

fn parse_timezone(s: &str) -> Result<Tz, Bad> {
    s.trim().parse::<Tz>().map_err(|_| {
        bad(
            format!("onbekende tijdzone `{s}` (bijvoorbeeld Europe/Amsterdam)"),
            format!("unknown time zone `{s}` (for example Europe/Amsterdam)"),
        )
    })
}

fn parse_cadence(n: i64) -> Result<Cadence, Bad> {
    let err = || bad("ritme moet 1, 2 of 3 zijn", "cadence must be 1, 2 or 3");
    match u8::try_from(n) {
        Ok(v @ 1..=3) => Cadence::new(v).map_err(|_| err()),
        _ => Err(err()),
    }
}

fn parse_language(s: &str) -> Result<Language, Bad> {
    Language::parse(s).ok_or_else(|| {
        bad(
            format!("taal `{s}` onbekend; kies nl of en"),
            format!("unknown language `{s}`; choose nl or en"),
        )
    })
}

fn parse_time(s: &str) -> Result<NaiveTime, Bad> {
    let t = s.trim();
    let shaped = t.len() == 5 && t.as_bytes()[2] == b':';
    match NaiveTime::parse_from_str(t, "%H:%M") {
        Ok(time) if shaped => Ok(time),
        _ => Err(bad(
            format!("tijd `{s}` moet de vorm UU:MM hebben, bijvoorbeeld 08:30"),
            format!("time `{s}` must look like HH:MM, for example 08:30"),
        )),
    }
}

/// Dutch and English day names, short and long.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let day = match s.trim().to_lowercase().as_str() {
        "ma" | "maandag" | "mon" | "monday" => Weekday::Mon,
        "di" | "dinsdag" | "tue" | "tuesday" => Weekday::Tue,
        "wo" | "woensdag" | "wed" | "wednesday" => Weekday::Wed,
        "do" | "donderdag" | "thu" | "thursday" => Weekday::Thu,
        "vr" | "vrijdag" | "fri" | "friday" => Weekday::Fri,
        "za" | "zaterdag" | "sat" | "saturday" => Weekday::Sat,
        "zo" | "zondag" | "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    };
    Some(day)
}

fn parse_date(v: &toml::Value) -> Result<NaiveDate, Bad> {
    let text = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => other.to_string(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        bad(
            format!("datum `{text}` moet de vorm JJJJ-MM-DD hebben"),
            format!("date `{text}` must look like YYYY-MM-DD"),
        )
    })
}

fn in_range(n: i64, lo: i64, hi: i64, name_nl: &str, name_en: &str) -> Result<i64, Bad> {
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(bad(
            format!("{name_nl} moet tussen {lo} en {hi} liggen (nu {n})"),
            format!("{name_en} must be between {lo} and {hi} (now {n})"),
        ))
    }
}

fn check_database_url(url: &str) -> Result<String, Bad> {
    let u = url.trim();
    let known = ["sqlite:", "postgres://", "postgresql://"];
    if known.iter().any(|p| u.starts_with(p)) && u.len() > "sqlite:".len() {
        Ok(u.to_string())
    } else {
        // The URL itself may hold a password: do not repeat it.
        Err(bad(
            "database_url moet beginnen met sqlite:, postgres:// of postgresql://",
            "database_url must start with sqlite:, postgres:// or postgresql://",
        ))
    }
}

fn discord_settings(
    ctx: &Ctx<'_>,
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
    Ok(settings)
}

fn matrix_settings(
    ctx: &Ctx<'_>,
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

fn check_token(token: &str) -> Result<Secret, Bad> {
    let t = token.trim();
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        Err(bad(
            "token mag niet leeg zijn of spaties bevatten",
            "token may not be empty or contain spaces",
        ))
    } else {
        Ok(Secret::new(t))
    }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

fn file_layer(ctx: &Ctx<'_>, raw: &RawSettings, prefix: &KeyPath) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    let lift = |path: &KeyPath, b: Bad| ctx.invalid(path, b.0, b.1);

    if let Some(tz) = &raw.timezone {
        let p = prefix.key("timezone");
        layer.timezone = Some((
            parse_timezone(tz).map_err(|b| lift(&p, b))?,
            Origin::File(p),
        ));
    }
    if let Some(hours) = &raw.working_hours {
        let base = prefix.key("working_hours");
        if let Some(s) = &hours.start {
            let p = base.key("start");
            layer.start = Some((parse_time(s).map_err(|b| lift(&p, b))?, Origin::File(p)));
        }
        if let Some(s) = &hours.end {
            let p = base.key("end");
            layer.end = Some((parse_time(s).map_err(|b| lift(&p, b))?, Origin::File(p)));
        }
    }
    if let Some(days) = &raw.school_days {
        let base = prefix.key("school_days");
        if days.is_empty() {
            return Err(ctx.invalid(
                &base,
                "noem minstens één schooldag",
                "name at least one school day",
            ));
        }
        let mut parsed: Vec<Weekday> = Vec::new();
        for (i, d) in days.iter().enumerate() {
            let p = base.index(i);
            let Some(day) = parse_weekday(d) else {
                return Err(ctx.invalid(
                    &p,
                    format!("onbekende dag `{d}`; gebruik ma, di, wo, do, vr, za, zo"),
                    format!("unknown day `{d}`; use mon, tue, wed, thu, fri, sat, sun"),
                ));
            };
            if parsed.contains(&day) {
                return Err(ctx.invalid(
                    &p,
                    format!("dag `{d}` staat er twee keer in"),
                    format!("day `{d}` is listed twice"),
                ));
            }
            parsed.push(day);
        }
        parsed.sort_by_key(|d| d.num_days_from_monday());
        layer.school_days = Some((parsed, Origin::File(base)));
    }
    if let Some(holidays) = &raw.holidays {
        let base = prefix.key("holidays");
        let mut ranges = Vec::new();
        for (i, h) in holidays.iter().enumerate() {
            let item = base.index(i);
            let ps = item.key("start");
            let pe = item.key("end");
            let start = parse_date(&h.start).map_err(|b| lift(&ps, b))?;
            let end = parse_date(&h.end).map_err(|b| lift(&pe, b))?;
            if start > end {
                return Err(ctx.invalid(
                    &pe,
                    format!("einddatum {end} ligt vóór begindatum {start}"),
                    format!("end date {end} is before start date {start}"),
                ));
            }
            ranges.push(DateRange { start, end });
        }
        layer.holidays = Some((ranges, Origin::File(base)));
    }
    if let Some(n) = raw.cadence {
        let p = prefix.key("cadence");
        layer.cadence = Some((parse_cadence(n).map_err(|b| lift(&p, b))?, Origin::File(p)));
    }
    if let Some(b) = raw.reminder {
        layer.reminder = Some((b, Origin::File(prefix.key("reminder"))));
    }
    if let Some(n) = raw.reminder_after_hours {
        let p = prefix.key("reminder_after_hours");
        let v = in_range(n, 1, 72, "reminder_after_hours", "reminder_after_hours")
            .map_err(|b| lift(&p, b))?;
        layer.reminder_after_hours = Some((v as u32, Origin::File(p)));
    }
    if let Some(n) = raw.retention_months {
        let p = prefix.key("retention_months");
        let v =
            in_range(n, 1, 120, "retention_months", "retention_months").map_err(|b| lift(&p, b))?;
        layer.retention_months = Some((v as u32, Origin::File(p)));
    }
    if let Some(n) = raw.student_retention_days {
        let p = prefix.key("student_retention_days");
        let v = in_range(
            n,
            1,
            365,
            "student_retention_days",
            "student_retention_days",
        )
        .map_err(|b| lift(&p, b))?;
        layer.student_retention_days = Some((v as u32, Origin::File(p)));
    }
    if let Some(l) = &raw.language {
        let p = prefix.key("language");
        layer.language = Some((parse_language(l).map_err(|b| lift(&p, b))?, Origin::File(p)));
    }
    if let Some(esc) = &raw.escalation {
        let base = prefix.key("escalation");
        let field = |n: Option<i64>,
                     name: &str,
                     lo: i64,
                     hi: i64|
         -> Result<Option<Val<i64>>, ConfigError> {
            let Some(n) = n else { return Ok(None) };
            let p = base.key(name);
            let v = in_range(n, lo, hi, name, name).map_err(|b| ctx.invalid(&p, b.0, b.1))?;
            Ok(Some((v, Origin::File(p))))
        };
        let as_u32 = |v: Option<Val<i64>>| v.map(|(n, o)| (n as u32, o));
        layer.consecutive_geen_klik = as_u32(field(
            esc.consecutive_geen_klik,
            "consecutive_geen_klik",
            1,
            10,
        )?);
        layer.negative_count = as_u32(field(esc.negative_count, "negative_count", 1, 10)?);
        layer.negative_of_last = as_u32(field(esc.negative_of_last, "negative_of_last", 1, 10)?);
        layer.cross_signal_days = field(esc.cross_signal_days, "cross_signal_days", 1, 90)?;
        layer.reminder_school_days = as_u32(field(
            esc.reminder_school_days,
            "reminder_school_days",
            1,
            20,
        )?);
    }
    if let Some(iv) = &raw.intervisie {
        let base = prefix.key("intervisie");
        // Each key is checked on its own through the domain's rules, with the other at its default.
        let check = |p: &KeyPath, s: IntervisieSettings| {
            s.validate().map_err(|e| {
                let text = e.text();
                ctx.invalid(p, text.nl(), text.en())
            })
        };
        if let Some(days) = &iv.phase_school_days {
            let p = base.key("phase_school_days");
            let Ok(days) = <[i64; 4]>::try_from(days.as_slice()) else {
                return Err(ctx.invalid(
                    &p,
                    format!(
                        "geef vier getallen (Inbreng, Vragen, Ervaringen, Opbrengst), niet {}",
                        days.len()
                    ),
                    format!(
                        "give four numbers (case, questions, experiences, takeaway), not {}",
                        days.len()
                    ),
                ));
            };
            // Out-of-range numbers (negative, huge) become 0, which validate refuses by phase.
            let days = days.map(|n| u32::try_from(n).unwrap_or(0));
            check(
                &p,
                IntervisieSettings {
                    phase_school_days: days,
                    every_weeks: None,
                },
            )?;
            layer.phase_school_days = Some((days, Origin::File(p)));
        }
        if let Some(n) = iv.every_weeks {
            let p = base.key("every_weeks");
            let every = match n {
                0 => None,
                n if n < 0 => {
                    return Err(ctx.invalid(
                        &p,
                        "kies 0 (uit) of 1 tot 12",
                        "choose 0 (off) or 1 to 12",
                    ));
                }
                n => Some(u32::try_from(n).unwrap_or(u32::MAX)),
            };
            check(
                &p,
                IntervisieSettings {
                    every_weeks: every,
                    ..IntervisieSettings::default()
                },
            )?;
            layer.every_weeks = Some((every, Origin::File(p)));
        }
    }
    Ok(layer)
}

/// A non-empty environment value; empty values count as unset.
fn env_value<'e>(env: &'e BTreeMap<String, String>, var: &str) -> Option<&'e str> {
    env.get(var).map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn env_error(var: &str, b: Bad) -> ConfigError {
    ConfigError::Env {
        var: var.to_string(),
        nl: b.0,
        en: b.1,
    }
}

fn env_layer(env: &BTreeMap<String, String>) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    if let Some(v) = env_value(env, ENV_CADENCE) {
        let n: i64 = v.parse().map_err(|_| {
            env_error(
                ENV_CADENCE,
                bad("ritme moet 1, 2 of 3 zijn", "cadence must be 1, 2 or 3"),
            )
        })?;
        let cadence = parse_cadence(n).map_err(|b| env_error(ENV_CADENCE, b))?;
        layer.cadence = Some((cadence, Origin::Env(ENV_CADENCE)));
    }
    if let Some(v) = env_value(env, ENV_TIMEZONE) {
        let tz = parse_timezone(v).map_err(|b| env_error(ENV_TIMEZONE, b))?;
        layer.timezone = Some((tz, Origin::Env(ENV_TIMEZONE)));
    }
    if let Some(v) = env_value(env, ENV_LANGUAGE) {
        let language = parse_language(v).map_err(|b| env_error(ENV_LANGUAGE, b))?;
        layer.language = Some((language, Origin::Env(ENV_LANGUAGE)));
    }
    Ok(layer)
}

fn build(
    ctx: &Ctx<'_>,
    raw: RawFile,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigError> {
    let (database_url, database_source) = match env_value(env, ENV_DATABASE_URL) {
        Some(url) => (
            check_database_url(url).map_err(|b| env_error(ENV_DATABASE_URL, b))?,
            DatabaseSource::Env,
        ),
        None => match &raw.database_url {
            Some(url) => {
                let key = KeyPath::root("database_url");
                let checked = check_database_url(url).map_err(|b| ctx.invalid(&key, b.0, b.1))?;
                let line = locate(ctx.doc, &key).map_or(1, |s| line_of(ctx.text, s.start));
                let file = ctx.file.to_string();
                (checked, DatabaseSource::File { file, line })
            }
            None => (DEFAULT_DATABASE_URL.to_string(), DatabaseSource::Default),
        },
    };
    let discord_token = match env_value(env, ENV_DISCORD_TOKEN) {
        Some(t) => Some(check_token(t).map_err(|b| env_error(ENV_DISCORD_TOKEN, b))?),
        None => match &raw.discord_token {
            Some(t) => Some(
                check_token(t)
                    .map_err(|b| ctx.invalid(&KeyPath::root("discord_token"), b.0, b.1))?,
            ),
            None => None,
        },
    };

    let defaults_layer = file_layer(ctx, &raw.defaults, &KeyPath::root("defaults"))?;
    let env_layer = env_layer(env)?;
    let base = builtin_resolved().apply(&defaults_layer).apply(&env_layer);
    base.check(ctx)?;

    let mut schools = BTreeMap::new();
    for (id, settings) in &raw.schools {
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

    let discord = discord_settings(ctx, raw.discord.as_ref())?;
    let matrix = matrix_settings(ctx, raw.matrix.as_ref(), env)?;
    let admin_chat = match raw.admin_chat.as_deref().map(str::trim) {
        Some(a) if crate::domain::roster::is_chat_address(a) => Some(a.to_string()),
        Some(a) => {
            return Err(ctx.invalid(
                &KeyPath::root("admin_chat"),
                format!("`{a}` moet de vorm platform:adres hebben, bijvoorbeeld discord:1234 of console:beheer"),
                format!("`{a}` must look like platform:address, for example discord:1234 or console:beheer"),
            ));
        }
        None => None,
    };

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
    })
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = include_str!("../wandelgang.example.toml");

    fn no_env() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn time(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn err(text: &str) -> ConfigError {
        Config::from_toml_str(text, "wandelgang.toml", &no_env()).unwrap_err()
    }

    /// Asserts the error names file, key and line, and returns its Display text.
    fn assert_at(e: &ConfigError, key: &str, line: usize) -> String {
        let shown = e.to_string();
        assert_eq!(e.key(), Some(key), "{shown}");
        assert_eq!(e.line(), Some(line), "{shown}");
        assert!(shown.starts_with("wandelgang.toml, regel "), "{shown}");
        assert!(
            shown.contains(&format!("regel {line}, sleutel {key}:")),
            "{shown}"
        );
        assert!(
            shown.contains(&format!("/ line {line}, key {key}:")),
            "{shown}"
        );
        shown
    }

    #[test]
    fn defaults_without_a_file() {
        let dir = std::env::temp_dir().join(format!("wandelgang-cfg-{}", std::process::id()));
        let missing = dir.join("absent.toml");
        let c = Config::load_or(None, &missing, &no_env()).unwrap();
        assert_eq!(c.source, None);
        assert_eq!(c, Config::default());
        assert_eq!(c.database_url, "sqlite://wandelgang.db");
        assert!(c.discord_token.is_none());
        let d = &c.defaults;
        assert_eq!(d.calendar.tz, chrono_tz::Europe::Amsterdam);
        assert_eq!(
            d.calendar.hours,
            WorkingHours {
                start: time(8, 30),
                end: time(16, 30)
            }
        );
        assert_eq!(
            d.calendar.school_days,
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri
            ]
        );
        assert!(d.calendar.holidays.is_empty());
        assert_eq!(d.cadence, Cadence::default());
        assert!(d.reminder);
        assert_eq!(d.reminder_after_hours, 24);
        assert_eq!(d.language, Language::Nl);
        assert_eq!(d.escalation, EscalationRules::default());
        assert_eq!(d.retention_months, 12);
        assert_eq!(d.student_retention_days, 30);
        assert_eq!(c.school("anything"), d);
        // The empty string is the same as no file.
        assert_eq!(Config::from_toml_str("", "x.toml", &no_env()).unwrap(), c);
    }

    #[test]
    fn an_explicit_missing_path_is_an_error() {
        let missing = std::env::temp_dir().join("wandelgang-surely-absent-3141.toml");
        let e = Config::load(Some(&missing), &no_env()).unwrap_err();
        assert!(matches!(e, ConfigError::NotFound { .. }));
        assert!(e.to_string().contains("wandelgang-surely-absent-3141.toml"));
    }

    #[test]
    fn load_reads_the_file_and_records_its_source() {
        let path =
            std::env::temp_dir().join(format!("wandelgang-cfg-load-{}.toml", std::process::id()));
        std::fs::write(&path, "[defaults]\ncadence = 1\n").unwrap();
        let c = Config::load(Some(&path), &no_env());
        std::fs::remove_file(&path).unwrap();
        let c = c.unwrap();
        assert_eq!(c.source.as_deref(), Some(path.as_path()));
        assert_eq!(c.defaults.cadence, Cadence::new(1).unwrap());
    }

    #[test]
    fn the_example_file_parses_fully() {
        let c = Config::from_toml_str(EXAMPLE, "wandelgang.example.toml", &no_env()).unwrap();
        assert_eq!(c.database_url, "sqlite://wandelgang.db");
        assert!(c.discord_token.is_none());
        let d = &c.defaults;
        assert_eq!(d.calendar.tz, chrono_tz::Europe::Amsterdam);
        assert_eq!(d.calendar.hours.start, time(8, 30));
        assert_eq!(d.calendar.hours.end, time(16, 30));
        assert_eq!(d.calendar.school_days.len(), 5);
        assert_eq!(
            d.calendar.holidays.first(),
            Some(&DateRange {
                start: date("2026-10-17"),
                end: date("2026-10-25")
            })
        );
        assert!(d.calendar.holidays.len() >= 2);
        assert_eq!(d.cadence, Cadence::new(2).unwrap());
        assert!(d.reminder);
        assert_eq!(d.reminder_after_hours, 24);
        assert_eq!(d.language, Language::Nl);
        assert_eq!(d.escalation, EscalationRules::default());
        assert_eq!(d.retention_months, 12);
        assert_eq!(d.student_retention_days, 30);

        assert_eq!(d.intervisie, IntervisieSettings::default());
        let kw1c = c.school("kw1c");
        assert_eq!(kw1c.cadence, Cadence::new(3).unwrap());
        assert_eq!(kw1c.calendar.holidays, d.calendar.holidays);
        assert!(c.schools.contains_key("kw1c"));
    }

    #[test]
    fn admin_chat_is_a_chat_address() {
        let c = Config::from_toml_str(
            "database_url = \"sqlite://x.db\"\nadmin_chat = \"discord:1234\"\n",
            "wandelgang.toml",
            &no_env(),
        )
        .unwrap();
        assert_eq!(c.admin_chat.as_deref(), Some("discord:1234"));
        assert_eq!(Config::default().admin_chat, None);
        for bad in ["beheer", "discord:", ":1234", "discord:12 34", "dis cord:1"] {
            let e = err(&format!("\nadmin_chat = \"{bad}\"\n"));
            let shown = assert_at(&e, "admin_chat", 2);
            assert!(
                shown.contains("platform:adres") && shown.contains("platform:address"),
                "{shown}"
            );
        }
    }

    #[test]
    fn intervisie_settings_merge_per_key_over_the_defaults() {
        let text = "\
[defaults.intervisie]
phase_school_days = [2, 3, 3, 1]
every_weeks = 3
[schools.kw1c.intervisie]
every_weeks = 0
[schools.roc.intervisie]
phase_school_days = [1, 1, 1, 1]
";
        let c = Config::from_toml_str(text, "wandelgang.toml", &no_env()).unwrap();
        assert_eq!(
            c.defaults.intervisie,
            IntervisieSettings {
                phase_school_days: [2, 3, 3, 1],
                every_weeks: Some(3)
            }
        );
        // 0 turns the call off; the phase lengths come from [defaults.intervisie].
        assert_eq!(
            c.school("kw1c").intervisie,
            IntervisieSettings {
                phase_school_days: [2, 3, 3, 1],
                every_weeks: None
            }
        );
        assert_eq!(
            c.school("roc").intervisie,
            IntervisieSettings {
                phase_school_days: [1, 1, 1, 1],
                every_weeks: Some(3)
            }
        );
        assert_eq!(
            Config::default().defaults.intervisie,
            IntervisieSettings::default()
        );
    }

    #[test]
    fn bad_intervisie_values_name_file_key_and_line() {
        let shown = assert_at(
            &err(
                "[defaults]\ncadence = 2\n[schools.kw1c.intervisie]\nphase_school_days = [1, 0, 2, 1]\n",
            ),
            "schools.kw1c.intervisie.phase_school_days",
            4,
        );
        assert!(
            shown.contains("Vragen") && shown.contains("Questions"),
            "{shown}"
        );
        assert!(
            shown.contains("1 tot 10") && shown.contains("1 to 10"),
            "{shown}"
        );
        let shown = assert_at(
            &err("[defaults.intervisie]\n\nevery_weeks = 13\n"),
            "defaults.intervisie.every_weeks",
            3,
        );
        assert!(
            shown.contains("om de 13 weken") && shown.contains("every 13 weeks"),
            "{shown}"
        );
        assert_at(
            &err("[defaults.intervisie]\nevery_weeks = -1\n"),
            "defaults.intervisie.every_weeks",
            2,
        );
        assert_at(
            &err("[defaults.intervisie]\nphase_school_days = [1, 2, 2]\n"),
            "defaults.intervisie.phase_school_days",
            2,
        );
        assert_at(
            &err("[defaults.intervisie]\nelke_weken = 2\n"),
            "defaults.intervisie.elke_weken",
            2,
        );
    }

    #[test]
    fn a_school_inherits_what_it_does_not_set() {
        let text = r#"
[defaults]
timezone = "Europe/Brussels"
working_hours = { start = "09:00", end = "17:00" }
school_days = ["monday", "Tue", "wo"]
holidays = [ { name = "Kerst", start = "2026-12-19", end = 2027-01-03 } ]
cadence = 1
reminder_after_hours = 12
language = "en"
retention_months = 6
[defaults.escalation]
negative_count = 2

[schools.kw1c]
cadence = 3
working_hours = { end = "15:00" }
student_retention_days = 14
[schools.kw1c.escalation]
negative_of_last = 4

[schools.leeg]
"#;
        let c = Config::from_toml_str(text, "w.toml", &no_env()).unwrap();
        let d = &c.defaults;
        assert_eq!(d.calendar.tz, chrono_tz::Europe::Brussels);
        assert_eq!(
            d.calendar.school_days,
            vec![Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(
            d.calendar.holidays,
            vec![DateRange {
                start: date("2026-12-19"),
                end: date("2027-01-03")
            }]
        );
        assert_eq!(d.escalation.negative_count, 2);
        assert_eq!(d.escalation.negative_of_last, 5);

        let k = c.school("kw1c");
        assert_eq!(k.cadence, Cadence::new(3).unwrap());
        assert_eq!(
            k.calendar.hours,
            WorkingHours {
                start: time(9, 0),
                end: time(15, 0)
            }
        );
        assert_eq!(k.calendar.tz, chrono_tz::Europe::Brussels);
        assert_eq!(k.calendar.school_days, d.calendar.school_days);
        assert_eq!(k.calendar.holidays, d.calendar.holidays);
        assert_eq!(k.reminder_after_hours, 12);
        assert_eq!(k.language, Language::En);
        assert_eq!(k.escalation.negative_count, 2);
        assert_eq!(k.escalation.negative_of_last, 4);
        assert_eq!(k.escalation.consecutive_geen_klik, 2);
        assert_eq!(k.retention_months, 6);
        assert_eq!(k.student_retention_days, 14);
        assert_eq!(d.student_retention_days, 30);

        assert_eq!(c.school("leeg"), d);
        assert_eq!(c.school("unknown"), d);
    }

    #[test]
    fn syntax_error_names_file_key_and_line() {
        let e = err("database_url = \"sqlite://x.db\"\n\n[defaults]\ncadence = = 2\n");
        let shown = assert_at(&e, "defaults.cadence", 4);
        assert!(shown.contains("TOML"), "{shown}");
    }

    #[test]
    fn syntax_error_without_a_key_still_names_file_and_line() {
        let e = err("[defaults]\ncadence = 2\n[schools\n");
        assert_eq!(e.line(), Some(3), "{e}");
        assert!(e.to_string().starts_with("wandelgang.toml, regel 3"), "{e}");
    }

    #[test]
    fn unknown_key_names_file_key_and_line() {
        let e = err("[defaults]\ncadence = 2\n\n[schools.kw1c]\ncadance = 3\n");
        let shown = assert_at(&e, "schools.kw1c.cadance", 5);
        assert!(shown.contains("onbekende sleutel"), "{shown}");
        assert!(shown.contains("unknown key"), "{shown}");

        let e = err("databse_url = \"x\"\n");
        assert_at(&e, "databse_url", 1);

        let e = err("[defaults.escalation]\nnegative_count = 2\nnegatief = 1\n");
        assert_at(&e, "defaults.escalation.negatief", 3);

        let e = err(
            "[defaults]\nholidays = [\n  { start = \"2026-01-01\", end = \"2026-01-02\", x = 1 },\n]\n",
        );
        assert_at(&e, "defaults.holidays[0].x", 3);
    }

    #[test]
    fn cadence_out_of_range_names_file_key_and_line() {
        let text = "[defaults]\ncadence = 2\n\n# comment\n[schools.kw1c]\nlanguage = \"nl\"\n\ncadence = 5\n";
        let e = err(text);
        let shown = assert_at(&e, "schools.kw1c.cadence", 8);
        assert_eq!(
            shown,
            "wandelgang.toml, regel 8, sleutel schools.kw1c.cadence: ritme moet 1, 2 of 3 zijn \
             / line 8, key schools.kw1c.cadence: cadence must be 1, 2 or 3"
        );
        assert_at(&err("[defaults]\ncadence = 0\n"), "defaults.cadence", 2);
    }

    #[test]
    fn wrong_type_names_file_key_and_line() {
        let e = err("[defaults]\n\ncadence = \"twee\"\n");
        assert_at(&e, "defaults.cadence", 3);
    }

    #[test]
    fn bad_time_zone_names_file_key_and_line() {
        let e = err("[defaults]\ntimezone = \"Europe/Amsterdamm\"\n");
        let shown = assert_at(&e, "defaults.timezone", 2);
        assert!(shown.contains("Europe/Amsterdamm"), "{shown}");
        let e = err("[schools.a]\n[schools.b]\ntimezone = \"Mars/Olympus\"\n");
        assert_at(&e, "schools.b.timezone", 3);
    }

    #[test]
    fn end_before_start_names_file_key_and_line() {
        let e = err("[defaults]\nworking_hours = { start = \"16:00\", end = \"09:00\" }\n");
        assert_at(&e, "defaults.working_hours.end", 2);

        // The school sets only the start; the conflict is reported where the school set it.
        let e = err(
            "[defaults]\nworking_hours = { start = \"08:00\", end = \"12:00\" }\n[schools.x]\nworking_hours.start = \"13:00\"\n",
        );
        assert_at(&e, "schools.x.working_hours.start", 4);

        let e = err("[defaults]\nworking_hours = { start = \"09:00\", end = \"09:20\" }\n");
        let shown = assert_at(&e, "defaults.working_hours.end", 2);
        assert!(shown.contains("korter dan 30 minuten"), "{shown}");

        let e = err("[defaults]\nworking_hours = { start = \"8.30\", end = \"16:00\" }\n");
        assert_at(&e, "defaults.working_hours.start", 2);

        let e = err(
            "[defaults]\nholidays = [\n  { name = \"a\", start = \"2026-10-25\", end = \"2026-10-17\" },\n]\n",
        );
        assert_at(&e, "defaults.holidays[0].end", 3);

        let e = err("[[defaults.holidays]]\nstart = \"2026-01-01\"\nend = \"2026-1-x\"\n");
        assert_at(&e, "defaults.holidays[0].end", 3);
    }

    #[test]
    fn bad_weekday_names_file_key_and_line() {
        let e = err("[defaults]\nschool_days = [\n  \"ma\",\n  \"dinsdag\",\n  \"zaturday\",\n]\n");
        let shown = assert_at(&e, "defaults.school_days[2]", 5);
        assert!(shown.contains("zaturday"), "{shown}");
        assert_at(
            &err("[defaults]\nschool_days = [\"ma\", \"mon\"]\n"),
            "defaults.school_days[1]",
            2,
        );
        assert_at(
            &err("[defaults]\nschool_days = []\n"),
            "defaults.school_days",
            2,
        );
    }

    #[test]
    fn other_semantic_errors() {
        assert_at(
            &err("[defaults]\nlanguage = \"de\"\n"),
            "defaults.language",
            2,
        );
        assert_at(
            &err("[defaults]\nreminder_after_hours = 0\n"),
            "defaults.reminder_after_hours",
            2,
        );
        assert_at(
            &err("[defaults]\nreminder_after_hours = 73\n"),
            "defaults.reminder_after_hours",
            2,
        );
        assert_at(
            &err("[defaults]\nretention_months = 0\n"),
            "defaults.retention_months",
            2,
        );
        assert_at(
            &err("[defaults]\nlanguage = \"nl\"\nretention_months = 121\n"),
            "defaults.retention_months",
            3,
        );
        assert_at(
            &err("[schools.x]\nstudent_retention_days = 0\n"),
            "schools.x.student_retention_days",
            2,
        );
        assert_at(
            &err("[defaults]\nstudent_retention_days = 366\n"),
            "defaults.student_retention_days",
            2,
        );
        assert_at(
            &err("[defaults.escalation]\ncross_signal_days = 91\n"),
            "defaults.escalation.cross_signal_days",
            2,
        );
        assert_at(
            &err("[defaults.escalation]\nreminder_school_days = 21\n"),
            "defaults.escalation.reminder_school_days",
            2,
        );
        assert_at(
            &err("[defaults.escalation]\nconsecutive_geen_klik = 0\n"),
            "defaults.escalation.consecutive_geen_klik",
            2,
        );
        assert_at(
            &err("[defaults.escalation]\nnegative_of_last = 11\n"),
            "defaults.escalation.negative_of_last",
            2,
        );
        assert_at(
            &err("[defaults.escalation]\nnegative_count = 6\n"),
            "defaults.escalation.negative_count",
            2,
        );
        assert_at(
            &err(
                "[defaults.escalation]\nnegative_count = 3\n[schools.x.escalation]\nnegative_of_last = 2\n",
            ),
            "schools.x.escalation.negative_of_last",
            4,
        );
        assert_at(
            &err("database_url = \"mysql://u:pw@h/db\"\n"),
            "database_url",
            1,
        );
        assert!(
            !err("database_url = \"mysql://u:pw@h/db\"\n")
                .to_string()
                .contains("pw")
        );
        assert_at(
            &err("[schools.\"a b\"]\ncadence = 1\n"),
            "schools.\"a b\"",
            1,
        );
    }

    #[test]
    fn env_overrides_apply_over_defaults_but_not_over_a_school() {
        let text =
            "[defaults]\ncadence = 1\nlanguage = \"nl\"\n[schools.a]\ncadence = 2\n[schools.b]\n";
        let vars = env(&[
            (
                "WANDELGANG_DATABASE_URL",
                "postgres://bot:geheim@db/wandelgang",
            ),
            ("WANDELGANG_DISCORD_TOKEN", "abc.def.ghi"),
            ("WANDELGANG_CADENCE", "3"),
            ("WANDELGANG_TIMEZONE", "Europe/London"),
            ("WANDELGANG_LANGUAGE", "en"),
            ("WANDELGANG_SOMETHING_ELSE", "ignored"),
        ]);
        let c = Config::from_toml_str(text, "w.toml", &vars).unwrap();
        assert_eq!(c.database_url, "postgres://bot:geheim@db/wandelgang");
        assert_eq!(
            c.discord_token.as_ref().map(Secret::expose),
            Some("abc.def.ghi")
        );
        assert_eq!(c.defaults.cadence, Cadence::new(3).unwrap());
        assert_eq!(c.defaults.calendar.tz, chrono_tz::Europe::London);
        assert_eq!(c.defaults.language, Language::En);
        assert_eq!(c.school("a").cadence, Cadence::new(2).unwrap());
        assert_eq!(c.school("b").cadence, Cadence::new(3).unwrap());
        assert_eq!(c.school("b").language, Language::En);

        let debug = format!("{c:?}");
        assert!(!debug.contains("abc.def.ghi"), "{debug}");
        assert!(!debug.contains("geheim"), "{debug}");

        // Empty values count as unset.
        let c = Config::from_toml_str("", "w.toml", &env(&[("WANDELGANG_CADENCE", " ")])).unwrap();
        assert_eq!(c.defaults.cadence, Cadence::default());
    }

    #[test]
    fn a_bad_env_value_names_the_variable() {
        for (var, value) in [
            ("WANDELGANG_CADENCE", "5"),
            ("WANDELGANG_CADENCE", "twee"),
            ("WANDELGANG_TIMEZONE", "Amsterdam"),
            ("WANDELGANG_LANGUAGE", "fr"),
            ("WANDELGANG_DATABASE_URL", "mysql://x"),
            ("WANDELGANG_DISCORD_TOKEN", "two words"),
        ] {
            let e = Config::from_toml_str("", "w.toml", &env(&[(var, value)])).unwrap_err();
            assert!(matches!(e, ConfigError::Env { .. }), "{e}");
            assert_eq!(e.key(), Some(var));
            let shown = e.to_string();
            assert!(
                shown.starts_with(&format!("omgevingsvariabele {var}: ")),
                "{shown}"
            );
            assert!(
                shown.contains(&format!("/ environment variable {var}: ")),
                "{shown}"
            );
            if var == "WANDELGANG_DISCORD_TOKEN" {
                assert!(!shown.contains("two words"), "{shown}");
            }
        }
        // An env value that makes the merged defaults inconsistent is still blamed on the file
        // key or variable that set it.
        let e =
            Config::from_toml_str("", "w.toml", &env(&[("WANDELGANG_CADENCE", "0")])).unwrap_err();
        assert_eq!(e.key(), Some("WANDELGANG_CADENCE"));
    }

    #[test]
    fn secrets_are_never_printed() {
        let s = Secret::new("super-secret-token");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.expose(), "super-secret-token");

        let c = Config::from_toml_str(
            "discord_token = \"super-secret-token\"\n",
            "w.toml",
            &no_env(),
        )
        .unwrap();
        assert_eq!(
            c.discord_token.as_ref().map(Secret::expose),
            Some("super-secret-token")
        );
        let debug = format!("{c:?} {c:#?}");
        assert!(!debug.contains("super-secret-token"), "{debug}");
        assert!(debug.contains("***"));
    }

    #[test]
    fn database_urls_are_redacted_for_display() {
        assert_eq!(
            redact_url("sqlite://wandelgang.db"),
            "sqlite://wandelgang.db"
        );
        assert_eq!(
            redact_url("postgres://bot:pw@db:5432/w"),
            "postgres://bot:***@db:5432/w"
        );
        assert_eq!(redact_url("postgres://bot@db/w"), "postgres://bot@db/w");
        assert_eq!(
            redact_url("postgres://db/w?user=bot&password=pw&sslmode=require"),
            "postgres://db/w?user=bot&password=***&sslmode=require"
        );
    }

    #[test]
    fn weekday_names() {
        for (names, day) in [
            (["ma", "maandag", "mon", "Monday"], Weekday::Mon),
            (["di", "dinsdag", "tue", "tuesday"], Weekday::Tue),
            (["wo", "woensdag", "wed", "wednesday"], Weekday::Wed),
            (["do", "donderdag", "thu", "thursday"], Weekday::Thu),
            (["vr", "vrijdag", "fri", "friday"], Weekday::Fri),
            (["za", "zaterdag", "sat", "saturday"], Weekday::Sat),
            (["zo", "zondag", "sun", "SUNDAY"], Weekday::Sun),
        ] {
            for n in names {
                assert_eq!(parse_weekday(n), Some(day), "{n}");
            }
        }
        assert_eq!(parse_weekday("maa"), None);
    }

    #[test]
    fn discord_guilds_map_to_schools() {
        let c = Config::from_toml_str(
            "[discord]\nrequests_per_second = 40\n[discord.guilds]\n\"123456789012345678\" = \"kw1c\"\n",
            "wandelgang.toml",
            &no_env(),
        )
        .unwrap();
        assert_eq!(
            c.discord.guilds.get(&123456789012345678),
            Some(&"kw1c".to_string())
        );
        assert_eq!(c.discord.requests_per_second, 40.0);
        let d = Config::from_toml_str("", "wandelgang.toml", &no_env()).unwrap();
        assert!(d.discord.guilds.is_empty());
        assert_eq!(
            d.discord.requests_per_second,
            DEFAULT_DISCORD_REQUESTS_PER_SECOND
        );
    }

    #[test]
    fn discord_errors_name_key_and_line() {
        let e = err("[discord.guilds]\n\"kw1c\" = \"kw1c\"\n");
        let shown = assert_at(&e, "discord.guilds.kw1c", 2);
        assert!(shown.contains("server-id"), "{shown}");
        let e = err("[discord.guilds]\n\"123\" = \"niet goed!\"\n");
        assert_at(&e, "discord.guilds.123", 2);
        let e = err("[discord]\nrequests_per_second = 80\n");
        let shown = assert_at(&e, "discord.requests_per_second", 2);
        assert!(shown.contains("50"), "{shown}");
    }
    #[test]
    fn the_matrix_store_and_encrypted_dms_are_configurable() {
        let base = "[matrix]\nhomeserver = \"https://m.x\"\nuser = \"@wg:x\"\n";
        let c = Config::from_toml_str(base, "w.toml", &no_env()).unwrap();
        let m = c.matrix.unwrap();
        assert_eq!((m.store, m.encrypt_dms), (None, true));
        assert!(m.store_passphrase.is_none());
        let text = format!("{base}store = \"/var/lib/wg/keys\"\nencrypt_dms = false\n");
        let vars = env(&[(ENV_MATRIX_STORE_PASSPHRASE, "twee woorden")]);
        let m = Config::from_toml_str(&text, "w.toml", &vars)
            .unwrap()
            .matrix
            .unwrap();
        assert_eq!(m.store, Some(std::path::PathBuf::from("/var/lib/wg/keys")));
        assert!(!m.encrypt_dms);
        assert_eq!(m.store_passphrase.unwrap().expose(), "twee woorden");
        let e = err(&format!("{base}store = \"\"\n"));
        assert_at(&e, "matrix.store", 4);
    }
}
