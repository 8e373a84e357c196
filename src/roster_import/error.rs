//! The errors of an import: one [`RowError`] per problem, all of them in [`RosterErrors`].

use std::fmt;

/// One problem in one row. `message` is Dutch, `message_en` English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The file line the problem is about (1-based).
    pub row: usize,
    /// The problem in Dutch.
    pub message: String,
    /// The problem in English.
    pub message_en: String,
}

impl RowError {
    pub(super) fn new(row: usize, nl: impl Into<String>, en: impl Into<String>) -> Self {
        RowError {
            row,
            message: nl.into(),
            message_en: en.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "rij {row}: {nl} / row {row}: {en}",
            row = self.row,
            nl = self.message,
            en = self.message_en
        )
    }
}

impl std::error::Error for RowError {}

/// Every problem found, ordered by row. Display: one line per problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterErrors(pub Vec<RowError>);

impl fmt::Display for RosterErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for RosterErrors {}
