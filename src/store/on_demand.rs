//! A prompt on demand (`/vraag`, `wandelgang prompt send`): one outbox row keyed by the day,
//! which takes the place of the wpb's next planned slot of the same week.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::outbox::{NewOutbox, insert_in};
use super::people::mark_for_planning_in;
use super::{Store, StoreResult, from_ts, ts};

/// What queuing a prompt on demand did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDemandQueued {
    /// The row's key was used before: this wpb already had a prompt on demand that day.
    AlreadyToday,
    /// Queued in place of the planned slot due at this moment, which is now skipped.
    InPlaceOf(DateTime<Utc>),
    /// Queued on top of the week's rhythm: every slot of this week was sent or replaced.
    Extra,
}

/// A `LIKE` pattern for the keys of prompts on demand (`2026-W41-vraag1:prompt:<wpb>`), which
/// are no planned slots: one never replaces another, and a replan leaves them queued.
pub(crate) const ON_DEMAND_KEYS: &str = "____-W__-vraag_:%";

/// The note on a planned slot that an on-demand prompt replaced.
const REPLACED_NOTE: &str = "vervangen door een vraag op verzoek / replaced by a prompt on demand";

impl Store {
    /// Inserts `row` and, in the same transaction, skips the recipient's earliest planned
    /// prompt slot due in `[week_start, week_end)` and marks them for planning, so their next
    /// slot comes after the replaced one and the week keeps its rhythm.
    ///
    /// With none planned, the first of `unplanned` (the week's slots still to come, earliest
    /// first) whose key is unused is recorded as replaced instead: a wpb whose next slot was not
    /// planned yet (a roster import, a rhythm change, a pause moments ago) would otherwise get
    /// that slot on top of the prompt now.
    pub async fn queue_prompt_now(
        &self,
        row: &NewOutbox,
        week_start: DateTime<Utc>,
        week_end: DateTime<Utc>,
        unplanned: &[NewOutbox],
    ) -> StoreResult<OnDemandQueued> {
        let mut tx = self.begin().await?;
        if !insert_in(&mut *tx, row).await? {
            tx.rollback().await?;
            return Ok(OnDemandQueued::AlreadyToday);
        }
        let planned = sqlx::query(
            "SELECT key, due_at FROM outbox
             WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned' AND key NOT LIKE $2
               AND due_at >= $3 AND due_at < $4
             ORDER BY due_at, id LIMIT 1",
        )
        .bind(row.recipient.as_str())
        .bind(ON_DEMAND_KEYS)
        .bind(ts(week_start))
        .bind(ts(week_end))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(planned) = planned else {
            for slot in unplanned {
                // Inserted and skipped in one transaction: no tick ever sees it planned.
                let new = insert_in(&mut *tx, slot).await?;
                // Not new: sent or replaced before, or planned by a tick since the read above
                // (PostgreSQL lets that commit in between); then it is replaced here, and
                // the next slot planned after it.
                if replace_in(&mut tx, &slot.key, row.due_at).await? {
                    if !new {
                        mark_for_planning_in(&mut tx, &row.recipient).await?;
                    }
                    tx.commit().await?;
                    return Ok(OnDemandQueued::InPlaceOf(slot.due_at));
                }
            }
            tx.commit().await?;
            return Ok(OnDemandQueued::Extra);
        };
        let key: String = planned.try_get("key")?;
        let due: i64 = planned.try_get("due_at")?;
        replace_in(&mut tx, &key, row.due_at).await?;
        mark_for_planning_in(&mut tx, &row.recipient).await?;
        tx.commit().await?;
        Ok(OnDemandQueued::InPlaceOf(from_ts(due)?))
    }
}

/// Skips the slot `key` if it is planned, noting the prompt on demand asked at `at` took its
/// place. Returns whether it did.
async fn replace_in(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'skipped', sent_at = $1, note = $2
         WHERE key = $3 AND status = 'planned'",
    )
    .bind(ts(at))
    .bind(REPLACED_NOTE)
    .bind(key)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
