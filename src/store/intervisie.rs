//! Intervisie threads: the domain `Thread` as JSON, one row per thread, saved optimistically
//! (a `version` check) together with the outbox rows its effects produced.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::{NewOutbox, insert_in};
use super::people::TeamRow;
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
        let row = sqlx::query(
            "INSERT INTO intervisie_threads (team_id, case_owner, state, due_at)
             VALUES ($1, $2, '{}', $3) ON CONFLICT (team_id) WHERE closed = 0 DO NOTHING RETURNING id",
        )
        .bind(team.as_str())
        .bind(owner.as_str())
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
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
        let row = sqlx::query("SELECT state, version FROM intervisie_threads WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((row.try_get("state")?, row.try_get("version")?))),
            None => Ok(None),
        }
    }

    /// The team's open thread, if it has one.
    pub async fn open_thread_of_team(&self, team: &TeamId) -> StoreResult<Option<i64>> {
        let row =
            sqlx::query("SELECT id FROM intervisie_threads WHERE team_id = $1 AND closed = 0")
                .bind(team.as_str())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|row| row.try_get("id")).transpose()?)
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
        sqlx::query(
            "SELECT id FROM intervisie_threads WHERE closed = 0 AND due_at <= $1
             ORDER BY due_at, id LIMIT $2",
        )
        .bind(ts(now))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| Ok(row.try_get("id")?))
        .collect()
    }

    /// The team with this id.
    pub async fn team(&self, id: &TeamId) -> StoreResult<Option<Team>> {
        Ok(sqlx::query_as::<_, TeamRow>(
            "SELECT id, school_id, name, channel FROM teams WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(Team::from))
    }

    /// Teams with a channel, by id, for the scheduled call for a case.
    pub async fn teams_with_channel(&self) -> StoreResult<Vec<Team>> {
        Ok(sqlx::query_as::<_, TeamRow>(
            "SELECT id, school_id, name, channel FROM teams WHERE channel IS NOT NULL ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Team::from)
        .collect())
    }

    /// The team's first wpb by id: the recipient of record for a team-channel message that
    /// belongs to no thread.
    pub async fn first_wpb_of_team(&self, team: &TeamId) -> StoreResult<Option<PersonId>> {
        let row = sqlx::query(
            "SELECT id FROM people WHERE team_id = $1 AND role = 'wpb' ORDER BY id LIMIT 1",
        )
        .bind(team.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(PersonId::from_trusted(
                row.try_get::<String, _>("id")?,
            ))),
            None => Ok(None),
        }
    }

    /// Every stored thread's JSON, for privacy (export and forget).
    pub(crate) async fn all_threads(&self) -> StoreResult<Vec<(i64, String)>> {
        sqlx::query("SELECT id, state FROM intervisie_threads ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| Ok((row.try_get("id")?, row.try_get("state")?)))
            .collect()
    }
}

impl Store {
    /// Where the chat platform shows thread `id`, once the adapter has opened it there.
    pub async fn chat_thread(&self, id: i64) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT address FROM chat_threads WHERE thread_id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("address")).transpose()?)
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
            sqlx::query("SELECT 1 FROM teams WHERE channel = $1 LIMIT 1")
                .bind(address)
                .fetch_optional(&self.pool)
                .await?
                .is_some(),
        )
    }

    /// The intervisie thread shown at a platform address, if any.
    pub async fn thread_at_chat_address(&self, address: &str) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT thread_id FROM chat_threads WHERE address = $1")
            .bind(address)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| row.try_get("thread_id")).transpose()?)
    }
}
