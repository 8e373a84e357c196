//! One-line reflections of wpbs. Private to their author unless shared.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, Row};

use super::{Store, StoreError, StoreResult, from_ts, ts};
use crate::domain::roster::PersonId;

/// A stored reflection.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReflection {
    /// The reflection's id.
    pub id: i64,
    /// Its author.
    pub wpb: PersonId,
    /// The outbox key of the prompt it answers, if any.
    pub prompt_key: Option<String>,
    /// The id of the prompt it answers, if any.
    pub prompt_id: Option<String>,
    /// What the wpb wrote.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Shared with the schoolopleider.
    pub shared: bool,
}

/// A `reflections` row by column name.
#[derive(FromRow)]
struct ReflectionRow {
    id: i64,
    wpb_id: String,
    prompt_key: Option<String>,
    prompt_id: Option<String>,
    text: String,
    created_at: i64,
    shared: i64,
}

impl TryFrom<ReflectionRow> for StoredReflection {
    type Error = StoreError;

    fn try_from(row: ReflectionRow) -> StoreResult<Self> {
        Ok(StoredReflection {
            id: row.id,
            wpb: PersonId::from_trusted(row.wpb_id),
            prompt_key: row.prompt_key,
            prompt_id: row.prompt_id,
            text: row.text,
            created_at: from_ts(row.created_at)?,
            shared: row.shared != 0,
        })
    }
}

impl Store {
    /// Stores a reflection, with the prompt (outbox key, prompt id) it answers; returns its id.
    pub async fn add_reflection(
        &self,
        wpb: &PersonId,
        text: &str,
        prompt: Option<(&str, Option<&str>)>,
        at: DateTime<Utc>,
        shared: bool,
    ) -> StoreResult<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO reflections (wpb_id, prompt_key, prompt_id, text, created_at, shared)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(wpb.as_str())
        .bind(prompt.map(|(k, _)| k.to_string()))
        .bind(prompt.and_then(|(_, p)| p.map(str::to_string)))
        .bind(text)
        .bind(ts(at))
        .bind(i64::from(shared))
        .fetch_one(&self.pool)
        .await?
        .try_get("id")?;
        Ok(id)
    }

    /// Marks one of the wpb's own reflections as shared with the schoolopleider.
    /// Returns false when no such reflection of theirs exists.
    pub async fn share_reflection(&self, wpb: &PersonId, id: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE reflections SET shared = 1 WHERE id = $1 AND wpb_id = $2")
            .bind(id)
            .bind(wpb.as_str())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// A wpb's reflections since `since` (only the shared ones if asked), oldest first.
    pub async fn reflections_of(
        &self,
        wpb: &PersonId,
        shared_only: bool,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<StoredReflection>> {
        reflections_of_in(&self.pool, wpb, shared_only, since).await
    }
}

/// [`Store::reflections_of`] on the pool or inside a transaction.
pub(crate) async fn reflections_of_in<'e, E>(
    executor: E,
    wpb: &PersonId,
    shared_only: bool,
    since: DateTime<Utc>,
) -> StoreResult<Vec<StoredReflection>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as::<_, ReflectionRow>(
        "SELECT id, wpb_id, prompt_key, prompt_id, text, created_at, shared FROM reflections
         WHERE wpb_id = $1 AND created_at >= $2 AND (shared = 1 OR $3 = 0) ORDER BY created_at, id",
    )
    .bind(wpb.as_str())
    .bind(ts(since))
    .bind(i64::from(shared_only))
    .fetch_all(executor)
    .await?
    .into_iter()
    .map(StoredReflection::try_from)
    .collect()
}
