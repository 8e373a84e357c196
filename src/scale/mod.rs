//! `wandelgang bench scale`: a generated school of N wpbs played for some weeks on the
//! virtual clock through the real engine and store, measured for time, memory and size.
//!
//! `school` generates the roster and its settings, `play` drives the engine and answers as
//! the wpbs and students would, `process` reads the peak memory and the database size.

pub mod claims;
pub mod play;
pub mod process;
pub mod school;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use sqlx::{AssertSqlSafe, Connection};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crate::app::Engine;
use crate::app::ports::VirtualClock;
use crate::domain::prompts::Catalogue;
use crate::store::{Backend, Store};
pub use play::Counts;

/// The first day played: a Monday without holidays around it.
const FIRST_DAY: (i32, u32, u32) = (2026, 9, 7);

/// Why a scale run stopped.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// The generated settings did not parse (a bug in this module).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The engine failed during the run.
    #[error(transparent)]
    Engine(#[from] crate::app::engine::EngineError),
    /// Creating or dropping the run's own PostgreSQL database failed.
    #[error("eigen database voor de meting / the run's own database: {0}")]
    OwnDatabase(#[from] sqlx::Error),
    /// The SQLite file for the run exists already; a run starts on an empty database.
    #[error("{0} bestaat al; kies een ander pad / already exists; choose another path")]
    Exists(PathBuf),
    /// `--database` names no backend the store speaks.
    #[error(
        "--database: gebruik sqlite://PAD of postgres://... / use sqlite://PATH or postgres://...: `{0}`"
    )]
    Url(String),
}

/// Where the runs keep their data.
#[derive(Debug, Clone)]
pub enum Target {
    /// A fresh SQLite file in the temp folder per run, removed afterwards.
    TempSqlite,
    /// SQLite files named after this one (`bench-1000.db` for `bench.db`), kept.
    SqliteFile(PathBuf),
    /// A fresh database per run on this PostgreSQL server (the URL names any database the
    /// user may create databases from), dropped afterwards.
    Postgres(String),
}

impl Target {
    /// The target `--database` names; none means a temporary SQLite file.
    pub fn from_url(url: Option<&str>) -> Result<Self, ScaleError> {
        let Some(url) = url else {
            return Ok(Target::TempSqlite);
        };
        match Backend::from_url(url) {
            Ok(Backend::Postgres) => Ok(Target::Postgres(url.to_string())),
            Ok(Backend::Sqlite) => crate::config::sqlite_file(url)
                .map(Target::SqliteFile)
                .ok_or_else(|| ScaleError::Url(url.to_string())),
            Err(_) => Err(ScaleError::Url(url.to_string())),
        }
    }

    /// The backend's name for the report.
    pub fn backend_name(&self) -> &'static str {
        match self {
            Target::TempSqlite | Target::SqliteFile(_) => "SQLite",
            Target::Postgres(_) => "PostgreSQL",
        }
    }
}

/// What one run measured.
#[derive(Debug, Clone)]
pub struct ScaleRun {
    /// Wpbs in the generated school.
    pub wpbs: usize,
    /// Weeks played.
    pub weeks: u32,
    /// School days among them.
    pub school_days: u32,
    /// Importing the roster.
    pub setup: std::time::Duration,
    /// Playing the weeks.
    pub play: std::time::Duration,
    /// What the run sent and handled.
    pub counts: Counts,
    /// The peak resident memory of the process during this run.
    pub peak_rss_bytes: Option<u64>,
    /// The database's size at the end.
    pub database_bytes: Option<u64>,
}

impl ScaleRun {
    /// Wall time of the play per school day.
    pub fn per_school_day(&self) -> std::time::Duration {
        self.play / self.school_days.max(1)
    }
}

/// A run's own database: its URL, and what to clean up after.
struct RunDatabase {
    url: String,
    sqlite_file: Option<PathBuf>,
    cleanup: Cleanup,
}

enum Cleanup {
    Keep,
    RemoveFile(PathBuf),
    DropDatabase { admin: String, name: String },
}

async fn run_database(target: &Target, wpbs: usize) -> Result<RunDatabase, ScaleError> {
    match target {
        Target::TempSqlite => {
            let file = std::env::temp_dir()
                .join(format!("wandelgang-scale-{}-{wpbs}.db", std::process::id()));
            remove_sqlite(&file);
            Ok(RunDatabase {
                url: format!("sqlite://{}", file.display()),
                sqlite_file: Some(file.clone()),
                cleanup: Cleanup::RemoveFile(file),
            })
        }
        Target::SqliteFile(base) => {
            let stem = base
                .file_stem()
                .map_or_else(|| "scale".into(), |s| s.to_string_lossy().into_owned());
            let file = base.with_file_name(format!("{stem}-{wpbs}.db"));
            if file.exists() {
                return Err(ScaleError::Exists(file));
            }
            Ok(RunDatabase {
                url: format!("sqlite://{}", file.display()),
                sqlite_file: Some(file),
                cleanup: Cleanup::Keep,
            })
        }
        Target::Postgres(admin) => {
            let name = format!("wg_scale_{}_{wpbs}", std::process::id());
            sqlx::any::install_default_drivers();
            let mut conn = sqlx::AnyConnection::connect(admin).await?;
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await?;
            conn.close().await?;
            let base = admin.split('?').next().unwrap_or(admin);
            let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
            Ok(RunDatabase {
                url: format!("{base}/{name}"),
                sqlite_file: None,
                cleanup: Cleanup::DropDatabase {
                    admin: admin.clone(),
                    name,
                },
            })
        }
    }
}

fn remove_sqlite(file: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = file.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

impl RunDatabase {
    async fn clean_up(self) -> Result<(), ScaleError> {
        match self.cleanup {
            Cleanup::Keep => {}
            Cleanup::RemoveFile(file) => remove_sqlite(&file),
            Cleanup::DropDatabase { admin, name } => {
                let mut conn = sqlx::AnyConnection::connect(&admin).await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await?;
                conn.close().await?;
            }
        }
        Ok(())
    }
}

/// Generates a school of `wpbs` wpbs on a fresh database of `target`, plays `weeks` weeks
/// `step` at a time, and measures it. `on_day` hears about each simulated day.
pub async fn run(
    target: &Target,
    wpbs: usize,
    weeks: u32,
    step: Duration,
    on_day: impl FnMut(DateTime<Utc>, &Counts),
) -> Result<ScaleRun, ScaleError> {
    let db = run_database(target, wpbs).await?;
    let measured = measure(&db, wpbs, weeks, step, on_day).await;
    let cleaned = db.clean_up().await;
    let run = measured?;
    cleaned?;
    Ok(run)
}

async fn measure(
    db: &RunDatabase,
    wpbs: usize,
    weeks: u32,
    step: Duration,
    on_day: impl FnMut(DateTime<Utc>, &Counts),
) -> Result<ScaleRun, ScaleError> {
    process::reset_peak_rss();
    let config = school::config(&db.url)?;
    let calendar = config.defaults.calendar.clone();
    let (y, m, d) = FIRST_DAY;
    let first = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let last = first + Duration::weeks(i64::from(weeks));
    let school_days = (0..i64::from(weeks) * 7)
        .filter(|n| calendar.is_school_day(first + Duration::days(*n)))
        .count() as u32;
    let start = midnight(&calendar.tz, first);
    let end = midnight(&calendar.tz, last);

    let t = Instant::now();
    let store = Store::open(&db.url).await?;
    // Placements run the whole school year, past the end of any run.
    let roster = school::roster(wpbs, first - Duration::days(6), first + Duration::weeks(44));
    store.import_roster(&roster).await?;
    drop(roster);
    let setup = t.elapsed();

    let clock = VirtualClock::new(start);
    let engine = Engine::new(
        store.clone(),
        play::CountingChat::default(),
        clock.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );
    let t = Instant::now();
    let counts = play::play(&engine, &clock, (start, end), step, on_day).await?;
    let play = t.elapsed();
    let peak_rss_bytes = process::peak_rss_bytes();
    let database_bytes = process::database_bytes(&store, db.sqlite_file.as_deref()).await?;
    drop(engine);
    store.close().await;
    Ok(ScaleRun {
        wpbs,
        weeks,
        school_days,
        setup,
        play,
        counts,
        peak_rss_bytes,
        database_bytes,
    })
}

fn midnight(tz: &chrono_tz::Tz, day: NaiveDate) -> DateTime<Utc> {
    tz.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}
