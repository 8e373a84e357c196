//! One `run` process per SQLite file: SQLite is the one-machine default, and two processes
//! would tick and send from the same file. PostgreSQL is how several processes share work.

use std::fs::{File, TryLockError};
use std::path::PathBuf;

use crate::config::sqlite_file;

/// Why a second process may not run on this SQLite file.
#[derive(Debug, thiserror::Error)]
pub enum SingleError {
    /// Another `run` holds the file.
    #[error(
        "er draait al een `wandelgang run` op {0}; met SQLite draait er één proces per databasebestand. Stop het andere proces, of gebruik PostgreSQL om met meer processen te werken (README, 'Running in production').\n\
         a `wandelgang run` is already running on {0}; with SQLite one process runs per database file. Stop the other process, or use PostgreSQL to run several (README, 'Running in production')."
    )]
    Taken(String),
    /// The file could not be opened to lock it.
    #[error(
        "kan {path} niet openen om het te vergrendelen / cannot open {path} to lock it: {source}"
    )]
    Open {
        /// The database file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Held for the life of the process: the operating system lets go when it ends, however it
/// ends, so a crashed process never blocks the next start.
#[derive(Debug)]
pub struct SingleProcess {
    /// The locked file; the lock lasts as long as it is open.
    _file: Option<File>,
}

impl SingleProcess {
    /// Takes the SQLite file of `database_url` for this process; on PostgreSQL there is
    /// nothing to take. The lock (`flock`) is apart from SQLite's own locks, so the other
    /// commands (import, status, export) still work beside a running bot.
    pub fn take(database_url: &str) -> Result<SingleProcess, SingleError> {
        let Some(path) = sqlite_file(database_url) else {
            return Ok(SingleProcess { _file: None });
        };
        let shown = std::path::absolute(&path)
            .unwrap_or_else(|_| PathBuf::from(&path))
            .display()
            .to_string();
        let file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|source| SingleError::Open {
                path: shown.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(SingleProcess { _file: Some(file) }),
            Err(TryLockError::WouldBlock) => Err(SingleError::Taken(shown)),
            Err(TryLockError::Error(source)) => Err(SingleError::Open {
                path: shown,
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_of_the_same_file_is_refused_and_the_first_lets_go_when_dropped() {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let first = SingleProcess::take(&url).expect("first");
        let second = SingleProcess::take(&url);
        assert!(
            matches!(&second, Err(SingleError::Taken(p)) if p.ends_with("w.db")),
            "{second:?}"
        );
        assert!(
            second
                .expect_err("refused")
                .to_string()
                .contains("PostgreSQL")
        );
        drop(first);
        SingleProcess::take(&url).expect("free again");
    }

    #[test]
    fn postgres_takes_nothing() {
        assert!(SingleProcess::take("postgres://x@127.0.0.1/db").is_ok());
    }
}
