//! Where the database URL comes from, and the one line shown when it will not open.

use std::collections::BTreeMap;

use super::env::{env_error, env_value};
use super::error::ConfigError;
use super::keys::{KeyPath, line_of, locate};
use super::layers::CheckContext;
use super::raw::RawFile;
use super::values::{Bad, bad};
use super::{DEFAULT_DATABASE_URL, ENV_DATABASE_URL, redact_url};

/// Where the database URL came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseSource {
    /// Nothing set: [`DEFAULT_DATABASE_URL`].
    Default,
    /// `database_url` in a configuration file, at this 1-based line.
    File {
        /// The configuration file that set it.
        file: String,
        /// The 1-based line of `database_url` in it.
        line: usize,
    },
    /// [`ENV_DATABASE_URL`].
    Env,
    /// The `--db` option of `demo` and `simulate`.
    Flag,
    /// A fresh file `simulate` or `demo` picked itself.
    Temporary,
}

impl DatabaseSource {
    /// (Dutch, English) description, e.g. `database_url in wandelgang.toml, regel 3`.
    pub(super) fn describe(&self) -> (String, String) {
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

/// The file of a `sqlite:` URL (without its `?options`); `None` for another backend or an
/// in-memory database.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let file = rest.split_once('?').map_or(rest, |(p, _)| p);
    (!file.is_empty() && !file.contains(":memory:")).then(|| std::path::PathBuf::from(file))
}

/// One line for a database that would not open: the path (or redacted URL) it tried, where
/// that came from, and the innermost cause only (the outer errors repeat it).
pub fn database_open_failure(
    url: &str,
    source: &DatabaseSource,
    error: &(dyn std::error::Error + 'static),
) -> String {
    let target = match sqlite_file(url) {
        Some(path) => std::path::absolute(&path)
            .unwrap_or(path)
            .display()
            .to_string(),
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

pub(super) fn check_database_url(url: &str) -> Result<String, Bad> {
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

/// The environment's URL, else the file's (with its line), else the default.
pub(super) fn database_url(
    ctx: &CheckContext<'_>,
    raw: &RawFile,
    env: &BTreeMap<String, String>,
) -> Result<(String, DatabaseSource), ConfigError> {
    if let Some(url) = env_value(env, ENV_DATABASE_URL) {
        let checked = check_database_url(url).map_err(|b| env_error(ENV_DATABASE_URL, b))?;
        return Ok((checked, DatabaseSource::Env));
    }
    match &raw.database_url {
        Some(url) => {
            let key = KeyPath::root("database_url");
            let checked = check_database_url(url).map_err(|b| ctx.invalid(&key, b.0, b.1))?;
            let line = locate(ctx.doc, &key).map_or(1, |s| line_of(ctx.text, s.start));
            let file = ctx.file.to_string();
            Ok((checked, DatabaseSource::File { file, line }))
        }
        None => Ok((DEFAULT_DATABASE_URL.to_string(), DatabaseSource::Default)),
    }
}
