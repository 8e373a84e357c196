//! Intervisie threads: the domain `Thread` as JSON, one row per thread, saved optimistically
//! (a `version` check) together with the outbox rows its effects produced.

use chrono::{DateTime, Utc};

use super::outbox::{NewOutbox, insert_in};
use super::people::{TeamTuple, team_from};
use super::{Store, StoreResult, ts};
use crate::domain::roster::{PersonId, Team, TeamId};

impl Store {
    /// Opens a thread in one transaction: the row is inserted to get its id, then `build`
    /// turns that id into the thread's JSON, its first due time and the messages to send.
    /// None when the team already has an open thread.
    pub async fn open_thread<F>(
        &self,
        team: &TeamId,
        owner: &PersonId,
        now: DateTime<Utc>,
        build: F,
    ) -> StoreResult<Option<i64>>
    where
        F: FnOnce(i64) -> (String, DateTime<Utc>, Vec<NewOutbox>),
    {
        let mut tx = self.begin().await?;
        let id: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO intervisie_threads (team_id, case_owner, state, due_at)
             VALUES ($1, $2, '{}', $3) ON CONFLICT (team_id) WHERE closed = 0 DO NOTHING RETURNING id",
        )
        .bind(team.as_str())
        .bind(owner.as_str())
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id,)) = id else {
            tx.rollback().await?;
            return Ok(None);
        };
        let (state, due, rows) = build(id);
        sqlx::query("UPDATE intervisie_threads SET state = $1, due_at = $2 WHERE id = $3")
            .bind(state)
            .bind(ts(due))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for row in &rows {
            insert_in(&mut *tx, row).await?;
        }
        tx.commit().await?;
        Ok(Some(id))
    }

    /// A thread's JSON and version.
    pub async fn thread(&self, id: i64) -> StoreResult<Option<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT state, version FROM intervisie_threads WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn open_thread_of_team(&self, team: &TeamId) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "SELECT id FROM intervisie_threads WHERE team_id = $1 AND closed = 0",
        )
        .bind(team.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(|(id,)| id))
    }

    /// Saves a thread if nobody saved it since `version` was read, with its messages, in one
    /// transaction. False when another writer came first (nothing changed).
    pub async fn save_thread(
        &self,
        id: i64,
        version: i64,
        state: &str,
        due_at: DateTime<Utc>,
        closed: bool,
        rows: &[NewOutbox],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE intervisie_threads SET state = $1, due_at = $2, closed = $3, version = version + 1
             WHERE id = $4 AND version = $5",
        )
        .bind(state)
        .bind(ts(due_at))
        .bind(i64::from(closed))
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for row in rows {
            insert_in(&mut *tx, row).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Open threads whose phase is due by `now`, oldest due first.
    pub async fn due_threads(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_as::<_, (i64,)>(
            "SELECT id FROM intervisie_threads WHERE closed = 0 AND due_at <= $1
             ORDER BY due_at, id LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id,)| id)
        .collect())
    }

    pub async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>> {
        Ok(sqlx::query_as::<_, TeamTuple>(
            "SELECT id, school_id, name, channel FROM teams WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(team_from))
    }

    /// Teams with a channel, by id, for the scheduled call for a case.
    pub async fn teams_with_channel(&self) -> StoreResult<Vec<Team>> {
        Ok(sqlx::query_as::<_, TeamTuple>(
            "SELECT id, school_id, name, channel FROM teams WHERE channel IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(team_from)
        .collect())
    }

    /// The team's first wpb by id: the recipient of record for a team-channel message that
    /// belongs to no thread.
    pub async fn first_wpb_of_team(&self, team: &TeamId) -> StoreResult<Option<PersonId>> {
        Ok(sqlx::query_as::<_, (String,)>(
            "SELECT id FROM people WHERE team_id = $1 AND role = 'wpb' ORDER BY id LIMIT 1",
        )
        .bind(team.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(|(id,)| PersonId::from_trusted(id)))
    }

    /// Every stored thread's JSON, for privacy (export and forget).
    pub(crate) async fn all_threads(&self) -> StoreResult<Vec<(i64, String)>> {
        Ok(
            sqlx::query_as("SELECT id, state FROM intervisie_threads ORDER BY id")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

impl Store {
    /// Where the chat platform shows thread `id`, once the adapter has opened it there.
    pub async fn chat_thread(&self, id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_as::<_, (String,)>("SELECT address FROM chat_threads WHERE thread_id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .map(|(a,)| a),
        )
    }

    /// Remembers where thread `id` lives on the platform; a second call keeps the first place.
    pub async fn set_chat_thread(&self, id: i64, address: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO chat_threads (thread_id, address) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(address)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether a platform address is some team's channel.
    pub async fn is_team_channel(&self, address: &str) -> StoreResult<bool> {
        Ok(
            sqlx::query_as::<_, (i64,)>("SELECT 1 FROM teams WHERE channel = $1 LIMIT 1")
                .bind(address)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// The intervisie thread shown at a platform address, if any.
    pub async fn thread_at_chat_address(&self, address: &str) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_as::<_, (i64,)>("SELECT thread_id FROM chat_threads WHERE address = $1")
                .bind(address)
                .fetch_optional(&self.pool)
                .await?
                .map(|(id,)| id),
        )
    }
}
