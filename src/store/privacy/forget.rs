//! Forgetting a person: the deletes of a forget (see the module docs of [`super`]), the
//! hand-over of a last schoolopleider's escalations, and the counts kept afterwards.

use chrono::{DateTime, Utc};

use super::{ACTOR_FORGOTTEN, Tx, audit_in, parse_thread};
use crate::domain::retention::{ForgetReport, KeptCounts, forget_actor};
use crate::domain::roster::PersonId;
use crate::store::{Store, StoreError, StoreResult, ts};

/// One row of `forgotten_counts`: (school, role, reason, people, reflections, signals,
/// prompts, escalations, pairings).
pub type CountsRow = (String, String, String, i64, i64, i64, i64, i64, i64);

#[derive(sqlx::FromRow)]
struct CountsByName {
    school_id: String,
    role: String,
    reason: String,
    people: i64,
    reflections: i64,
    signals: i64,
    prompts: i64,
    escalations: i64,
    pairings: i64,
}

impl Store {
    /// Deletes everything personal about a person in one transaction (see the module docs),
    /// adds the counts to `forgotten_counts` and records the forget in the audit trail.
    /// With `dry_run` the same statements run and are rolled back: the report says what
    /// would go. None when there is no such person.
    pub async fn forget_person(
        &self,
        id: &PersonId,
        at: DateTime<Utc>,
        actor: &str,
        dry_run: bool,
        admin_chat: Option<&str>,
    ) -> StoreResult<Option<ForgetReport>> {
        let mut tx = self.begin().await?;
        if let Some(admin) = admin_chat {
            hand_over_escalations_in(&mut tx, id, at, admin).await?;
        }
        let Some(report) = forget_in(&mut tx, id, at).await? else {
            tx.rollback().await?;
            return Ok(None);
        };
        if dry_run {
            tx.rollback().await?;
            return Ok(Some(report));
        }
        let kept = KeptCounts::of_forget(&report);
        let counts_id =
            insert_counts(&mut tx, at, &report.school, &report.role, "forget", &kept).await?;
        audit_in(
            &mut *tx,
            at,
            forget_actor(actor, id),
            "forget",
            &format!("forgotten:{counts_id}"),
            Some(&report.school),
            Some(&format!("role={}", report.role)),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(report))
    }

    /// The non-personal counts kept after deletions, oldest first (see [`CountsRow`]).
    pub async fn forgotten_counts(&self) -> StoreResult<Vec<CountsRow>> {
        Ok(sqlx::query_as::<_, CountsByName>(
            "SELECT school_id, role, reason, people, reflections, signals, prompts, escalations, pairings
             FROM forgotten_counts ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.school_id,
                r.role,
                r.reason,
                r.people,
                r.reflections,
                r.signals,
                r.prompts,
                r.escalations,
                r.pairings,
            )
        })
        .collect())
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Writes one `forgotten_counts` row and returns its id.
pub(super) async fn insert_counts(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    school: &str,
    role: &str,
    reason: &str,
    c: &KeptCounts,
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forgotten_counts (at, school_id, role, reason, people, reflections, signals, prompts, escalations, pairings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(ts(at))
    .bind(school)
    .bind(role)
    .bind(reason)
    .bind(count(c.people))
    .bind(count(c.reflections))
    .bind(count(c.signals))
    .bind(count(c.prompts))
    .bind(count(c.escalations))
    .bind(count(c.pairings))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// When `id` is their school's last schoolopleider, the escalations still in progress that
/// they were told of go to the admin contact: their summary at once and, if it was still to
/// come, their one reminder. Otherwise the forget would leave an open escalation that nobody
/// holds, and that blocks a new one on the same pairing.
async fn hand_over_escalations_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    at: DateTime<Utc>,
    admin: &str,
) -> StoreResult<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM people o JOIN people p ON p.school_id = o.school_id
         WHERE p.id = $1 AND p.role = 'schoolopleider' AND o.role = 'schoolopleider' AND o.id <> $1",
    )
    .bind(id.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let is_so: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE id = $1 AND role = 'schoolopleider'")
            .bind(id.as_str())
            .fetch_one(&mut **tx)
            .await?;
    if is_so == 0 || others > 0 {
        return Ok(());
    }
    // The summary names the school, wpb and student, never the schoolopleider, so its body
    // can go on as it is; the wpb is the recipient of record, as for any admin row.
    let select = |prefix: &str, kind: &str, due: &str, admin: &str, only_planned: &str| {
        format!(
            "INSERT INTO outbox (key, kind, recipient, due_at, status, body, ref_id, to_address)
             SELECT '{prefix}:' || CAST(o.ref_id AS TEXT) || ':admin', o.kind, p.wpb_id,
                    {due}, 'planned', o.body, o.ref_id, {admin}
             FROM outbox o JOIN escalations e ON e.id = o.ref_id JOIN pairings p ON p.id = e.pairing_id
             WHERE o.recipient = $1 AND o.kind = '{kind}' AND o.to_address IS NULL
               AND e.status IN ('open', 'acknowledged') {only_planned}
             ON CONFLICT (key) DO NOTHING"
        )
    };
    // Only our own constants are formatted in; the values are bound.
    sqlx::query(sqlx::AssertSqlSafe(select(
        "escalatie",
        "escalation",
        "$2",
        "$3",
        "",
    )))
    .bind(id.as_str())
    .bind(ts(at))
    .bind(admin)
    .execute(&mut **tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(select(
        "escalatie-herinnering",
        "escalation_reminder",
        "o.due_at",
        "$2",
        "AND o.status = 'planned'",
    )))
    .bind(id.as_str())
    .bind(admin)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Runs one statement with `binds` as $1, $2, ...; the number of rows it touched.
async fn run(tx: &mut Tx<'_>, sql: &'static str, binds: &[&str]) -> StoreResult<u64> {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

/// The deletes of a forget, inside the caller's transaction. None when there is no such person.
pub(super) async fn forget_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    at: DateTime<Utc>,
) -> StoreResult<Option<ForgetReport>> {
    #[derive(sqlx::FromRow)]
    struct Who {
        role: String,
        school_id: String,
    }
    let Some(who) = sqlx::query_as::<_, Who>("SELECT role, school_id FROM people WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut **tx)
        .await?
    else {
        return Ok(None);
    };
    let mut report = ForgetReport {
        role: who.role,
        school: who.school_id,
        ..ForgetReport::default()
    };
    delete_messages_in(tx, id, &mut report).await?;
    delete_pairings_in(tx, id, &mut report).await?;
    report.intervisie += forget_in_threads(tx, id, at).await?;
    delete_person_in(tx, id, &mut report).await?;
    Ok(Some(report))
}

/// The outbox rows that are about the person or addressed to them.
async fn delete_messages_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    report: &mut ForgetReport,
) -> StoreResult<()> {
    let pid = id.as_str();
    // Messages that carry the pairings' escalations (summaries with names and shared
    // reflections, reminders, wpb notices), whatever their status.
    report.messages += run(
        tx,
        "DELETE FROM outbox WHERE kind IN ('escalation', 'escalation_reminder', 'wpb_notice')
           AND ref_id IN (SELECT e.id FROM escalations e WHERE e.pairing_id IN
             (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1))",
        &[pid],
    )
    .await?;
    // Follow-up questions about signals on those pairings (they name the student): their
    // ref_id is the pairing; rows from before migration 0008 are keyed by the signal instead.
    report.messages += run(
        tx,
        "DELETE FROM outbox WHERE kind = 'followup' AND (ref_id IN
           (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1) OR key IN
           (SELECT 'vervolgvraag:' || CAST(k.id AS TEXT) FROM klik_signals k WHERE k.pairing_id IN
             (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1)))",
        &[pid],
    )
    .await?;
    // Terugblikken on those pairings name the student; the wpb's own go below with the rest.
    report.messages += run(
        tx,
        "DELETE FROM outbox WHERE kind = 'terugblik'
           AND ref_id IN (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1)",
        &[pid],
    )
    .await?;
    // The school's weekly digests name wpbs and students: one not sent yet goes (the next
    // tick makes it again without the person); a sent one keeps its key, so it is never
    // sent twice, but loses its figures.
    report.messages += run(
        tx,
        "DELETE FROM outbox WHERE kind = 'digest' AND status = 'planned'
           AND recipient IN (SELECT id FROM people WHERE school_id =
             (SELECT school_id FROM people WHERE id = $1))",
        &[pid],
    )
    .await?;
    run(
        tx,
        "UPDATE outbox SET body = NULL WHERE kind = 'digest' AND body IS NOT NULL
           AND recipient IN (SELECT id FROM people WHERE school_id =
             (SELECT school_id FROM people WHERE id = $1))",
        &[pid],
    )
    .await?;
    // "Cannot reach" notices about this person to the schoolopleiders (they name them).
    let unreachable = format!("onbereikbaar:{pid}:");
    report.messages += run(
        tx,
        "DELETE FROM outbox WHERE kind = 'unreachable' AND substr(key, 1, length($1)) = $1",
        &[unreachable.as_str()],
    )
    .await?;
    report.prompts += run(
        tx,
        "DELETE FROM outbox WHERE recipient = $1 AND kind = 'prompt'",
        &[pid],
    )
    .await?;
    report.messages += run(tx, "DELETE FROM outbox WHERE recipient = $1", &[pid]).await?;
    Ok(())
}

/// The person's pairings with their signals, escalations and the audit rows about those.
async fn delete_pairings_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    report: &mut ForgetReport,
) -> StoreResult<()> {
    let pid = id.as_str();
    let own: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM klik_signals WHERE actor_id = $1")
        .bind(pid)
        .fetch_one(&mut **tx)
        .await?;
    report.own_signals = u64::try_from(own).unwrap_or(0);
    report.signals += run(
        tx,
        "DELETE FROM klik_signals WHERE actor_id = $1 OR pairing_id IN
           (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1)",
        &[pid],
    )
    .await?;
    report.audit_rows += run(
        tx,
        "DELETE FROM audit_log WHERE subject IN
           (SELECT 'escalation:' || CAST(e.id AS TEXT) FROM escalations e WHERE e.pairing_id IN
             (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1))",
        &[pid],
    )
    .await?;
    report.escalations += run(
        tx,
        "DELETE FROM escalations WHERE pairing_id IN
           (SELECT id FROM pairings WHERE wpb_id = $1 OR student_id = $1)",
        &[pid],
    )
    .await?;
    run(
        tx,
        "UPDATE escalations SET acknowledged_by = NULL WHERE acknowledged_by = $1",
        &[pid],
    )
    .await?;
    run(
        tx,
        "UPDATE escalations SET closed_by = NULL WHERE closed_by = $1",
        &[pid],
    )
    .await?;
    report.pairings += run(
        tx,
        "DELETE FROM pairings WHERE wpb_id = $1 OR student_id = $1",
        &[pid],
    )
    .await?;
    Ok(())
}

/// Intervisie: the threads stay for the colleagues in them. The person's case, takeaway and
/// posts become placeholders without author or text (see `Thread::forget`); a thread they
/// brought in loses its owner and, when still open, is closed at the next tick. The team
/// messages of their threads were addressed to them and went with their outbox rows.
/// Returns how many threads changed.
async fn forget_in_threads(tx: &mut Tx<'_>, id: &PersonId, at: DateTime<Utc>) -> StoreResult<u64> {
    #[derive(sqlx::FromRow)]
    struct ThreadRow {
        id: i64,
        state: String,
        version: i64,
    }
    let threads = sqlx::query_as::<_, ThreadRow>(
        "SELECT id, state, version FROM intervisie_threads ORDER BY id",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut changed = 0;
    for row in threads {
        let mut thread = parse_thread(row.id, &row.state)?;
        if !thread.forget(id, at) {
            continue;
        }
        let state = serde_json::to_string(&thread)
            .map_err(|e| StoreError::Corrupt(format!("intervisie {}: {e}", row.id)))?;
        let done = sqlx::query(
            "UPDATE intervisie_threads SET state = $1, case_owner = $2,
               due_at = CASE WHEN closed = 0 THEN $3 ELSE due_at END, version = version + 1
             WHERE id = $4 AND version = $5",
        )
        .bind(state)
        .bind(thread.case_owner.as_str())
        .bind(ts(thread.phase_due))
        .bind(row.id)
        .bind(row.version)
        .execute(&mut **tx)
        .await?;
        // A thread saved in between: roll the whole forget back rather than keep a post.
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!(
                "intervisie {} changed during forget; try again",
                row.id
            )));
        }
        changed += 1;
    }
    Ok(changed)
}

/// The person's own rows, the audit rows about them, and at last the person row. Where
/// they acted, the action stays but not who they were.
async fn delete_person_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    report: &mut ForgetReport,
) -> StoreResult<()> {
    let pid = id.as_str();
    report.reflections += run(tx, "DELETE FROM reflections WHERE wpb_id = $1", &[pid]).await?;
    report.pauses += run(tx, "DELETE FROM pauses WHERE person_id = $1", &[pid]).await?;
    let subject = format!("person:{pid}");
    report.audit_rows += run(
        tx,
        "DELETE FROM audit_log WHERE subject = $1",
        &[subject.as_str()],
    )
    .await?;
    run(
        tx,
        "UPDATE audit_log SET actor = $2 WHERE actor = $1",
        &[pid, ACTOR_FORGOTTEN],
    )
    .await?;
    // A platform's memory of the person (their Matrix DM room) goes with them.
    run(
        tx,
        "DELETE FROM chat_state WHERE key IN (SELECT 'dm:' || chat FROM people WHERE id = $1 AND chat IS NOT NULL)",
        &[pid],
    )
    .await?;
    run(tx, "DELETE FROM people WHERE id = $1", &[pid]).await?;
    Ok(())
}
