//! The facts a school's digest is computed from (`domain::digest`): one query per table, each
//! over the school's people and a time range, with times turned into the school's local dates.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sqlx::Row;

use super::signals::{source_from, value_from};
use super::{Store, StoreResult, day, from_ts, parse_day, ts};
use crate::domain::digest::{
    DigestFacts, EscalationFact, PairingFact, PromptFact, ReflectionFact, SignalFact, TeamFact,
    ThreadFact, WpbFact,
};
use crate::domain::intervisie::Thread;
use crate::domain::roster::{PersonId, SchoolId};
use crate::domain::schedule::DateRange;

impl Store {
    /// The facts of `school` since `since`, dated in `tz`, row by row: the reference
    /// [`Store::digest_summary`] is tested against. `None` for an unknown school.
    pub async fn digest_facts(
        &self,
        school: &SchoolId,
        since: DateTime<Utc>,
        tz: Tz,
    ) -> StoreResult<Option<DigestFacts>> {
        let id = school.as_str();
        let Some(name) = sqlx::query_scalar::<_, String>("SELECT name FROM schools WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let local = |secs: i64| -> StoreResult<NaiveDate> {
            Ok(from_ts(secs)?.with_timezone(&tz).date_naive())
        };
        let since = ts(since);
        let mut facts = DigestFacts {
            school: name,
            ..DigestFacts::default()
        };
        for row in sqlx::query("SELECT id, name FROM teams WHERE school_id = $1 ORDER BY name, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
        {
            facts.teams.push(TeamFact {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
            });
        }
        let wpbs = sqlx::query(
            "SELECT id, name, team_id FROM people WHERE school_id = $1 AND role = 'wpb' ORDER BY name, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        let pauses = sqlx::query(
            "SELECT pa.person_id AS person_id, pa.start_day AS start_day, pa.end_day AS end_day
             FROM pauses pa JOIN people w ON w.id = pa.person_id WHERE w.school_id = $1",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        for row in wpbs {
            let wpb: String = row.try_get("id")?;
            let mut own = Vec::new();
            for p in pauses.iter() {
                if p.try_get::<String, _>("person_id")? == wpb {
                    own.push(DateRange {
                        start: parse_day(p.try_get("start_day")?)?,
                        end: parse_day(p.try_get("end_day")?)?,
                    });
                }
            }
            facts.wpbs.push(WpbFact {
                id: wpb,
                name: row.try_get("name")?,
                team: row.try_get("team_id")?,
                pauses: own,
            });
        }
        for row in sqlx::query(
            "SELECT o.recipient AS wpb, o.sent_at AS sent_at,
               (SELECT COUNT(*) FROM reflections r WHERE r.prompt_key = o.key) AS answers
             FROM outbox o JOIN people w ON w.id = o.recipient
             WHERE w.school_id = $1 AND o.kind = 'prompt' AND o.status = 'sent' AND o.sent_at >= $2",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            facts.prompts.push(PromptFact {
                wpb: row.try_get("wpb")?,
                sent: local(row.try_get("sent_at")?)?,
                answered: row.try_get::<i64, _>("answers")? > 0,
            });
        }
        for row in sqlx::query(
            "SELECT r.wpb_id AS wpb, r.created_at AS created_at, r.shared AS shared
             FROM reflections r JOIN people w ON w.id = r.wpb_id
             WHERE w.school_id = $1 AND r.created_at >= $2",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            facts.reflections.push(ReflectionFact {
                wpb: row.try_get("wpb")?,
                at: local(row.try_get("created_at")?)?,
                shared: row.try_get::<i64, _>("shared")? != 0,
            });
        }
        for row in sqlx::query(
            "SELECT p.wpb_id AS wpb, p.student_id AS student, k.at AS at, k.value AS value, k.source AS source
             FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id JOIN people w ON w.id = p.wpb_id
             WHERE w.school_id = $1 AND k.at >= $2",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            facts.signals.push(SignalFact {
                wpb: row.try_get("wpb")?,
                student: row.try_get("student")?,
                at: local(row.try_get("at")?)?,
                value: value_from(row.try_get("value")?)?,
                source: source_from(&row.try_get::<String, _>("source")?)?,
            });
        }
        for row in sqlx::query(
            "SELECT p.wpb_id AS wpb, p.student_id AS student, s.name AS student_name,
                    p.start_day AS start_day, p.end_day AS end_day
             FROM pairings p JOIN people w ON w.id = p.wpb_id JOIN people s ON s.id = p.student_id
             WHERE w.school_id = $1 ORDER BY p.start_day, p.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            facts.pairings.push(PairingFact {
                wpb: row.try_get("wpb")?,
                student: row.try_get("student")?,
                student_name: row.try_get("student_name")?,
                dates: DateRange {
                    start: parse_day(row.try_get("start_day")?)?,
                    end: parse_day(row.try_get("end_day")?)?,
                },
            });
        }
        for row in sqlx::query(
            "SELECT e.id AS id, p.wpb_id AS wpb, s.name AS student_name, e.status AS status,
                    e.opened_at AS opened_at
             FROM escalations e JOIN pairings p ON p.id = e.pairing_id
             JOIN people w ON w.id = p.wpb_id JOIN people s ON s.id = p.student_id
             WHERE w.school_id = $1 AND e.status IN ('open', 'acknowledged')",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            facts.escalations.push(EscalationFact {
                id: row.try_get("id")?,
                wpb: row.try_get("wpb")?,
                student_name: row.try_get("student_name")?,
                picked_up: row.try_get::<String, _>("status")? == "acknowledged",
                opened: local(row.try_get("opened_at")?)?,
            });
        }
        facts.threads = self.digest_threads(id, since, tz).await?;
        Ok(Some(facts))
    }

    /// The school's intervisie threads open now or due since `since`.
    pub(super) async fn digest_threads(
        &self,
        id: &str,
        since: i64,
        tz: Tz,
    ) -> StoreResult<Vec<ThreadFact>> {
        let mut threads = Vec::new();
        for row in sqlx::query(
            "SELECT t.team_id AS team, t.state AS state FROM intervisie_threads t
             JOIN teams m ON m.id = t.team_id
             WHERE m.school_id = $1 AND (t.closed = 0 OR t.due_at >= $2)",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            let state: String = row.try_get("state")?;
            // A thread row is written empty first and filled in the same transaction; an
            // unreadable one is left out of the figures rather than failing the digest.
            let Ok(thread) = serde_json::from_str::<Thread>(&state) else {
                tracing::warn!(team = %row.try_get::<String, _>("team")?, "unreadable intervisie thread left out of the digest");
                continue;
            };
            let opened = thread
                .posts
                .iter()
                .map(|p| p.at)
                .min()
                .unwrap_or(thread.phase_started);
            threads.push(ThreadFact {
                team: row.try_get("team")?,
                opened: opened.with_timezone(&tz).date_naive(),
                participants: u32::try_from(thread.summary().participants).unwrap_or(u32::MAX),
            });
        }
        Ok(threads)
    }
}

impl Store {
    /// Every school's id, in order.
    pub async fn school_ids(&self) -> StoreResult<Vec<SchoolId>> {
        Ok(
            sqlx::query_scalar::<_, String>("SELECT id FROM schools ORDER BY id")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(SchoolId::from_trusted)
                .collect(),
        )
    }

    /// The schoolopleiders of `school` who get its weekly digest (not switched off), by id.
    pub async fn digest_recipients(&self, school: &SchoolId) -> StoreResult<Vec<PersonId>> {
        Ok(sqlx::query_scalar::<_, String>(
            "SELECT id FROM people WHERE school_id = $1 AND role = 'schoolopleider' AND digest_off = 0 ORDER BY id",
        )
        .bind(school.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(PersonId::from_trusted)
        .collect())
    }

    /// Switches a person's weekly digest off or on again.
    pub async fn set_digest_off(&self, person: &PersonId, off: bool) -> StoreResult<()> {
        sqlx::query("UPDATE people SET digest_off = $1 WHERE id = $2")
            .bind(i64::from(off))
            .bind(person.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A wpb's pairings, reflections and own klik signals, for their terugblik.
#[derive(Debug, Clone, Default)]
pub struct JourneyFacts {
    /// Their pairings: id, the student's name, the dates.
    pub pairings: Vec<(i64, String, DateRange)>,
    /// Their reflections since the moment: when, what.
    pub reflections: Vec<(DateTime<Utc>, String)>,
    /// Their own klik signals since the moment: pairing, when, value. Never a student's.
    pub signals: Vec<(i64, DateTime<Utc>, crate::domain::klik::KlikValue)>,
}

impl Store {
    /// What a wpb's terugblik is made of, from `since` on.
    pub async fn journey_facts(
        &self,
        wpb: &PersonId,
        since: DateTime<Utc>,
    ) -> StoreResult<JourneyFacts> {
        let id = wpb.as_str();
        let since = ts(since);
        let mut facts = JourneyFacts::default();
        for row in sqlx::query(
            "SELECT p.id AS id, s.name AS student, p.start_day AS start_day, p.end_day AS end_day
             FROM pairings p JOIN people s ON s.id = p.student_id WHERE p.wpb_id = $1
             ORDER BY p.start_day, p.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        {
            facts.pairings.push((
                row.try_get("id")?,
                row.try_get("student")?,
                DateRange {
                    start: parse_day(row.try_get("start_day")?)?,
                    end: parse_day(row.try_get("end_day")?)?,
                },
            ));
        }
        for row in sqlx::query(
            "SELECT created_at, text FROM reflections WHERE wpb_id = $1 AND created_at >= $2
             ORDER BY created_at, id",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            facts
                .reflections
                .push((from_ts(row.try_get("created_at")?)?, row.try_get("text")?));
        }
        for row in sqlx::query(
            "SELECT k.pairing_id AS pairing_id, k.at AS at, k.value AS value
             FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id
             WHERE p.wpb_id = $1 AND k.source = 'wpb' AND k.at >= $2 ORDER BY k.at, k.id",
        )
        .bind(id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        {
            facts.signals.push((
                row.try_get("pairing_id")?,
                from_ts(row.try_get("at")?)?,
                value_from(row.try_get("value")?)?,
            ));
        }
        Ok(facts)
    }

    /// Pairings whose last day lies in `[from, to]` and whose wpb has not had the automatic
    /// terugblik for them yet (outbox key `terugblik:<pairing>`): pairing id and wpb, at most `limit`,
    /// the earliest end first.
    pub async fn placements_ending(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        limit: i64,
    ) -> StoreResult<Vec<(i64, PersonId)>> {
        let mut out = Vec::new();
        for row in sqlx::query(
            "SELECT p.id AS id, p.wpb_id AS wpb FROM pairings p
             WHERE p.end_day >= $1 AND p.end_day <= $2
               AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = 'terugblik:' || CAST(p.id AS TEXT))
             ORDER BY p.end_day, p.id LIMIT $3",
        )
        .bind(day(from))
        .bind(day(to))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        {
            out.push((row.try_get("id")?, PersonId::from_trusted(row.try_get::<String, _>("wpb")?)));
        }
        Ok(out)
    }
}
