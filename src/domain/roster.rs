//! Who is who: schools, teams, people and the pairings between wpbs and students.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

use super::language::Language;
use super::schedule::DateRange;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Ids are short slugs chosen by the schoolopleider: letters, digits, `-`, `_`, `.`.
            pub fn parse(raw: &str) -> Result<Self, IdError> {
                let s = raw.trim();
                if s.is_empty() {
                    return Err(IdError::Empty);
                }
                if s.chars().count() > 64 {
                    return Err(IdError::TooLong(s.to_string()));
                }
                if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
                    return Err(IdError::BadCharacter(s.to_string()));
                }
                Ok(Self(s.to_string()))
            }

            /// For ids read back from our own storage, already validated on the way in.
            pub fn from_trusted(s: impl Into<String>) -> Self {
                Self(s.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A school (opleidingsschool or mbo workplace) with its own settings.
    SchoolId
);
id_type!(
    /// A team or vakgroep within a school.
    TeamId
);
id_type!(
    /// Any person: wpb, student or schoolopleider. Unique across the deployment.
    PersonId
);

/// A pairing is identified by its wpb and student: one wpb may have several students,
/// and a student may be re-paired later, so the start date completes the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PairingId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("leeg id / empty id")]
    Empty,
    #[error("id `{0}` is langer dan 64 tekens / longer than 64 characters")]
    TooLong(String),
    #[error(
        "id `{0}` mag alleen letters, cijfers, `-`, `_` en `.` bevatten / may only contain letters, digits, `-`, `_` and `.`"
    )]
    BadCharacter(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Schoolopleider,
    Wpb,
    Student,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Schoolopleider => "schoolopleider",
            Role::Wpb => "wpb",
            Role::Student => "student",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "schoolopleider" | "so" => Some(Role::Schoolopleider),
            "wpb" | "werkplekbegeleider" => Some(Role::Wpb),
            "student" => Some(Role::Student),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    pub id: SchoolId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    pub id: TeamId,
    pub school: SchoolId,
    pub name: String,
    /// Platform address of the team channel, e.g. `console:#zorg` or a Discord channel id.
    pub channel: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub school: SchoolId,
    pub role: Role,
    pub name: String,
    /// Only wpbs belong to a team.
    pub team: Option<TeamId>,
    /// Platform address for direct messages, e.g. `console:anna` or `discord:1234`.
    pub chat: Option<String>,
    pub language: Option<Language>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    pub wpb: PersonId,
    pub student: PersonId,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Pairing {
    pub fn period(&self) -> DateRange {
        DateRange {
            start: self.start,
            end: self.end,
        }
    }

    /// A student has one wpb at a time: two pairings of the same student may not share a day.
    pub fn conflicts_with(&self, other: &Pairing) -> bool {
        self.student == other.student && self.period().overlaps(&other.period())
    }

    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// Whole weeks since the placement started; drives the phase of the prompts.
    pub fn weeks_in(&self, day: NaiveDate) -> i64 {
        (day - self.start).num_days().max(0) / 7
    }
}

/// A complete, validated roster: what an import produces and the store replaces atomically.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub schools: Vec<School>,
    pub teams: Vec<Team>,
    pub people: Vec<Person>,
    pub pairings: Vec<Pairing>,
}

/// A chat address has the form `platform:address` (`discord:1234`, `console:anna`): a
/// platform of ASCII letters and digits, a colon, something after it, no spaces.
pub fn is_chat_address(raw: &str) -> bool {
    raw.split_once(':').is_some_and(|(platform, rest)| {
        !platform.is_empty()
            && platform.chars().all(|c| c.is_ascii_alphanumeric())
            && !rest.is_empty()
    }) && !raw.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_slugs_and_refuse_the_rest() {
        assert_eq!(PersonId::parse(" anna-b ").unwrap().as_str(), "anna-b");
        assert_eq!(PersonId::parse(""), Err(IdError::Empty));
        assert!(matches!(
            PersonId::parse("an na"),
            Err(IdError::BadCharacter(_))
        ));
        assert!(matches!(
            PersonId::parse(&"a".repeat(65)),
            Err(IdError::TooLong(_))
        ));
    }

    #[test]
    fn pairing_weeks_and_activity() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = Pairing {
            wpb: PersonId::from_trusted("w"),
            student: PersonId::from_trusted("s"),
            start: d("2026-09-01"),
            end: d("2027-01-31"),
        };
        assert!(!p.is_active_on(d("2026-08-31")));
        assert!(p.is_active_on(d("2026-09-01")));
        assert!(p.is_active_on(d("2027-01-31")));
        assert!(!p.is_active_on(d("2027-02-01")));
        assert_eq!(p.weeks_in(d("2026-09-07")), 0);
        assert_eq!(p.weeks_in(d("2026-09-08")), 1);
        assert_eq!(p.weeks_in(d("2026-08-01")), 0);
        let other = |student: &str, start: &str, end: &str| Pairing {
            wpb: PersonId::from_trusted("w2"),
            student: PersonId::from_trusted(student),
            start: d(start),
            end: d(end),
        };
        assert!(
            p.conflicts_with(&other("s", "2027-01-31", "2027-03-01")),
            "sharing the last day"
        );
        assert!(!p.conflicts_with(&other("s", "2027-02-01", "2027-03-01")));
        assert!(!p.conflicts_with(&other("s", "2026-08-01", "2026-08-31")));
        assert!(
            !p.conflicts_with(&other("t", "2026-10-01", "2026-11-01")),
            "another student"
        );
    }
}
