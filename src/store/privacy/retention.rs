//! The retention run: deletes what lies past each school's boundaries, which
//! [`crate::domain::retention`] draws, and keeps the counts.

use chrono::{DateTime, Utc};

use super::Tx;
use super::forget::{forget_in, insert_counts};
use crate::domain::retention::{
    ALL_ROLES, Boundaries, KeptCounts, RetentionPolicies, RetentionReport, keep_since,
};
use crate::domain::roster::PersonId;
use crate::store::{Store, StoreResult, day, ts};

impl Store {
    /// Deletes what is past each school's retention (see [`crate::domain::retention`] for the
    /// boundaries). With `dry_run` the same statements run inside a transaction that is
    /// rolled back.
    pub async fn retention(
        &self,
        now: DateTime<Utc>,
        policies: &RetentionPolicies,
        dry_run: bool,
    ) -> StoreResult<RetentionReport> {
        let mut tx = self.begin().await?;
        let mut report = RetentionReport {
            dry_run,
            ..RetentionReport::default()
        };
        let schools: Vec<String> = sqlx::query_scalar("SELECT id FROM schools ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        for school in schools {
            let bounds = policies.for_school(&school).boundaries(now);
            let mut kept = KeptCounts::default();
            expire_students_in(&mut tx, &school, &bounds, now, &mut kept, &mut report).await?;
            expire_rows_in(&mut tx, &school, &bounds, &mut kept, &mut report).await?;
            report.add_counts(&kept);
            if !kept.is_empty() {
                insert_counts(&mut tx, now, &school, ALL_ROLES, "retention", &kept).await?;
            }
        }
        // Audit rows of no (known) school follow the default retention.
        report.audit += sqlx::query(
            "DELETE FROM audit_log WHERE at < $1
               AND (school_id IS NULL OR school_id NOT IN (SELECT id FROM schools))",
        )
        .bind(ts(keep_since(now, policies.default.months)))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(report)
    }
}

/// Forgets the school's students whose last placement ended before the boundary
/// ([`Boundaries::student_goes`]); a student without any pairing is not among them. Ended
/// placements first (by their end day's index), so a night without any costs nothing, not a
/// pass over every student of the school.
async fn expire_students_in(
    tx: &mut Tx<'_>,
    school: &str,
    bounds: &Boundaries,
    now: DateTime<Utc>,
    kept: &mut KeptCounts,
    report: &mut RetentionReport,
) -> StoreResult<()> {
    let students: Vec<String> = sqlx::query_scalar(
        "SELECT s.id AS id FROM people s
         WHERE s.id IN (SELECT p.student_id FROM pairings p WHERE p.end_day < $2)
           AND s.school_id = $1 AND s.role = 'student'
           AND NOT EXISTS (SELECT 1 FROM pairings q WHERE q.student_id = s.id AND q.end_day >= $2)
         ORDER BY s.id",
    )
    .bind(school)
    .bind(day(bounds.student_end_before))
    .fetch_all(&mut **tx)
    .await?;
    for student in students {
        let Some(r) = forget_in(tx, &PersonId::from_trusted(student), now).await? else {
            continue;
        };
        *kept += KeptCounts::of_expired_student(&r);
        report.add_student(&r);
    }
    Ok(())
}

/// Runs one delete bound to (cut-off, school); the number of rows it removed.
async fn exec(tx: &mut Tx<'_>, sql: &'static str, cutoff: i64, school: &str) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(cutoff)
        .bind(school)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// Deletes the school's rows from before [`Boundaries::keep_since`]: reflections, klik
/// signals, closed escalations with their messages, finished outbox rows, closed intervisie
/// threads and audit rows. Time first: the indexes on the moment find the few old rows, and
/// only those are checked against the school (a school's people first meant one index
/// probe per person, 200,000 of them in a region, every night).
async fn expire_rows_in(
    tx: &mut Tx<'_>,
    school: &str,
    bounds: &Boundaries,
    kept: &mut KeptCounts,
    report: &mut RetentionReport,
) -> StoreResult<()> {
    let cutoff = ts(bounds.keep_since);
    kept.reflections += exec(
        tx,
        "DELETE FROM reflections WHERE created_at < $1
           AND EXISTS (SELECT 1 FROM people w WHERE w.id = reflections.wpb_id AND w.school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    kept.signals += exec(
        tx,
        "DELETE FROM klik_signals WHERE at < $1 AND EXISTS (SELECT 1 FROM pairings p
           JOIN people w ON w.id = p.wpb_id WHERE p.id = klik_signals.pairing_id AND w.school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    report.outbox += exec(
        tx,
        "DELETE FROM outbox WHERE kind IN ('escalation', 'escalation_reminder', 'wpb_notice')
           AND ref_id IN (SELECT e.id FROM escalations e JOIN pairings p ON p.id = e.pairing_id
             JOIN people w ON w.id = p.wpb_id
             WHERE e.closed_at IS NOT NULL AND e.closed_at < $1 AND w.school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    kept.escalations += exec(
        tx,
        "DELETE FROM escalations WHERE closed_at IS NOT NULL AND closed_at < $1 AND pairing_id IN
           (SELECT p.id FROM pairings p JOIN people w ON w.id = p.wpb_id WHERE w.school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    let prompts = exec(
        tx,
        "DELETE FROM outbox WHERE kind = 'prompt' AND status IN ('sent', 'skipped', 'failed')
           AND COALESCE(sent_at, due_at) < $1
           AND EXISTS (SELECT 1 FROM people w WHERE w.id = outbox.recipient AND w.school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    kept.prompts += prompts;
    report.outbox += prompts
        + exec(
            tx,
            "DELETE FROM outbox WHERE status IN ('sent', 'skipped', 'failed')
               AND COALESCE(sent_at, due_at) < $1
               AND EXISTS (SELECT 1 FROM people w WHERE w.id = outbox.recipient AND w.school_id = $2)",
            cutoff,
            school,
        )
        .await?;
    // A closed thread's due_at is the moment it closed.
    report.threads += exec(
        tx,
        "DELETE FROM intervisie_threads WHERE closed <> 0 AND due_at < $1
           AND team_id IN (SELECT id FROM teams WHERE school_id = $2)",
        cutoff,
        school,
    )
    .await?;
    report.audit += exec(
        tx,
        "DELETE FROM audit_log WHERE at < $1 AND school_id = $2",
        cutoff,
        school,
    )
    .await?;
    Ok(())
}
