//! Privacy in the store: what is kept about a person (export), deleting it (forget), the
//! retention run, and the audit trail.
//!
//! Decisions, also described in the README:
//! - **Forget** deletes, in one transaction: the person's reflections, pauses and every outbox
//!   row addressed to them; every pairing they are part of with all of that pairing's klik
//!   signals and escalations; the outbox rows that carry those escalations (summaries, reminders,
//!   wpb notices, whatever their status), the follow-up questions about those signals and the
//!   "cannot reach" notices about the person, so their name and texts disappear from everything
//!   still to be sent; then the person row. Intervisie threads stay for the colleagues in
//!   them: the person's case, takeaway and posts become placeholders (`(verwijderd)`, no
//!   author, no text; see `Thread::forget`), everyone else's posts stay theirs. A thread they
//!   brought in loses its owner (`case_owner` becomes `(verwijderd)`) and, when still open,
//!   is due at once, so the next tick closes it as "the case owner left the team"; its team
//!   messages were addressed to them and go with their outbox rows. A schoolopleider's id is
//!   cleared from the escalations they acknowledged or closed.
//! - **Audit rows** whose subject is the person (`person:<id>`) or one of the deleted
//!   escalations are removed; rows in which they were the actor keep their action and subject
//!   but the actor becomes `verwijderd`. The forget itself is recorded with the subject
//!   `forgotten:<forgotten_counts id>`, never the person's id. Audit details never hold names.
//!   Refused actions (`refused:<action>`, written by `app::refusals`) are rows they acted in.
//! - **Counts** of what was removed go to `forgotten_counts` (school, role, reason, numbers).
//! - **Retention boundaries**: a row whose time is exactly `now - retention_months` (calendar
//!   months, UTC) is kept; one second older goes. A student's data is kept through the
//!   `student_retention_days`-th day after the last day of their last placement (in the
//!   school's time zone) and goes the day after. A student without any pairing is kept.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

use super::signals::value_from;
use super::{Store, StoreError, StoreResult, day, from_ts, ts};
use crate::domain::intervisie::{Phase, Thread};
use crate::domain::roster::{PersonId, Role};

fn parse_thread(id: i64, json: &str) -> StoreResult<Thread> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("intervisie {id}: {e}")))
}

/// The actor recorded for the bot's own actions (opening an escalation).
pub const ACTOR_BOT: &str = "wandelgang";
/// The actor recorded for the local command line.
pub const ACTOR_CLI: &str = "admin:cli";
/// What an actor becomes once that person has been forgotten.
pub const ACTOR_FORGOTTEN: &str = "verwijderd";
/// The actor of a forget a person asked for themselves (their id must not stay behind).
pub const ACTOR_SELF: &str = "zelf";
/// The actor of a refused action from a sender the roster does not know: no address is kept,
/// and the colon keeps it apart from every person id.
pub const ACTOR_UNKNOWN: &str = "afzender:onbekend";

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

// ---------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------

/// Everything stored about one person, as they may see it. Sections that do not apply to the
/// person's role are left out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonExport {
    pub exported_at: DateTime<Utc>,
    pub profile: ProfileExport,
    /// wpb: every reflection, with whether it is shared and the prompt it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reflections: Option<Vec<ReflectionExport>>,
    /// wpb and student: the klik signals this person gave themselves, nothing of the other side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signals_given: Option<Vec<SignalExport>>,
    /// wpb: the prompt slots planned for or sent to them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompts_received: Option<Vec<PromptExport>>,
    /// wpb: their pauses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pauses: Option<Vec<PauseExport>>,
    /// wpb: the cases they brought in and their posts in intervisie threads
    /// (`thread`, `phase`, `kind`, `at`, `text`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervisie_posts: Option<Vec<serde_json::Value>>,
    /// schoolopleider: the escalations they acknowledged, resolved or closed with a move.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalations_handled: Option<Vec<EscalationExport>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileExport {
    pub id: String,
    pub name: String,
    pub role: String,
    pub school: String,
    pub team: Option<String>,
    pub chat: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReflectionExport {
    pub id: i64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub shared: bool,
    pub prompt_key: Option<String>,
    pub prompt_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRef {
    pub id: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalExport {
    pub id: i64,
    pub pairing_id: i64,
    /// For a wpb: the student of their own pairing. Left out for a student's own export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub student: Option<PersonRef>,
    /// `goed`, `twijfel` or `geen klik`.
    pub value: String,
    pub score: i64,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptExport {
    pub key: String,
    pub prompt_id: Option<String>,
    pub due_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PauseExport {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationExport {
    pub id: i64,
    pub status: String,
    pub opened_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub acknowledged_by_you: bool,
    pub closed_by_you: bool,
}

impl PersonExport {
    pub fn to_json(&self) -> StoreResult<String> {
        serde_json::to_string_pretty(self).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

fn opt_ts(t: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    t.map(from_ts).transpose()
}

// ---------------------------------------------------------------------------------------------
// Forget and retention reports
// ---------------------------------------------------------------------------------------------

/// What a forget removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    pub role: String,
    pub school: String,
    pub reflections: u64,
    /// All klik signals removed: the person's own and, on their pairings, the other side's.
    pub signals: u64,
    /// Of `signals`, the ones the person gave themselves (what may be shown to them).
    pub own_signals: u64,
    pub prompts: u64,
    /// Other outbox rows: reminders, follow-ups, escalation summaries and notices.
    pub messages: u64,
    pub pauses: u64,
    pub pairings: u64,
    pub escalations: u64,
    pub audit_rows: u64,
    /// Intervisie threads kept, in which their case or posts became placeholders.
    pub intervisie: u64,
}

/// Per school: how long data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub months: u32,
    pub student_days: u32,
    /// The zone in which "the day after the placement ended" is counted.
    pub tz: Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicies {
    pub default: RetentionPolicy,
    pub schools: BTreeMap<String, RetentionPolicy>,
}

impl RetentionPolicies {
    pub fn for_school(&self, school: &str) -> RetentionPolicy {
        self.schools.get(school).copied().unwrap_or(self.default)
    }
}

/// What a retention run removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    pub dry_run: bool,
    pub reflections: u64,
    pub signals: u64,
    pub escalations: u64,
    pub pairings: u64,
    pub students: u64,
    pub outbox: u64,
    pub audit: u64,
    /// Closed intervisie threads (with their posts) whose closing is past the limit.
    pub threads: u64,
}

impl RetentionReport {
    /// (Dutch, English, count) per kind, in a fixed order for printing.
    pub fn kinds(&self) -> [(&'static str, &'static str, u64); 8] {
        [
            ("reflecties", "reflections", self.reflections),
            ("klik-signalen", "klik signals", self.signals),
            ("escalaties", "escalations", self.escalations),
            ("koppelingen", "pairings", self.pairings),
            ("studenten", "students", self.students),
            ("berichten (outbox)", "messages (outbox)", self.outbox),
            ("auditregels", "audit rows", self.audit),
            ("intervisies", "intervisie threads", self.threads),
        ]
    }

    pub fn total(&self) -> u64 {
        self.kinds().iter().map(|(_, _, n)| n).sum()
    }
}

// ---------------------------------------------------------------------------------------------
// Audit
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub school: Option<String>,
    pub detail: Option<String>,
}

pub(crate) async fn audit_in<'e, E>(
    executor: E,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    school: Option<&str>,
    detail: Option<&str>,
) -> StoreResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, school_id, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ts(at))
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(school.map(str::to_string))
    .bind(detail.map(str::to_string))
    .execute(executor)
    .await?;
    Ok(())
}

/// The audit subject for a person.
pub fn person_subject(id: &PersonId) -> String {
    format!("person:{id}")
}

/// The audit subject for an escalation.
pub fn escalation_subject(id: i64) -> String {
    format!("escalation:{id}")
}

// ---------------------------------------------------------------------------------------------
// Store
// ---------------------------------------------------------------------------------------------

impl Store {
    /// Appends one row to the audit trail.
    pub async fn audit(
        &self,
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        subject: &str,
        school: Option<&str>,
        detail: Option<&str>,
    ) -> StoreResult<()> {
        audit_in(&self.pool, at, actor, action, subject, school, detail).await
    }

    /// The whole audit trail, oldest first.
    pub async fn audit_entries(&self) -> StoreResult<Vec<AuditEntry>> {
        sqlx::query_as::<_, (i64, i64, String, String, String, Option<String>, Option<String>)>(
            "SELECT id, at, actor, action, subject, school_id, detail FROM audit_log ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id, at, actor, action, subject, school, detail)| {
            Ok(AuditEntry {
                id,
                at: from_ts(at)?,
                actor,
                action,
                subject,
                school,
                detail,
            })
        })
        .collect()
    }

    /// Everything stored about a person; None when there is no such person.
    pub async fn export_person(
        &self,
        id: &PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PersonExport>> {
        let Some((pid, school, role_text, name, team, chat, language)) = sqlx::query_as::<
            _,
            super::people::PersonTuple,
        >(
            "SELECT id, school_id, role, name, team_id, chat, language FROM people WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let role = Role::parse(&role_text)
            .ok_or_else(|| StoreError::Corrupt(format!("role `{role_text}`")))?;
        let mut export = PersonExport {
            exported_at: now,
            profile: ProfileExport {
                id: pid,
                name,
                role: role.as_str().to_string(),
                school,
                team,
                chat,
                language,
            },
            reflections: None,
            signals_given: None,
            prompts_received: None,
            pauses: None,
            intervisie_posts: None,
            escalations_handled: None,
        };
        match role {
            Role::Wpb => {
                export.reflections = Some(self.export_reflections(id).await?);
                export.signals_given = Some(self.export_signals(id, role).await?);
                export.prompts_received = Some(self.export_prompts(id).await?);
                export.pauses = Some(
                    self.pauses(id)
                        .await?
                        .into_iter()
                        .map(|r| PauseExport {
                            start: r.start,
                            end: r.end,
                        })
                        .collect(),
                );
                export.intervisie_posts = Some(self.export_intervisie(id).await?);
            }
            Role::Student => {
                export.signals_given = Some(self.export_signals(id, role).await?);
            }
            Role::Schoolopleider => {
                export.escalations_handled = Some(self.export_escalations(id).await?);
            }
            Role::Admin => {}
        }
        Ok(Some(export))
    }

    async fn export_intervisie(&self, id: &PersonId) -> StoreResult<Vec<serde_json::Value>> {
        let mut out = Vec::new();
        for (thread_id, json) in self.all_threads().await? {
            let thread = parse_thread(thread_id, &json)?;
            if thread.case_owner == *id {
                out.push(serde_json::json!({
                    "thread": thread_id,
                    "phase": Phase::Inbreng.as_str(),
                    "kind": "case",
                    "text": thread.case,
                }));
            }
            for post in thread.posts.iter().filter(|p| p.author == *id) {
                out.push(serde_json::json!({
                    "thread": thread_id,
                    "phase": post.phase.as_str(),
                    "kind": post.kind,
                    "at": post.at,
                    "text": post.text,
                }));
            }
        }
        Ok(out)
    }

    async fn export_reflections(&self, id: &PersonId) -> StoreResult<Vec<ReflectionExport>> {
        sqlx::query_as::<_, (i64, String, i64, i64, Option<String>, Option<String>)>(
            "SELECT id, text, created_at, shared, prompt_key, prompt_id FROM reflections
             WHERE wpb_id = $1 ORDER BY created_at, id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(id, text, created_at, shared, prompt_key, prompt_id)| {
            Ok(ReflectionExport {
                id,
                text,
                created_at: from_ts(created_at)?,
                shared: shared != 0,
                prompt_key,
                prompt_id,
            })
        })
        .collect()
    }

    /// Only the signals this person gave, on a pairing they are in, from their own side.
    async fn export_signals(&self, id: &PersonId, role: Role) -> StoreResult<Vec<SignalExport>> {
        let (source, side) = match role {
            Role::Wpb => ("wpb", "p.wpb_id"),
            _ => ("student", "p.student_id"),
        };
        let sql = format!(
            "SELECT k.id, k.pairing_id, p.student_id, s.name, k.value, k.at
             FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id
             LEFT JOIN people s ON s.id = p.student_id
             WHERE k.actor_id = $1 AND k.source = $2 AND {side} = $1
             ORDER BY k.at, k.id"
        );
        sqlx::query_as::<_, (i64, i64, String, Option<String>, i64, i64)>(sqlx::AssertSqlSafe(sql))
            .bind(id.as_str())
            .bind(source)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(sid, pairing_id, student_id, student_name, value, at)| {
                let value = value_from(value)?;
                Ok(SignalExport {
                    id: sid,
                    pairing_id,
                    student: (role == Role::Wpb).then_some(PersonRef {
                        id: student_id,
                        name: student_name,
                    }),
                    value: value.label(true).to_string(),
                    score: i64::from(value.score()),
                    at: from_ts(at)?,
                })
            })
            .collect()
    }

    async fn export_prompts(&self, id: &PersonId) -> StoreResult<Vec<PromptExport>> {
        sqlx::query_as::<_, (String, Option<String>, i64, Option<i64>, String)>(
            "SELECT key, prompt_id, due_at, sent_at, status FROM outbox
             WHERE recipient = $1 AND kind = 'prompt' ORDER BY due_at, id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(key, prompt_id, due_at, sent_at, status)| {
            Ok(PromptExport {
                key,
                prompt_id,
                due_at: from_ts(due_at)?,
                sent_at: opt_ts(sent_at)?,
                status,
            })
        })
        .collect()
    }

    async fn export_escalations(&self, id: &PersonId) -> StoreResult<Vec<EscalationExport>> {
        type Row = (
            i64,
            String,
            i64,
            Option<i64>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        sqlx::query_as::<_, Row>(
            "SELECT id, status, opened_at, acknowledged_at, closed_at, acknowledged_by, closed_by
             FROM escalations WHERE acknowledged_by = $1 OR closed_by = $1 ORDER BY id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(
            |(eid, status, opened_at, acknowledged_at, closed_at, ack_by, closed_by)| {
                Ok(EscalationExport {
                    id: eid,
                    status,
                    opened_at: from_ts(opened_at)?,
                    acknowledged_at: opt_ts(acknowledged_at)?,
                    closed_at: opt_ts(closed_at)?,
                    acknowledged_by_you: ack_by.as_deref() == Some(id.as_str()),
                    closed_by_you: closed_by.as_deref() == Some(id.as_str()),
                })
            },
        )
        .collect()
    }

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
        let counts_id = insert_counts(
            &mut tx,
            at,
            &report.school,
            &report.role,
            "forget",
            &Removed {
                people: 1,
                reflections: report.reflections,
                signals: report.signals,
                prompts: report.prompts,
                escalations: report.escalations,
                pairings: report.pairings,
            },
        )
        .await?;
        // The person's own id must not stay behind as the actor of their own forget.
        let actor = if actor == id.as_str() {
            ACTOR_SELF
        } else {
            actor
        };
        audit_in(
            &mut *tx,
            at,
            actor,
            "forget",
            &format!("forgotten:{counts_id}"),
            Some(&report.school),
            Some(&format!("role={}", report.role)),
        )
        .await?;
        tx.commit().await?;
        Ok(Some(report))
    }

    /// The non-personal counts kept after deletions: (school, role, reason, people,
    /// reflections, signals, prompts, escalations, pairings), oldest first.
    pub async fn forgotten_counts(
        &self,
    ) -> StoreResult<Vec<(String, String, String, i64, i64, i64, i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT school_id, role, reason, people, reflections, signals, prompts, escalations, pairings
             FROM forgotten_counts ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Deletes what is past each school's retention (see the module docs for the boundaries).
    /// With `dry_run` the same statements run inside a transaction that is rolled back.
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
        let schools: Vec<(String,)> = sqlx::query_as("SELECT id FROM schools ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        for (school,) in schools {
            let policy = policies.for_school(&school);
            let cutoff = ts(cutoff_for(now, policy.months));
            let today = now.with_timezone(&policy.tz).date_naive();
            // Kept through end + N days: gone once the last end day lies before today - N.
            let last_kept_end = today
                .checked_sub_days(Days::new(u64::from(policy.student_days)))
                .unwrap_or(NaiveDate::MIN);
            let mut removed = Removed::default();

            let students: Vec<(String,)> = sqlx::query_as(
                "SELECT s.id FROM people s
                 WHERE s.school_id = $1 AND s.role = 'student'
                   AND (SELECT MAX(p.end_day) FROM pairings p WHERE p.student_id = s.id) < $2
                 ORDER BY s.id",
            )
            .bind(school.as_str())
            .bind(day(last_kept_end))
            .fetch_all(&mut *tx)
            .await?;
            for (student,) in students {
                let Some(r) = forget_in(&mut tx, &PersonId::from_trusted(student), now).await?
                else {
                    continue;
                };
                removed.people += 1;
                removed.signals += r.signals;
                removed.escalations += r.escalations;
                removed.pairings += r.pairings;
                report.outbox += r.messages + r.prompts;
                report.audit += r.audit_rows;
            }

            removed.reflections += exec(
                &mut tx,
                "DELETE FROM reflections WHERE created_at < $1
                   AND wpb_id IN (SELECT id FROM people WHERE school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            removed.signals += exec(
                &mut tx,
                "DELETE FROM klik_signals WHERE at < $1 AND pairing_id IN
                   (SELECT p.id FROM pairings p JOIN people w ON w.id = p.wpb_id WHERE w.school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            report.outbox += exec(
                &mut tx,
                "DELETE FROM outbox WHERE kind IN ('escalation', 'escalation_reminder', 'wpb_notice')
                   AND ref_id IN (SELECT e.id FROM escalations e JOIN pairings p ON p.id = e.pairing_id
                     JOIN people w ON w.id = p.wpb_id
                     WHERE e.closed_at IS NOT NULL AND e.closed_at < $1 AND w.school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            removed.escalations += exec(
                &mut tx,
                "DELETE FROM escalations WHERE closed_at IS NOT NULL AND closed_at < $1 AND pairing_id IN
                   (SELECT p.id FROM pairings p JOIN people w ON w.id = p.wpb_id WHERE w.school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            let prompts = exec(
                &mut tx,
                "DELETE FROM outbox WHERE kind = 'prompt' AND status IN ('sent', 'skipped', 'failed')
                   AND COALESCE(sent_at, due_at) < $1
                   AND recipient IN (SELECT id FROM people WHERE school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            removed.prompts += prompts;
            report.outbox += prompts
                + exec(
                    &mut tx,
                    "DELETE FROM outbox WHERE status IN ('sent', 'skipped', 'failed')
                       AND COALESCE(sent_at, due_at) < $1
                       AND recipient IN (SELECT id FROM people WHERE school_id = $2)",
                    cutoff,
                    &school,
                )
                .await?;
            // A closed thread's due_at is the moment it closed.
            report.threads += exec(
                &mut tx,
                "DELETE FROM intervisie_threads WHERE closed <> 0 AND due_at < $1
                   AND team_id IN (SELECT id FROM teams WHERE school_id = $2)",
                cutoff,
                &school,
            )
            .await?;
            report.audit += exec(
                &mut tx,
                "DELETE FROM audit_log WHERE at < $1 AND school_id = $2",
                cutoff,
                &school,
            )
            .await?;

            report.reflections += removed.reflections;
            report.signals += removed.signals;
            report.escalations += removed.escalations;
            report.pairings += removed.pairings;
            report.students += removed.people;
            if !removed.is_empty() {
                insert_counts(&mut tx, now, &school, "*", "retention", &removed).await?;
            }
        }
        // Audit rows of no (known) school follow the default retention.
        let cutoff = ts(cutoff_for(now, policies.default.months));
        report.audit += sqlx::query(
            "DELETE FROM audit_log WHERE at < $1
               AND (school_id IS NULL OR school_id NOT IN (SELECT id FROM schools))",
        )
        .bind(cutoff)
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

/// The oldest moment still kept: `now` minus whole calendar months.
fn cutoff_for(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

async fn exec(tx: &mut Tx<'_>, sql: &'static str, cutoff: i64, school: &str) -> StoreResult<u64> {
    Ok(sqlx::query(sql)
        .bind(cutoff)
        .bind(school)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

#[derive(Debug, Default)]
struct Removed {
    people: u64,
    reflections: u64,
    signals: u64,
    prompts: u64,
    escalations: u64,
    pairings: u64,
}

impl Removed {
    fn is_empty(&self) -> bool {
        self.people
            + self.reflections
            + self.signals
            + self.prompts
            + self.escalations
            + self.pairings
            == 0
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn insert_counts(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    school: &str,
    role: &str,
    reason: &str,
    r: &Removed,
) -> StoreResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO forgotten_counts (at, school_id, role, reason, people, reflections, signals, prompts, escalations, pairings)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(ts(at))
    .bind(school)
    .bind(role)
    .bind(reason)
    .bind(count(r.people))
    .bind(count(r.reflections))
    .bind(count(r.signals))
    .bind(count(r.prompts))
    .bind(count(r.escalations))
    .bind(count(r.pairings))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// The deletes of a forget, inside the caller's transaction. None when there is no such person.
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
    let (others,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM people o JOIN people p ON p.school_id = o.school_id
         WHERE p.id = $1 AND p.role = 'schoolopleider' AND o.role = 'schoolopleider' AND o.id <> $1",
    )
    .bind(id.as_str())
    .fetch_one(&mut **tx)
    .await?;
    let (is_so,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM people WHERE id = $1 AND role = 'schoolopleider'")
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

async fn forget_in(
    tx: &mut Tx<'_>,
    id: &PersonId,
    at: DateTime<Utc>,
) -> StoreResult<Option<ForgetReport>> {
    let Some((role, school)): Option<(String, String)> =
        sqlx::query_as("SELECT role, school_id FROM people WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut **tx)
            .await?
    else {
        return Ok(None);
    };
    let mut report = ForgetReport {
        role,
        school,
        ..ForgetReport::default()
    };
    let pid = id.as_str();
    async fn run(tx: &mut Tx<'_>, sql: &'static str, binds: &[&str]) -> StoreResult<u64> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(*b);
        }
        Ok(q.execute(&mut **tx).await?.rows_affected())
    }
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
    let (own,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM klik_signals WHERE actor_id = $1")
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
    // Intervisie: the threads stay for the colleagues in them. The person's case, takeaway
    // and posts become placeholders without author or text (see `Thread::forget`); a thread
    // they brought in loses its owner and, when still open, is closed at the next tick. The
    // team messages of their threads were addressed to them and went above.
    let threads: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT id, state, version FROM intervisie_threads ORDER BY id")
            .fetch_all(&mut **tx)
            .await?;
    for (thread_id, json, version) in threads {
        let mut thread = parse_thread(thread_id, &json)?;
        if !thread.forget(id, at) {
            continue;
        }
        let state = serde_json::to_string(&thread)
            .map_err(|e| StoreError::Corrupt(format!("intervisie {thread_id}: {e}")))?;
        let done = sqlx::query(
            "UPDATE intervisie_threads SET state = $1, case_owner = $2,
               due_at = CASE WHEN closed = 0 THEN $3 ELSE due_at END, version = version + 1
             WHERE id = $4 AND version = $5",
        )
        .bind(state)
        .bind(thread.case_owner.as_str())
        .bind(ts(thread.phase_due))
        .bind(thread_id)
        .bind(version)
        .execute(&mut **tx)
        .await?;
        // A thread saved in between: roll the whole forget back rather than keep a post.
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt(format!(
                "intervisie {thread_id} changed during forget; try again"
            )));
        }
        report.intervisie += 1;
    }
    report.reflections += run(tx, "DELETE FROM reflections WHERE wpb_id = $1", &[pid]).await?;
    report.pauses += run(tx, "DELETE FROM pauses WHERE person_id = $1", &[pid]).await?;
    let subject = format!("person:{pid}");
    report.audit_rows += run(
        tx,
        "DELETE FROM audit_log WHERE subject = $1",
        &[subject.as_str()],
    )
    .await?;
    // Where they acted, the action stays but not who they were.
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
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_is_whole_calendar_months() {
        let now = DateTime::parse_from_rfc3339("2027-03-31T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            cutoff_for(now, 12).to_rfc3339(),
            "2026-03-31T10:00:00+00:00"
        );
        // A month without that day ends on its last day.
        assert_eq!(cutoff_for(now, 1).to_rfc3339(), "2027-02-28T10:00:00+00:00");
    }
}
