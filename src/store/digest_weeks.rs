//! The digest's cells of completed school weeks, kept in `digest_weeks` once counted, so a
//! region's Monday digest counts only the weeks it has not seen. Triggers (migration 0013)
//! delete a kept week when a fact of it changes afterwards; a week is first marked as being
//! counted, and its count is kept only if the mark is still there when the count is done, so a
//! change that lands while it is counted is not lost.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::digest_summary::{Week, WeekBounds};
use super::{Backend, Store, StoreError, StoreResult};
use crate::domain::digest::{CellFact, KlikCounts};

/// Kept weeks older than this are let go: no digest looks that far back.
const KEEP_SECONDS: i64 = 400 * 86_400;

/// A cell as kept: [`CellFact`] without its position in a request.
#[derive(Serialize, Deserialize)]
struct KeptCell {
    team: String,
    prompts_sent: u32,
    prompts_answered: u32,
    reflections: u32,
    shared: u32,
    goed: u32,
    twijfel: u32,
    geen: u32,
    students: u32,
    few_students: Vec<String>,
}

impl KeptCell {
    fn of(c: &CellFact) -> Self {
        Self {
            team: c.team.clone(),
            prompts_sent: c.prompts_sent,
            prompts_answered: c.prompts_answered,
            reflections: c.reflections,
            shared: c.shared,
            goed: c.klik.goed,
            twijfel: c.klik.twijfel,
            geen: c.klik.geen,
            students: c.students,
            few_students: c.few_students.clone(),
        }
    }

    fn at(self, week: usize) -> CellFact {
        CellFact {
            team: self.team,
            week,
            prompts_sent: self.prompts_sent,
            prompts_answered: self.prompts_answered,
            reflections: self.reflections,
            shared: self.shared,
            klik: KlikCounts {
                goed: self.goed,
                twijfel: self.twijfel,
                geen: self.geen,
            },
            students: self.students,
            few_students: self.few_students,
        }
    }
}

impl Store {
    /// The kept cells of `bounds` counted with the same small-cell threshold, and the weeks
    /// that are not kept (or not readable: those are counted again).
    pub(super) async fn kept_cells(
        &self,
        school: &str,
        bounds: &WeekBounds,
        few_below: u32,
    ) -> StoreResult<(Vec<CellFact>, WeekBounds)> {
        let Some((first, last)) = bounds.0.first().zip(bounds.0.last()) else {
            return Ok((Vec::new(), WeekBounds::default()));
        };
        let rows = sqlx::query(
            "SELECT week_start, week_end, cells FROM digest_weeks
             WHERE school_id = $1 AND week_start >= $2 AND week_end <= $3 AND few_below = $4
               AND cells IS NOT NULL",
        )
        .bind(school)
        .bind(first.start)
        .bind(last.end)
        .bind(i64::from(few_below))
        .fetch_all(&self.pool)
        .await?;
        let mut kept = Vec::new();
        let mut found = Vec::new();
        for row in rows {
            let (start, end): (i64, i64) = (row.try_get("week_start")?, row.try_get("week_end")?);
            let Some(week) = bounds.0.iter().find(|w| w.start == start && w.end == end) else {
                continue;
            };
            let text: String = row.try_get("cells")?;
            match serde_json::from_str::<Vec<KeptCell>>(&text) {
                Ok(cells) => {
                    kept.extend(cells.into_iter().map(|c| c.at(week.index)));
                    found.push(week.index);
                }
                Err(e) => tracing::warn!(
                    school,
                    start,
                    "kept digest week unreadable, counted again: {e}"
                ),
            }
        }
        Ok((kept, bounds.only(|w| !found.contains(&w.index))))
    }

    /// Marks `weeks` as being counted (an empty row), so that a change of their facts from
    /// now on deletes the mark. On PostgreSQL the table lock waits for writes in flight whose
    /// triggers ran before the mark existed; on SQLite the write transaction does the same.
    pub(super) async fn mark_counting(
        &self,
        school: &str,
        weeks: &WeekBounds,
        few_below: u32,
    ) -> StoreResult<()> {
        let Some(last) = weeks.0.last() else {
            return Ok(());
        };
        let mut tx = self.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("LOCK TABLE digest_weeks IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM digest_weeks WHERE school_id = $1 AND week_end < $2")
            .bind(school)
            .bind(last.end - KEEP_SECONDS)
            .execute(&mut *tx)
            .await?;
        for w in &weeks.0 {
            sqlx::query(
                "INSERT INTO digest_weeks (school_id, week_start, week_end, few_below, cells)
                 VALUES ($1, $2, $3, $4, NULL)
                 ON CONFLICT (school_id, week_start, week_end)
                 DO UPDATE SET few_below = excluded.few_below, cells = NULL",
            )
            .bind(school)
            .bind(w.start)
            .bind(w.end)
            .bind(i64::from(few_below))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the counted cells of `weeks` where their mark is still there.
    pub(super) async fn keep_cells(
        &self,
        school: &str,
        weeks: &WeekBounds,
        few_below: u32,
        counted: &[CellFact],
    ) -> StoreResult<()> {
        if weeks.0.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for w in &weeks.0 {
            sqlx::query(
                "UPDATE digest_weeks SET cells = $5
                 WHERE school_id = $1 AND week_start = $2 AND week_end = $3 AND few_below = $4
                   AND cells IS NULL",
            )
            .bind(school)
            .bind(w.start)
            .bind(w.end)
            .bind(i64::from(few_below))
            .bind(cells_of_week(counted, w)?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The week's cells as kept.
fn cells_of_week(counted: &[CellFact], week: &Week) -> StoreResult<String> {
    let mut cells: Vec<KeptCell> = counted
        .iter()
        .filter(|c| c.week == week.index)
        .map(KeptCell::of)
        .collect();
    cells.sort_by(|a, b| a.team.cmp(&b.team));
    serde_json::to_string(&cells).map_err(|e| StoreError::Corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    use crate::domain::roster::PersonId;

    const START: i64 = 1_790_000_000;
    const END: i64 = START + 7 * 86_400;

    async fn store_with_a_sent_prompt(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("kept.db").display());
        let store = Store::open(&url).await.expect("store");
        for sql in [
            "INSERT INTO schools (id, name) VALUES ('s', 'School')".to_string(),
            "INSERT INTO people (id, school_id, role, name, seed) VALUES ('w', 's', 'wpb', 'W', 1)"
                .to_string(),
            format!(
                "INSERT INTO outbox (key, kind, recipient, due_at, status, sent_at)
                 VALUES ('p', 'prompt', 'w', {at}, 'sent', {at})",
                at = START + 3_600
            ),
        ] {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&store.pool)
                .await
                .expect("seed");
        }
        store
    }

    fn the_week() -> WeekBounds {
        WeekBounds(vec![Week {
            index: 0,
            start: START,
            end: END,
        }])
    }

    fn counted() -> Vec<CellFact> {
        vec![CellFact {
            week: 0,
            prompts_sent: 1,
            ..CellFact::default()
        }]
    }

    #[tokio::test]
    async fn a_week_whose_facts_change_while_it_is_counted_is_not_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let store = store_with_a_sent_prompt(&dir).await;
        store
            .mark_counting("s", &the_week(), 3)
            .await
            .expect("mark");
        // The prompt is answered after the count read it as unanswered.
        let later = Utc.timestamp_opt(END + 86_400, 0).single().expect("moment");
        store
            .add_reflection(
                &PersonId::from_trusted("w"),
                "ja",
                Some(("p", None)),
                later,
                false,
            )
            .await
            .expect("answer");
        store
            .keep_cells("s", &the_week(), 3, &counted())
            .await
            .expect("keep");
        let (kept, missing) = store.kept_cells("s", &the_week(), 3).await.expect("kept");
        assert!(kept.is_empty(), "{kept:?}");
        assert_eq!(missing.0, the_week().0);

        // Counted again without a change in between, it is kept; another threshold is not it.
        store
            .mark_counting("s", &the_week(), 3)
            .await
            .expect("mark");
        store
            .keep_cells("s", &the_week(), 3, &counted())
            .await
            .expect("keep");
        let (kept, missing) = store.kept_cells("s", &the_week(), 3).await.expect("kept");
        assert_eq!(kept, counted());
        assert!(missing.0.is_empty());
        let (kept, _) = store.kept_cells("s", &the_week(), 5).await.expect("kept");
        assert!(kept.is_empty());
    }
}
