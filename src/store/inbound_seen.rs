//! What the bot already handled of the messages people wrote, and where to look again for
//! what it may have missed: after a new chat connection, the messages written while no
//! process listened are fetched again, and each must be handled once.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::{Store, StoreResult, from_ts, ts};

/// Handled messages are remembered this long: far past any catch-up window.
const REMEMBER_DAYS: i64 = 7;

impl Store {
    /// Marks message `id` of `platform` as handled at `now`; false when it already was (then
    /// it must not be handled again). Forgets marks older than a week on the way.
    pub async fn first_sight(
        &self,
        platform: &str,
        id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO inbound_seen (platform, message_id, seen_at) VALUES ($1, $2, $3)
             ON CONFLICT (platform, message_id) DO NOTHING",
        )
        .bind(platform)
        .bind(id)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets handled messages from before a week ago.
    pub async fn forget_old_sightings(&self, now: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("DELETE FROM inbound_seen WHERE seen_at < $1")
            .bind(ts(now - Duration::days(REMEMBER_DAYS)))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The last sign of life of any process running `role` other than `me`: until then, that
    /// process listened to the chat.
    pub async fn last_sign_of_life(
        &self,
        role: &str,
        me: &str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let row = sqlx::query(
            "SELECT MAX(heartbeat_at) AS last FROM processes WHERE role = $1 AND id <> $2",
        )
        .bind(role)
        .bind(me)
        .fetch_one(&self.pool)
        .await?;
        row.try_get::<Option<i64>, _>("last")?
            .map(from_ts)
            .transpose()
    }

    /// The chat addresses starting with `prefix` of everyone the bot sent a prompt or reminder
    /// since `since`, or may have (claimed by a process that died before it could record the
    /// send): the people whose answer may have gone unheard.
    pub async fn recently_prompted(
        &self,
        prefix: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<String>> {
        let rows = sqlx::query(
            "SELECT DISTINCT p.chat AS chat FROM outbox o JOIN people p ON p.id = o.recipient
             WHERE o.kind IN ('prompt', 'reminder')
               AND ((o.status = 'sent' AND o.sent_at >= $1) OR o.status = 'claimed')
               AND p.chat LIKE $2
             ORDER BY p.chat",
        )
        .bind(ts(since))
        .bind(format!("{prefix}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("chat")?)).collect()
    }
}
