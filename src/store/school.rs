//! What a schoolopleider manages through the bot: a wpb's own rhythm, pairings, the school's
//! overrides of the configuration, its open escalations and its overview figures.

use chrono::{DateTime, NaiveDate, Utc};

use sqlx::Row;

use super::people::{pairing_by_id, replan_in, student_pairings};
use super::signals::{EscalationStatus, value_from};
use super::{Store, StoreError, StoreResult, day, from_ts, ts};
use crate::domain::klik::KlikValue;
use crate::domain::roster::{Pairing, PairingId, PersonId, RosterConflict, SchoolId};
use crate::domain::schedule::Cadence;

/// A school's settings changed through the bot; `None` follows the configuration file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchoolOverrides {
    /// Prompts per week for the school's wpbs.
    pub cadence: Option<Cadence>,
    /// Whether an unanswered prompt gets a reminder.
    pub reminder: Option<bool>,
}

/// A stored cadence, or [`StoreError::Corrupt`] for a number no cadence has.
pub(crate) fn cadence_from(n: Option<i64>) -> StoreResult<Option<Cadence>> {
    n.map(|n| {
        u8::try_from(n)
            .ok()
            .and_then(|n| Cadence::new(n).ok())
            .ok_or_else(|| StoreError::Corrupt(format!("cadence {n}")))
    })
    .transpose()
}

/// One unresolved escalation of a school, as the schoolopleider's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    /// The escalation's id.
    pub id: i64,
    /// The wpb's name.
    pub wpb: String,
    /// The student's name.
    pub student: String,
    /// Open or acknowledged.
    pub status: EscalationStatus,
    /// When it was opened.
    pub since: DateTime<Utc>,
}

/// An [`OpenEscalation`] row by column name.
#[derive(sqlx::FromRow)]
struct OpenEscalationRow {
    id: i64,
    wpb: String,
    student: String,
    status: String,
    opened_at: i64,
}

/// Counts for a school since a moment; no names, no text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverviewCounts {
    /// Prompts sent to the school's wpbs.
    pub prompts_sent: u64,
    /// Sent prompts with at least one reflection.
    pub prompts_answered: u64,
    /// Reflections written.
    pub reflections: u64,
    /// Klik signals "goed".
    pub klik_goed: u64,
    /// Klik signals "twijfel".
    pub klik_twijfel: u64,
    /// Klik signals "geen klik".
    pub klik_geen: u64,
    /// Escalations open or acknowledged now, whenever they were opened.
    pub open_escalations: u64,
    /// Intervisie threads still open or due since the moment.
    pub intervisies: u64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Store {
    /// A wpb's own cadence (`None`: the school's); their planned prompts are re-planned.
    pub async fn set_person_cadence(
        &self,
        person: &PersonId,
        cadence: Option<Cadence>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE people SET cadence = $1 WHERE id = $2")
            .bind(cadence.map(|c| i64::from(c.per_week())))
            .bind(person.as_str())
            .execute(&mut *tx)
            .await?;
        replan_in(&mut tx, person).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A wpb's own cadence; `None` when they follow the school's (or are not stored).
    pub async fn person_cadence(&self, person: &PersonId) -> StoreResult<Option<Cadence>> {
        let row = sqlx::query("SELECT cadence FROM people WHERE id = $1")
            .bind(person.as_str())
            .fetch_optional(&self.pool)
            .await?;
        let cadence: Option<i64> = match row {
            Some(row) => row.try_get("cadence")?,
            None => None,
        };
        cadence_from(cadence)
    }

    /// The school's settings changed through the bot; all `None` when it changed none.
    pub async fn school_overrides(&self, school: &SchoolId) -> StoreResult<SchoolOverrides> {
        let row =
            sqlx::query("SELECT cadence, reminder FROM school_overrides WHERE school_id = $1")
                .bind(school.as_str())
                .fetch_optional(&self.pool)
                .await?;
        let (cadence, reminder): (Option<i64>, Option<i64>) = match row {
            Some(row) => (row.try_get("cadence")?, row.try_get("reminder")?),
            None => (None, None),
        };
        Ok(SchoolOverrides {
            cadence: cadence_from(cadence)?,
            reminder: reminder.map(|r| r != 0),
        })
    }

    /// Stores the school's overrides and re-plans every wpb of the school.
    pub async fn set_school_overrides(
        &self,
        school: &SchoolId,
        overrides: SchoolOverrides,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO school_overrides (school_id, cadence, reminder) VALUES ($1, $2, $3)
             ON CONFLICT (school_id) DO UPDATE SET cadence = excluded.cadence, reminder = excluded.reminder",
        )
        .bind(school.as_str())
        .bind(overrides.cadence.map(|c| i64::from(c.per_week())))
        .bind(overrides.reminder.map(i64::from))
        .execute(&mut *tx)
        .await?;
        let wpbs = sqlx::query("SELECT id FROM people WHERE school_id = $1 AND role = 'wpb'")
            .bind(school.as_str())
            .fetch_all(&mut *tx)
            .await?;
        for row in wpbs {
            replan_in(
                &mut tx,
                &PersonId::from_trusted(row.try_get::<String, _>("id")?),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a pairing and re-plans its wpb, unless it overlaps a stored pairing of its
    /// student ([`StoreError::Refused`], nothing changed). Check and insert run under the
    /// student's lock, so of two racing pairings of one student only one is stored.
    pub async fn add_pairing(&self, pairing: &Pairing) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        self.lock_person(&mut tx, pairing.student.as_str()).await?;
        // Unlike an import, the same key is no update here: it overlaps like any other.
        let conflicts: Vec<RosterConflict> = student_pairings(&mut tx, &pairing.student)
            .await?
            .into_iter()
            .filter(|stored| pairing.conflicts_with(stored))
            .map(|stored| RosterConflict::PairingOverlaps {
                new: pairing.clone(),
                stored,
            })
            .collect();
        if !conflicts.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Refused(conflicts));
        }
        sqlx::query(
            "INSERT INTO pairings (wpb_id, student_id, start_day, end_day) VALUES ($1, $2, $3, $4)",
        )
        .bind(pairing.wpb.as_str())
        .bind(pairing.student.as_str())
        .bind(day(pairing.start))
        .bind(day(pairing.end))
        .execute(&mut *tx)
        .await?;
        replan_in(&mut tx, &pairing.wpb).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a pairing as of `end` and re-plans its wpb.
    pub async fn end_pairing(&self, id: PairingId, end: NaiveDate) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let Some((_, pairing)) = pairing_by_id(&mut *tx, &id).await? else {
            return Ok(());
        };
        sqlx::query("UPDATE pairings SET end_day = $1 WHERE id = $2")
            .bind(day(end))
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        replan_in(&mut tx, &pairing.wpb).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The open and acknowledged escalations of a school, oldest first.
    pub async fn open_escalations(&self, school: &SchoolId) -> StoreResult<Vec<OpenEscalation>> {
        let rows = sqlx::query_as::<_, OpenEscalationRow>(
            "SELECT e.id AS id, w.name AS wpb, s.name AS student, e.status AS status, e.opened_at AS opened_at
             FROM escalations e
             JOIN pairings p ON p.id = e.pairing_id
             JOIN people w ON w.id = p.wpb_id
             JOIN people s ON s.id = p.student_id
             WHERE w.school_id = $1 AND e.status IN ('open', 'acknowledged')
             ORDER BY e.opened_at, e.id",
        )
        .bind(school.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                Ok(OpenEscalation {
                    id: row.id,
                    wpb: row.wpb,
                    student: row.student,
                    status: EscalationStatus::from_stored(&row.status)?,
                    since: from_ts(row.opened_at)?,
                })
            })
            .collect()
    }

    /// The school's figures since `since`: counts only.
    pub async fn overview_counts(
        &self,
        school: &SchoolId,
        since: DateTime<Utc>,
    ) -> StoreResult<OverviewCounts> {
        let school_id = school.as_str();
        let since = ts(since);
        let one = |sql: &'static str| async move {
            let query = sqlx::query(sql).bind(school_id);
            // Every query but the open escalations' counts from `since`.
            let query = if sql.contains("$2") {
                query.bind(since)
            } else {
                query
            };
            let n: i64 = query.fetch_one(&self.pool).await?.try_get("n")?;
            StoreResult::Ok(count(n))
        };
        let mut out = OverviewCounts {
            prompts_sent: one(
                "SELECT COUNT(*) AS n FROM outbox o JOIN people w ON w.id = o.recipient
                 WHERE w.school_id = $1 AND o.kind = 'prompt' AND o.status = 'sent' AND o.sent_at >= $2",
            )
            .await?,
            prompts_answered: one(
                "SELECT COUNT(DISTINCT r.prompt_key) AS n FROM reflections r JOIN people w ON w.id = r.wpb_id
                 WHERE w.school_id = $1 AND r.prompt_key IS NOT NULL AND r.created_at >= $2",
            )
            .await?,
            reflections: one(
                "SELECT COUNT(*) AS n FROM reflections r JOIN people w ON w.id = r.wpb_id
                 WHERE w.school_id = $1 AND r.created_at >= $2",
            )
            .await?,
            open_escalations: one(
                "SELECT COUNT(*) AS n FROM escalations e JOIN pairings p ON p.id = e.pairing_id
                 JOIN people w ON w.id = p.wpb_id
                 WHERE w.school_id = $1 AND e.status IN ('open', 'acknowledged')",
            )
            .await?,
            intervisies: one(
                "SELECT COUNT(*) AS n FROM intervisie_threads t JOIN teams m ON m.id = t.team_id
                 WHERE m.school_id = $1 AND (t.closed = 0 OR t.due_at >= $2)",
            )
            .await?,
            ..OverviewCounts::default()
        };
        let kliks = sqlx::query(
            "SELECT k.value AS value, COUNT(*) AS n FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id
             JOIN people w ON w.id = p.wpb_id
             WHERE w.school_id = $1 AND k.at >= $2 GROUP BY k.value",
        )
        .bind(school_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in kliks {
            let n: i64 = row.try_get("n")?;
            match value_from(row.try_get("value")?)? {
                KlikValue::Goed => out.klik_goed = count(n),
                KlikValue::Twijfel => out.klik_twijfel = count(n),
                KlikValue::GeenKlik => out.klik_geen = count(n),
            }
        }
        Ok(out)
    }
}
