//! What `wandelgang status` and `/metrics` read about the whole database: the outbox's
//! backlog, failed sends, the next planned prompts, what is counted and which migrations ran.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Backend, Store, StoreResult, from_ts, ts};
use crate::domain::roster::PersonId;

/// The outbox at one moment, shared by every process on the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Rows due by now and not yet finished (waiting, or claimed by a process).
    pub due: i64,
    /// Rows planned for later.
    pub planned: i64,
    /// When the oldest unfinished row became due.
    pub oldest_due: Option<DateTime<Utc>>,
}

impl Backlog {
    /// Seconds since the oldest unfinished row became due; 0 when none is due.
    pub fn oldest_due_secs(&self, now: DateTime<Utc>) -> i64 {
        self.oldest_due
            .map_or(0, |at| (now - at).num_seconds().max(0))
    }
}

/// What the database holds, counted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Schools.
    pub schools: i64,
    /// Teams.
    pub teams: i64,
    /// People per role, by the role's stored name, in name order.
    pub people: Vec<(String, i64)>,
}

/// The embedded migrations against those the database ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationState {
    /// Migrations the database ran that this binary knows.
    pub applied: usize,
    /// Migrations this binary has and the database has not run (version and description).
    pub pending: Vec<(i64, String)>,
    /// Migrations the database ran that this binary does not know: a newer binary migrated it.
    pub unknown: Vec<i64>,
}

impl MigrationState {
    /// The database is exactly what this binary expects.
    pub fn is_current(&self) -> bool {
        self.pending.is_empty() && self.unknown.is_empty()
    }
}

impl Store {
    /// The outbox's backlog at `now`.
    pub async fn backlog(&self, now: DateTime<Utc>) -> StoreResult<Backlog> {
        let planned = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN due_at <= $1 THEN 1 ELSE 0 END), 0) AS due,
                    COALESCE(SUM(CASE WHEN due_at > $1 THEN 1 ELSE 0 END), 0) AS later,
                    MIN(due_at) AS oldest
             FROM outbox WHERE status = 'planned'",
        )
        .bind(ts(now))
        .fetch_one(&self.pool)
        .await?;
        let claimed = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(due_at) AS oldest FROM outbox WHERE status = 'claimed'",
        )
        .fetch_one(&self.pool)
        .await?;
        let due: i64 = planned.try_get("due")?;
        let claimed_n: i64 = claimed.try_get("n")?;
        // The oldest planned row counts only once it is due.
        let oldest_planned = planned
            .try_get::<Option<i64>, _>("oldest")?
            .filter(|at| *at <= ts(now));
        let oldest = [oldest_planned, claimed.try_get::<Option<i64>, _>("oldest")?]
            .into_iter()
            .flatten()
            .min();
        Ok(Backlog {
            due: due + claimed_n,
            planned: planned.try_get("later")?,
            oldest_due: oldest.map(from_ts).transpose()?,
        })
    }

    /// Sends that failed for good since `since`.
    pub async fn failed_since(&self, since: DateTime<Utc>) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND COALESCE(sent_at, due_at) >= $1",
        )
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The next `limit` planned prompts after `now`: when, and to which wpb.
    pub async fn next_prompts(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<(DateTime<Utc>, PersonId)>> {
        let rows = sqlx::query(
            "SELECT due_at, recipient FROM outbox
             WHERE status = 'planned' AND kind = 'prompt' AND due_at > $1
             ORDER BY due_at, id LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    from_ts(r.try_get("due_at")?)?,
                    PersonId::from_trusted(r.try_get::<String, _>("recipient")?),
                ))
            })
            .collect()
    }

    /// Schools, teams and people counted.
    pub async fn counts(&self) -> StoreResult<Counts> {
        let schools = sqlx::query_scalar("SELECT COUNT(*) FROM schools")
            .fetch_one(&self.pool)
            .await?;
        let teams = sqlx::query_scalar("SELECT COUNT(*) FROM teams")
            .fetch_one(&self.pool)
            .await?;
        let mut people = Vec::new();
        for r in sqlx::query("SELECT role, COUNT(*) AS n FROM people GROUP BY role ORDER BY role")
            .fetch_all(&self.pool)
            .await?
        {
            people.push((r.try_get("role")?, r.try_get("n")?));
        }
        Ok(Counts {
            schools,
            people,
            teams,
        })
    }

    /// Which of this binary's migrations the database ran. Reads only: nothing is applied.
    pub async fn migration_state(&self) -> StoreResult<MigrationState> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        let table: i64 = sqlx::query_scalar(match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        })
        .fetch_one(&self.pool)
        .await?;
        let ran: Vec<i64> = if table > 0 {
            sqlx::query_scalar(
                "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await?
        } else {
            Vec::new()
        };
        let known: Vec<(i64, String)> = migrator
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| (m.version, m.description.to_string()))
            .collect();
        Ok(MigrationState {
            applied: known.iter().filter(|(v, _)| ran.contains(v)).count(),
            pending: known
                .iter()
                .filter(|(v, _)| !ran.contains(v))
                .cloned()
                .collect(),
            unknown: ran
                .iter()
                .filter(|v| !known.iter().any(|(k, _)| k == *v))
                .copied()
                .collect(),
        })
    }

    /// The database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}
