//! Validation of a whole roster, in three passes: each entry's own fields, then what the
//! entries say about each other (duplicates, references, overlapping pairings), then the
//! roster is built from what passed.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::check::Check;
use super::entry::{Entry, Kind};
use super::error::RowError;
use super::rows::RosterRows;
use crate::domain::language::Language;
use crate::domain::roster::{
    Pairing, Person, PersonId, Role, Roster, School, SchoolId, Team, TeamId,
};
use crate::domain::schedule::DateRange;

/// One entry after its own fields were checked; `None` where a field was invalid (and an
/// error was recorded).
enum Rec {
    School(SchoolRec),
    Team(TeamRec),
    Person(PersonRec),
    Pairing(PairingRec),
}

struct SchoolRec {
    row: usize,
    id: Option<SchoolId>,
    name: Option<String>,
}

struct TeamRec {
    row: usize,
    id: Option<TeamId>,
    school: Option<SchoolId>,
    name: Option<String>,
    channel: Result<Option<String>, ()>,
}

struct PersonRec {
    row: usize,
    role: Role,
    id: Option<PersonId>,
    school: Option<SchoolId>,
    team: Option<TeamId>,
    name: Option<String>,
    chat: Result<Option<String>, ()>,
    language: Result<Option<Language>, ()>,
}

struct PairingRec {
    row: usize,
    wpb: Option<PersonId>,
    student: Option<PersonId>,
    school: Result<Option<SchoolId>, ()>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

/// Checks every entry and the roster as a whole; returns the roster built from what passed
/// (complete exactly when no error was recorded) and the rows of its entries.
pub(super) fn validate(entries: &[Entry], errors: &mut Vec<RowError>) -> (Roster, RosterRows) {
    let mut check = Check { errors };
    // Pass 1: each entry on its own.
    let recs: Vec<Rec> = entries.iter().map(|e| check_entry(&mut check, e)).collect();
    // Pass 2: what exists and duplicates, then references.
    let known = Known::collect(&mut check, &recs);
    let mut pairings_seen = Vec::new();
    for rec in &recs {
        known.check_references(&mut check, rec, &mut pairings_seen);
    }
    if recs.is_empty() && check.errors.is_empty() {
        check.err(
            1,
            "het rooster is leeg: geen enkele school, team, persoon of koppeling",
            "the roster is empty: no school, team, person or pairing",
        );
    }
    build(recs)
}

/// Pass 1: the shape of one entry and each of its fields.
fn check_entry(check: &mut Check<'_>, e: &Entry) -> Rec {
    check.shape(e);
    match e.kind {
        Kind::School => Rec::School(SchoolRec {
            row: e.row,
            id: check.id(e, "id", SchoolId::parse),
            name: check.name(e),
        }),
        Kind::Team => Rec::Team(TeamRec {
            row: e.row,
            id: check.id(e, "id", TeamId::parse),
            school: check.id(e, "school", SchoolId::parse),
            name: check.name(e),
            channel: check.address(e, "channel"),
        }),
        Kind::Schoolopleider | Kind::Wpb | Kind::Student => Rec::Person(PersonRec {
            row: e.row,
            role: e.kind.role().unwrap_or(Role::Student),
            id: check.id(e, "id", PersonId::parse),
            school: check.id(e, "school", SchoolId::parse),
            team: if e.kind == Kind::Wpb {
                check.id(e, "team", TeamId::parse)
            } else {
                None
            },
            name: check.name(e),
            chat: check.address(e, "chat"),
            language: check.language(e),
        }),
        Kind::Pairing => Rec::Pairing(PairingRec {
            row: e.row,
            wpb: check.id(e, "wpb", PersonId::parse),
            student: check.id(e, "student", PersonId::parse),
            school: match e.get("school") {
                None => Ok(None),
                Some(_) => check.id(e, "school", SchoolId::parse).map(Some).ok_or(()),
            },
            start: check.date(e, "start"),
            end: check.date(e, "end"),
        }),
    }
}

/// A pairing that passed its date checks, kept to find later duplicates and overlaps.
struct SeenPairing {
    row: usize,
    wpb: PersonId,
    student: PersonId,
    start: NaiveDate,
    end: NaiveDate,
}

/// Everything the roster defines, by id, with the row that defines it first.
struct Known {
    schools: HashMap<SchoolId, usize>,
    teams: HashMap<TeamId, (usize, Option<SchoolId>)>,
    people: HashMap<PersonId, (usize, Role, Option<SchoolId>)>,
}

impl Known {
    /// Pass 2a: what exists; an id defined twice is an error on the later row.
    fn collect(check: &mut Check<'_>, recs: &[Rec]) -> Known {
        let mut known = Known {
            schools: HashMap::new(),
            teams: HashMap::new(),
            people: HashMap::new(),
        };
        for rec in recs {
            match rec {
                Rec::School(s) => known.add_school(check, s),
                Rec::Team(t) => known.add_team(check, t),
                Rec::Person(p) => known.add_person(check, p),
                Rec::Pairing(_) => {}
            }
        }
        known
    }

    fn add_school(&mut self, check: &mut Check<'_>, rec: &SchoolRec) {
        let Some(id) = &rec.id else { return };
        if let Some(first) = self.schools.get(id) {
            check.err(
                rec.row,
                format!("school `{id}` staat al op rij {first}"),
                format!("school `{id}` is already defined on row {first}"),
            );
        } else {
            self.schools.insert(id.clone(), rec.row);
        }
    }

    fn add_team(&mut self, check: &mut Check<'_>, rec: &TeamRec) {
        let Some(id) = &rec.id else { return };
        if let Some((first, _)) = self.teams.get(id) {
            check.err(
                rec.row,
                format!("team `{id}` staat al op rij {first}"),
                format!("team `{id}` is already defined on row {first}"),
            );
        } else {
            self.teams.insert(id.clone(), (rec.row, rec.school.clone()));
        }
    }

    /// Person ids are unique across all roles.
    fn add_person(&mut self, check: &mut Check<'_>, rec: &PersonRec) {
        let Some(id) = &rec.id else { return };
        if let Some((first, first_role, _)) = self.people.get(id) {
            check.err(
                rec.row,
                format!(
                    "persoon `{id}` staat al op rij {first} (als {})",
                    first_role.as_str()
                ),
                format!(
                    "person `{id}` is already defined on row {first} (as {})",
                    first_role.as_str()
                ),
            );
        } else {
            self.people
                .insert(id.clone(), (rec.row, rec.role, rec.school.clone()));
        }
    }

    /// Pass 2b: what one entry refers to exists and fits.
    fn check_references(
        &self,
        check: &mut Check<'_>,
        rec: &Rec,
        pairings_seen: &mut Vec<SeenPairing>,
    ) {
        match rec {
            Rec::School(_) => {}
            Rec::Team(t) => self.school_exists(check, t.row, &t.school),
            Rec::Person(p) => {
                self.school_exists(check, p.row, &p.school);
                if p.role == Role::Wpb
                    && let Some(t) = &p.team
                {
                    self.wpb_team(check, p.row, &p.school, t);
                }
            }
            Rec::Pairing(p) => {
                let (wpb_school, student_school) = self.pairing_people(check, p);
                self.pairing_school(check, p, wpb_school.as_ref().or(student_school.as_ref()));
                pairing_dates(check, p, pairings_seen);
            }
        }
    }

    fn school_exists(&self, check: &mut Check<'_>, row: usize, school: &Option<SchoolId>) {
        if let Some(s) = school
            && !self.schools.contains_key(s)
        {
            check.err(
                row,
                format!("school `{s}` bestaat niet"),
                format!("school `{s}` does not exist"),
            );
        }
    }

    /// A wpb's team exists and belongs to the wpb's school.
    fn wpb_team(&self, check: &mut Check<'_>, row: usize, school: &Option<SchoolId>, t: &TeamId) {
        match self.teams.get(t) {
            None => check.err(
                row,
                format!("team `{t}` bestaat niet"),
                format!("team `{t}` does not exist"),
            ),
            Some((_, Some(team_school))) => {
                if let Some(s) = school
                    && s != team_school
                {
                    check.err(
                        row,
                        format!("team `{t}` hoort bij school `{team_school}`, niet bij `{s}`"),
                        format!("team `{t}` belongs to school `{team_school}`, not to `{s}`"),
                    );
                }
            }
            Some((_, None)) => {}
        }
    }

    /// A pairing's wpb is a wpb and its student a student, of one school; gives the school
    /// of each where known.
    fn pairing_people(
        &self,
        check: &mut Check<'_>,
        p: &PairingRec,
    ) -> (Option<SchoolId>, Option<SchoolId>) {
        let wpb_school = self.person_of_role(check, p.row, &p.wpb, Role::Wpb);
        let student_school = self.person_of_role(check, p.row, &p.student, Role::Student);
        if let (Some(ws), Some(ss), Some(w), Some(s)) =
            (&wpb_school, &student_school, &p.wpb, &p.student)
            && ws != ss
        {
            check.err(
                p.row,
                format!("wpb `{w}` (school `{ws}`) en student `{s}` (school `{ss}`) horen niet bij dezelfde school"),
                format!("wpb `{w}` (school `{ws}`) and student `{s}` (school `{ss}`) are not at the same school"),
            );
        }
        (wpb_school, student_school)
    }

    /// The school of the person `id` when it exists in role `want`; otherwise an error.
    fn person_of_role(
        &self,
        check: &mut Check<'_>,
        row: usize,
        id: &Option<PersonId>,
        want: Role,
    ) -> Option<SchoolId> {
        let id = id.as_ref()?;
        let want_name = want.as_str();
        match self.people.get(id) {
            None => {
                check.err(
                    row,
                    format!("{want_name} `{id}` bestaat niet"),
                    format!("{want_name} `{id}` does not exist"),
                );
                None
            }
            Some((_, role, _)) if *role != want => {
                check.err(
                    row,
                    format!("`{id}` is geen {want_name} maar {}", role.as_str()),
                    format!("`{id}` is not a {want_name} but a {}", role.as_str()),
                );
                None
            }
            Some((_, _, s)) => s.clone(),
        }
    }

    /// The school a pairing names (optional) exists and is the school of its people.
    fn pairing_school(&self, check: &mut Check<'_>, p: &PairingRec, people: Option<&SchoolId>) {
        let Ok(Some(ps)) = &p.school else { return };
        if !self.schools.contains_key(ps) {
            check.err(
                p.row,
                format!("school `{ps}` bestaat niet"),
                format!("school `{ps}` does not exist"),
            );
        } else if let Some(ws) = people
            && ws != ps
        {
            check.err(
                p.row,
                format!(
                    "koppeling staat bij school `{ps}`, maar de wpb en student horen bij `{ws}`"
                ),
                format!("pairing names school `{ps}`, but the wpb and student are at `{ws}`"),
            );
        }
    }
}

/// A pairing starts before it ends, and is neither a duplicate of nor overlaps an earlier
/// pairing of the same student (a student has one wpb at a time).
fn pairing_dates(check: &mut Check<'_>, p: &PairingRec, seen: &mut Vec<SeenPairing>) {
    let (Some(s), Some(e)) = (p.start, p.end) else {
        return;
    };
    let row = p.row;
    if s > e {
        check.err(
            row,
            format!("begindatum {s} ligt na einddatum {e}"),
            format!("start date {s} is after end date {e}"),
        );
        return;
    }
    let (Some(w), Some(st)) = (&p.wpb, &p.student) else {
        return;
    };
    let range = DateRange { start: s, end: e };
    let earlier = seen.iter().find(|o| {
        &o.student == st
            && DateRange {
                start: o.start,
                end: o.end,
            }
            .overlaps(&range)
    });
    if let Some(o) = earlier {
        let (other_row, other_wpb, os, oe) = (o.row, &o.wpb, o.start, o.end);
        if other_wpb == w && os == s && oe == e {
            check.err(
                row,
                format!("dubbele koppeling: dezelfde als rij {other_row}"),
                format!("duplicate pairing: the same as row {other_row}"),
            );
        } else {
            check.err(
                row,
                format!("koppeling van student `{st}` ({s} t/m {e}) overlapt met die op rij {other_row} (wpb `{other_wpb}`, {os} t/m {oe}); een student heeft één wpb tegelijk"),
                format!("pairing of student `{st}` ({s} to {e}) overlaps the one on row {other_row} (wpb `{other_wpb}`, {os} to {oe}); a student has one wpb at a time"),
            );
        }
    }
    seen.push(SeenPairing {
        row,
        wpb: w.clone(),
        student: st.clone(),
        start: s,
        end: e,
    });
}

/// Pass 3: the roster from every entry whose fields are all present (all of them when no
/// error was recorded), and the row of each.
fn build(recs: Vec<Rec>) -> (Roster, RosterRows) {
    let mut roster = Roster::default();
    let mut rows = RosterRows::default();
    for rec in recs {
        match rec {
            Rec::School(SchoolRec {
                row,
                id: Some(id),
                name: Some(name),
            }) => {
                rows.schools.insert(id.clone(), row);
                roster.schools.push(School { id, name });
            }
            Rec::Team(TeamRec {
                row,
                id: Some(id),
                school: Some(school),
                name: Some(name),
                channel: Ok(channel),
            }) => {
                rows.school_entries.entry(school.clone()).or_insert(row);
                roster.teams.push(Team {
                    id,
                    school,
                    name,
                    channel,
                });
            }
            Rec::Person(p) => build_person(&mut roster, &mut rows, p),
            Rec::Pairing(PairingRec {
                row,
                wpb: Some(wpb),
                student: Some(student),
                start: Some(start),
                end: Some(end),
                ..
            }) => {
                let pairing = Pairing {
                    wpb,
                    student,
                    start,
                    end,
                };
                rows.pairings.push((pairing.clone(), row));
                roster.pairings.push(pairing);
            }
            _ => {}
        }
    }
    (roster, rows)
}

fn build_person(roster: &mut Roster, rows: &mut RosterRows, rec: PersonRec) {
    let PersonRec {
        row,
        role,
        id: Some(id),
        school: Some(school),
        team,
        name: Some(name),
        chat: Ok(chat),
        language: Ok(language),
    } = rec
    else {
        return;
    };
    rows.school_entries.entry(school.clone()).or_insert(row);
    rows.people.insert(id.clone(), row);
    roster.people.push(Person {
        id,
        school,
        role,
        name,
        team,
        chat,
        language,
    });
}
