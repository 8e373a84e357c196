//! Why a configuration could not be used: file, key and line, Dutch first and English second.

use std::path::PathBuf;

/// Why the configuration could not be used. Display is Dutch first, then English.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An explicit path that does not exist.
    #[error("{}: bestand niet gevonden / file not found", .file.display())]
    NotFound {
        /// The path as given.
        file: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{}: kan niet gelezen worden / cannot be read: {source}", .file.display())]
    Read {
        /// The file that could not be read.
        file: PathBuf,
        /// Why reading failed.
        #[source]
        source: std::io::Error,
    },
    /// Something in the file: syntax, an unknown key, a wrong type or a value out of range.
    #[error("{}", invalid_text(.file, *.line, .key.as_deref(), .nl, .en))]
    Invalid {
        /// The file's name as the message shows it.
        file: String,
        /// 1-based line in the file.
        line: usize,
        /// Dotted key such as `schools.kw1c.cadence`; `None` only for syntax errors outside
        /// any key.
        key: Option<String>,
        /// What is wrong, in Dutch.
        nl: String,
        /// What is wrong, in English.
        en: String,
    },
    /// A `WANDELGANG_*` environment variable with an unusable value.
    #[error("omgevingsvariabele {var}: {nl} / environment variable {var}: {en}")]
    Env {
        /// The variable's name.
        var: String,
        /// What is wrong with its value, in Dutch.
        nl: String,
        /// What is wrong with its value, in English.
        en: String,
    },
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
