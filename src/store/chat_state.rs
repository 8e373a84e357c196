//! A platform adapter's small key-value state (sync token, session, DM rooms, seen events).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, ts};

impl Store {
    /// The value under `key`, if any.
    pub async fn chat_state(&self, key: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT value FROM chat_state WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("value")).transpose()?)
    }

    /// Sets the value under `key`, noting when.
    pub async fn set_chat_state(
        &self,
        key: &str,
        value: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO chat_state (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(key)
        .bind(value)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Drops entries under `prefix` not touched since `before`.
    pub async fn prune_chat_state(&self, prefix: &str, before: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM chat_state WHERE key LIKE $1 AND updated_at < $2")
            .bind(format!("{prefix}%"))
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
