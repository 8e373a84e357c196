//! Invitations to chat rooms that the bot has not yet accepted or declined, kept in the chat
//! state (`invite:<room>` = the inviter, prefixed `direct:` for a DM invite; `updated_at` =
//! when the bot first saw it), so an
//! invite sent before the roster is still there when the roster arrives, also after a restart.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreResult, from_ts, ts};

const INVITE_PREFIX: &str = "invite:";
/// User ids start with `@`, so the prefix cannot be mistaken for one.
const DIRECT_PREFIX: &str = "direct:";

/// One invite still waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredInvite {
    /// The room the bot is invited to.
    pub room: String,
    /// The platform's user id of whoever invited the bot (may be empty when unknown).
    pub inviter: String,
    /// The inviter marked the room as a DM with the bot (`is_direct`).
    pub direct: bool,
    /// When the bot first saw the invite.
    pub since: DateTime<Utc>,
}

impl Store {
    /// Remembers an invite; one seen before keeps its first time.
    pub async fn remember_invite(
        &self,
        room: &str,
        inviter: &str,
        direct: bool,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let value = if direct {
            format!("{DIRECT_PREFIX}{inviter}")
        } else {
            inviter.to_string()
        };
        sqlx::query(
            "INSERT INTO chat_state (key, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(format!("{INVITE_PREFIX}{room}"))
        .bind(value)
        .bind(ts(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every invite still waiting for a decision, by room.
    pub async fn pending_invites(&self) -> StoreResult<Vec<StoredInvite>> {
        let rows = sqlx::query(
            "SELECT key, value, updated_at FROM chat_state WHERE key LIKE $1 ORDER BY key",
        )
        .bind(format!("{INVITE_PREFIX}%"))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let key: String = row.try_get("key")?;
                let value: String = row.try_get("value")?;
                let (inviter, direct) = match value.strip_prefix(DIRECT_PREFIX) {
                    Some(inviter) => (inviter.to_string(), true),
                    None => (value, false),
                };
                Ok(StoredInvite {
                    room: key[INVITE_PREFIX.len()..].to_string(),
                    inviter,
                    direct,
                    since: from_ts(row.try_get("updated_at")?)?,
                })
            })
            .collect()
    }

    /// The invite was accepted, declined or withdrawn.
    pub async fn forget_invite(&self, room: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM chat_state WHERE key = $1")
            .bind(format!("{INVITE_PREFIX}{room}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
