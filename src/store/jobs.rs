//! Once-a-day jobs shared by every process on the database.

use chrono::{DateTime, Utc};

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
        let claimed: Option<(String,)> = sqlx::query_as(
            "INSERT INTO jobs (name, last_run) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET last_run = excluded.last_run WHERE jobs.last_run < $3
             RETURNING name",
        )
        .bind(job)
        .bind(ts(now))
        .bind(ts(day_start))
        .fetch_optional(&self.pool)
        .await?;
        Ok(claimed.is_some())
    }
}
