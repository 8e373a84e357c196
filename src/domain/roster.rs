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

            /// The id as text.
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

/// Why an id from a roster file or a command is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is empty.
    #[error("leeg id / empty id")]
    Empty,
    /// The id is longer than 64 characters.
    #[error("id `{0}` is langer dan 64 tekens / longer than 64 characters")]
    TooLong(String),
    #[error(
        "id `{0}` mag alleen letters, cijfers, `-`, `_` en `.` bevatten / may only contain letters, digits, `-`, `_` and `.`"
    )]
    /// The id has a character outside letters, digits, `-`, `_` and `.`.
    BadCharacter(String),
}

/// What a person is in the school, which decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Runs the deployment: every school, the roster, retention.
    Admin,
    /// Coordinates a school's placements; receives escalations and the overview.
    Schoolopleider,
    /// Werkplekbegeleider: gets the prompts, gives klik, writes reflections.
    Wpb,
    /// The student on placement; gives their own klik.
    Student,
}

impl Role {
    /// The role as the roster files and the database write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Schoolopleider => "schoolopleider",
            Role::Wpb => "wpb",
            Role::Student => "student",
        }
    }

    /// Reads a role as the roster files write it; `None` for anything else.
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

/// An opleidingsschool or mbo college.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct School {
    /// The school's id.
    pub id: SchoolId,
    /// The school's display name.
    pub name: String,
}

/// A team of colleagues at a school, sharing one channel and its intervisie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// The team's id.
    pub id: TeamId,
    /// The school it belongs to.
    pub school: SchoolId,
    /// The team's display name.
    pub name: String,
    /// Platform address of the team channel, e.g. `console:#zorg` or a Discord channel id.
    pub channel: Option<String>,
}

/// Anyone on the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The person's id.
    pub id: PersonId,
    /// The school they belong to.
    pub school: SchoolId,
    /// What they are in the school.
    pub role: Role,
    /// Their display name.
    pub name: String,
    /// Only wpbs belong to a team.
    pub team: Option<TeamId>,
    /// Platform address for direct messages, e.g. `console:anna` or `discord:1234`.
    pub chat: Option<String>,
    /// The language they chose; `None` means the configured default.
    pub language: Option<Language>,
}

/// A wpb and a student in one placement, from the start day through the end day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// The wpb.
    pub wpb: PersonId,
    /// The student.
    pub student: PersonId,
    /// The first day of the placement.
    pub start: NaiveDate,
    /// The last day of the placement (inclusive).
    pub end: NaiveDate,
}

impl Pairing {
    /// The placement's days, start through end.
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

    /// The same pairing as stored: wpb, student and start day are its key, so an import of
    /// it changes its end day instead of adding a second one.
    pub fn same_key(&self, other: &Pairing) -> bool {
        self.wpb == other.wpb && self.student == other.student && self.start == other.start
    }

    /// Whether the placement runs on `day`.
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
    /// Every school.
    pub schools: Vec<School>,
    /// Every team.
    pub teams: Vec<Team>,
    /// Every person.
    pub people: Vec<Person>,
    /// Every pairing.
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

impl Roster {
    /// Schools in this roster that have no schoolopleider: an escalation there reaches nobody
    /// at the school.
    pub fn schools_without_schoolopleider(&self) -> Vec<&School> {
        self.schools
            .iter()
            .filter(|s| {
                !self
                    .people
                    .iter()
                    .any(|p| p.school == s.id && p.role == Role::Schoolopleider)
            })
            .collect()
    }
}

/// Why an import is refused although every row is valid on its own: what it would leave
/// stored breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterConflict {
    /// A pairing of the import overlaps one already stored that the import does not replace.
    PairingOverlaps {
        /// The pairing in the import.
        new: Pairing,
        /// The stored pairing it overlaps.
        stored: Pairing,
    },
    /// After the import the school has no schoolopleider, so an escalation reaches nobody
    /// there. `moved`: the school's stored schoolopleider the import moves to another school
    /// or gives another role, if that is how it loses them.
    NoSchoolopleider {
        /// The school left without a schoolopleider.
        school: SchoolId,
        /// The schoolopleider the import moves away, if any.
        moved: Option<PersonId>,
    },
}

impl RosterConflict {
    /// The conflict in one language, without a row (the importer adds that).
    pub fn text(&self, language: Language) -> String {
        match (self, language) {
            (RosterConflict::PairingOverlaps { new, stored }, Language::Nl) => format!(
                "koppeling van student `{}` met wpb `{}` ({} t/m {}) overlapt met de opgeslagen koppeling met wpb `{}` ({} t/m {}); een student heeft één wpb tegelijk",
                new.student, new.wpb, new.start, new.end, stored.wpb, stored.start, stored.end,
            ),
            (RosterConflict::PairingOverlaps { new, stored }, Language::En) => format!(
                "pairing of student `{}` with wpb `{}` ({} to {}) overlaps the stored pairing with wpb `{}` ({} to {}); a student has one wpb at a time",
                new.student, new.wpb, new.start, new.end, stored.wpb, stored.start, stored.end,
            ),
            (RosterConflict::NoSchoolopleider { school, moved }, Language::Nl) => format!(
                "school `{school}` heeft na de import geen schoolopleider{}, dus een escalatie bereikt daar niemand; je kunt er een toevoegen",
                moved
                    .as_ref()
                    .map(|m| format!(" meer (`{m}` was het)"))
                    .unwrap_or_default()
            ),
            (RosterConflict::NoSchoolopleider { school, moved }, Language::En) => format!(
                "school `{school}` would have no schoolopleider after the import{}, so an escalation would reach nobody there; you can add one",
                moved
                    .as_ref()
                    .map(|m| format!(" (`{m}` was)"))
                    .unwrap_or_default()
            ),
        }
    }
}

impl fmt::Display for RosterConflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} / {}",
            self.text(Language::Nl),
            self.text(Language::En)
        )
    }
}

/// The imported pairings that overlap a stored one; a stored pairing with the same key is
/// replaced by the import and so is no conflict. The overlap rule is [`Pairing::conflicts_with`].
pub fn overlaps_with_stored(new: &[Pairing], stored: &[Pairing]) -> Vec<RosterConflict> {
    let kept: Vec<&Pairing> = stored
        .iter()
        .filter(|s| !new.iter().any(|n| n.same_key(s)))
        .collect();
    new.iter()
        .flat_map(|n| {
            kept.iter()
                .filter(|s| n.conflicts_with(s))
                .map(|s| RosterConflict::PairingOverlaps {
                    new: n.clone(),
                    stored: (*s).clone(),
                })
        })
        .collect()
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

    fn pairing(wpb: &str, student: &str, start: &str, end: &str) -> Pairing {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        Pairing {
            wpb: PersonId::from_trusted(wpb),
            student: PersonId::from_trusted(student),
            start: d(start),
            end: d(end),
        }
    }

    #[test]
    fn an_import_overlaps_stored_pairings_it_does_not_replace() {
        let stored = vec![
            pairing("w1", "s", "2026-09-01", "2027-01-31"),
            pairing("w2", "t", "2026-09-01", "2027-01-31"),
        ];
        // Same key: the import moves the end date; no conflict.
        let longer = pairing("w1", "s", "2026-09-01", "2027-06-30");
        assert!(overlaps_with_stored(std::slice::from_ref(&longer), &stored).is_empty());
        // Another wpb for `s` while w1 is stored: one conflict, naming both.
        let other = pairing("w3", "s", "2027-01-31", "2027-06-30");
        assert_eq!(
            overlaps_with_stored(std::slice::from_ref(&other), &stored),
            vec![RosterConflict::PairingOverlaps {
                new: other.clone(),
                stored: stored[0].clone(),
            }]
        );
        // ...unless the same import ends w1's pairing before.
        let ended = pairing("w1", "s", "2026-09-01", "2027-01-30");
        assert!(overlaps_with_stored(&[ended, other], &stored).is_empty());
        let text = RosterConflict::PairingOverlaps {
            new: pairing("w3", "s", "2027-01-31", "2027-06-30"),
            stored: stored[0].clone(),
        }
        .to_string();
        assert!(
            text.starts_with("koppeling van student `s` met wpb `w3` (2027-01-31 t/m 2027-06-30) overlapt met de opgeslagen koppeling met wpb `w1` (2026-09-01 t/m 2027-01-31)"),
            "{text}"
        );
        assert!(text.contains(" / pairing of student `s`"), "{text}");
    }

    #[test]
    fn schools_without_schoolopleider_are_found() {
        let school = |id: &str| School {
            id: SchoolId::from_trusted(id),
            name: id.to_uppercase(),
        };
        let person = |id: &str, school: &str, role| Person {
            id: PersonId::from_trusted(id),
            school: SchoolId::from_trusted(school),
            role,
            name: id.into(),
            team: None,
            chat: None,
            language: None,
        };
        let roster = Roster {
            schools: vec![school("a"), school("b")],
            teams: vec![],
            people: vec![
                person("so", "a", Role::Schoolopleider),
                person("w", "b", Role::Wpb),
            ],
            pairings: vec![],
        };
        let ids: Vec<&str> = roster
            .schools_without_schoolopleider()
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(ids, vec!["b"]);
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
