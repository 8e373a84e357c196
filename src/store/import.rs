//! Writing an imported roster: every school, team, person and pairing in one transaction,
//! refused whole when a pairing overlaps a stored one or a school would lose its schoolopleider.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::{Any, Row, Transaction};

use super::people::student_pairings;
use super::{Store, StoreError, StoreResult, day};
use crate::domain::roster::{
    Pairing, Person, PersonId, Role, Roster, RosterConflict, SchoolId, overlaps_with_stored,
};
use crate::domain::seed::stable_seed;

/// What an import must leave true besides one wpb per student, which every import keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportRules {
    /// Every school the import writes to has a schoolopleider afterwards, so an escalation
    /// always reaches a person at the school.
    pub schoolopleider_required: bool,
}

/// How many rows of each kind an import wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Schools written.
    pub schools: usize,
    /// Teams written.
    pub teams: usize,
    /// People written.
    pub people: usize,
    /// Pairings written.
    pub pairings: usize,
}

/// The schools an import must leave with a schoolopleider, each with the person whose move
/// (to another school or role) may have taken the last one away.
type Watched = BTreeMap<String, Option<PersonId>>;

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
        // Read before the upserts: they overwrite the stored roles and schools.
        let watched = match rules.schoolopleider_required {
            true => Some(watched_schools(&mut tx, roster).await?),
            false => None,
        };
        upsert_schools_and_teams(&mut tx, roster).await?;
        upsert_people(&mut tx, &roster.people).await?;
        let conflicts = self.pairing_conflicts(&mut tx, &roster.pairings).await?;
        if !conflicts.is_empty() {
            tx.rollback().await?;
            return Err(StoreError::Refused(conflicts));
        }
        upsert_pairings(&mut tx, &roster.pairings).await?;
        if let Some(watched) = watched {
            let missing = without_schoolopleider(&mut tx, watched).await?;
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
        tx: &mut Transaction<'static, Any>,
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
}

/// The schools the import writes to, plus those a stored schoolopleider leaves (moved to
/// another school or given another role), which may be left without one.
async fn watched_schools(
    tx: &mut Transaction<'static, Any>,
    roster: &Roster,
) -> StoreResult<Watched> {
    let mut schools: Watched = touched_schools(roster)
        .into_iter()
        .map(|s| (s, None))
        .collect();
    for p in &roster.people {
        let stored = sqlx::query("SELECT school_id, role FROM people WHERE id = $1")
            .bind(p.id.as_str())
            .fetch_optional(&mut **tx)
            .await?;
        let Some(stored) = stored else { continue };
        let school: String = stored.try_get("school_id")?;
        let role: String = stored.try_get("role")?;
        if role == Role::Schoolopleider.as_str()
            && (school != p.school.as_str() || p.role != Role::Schoolopleider)
        {
            schools
                .entry(school)
                .or_default()
                .get_or_insert(p.id.clone());
        }
    }
    Ok(schools)
}

/// The watched schools that have no schoolopleider now.
async fn without_schoolopleider(
    tx: &mut Transaction<'static, Any>,
    watched: Watched,
) -> StoreResult<Vec<RosterConflict>> {
    let mut missing = Vec::new();
    for (school, moved) in watched {
        let n: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM people WHERE school_id = $1 AND role = 'schoolopleider'",
        )
        .bind(school.as_str())
        .fetch_one(&mut **tx)
        .await?
        .try_get("n")?;
        if n == 0 {
            missing.push(RosterConflict::NoSchoolopleider {
                school: SchoolId::from_trusted(school),
                moved,
            });
        }
    }
    Ok(missing)
}

async fn upsert_schools_and_teams(
    tx: &mut Transaction<'static, Any>,
    roster: &Roster,
) -> StoreResult<()> {
    for s in &roster.schools {
        sqlx::query("INSERT INTO schools (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name")
            .bind(s.id.as_str())
            .bind(s.name.as_str())
            .execute(&mut **tx)
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
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Upserts people; a wpb is marked for planning and loses their planned prompts.
async fn upsert_people(tx: &mut Transaction<'static, Any>, people: &[Person]) -> StoreResult<()> {
    for p in people {
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
        .execute(&mut **tx)
        .await?;
        if p.role == Role::Wpb {
            sqlx::query("DELETE FROM outbox WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned'")
                .bind(p.id.as_str())
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Upserts pairings; an imported pairing with a stored key only moves its end.
async fn upsert_pairings(
    tx: &mut Transaction<'static, Any>,
    pairings: &[Pairing],
) -> StoreResult<()> {
    for p in pairings {
        sqlx::query(
            "INSERT INTO pairings (wpb_id, student_id, start_day, end_day) VALUES ($1, $2, $3, $4)
             ON CONFLICT (wpb_id, student_id, start_day) DO UPDATE SET end_day = excluded.end_day",
        )
        .bind(p.wpb.as_str())
        .bind(p.student.as_str())
        .bind(day(p.start))
        .bind(day(p.end))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
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
