//! The audit trail: who did what to which subject, appended and read back.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::roster::PersonId;
use crate::store::{Store, StoreResult, from_ts, ts};

/// The actor recorded for the bot's own actions (opening an escalation).
pub const ACTOR_BOT: &str = "wandelgang";
/// The actor recorded for the local command line.
pub const ACTOR_CLI: &str = "admin:cli";
/// The actor of a refused action from a sender the roster does not know: no address is kept,
/// and the colon keeps it apart from every person id.
pub const ACTOR_UNKNOWN: &str = "afzender:onbekend";

/// One row of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// The row's id, in order of writing.
    pub id: i64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// A person id, or one of the `ACTOR_*` names.
    pub actor: String,
    /// What was done (`export`, `forget`, `escalation_opened`, `refused:<action>`, ...).
    pub action: String,
    /// To what: `person:<id>`, `escalation:<id>`, `forgotten:<id>`, `roster`, ...
    pub subject: String,
    /// The school it concerns, when one.
    pub school: Option<String>,
    /// Details without names (JSON or `key=value`).
    pub detail: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: i64,
    actor: String,
    action: String,
    subject: String,
    school_id: Option<String>,
    detail: Option<String>,
}

/// Appends one audit row with `executor` (the pool, or a transaction it belongs to).
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
        sqlx::query_as::<_, AuditRow>(
            "SELECT id, at, actor, action, subject, school_id, detail FROM audit_log ORDER BY at, id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AuditEntry {
                id: r.id,
                at: from_ts(r.at)?,
                actor: r.actor,
                action: r.action,
                subject: r.subject,
                school: r.school_id,
                detail: r.detail,
            })
        })
        .collect()
    }
}
