//! A person's export: everything stored about them, as they may see it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::parse_thread;
use crate::domain::intervisie::Phase;
use crate::domain::roster::{PersonId, Role};
use crate::store::people::{PersonRow, person_columns};
use crate::store::signals::value_from;
use crate::store::{Store, StoreError, StoreResult, from_ts};

/// Everything stored about one person, as they may see it. Sections that do not apply to the
/// person's role are left out of the JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// Who they are in the roster.
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

/// The person's roster row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileExport {
    /// Their person id.
    pub id: String,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: String,
    /// Their school id.
    pub school: String,
    /// Their team id, for a wpb.
    pub team: Option<String>,
    /// Their chat address.
    pub chat: Option<String>,
    /// Their chosen language.
    pub language: Option<String>,
}

/// One reflection of a wpb.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReflectionExport {
    /// The reflection's id.
    pub id: i64,
    /// What they wrote.
    pub text: String,
    /// When they wrote it.
    pub created_at: DateTime<Utc>,
    /// Shared with the schoolopleider in an escalation.
    pub shared: bool,
    /// The outbox key of the prompt it answers.
    pub prompt_key: Option<String>,
    /// The library id of that prompt.
    pub prompt_id: Option<String>,
}

/// Another person named in an export: their id and, while they exist, their name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonRef {
    /// Their person id.
    pub id: String,
    /// Their name; None once they are gone.
    pub name: Option<String>,
}

/// One klik signal the person gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SignalExport {
    /// The signal's id.
    pub id: i64,
    /// The pairing it is about.
    pub pairing_id: i64,
    /// For a wpb: the student of their own pairing. Left out for a student's own export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub student: Option<PersonRef>,
    /// `goed`, `twijfel` or `geen klik`.
    pub value: String,
    /// 1, 0 or -1.
    pub score: i64,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// One prompt slot planned for or sent to a wpb.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptExport {
    /// The outbox key of the slot.
    pub key: String,
    /// The library id of the prompt, once chosen.
    pub prompt_id: Option<String>,
    /// When it is or was due.
    pub due_at: DateTime<Utc>,
    /// When it was sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// `planned`, `sent`, `skipped`, ...
    pub status: String,
}

/// One pause of a wpb, both days included.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PauseExport {
    /// The first day of the pause.
    pub start: NaiveDate,
    /// The last day of the pause.
    pub end: NaiveDate,
}

/// One escalation a schoolopleider handled.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EscalationExport {
    /// The escalation's id.
    pub id: i64,
    /// Its status now.
    pub status: String,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// When it was acknowledged.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When it was resolved or closed with a move.
    pub closed_at: Option<DateTime<Utc>>,
    /// This person acknowledged it.
    pub acknowledged_by_you: bool,
    /// This person closed it.
    pub closed_by_you: bool,
}

impl PersonExport {
    /// The export as pretty-printed JSON, the file a person receives.
    pub fn to_json(&self) -> StoreResult<String> {
        serde_json::to_string_pretty(self).map_err(|e| StoreError::Corrupt(e.to_string()))
    }
}

fn opt_ts(t: Option<i64>) -> StoreResult<Option<DateTime<Utc>>> {
    t.map(from_ts).transpose()
}

#[derive(sqlx::FromRow)]
struct ReflectionRow {
    id: i64,
    text: String,
    created_at: i64,
    shared: i64,
    prompt_key: Option<String>,
    prompt_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SignalRow {
    id: i64,
    pairing_id: i64,
    student_id: String,
    student_name: Option<String>,
    value: i64,
    at: i64,
}

#[derive(sqlx::FromRow)]
struct PromptRow {
    key: String,
    prompt_id: Option<String>,
    due_at: i64,
    sent_at: Option<i64>,
    status: String,
}

#[derive(sqlx::FromRow)]
struct EscalationRow {
    id: i64,
    status: String,
    opened_at: i64,
    acknowledged_at: Option<i64>,
    closed_at: Option<i64>,
    acknowledged_by: Option<String>,
    closed_by: Option<String>,
}

impl Store {
    /// Everything stored about a person; None when there is no such person.
    pub async fn export_person(
        &self,
        id: &PersonId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PersonExport>> {
        // The profile as stored: the language as written, not as understood.
        let Some(row) = sqlx::query_as::<_, PersonRow>(concat!(
            "SELECT ",
            person_columns!(),
            " FROM people WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let role = Role::parse(&row.role)
            .ok_or_else(|| StoreError::Corrupt(format!("role `{}`", row.role)))?;
        let mut export = PersonExport {
            exported_at: now,
            profile: ProfileExport {
                id: row.id,
                name: row.name,
                role: role.as_str().to_string(),
                school: row.school_id,
                team: row.team_id,
                chat: row.chat,
                language: row.language,
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
                export.pauses = Some(self.export_pauses(id).await?);
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

    async fn export_pauses(&self, id: &PersonId) -> StoreResult<Vec<PauseExport>> {
        Ok(self
            .pauses(id)
            .await?
            .into_iter()
            .map(|r| PauseExport {
                start: r.start,
                end: r.end,
            })
            .collect())
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
        sqlx::query_as::<_, ReflectionRow>(
            "SELECT id, text, created_at, shared, prompt_key, prompt_id FROM reflections
             WHERE wpb_id = $1 ORDER BY created_at, id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(ReflectionExport {
                id: r.id,
                text: r.text,
                created_at: from_ts(r.created_at)?,
                shared: r.shared != 0,
                prompt_key: r.prompt_key,
                prompt_id: r.prompt_id,
            })
        })
        .collect()
    }

    /// Only the signals this person gave, on a pairing they are in, from their own side.
    async fn export_signals(&self, id: &PersonId, role: Role) -> StoreResult<Vec<SignalExport>> {
        let sql = match role {
            Role::Wpb => {
                "SELECT k.id AS id, k.pairing_id AS pairing_id, p.student_id AS student_id,
                        s.name AS student_name, k.value AS value, k.at AS at
                 FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id
                 LEFT JOIN people s ON s.id = p.student_id
                 WHERE k.actor_id = $1 AND k.source = 'wpb' AND p.wpb_id = $1
                 ORDER BY k.at, k.id"
            }
            _ => {
                "SELECT k.id AS id, k.pairing_id AS pairing_id, p.student_id AS student_id,
                        s.name AS student_name, k.value AS value, k.at AS at
                 FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id
                 LEFT JOIN people s ON s.id = p.student_id
                 WHERE k.actor_id = $1 AND k.source = 'student' AND p.student_id = $1
                 ORDER BY k.at, k.id"
            }
        };
        sqlx::query_as::<_, SignalRow>(sql)
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| {
                let value = value_from(r.value)?;
                Ok(SignalExport {
                    id: r.id,
                    pairing_id: r.pairing_id,
                    student: (role == Role::Wpb).then_some(PersonRef {
                        id: r.student_id,
                        name: r.student_name,
                    }),
                    value: value.label(true).to_string(),
                    score: i64::from(value.score()),
                    at: from_ts(r.at)?,
                })
            })
            .collect()
    }

    async fn export_prompts(&self, id: &PersonId) -> StoreResult<Vec<PromptExport>> {
        sqlx::query_as::<_, PromptRow>(
            "SELECT key, prompt_id, due_at, sent_at, status FROM outbox
             WHERE recipient = $1 AND kind = 'prompt' ORDER BY due_at, id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(PromptExport {
                key: r.key,
                prompt_id: r.prompt_id,
                due_at: from_ts(r.due_at)?,
                sent_at: opt_ts(r.sent_at)?,
                status: r.status,
            })
        })
        .collect()
    }

    async fn export_escalations(&self, id: &PersonId) -> StoreResult<Vec<EscalationExport>> {
        sqlx::query_as::<_, EscalationRow>(
            "SELECT id, status, opened_at, acknowledged_at, closed_at, acknowledged_by, closed_by
             FROM escalations WHERE acknowledged_by = $1 OR closed_by = $1 ORDER BY id",
        )
        .bind(id.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(EscalationExport {
                id: r.id,
                status: r.status,
                opened_at: from_ts(r.opened_at)?,
                acknowledged_at: opt_ts(r.acknowledged_at)?,
                closed_at: opt_ts(r.closed_at)?,
                acknowledged_by_you: r.acknowledged_by.as_deref() == Some(id.as_str()),
                closed_by_you: r.closed_by.as_deref() == Some(id.as_str()),
            })
        })
        .collect()
    }
}
