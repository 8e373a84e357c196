//! Roster rows: schools, teams, people, pairings and pauses.

use chrono::NaiveDate;

use sqlx::{Any, Row, Transaction};

use super::{Store, StoreError, StoreResult, day, parse_day};
use crate::domain::language::Language;
use crate::domain::roster::{
    Pairing, PairingId, Person, PersonId, Role, Roster, School, SchoolId, Team, TeamId,
};
use crate::domain::schedule::DateRange;

/// The columns a [`PersonRow`] reads, as a literal for `concat!`.
macro_rules! person_columns {
    () => {
        "id, school_id, role, name, team_id, chat, language"
    };
}
pub(crate) use person_columns;

/// The columns a [`PairingRow`] reads, as a literal for `concat!`.
macro_rules! pairing_columns {
    () => {
        "id, wpb_id, student_id, start_day, end_day"
    };
}

/// A `people` row by column name ([`person_columns`]), as a row or as a JSON object.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct PersonRow {
    pub(super) id: String,
    pub(super) school_id: String,
    pub(super) role: String,
    pub(super) name: String,
    pub(super) team_id: Option<String>,
    pub(super) chat: Option<String>,
    pub(super) language: Option<String>,
}

impl PersonRow {
    /// The person, or [`StoreError::Corrupt`] for a role the code does not know.
    pub(crate) fn into_person(self) -> StoreResult<Person> {
        let role = &self.role;
        Ok(Person {
            role: Role::parse(role).ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
            id: PersonId::from_trusted(self.id),
            school: SchoolId::from_trusted(self.school_id),
            name: self.name,
            team: self.team_id.map(TeamId::from_trusted),
            chat: self.chat,
            language: self.language.as_deref().and_then(Language::parse),
        })
    }
}

/// A `teams` row by column name.
#[derive(sqlx::FromRow)]
pub(crate) struct TeamRow {
    id: String,
    school_id: String,
    name: String,
    channel: Option<String>,
}

impl From<TeamRow> for Team {
    fn from(row: TeamRow) -> Self {
        Team {
            id: TeamId::from_trusted(row.id),
            school: SchoolId::from_trusted(row.school_id),
            name: row.name,
            channel: row.channel,
        }
    }
}

/// A `pairings` row by column name ([`pairing_columns`]), as a row or as a JSON object.
#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct PairingRow {
    id: i64,
    wpb_id: String,
    student_id: String,
    start_day: String,
    end_day: String,
}

impl PairingRow {
    /// The pairing with its id, or [`StoreError::Corrupt`] for a day that does not parse.
    pub(crate) fn into_pairing(self) -> StoreResult<(PairingId, Pairing)> {
        Ok((
            PairingId(self.id),
            Pairing {
                wpb: PersonId::from_trusted(self.wpb_id),
                student: PersonId::from_trusted(self.student_id),
                start: parse_day(&self.start_day)?,
                end: parse_day(&self.end_day)?,
            },
        ))
    }
}

impl Store {
    /// The whole roster, in a stable order.
    pub async fn roster(&self) -> StoreResult<Roster> {
        let schools = sqlx::query("SELECT id, name FROM schools ORDER BY id")
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| {
                Ok(School {
                    id: SchoolId::from_trusted(row.try_get::<String, _>("id")?),
                    name: row.try_get("name")?,
                })
            })
            .collect::<StoreResult<_>>()?;
        let teams = sqlx::query_as::<_, TeamRow>(
            "SELECT id, school_id, name, channel FROM teams ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(Team::from)
        .collect();
        let people = sqlx::query_as::<_, PersonRow>(concat!(
            "SELECT ",
            person_columns!(),
            " FROM people ORDER BY school_id, role, id"
        ))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(PersonRow::into_person)
        .collect::<StoreResult<_>>()?;
        let pairings = sqlx::query_as::<_, PairingRow>(concat!(
            "SELECT ",
            pairing_columns!(),
            " FROM pairings ORDER BY wpb_id, start_day, student_id"
        ))
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| row.into_pairing().map(|(_, p)| p))
        .collect::<StoreResult<_>>()?;
        Ok(Roster {
            schools,
            teams,
            people,
            pairings,
        })
    }

    /// The person with this id.
    pub async fn person(&self, id: &PersonId) -> StoreResult<Option<Person>> {
        self.person_where(
            concat!("SELECT ", person_columns!(), " FROM people WHERE id = $1"),
            id.as_str(),
        )
        .await
    }

    /// The person at this chat address.
    pub async fn person_by_chat(&self, address: &str) -> StoreResult<Option<Person>> {
        self.person_where(
            concat!("SELECT ", person_columns!(), " FROM people WHERE chat = $1"),
            address,
        )
        .await
    }

    /// The schoolopleiders of one school, by id: whom its escalations reach.
    pub async fn schoolopleiders(&self, school: &SchoolId) -> StoreResult<Vec<Person>> {
        schoolopleiders_in(&self.pool, school).await
    }

    /// Everyone of one school, by id: whom a command there can name.
    pub async fn people_of_school(&self, school: &SchoolId) -> StoreResult<Vec<Person>> {
        self.people_where(
            concat!(
                "SELECT ",
                person_columns!(),
                " FROM people WHERE school_id = $1 ORDER BY id"
            ),
            school.as_str(),
        )
        .await
    }

    /// The one person `sql` (selecting [`person_columns`]) finds for `key` as `$1`.
    async fn person_where(&self, sql: &'static str, key: &str) -> StoreResult<Option<Person>> {
        sqlx::query_as::<_, PersonRow>(sql)
            .bind(key)
            .fetch_optional(&self.pool)
            .await?
            .map(PersonRow::into_person)
            .transpose()
    }

    /// The people `sql` (selecting [`person_columns`]) finds for `key` as `$1`.
    async fn people_where(&self, sql: &'static str, key: &str) -> StoreResult<Vec<Person>> {
        people_where_in(&self.pool, sql, key).await
    }

    /// The school's name; its id when the school is not stored.
    pub async fn school_name(&self, school: &SchoolId) -> StoreResult<String> {
        school_name_in(&self.pool, school).await
    }

    /// All pairings a person is part of (as wpb or student), with their ids.
    pub async fn pairings_of(&self, person: &PersonId) -> StoreResult<Vec<(PairingId, Pairing)>> {
        sqlx::query_as::<_, PairingRow>(concat!(
            "SELECT ",
            pairing_columns!(),
            " FROM pairings WHERE wpb_id = $1 UNION SELECT ",
            pairing_columns!(),
            " FROM pairings WHERE student_id = $1 ORDER BY start_day, id"
        ))
        .bind(person.as_str())
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(PairingRow::into_pairing)
        .collect()
    }

    /// The pairing with this id.
    pub async fn pairing(&self, id: PairingId) -> StoreResult<Option<Pairing>> {
        Ok(pairing_by_id(&self.pool, &id).await?.map(|(_, p)| p))
    }

    /// A person's pauses, earliest first.
    pub async fn pauses(&self, person: &PersonId) -> StoreResult<Vec<DateRange>> {
        sqlx::query("SELECT start_day, end_day FROM pauses WHERE person_id = $1 ORDER BY start_day")
            .bind(person.as_str())
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|row| {
                Ok(DateRange {
                    start: parse_day(row.try_get("start_day")?)?,
                    end: parse_day(row.try_get("end_day")?)?,
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

    /// Remembers that the person's direct-message channel is closed to the bot.
    pub async fn set_dm_closed(&self, person: &PersonId) -> StoreResult<()> {
        sqlx::query("UPDATE people SET dm_closed = 1 WHERE id = $1")
            .bind(person.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// The pairing with this id and its id, on the pool or inside a transaction.
pub(crate) async fn pairing_by_id<'e, E>(
    executor: E,
    id: &PairingId,
) -> StoreResult<Option<(PairingId, Pairing)>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<_, PairingRow>(concat!(
        "SELECT ",
        pairing_columns!(),
        " FROM pairings WHERE id = $1"
    ))
    .bind(id.0)
    .fetch_optional(executor)
    .await?
    .map(PairingRow::into_pairing)
    .transpose()
}

/// Every stored pairing of a student, inside a transaction.
pub(crate) async fn student_pairings(
    tx: &mut Transaction<'static, Any>,
    student: &PersonId,
) -> StoreResult<Vec<Pairing>> {
    sqlx::query_as::<_, PairingRow>(concat!(
        "SELECT ",
        pairing_columns!(),
        " FROM pairings WHERE student_id = $1 ORDER BY start_day, id"
    ))
    .bind(student.as_str())
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|row| row.into_pairing().map(|(_, p)| p))
    .collect()
}

/// Drops the person's planned prompts and marks them for planning, inside a transaction.
/// A prompt on demand (`2026-W41-vraag1:…`) stays: it was asked for, and a pause that covers
/// its day still stops it when it falls due.
pub(crate) async fn replan_in(tx: &mut Transaction<'_, Any>, person: &PersonId) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM outbox WHERE recipient = $1 AND kind = 'prompt' AND status = 'planned'
           AND key NOT LIKE $2",
    )
    .bind(person.as_str())
    .bind(super::on_demand::ON_DEMAND_KEYS)
    .execute(&mut **tx)
    .await?;
    mark_for_planning_in(tx, person).await
}

/// Marks the wpb for planning: the next tick plans their next slot after their last one.
pub(crate) async fn mark_for_planning_in(
    conn: &mut sqlx::AnyConnection,
    wpb: &PersonId,
) -> StoreResult<()> {
    super::batch::mark_many_for_planning_in(conn, &[wpb.as_str().to_string()]).await
}

/// The people `sql` (selecting [`person_columns`]) finds for `key` as `$1`, on the pool or
/// inside a transaction.
async fn people_where_in<'e, E>(
    executor: E,
    sql: &'static str,
    key: &str,
) -> StoreResult<Vec<Person>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    sqlx::query_as::<_, PersonRow>(sql)
        .bind(key)
        .fetch_all(executor)
        .await?
        .into_iter()
        .map(PersonRow::into_person)
        .collect()
}

/// [`Store::schoolopleiders`] on the pool or inside a transaction.
pub(crate) async fn schoolopleiders_in<'e, E>(
    executor: E,
    school: &SchoolId,
) -> StoreResult<Vec<Person>>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    people_where_in(
        executor,
        concat!(
            "SELECT ",
            person_columns!(),
            " FROM people WHERE school_id = $1 AND role = 'schoolopleider' ORDER BY id"
        ),
        school.as_str(),
    )
    .await
}

/// [`Store::school_name`] on the pool or inside a transaction.
pub(crate) async fn school_name_in<'e, E>(executor: E, school: &SchoolId) -> StoreResult<String>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query("SELECT name FROM schools WHERE id = $1")
        .bind(school.as_str())
        .fetch_optional(executor)
        .await?;
    match row {
        Some(row) => Ok(row.try_get("name")?),
        None => Ok(school.to_string()),
    }
}
