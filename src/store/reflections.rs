//! One-line reflections of wpbs. Private to their author unless shared.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, from_ts, ts};
use crate::domain::roster::PersonId;

#[derive(Debug, Clone, PartialEq)]
pub struct StoredReflection {
    pub id: i64,
    pub wpb: PersonId,
    pub prompt_key: Option<String>,
    pub prompt_id: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub shared: bool,
}

type ReflectionTuple = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
);

fn reflection_from(t: ReflectionTuple) -> StoreResult<StoredReflection> {
    let (id, wpb, prompt_key, prompt_id, text, created_at, shared) = t;
    Ok(StoredReflection {
        id,
        wpb: PersonId::from_trusted(wpb),
        prompt_key,
        prompt_id,
        text,
        created_at: from_ts(created_at)?,
        shared: shared != 0,
    })
}

impl Store {
    pub async fn add_reflection(
        &self,
        wpb: &PersonId,
        text: &str,
        prompt: Option<(&str, Option<&str>)>,
        at: DateTime<Utc>,
        shared: bool,
    ) -> StoreResult<i64> {
        let (id,): (i64,) = sqlx::query_as(
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
        .await?;
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

    pub async fn reflections_of(
        &self,
        wpb: &PersonId,
        shared_only: bool,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<StoredReflection>> {
        sqlx::query_as::<_, ReflectionTuple>(
            "SELECT id, wpb_id, prompt_key, prompt_id, text, created_at, shared FROM reflections
             WHERE wpb_id = $1 AND created_at >= $2 AND (shared = 1 OR $3 = 0) ORDER BY created_at, id",
        )
        .bind(wpb.as_str())
        .bind(ts(since))
        .bind(i64::from(shared_only))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(reflection_from)
        .collect()
    }

    pub async fn is_answered(&self, prompt_key: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT id FROM reflections WHERE prompt_key = $1 LIMIT 1")
                .bind(prompt_key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }
}
