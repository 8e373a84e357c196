//! Where each entry of a parsed roster stood in its file, so that what the store refuses is
//! reported with a row like the file's own errors.

use std::collections::HashMap;

use super::error::{RosterErrors, RowError};
use crate::domain::language::Language;
use crate::domain::roster::{Pairing, PersonId, RosterConflict, SchoolId};

/// The row of each entry of a parsed roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterRows {
    pub(super) schools: HashMap<SchoolId, usize>,
    /// The first team or person row of each school, for a school without a row of its own.
    pub(super) school_entries: HashMap<SchoolId, usize>,
    pub(super) people: HashMap<PersonId, usize>,
    pub(super) pairings: Vec<(Pairing, usize)>,
}

impl RosterRows {
    /// The store's refusal, one error per conflict with the row it is about, in the same
    /// form as the file's own errors.
    pub fn refusal(&self, conflicts: &[RosterConflict]) -> RosterErrors {
        let mut errors: Vec<RowError> = conflicts
            .iter()
            .map(|c| RowError::new(self.row_of(c), c.text(Language::Nl), c.text(Language::En)))
            .collect();
        errors.sort_by_key(|e| e.row);
        RosterErrors(errors)
    }

    /// The row a conflict is about; row 1 when the roster has no entry for it.
    fn row_of(&self, conflict: &RosterConflict) -> usize {
        match conflict {
            RosterConflict::PairingOverlaps { new, .. } => self
                .pairings
                .iter()
                .find(|(p, _)| p == new)
                .map_or(1, |(_, row)| *row),
            RosterConflict::NoSchoolopleider { school, moved } => moved
                .as_ref()
                .and_then(|m| self.people.get(m))
                .or_else(|| self.schools.get(school))
                .or_else(|| self.school_entries.get(school))
                .copied()
                .unwrap_or(1),
        }
    }
}
