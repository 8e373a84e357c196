//! Klik signals and escalations. A signal and what it sets off (an escalation, its notices,
//! a follow-up question) are written in one transaction: nothing is half-recorded.

use chrono::{DateTime, Utc};

use sqlx::{AssertSqlSafe, FromRow};

use super::outbox::{NewOutbox, insert_in};
use super::people::{school_name_in, schoolopleiders_in};
use super::privacy::{ACTOR_BOT, audit_in, escalation_subject};
use super::reflections::{StoredReflection, reflections_of_in};
use super::{Backend, Store, StoreError, StoreResult, from_ts, ts};
use crate::domain::escalation::{
    Counting, EscalationDecision, EscalationRules, PastEscalation, SignalPoint, Trigger, WpbFacing,
    WpbView, counting,
};
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::roster::{PairingId, Person, PersonId, SchoolId};

/// A klik signal to record.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalWrite {
    /// The pairing it is about.
    pub pairing: PairingId,
    /// Which side of the pairing gave it.
    pub source: SignalSource,
    /// The signal itself.
    pub value: KlikValue,
    /// When it was given.
    pub at: DateTime<Utc>,
    /// Who gave it (for the audit trail).
    pub actor: PersonId,
}

/// What the store decided, with the inputs the decision saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The id of the signal just recorded.
    pub signal_id: i64,
    /// The signals that counted, oldest first.
    pub recent: Vec<SignalPoint>,
    /// What the domain decided.
    pub decision: EscalationDecision,
    /// Set when this signal opened a new escalation.
    pub escalation_id: Option<i64>,
    /// The escalation the wpb is told about now (new, or one already in progress that they
    /// did not know of); set only when `decision.wpb` is a notice.
    pub wpb_told_of: Option<i64>,
}

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationStatus {
    /// Nobody has taken it up yet.
    Open,
    /// A schoolopleider has taken it up.
    Acknowledged,
    /// Closed: the matter is settled.
    Resolved,
    /// Closed: handed on outside the bot.
    Moved,
}

impl EscalationStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "acknowledged",
            EscalationStatus::Resolved => "resolved",
            EscalationStatus::Moved => "moved",
        }
    }

    /// The status with this stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(Self::Open),
            "acknowledged" => Some(Self::Acknowledged),
            "resolved" => Some(Self::Resolved),
            "moved" => Some(Self::Moved),
            _ => None,
        }
    }

    /// Resolved or moved: no longer anyone's to act on.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::Moved)
    }

    /// A stored status, or [`StoreError::Corrupt`] for a name the code does not know.
    pub(crate) fn from_stored(s: &str) -> StoreResult<Self> {
        Self::parse(s).ok_or_else(|| StoreError::Corrupt(format!("escalation status `{s}`")))
    }
}

/// A stored escalation.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationRow {
    /// The escalation's id.
    pub id: i64,
    /// The pairing it is about.
    pub pairing: PairingId,
    /// Where it stands.
    pub status: EscalationStatus,
    /// The patterns that opened it.
    pub triggers: Vec<Trigger>,
    /// When it was opened.
    pub opened_at: DateTime<Utc>,
    /// Who acknowledged it, if anyone.
    pub acknowledged_by: Option<String>,
    /// Who closed it, if anyone.
    pub closed_by: Option<String>,
    /// The wpb was told someone will reach out about it.
    pub wpb_notified: bool,
}

fn value_score(v: KlikValue) -> i64 {
    i64::from(v.score())
}

pub(crate) fn value_from(score: i64) -> StoreResult<KlikValue> {
    match score {
        1 => Ok(KlikValue::Goed),
        0 => Ok(KlikValue::Twijfel),
        -1 => Ok(KlikValue::GeenKlik),
        other => Err(StoreError::Corrupt(format!("klik value {other}"))),
    }
}

pub(crate) fn source_from(s: &str) -> StoreResult<SignalSource> {
    match s {
        "wpb" => Ok(SignalSource::Wpb),
        "student" => Ok(SignalSource::Student),
        other => Err(StoreError::Corrupt(format!("signal source `{other}`"))),
    }
}

/// An `escalations` row by column name; the statement selecting it is fixed at compile time.
#[derive(FromRow)]
struct StoredEscalation {
    id: i64,
    pairing_id: i64,
    status: String,
    triggers: String,
    opened_at: i64,
    acknowledged_by: Option<String>,
    closed_by: Option<String>,
    wpb_notified: i64,
}

/// The start of every statement that reads a [`StoredEscalation`], as a literal for `concat!`.
macro_rules! select_escalations {
    () => {
        "SELECT id, pairing_id, status, triggers, opened_at, acknowledged_by, closed_by, wpb_notified FROM escalations"
    };
}

impl TryFrom<StoredEscalation> for EscalationRow {
    type Error = StoreError;

    fn try_from(row: StoredEscalation) -> StoreResult<Self> {
        Ok(EscalationRow {
            id: row.id,
            pairing: PairingId(row.pairing_id),
            status: EscalationStatus::from_stored(&row.status)?,
            triggers: serde_json::from_str(&row.triggers)
                .map_err(|e| StoreError::Corrupt(format!("escalation triggers: {e}")))?,
            opened_at: from_ts(row.opened_at)?,
            acknowledged_by: row.acknowledged_by,
            closed_by: row.closed_by,
            wpb_notified: row.wpb_notified != 0,
        })
    }
}

/// A `klik_signals` row by column name.
#[derive(FromRow)]
struct SignalRow {
    source: String,
    value: i64,
    at: i64,
}

/// Rows newest first, as a timeline oldest first.
fn timeline(mut rows: Vec<SignalRow>) -> StoreResult<Vec<SignalPoint>> {
    rows.reverse();
    rows.into_iter()
        .map(|row| {
            Ok(SignalPoint {
                source: source_from(&row.source)?,
                value: value_from(row.value)?,
                at: from_ts(row.at)?,
            })
        })
        .collect()
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Inserts the signal. On PostgreSQL the same statement first locks the pairing's row, which
/// serialises signals of one pairing so two at once cannot both miss a pattern: each reads the
/// windows only once it holds the lock, when the other's signal is committed. (SQLite's write
/// transaction already excludes every other writer.)
async fn insert_signal_in(tx: &mut Tx, backend: Backend, w: &SignalWrite) -> StoreResult<i64> {
    let sql = match backend {
        Backend::Sqlite => {
            "INSERT INTO klik_signals (pairing_id, source, value, at, actor_id)
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        }
        Backend::Postgres => {
            "WITH locked AS (SELECT id FROM pairings WHERE id = $1 FOR UPDATE)
             INSERT INTO klik_signals (pairing_id, source, value, at, actor_id)
             SELECT id, $2, $3, $4, $5 FROM locked RETURNING id"
        }
    };
    let signal_id: i64 = sqlx::query_scalar(sql)
        .bind(w.pairing.0)
        .bind(w.source.as_str())
        .bind(value_score(w.value))
        .bind(ts(w.at))
        .bind(w.actor.as_str())
        .fetch_one(&mut **tx)
        .await?;
    Ok(signal_id)
}

/// What the rules decide on, read under the pairing's lock.
struct PairingState {
    /// The pairing's escalations, as [`counting`] needs them.
    history: Vec<PastEscalation>,
    /// Its latest [`EscalationRules::WINDOW`] signals of both sides, newest first.
    recent: Vec<SignalRow>,
    /// Its latest [`EscalationRules::WINDOW`] signals of the wpb, newest first.
    own: Vec<SignalRow>,
}

/// The pairing's escalations and its two windows in one statement: a round trip less per
/// klik, which on PostgreSQL is a fifth of an evaluation. The windows are read without the
/// cut-offs [`counting`] makes of the escalations; [`after`] applies them.
async fn pairing_state_in(tx: &mut Tx, pairing: &PairingId) -> StoreResult<PairingState> {
    /// One row of three kinds (`part`): an escalation (`word` its status, `moment` its
    /// closing, `number` whether the wpb was told), or a signal of either window (`word` its
    /// source, `moment` its time, `number` its value).
    #[derive(FromRow)]
    struct StateRow {
        part: i64,
        id: i64,
        word: String,
        moment: Option<i64>,
        number: i64,
    }
    let rows = sqlx::query_as::<_, StateRow>(
        "SELECT CAST(0 AS BIGINT) AS part, id, status AS word, closed_at AS moment,
           wpb_notified AS number FROM escalations WHERE pairing_id = $1
         UNION ALL
         SELECT * FROM (SELECT CAST(1 AS BIGINT) AS part, id, source, at, value FROM klik_signals
           WHERE pairing_id = $1 ORDER BY at DESC, id DESC LIMIT $2) recent
         UNION ALL
         SELECT * FROM (SELECT CAST(2 AS BIGINT) AS part, id, source, at, value FROM klik_signals
           WHERE pairing_id = $1 AND source = 'wpb' ORDER BY at DESC, id DESC LIMIT $2) own",
    )
    .bind(pairing.0)
    .bind(EscalationRules::WINDOW as i64)
    .fetch_all(&mut **tx)
    .await?;
    let mut state = PairingState {
        history: Vec::new(),
        recent: Vec::new(),
        own: Vec::new(),
    };
    let mut signals: Vec<(i64, i64, SignalRow)> = Vec::new();
    for r in rows {
        match r.part {
            0 => state.history.push(PastEscalation {
                id: r.id,
                in_progress: matches!(r.word.as_str(), "open" | "acknowledged"),
                closed_at: r.moment.map(from_ts).transpose()?,
                wpb_told: r.number == 1,
            }),
            part => {
                let at = r.moment.ok_or_else(|| {
                    StoreError::Corrupt(format!("signal {} without a time", r.id))
                })?;
                let row = SignalRow {
                    source: r.word,
                    value: r.number,
                    at,
                };
                signals.push((part, r.id, row));
            }
        }
    }
    // Newest first by the windows' own order; a union's rows come in no promised order.
    signals.sort_by_key(|(_, id, row)| std::cmp::Reverse((row.at, *id)));
    for (part, _, row) in signals {
        if part == 1 {
            state.recent.push(row);
        } else {
            state.own.push(row);
        }
    }
    Ok(state)
}

/// The rows (newest first) strictly after `since` (all when None), as a timeline oldest
/// first. Cutting the latest rows equals reading the latest rows after the cut: those after
/// it come first in that order.
fn after(rows: Vec<SignalRow>, since: Option<DateTime<Utc>>) -> StoreResult<Vec<SignalPoint>> {
    let since = since.map_or(i64::MIN, ts);
    timeline(rows.into_iter().filter(|r| r.at > since).collect())
}

/// Opens an escalation with `triggers` and writes its audit row; None when one is already in
/// progress for the pairing (the partial unique index decides, also under a race).
async fn open_escalation_in(
    tx: &mut Tx,
    w: &SignalWrite,
    triggers: &[Trigger],
    wpb_notified: bool,
) -> StoreResult<Option<i64>> {
    let detail = serde_json::to_string(triggers).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO escalations (pairing_id, status, triggers, opened_at, wpb_notified) VALUES ($1, 'open', $2, $3, $4)
         ON CONFLICT (pairing_id) WHERE status IN ('open', 'acknowledged') DO NOTHING RETURNING id",
    )
    .bind(w.pairing.0)
    .bind(detail.as_str())
    .bind(ts(w.at))
    .bind(i64::from(wpb_notified))
    .fetch_optional(&mut **tx)
    .await?;
    let Some(id) = id else {
        return Ok(None);
    };
    // No escalation without its audit row: written in the same transaction.
    let school: String = sqlx::query_scalar(
        "SELECT w.school_id FROM pairings p JOIN people w ON w.id = p.wpb_id WHERE p.id = $1",
    )
    .bind(w.pairing.0)
    .fetch_one(&mut **tx)
    .await?;
    audit_in(
        &mut **tx,
        w.at,
        ACTOR_BOT,
        "escalation_opened",
        &escalation_subject(id),
        Some(&school),
        Some(&detail),
    )
    .await?;
    Ok(Some(id))
}

/// The pairing's latest `limit` signals after `after` (unix seconds), of one side or of both
/// (`source` `None`), as a timeline oldest first.
pub(crate) async fn signals_after<'e, E>(
    executor: E,
    pairing: PairingId,
    source: Option<SignalSource>,
    after: i64,
    limit: i64,
) -> StoreResult<Vec<SignalPoint>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query_as::<_, SignalRow>(
        "SELECT source, value, at FROM klik_signals
         WHERE pairing_id = $1 AND at > $2 AND ($3 IS NULL OR source = $3)
         ORDER BY at DESC, id DESC LIMIT $4",
    )
    .bind(pairing.0)
    .bind(after)
    .bind(source.map(|s| s.as_str()))
    .bind(limit)
    .fetch_all(executor)
    .await?;
    timeline(rows)
}

/// A signal written inside its still open transaction, with the windows and escalation
/// history the rules decide on (read once the pairing was locked). Nothing is committed until
/// [`PendingSignal::finish`]; dropped, it is rolled back.
pub struct PendingSignal {
    tx: Tx,
    write: SignalWrite,
    signal_id: i64,
    recent: Vec<SignalPoint>,
    own: Vec<SignalPoint>,
    counting: Counting,
}

/// What an escalation's messages say and whom they reach, read inside the signal's
/// transaction: only a signal that opens an escalation or tells the wpb of one needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct EscalationContext {
    /// The school's name.
    pub school: String,
    /// The school's schoolopleiders, by id.
    pub schoolopleiders: Vec<Person>,
    /// The wpb's shared reflections since the moment asked for, oldest first.
    pub shared: Vec<StoredReflection>,
}

impl PendingSignal {
    /// The signals of both sides since the last closed escalation, oldest first.
    pub fn recent(&self) -> &[SignalPoint] {
        &self.recent
    }

    /// Whether an escalation of the pairing is in progress.
    pub fn in_progress(&self) -> bool {
        self.counting.in_progress.is_some()
    }

    /// The wpb's view: their own signals since the last closed escalation they were told
    /// of, and whether one they were told of is in progress.
    pub fn wpb_view(&self) -> WpbView<'_> {
        WpbView {
            own: &self.own,
            told_in_progress: self.counting.wpb_told_in_progress,
        }
    }

    /// Reads what an escalation of `wpb`'s pairing tells and whom: their school's name and
    /// schoolopleiders, and their reflections shared since `shared_since`.
    pub async fn escalation_context(
        &mut self,
        wpb: &PersonId,
        school: &SchoolId,
        shared_since: DateTime<Utc>,
    ) -> StoreResult<EscalationContext> {
        Ok(EscalationContext {
            school: school_name_in(&mut *self.tx, school).await?,
            schoolopleiders: schoolopleiders_in(&mut *self.tx, school).await?,
            shared: reflections_of_in(&mut *self.tx, wpb, true, shared_since).await?,
        })
    }

    /// Opens an escalation or marks one as told to the wpb when `decision` says so, enqueues
    /// what `effects` asks for, and commits it all with the signal.
    pub async fn finish<E>(
        mut self,
        decision: EscalationDecision,
        effects: E,
    ) -> StoreResult<Evaluated>
    where
        E: FnOnce(&Evaluated) -> Vec<NewOutbox>,
    {
        let (tx, w) = (&mut self.tx, &self.write);
        let open = self.counting.in_progress;
        let notice = decision.wpb == WpbFacing::Notice;
        let escalation_id = match &decision.escalate {
            Some(triggers) => open_escalation_in(tx, w, triggers, notice).await?,
            None => None,
        };
        // The wpb's own pattern while an escalation they did not know of is in progress: they
        // hear of it now, and it counts as one they know of from here on.
        let wpb_told_of = match (notice, escalation_id, open) {
            (false, _, _) => None,
            (true, Some(id), _) => Some(id),
            (true, None, Some(id)) => {
                sqlx::query("UPDATE escalations SET wpb_notified = 1 WHERE id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                Some(id)
            }
            (true, None, None) => None,
        };
        let evaluated = Evaluated {
            signal_id: self.signal_id,
            recent: self.recent,
            decision,
            escalation_id,
            wpb_told_of,
        };
        for row in effects(&evaluated) {
            insert_in(&mut *self.tx, &row).await?;
        }
        self.tx.commit().await?;
        Ok(evaluated)
    }
}

impl Store {
    /// Records a signal in a transaction left open, and reads under the pairing's lock what
    /// the escalation rules need; see [`PendingSignal`].
    pub async fn begin_signal(&self, w: &SignalWrite) -> StoreResult<PendingSignal> {
        let mut tx = self.begin().await?;
        let signal_id = insert_signal_in(&mut tx, self.backend, w).await?;
        // Which signals count is the domain's rule; the store only applies its cut-offs.
        let state = pairing_state_in(&mut tx, &w.pairing).await?;
        let counting = counting(&state.history);
        let recent = after(state.recent, counting.since)?;
        let own = after(state.own, counting.wpb_since)?;
        Ok(PendingSignal {
            tx,
            write: w.clone(),
            signal_id,
            recent,
            own,
            counting,
        })
    }

    /// Records a signal, evaluates the pairing's bounded windows with `decide`, and finishes
    /// it with `effects` (see [`PendingSignal::finish`]), in one transaction.
    ///
    /// `decide` gets the signals of both sides since the last closed escalation, whether one
    /// is in progress, and the wpb's view (see [`PendingSignal::wpb_view`]).
    pub async fn record_signal<D, E>(
        &self,
        w: &SignalWrite,
        decide: D,
        effects: E,
    ) -> StoreResult<Evaluated>
    where
        D: FnOnce(&[SignalPoint], bool, &WpbView<'_>) -> EscalationDecision,
        E: FnOnce(&Evaluated) -> Vec<NewOutbox>,
    {
        let pending = self.begin_signal(w).await?;
        let decision = decide(pending.recent(), pending.in_progress(), &pending.wpb_view());
        pending.finish(decision, effects).await
    }

    /// The timeline of a pairing's signals (oldest first), bounded.
    pub async fn signals_of(
        &self,
        pairing: PairingId,
        limit: i64,
    ) -> StoreResult<Vec<SignalPoint>> {
        signals_after(&self.pool, pairing, None, i64::MIN, limit).await
    }

    /// The escalation with this id.
    pub async fn escalation(&self, id: i64) -> StoreResult<Option<EscalationRow>> {
        sqlx::query_as::<_, StoredEscalation>(concat!(select_escalations!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(EscalationRow::try_from)
            .transpose()
    }

    /// Every stored escalation, by id.
    pub async fn escalations(&self) -> StoreResult<Vec<EscalationRow>> {
        sqlx::query_as::<_, StoredEscalation>(concat!(select_escalations!(), " ORDER BY id"))
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(EscalationRow::try_from)
            .collect()
    }

    /// Moves an escalation to `to` if it is currently in one of `from`. Returns whether it moved.
    pub async fn transition_escalation(
        &self,
        id: i64,
        from: &[EscalationStatus],
        to: EscalationStatus,
        by: &PersonId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        if from.is_empty() {
            return Ok(false);
        }
        // format! builds only placeholders: four values, then the statuses it may move from.
        let mut p = self.params();
        let (status, by_, at_, id_) = (p.one(), p.one(), p.one(), p.one());
        let list = p.list(from.len());
        let sql = if to.is_closed() {
            format!(
                "UPDATE escalations SET status = {status}, closed_by = {by_}, closed_at = {at_} WHERE id = {id_} AND status IN ({list})"
            )
        } else {
            format!(
                "UPDATE escalations SET status = {status}, acknowledged_by = {by_}, acknowledged_at = {at_} WHERE id = {id_} AND status IN ({list})"
            )
        };
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(to.as_str())
            .bind(by.as_str())
            .bind(ts(at))
            .bind(id);
        for status in from {
            query = query.bind(status.as_str());
        }
        let done = query.execute(&self.pool).await?;
        Ok(done.rows_affected() == 1)
    }
}
