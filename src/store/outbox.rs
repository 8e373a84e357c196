//! The outbox: every message the bot will send, planned or immediate, with a unique key.
//! Claiming is safe across processes: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's single
//! writer otherwise; a claim is a lease, so a crashed claimer's rows come back after it expires.

use chrono::{DateTime, Utc};

use sqlx::AssertSqlSafe;

use super::{Backend, Store, StoreError, StoreResult, from_ts, ts};
use crate::domain::roster::PersonId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    Prompt,
    Reminder,
    FollowUp,
    Escalation,
    EscalationReminder,
    WpbNotice,
    Unreachable,
    Intervisie,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Prompt => "prompt",
            OutboxKind::Reminder => "reminder",
            OutboxKind::FollowUp => "followup",
            OutboxKind::Escalation => "escalation",
            OutboxKind::EscalationReminder => "escalation_reminder",
            OutboxKind::WpbNotice => "wpb_notice",
            OutboxKind::Unreachable => "unreachable",
            OutboxKind::Intervisie => "intervisie",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            OutboxKind::Prompt,
            OutboxKind::Reminder,
            OutboxKind::FollowUp,
            OutboxKind::Escalation,
            OutboxKind::EscalationReminder,
            OutboxKind::WpbNotice,
            OutboxKind::Unreachable,
            OutboxKind::Intervisie,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    Planned,
    Claimed,
    Sent,
    Skipped,
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Planned => "planned",
            OutboxStatus::Claimed => "claimed",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Skipped => "skipped",
            OutboxStatus::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    pub key: String,
    pub kind: OutboxKind,
    pub recipient: PersonId,
    pub due_at: DateTime<Utc>,
    /// Serialized `Message` for kinds whose content is fixed when they are created.
    pub body: Option<String>,
    pub ref_id: Option<i64>,
    /// Set for a team-channel message: it goes to this team's channel, not to `recipient`.
    pub channel_team: Option<String>,
    /// Set for a message to the deployment's admin contact: it goes to this chat address;
    /// `recipient` is then only the recipient of record (the wpb it is about).
    pub to_address: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: i64,
    pub key: String,
    pub kind: OutboxKind,
    pub recipient: PersonId,
    pub due_at: DateTime<Utc>,
    pub prompt_id: Option<String>,
    pub body: Option<String>,
    pub ref_id: Option<i64>,
    pub attempts: i64,
    pub channel_team: Option<String>,
    pub to_address: Option<String>,
}

type OutboxTuple = (
    i64,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
);
const RETURNING: &str =
    "id, key, kind, recipient, due_at, prompt_id, body, ref_id, attempts, channel_team, to_address";

fn row_from(t: OutboxTuple) -> StoreResult<OutboxRow> {
    let (
        id,
        key,
        kind,
        recipient,
        due_at,
        prompt_id,
        body,
        ref_id,
        attempts,
        channel_team,
        to_address,
    ) = t;
    Ok(OutboxRow {
        id,
        kind: OutboxKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("outbox kind `{kind}`")))?,
        key,
        recipient: PersonId::from_trusted(recipient),
        due_at: from_ts(due_at)?,
        prompt_id,
        body,
        ref_id,
        attempts,
        channel_team,
        to_address,
    })
}

pub(crate) async fn insert_in<'e, E>(executor: E, row: &NewOutbox) -> StoreResult<bool>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let done = sqlx::query(
        "INSERT INTO outbox (key, kind, recipient, due_at, status, body, ref_id, channel_team, to_address)
         VALUES ($1, $2, $3, $4, 'planned', $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING",
    )
    .bind(row.key.as_str())
    .bind(row.kind.as_str())
    .bind(row.recipient.as_str())
    .bind(ts(row.due_at))
    .bind(row.body.clone())
    .bind(row.ref_id)
    .bind(row.channel_team.clone())
    .bind(row.to_address.clone())
    .execute(executor)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Rows per multi-row INSERT: larger statements cost more to prepare and bind than they save.
const INSERT_CHUNK: usize = 100;

/// Inserts many rows in few statements, skipping used keys; returns the keys inserted.
pub(crate) async fn insert_many_in(
    conn: &mut sqlx::AnyConnection,
    rows: &[NewOutbox],
) -> StoreResult<std::collections::HashSet<String>> {
    let mut inserted = std::collections::HashSet::new();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 8;
                format!(
                    "(${}, ${}, ${}, ${}, 'planned', ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO outbox (key, kind, recipient, due_at, status, body, ref_id, channel_team, to_address) VALUES {}
             ON CONFLICT (key) DO NOTHING RETURNING key",
            values.join(", ")
        );
        let mut q = sqlx::query_as::<_, (String,)>(AssertSqlSafe(sql));
        for row in chunk {
            q = q
                .bind(row.key.as_str())
                .bind(row.kind.as_str())
                .bind(row.recipient.as_str())
                .bind(ts(row.due_at))
                .bind(row.body.clone())
                .bind(row.ref_id)
                .bind(row.channel_team.clone())
                .bind(row.to_address.clone());
        }
        inserted.extend(q.fetch_all(&mut *conn).await?.into_iter().map(|(k,)| k));
    }
    Ok(inserted)
}

impl Store {
    /// Inserts unless the key exists; returns whether it was new.
    pub async fn enqueue(&self, row: &NewOutbox) -> StoreResult<bool> {
        insert_in(&self.pool, row).await
    }

    /// Claims up to `limit` rows that are due, or whose earlier claim lapsed, for `lease` seconds.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        claimer: &str,
        lease_secs: i64,
        limit: i64,
    ) -> StoreResult<Vec<OutboxRow>> {
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let mut claimed = Vec::new();
        // Lapsed leases first: they are older than anything newly due.
        for filter in [
            "status = 'claimed' AND claim_until < $3",
            "status = 'planned' AND due_at <= $3",
        ] {
            let remaining = limit - claimed.len() as i64;
            if remaining <= 0 {
                break;
            }
            let sql = format!(
                "UPDATE outbox SET status = 'claimed', claimed_by = $1, claim_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox WHERE {filter} ORDER BY due_at, id LIMIT $4 {lock})
                 RETURNING {RETURNING}"
            );
            let rows = sqlx::query_as::<_, OutboxTuple>(AssertSqlSafe(sql))
                .bind(claimer)
                .bind(ts(now) + lease_secs)
                .bind(ts(now))
                .bind(remaining)
                .fetch_all(&self.pool)
                .await?;
            for r in rows {
                claimed.push(row_from(r)?);
            }
        }
        claimed.sort_by_key(|r| (r.due_at, r.id));
        Ok(claimed)
    }

    /// Gives a claimed row back after a passing failure, to be tried again at `retry_at`.
    pub async fn release(
        &self,
        id: i64,
        claimer: &str,
        retry_at: DateTime<Utc>,
        note: &str,
    ) -> StoreResult<()> {
        self.give_back(id, claimer, retry_at, note, true).await
    }

    /// Gives a claimed row back that a rate limit held back: to go no earlier than `retry_at`,
    /// and without counting the claim as an attempt.
    pub async fn hold_back(
        &self,
        id: i64,
        claimer: &str,
        retry_at: DateTime<Utc>,
        note: &str,
    ) -> StoreResult<()> {
        self.give_back(id, claimer, retry_at, note, false).await
    }

    async fn give_back(
        &self,
        id: i64,
        claimer: &str,
        retry_at: DateTime<Utc>,
        note: &str,
        attempted: bool,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE outbox SET status = 'planned', due_at = CASE WHEN due_at > $1 THEN due_at ELSE $1 END,
               claimed_by = NULL, claim_until = NULL, note = $2,
               attempts = CASE WHEN $5 OR attempts = 0 THEN attempts ELSE attempts - 1 END
             WHERE id = $3 AND status = 'claimed' AND claimed_by = $4",
        )
        .bind(ts(retry_at))
        .bind(note)
        .bind(id)
        .bind(claimer)
        .bind(attempted)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn outbox_by_key(&self, key: &str) -> StoreResult<Option<(OutboxRow, OutboxStatus)>> {
        let row = sqlx::query_as::<
            _,
            (
                i64,
                String,
                String,
                String,
                i64,
                Option<String>,
                Option<String>,
                Option<i64>,
                i64,
                Option<String>,
                Option<String>,
                String,
            ),
        >(AssertSqlSafe(format!(
            "SELECT {RETURNING}, status FROM outbox WHERE key = $1"
        )))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(a, b, c, d, e, f, g, h, i, j, k, status)| {
            let st = match status.as_str() {
                "planned" => OutboxStatus::Planned,
                "claimed" => OutboxStatus::Claimed,
                "sent" => OutboxStatus::Sent,
                "skipped" => OutboxStatus::Skipped,
                "failed" => OutboxStatus::Failed,
                other => return Err(StoreError::Corrupt(format!("outbox status `{other}`"))),
            };
            Ok((row_from((a, b, c, d, e, f, g, h, i, j, k))?, st))
        })
        .transpose()
    }

    /// The most recent prompt sent to a wpb since `since` that has no reflection yet.
    pub async fn latest_open_prompt(
        &self,
        wpb: &PersonId,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(String, Option<String>)>> {
        Ok(sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT o.key, o.prompt_id FROM outbox o
             WHERE o.recipient = $1 AND o.kind = 'prompt' AND o.status = 'sent' AND o.sent_at >= $2
               AND NOT EXISTS (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)
             ORDER BY o.sent_at DESC, o.id DESC LIMIT 1",
        )
        .bind(wpb.as_str())
        .bind(ts(since))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Counts per (recipient, kind, status), for summaries and tests.
    pub async fn outbox_counts(&self) -> StoreResult<Vec<(String, String, String, i64)>> {
        Ok(sqlx::query_as::<_, (String, String, String, i64)>(
            "SELECT recipient, kind, status, COUNT(*) FROM outbox GROUP BY recipient, kind, status ORDER BY recipient, kind, status",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}
