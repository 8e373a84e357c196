//! Entries: the format-neutral form both readers produce, and what each kind of entry holds.

use crate::domain::roster::Role;

/// What an entry describes: the `kind` column or the `[[kind]]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    School,
    Team,
    Schoolopleider,
    Wpb,
    Student,
    Pairing,
}

/// The kinds, as listed in error messages.
pub(super) const KINDS: &str = "school, team, schoolopleider, wpb, student, pairing";

impl Kind {
    /// A kind name, trimmed and in any case.
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "school" => Kind::School,
            "team" => Kind::Team,
            "schoolopleider" => Kind::Schoolopleider,
            "wpb" => Kind::Wpb,
            "student" => Kind::Student,
            "pairing" => Kind::Pairing,
            _ => return None,
        })
    }

    /// The kind as the files spell it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Kind::School => "school",
            Kind::Team => "team",
            Kind::Schoolopleider => "schoolopleider",
            Kind::Wpb => "wpb",
            Kind::Student => "student",
            Kind::Pairing => "pairing",
        }
    }

    /// The fields an entry of this kind must have.
    pub(super) fn required(self) -> &'static [&'static str] {
        match self {
            Kind::School => &["id", "name"],
            Kind::Team => &["id", "school", "name"],
            Kind::Schoolopleider | Kind::Student => &["id", "school", "name"],
            Kind::Wpb => &["id", "school", "team", "name"],
            Kind::Pairing => &["wpb", "student", "start", "end"],
        }
    }

    /// The fields an entry of this kind may have.
    pub(super) fn optional(self) -> &'static [&'static str] {
        match self {
            Kind::School => &[],
            Kind::Team => &["channel"],
            Kind::Schoolopleider | Kind::Student | Kind::Wpb => &["chat", "language"],
            Kind::Pairing => &["school"],
        }
    }

    /// The role of a person entry; `None` for the other kinds.
    pub(super) fn role(self) -> Option<Role> {
        match self {
            Kind::Schoolopleider => Some(Role::Schoolopleider),
            Kind::Wpb => Some(Role::Wpb),
            Kind::Student => Some(Role::Student),
            _ => None,
        }
    }
}

/// One entry of either format, with the row where it starts.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) row: usize,
    pub(super) kind: Kind,
    /// Non-empty values only, trimmed.
    pub(super) fields: Vec<(String, String)>,
}

impl Entry {
    /// The value of a field, if given.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}
