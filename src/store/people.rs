//! Roster rows: schools, teams, people, pairings and pauses.

use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

use sqlx::AssertSqlSafe;

use super::{Store, StoreError, StoreResult, day, parse_day};
use crate::domain::language::Language;
use crate::domain::roster::{
    Pairing, PairingId, Person, PersonId, Role, Roster, RosterConflict, School, SchoolId, Team,
    TeamId, overlaps_with_stored,
};
use crate::domain::schedule::DateRange;
use crate::domain::seed::stable_seed;

/// What an import must leave true besides one wpb per student, which every import keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportRules {
    /// Every school the import writes to has a schoolopleider afterwards, so an escalation
    /// always reaches a person at the school.
    pub schoolopleider_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub schools: usize,
    pub teams: usize,
    pub people: usize,
    pub pairings: usize,
}

pub(crate) type PersonTuple = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub(crate) const PERSON_COLUMNS: &str = "id, school_id, role, name, team_id, chat, language";

pub(crate) type TeamTuple = (String, String, String, Option<String>);

pub(crate) fn team_from((id, school, name, channel): TeamTuple) -> Team {
    Team {
        id: TeamId::from_trusted(id),
        school: SchoolId::from_trusted(school),
        name,
        channel,
    }
}

pub(crate) fn person_from(row: PersonTuple) -> StoreResult<Person> {
    let (id, school, role, name, team, chat, language) = row;
    Ok(Person {
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
        id: PersonId::from_trusted(id),
        school: SchoolId::from_trusted(school),
        name,
        team: team.map(TeamId::from_trusted),
        chat,
        language: language.as_deref().and_then(Language::parse),
    })
}

impl Store {
    /// Upserts the whole roster in one transaction: on any error nothing changes. A pairing
    /// that overlaps a stored one is refused ([`StoreError::Refused`]), checked and written
    /// under the student's lock so a concurrent `/koppel` cannot slip in between.
    pub async fn import_roster(&self, roster: &Roster) -> StoreResult<ImportSummary> {
        self.import_roster_with(roster, ImportRules::default())
            .await
    }

    /// [`Self::import_roster`] with the rules of an import a person asks for.
    /// Every wpb in it is marked for re-planning, since pairings or pauses may have moved.
    pub async fn import_roster_with(
        &self,
        roster: &Roster,
        rules: ImportRules,
    ) -> StoreResult<ImportSummary> {
        let mut tx = self.begin().await?;
        let mut schools: BTreeMap<String, Option<PersonId>> = touched_schools(roster)
            .into_iter()
            .map(|s| (s, None))
            .collect();
        if rules.schoolopleider_required {
            // A stored schoolopleider moved or given another role may leave a school without one.
            for p in &roster.people {
                let stored: Option<(String, String)> =
                    sqlx::query_as("SELECT school_id, role FROM people WHERE id = $1")
                        .bind(p.id.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some((school, role)) = stored
                    && role == Role::Schoolopleider.as_str()
                    && (school != p.school.as_str() || p.role != Role::Schoolopleider)
                {
                    schools
                        .entry(school)
                        .or_default()
                        .get_or_insert(p.id.clone());
                }
            }
        }
        for s in &roster.schools {
            sqlx::query("INSERT INTO schools (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
                .bind(s.id.as_str())
                .bind(s.name.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for t in &roster.teams {
            sqlx::query(
                "INSERT INTO teams (id, school_id, name, channel) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id, name = excluded.name, channel = excluded.channel",
            )
            .bind(t.id.as_str())
            .bind(t.school.as_str())
            .bind(t.name.as_str())
            .bind(t.channel.clone())
            .execute(&mut *tx)
            .await?;
        }
        for p in &roster.people {
            let needs_plan = i64::from(p.role == Role::Wpb);
            sqlx::query(
                "INSERT INTO people (id, school_id, role, name, team_id, chat, language, seed, needs_plan)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 ON CONFLICT (id) DO UPDATE SET school_id = excluded.school_id, role = excluded.role,
                   name = excluded.name, team_id = excluded.team_id, chat = excluded.chat,
                   language = excluded.language, needs_plan = excluded.needs_plan",
            )
            .bind(p.id.as_str())
            .bind(p.school.as_str())
            .bind(p.role.as_str())
            .bind(p.name.as_str())
            .bind(p.team.as_ref().map(|t| t.as_str().to_string()))
            .bind(p.chat.clone())
            .bind(p.language.map(|l| l.code().to_string()))
            // Seeded by id, so the jitter of a wpb survives re-imports.
            .bind(stable_seed(p.id.as_str()) as i64)
            .bind(needs_plan)
            .execute(&mut *tx)
            .await?;
            if p.role == Role::Wpb {
                sqlx::query("DELETE FROM outbox WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned'")
                    .bind(p.id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let conflicts = self.pairing_conflicts(&mut tx, &roster.pairings).await?;
        if !conflicts.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Refused(conflicts));
        }
        for p in &roster.pairings {
            sqlx::query(
                "INSERT INTO pairings (wpb_id, student_id, start_day, end_day) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (wpb_id, student_id, start_day) DO UPDATE SET end_day = excluded.end_day",
            )
            .bind(p.wpb.as_str())
            .bind(p.student.as_str())
            .bind(day(p.start))
            .bind(day(p.end))
            .execute(&mut *tx)
            .await?;
        }
        if rules.schoolopleider_required {
            let mut missing = Vec::new();
            for (school, moved) in schools {
                let (n,): (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM people WHERE school_id = $1 AND role = 'schoolopleider'",
                )
                .bind(school.as_str())
                .fetch_one(&mut *tx)
                .await?;
                if n == 0 {
                    missing.push(RosterConflict::NoSchoolopleider {
                        school: SchoolId::from_trusted(school),
                        moved,
                    });
                }
            }
            if !missing.is_empty() {
                tx.rollback().await?;
                return Err(StoreError::Refused(missing));
            }
        }
        tx.commit().await?;
        Ok(ImportSummary {
            schools: roster.schools.len(),
            teams: roster.teams.len(),
            people: roster.people.len(),
            pairings: roster.pairings.len(),
        })
    }

    /// The imported pairings that overlap a stored pairing of their student, read under each
    /// student's lock (taken in id order, so two imports cannot deadlock on each other).
    async fn pairing_conflicts(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        pairings: &[Pairing],
    ) -> StoreResult<Vec<RosterConflict>> {
        let students: BTreeSet<&PersonId> = pairings.iter().map(|p| &p.student).collect();
        let mut conflicts = Vec::new();
        for student in students {
            self.lock_person(tx, student.as_str()).await?;
            let stored = student_pairings(tx, student).await?;
            let new: Vec<Pairing> = pairings
                .iter()
                .filter(|p| &p.student == student)
                .cloned()
                .collect();
            conflicts.extend(overlaps_with_stored(&new, &stored));
        }
        Ok(conflicts)
    }

    pub async fn roster(&self) -> StoreResult<Roster> {
        let schools =
            sqlx::query_as::<_, (String, String)>("SELECT id, name FROM schools ORDER BY id")
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map(|(id, name)| School {
                    id: SchoolId::from_trusted(id),
                    name,
                })
                .collect();
        let teams = sqlx::query_as::<_, TeamTuple>(
            "SELECT id, school_id, name, channel FROM teams ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(team_from)
        .collect();
        let people = sqlx::query_as::<_, PersonTuple>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people ORDER BY school_id, role, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(person_from)
        .collect::<StoreResult<_>>()?;
        let pairings = sqlx::query_as::<_, (i64, String, String, String, String)>(
            "SELECT id, wpb_id, student_id, start_day, end_day FROM pairings ORDER BY wpb_id, start_day, student_id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| pairing_from(row).map(|(_, p)| p))
        .collect::<StoreResult<_>>()?;
        Ok(Roster {
            schools,
            teams,
            people,
            pairings,
        })
    }

    pub async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>> {
        sqlx::query_as::<_, PersonTuple>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE id = $1"
        )))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?
        .map(person_from)
        .transpose()
    }

    pub async fn person_by_chat(&self, address: &str) -> StoreResult<Option<Person>> {
        sqlx::query_as::<_, PersonTuple>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE chat = $1"
        )))
        .bind(address)
        .fetch_optional(&self.pool)
        .await?
        .map(person_from)
        .transpose()
    }

    pub async fn schoolopleiders(&self, school: &SchoolId) -> StoreResult<Vec<Person>> {
        sqlx::query_as::<_, PersonTuple>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE school_id = $1 AND role = 'schoolopleider' ORDER BY id"
        )))
        .bind(school.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(person_from)
        .collect()
    }

    /// Everyone of one school: whom a command there can name.
    pub async fn people_of_school(&self, school: &SchoolId) -> StoreResult<Vec<Person>> {
        sqlx::query_as::<_, PersonTuple>(AssertSqlSafe(format!(
            "SELECT {PERSON_COLUMNS} FROM people WHERE school_id = $1 ORDER BY id"
        )))
        .bind(school.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(person_from)
        .collect()
    }

    pub async fn school_name(&self, school: &SchoolId) -> StoreResult<String> {
        let name: Option<(String,)> = sqlx::query_as("SELECT name FROM schools WHERE id = $1")
            .bind(school.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(name.map(|(n,)| n).unwrap_or_else(|| school.to_string()))
    }

    /// All pairings a person is part of (as wpb or student), with their ids.
    pub async fn pairings_of(&self, person: &PersonId) -> StoreResult<Vec<(PairingId, Pairing)>> {
        sqlx::query_as::<_, (i64, String, String, String, String)>(
            "SELECT id, wpb_id, student_id, start_day, end_day FROM pairings WHERE wpb_id = $1
             UNION SELECT id, wpb_id, student_id, start_day, end_day FROM pairings WHERE student_id = $1
             ORDER BY 4, 1",
        )
        .bind(person.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(pairing_from)
        .collect()
    }

    pub async fn pairing(&self, id: PairingId) -> StoreResult<Option<Pairing>> {
        sqlx::query_as::<_, (i64, String, String, String, String)>(
            "SELECT id, wpb_id, student_id, start_day, end_day FROM pairings WHERE id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await?
        .map(|row| pairing_from(row).map(|(_, p)| p))
        .transpose()
    }

    pub async fn pauses(&self, person: &PersonId) -> StoreResult<Vec<DateRange>> {
        sqlx::query_as::<_, (String, String)>(
            "SELECT start_day, end_day FROM pauses WHERE person_id = $1 ORDER BY start_day",
        )
        .bind(person.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|(s, e)| {
            Ok(DateRange {
                start: parse_day(&s)?,
                end: parse_day(&e)?,
            })
        })
        .collect()
    }

    /// Adds a pause and drops the wpb's planned (not yet claimed) prompts so they are re-planned around it.
    pub async fn add_pause(&self, person: &PersonId, range: DateRange) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO pauses (person_id, start_day, end_day) VALUES ($1, $2, $3)")
            .bind(person.as_str())
            .bind(day(range.start))
            .bind(day(range.end))
            .execute(&mut *tx)
            .await?;
        replan_in(&mut tx, person).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every pause that covers `today` or later, as of yesterday.
    pub async fn end_pauses(&self, person: &PersonId, today: NaiveDate) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let yesterday = today.pred_opt().unwrap_or(today);
        sqlx::query("DELETE FROM pauses WHERE person_id = $1 AND start_day >= $2")
            .bind(person.as_str())
            .bind(day(today))
            .execute(&mut *tx)
            .await?;
        let ended =
            sqlx::query("UPDATE pauses SET end_day = $1 WHERE person_id = $2 AND end_day >= $3")
                .bind(day(yesterday))
                .bind(person.as_str())
                .bind(day(today))
                .execute(&mut *tx)
                .await?
                .rows_affected();
        replan_in(&mut tx, person).await?;
        tx.commit().await?;
        Ok(ended)
    }

    pub async fn set_dm_closed(&self, person: &PersonId) -> StoreResult<()> {
        sqlx::query("UPDATE people SET dm_closed = 1 WHERE id = $1")
            .bind(person.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Every stored pairing of a student, inside a transaction.
pub(crate) async fn student_pairings(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    student: &PersonId,
) -> StoreResult<Vec<Pairing>> {
    sqlx::query_as::<_, (i64, String, String, String, String)>(
        "SELECT id, wpb_id, student_id, start_day, end_day FROM pairings WHERE student_id = $1 ORDER BY start_day, id",
    )
    .bind(student.as_str())
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|row| pairing_from(row).map(|(_, p)| p))
    .collect()
}

/// The schools an import writes to: its school and team rows and the schools of its people
/// (an admin's school only through others: the operator is no school's escalation address).
fn touched_schools(roster: &Roster) -> BTreeSet<String> {
    let mut schools: BTreeSet<String> = roster
        .schools
        .iter()
        .map(|s| s.id.as_str().to_string())
        .collect();
    schools.extend(roster.teams.iter().map(|t| t.school.as_str().to_string()));
    schools.extend(
        roster
            .people
            .iter()
            .filter(|p| p.role != Role::Admin)
            .map(|p| p.school.as_str().to_string()),
    );
    schools
}

pub(crate) async fn replan_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    person: &PersonId,
) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM outbox WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned'",
    )
    .bind(person.as_str())
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE people SET needs_plan = 1 WHERE id = $1")
        .bind(person.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) fn pairing_from(
    row: (i64, String, String, String, String),
) -> StoreResult<(PairingId, Pairing)> {
    let (id, wpb, student, start, end) = row;
    Ok((
        PairingId(id),
        Pairing {
            wpb: PersonId::from_trusted(wpb),
            student: PersonId::from_trusted(student),
            start: parse_day(&start)?,
            end: parse_day(&end)?,
        },
    ))
}
