//! The `run` processes on this database: each registers at start, shows life on a heartbeat,
//! records its ticks and says when it stopped cleanly. `wandelgang status` reads them, and a
//! process sees from them how many others share the work.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::{Store, StoreResult, from_ts, ts};

/// Rows of processes silent this long are removed when another process starts.
const FORGET_AFTER_DAYS: i64 = 7;

/// A process as it registers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessStart {
    /// The engine's claim id, unique per process.
    pub id: String,
    /// The machine's name.
    pub host: String,
    /// The operating system's process id.
    pub pid: u32,
    /// What it runs, such as `discord` or `matrix`.
    pub role: String,
}

/// A process as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRow {
    /// The engine's claim id.
    pub id: String,
    /// The machine's name.
    pub host: String,
    /// The operating system's process id.
    pub pid: i64,
    /// What it runs.
    pub role: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it last showed life.
    pub heartbeat_at: DateTime<Utc>,
    /// When it last completed a tick, and how long that tick took in milliseconds.
    pub last_tick: Option<(DateTime<Utc>, i64)>,
    /// When it stopped cleanly; `None` while running, or after a crash.
    pub stopped_at: Option<DateTime<Utc>>,
}

impl ProcessRow {
    /// Running and seen within `window` before `now`.
    pub fn is_live(&self, now: DateTime<Utc>, window: Duration) -> bool {
        self.stopped_at.is_none() && self.heartbeat_at > now - window
    }
}

impl Store {
    /// Registers a starting process, and forgets processes silent for a week.
    pub async fn register_process(&self, p: &ProcessStart, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("DELETE FROM processes WHERE heartbeat_at < $1")
            .bind(ts(now - Duration::days(FORGET_AFTER_DAYS)))
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO processes (id, host, pid, role, started_at, heartbeat_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL",
        )
        .bind(p.id.as_str())
        .bind(p.host.as_str())
        .bind(i64::from(p.pid))
        .bind(p.role.as_str())
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The process shows life.
    pub async fn heartbeat(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE processes SET heartbeat_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The process completed a tick at `now` that took `took`. Engines that never registered
    /// (tests, `demo`) have no row, and nothing happens.
    pub async fn tick_done(
        &self,
        id: &str,
        now: DateTime<Utc>,
        took: std::time::Duration,
    ) -> StoreResult<()> {
        let ms = i64::try_from(took.as_millis()).unwrap_or(i64::MAX);
        sqlx::query(
            "UPDATE processes SET last_tick_at = $1, last_tick_ms = $2, heartbeat_at = $1 WHERE id = $3",
        )
        .bind(ts(now))
        .bind(ms)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The process stopped cleanly.
    pub async fn process_stopped(&self, id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE processes SET stopped_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The process counted `n` live processes of its platform, itself included.
    pub async fn peers_counted(&self, id: &str, n: i64) -> StoreResult<()> {
        sqlx::query("UPDATE processes SET peers_counted = $1 WHERE id = $2")
            .bind(n)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The other live processes running `role` (seen since `since`) that have not yet counted
    /// as many live processes as there are now: those that may still take a larger part of
    /// the request budget than is theirs.
    pub async fn uncounting_peers(
        &self,
        id: &str,
        role: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "WITH live AS (
                 SELECT id, peers_counted FROM processes
                 WHERE role = $1 AND stopped_at IS NULL AND heartbeat_at >= $2
             )
             SELECT COUNT(*) FROM live
             WHERE id <> $3 AND peers_counted < (SELECT COUNT(*) FROM live)",
        )
        .bind(role)
        .bind(ts(since))
        .bind(id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Processes running `role` that showed life since `since` and did not stop.
    pub async fn live_processes(&self, role: &str, since: DateTime<Utc>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM processes WHERE role = $1 AND stopped_at IS NULL AND heartbeat_at >= $2",
        )
        .bind(role)
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every process seen since `since`, the most recently seen first.
    pub async fn processes(&self, since: DateTime<Utc>) -> StoreResult<Vec<ProcessRow>> {
        let rows = sqlx::query(
            "SELECT id, host, pid, role, started_at, heartbeat_at, last_tick_at, last_tick_ms, stopped_at
             FROM processes WHERE heartbeat_at >= $1 ORDER BY heartbeat_at DESC, id",
        )
        .bind(ts(since))
        .fetch_all(&self.pool)
        .await?;
        let moment = |v: Option<i64>| v.map(from_ts).transpose();
        rows.iter()
            .map(|r| {
                let last_tick = moment(r.try_get("last_tick_at")?)?
                    .map(|at| {
                        Ok::<_, super::StoreError>((
                            at,
                            r.try_get::<Option<i64>, _>("last_tick_ms")?.unwrap_or(0),
                        ))
                    })
                    .transpose()?;
                Ok(ProcessRow {
                    id: r.try_get("id")?,
                    host: r.try_get("host")?,
                    pid: r.try_get("pid")?,
                    role: r.try_get("role")?,
                    started_at: from_ts(r.try_get("started_at")?)?,
                    heartbeat_at: from_ts(r.try_get("heartbeat_at")?)?,
                    last_tick,
                    stopped_at: moment(r.try_get("stopped_at")?)?,
                })
            })
            .collect()
    }
}
