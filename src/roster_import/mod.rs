//! Roster import: a CSV or TOML file (content passed in, no file I/O here) becomes a validated
//! [`Roster`]. Everything is checked before anything is returned, and *all* problems are
//! reported with their row, so a roster is never half imported.
//!
//! # CSV
//! One file, a header line, then one line per entry. Columns (any order, all required in the
//! header): `kind,id,school,name,team,chat,language,wpb,student,start,end`. Cells a kind does
//! not use stay empty; missing trailing cells count as empty. Lines starting with `#` and empty
//! lines are skipped. `kind` is one of `school`, `team`, `schoolopleider`, `wpb`, `student`,
//! `pairing`. For a `team` the `chat` column holds the team channel. The row of an error is
//! the line number in the file (the header is line 1 when it is the first line).
//!
//! # TOML
//! ```toml
//! [[school]]          # id, name
//! [[team]]            # id, school, name, channel (optional)
//! [[schoolopleider]]  # id, school, name, chat (optional), language (optional)
//! [[wpb]]             # id, school, team, name, chat (optional), language (optional)
//! [[student]]         # id, school, name, chat (optional), language (optional)
//! [[pairing]]         # wpb, student, start, end (YYYY-MM-DD; a bare TOML date works too),
//!                     # school (optional; must then match)
//! ```
//! The row of an error is the line where its entry starts: the `[[kind]]` header line, or the
//! `{` of an inline table in `kind = [ { … } ]`.
//!
//! # Rules
//! Ids are valid slugs and unique (school ids; team ids; person ids across all roles); names are
//! not empty; languages are `nl`/`en`; chat addresses look like `platform:address`; a team's
//! school exists; a wpb's team exists and belongs to the wpb's school; a pairing's `wpb` is a
//! wpb and its `student` a student of the same school; `start <= end`; no duplicate pairing and
//! no two pairings of one student that overlap in time.
//!
//! What only the store can check (a pairing overlapping a stored one, a school left without a
//! schoolopleider) is refused by the import itself; [`RosterRows::refusal`] gives those the row
//! of the entry they are about, in the same form.
//!
//! The work is split along the way a file travels: `csv_file` and `toml_file` read their
//! format into format-neutral entries (`entry`), `check` and `validate` turn those into a
//! roster or errors, and [`RosterRows`] (`rows`) remembers where each entry stood.

mod check;
mod csv_file;
mod entry;
mod error;
mod rows;
mod toml_file;
mod validate;

use std::path::Path;

use crate::domain::roster::Roster;

pub use error::{RosterErrors, RowError};
pub use rows::RosterRows;

/// The CSV header, in the documented order.
pub const CSV_COLUMNS: [&str; 11] = [
    "kind", "id", "school", "name", "team", "chat", "language", "wpb", "student", "start", "end",
];

/// The two file formats a roster can come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFormat {
    /// One header line, then one line per entry.
    Csv,
    /// `[[kind]]` tables, one per entry.
    Toml,
}

impl RosterFormat {
    /// By extension: `.csv` or `.toml` (any case).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(RosterFormat::Csv),
            "toml" => Some(RosterFormat::Toml),
            _ => None,
        }
    }
}

/// Parses a roster file as read from disk: bytes that are not UTF-8 are refused with their row
/// (Excel's plain "CSV" saves Windows-1252), otherwise as [`parse_roster`].
pub fn parse_roster_bytes(
    bytes: &[u8],
    format: RosterFormat,
) -> Result<(Roster, RosterRows), RosterErrors> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_roster_with_rows(text, format),
        Err(_) => Err(RosterErrors(not_utf8_rows(bytes))),
    }
}

/// One error for every line that is not valid UTF-8, with a hint how to save it right.
fn not_utf8_rows(bytes: &[u8]) -> Vec<RowError> {
    bytes
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| std::str::from_utf8(line).is_err())
        .map(|(i, _)| {
            RowError::new(
                i + 1,
                "tekst is geen UTF-8 (bijvoorbeeld een é uit Excel); je kunt het bestand opslaan als \"CSV UTF-8\"",
                "text is not UTF-8 (an é from Excel, say); you can save the file as \"CSV UTF-8\"",
            )
        })
        .collect()
}

/// Parses and validates a whole roster. Either every entry is valid and consistent, or every
/// problem is returned.
pub fn parse_roster(text: &str, format: RosterFormat) -> Result<Roster, RosterErrors> {
    parse_roster_with_rows(text, format).map(|(roster, _)| roster)
}

/// [`parse_roster`], with where each entry stands in the file: an import the store refuses
/// ([`RosterConflict`](crate::domain::roster::RosterConflict)) is then reported with its rows
/// too.
pub fn parse_roster_with_rows(
    text: &str,
    format: RosterFormat,
) -> Result<(Roster, RosterRows), RosterErrors> {
    let mut errors = Vec::new();
    let entries = match format {
        RosterFormat::Csv => csv_file::read_csv(text, &mut errors),
        RosterFormat::Toml => toml_file::read_toml(text, &mut errors),
    };
    let (roster, rows) = validate::validate(&entries, &mut errors);
    if errors.is_empty() {
        Ok((roster, rows))
    } else {
        errors.sort_by_key(|e| e.row);
        Err(RosterErrors(errors))
    }
}

#[cfg(test)]
mod tests;
