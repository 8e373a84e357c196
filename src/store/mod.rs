//! Persistence on sqlx's Any driver: one SQL implementation, SQLite by default (a file, WAL)
//! and PostgreSQL when the URL says so. Times are stored as unix seconds, dates as text.

mod batch;
mod chat_leases;
mod chat_state;
mod digest;
mod digest_risks;
mod digest_summary;
mod digest_weeks;
mod import;
mod inbound_seen;
mod intervisie;
mod invites;
mod jobs;
mod on_demand;
mod outbox;
mod pending_work;
mod people;
mod privacy;
mod processes;
mod reflections;
mod school;
mod signals;
mod status;
mod table_upkeep;

pub use batch::{Finish, RecipientContext};
pub use digest::JourneyFacts;
pub use import::{ImportRules, ImportSummary};
pub use invites::StoredInvite;
pub use on_demand::OnDemandQueued;
pub use outbox::{NewOutbox, OutboxKind, OutboxRow, OutboxStatus};
pub use pending_work::PendingWork;
pub use privacy::{
    ACTOR_BOT, ACTOR_CLI, ACTOR_FORGOTTEN, ACTOR_SELF, ACTOR_UNKNOWN, AuditEntry, EscalationExport,
    ForgetReport, PauseExport, PersonExport, PersonRef, ProfileExport, PromptExport,
    ReflectionExport, RetentionPolicies, RetentionPolicy, RetentionReport, SignalExport,
    escalation_subject, person_subject,
};
pub use processes::{ProcessRow, ProcessStart};
pub use reflections::StoredReflection;
pub use school::{OpenEscalation, SchoolOverrides};
pub use signals::{
    EscalationContext, EscalationRow, EscalationStatus, Evaluated, PendingSignal, SignalWrite,
};
pub use status::{Backlog, Counts, MigrationState};
pub use table_upkeep::TableUpkeep;

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::roster::RosterConflict;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::time::Duration;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The embedded migrations could not be applied.
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The URL names no backend the store speaks.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://...")]
    UnsupportedUrl(String),
    /// A stored value the code cannot read back (an unknown status, a bad date, ...).
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// A write refused because of what is already stored; nothing changed.
    #[error("refused, nothing changed: {}", list(.0))]
    Refused(Vec<RosterConflict>),
}

fn list(conflicts: &[RosterConflict]) -> String {
    conflicts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The result of a store call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Every PostgreSQL connection's settings. No JIT compilation: the bot's statements are short,
/// or (the digest's) index probes per placement, and compiling one cost more than it saved
/// (0.5 s of a 1.4 s digest statement at 100,000 placements). Random reads priced as what
/// they are for a database this size (in memory or on SSD): at the default (4) the tick's read
/// of 500 wpbs' pairings scanned all 100,000 (7.5 ms) instead of probing the index (1 ms).
const POSTGRES_SETTINGS: &str = "SET jit = off; SET random_page_cost = 1.1";

/// Every SQLite connection's settings. The page cache is per connection, so its size counts
/// once per pooled connection: 4 MiB each keeps a region's database (10,000 wpbs: ~35 MiB)
/// within the process's memory budget, and the OS file cache serves the rest. (At 64 MiB each
/// the four connections together held the whole file up to four times over.) The log is
/// copied back into the file by the idle ticks (`Store::checkpoint_wal`): left to the commit
/// that fills 1,000 pages, as by default, it landed in a fan-out's tick (10 ms of a 1,000-slot
/// tick's 90). A writer still does it itself past 10,000 pages (40 MiB), which a run without
/// idle ticks reaches; the log file is cut back to 4 MiB when it starts over.
const SQLITE_SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -4096; \
     PRAGMA wal_autocheckpoint = 10000; PRAGMA journal_size_limit = 4194304;";

/// The database behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a database URL names.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }
}

/// The database, shared by every part of the bot; cheap to clone (a connection pool).
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects, creating a SQLite file if needed, and applies the embedded migrations.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let store = Self::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating: SQLite in WAL mode with foreign keys on.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        install_default_drivers();
        let backend = Backend::from_url(url)?;
        let (url, max) = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                (format!("{url}{sep}mode=rwc"), 4)
            }
            Backend::Sqlite => (url.to_string(), 4),
            Backend::Postgres => (url.to_string(), 8),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(30))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    match backend {
                        Backend::Sqlite => conn.execute(SQLITE_SETTINGS).await?,
                        Backend::Postgres => conn.execute(POSTGRES_SETTINGS).await?,
                    };
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self { pool, backend })
    }

    /// Applies the embedded migrations of the store's backend.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Serialises changes to one person's pairings until the transaction ends: PostgreSQL
    /// locks the person's row; on SQLite the write transaction ([`Self::begin`]) already
    /// excludes every other writer.
    pub(crate) async fn lock_person(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        person: &str,
    ) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM people WHERE id = $1 FOR UPDATE")
                .bind(person)
                .fetch_optional(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The database behind the store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether reads on other connections run beside a write without slowing it: on
    /// PostgreSQL the server works on each in its own process, while SQLite's run in this
    /// process, on the same cores as the writer and the engine (reading the next batch ahead
    /// made the tick's writes take 31 ms instead of 18 there, and gained nothing).
    pub fn reads_beside_writes(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Placeholders for a statement on this store's backend.
    pub(crate) fn params(&self) -> Params {
        Params::new(self.backend)
    }

    /// The connection pool, for tests and tools that read the database directly.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that may write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that read first cannot upgrade to a write
    /// after another connection committed (SQLITE_BUSY_SNAPSHOT, which no busy timeout
    /// helps); waiting for the lock up front is covered by the busy timeout.
    pub async fn begin(&self) -> StoreResult<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Closes every connection, waiting for those in use.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Placeholders for a statement over a variable number of values (the only SQL the store
/// builds at run time), numbered in the order they appear in its text, which must be the
/// order their values are bound in: `$1, $2, ...` on PostgreSQL, anonymous `?` on SQLite.
/// (sqlx looks up the name of every `$N` it binds on SQLite, and SQLite finds a name by
/// walking all of the statement's names: quadratic in a long list.)
pub(crate) struct Params {
    next: usize,
    anonymous: bool,
}

impl Params {
    /// Placeholders for a statement on `backend`'s SQL.
    pub(crate) fn new(backend: Backend) -> Self {
        Params {
            next: 1,
            anonymous: backend == Backend::Sqlite,
        }
    }

    /// Placeholders for a statement on this connection.
    pub(crate) fn on(conn: &sqlx::AnyConnection) -> Self {
        Params::new(backend_of(conn))
    }

    /// The next placeholder.
    pub(crate) fn one(&mut self) -> String {
        self.next += 1;
        match self.anonymous {
            true => "?".to_string(),
            false => format!("${}", self.next - 1),
        }
    }

    /// The next `n` placeholders, comma-separated.
    pub(crate) fn list(&mut self, n: usize) -> String {
        (0..n).map(|_| self.one()).collect::<Vec<_>>().join(", ")
    }
}

/// The backend a connection talks to.
pub(crate) fn backend_of(conn: &sqlx::AnyConnection) -> Backend {
    match conn.backend_name() {
        "SQLite" => Backend::Sqlite,
        _ => Backend::Postgres,
    }
}

pub(crate) fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

pub(crate) fn from_ts(secs: i64) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {secs}")))
}

pub(crate) fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_day(s: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("date `{s}`")))
}

#[cfg(test)]
mod tests {
    use super::{Backend, Params};

    #[test]
    fn params_are_numbered_in_order_on_postgres_and_anonymous_on_sqlite() {
        let mut pg = Params::new(Backend::Postgres);
        assert_eq!(
            (pg.one(), pg.list(3), pg.one()),
            ("$1".into(), "$2, $3, $4".into(), "$5".into())
        );
        assert_eq!(pg.list(0), "");
        let mut lite = Params::new(Backend::Sqlite);
        assert_eq!((lite.list(2), lite.one()), ("?, ?".into(), "?".into()));
    }
}
