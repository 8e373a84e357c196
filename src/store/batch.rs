//! Batched reads and writes for the tick: one round trip per batch instead of one per row,
//! and one transaction per batch of outcomes. Keeps a tick with 1,000 due slots cheap.

use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::outbox::{NewOutbox, OutboxStatus, insert_many_in};
use super::people::{PERSON_COLUMNS, pairing_from, person_from};
use super::school::{SchoolOverrides, cadence_from};
use super::{Store, StoreResult, from_ts, parse_day, ts};
use crate::domain::klik::KlikValue;
use crate::domain::roster::{Pairing, PairingId, Person, PersonId};
use crate::domain::schedule::{Cadence, DateRange};

/// Everything the tick needs about one recipient, read in bulk.
#[derive(Debug, Clone)]
pub struct RecipientContext {
    pub person: Person,
    /// Pairings in which this person is the wpb.
    pub pairings: Vec<(PairingId, Pairing)>,
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
    pub id: i64,
    pub status: OutboxStatus,
    pub note: Option<String>,
    pub follow_ups: Vec<NewOutbox>,
    /// The wpb's next prompt slot, planned in the same transaction.
    pub next_slot: Option<NewOutbox>,
    /// A wpb whose next prompt slot must be planned by the planner (also done when
    /// `next_slot`'s key turns out to be used already).
    pub replan: Option<PersonId>,
}

/// Items per statement. sqlx's cost to bind grows faster than linearly with the number of
/// parameters, so many mid-sized statements beat one huge one.
const CHUNK: usize = 100;

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ids_of(people: &[PersonId]) -> Vec<String> {
    people.iter().map(|p| p.as_str().to_string()).collect()
}

macro_rules! bind_all {
    ($query:expr, $values:expr) => {{
        let mut q = $query;
        for v in $values {
            q = q.bind(v);
        }
        q
    }};
}

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

    async fn contexts_of_chunk(
        &self,
        people: &[PersonId],
        // (prompt history horizon, own signal horizon); None when only planning data is needed.
        horizons: Option<(DateTime<Utc>, DateTime<Utc>)>,
    ) -> StoreResult<(
        HashMap<PersonId, RecipientContext>,
        HashMap<PersonId, String>,
    )> {
        let mut out = HashMap::new();
        if people.is_empty() {
            return Ok((out, HashMap::new()));
        }
        let ids = ids_of(people);
        let n = ids.len();
        let list = placeholders(1, n);
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, seed, cadence, \
             (SELECT o.cadence FROM school_overrides o WHERE o.school_id = people.school_id), \
             (SELECT o.reminder FROM school_overrides o WHERE o.school_id = people.school_id) \
             FROM people WHERE id IN ({list})"
        );
        type WithSeed = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
            Option<i64>,
            Option<i64>,
        );
        let rows = bind_all!(sqlx::query_as::<_, WithSeed>(AssertSqlSafe(sql)), &ids)
            .fetch_all(&self.pool)
            .await?;
        for (a, b, c, d, e, f, g, seed, own, school_cadence, reminder) in rows {
            let ctx = RecipientContext {
                person: person_from((a, b, c, d, e, f, g))?,
                pairings: vec![],
                pauses: vec![],
                history: vec![],
                latest_own_signal: None,
                last_due: None,
                seed: seed as u64,
                cadence: cadence_from(own)?,
                school: SchoolOverrides {
                    cadence: cadence_from(school_cadence)?,
                    reminder: reminder.map(|r| r != 0),
                },
            };
            out.insert(ctx.person.id.clone(), ctx);
        }
        let sql = format!(
            "SELECT p.id, p.wpb_id, p.student_id, p.start_day, p.end_day, s.name
             FROM pairings p JOIN people s ON s.id = p.student_id
             WHERE p.wpb_id IN ({list}) ORDER BY p.start_day, p.id"
        );
        let mut names = HashMap::new();
        type PairingWithName = (i64, String, String, String, String, String);
        for (a, b, c, d, e, name) in bind_all!(
            sqlx::query_as::<_, PairingWithName>(AssertSqlSafe(sql)),
            &ids
        )
        .fetch_all(&self.pool)
        .await?
        {
            let (id, pairing) = pairing_from((a, b, c, d, e))?;
            names.insert(pairing.student.clone(), name);
            if let Some(ctx) = out.get_mut(&pairing.wpb) {
                ctx.pairings.push((id, pairing));
            }
        }
        let sql = format!(
            "SELECT person_id, start_day, end_day FROM pauses WHERE person_id IN ({list}) ORDER BY start_day"
        );
        for (who, start, end) in bind_all!(
            sqlx::query_as::<_, (String, String, String)>(AssertSqlSafe(sql)),
            &ids
        )
        .fetch_all(&self.pool)
        .await?
        {
            if let Some(ctx) = out.get_mut(&PersonId::from_trusted(who)) {
                ctx.pauses.push(DateRange {
                    start: parse_day(&start)?,
                    end: parse_day(&end)?,
                });
            }
        }
        let sql = format!(
            "SELECT recipient, MAX(due_at) FROM outbox WHERE recipient IN ({list}) AND kind = 'prompt' GROUP BY recipient"
        );
        for (who, due) in bind_all!(
            sqlx::query_as::<_, (String, Option<i64>)>(AssertSqlSafe(sql)),
            &ids
        )
        .fetch_all(&self.pool)
        .await?
        {
            if let (Some(ctx), Some(due)) = (out.get_mut(&PersonId::from_trusted(who)), due) {
                ctx.last_due = Some(from_ts(due)?);
            }
        }
        let Some((history_since, signal_since)) = horizons else {
            return Ok((out, names));
        };
        let sql = format!(
            "SELECT recipient, prompt_id, sent_at FROM outbox WHERE recipient IN ({list}) AND kind = 'prompt'
             AND status = 'sent' AND due_at >= ${} ORDER BY due_at",
            n + 1
        );
        let q = bind_all!(
            sqlx::query_as::<_, (String, Option<String>, Option<i64>)>(AssertSqlSafe(sql)),
            &ids
        )
        .bind(ts(history_since));
        for (who, prompt, sent_at) in q.fetch_all(&self.pool).await? {
            if let (Some(ctx), Some(prompt), Some(sent_at)) =
                (out.get_mut(&PersonId::from_trusted(who)), prompt, sent_at)
            {
                ctx.history.push((prompt, from_ts(sent_at)?));
            }
        }
        let sql = format!(
            "SELECT p.wpb_id, k.value, k.at FROM pairings p JOIN klik_signals k ON k.pairing_id = p.id
             WHERE p.wpb_id IN ({list}) AND k.source = 'wpb' AND k.at >= ${} ORDER BY k.at, k.id",
            n + 1
        );
        let q = bind_all!(
            sqlx::query_as::<_, (String, i64, i64)>(AssertSqlSafe(sql)),
            &ids
        )
        .bind(ts(signal_since));
        for (who, value, at) in q.fetch_all(&self.pool).await? {
            if let Some(ctx) = out.get_mut(&PersonId::from_trusted(who)) {
                ctx.latest_own_signal = Some((super::signals::value_from(value)?, from_ts(at)?));
            }
        }
        Ok((out, names))
    }

    /// Wpbs marked for (re)planning, at most `limit`, with what planning needs.
    pub async fn plan_targets(&self, limit: i64) -> StoreResult<Vec<RecipientContext>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM people WHERE needs_plan = 1 ORDER BY id LIMIT $1")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        let ids: Vec<PersonId> = rows
            .into_iter()
            .map(|(id,)| PersonId::from_trusted(id))
            .collect();
        let (mut contexts, _) = self.recipient_contexts(&ids, None).await?;
        Ok(ids.iter().filter_map(|id| contexts.remove(id)).collect())
    }

    /// Inserts each wpb's next slot and clears their mark, in one transaction. Returns, per
    /// entry, false when that slot's key was used before (that wpb stays marked).
    pub async fn plan_slots(
        &self,
        plans: &[(PersonId, Option<NewOutbox>)],
    ) -> StoreResult<Vec<bool>> {
        let mut tx = self.begin().await?;
        let rows: Vec<NewOutbox> = plans.iter().filter_map(|(_, r)| r.clone()).collect();
        let inserted = insert_many_in(&mut tx, &rows).await?;
        let done: Vec<bool> = plans
            .iter()
            .map(|(_, r)| r.as_ref().is_none_or(|r| inserted.contains(&r.key)))
            .collect();
        let cleared: Vec<String> = plans
            .iter()
            .zip(&done)
            .filter(|(_, ok)| **ok)
            .map(|((wpb, _), _)| wpb.as_str().to_string())
            .collect();
        set_needs_plan_in(&mut tx, &cleared, false).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Fixes the prompts chosen for claimed slots, so a resend after a crash repeats them
    /// exactly. Returns the ids still held by `claimer`.
    pub async fn set_prompts(
        &self,
        claimer: &str,
        choices: &[(i64, String)],
    ) -> StoreResult<Vec<i64>> {
        let mut kept = Vec::new();
        for chunk in choices.chunks(CHUNK) {
            let cases: Vec<String> = (0..chunk.len())
                .map(|i| format!("WHEN ${} THEN ${}", 2 * i + 2, 2 * i + 3))
                .collect();
            let ids = (0..chunk.len())
                .map(|i| format!("${}", 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "UPDATE outbox SET prompt_id = CASE id {} END
                 WHERE status = 'claimed' AND claimed_by = $1 AND id IN ({ids}) RETURNING id",
                cases.join(" ")
            );
            let mut q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql)).bind(claimer);
            for (id, prompt) in chunk {
                q = q.bind(*id).bind(prompt.as_str());
            }
            kept.extend(q.fetch_all(&self.pool).await?.into_iter().map(|(id,)| id));
        }
        Ok(kept)
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
                let sql = format!(
                    "UPDATE outbox SET status = $1, sent_at = $2, note = $3, claim_until = NULL
                     WHERE status = 'claimed' AND claimed_by = $4 AND id IN ({}) RETURNING id",
                    placeholders(5, chunk.len())
                );
                let q = sqlx::query_as::<_, (i64,)>(AssertSqlSafe(sql))
                    .bind(status)
                    .bind(ts(at))
                    .bind(note.map(str::to_string))
                    .bind(claimer);
                recorded.extend(
                    bind_all!(q, chunk)
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .map(|(id,)| id),
                );
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
        set_needs_plan_in(&mut tx, &replan, true).await?;
        tx.commit().await?;
        Ok(outcomes.iter().map(|f| recorded.contains(&f.id)).collect())
    }
}

async fn set_needs_plan_in(
    conn: &mut sqlx::AnyConnection,
    people: &[String],
    needs: bool,
) -> StoreResult<()> {
    for chunk in people.chunks(CHUNK) {
        let sql = format!(
            "UPDATE people SET needs_plan = {} WHERE id IN ({})",
            i64::from(needs),
            placeholders(1, chunk.len())
        );
        bind_all!(sqlx::query(AssertSqlSafe(sql)), chunk)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
