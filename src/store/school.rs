//! What a schoolopleider manages through the bot: a wpb's own rhythm, pairings, the school's
//! overrides of the configuration, its open escalations and its overview figures.

use chrono::{DateTime, NaiveDate, Utc};

use sqlx::Row;

use super::people::{pairing_by_id, replan_in, student_pairings};
use super::signals::EscalationStatus;
use super::{Store, StoreError, StoreResult, day, from_ts};
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
}
