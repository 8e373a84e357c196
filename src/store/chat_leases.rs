//! Leases on a platform's chat connection: which of several processes on one database holds
//! the Discord gateway or the Matrix sync. Taking and renewing is one statement, so the
//! database decides between processes that try at the same moment.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult};

impl Store {
    /// Takes or renews the lease on `platform` for `holder` until `until`: succeeds when no one
    /// holds it, when `holder` already does, or when the holder's lease ran out before `now`.
    /// Returns whether `holder` holds it now.
    pub async fn take_chat_lease(
        &self,
        platform: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO chat_leases (platform, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform) DO UPDATE
             SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE chat_leases.holder = excluded.holder OR chat_leases.expires_at < $4",
        )
        .bind(platform)
        .bind(holder)
        .bind(until.timestamp_millis())
        .bind(now.timestamp_millis())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives the lease up, if `holder` has it, so the next process need not wait it out.
    pub async fn release_chat_lease(&self, platform: &str, holder: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM chat_leases WHERE platform = $1 AND holder = $2")
            .bind(platform)
            .bind(holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Who holds the lease on `platform` and until when, if anyone ever took it.
    pub async fn chat_lease_holder(
        &self,
        platform: &str,
    ) -> StoreResult<Option<(String, DateTime<Utc>)>> {
        let row = sqlx::query("SELECT holder, expires_at FROM chat_leases WHERE platform = $1")
            .bind(platform)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let ms: i64 = r.try_get("expires_at")?;
            let at = DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| super::StoreError::Corrupt(format!("lease expiry {ms}")))?;
            Ok((r.try_get("holder")?, at))
        })
        .transpose()
    }
}
