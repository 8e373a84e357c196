//! Batched reads and writes for the tick: one round trip per batch instead of one per row,
//! and one transaction per batch of outcomes. Keeps a tick with 1,000 due slots cheap.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, FromRow, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

use super::outbox::{NewOutbox, OutboxStatus, insert_many_in};
use super::people::{PairingRow, PersonRow, person_columns};
use super::school::{SchoolOverrides, cadence_from};
use super::signals::value_from;
use super::{Backend, Params, Store, StoreError, StoreResult, backend_of, from_ts, parse_day, ts};
use crate::domain::klik::KlikValue;
use crate::domain::reminder::RemindedPrompt;
use crate::domain::roster::{Pairing, PairingId, Person, PersonId};
use crate::domain::schedule::{Cadence, DateRange};

/// Everything the tick needs about one recipient, read in bulk.
#[derive(Debug, Clone)]
pub struct RecipientContext {
    /// The person.
    pub person: Person,
    /// Pairings in which this person is the wpb.
    pub pairings: Vec<(PairingId, Pairing)>,
    /// The person's pauses, earliest first.
    pub pauses: Vec<DateRange>,
    /// Prompts sent since the history horizon: (prompt id, sent at), oldest first.
    pub history: Vec<(String, DateTime<Utc>)>,
    /// The wpb's own latest klik signal since the signal horizon.
    pub latest_own_signal: Option<(KlikValue, DateTime<Utc>)>,
    /// Due time of the latest prompt slot in the outbox, in any state.
    pub last_due: Option<DateTime<Utc>>,
    /// The person's stable jitter seed.
    pub seed: u64,
    /// The wpb's own cadence (`/ritme`), over the school's.
    pub cadence: Option<Cadence>,
    /// The school's settings changed through the bot, over the configuration file.
    pub school: SchoolOverrides,
}

/// What became of one claimed row.
#[derive(Debug, Clone, PartialEq)]
pub struct Finish {
    /// The claimed outbox row.
    pub id: i64,
    /// What became of it: sent, skipped or failed.
    pub status: OutboxStatus,
    /// Why, when it was not simply sent.
    pub note: Option<String>,
    /// Messages its sending sets off (a reminder, a follow-up question).
    pub follow_ups: Vec<NewOutbox>,
    /// The wpb's next prompt slot, planned in the same transaction.
    pub next_slot: Option<NewOutbox>,
    /// A wpb whose next prompt slot must be planned by the planner (also done when
    /// `next_slot`'s key turns out to be used already).
    pub replan: Option<PersonId>,
}

/// Items per statement: a whole batch of the tick (500 rows) in one. Each statement costs a
/// round trip (on SQLite a hand-off to the connection's thread and back, 0.1-0.2 ms), which
/// in statements of 100 cost more than the reads themselves.
pub(super) const CHUNK: usize = 500;

/// Whether a statement over `n` values stays prepared on its connection: only at the full
/// chunk, so each connection keeps one of each kind. Every other length is prepared for its
/// one use; cached, each would hold its own program (a few hundred KB at 500 values) until
/// the cache's hundred entries per connection filled.
fn stays_prepared(n: usize) -> bool {
    n == CHUNK
}

fn ids_of(people: &[PersonId]) -> Vec<String> {
    people.iter().map(|p| p.as_str().to_string()).collect()
}

/// `$query` with `$values` bound in order, kept prepared only at the full chunk.
macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let values = $values;
        let mut q = $query.persistent(stays_prepared(values.len()));
        for v in values {
            q = q.bind(v);
        }
        q
    }};
}

/// A person with what planning needs, by column name.
#[derive(FromRow, serde::Deserialize)]
struct ContextRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    person: PersonRow,
    seed: i64,
    cadence: Option<i64>,
    school_cadence: Option<i64>,
    school_reminder: Option<i64>,
}

/// A pairing with its student's name, by column name.
#[derive(FromRow, serde::Deserialize)]
struct PairingWithName {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pairing: PairingRow,
    student_name: String,
}

/// A pause, by column name.
#[derive(FromRow, serde::Deserialize)]
struct PauseRow {
    person_id: String,
    start_day: String,
    end_day: String,
}

/// A wpb's latest prompt slot, by column name.
#[derive(FromRow, serde::Deserialize)]
struct LastDueRow {
    recipient: String,
    last_due: Option<i64>,
}

/// A prompt sent, by column name.
#[derive(FromRow, serde::Deserialize)]
struct HistoryRow {
    recipient: String,
    prompt_id: Option<String>,
    sent_at: Option<i64>,
}

/// A wpb's own klik signal, by column name.
#[derive(FromRow, serde::Deserialize)]
struct OwnSignalRow {
    wpb_id: String,
    value: i64,
    at: i64,
}

/// A statement with its values bound.
type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// The contexts being built for one chunk, by person.
type Contexts = HashMap<PersonId, RecipientContext>;

impl Store {
    /// Context of every listed person (unknown ids are simply absent), plus the names of
    /// the students in their pairings.
    pub async fn recipient_contexts(
        &self,
        people: &[PersonId],
        // (prompt history horizon, own signal horizon); None when only planning data is needed.
        horizons: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> StoreResult<(
        HashMap<PersonId, RecipientContext>,
        HashMap<PersonId, String>,
    )> {
        let (mut contexts, mut names) = (HashMap::new(), HashMap::new());
        for chunk in people.chunks(CHUNK) {
            let (c, n) = self.contexts_of_chunk(chunk, horizons).await?;
            contexts.extend(c);
            names.extend(n);
        }
        Ok((contexts, names))
    }

    /// One chunk's contexts. On PostgreSQL the six reads run at once, each on a pooled
    /// connection, so the server works on them side by side instead of waiting for each round
    /// trip in turn (the 1,000-slot tick 168 -> 142 ms). On SQLite they run one after the
    /// other: at once, each on a connection with its own page cache, they raised the scale
    /// run's peak from 55 to 63 MiB.
    async fn contexts_of_chunk(
        &self,
        people: &[PersonId],
        horizons: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> StoreResult<(Contexts, HashMap<PersonId, String>)> {
        if people.is_empty() {
            return Ok((HashMap::new(), HashMap::new()));
        }
        let ids = ids_of(people);
        let (bare, pairings, pauses, last_due) = (
            self.bare_contexts(&ids),
            self.wpb_pairings(&ids),
            self.pauses_of(&ids),
            self.last_due_of(&ids),
        );
        let recent = async {
            match horizons {
                Some((history_since, signal_since)) => {
                    let history = self.histories(&ids, history_since);
                    let signals = self.latest_own_signals(&ids, signal_since);
                    match self.backend {
                        Backend::Postgres => tokio::try_join!(history, signals),
                        Backend::Sqlite => Ok((history.await?, signals.await?)),
                    }
                }
                None => Ok((Vec::new(), Vec::new())),
            }
        };
        let (mut out, pairings, pauses, last_due, (history, signals)) = match self.backend {
            Backend::Postgres => tokio::try_join!(bare, pairings, pauses, last_due, recent)?,
            Backend::Sqlite => (
                bare.await?,
                pairings.await?,
                pauses.await?,
                last_due.await?,
                recent.await?,
            ),
        };
        let mut names = HashMap::new();
        for (id, pairing, student_name) in pairings {
            names.insert(pairing.student.clone(), student_name);
            if let Some(ctx) = out.get_mut(&pairing.wpb) {
                ctx.pairings.push((id, pairing));
            }
        }
        for (who, range) in pauses {
            if let Some(ctx) = out.get_mut(&who) {
                ctx.pauses.push(range);
            }
        }
        for (who, due) in last_due {
            if let Some(ctx) = out.get_mut(&who) {
                ctx.last_due = Some(due);
            }
        }
        for (who, sent) in history {
            if let Some(ctx) = out.get_mut(&who) {
                ctx.history.push(sent);
            }
        }
        // Oldest first: the last one read for a wpb is their latest.
        for (who, signal) in signals {
            if let Some(ctx) = out.get_mut(&who) {
                ctx.latest_own_signal = Some(signal);
            }
        }
        Ok((out, names))
    }

    /// The rows of `SELECT {columns} {from}`, in `order` (of column names), decoded by column
    /// name; `columns` are (name, expression) pairs. On SQLite they come back as one JSON
    /// array that SQLite builds itself: as rows, each is handed across from the connection's
    /// thread and copied twice on its way (500 of 20,000 people read 1.8 -> 0.95 ms, 1,500
    /// rows 3.5 -> 1.5 ms; the 1,000-slot tick's median 95-116 -> 85-91 ms). On PostgreSQL
    /// plain rows: as JSON the same 500 took longer (1.8 -> 2.4 ms).
    async fn read_rows<'q, T>(
        &self,
        columns: &[(&str, &str)],
        from: &str,
        order: &str,
        bind: impl FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
    ) -> StoreResult<Vec<T>>
    where
        T: for<'r> FromRow<'r, AnyRow> + serde::de::DeserializeOwned,
    {
        // format! builds only from the callers' constant column names and expressions and the
        // placeholders in `from`; every value is bound.
        let select: Vec<String> = columns
            .iter()
            .map(|(name, expr)| format!("{expr} AS {name}"))
            .collect();
        let select = format!("SELECT {} {from}", select.join(", "));
        let order_by = |what: &str| match order {
            "" => what.to_string(),
            _ => format!("{what} ORDER BY {order}"),
        };
        match self.backend {
            Backend::Postgres => {
                let rows = bind(sqlx::query(AssertSqlSafe(order_by(&select))))
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(T::from_row).collect::<Result<_, _>>()?)
            }
            Backend::Sqlite => {
                let object: Vec<String> = columns
                    .iter()
                    .map(|(name, _)| format!("'{name}', {name}"))
                    .collect();
                let object = format!("json_object({})", object.join(", "));
                let sql = format!(
                    "SELECT json_group_array({}) AS rows FROM ({select})",
                    order_by(&object)
                );
                let rows: String = bind(sqlx::query(AssertSqlSafe(sql)))
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("rows")?;
                serde_json::from_str(&rows)
                    .map_err(|e| StoreError::Corrupt(format!("rows read as JSON: {e}")))
            }
        }
    }

    /// The listed people with their seed and cadences, nothing else filled in yet.
    async fn bare_contexts(&self, ids: &[String]) -> StoreResult<Contexts> {
        let overrides = [
            ("seed", "seed"),
            ("cadence", "cadence"),
            (
                "school_cadence",
                "(SELECT o.cadence FROM school_overrides o WHERE o.school_id = people.school_id)",
            ),
            (
                "school_reminder",
                "(SELECT o.reminder FROM school_overrides o WHERE o.school_id = people.school_id)",
            ),
        ];
        let columns: Vec<(&str, &str)> = person_columns!()
            .split(", ")
            .map(|c| (c, c))
            .chain(overrides)
            .collect();
        // format! builds only the placeholder list of the ids.
        let from = format!(
            "FROM people WHERE id IN ({})",
            self.params().list(ids.len())
        );
        let rows: Vec<ContextRow> = self
            .read_rows(&columns, &from, "", |q| bind_all!(q, ids))
            .await?;
        let mut out = HashMap::new();
        for row in rows {
            let ctx = RecipientContext {
                person: row.person.into_person()?,
                pairings: vec![],
                pauses: vec![],
                history: vec![],
                latest_own_signal: None,
                last_due: None,
                seed: row.seed as u64,
                cadence: cadence_from(row.cadence)?,
                school: SchoolOverrides {
                    cadence: cadence_from(row.school_cadence)?,
                    reminder: row.school_reminder.map(|r| r != 0),
                },
            };
            out.insert(ctx.person.id.clone(), ctx);
        }
        Ok(out)
    }

    /// The pairings in which the listed people are the wpb, earliest first, each with its
    /// student's name.
    async fn wpb_pairings(&self, ids: &[String]) -> StoreResult<Vec<(PairingId, Pairing, String)>> {
        let columns = [
            ("id", "p.id"),
            ("wpb_id", "p.wpb_id"),
            ("student_id", "p.student_id"),
            ("start_day", "p.start_day"),
            ("end_day", "p.end_day"),
            ("student_name", "s.name"),
        ];
        // format! builds only the placeholder list of the ids.
        let from = format!(
            "FROM pairings p JOIN people s ON s.id = p.student_id WHERE p.wpb_id IN ({})",
            self.params().list(ids.len())
        );
        let rows: Vec<PairingWithName> = self
            .read_rows(&columns, &from, "start_day, id", |q| bind_all!(q, ids))
            .await?;
        rows.into_iter()
            .map(|row| {
                let (id, pairing) = row.pairing.into_pairing()?;
                Ok((id, pairing, row.student_name))
            })
            .collect()
    }

    /// The listed people's pauses, earliest first.
    async fn pauses_of(&self, ids: &[String]) -> StoreResult<Vec<(PersonId, DateRange)>> {
        let columns = [
            ("person_id", "person_id"),
            ("start_day", "start_day"),
            ("end_day", "end_day"),
        ];
        // format! builds only the placeholder list of the ids.
        let from = format!(
            "FROM pauses WHERE person_id IN ({})",
            self.params().list(ids.len())
        );
        let rows: Vec<PauseRow> = self
            .read_rows(&columns, &from, "start_day", |q| bind_all!(q, ids))
            .await?;
        rows.into_iter()
            .map(|row| {
                let range = DateRange {
                    start: parse_day(&row.start_day)?,
                    end: parse_day(&row.end_day)?,
                };
                Ok((PersonId::from_trusted(row.person_id), range))
            })
            .collect()
    }

    /// The due time of each listed person's latest prompt slot, in any state.
    async fn last_due_of(&self, ids: &[String]) -> StoreResult<Vec<(PersonId, DateTime<Utc>)>> {
        let columns = [("recipient", "recipient"), ("last_due", "MAX(due_at)")];
        // format! builds only the placeholder list of the ids.
        let from = format!(
            "FROM outbox WHERE recipient IN ({}) AND kind = 'prompt' GROUP BY recipient",
            self.params().list(ids.len())
        );
        let rows: Vec<LastDueRow> = self
            .read_rows(&columns, &from, "", |q| bind_all!(q, ids))
            .await?;
        let mut out = Vec::new();
        for row in rows {
            if let Some(due) = row.last_due {
                out.push((PersonId::from_trusted(row.recipient), from_ts(due)?));
            }
        }
        Ok(out)
    }

    /// The prompts sent to the listed people since `since`: (prompt id, sent at), oldest first.
    async fn histories(
        &self,
        ids: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(PersonId, (String, DateTime<Utc>))>> {
        let columns = [
            ("recipient", "recipient"),
            ("prompt_id", "prompt_id"),
            ("sent_at", "sent_at"),
            ("due_at", "due_at"),
        ];
        // format! builds only placeholders: the list of the ids and the one after it.
        let mut params = self.params();
        let from = format!(
            "FROM outbox WHERE recipient IN ({}) AND kind = 'prompt' AND status = 'sent' AND due_at >= {}",
            params.list(ids.len()),
            params.one()
        );
        let rows: Vec<HistoryRow> = self
            .read_rows(&columns, &from, "due_at", |q| {
                bind_all!(q, ids).bind(ts(since))
            })
            .await?;
        let mut out = Vec::new();
        for row in rows {
            if let (Some(prompt), Some(sent_at)) = (row.prompt_id, row.sent_at) {
                let who = PersonId::from_trusted(row.recipient);
                out.push((who, (prompt, from_ts(sent_at)?)));
            }
        }
        Ok(out)
    }

    /// The listed wpbs' own klik signals since `since`, oldest first.
    async fn latest_own_signals(
        &self,
        ids: &[String],
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<(PersonId, (KlikValue, DateTime<Utc>))>> {
        let columns = [
            ("wpb_id", "p.wpb_id"),
            ("value", "k.value"),
            ("at", "k.at"),
            ("id", "k.id"),
        ];
        // format! builds only placeholders: the list of the ids and the one after it.
        let mut params = self.params();
        let from = format!(
            "FROM pairings p JOIN klik_signals k ON k.pairing_id = p.id
             WHERE p.wpb_id IN ({}) AND k.source = 'wpb' AND k.at >= {}",
            params.list(ids.len()),
            params.one()
        );
        let rows: Vec<OwnSignalRow> = self
            .read_rows(&columns, &from, "at, id", |q| {
                bind_all!(q, ids).bind(ts(since))
            })
            .await?;
        rows.into_iter()
            .map(|row| {
                let who = PersonId::from_trusted(row.wpb_id);
                Ok((who, (value_from(row.value)?, from_ts(row.at)?)))
            })
            .collect()
    }

    /// Wpbs marked for (re)planning, at most `limit`, with what planning needs.
    pub async fn plan_targets(&self, limit: i64) -> StoreResult<Vec<RecipientContext>> {
        let ids = sqlx::query("SELECT id FROM people WHERE needs_plan = 1 ORDER BY id LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| Ok(PersonId::from_trusted(row.try_get::<String, _>("id")?)))
            .collect::<StoreResult<Vec<_>>>()?;
        let (mut contexts, _) = self.recipient_contexts(&ids, None).await?;
        Ok(ids.iter().filter_map(|id| contexts.remove(id)).collect())
    }

    /// Inserts each wpb's next slot and clears their mark, in one transaction. Returns, per
    /// entry, false when that slot's key was used before (that wpb stays marked). A wpb whose
    /// mark another process cleared since it was read is left as that process planned it
    /// (true): planning it again would put its next slot one further ahead.
    pub async fn plan_slots(
        &self,
        plans: &[(PersonId, Option<NewOutbox>)],
    ) -> StoreResult<Vec<bool>> {
        let mut tx = self.begin().await?;
        // Outbox rows before people, the order every other writer locks them in: claiming
        // the mark first could deadlock on PostgreSQL with a transaction that holds this
        // slot's key and then marks the wpb.
        let rows: Vec<NewOutbox> = plans.iter().filter_map(|(_, r)| r.clone()).collect();
        let mut inserted = insert_many_in(&mut tx, &rows).await?;
        let ids: Vec<String> = plans.iter().map(|(w, _)| w.as_str().to_string()).collect();
        let claimed = claim_marks_in(&mut tx, &ids).await?;
        let not_ours: Vec<String> = plans
            .iter()
            .filter(|(w, _)| !claimed.contains(w.as_str()))
            .filter_map(|(_, r)| r.as_ref().map(|r| r.key.clone()))
            .filter(|key| inserted.remove(key))
            .collect();
        delete_planned_in(&mut tx, &not_ours).await?;
        let done: Vec<bool> = plans
            .iter()
            .map(|(w, r)| {
                !claimed.contains(w.as_str())
                    || r.as_ref().is_none_or(|r| inserted.contains(&r.key))
            })
            .collect();
        let unplaced: Vec<String> = plans
            .iter()
            .zip(&done)
            .filter(|(_, ok)| !**ok)
            .map(|((wpb, _), _)| wpb.as_str().to_string())
            .collect();
        mark_many_for_planning_in(&mut tx, &unplaced).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Records the outcomes of claimed rows with their follow-ups, atomically. Per entry,
    /// false when the claim was lost (another process took over a lapsed lease).
    pub async fn finish_many(
        &self,
        claimer: &str,
        at: DateTime<Utc>,
        outcomes: &[Finish],
    ) -> StoreResult<Vec<bool>> {
        let mut tx = self.begin().await?;
        let mut recorded = HashSet::new();
        // One statement per (status, note) group: most of a batch shares "sent" and no note.
        let mut groups: BTreeMap<(&str, Option<&str>), Vec<i64>> = BTreeMap::new();
        for f in outcomes {
            groups
                .entry((f.status.as_str(), f.note.as_deref()))
                .or_default()
                .push(f.id);
        }
        for ((status, note), ids) in groups {
            for chunk in ids.chunks(CHUNK) {
                // format! builds only placeholders, in the order their values are bound.
                let mut p = Params::on(&tx);
                let sql = format!(
                    "UPDATE outbox SET status = {}, sent_at = {}, note = {}, claim_until = NULL
                     WHERE status = 'claimed' AND claimed_by = {} AND id IN ({}) RETURNING id",
                    p.one(),
                    p.one(),
                    p.one(),
                    p.one(),
                    p.list(chunk.len())
                );
                let q = sqlx::query(AssertSqlSafe(sql))
                    .bind(status)
                    .bind(ts(at))
                    .bind(note.map(str::to_string))
                    .bind(claimer);
                for row in bind_all!(q, chunk).fetch_all(&mut *tx).await? {
                    recorded.insert(row.try_get::<i64, _>("id")?);
                }
            }
        }
        let kept: Vec<&Finish> = outcomes
            .iter()
            .filter(|f| recorded.contains(&f.id))
            .collect();
        let rows: Vec<NewOutbox> = kept
            .iter()
            .flat_map(|f| f.follow_ups.iter().chain(&f.next_slot).cloned())
            .collect();
        let inserted = insert_many_in(&mut tx, &rows).await?;
        // A next slot whose key was used before goes to the planner, which looks further.
        let unplaced = kept
            .iter()
            .filter_map(|f| f.next_slot.as_ref())
            .filter(|n| !inserted.contains(&n.key));
        let replan: Vec<String> = kept
            .iter()
            .filter_map(|f| f.replan.as_ref())
            .chain(unplaced.map(|n| &n.recipient))
            .map(|p| p.as_str().to_string())
            .collect();
        mark_many_for_planning_in(&mut tx, &replan).await?;
        tx.commit().await?;
        Ok(outcomes.iter().map(|f| recorded.contains(&f.id)).collect())
    }
}

/// Runs `sql` once per chunk of `values`, `{list}` in it standing for the chunk's
/// placeholders, and returns every row the statements give back.
async fn per_chunk_in(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    values: &[String],
) -> StoreResult<Vec<AnyRow>> {
    // In ascending order, chunk after chunk: two transactions over overlapping values then
    // take their row locks in the same order.
    let mut values = values.to_vec();
    values.sort_unstable();
    values.dedup();
    let mut rows = Vec::new();
    for chunk in values.chunks(CHUNK) {
        // Only the placeholder list goes into the text; the values are bound.
        let sql = sql.replace("{list}", &Params::on(conn).list(chunk.len()));
        rows.extend(
            bind_all!(sqlx::query(AssertSqlSafe(sql)), chunk)
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(rows)
}

/// The condition "`people.id` is in `{list}`". On PostgreSQL it locks those rows first, in
/// the order of their ids: an `UPDATE … WHERE id IN (…)` locks in its plan's order, and two
/// processes planning the same wpbs (after a roster import, say) deadlocked on the marks
/// (`wandelgang bench claims` with four processes, in five runs of six).
fn people_listed(conn: &sqlx::AnyConnection) -> &'static str {
    match backend_of(conn) {
        Backend::Sqlite => "id IN ({list})",
        Backend::Postgres => {
            "id = ANY(ARRAY(SELECT id FROM people WHERE id IN ({list}) ORDER BY id FOR NO KEY UPDATE))"
        }
    }
}

/// Clears the planning mark of those of `people` who still have it, and returns them. On
/// PostgreSQL a mark another transaction is clearing waits for it and is then not returned.
async fn claim_marks_in(
    conn: &mut sqlx::AnyConnection,
    people: &[String],
) -> StoreResult<HashSet<String>> {
    let sql = format!(
        "UPDATE people SET needs_plan = 0 WHERE needs_plan = 1 AND {} RETURNING id",
        people_listed(conn)
    );
    per_chunk_in(conn, &sql, people)
        .await?
        .iter()
        .map(|row| Ok(row.try_get("id")?))
        .collect()
}

/// Deletes the planned rows with these keys.
async fn delete_planned_in(conn: &mut sqlx::AnyConnection, keys: &[String]) -> StoreResult<()> {
    per_chunk_in(
        conn,
        "DELETE FROM outbox WHERE status = 'planned' AND key IN ({list})",
        keys,
    )
    .await?;
    Ok(())
}

/// Marks the listed people for planning: the next tick plans each one's next slot after
/// their last one.
pub(crate) async fn mark_many_for_planning_in(
    conn: &mut sqlx::AnyConnection,
    people: &[String],
) -> StoreResult<()> {
    let sql = format!(
        "UPDATE people SET needs_plan = 1 WHERE {}",
        people_listed(conn)
    );
    per_chunk_in(conn, &sql, people).await?;
    Ok(())
}

impl Store {
    /// The sent prompts with these keys as their reminders find them: when each went, whether
    /// it was answered, and whether a later prompt went to the same wpb. A key not stored as a
    /// sent prompt is absent.
    pub async fn reminded_prompts(
        &self,
        keys: &[String],
    ) -> StoreResult<HashMap<String, RemindedPrompt>> {
        let mut out = HashMap::new();
        for chunk in keys.chunks(CHUNK) {
            // format! builds only the placeholder list of the keys.
            let sql = format!(
                "SELECT o.key AS key, o.sent_at AS sent_at,
                   (SELECT COUNT(*) FROM reflections r WHERE r.prompt_key = o.key) AS answers,
                   (SELECT COUNT(*) FROM outbox n
                     WHERE n.recipient = o.recipient AND n.kind = 'prompt' AND n.status = 'sent'
                       AND n.sent_at > o.sent_at) AS newer
                 FROM outbox o
                 WHERE o.key IN ({list}) AND o.kind = 'prompt' AND o.status = 'sent'
                   AND o.sent_at IS NOT NULL",
                list = self.params().list(chunk.len())
            );
            for row in bind_all!(sqlx::query(AssertSqlSafe(sql)), chunk)
                .fetch_all(&self.pool)
                .await?
            {
                out.insert(
                    row.try_get("key")?,
                    RemindedPrompt {
                        sent_at: from_ts(row.try_get("sent_at")?)?,
                        answered: row.try_get::<i64, _>("answers")? > 0,
                        newer_prompt: row.try_get::<i64, _>("newer")? > 0,
                    },
                );
            }
        }
        Ok(out)
    }
}
