//! The generated school of a scale run: one school, a schoolopleider, N wpbs in teams of 100,
//! each with one student placed for the whole year, and the configuration it runs under.

use chrono::NaiveDate;
use std::collections::BTreeMap;

use crate::config::{Config, ConfigError};
use crate::domain::roster::{
    Pairing, Person, PersonId, Role, Roster, School, SchoolId, Team, TeamId,
};

/// Wpbs per team, as in a large mbo college's departments.
const TEAM_SIZE: usize = 100;

/// The configuration of the generated school: the example's calendar (Amsterdam, 08:30–16:30,
/// Monday to Friday), two prompts a week with a reminder, the digest on, team calls every two
/// weeks.
const SETTINGS: &str = r#"
[defaults]
timezone = "Europe/Amsterdam"
working_hours = { start = "08:30", end = "16:30" }
school_days = ["ma", "di", "wo", "do", "vr"]
cadence = 2
reminder = true
reminder_after_hours = 24
language = "nl"

[defaults.intervisie]
every_weeks = 2

[defaults.digest]
enabled = true
"#;

/// The configuration every scale run uses; `database_url` is set by the caller.
pub fn config(database_url: &str) -> Result<Config, ConfigError> {
    let mut config = Config::from_toml_str(SETTINGS, "bench scale", &BTreeMap::new())?;
    config.database_url = database_url.to_string();
    Ok(config)
}

/// The id of wpb `i`; its student is [`student_id`]`(i)`.
pub fn wpb_id(i: usize) -> PersonId {
    PersonId::from_trusted(format!("w{i}"))
}

/// The id of the student placed with wpb `i`.
pub fn student_id(i: usize) -> PersonId {
    PersonId::from_trusted(format!("s{i}"))
}

/// The wpb number in a generated wpb id (`w17` → 17).
pub fn wpb_number(id: &PersonId) -> Option<usize> {
    id.as_str().strip_prefix('w')?.parse().ok()
}

/// A roster of `wpbs` wpbs, each paired with one student from `start` through `end`.
pub fn roster(wpbs: usize, start: NaiveDate, end: NaiveDate) -> Roster {
    let school = SchoolId::from_trusted("regio");
    let teams: Vec<Team> = (0..wpbs.div_ceil(TEAM_SIZE))
        .map(|t| Team {
            id: TeamId::from_trusted(format!("t{t}")),
            school: school.clone(),
            name: format!("Team {t}"),
            channel: Some(format!("bench:#team-{t}")),
        })
        .collect();
    let person = |id: PersonId, role: Role, name: String, team: Option<TeamId>| Person {
        chat: Some(format!("bench:{id}")),
        id,
        school: school.clone(),
        role,
        name,
        team,
        language: None,
    };
    let mut people = vec![person(
        PersonId::from_trusted("so"),
        Role::Schoolopleider,
        "Schoolopleider".into(),
        None,
    )];
    for i in 0..wpbs {
        let team = TeamId::from_trusted(format!("t{}", i / TEAM_SIZE));
        people.push(person(wpb_id(i), Role::Wpb, format!("Wpb {i}"), Some(team)));
        people.push(person(
            student_id(i),
            Role::Student,
            format!("Student {i}"),
            None,
        ));
    }
    let pairings = (0..wpbs)
        .map(|i| Pairing {
            wpb: wpb_id(i),
            student: student_id(i),
            start,
            end,
        })
        .collect();
    Roster {
        schools: vec![School {
            id: school,
            name: "Regionaal opleidingsnetwerk".into(),
        }],
        teams,
        people,
        pairings,
    }
}
