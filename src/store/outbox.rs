//! The outbox: every message the bot will send, planned or immediate, with a unique key.
//! Claiming is safe across processes: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's single
//! writer otherwise; a claim is a lease, so a crashed claimer's rows come back after it expires.

use chrono::{DateTime, Utc};

use sqlx::{AssertSqlSafe, FromRow, Row};

use super::batch::CHUNK;
use super::{Backend, Params, Store, StoreError, StoreResult, from_ts, ts};
use crate::domain::roster::PersonId;

/// What an outbox row is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxKind {
    /// A reflection prompt in a wpb's rhythm (or on demand).
    Prompt,
    /// A reminder of an unanswered prompt.
    Reminder,
    /// A question following up a signal.
    FollowUp,
    /// An escalation to the school's schoolopleiders.
    Escalation,
    /// A reminder of an escalation nobody took up.
    EscalationReminder,
    /// The wpb is told someone will reach out.
    WpbNotice,
    /// The admin is told a person cannot be reached.
    Unreachable,
    /// A message of an intervisie thread in a team channel.
    Intervisie,
    /// The weekly digest to a schoolopleider.
    Digest,
    /// A wpb's terugblik at the end of a placement.
    Terugblik,
}

impl OutboxKind {
    /// The stored name.
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
            OutboxKind::Digest => "digest",
            OutboxKind::Terugblik => "terugblik",
        }
    }

    /// The kind with this stored name.
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
            OutboxKind::Digest,
            OutboxKind::Terugblik,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where an outbox row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxStatus {
    /// Waiting to be due.
    Planned,
    /// Taken by a sender, for the length of its lease.
    Claimed,
    /// Delivered.
    Sent,
    /// Not sent, on purpose (a pause, a replaced slot, ...).
    Skipped,
    /// Not sent, after the tries ran out.
    Failed,
}

impl OutboxStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Planned => "planned",
            OutboxStatus::Claimed => "claimed",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Skipped => "skipped",
            OutboxStatus::Failed => "failed",
        }
    }

    /// A stored status, or [`StoreError::Corrupt`] for a name the code does not know.
    fn from_stored(s: &str) -> StoreResult<Self> {
        [
            OutboxStatus::Planned,
            OutboxStatus::Claimed,
            OutboxStatus::Sent,
            OutboxStatus::Skipped,
            OutboxStatus::Failed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt(format!("outbox status `{s}`")))
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    /// Unique: a second row with the same key is not inserted.
    pub key: String,
    /// What it is for.
    pub kind: OutboxKind,
    /// Whom it goes to (or is about, see `channel_team` and `to_address`).
    pub recipient: PersonId,
    /// When it is to go.
    pub due_at: DateTime<Utc>,
    /// Serialized `Message` for kinds whose content is fixed when they are created.
    pub body: Option<String>,
    /// The row it refers to (an escalation, a thread), by kind.
    pub ref_id: Option<i64>,
    /// Set for a team-channel message: it goes to this team's channel, not to `recipient`.
    pub channel_team: Option<String>,
    /// Set for a message to the deployment's admin contact: it goes to this chat address;
    /// `recipient` is then only the recipient of record (the wpb it is about).
    pub to_address: Option<String>,
}

/// A stored outbox row, as a sender claims it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    /// The row's id.
    pub id: i64,
    /// Its unique key.
    pub key: String,
    /// What it is for.
    pub kind: OutboxKind,
    /// Whom it goes to (or is about).
    pub recipient: PersonId,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// The prompt chosen for a prompt slot, once chosen.
    pub prompt_id: Option<String>,
    /// Serialized `Message` for kinds whose content is fixed when they are created.
    pub body: Option<String>,
    /// The row it refers to (an escalation, a thread), by kind.
    pub ref_id: Option<i64>,
    /// How often it was claimed to be sent.
    pub attempts: i64,
    /// Set for a team-channel message: the team whose channel it goes to.
    pub channel_team: Option<String>,
    /// Set for a message to the admin contact: the chat address it goes to.
    pub to_address: Option<String>,
}

/// The columns a [`StoredOutbox`] reads, as a literal for `concat!`.
macro_rules! outbox_columns {
    () => {
        "id, key, kind, recipient, due_at, prompt_id, body, ref_id, attempts, channel_team, to_address"
    };
}

/// An `outbox` row by column name ([`outbox_columns`]).
#[derive(FromRow)]
struct StoredOutbox {
    id: i64,
    key: String,
    kind: String,
    recipient: String,
    due_at: i64,
    prompt_id: Option<String>,
    body: Option<String>,
    ref_id: Option<i64>,
    attempts: i64,
    channel_team: Option<String>,
    to_address: Option<String>,
}

impl TryFrom<StoredOutbox> for OutboxRow {
    type Error = StoreError;

    fn try_from(row: StoredOutbox) -> StoreResult<Self> {
        let kind = &row.kind;
        Ok(OutboxRow {
            id: row.id,
            kind: OutboxKind::parse(kind)
                .ok_or_else(|| StoreError::Corrupt(format!("outbox kind `{kind}`")))?,
            key: row.key,
            recipient: PersonId::from_trusted(row.recipient),
            due_at: from_ts(row.due_at)?,
            prompt_id: row.prompt_id,
            body: row.body,
            ref_id: row.ref_id,
            attempts: row.attempts,
            channel_team: row.channel_team,
            to_address: row.to_address,
        })
    }
}

/// An outbox row with its status, by column name.
#[derive(FromRow)]
struct StoredOutboxWithStatus {
    #[sqlx(flatten)]
    row: StoredOutbox,
    status: String,
}

/// The rows a claim may take: lapsed leases first (they are older than anything newly due),
/// then rows newly due, each in due order.
const DUE_ROWS: [&str; 2] = [
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE status = 'claimed' AND claim_until < $1 ORDER BY due_at, id LIMIT $2"
    ),
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE status = 'planned' AND due_at <= $1 ORDER BY due_at, id LIMIT $2"
    ),
];

/// What a claim may take, checked again when it takes it: due, or its lease lapsed.
/// `{t}` stands for the table's name in the statement.
const CLAIMABLE: &str = "(({t}.status = 'planned' AND {t}.due_at <= {now})
    OR ({t}.status = 'claimed' AND {t}.claim_until < {now}))";

/// The columns of a claimed row, from the `outbox` of an `UPDATE … FROM`.
const CLAIMED_COLUMNS: &str = "outbox.id AS id, outbox.key AS key, outbox.kind AS kind,
    outbox.recipient AS recipient, outbox.due_at AS due_at, outbox.prompt_id AS prompt_id,
    outbox.body AS body, outbox.ref_id AS ref_id, outbox.attempts AS attempts,
    outbox.channel_team AS channel_team, outbox.to_address AS to_address";

/// Inserts one row unless its key exists, on the pool or inside a transaction; returns
/// whether it was new.
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

/// Rows per multi-row INSERT. At 500 the statements took as long in all (a 1,000-row batch:
/// 5 ms on SQLite, 12-13 ms on PostgreSQL either way), and each prepared one held about 0.5 MB.
const INSERT_CHUNK: usize = 100;

/// Inserts many rows in few statements, skipping used keys; returns the keys inserted. (On
/// PostgreSQL the rows as one JSON value in one statement measured the same: a tick's 1,000
/// follow-ups 32.5 ms against 34 ms for ten of these; the time is the indexes' upkeep.)
pub(crate) async fn insert_many_in(
    conn: &mut sqlx::AnyConnection,
    rows: &[NewOutbox],
) -> StoreResult<std::collections::HashSet<String>> {
    let mut inserted = std::collections::HashSet::new();
    for chunk in rows.chunks(INSERT_CHUNK) {
        // format! builds only placeholders: one list per row, of its eight values.
        let mut p = Params::on(conn);
        let values: Vec<String> = (0..chunk.len())
            .map(|_| format!("({}, 'planned', {})", p.list(4), p.list(4)))
            .collect();
        let sql = format!(
            "INSERT INTO outbox (key, kind, recipient, due_at, status, body, ref_id, channel_team, to_address) VALUES {}
             ON CONFLICT (key) DO NOTHING RETURNING key",
            values.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
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
        for row in q.fetch_all(&mut *conn).await? {
            inserted.insert(row.try_get("key")?);
        }
    }
    Ok(inserted)
}

impl Store {
    /// Inserts unless the key exists; returns whether it was new.
    pub async fn enqueue(&self, row: &NewOutbox) -> StoreResult<bool> {
        insert_in(&self.pool, row).await
    }

    /// Up to `limit` rows that are due, or whose earlier claim lapsed, in the order a claim
    /// takes them, without claiming them: the sender reads what it needs to choose their
    /// prompts, then claims them with [`Store::claim`].
    pub async fn due_rows(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxRow>> {
        let mut due = Vec::new();
        for sql in DUE_ROWS {
            let remaining = limit - due.len() as i64;
            if remaining <= 0 {
                break;
            }
            let rows = sqlx::query_as::<_, StoredOutbox>(sql)
                .bind(ts(now))
                .bind(remaining)
                .fetch_all(&self.pool)
                .await?;
            for r in rows {
                due.push(OutboxRow::try_from(r)?);
            }
        }
        Ok(due)
    }

    /// Claims those of the rows (by id) that are still due or lapsed, for `lease_secs`, and
    /// fixes in the same write the prompt chosen for each, unless an earlier claim fixed one:
    /// whoever sends a slot, and however often, sends the same prompt. Rows another process
    /// claimed since they were read are left out; on PostgreSQL, so are rows it is claiming
    /// (skipped, never waited for). Returns the claimed rows as stored, in due order.
    pub async fn claim(
        &self,
        now: DateTime<Utc>,
        claimer: &str,
        lease_secs: i64,
        chosen: &[(i64, Option<String>)],
    ) -> StoreResult<Vec<OutboxRow>> {
        let stored = match self.backend {
            Backend::Postgres => {
                self.claim_on_postgres(now, claimer, lease_secs, chosen)
                    .await?
            }
            Backend::Sqlite => {
                let mut stored = Vec::new();
                for chunk in chosen.chunks(CHUNK) {
                    stored.extend(
                        self.claim_on_sqlite(now, claimer, lease_secs, chunk)
                            .await?,
                    );
                }
                stored
            }
        };
        let mut claimed = stored
            .into_iter()
            .map(OutboxRow::try_from)
            .collect::<StoreResult<Vec<_>>>()?;
        claimed.sort_by_key(|r| (r.due_at, r.id));
        Ok(claimed)
    }

    /// The claim in one statement whose text never changes: the (id, prompt) pairs go as one
    /// JSON value, so the statement is prepared once per connection and no parameter is sent
    /// per row. The rows are locked in the claim's own subquery, skipping those another claim
    /// holds, so two claimers never wait for each other (nor deadlock). Time measured the same
    /// either way (a 500-row claim 17-21 ms, the rows' updates and locks are the cost); what it
    /// spares is parsing and planning a fresh 1,000-parameter statement on every claim.
    async fn claim_on_postgres(
        &self,
        now: DateTime<Utc>,
        claimer: &str,
        lease_secs: i64,
        chosen: &[(i64, Option<String>)],
    ) -> StoreResult<Vec<StoredOutbox>> {
        #[derive(serde::Serialize)]
        struct Chosen<'a> {
            id: i64,
            prompt: Option<&'a str>,
        }
        let pairs: Vec<Chosen> = chosen
            .iter()
            .map(|(id, prompt)| Chosen {
                id: *id,
                prompt: prompt.as_deref(),
            })
            .collect();
        let pairs = serde_json::to_string(&pairs)
            .map_err(|e| StoreError::Corrupt(format!("chosen prompts as JSON: {e}")))?;
        // Built once: the text is the same for every claim.
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "WITH chosen (id, prompt) AS (
                   SELECT c.id, c.prompt FROM json_to_recordset($1::json) AS c(id BIGINT, prompt TEXT))
                 UPDATE outbox SET status = 'claimed', claimed_by = $2, claim_until = $3,
                   attempts = attempts + 1, prompt_id = COALESCE(outbox.prompt_id, chosen.prompt)
                 FROM chosen WHERE outbox.id = chosen.id
                   AND outbox.id = ANY(ARRAY(SELECT o.id FROM outbox o JOIN chosen c ON c.id = o.id
                     WHERE {} FOR UPDATE OF o SKIP LOCKED))
                 RETURNING {CLAIMED_COLUMNS}",
                CLAIMABLE.replace("{t}", "o").replace("{now}", "$4")
            )
        });
        Ok(
            sqlx::query_as::<_, StoredOutbox>(AssertSqlSafe(SQL.as_str()))
                .bind(pairs)
                .bind(claimer)
                .bind(ts(now) + lease_secs)
                .bind(ts(now))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The claim of one chunk, the (id, prompt) pairs as a `VALUES` list: SQLite reads rows
    /// from JSON slower than from one (1,000 outbox rows inserted through `json_each`: 14
    /// against 10 ms). SQLite's single writer keeps claimers apart.
    async fn claim_on_sqlite(
        &self,
        now: DateTime<Utc>,
        claimer: &str,
        lease_secs: i64,
        chunk: &[(i64, Option<String>)],
    ) -> StoreResult<Vec<StoredOutbox>> {
        // format! builds only placeholders, in the order their values are bound: the
        // (id, prompt) pairs, the claimer, its lease, then `now` where the claim checks it.
        let mut params = self.params();
        let pairs: Vec<String> = (0..chunk.len())
            .map(|_| format!("({}, {})", params.one(), params.one()))
            .collect();
        let (claimer_at, until_at) = (params.one(), params.one());
        let claimable = CLAIMABLE
            .replace("{t}", "outbox")
            .replacen("{now}", &params.one(), 1)
            .replacen("{now}", &params.one(), 1);
        let sql = format!(
            "WITH chosen (id, prompt) AS (VALUES {})
             UPDATE outbox SET status = 'claimed', claimed_by = {claimer_at},
               claim_until = {until_at}, attempts = attempts + 1,
               prompt_id = COALESCE(outbox.prompt_id, chosen.prompt)
             FROM chosen WHERE outbox.id = chosen.id AND {claimable}
             RETURNING {CLAIMED_COLUMNS}",
            pairs.join(", ")
        );
        // Never kept prepared: kept at the full batch, each connection's copy raised the
        // scale run's peak by about 5 MiB (34 -> 40 MiB at 1,000 wpbs, 55 -> 59 at 10,000).
        let mut q = sqlx::query_as::<_, StoredOutbox>(AssertSqlSafe(sql)).persistent(false);
        for (id, prompt) in chunk {
            q = q.bind(*id).bind(prompt.clone());
        }
        Ok(q.bind(claimer)
            .bind(ts(now) + lease_secs)
            .bind(ts(now))
            .bind(ts(now))
            .fetch_all(&self.pool)
            .await?)
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

    /// The row with this key and its status.
    pub async fn outbox_by_key(&self, key: &str) -> StoreResult<Option<(OutboxRow, OutboxStatus)>> {
        sqlx::query_as::<_, StoredOutboxWithStatus>(concat!(
            "SELECT ",
            outbox_columns!(),
            ", status FROM outbox WHERE key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| {
            Ok((
                OutboxRow::try_from(r.row)?,
                OutboxStatus::from_stored(&r.status)?,
            ))
        })
        .transpose()
    }

    /// The most recent prompt sent to a wpb since `since` that has no reflection yet.
    pub async fn latest_open_prompt(
        &self,
        wpb: &PersonId,
        since: DateTime<Utc>,
    ) -> StoreResult<Option<(String, Option<String>)>> {
        let row = sqlx::query(
            "SELECT o.key AS key, o.prompt_id AS prompt_id FROM outbox o
             WHERE o.recipient = $1 AND o.kind = 'prompt' AND o.status = 'sent' AND o.sent_at >= $2
               AND NOT EXISTS (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)
             ORDER BY o.sent_at DESC, o.id DESC LIMIT 1",
        )
        .bind(wpb.as_str())
        .bind(ts(since))
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((row.try_get("key")?, row.try_get("prompt_id")?))),
            None => Ok(None),
        }
    }

    /// Counts per (recipient, kind, status), for summaries and tests.
    pub async fn outbox_counts(&self) -> StoreResult<Vec<(String, String, String, i64)>> {
        sqlx::query(
            "SELECT recipient, kind, status, COUNT(*) AS n FROM outbox GROUP BY recipient, kind, status ORDER BY recipient, kind, status",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok((
                row.try_get("recipient")?,
                row.try_get("kind")?,
                row.try_get("status")?,
                row.try_get("n")?,
            ))
        })
        .collect()
    }
}
