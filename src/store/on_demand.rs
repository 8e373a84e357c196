//! A prompt on demand (`/vraag`, `wandelgang prompt send`): one outbox row keyed by the day,
//! which takes the place of the wpb's next planned slot of the same week.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::{NewOutbox, insert_in};
use super::{Store, StoreResult, from_ts, ts};

/// What queuing a prompt on demand did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDemandQueued {
    /// The row's key was used before: this wpb already had a prompt on demand that day.
    AlreadyToday,
    /// Queued in place of the planned slot due at this moment, which is now skipped.
    InPlaceOf(DateTime<Utc>),
    /// Queued on top of the week's rhythm: no slot of this week was still planned.
    Extra,
}

/// The note on a planned slot that an on-demand prompt replaced.
const REPLACED_NOTE: &str = "vervangen door een vraag op verzoek / replaced by a prompt on demand";

impl Store {
    /// Inserts `row` and, in the same transaction, skips the recipient's earliest planned
    /// prompt slot due in `[week_start, week_end)` and marks them for planning, so their next
    /// slot comes after the replaced one and the week keeps its rhythm.
    pub async fn queue_prompt_now(
        &self,
        row: &NewOutbox,
        week_start: DateTime<Utc>,
        week_end: DateTime<Utc>,
    ) -> StoreResult<OnDemandQueued> {
        let mut tx = self.begin().await?;
        if !insert_in(&mut *tx, row).await? {
            tx.rollback().await?;
            return Ok(OnDemandQueued::AlreadyToday);
        }
        let planned = sqlx::query(
            "SELECT id, due_at FROM outbox
             WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned' AND key <> $2
               AND due_at >= $3 AND due_at < $4
             ORDER BY due_at, id LIMIT 1",
        )
        .bind(row.recipient.as_str())
        .bind(row.key.as_str())
        .bind(ts(week_start))
        .bind(ts(week_end))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(planned) = planned else {
            tx.commit().await?;
            return Ok(OnDemandQueued::Extra);
        };
        let id: i64 = planned.try_get("id")?;
        let due: i64 = planned.try_get("due_at")?;
        sqlx::query(
            "UPDATE outbox SET status = 'skipped', sent_at = $1, note = $2
             WHERE id = $3 AND status = 'planned'",
        )
        .bind(ts(row.due_at))
        .bind(REPLACED_NOTE)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE people SET needs_plan = 1 WHERE id = $1")
            .bind(row.recipient.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(OnDemandQueued::InPlaceOf(from_ts(due)?))
    }
}
