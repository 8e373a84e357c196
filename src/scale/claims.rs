//! `wandelgang bench claims`: how fast several `run` processes on one PostgreSQL drain a
//! fan-out together. Each worker is a process of its own (this binary, `bench claims-worker`)
//! with its own pool, ticking the real engine over the same due rows; `FOR UPDATE SKIP
//! LOCKED` and the leases split them. The figure is rows claimed, sent and recorded per
//! second, from the moment every worker is connected and told to go until the last is done.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};

use super::{FIRST_DAY, ScaleError, Target, midnight, play, run_database, school};
use crate::app::Engine;
use crate::app::ports::VirtualClock;
use crate::domain::prompts::Catalogue;
use crate::store::Store;

/// The moment the workers tick at: late on the first Monday, when every row is due.
const TICK_AT: (u32, u32) = (16, 20);
/// Rows a `run` process claims per step (`DiscordOptions`, `MatrixOptions`).
const RUN_BATCH: i64 = 100;
/// Every planned row is made due at this time, inside the working window.
const DUE_AT: (u32, u32) = (16, 0);

/// What one run with `processes` workers measured.
#[derive(Debug, Clone)]
pub struct ClaimsRun {
    /// Worker processes.
    pub processes: usize,
    /// Rows sent, by all workers together.
    pub rows: usize,
    /// Rows per worker, in the order they were started.
    pub per_worker: Vec<usize>,
    /// From "go" until the last worker was done.
    pub wall: Duration,
}

impl ClaimsRun {
    /// Rows claimed, sent and recorded per second.
    pub fn per_second(&self) -> f64 {
        self.rows as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Why the claims benchmark stopped.
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    /// Setting up or cleaning the database.
    #[error(transparent)]
    Scale(#[from] ScaleError),
    /// A worker process could not be started or spoke out of turn.
    #[error("werkproces / worker process: {0}")]
    Worker(String),
    /// Only PostgreSQL shares work between processes.
    #[error(
        "--database: alleen PostgreSQL verdeelt werk over processen / only PostgreSQL shares work between processes"
    )]
    NotPostgres,
}

fn moment(calendar_tz: &chrono_tz::Tz, (h, m): (u32, u32)) -> DateTime<Utc> {
    let (y, mo, d) = FIRST_DAY;
    let day = NaiveDate::from_ymd_opt(y, mo, d).unwrap_or_default();
    midnight(calendar_tz, day)
        + chrono::Duration::hours(i64::from(h))
        + chrono::Duration::minutes(i64::from(m))
}

/// The engine every worker (and the seeding) runs: the generated school's settings without
/// the weekly digest and the team calls, so the workers do only the fan-out.
fn engine(store: Store, url: &str, at: DateTime<Utc>) -> Result<play::ScaleEngine, ScaleError> {
    let mut config = school::config(url)?;
    config.defaults.digest.enabled = false;
    config.defaults.intervisie.every_weeks = None;
    let mut engine = Engine::new(
        store,
        play::CountingChat::default(),
        VirtualClock::new(at),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );
    // The batch `run` claims on Discord and Matrix.
    engine.batch = RUN_BATCH;
    Ok(engine)
}

/// For each count in `processes`: a fresh database on `admin` with `rows` wpbs, each with one
/// due prompt, drained by that many worker processes.
pub async fn run(
    admin: &str,
    rows: usize,
    processes: &[usize],
    mut on_run: impl FnMut(&ClaimsRun),
) -> Result<Vec<ClaimsRun>, ClaimsError> {
    let target = Target::from_url(Some(admin)).map_err(ClaimsError::Scale)?;
    if !matches!(target, Target::Postgres(_)) {
        return Err(ClaimsError::NotPostgres);
    }
    let mut runs = Vec::new();
    for &n in processes {
        let db = run_database(&target, rows).await?;
        let measured = seed_and_drain(&db.url, rows, n).await;
        let cleaned = db.clean_up().await;
        let run = measured?;
        cleaned?;
        on_run(&run);
        runs.push(run);
    }
    Ok(runs)
}

async fn seed_and_drain(
    url: &str,
    rows: usize,
    processes: usize,
) -> Result<ClaimsRun, ClaimsError> {
    let store = Store::open(url).await.map_err(ScaleError::from)?;
    let (y, m, d) = FIRST_DAY;
    let first = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    store
        .import_roster(&school::roster(
            rows,
            first - chrono::Duration::days(6),
            first + chrono::Duration::weeks(44),
        ))
        .await
        .map_err(ScaleError::from)?;
    let tz = school::config(url)
        .map_err(ScaleError::from)?
        .defaults
        .calendar
        .tz;
    // Plans every wpb's slot (and takes the day's daily jobs), then makes every slot due.
    let seeding = engine(store.clone(), url, moment(&tz, (6, 0)))?;
    seeding.tick().await.map_err(ScaleError::from)?;
    drop(seeding);
    sqlx::query("UPDATE outbox SET due_at = $1 WHERE status = 'planned' AND kind = 'prompt'")
        .bind(moment(&tz, DUE_AT).timestamp())
        .execute(store.pool())
        .await
        .map_err(|e| ClaimsError::Scale(ScaleError::OwnDatabase(e)))?;
    store.close().await;

    let at = moment(&tz, TICK_AT).timestamp().to_string();
    let exe = std::env::current_exe().map_err(|e| ClaimsError::Worker(e.to_string()))?;
    let mut workers: Vec<(Child, BufReader<std::process::ChildStdout>)> = Vec::new();
    for _ in 0..processes {
        let mut child = Command::new(&exe)
            .args(["bench", "claims-worker", "--database", url, "--at", &at])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| ClaimsError::Worker(e.to_string()))?;
        let out = child
            .stdout
            .take()
            .ok_or_else(|| ClaimsError::Worker("no stdout".into()))?;
        workers.push((child, BufReader::new(out)));
    }
    for (_, out) in &mut workers {
        expect_line(out, "ready")?;
    }
    let started = Instant::now();
    for (child, _) in &mut workers {
        let stdin = child
            .stdin
            .as_mut()
            .ok_or_else(|| ClaimsError::Worker("no stdin".into()))?;
        writeln!(stdin, "go").map_err(|e| ClaimsError::Worker(e.to_string()))?;
        stdin
            .flush()
            .map_err(|e| ClaimsError::Worker(e.to_string()))?;
    }
    let mut per_worker = Vec::new();
    for (_, out) in &mut workers {
        let line = expect_line(out, "sent ")?;
        let n = line
            .trim_start_matches("sent ")
            .trim()
            .parse()
            .map_err(|_| ClaimsError::Worker(format!("unreadable count `{line}`")))?;
        per_worker.push(n);
    }
    let wall = started.elapsed();
    for (mut child, _) in workers {
        let status = child
            .wait()
            .map_err(|e| ClaimsError::Worker(e.to_string()))?;
        if !status.success() {
            return Err(ClaimsError::Worker(format!("ended with {status}")));
        }
    }
    Ok(ClaimsRun {
        processes,
        rows: per_worker.iter().sum(),
        per_worker,
        wall,
    })
}

/// Reads the worker's next line, which must start with `prefix`.
fn expect_line(out: &mut impl BufRead, prefix: &str) -> Result<String, ClaimsError> {
    let mut line = String::new();
    out.read_line(&mut line)
        .map_err(|e| ClaimsError::Worker(e.to_string()))?;
    if line.starts_with(prefix) {
        Ok(line)
    } else {
        Err(ClaimsError::Worker(format!(
            "expected `{prefix}`, got `{}`",
            line.trim()
        )))
    }
}

/// One worker: connects, says `ready`, waits for `go` on stdin, ticks once at `at` (a tick
/// delivers batches until nothing is due), and says how many prompts it sent.
pub async fn worker(url: &str, at: i64) -> Result<(), ClaimsError> {
    let at =
        DateTime::from_timestamp(at, 0).ok_or_else(|| ClaimsError::Worker(format!("--at {at}")))?;
    let store = Store::connect(url).await.map_err(ScaleError::from)?;
    store.ping().await.map_err(ScaleError::from)?;
    let engine = engine(store.clone(), url, at)?;
    println!("ready");
    std::io::stdout()
        .flush()
        .map_err(|e| ClaimsError::Worker(e.to_string()))?;
    let mut go = String::new();
    std::io::stdin()
        .read_line(&mut go)
        .map_err(|e| ClaimsError::Worker(e.to_string()))?;
    let outcome = engine.tick().await.map_err(ScaleError::from)?;
    println!("sent {}", outcome.sent);
    store.close().await;
    Ok(())
}
