//! Once-a-day and periodic jobs shared by every process on the database.

use chrono::{DateTime, Utc};

use super::outbox::{NewOutbox, insert_in};
use super::{Store, StoreResult, ts};

impl Store {
    /// Claims today's run of `job`: true for exactly one caller per day (the day starting at
    /// `day_start`), whichever process asks first.
    pub async fn claim_daily_job(
        &self,
        job: &str,
        day_start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        claim_in(&self.pool, job, day_start, now).await
    }

    /// Claims a run of a periodic `job`: true for exactly one caller when the job never ran
    /// or its last run lies before `not_before`, whichever process asks first. The rows are
    /// enqueued in the same transaction as the claim, so a claimed run never loses its messages.
    pub async fn claim_periodic_job(
        &self,
        job: &str,
        not_before: DateTime<Utc>,
        now: DateTime<Utc>,
        rows: &[NewOutbox],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !claim_in(&mut *tx, job, not_before, now).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        for row in rows {
            insert_in(&mut *tx, row).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// Records a run of `job` at `now` unless it last ran at or after `not_before`; returns
/// whether this caller claimed the run. One statement, so of racing callers only one wins.
async fn claim_in<'e, E>(
    executor: E,
    job: &str,
    not_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let claimed = sqlx::query(
        "INSERT INTO jobs (name, last_run) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run WHERE jobs.last_run < $3
         RETURNING name",
    )
    .bind(job)
    .bind(ts(now))
    .bind(ts(not_before))
    .fetch_optional(executor)
    .await?;
    Ok(claimed.is_some())
}
