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

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use toml::de::{DeTable, DeValue};

use crate::config::line_of;
use crate::domain::language::Language;
use crate::domain::roster::{
    IdError, Pairing, Person, PersonId, Role, Roster, RosterConflict, School, SchoolId, Team,
    TeamId,
};
use crate::domain::schedule::DateRange;

/// The CSV header, in the documented order.
pub const CSV_COLUMNS: [&str; 11] = [
    "kind", "id", "school", "name", "team", "chat", "language", "wpb", "student", "start", "end",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFormat {
    Csv,
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

/// One problem in one row. `message` is Dutch, `message_en` English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    pub message: String,
    pub message_en: String,
}

impl RowError {
    fn new(row: usize, nl: impl Into<String>, en: impl Into<String>) -> Self {
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
/// ([`RosterConflict`]) is then reported with its rows too.
pub fn parse_roster_with_rows(
    text: &str,
    format: RosterFormat,
) -> Result<(Roster, RosterRows), RosterErrors> {
    let mut errors = Vec::new();
    let entries = match format {
        RosterFormat::Csv => read_csv(text, &mut errors),
        RosterFormat::Toml => read_toml(text, &mut errors),
    };
    let (roster, rows) = validate(&entries, &mut errors);
    if errors.is_empty() {
        Ok((roster, rows))
    } else {
        errors.sort_by_key(|e| e.row);
        Err(RosterErrors(errors))
    }
}

/// The row of each entry of a parsed roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RosterRows {
    schools: HashMap<SchoolId, usize>,
    /// The first team or person row of each school, for a school without a row of its own.
    school_entries: HashMap<SchoolId, usize>,
    people: HashMap<PersonId, usize>,
    pairings: Vec<(Pairing, usize)>,
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

// ---------------------------------------------------------------------------------------------
// Entries: the format-neutral form both readers produce
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    School,
    Team,
    Schoolopleider,
    Wpb,
    Student,
    Pairing,
}

const KINDS: &str = "school, team, schoolopleider, wpb, student, pairing";

impl Kind {
    fn parse(s: &str) -> Option<Self> {
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

    fn name(self) -> &'static str {
        match self {
            Kind::School => "school",
            Kind::Team => "team",
            Kind::Schoolopleider => "schoolopleider",
            Kind::Wpb => "wpb",
            Kind::Student => "student",
            Kind::Pairing => "pairing",
        }
    }

    fn required(self) -> &'static [&'static str] {
        match self {
            Kind::School => &["id", "name"],
            Kind::Team => &["id", "school", "name"],
            Kind::Schoolopleider | Kind::Student => &["id", "school", "name"],
            Kind::Wpb => &["id", "school", "team", "name"],
            Kind::Pairing => &["wpb", "student", "start", "end"],
        }
    }

    fn optional(self) -> &'static [&'static str] {
        match self {
            Kind::School => &[],
            Kind::Team => &["channel"],
            Kind::Schoolopleider | Kind::Student | Kind::Wpb => &["chat", "language"],
            Kind::Pairing => &["school"],
        }
    }

    fn role(self) -> Option<Role> {
        match self {
            Kind::Schoolopleider => Some(Role::Schoolopleider),
            Kind::Wpb => Some(Role::Wpb),
            Kind::Student => Some(Role::Student),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    row: usize,
    kind: Kind,
    /// Non-empty values only, trimmed.
    fields: Vec<(String, String)>,
}

impl Entry {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// The csv crate reports where it *started* reading a record, which lies before any skipped
/// empty or comment lines; step over those to find the record's own first line.
fn csv_line(text: &str, byte: u64) -> usize {
    let bytes = text.as_bytes();
    let mut i = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    loop {
        while i < bytes.len() && (bytes[i] == b'\n' || bytes[i] == b'\r') {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else {
            break;
        }
    }
    line_of(text, i)
}

/// Dutch Excel saves CSV with semicolons: the header line (the first line that is not empty
/// or a comment) decides. Column names hold neither character, so this is unambiguous.
fn csv_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let count = |c: char| header.matches(c).count();
    if count(';') > count(',') { b';' } else { b',' }
}

fn read_csv(text: &str, errors: &mut Vec<RowError>) -> Vec<Entry> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let expected = CSV_COLUMNS.join(",");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(csv_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut records = reader.records();

    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            let row = e.position().map_or(1, |p| csv_line(text, p.byte()));
            errors.push(RowError::new(
                row,
                format!("kopregel onleesbaar ({e})"),
                format!("header unreadable ({e})"),
            ));
            return Vec::new();
        }
        None => {
            errors.push(RowError::new(
                1,
                format!("bestand is leeg; de eerste regel moet de kop zijn: {expected}"),
                format!("file is empty; the first line must be the header: {expected}"),
            ));
            return Vec::new();
        }
    };
    let header_row = header.position().map_or(1, |p| csv_line(text, p.byte()));
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();

    let missing: Vec<&str> = CSV_COLUMNS
        .iter()
        .copied()
        .filter(|c| !names.iter().any(|n| n == c))
        .collect();
    let mut unknown: Vec<&str> = Vec::new();
    let mut doubled: Vec<&str> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        if !CSV_COLUMNS.contains(&n.as_str()) {
            unknown.push(n);
        } else if names[..i].contains(n) {
            doubled.push(n);
        }
    }
    if !missing.is_empty() || !unknown.is_empty() || !doubled.is_empty() {
        let list = |v: &[&str]| {
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut nl = Vec::new();
        let mut en = Vec::new();
        if !missing.is_empty() {
            nl.push(format!("ontbrekende kolommen {}", list(&missing)));
            en.push(format!("missing columns {}", list(&missing)));
        }
        if !unknown.is_empty() {
            nl.push(format!("onbekende kolommen {}", list(&unknown)));
            en.push(format!("unknown columns {}", list(&unknown)));
        }
        if !doubled.is_empty() {
            nl.push(format!("dubbele kolommen {}", list(&doubled)));
            en.push(format!("duplicate columns {}", list(&doubled)));
        }
        errors.push(RowError::new(
            header_row,
            format!(
                "kopregel klopt niet: {}; verwacht: {expected}",
                nl.join("; ")
            ),
            format!("header is wrong: {}; expected: {expected}", en.join("; ")),
        ));
        return Vec::new();
    }

    let mut entries = Vec::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let row = e.position().map_or(0, |p| csv_line(text, p.byte()));
                errors.push(RowError::new(
                    row,
                    format!("regel onleesbaar ({e})"),
                    format!("line unreadable ({e})"),
                ));
                continue;
            }
        };
        let row = record.position().map_or(0, |p| csv_line(text, p.byte()));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if record.len() > names.len() && record.iter().skip(names.len()).any(|c| !c.is_empty()) {
            errors.push(RowError::new(
                row,
                format!(
                    "{} cellen, maar de kop heeft {} kolommen",
                    record.len(),
                    names.len()
                ),
                format!(
                    "{} cells, but the header has {} columns",
                    record.len(),
                    names.len()
                ),
            ));
            continue;
        }
        let mut kind_text = "";
        let mut fields = Vec::new();
        for (name, cell) in names.iter().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            if name == "kind" {
                kind_text = cell;
            } else {
                fields.push((name.clone(), cell.to_string()));
            }
        }
        let Some(kind) = Kind::parse(kind_text) else {
            errors.push(if kind_text.is_empty() {
                RowError::new(
                    row,
                    format!("kolom `kind` is leeg; kies uit {KINDS}"),
                    format!("column `kind` is empty; choose from {KINDS}"),
                )
            } else {
                RowError::new(
                    row,
                    format!("onbekende soort `{kind_text}`; kies uit {KINDS}"),
                    format!("unknown kind `{kind_text}`; choose from {KINDS}"),
                )
            });
            continue;
        };
        if kind == Kind::Team {
            for (name, _) in &mut fields {
                if name == "chat" {
                    *name = "channel".to_string();
                }
            }
        }
        entries.push(Entry { row, kind, fields });
    }
    entries
}

// ---------------------------------------------------------------------------------------------
// TOML
// ---------------------------------------------------------------------------------------------

fn read_toml(text: &str, errors: &mut Vec<RowError>) -> Vec<Entry> {
    let doc = match DeTable::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            let row = line_of(text, e.span().map_or(0, |s| s.start));
            errors.push(RowError::new(
                row,
                format!("ongeldige TOML ({})", e.message()),
                format!("invalid TOML ({})", e.message()),
            ));
            return Vec::new();
        }
    };
    let mut entries = Vec::new();
    for (key, value) in doc.get_ref().iter() {
        let section: &str = key.get_ref();
        let row = line_of(text, key.span().start);
        let Some(kind) = Kind::parse(section).filter(|k| k.name() == section) else {
            errors.push(RowError::new(
                row,
                format!("onbekende sectie `{section}`; kies uit [[school]], [[team]], [[schoolopleider]], [[wpb]], [[student]], [[pairing]]"),
                format!("unknown section `{section}`; choose from [[school]], [[team]], [[schoolopleider]], [[wpb]], [[student]], [[pairing]]"),
            ));
            continue;
        };
        let DeValue::Array(items) = value.get_ref() else {
            errors.push(RowError::new(
                row,
                format!("`{section}` moet een lijst van tabellen zijn: schrijf [[{section}]]"),
                format!("`{section}` must be a list of tables: write [[{section}]]"),
            ));
            continue;
        };
        for item in items.iter() {
            let row = line_of(text, item.span().start);
            let DeValue::Table(table) = item.get_ref() else {
                errors.push(RowError::new(
                    row,
                    format!("elk item in `{section}` moet een tabel zijn"),
                    format!("every item in `{section}` must be a table"),
                ));
                continue;
            };
            let mut fields = Vec::new();
            for (field, v) in table.iter() {
                let name: &str = field.get_ref();
                let value = match v.get_ref() {
                    DeValue::String(s) => s.trim().to_string(),
                    DeValue::Datetime(dt) => dt.to_string(),
                    _ => {
                        errors.push(RowError::new(
                            row,
                            format!("`{name}` moet tekst zijn (tussen aanhalingstekens)"),
                            format!("`{name}` must be text (in quotes)"),
                        ));
                        continue;
                    }
                };
                if !value.is_empty() {
                    fields.push((name.to_string(), value));
                }
            }
            entries.push(Entry { row, kind, fields });
        }
    }
    // Tables come back sorted by name; restore the file's order.
    entries.sort_by_key(|e| e.row);
    entries
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

struct Check<'a> {
    errors: &'a mut Vec<RowError>,
}

impl Check<'_> {
    fn err(&mut self, row: usize, nl: impl Into<String>, en: impl Into<String>) {
        self.errors.push(RowError::new(row, nl, en));
    }

    /// Unknown and missing fields.
    fn shape(&mut self, e: &Entry) {
        let kind = e.kind.name();
        for (name, _) in &e.fields {
            let n = name.as_str();
            if !e.kind.required().contains(&n) && !e.kind.optional().contains(&n) {
                let mut allowed: Vec<&str> = e.kind.required().to_vec();
                allowed.extend_from_slice(e.kind.optional());
                let allowed = allowed.join(", ");
                self.err(
                    e.row,
                    format!("`{n}` hoort niet bij `{kind}` (wel: {allowed})"),
                    format!("`{n}` is not used for `{kind}` (allowed: {allowed})"),
                );
            }
        }
        for name in e.kind.required() {
            if e.get(name).is_none() {
                self.err(
                    e.row,
                    format!("`{name}` ontbreekt of is leeg"),
                    format!("`{name}` is missing or empty"),
                );
            }
        }
    }

    fn id<T>(
        &mut self,
        e: &Entry,
        field: &str,
        parse: fn(&str) -> Result<T, IdError>,
    ) -> Option<T> {
        let raw = e.get(field)?;
        match parse(raw) {
            Ok(id) => Some(id),
            Err(err) => {
                let (nl, en) = match err {
                    IdError::Empty => ("is leeg".to_string(), "is empty".to_string()),
                    IdError::TooLong(s) => (
                        format!("`{s}` is langer dan 64 tekens"),
                        format!("`{s}` is longer than 64 characters"),
                    ),
                    IdError::BadCharacter(s) => (
                        format!("`{s}` mag alleen letters, cijfers, `-`, `_` en `.` bevatten"),
                        format!("`{s}` may only contain letters, digits, `-`, `_` and `.`"),
                    ),
                };
                self.err(
                    e.row,
                    format!("ongeldig id in `{field}`: {nl}"),
                    format!("invalid id in `{field}`: {en}"),
                );
                None
            }
        }
    }

    fn name(&mut self, e: &Entry) -> Option<String> {
        let name = e.get("name")?;
        if name.chars().any(char::is_control) {
            self.err(
                e.row,
                "`name` mag geen regeleinden of stuurtekens bevatten",
                "`name` may not contain line breaks or control characters",
            );
            return None;
        }
        Some(name.to_string())
    }

    fn language(&mut self, e: &Entry) -> Result<Option<Language>, ()> {
        let Some(raw) = e.get("language") else {
            return Ok(None);
        };
        match Language::parse(raw) {
            Some(l) => Ok(Some(l)),
            None => {
                self.err(
                    e.row,
                    format!("taal `{raw}` onbekend; kies nl of en"),
                    format!("unknown language `{raw}`; choose nl or en"),
                );
                Err(())
            }
        }
    }

    fn address(&mut self, e: &Entry, field: &str) -> Result<Option<String>, ()> {
        let Some(raw) = e.get(field) else {
            return Ok(None);
        };
        if crate::domain::roster::is_chat_address(raw) {
            Ok(Some(raw.to_string()))
        } else {
            self.err(
                e.row,
                format!("`{field}` `{raw}` moet de vorm platform:adres hebben, bijvoorbeeld discord:1234 of console:anna"),
                format!("`{field}` `{raw}` must look like platform:address, for example discord:1234 or console:anna"),
            );
            Err(())
        }
    }

    fn date(&mut self, e: &Entry, field: &str) -> Option<NaiveDate> {
        let raw = e.get(field)?;
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                self.err(
                    e.row,
                    format!("`{field}` `{raw}` is geen datum van de vorm JJJJ-MM-DD"),
                    format!("`{field}` `{raw}` is not a date of the form YYYY-MM-DD"),
                );
                None
            }
        }
    }
}

/// One entry after its own fields were checked; `None` where a field was invalid (and an
/// error was recorded).
enum Rec {
    School {
        row: usize,
        id: Option<SchoolId>,
        name: Option<String>,
    },
    Team {
        row: usize,
        id: Option<TeamId>,
        school: Option<SchoolId>,
        name: Option<String>,
        channel: Result<Option<String>, ()>,
    },
    Person {
        row: usize,
        role: Role,
        id: Option<PersonId>,
        school: Option<SchoolId>,
        team: Option<TeamId>,
        name: Option<String>,
        chat: Result<Option<String>, ()>,
        language: Result<Option<Language>, ()>,
    },
    Pairing {
        row: usize,
        wpb: Option<PersonId>,
        student: Option<PersonId>,
        school: Result<Option<SchoolId>, ()>,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
}

fn role_name(role: Role) -> &'static str {
    role.as_str()
}

fn validate(entries: &[Entry], errors: &mut Vec<RowError>) -> (Roster, RosterRows) {
    let mut check = Check { errors };

    // Pass 1: each entry on its own.
    let mut recs = Vec::with_capacity(entries.len());
    for e in entries {
        check.shape(e);
        let rec = match e.kind {
            Kind::School => Rec::School {
                row: e.row,
                id: check.id(e, "id", SchoolId::parse),
                name: check.name(e),
            },
            Kind::Team => Rec::Team {
                row: e.row,
                id: check.id(e, "id", TeamId::parse),
                school: check.id(e, "school", SchoolId::parse),
                name: check.name(e),
                channel: check.address(e, "channel"),
            },
            Kind::Schoolopleider | Kind::Wpb | Kind::Student => Rec::Person {
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
            },
            Kind::Pairing => Rec::Pairing {
                row: e.row,
                wpb: check.id(e, "wpb", PersonId::parse),
                student: check.id(e, "student", PersonId::parse),
                school: match e.get("school") {
                    None => Ok(None),
                    Some(_) => check.id(e, "school", SchoolId::parse).map(Some).ok_or(()),
                },
                start: check.date(e, "start"),
                end: check.date(e, "end"),
            },
        };
        recs.push(rec);
    }

    // Pass 2a: what exists, and duplicates.
    let mut schools: HashMap<SchoolId, usize> = HashMap::new();
    let mut teams: HashMap<TeamId, (usize, Option<SchoolId>)> = HashMap::new();
    let mut people: HashMap<PersonId, (usize, Role, Option<SchoolId>)> = HashMap::new();
    for rec in &recs {
        match rec {
            Rec::School {
                row, id: Some(id), ..
            } => {
                if let Some(first) = schools.get(id) {
                    check.err(
                        *row,
                        format!("school `{id}` staat al op rij {first}"),
                        format!("school `{id}` is already defined on row {first}"),
                    );
                } else {
                    schools.insert(id.clone(), *row);
                }
            }
            Rec::Team {
                row,
                id: Some(id),
                school,
                ..
            } => {
                if let Some((first, _)) = teams.get(id) {
                    check.err(
                        *row,
                        format!("team `{id}` staat al op rij {first}"),
                        format!("team `{id}` is already defined on row {first}"),
                    );
                } else {
                    teams.insert(id.clone(), (*row, school.clone()));
                }
            }
            Rec::Person {
                row,
                role,
                id: Some(id),
                school,
                ..
            } => {
                if let Some((first, first_role, _)) = people.get(id) {
                    check.err(
                        *row,
                        format!(
                            "persoon `{id}` staat al op rij {first} (als {})",
                            role_name(*first_role)
                        ),
                        format!(
                            "person `{id}` is already defined on row {first} (as {})",
                            role_name(*first_role)
                        ),
                    );
                } else {
                    people.insert(id.clone(), (*row, *role, school.clone()));
                }
            }
            _ => {}
        }
    }

    let school_exists = |check: &mut Check<'_>, row: usize, school: &Option<SchoolId>| {
        if let Some(s) = school
            && !schools.contains_key(s)
        {
            check.err(
                row,
                format!("school `{s}` bestaat niet"),
                format!("school `{s}` does not exist"),
            );
        }
    };

    // Pass 2b: references.
    let mut pairings_seen: Vec<(usize, PersonId, PersonId, NaiveDate, NaiveDate)> = Vec::new();
    for rec in &recs {
        match rec {
            Rec::School { .. } => {}
            Rec::Team { row, school, .. } => school_exists(&mut check, *row, school),
            Rec::Person {
                row,
                role,
                school,
                team,
                ..
            } => {
                school_exists(&mut check, *row, school);
                if *role == Role::Wpb
                    && let Some(t) = team
                {
                    match teams.get(t) {
                        None => check.err(
                            *row,
                            format!("team `{t}` bestaat niet"),
                            format!("team `{t}` does not exist"),
                        ),
                        Some((_, Some(team_school))) => {
                            if let Some(s) = school
                                && s != team_school
                            {
                                check.err(
                                    *row,
                                    format!("team `{t}` hoort bij school `{team_school}`, niet bij `{s}`"),
                                    format!("team `{t}` belongs to school `{team_school}`, not to `{s}`"),
                                );
                            }
                        }
                        Some((_, None)) => {}
                    }
                }
            }
            Rec::Pairing {
                row,
                wpb,
                student,
                school,
                start,
                end,
            } => {
                let row = *row;
                let person = |check: &mut Check<'_>, id: &Option<PersonId>, want: Role| {
                    let id = id.as_ref()?;
                    let want_name = role_name(want);
                    match people.get(id) {
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
                                format!("`{id}` is geen {want_name} maar {}", role_name(*role)),
                                format!("`{id}` is not a {want_name} but a {}", role_name(*role)),
                            );
                            None
                        }
                        Some((_, _, s)) => s.clone(),
                    }
                };
                let wpb_school = person(&mut check, wpb, Role::Wpb);
                let student_school = person(&mut check, student, Role::Student);
                if let (Some(ws), Some(ss), Some(w), Some(s)) =
                    (&wpb_school, &student_school, wpb, student)
                    && ws != ss
                {
                    check.err(
                        row,
                        format!("wpb `{w}` (school `{ws}`) en student `{s}` (school `{ss}`) horen niet bij dezelfde school"),
                        format!("wpb `{w}` (school `{ws}`) and student `{s}` (school `{ss}`) are not at the same school"),
                    );
                }
                if let Ok(Some(ps)) = school {
                    if !schools.contains_key(ps) {
                        check.err(
                            row,
                            format!("school `{ps}` bestaat niet"),
                            format!("school `{ps}` does not exist"),
                        );
                    } else if let Some(ws) = wpb_school.as_ref().or(student_school.as_ref())
                        && ws != ps
                    {
                        check.err(
                            row,
                            format!("koppeling staat bij school `{ps}`, maar de wpb en student horen bij `{ws}`"),
                            format!("pairing names school `{ps}`, but the wpb and student are at `{ws}`"),
                        );
                    }
                }
                if let (Some(s), Some(e)) = (start, end) {
                    if s > e {
                        check.err(
                            row,
                            format!("begindatum {s} ligt na einddatum {e}"),
                            format!("start date {s} is after end date {e}"),
                        );
                    } else if let (Some(w), Some(st)) = (wpb, student) {
                        let earlier = pairings_seen.iter().find(|(_, _, other, os, oe)| {
                            other == st
                                && DateRange {
                                    start: *os,
                                    end: *oe,
                                }
                                .overlaps(&DateRange { start: *s, end: *e })
                        });
                        if let Some((other_row, other_wpb, _, os, oe)) = earlier {
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
                        pairings_seen.push((row, w.clone(), st.clone(), *s, *e));
                    }
                }
            }
        }
    }

    if recs.is_empty() && check.errors.is_empty() {
        check.err(
            1,
            "het rooster is leeg: geen enkele school, team, persoon of koppeling",
            "the roster is empty: no school, team, person or pairing",
        );
    }

    // Build; when no error was recorded every field is present.
    let mut roster = Roster::default();
    let mut rows = RosterRows::default();
    for rec in recs {
        match rec {
            Rec::School {
                row,
                id: Some(id),
                name: Some(name),
            } => {
                rows.schools.insert(id.clone(), row);
                roster.schools.push(School { id, name });
            }
            Rec::Team {
                row,
                id: Some(id),
                school: Some(school),
                name: Some(name),
                channel: Ok(channel),
            } => {
                rows.school_entries.entry(school.clone()).or_insert(row);
                roster.teams.push(Team {
                    id,
                    school,
                    name,
                    channel,
                });
            }
            Rec::Person {
                row,
                role,
                id: Some(id),
                school: Some(school),
                team,
                name: Some(name),
                chat: Ok(chat),
                language: Ok(language),
            } => {
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
            Rec::Pairing {
                row,
                wpb: Some(wpb),
                student: Some(student),
                start: Some(start),
                end: Some(end),
                ..
            } => {
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

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_CSV: &str = include_str!("../examples/roster.csv");
    const EXAMPLE_TOML: &str = include_str!("../examples/roster.toml");
    const HEADER: &str = "kind,id,school,name,team,chat,language,wpb,student,start,end\n";

    fn csv(body: &str) -> Result<Roster, RosterErrors> {
        parse_roster(&format!("{HEADER}{body}"), RosterFormat::Csv)
    }

    fn csv_errors(body: &str) -> Vec<RowError> {
        csv(body).expect_err("expected errors").0
    }

    /// A small valid base: school `a` (row 2), teams `t1` (3) of `a`, `t2` (4) of `b`,
    /// school `b` (5), wpb `w1` (6), student `s1` (7), wpb `wb` at school `b` (8), student
    /// `sb` at `b` (9).
    const BASE: &str = "\
school,a,,School A,,,,,,,
team,t1,a,Team 1,,console:#t1,,,,,
team,t2,b,Team 2,,,,,,,
school,b,,School B,,,,,,,
wpb,w1,a,Wim,t1,console:wim,nl,,,,
student,s1,a,Sara,,console:sara,en,,,,
wpb,wb,b,Bea,t2,,,,,,
student,sb,b,Bo,,,,,,,
";

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Asserts exactly one error, on `row`, whose Dutch and English text contain the parts.
    fn one_error(body: &str, row: usize, nl: &str, en: &str) {
        let errs = csv_errors(&format!("{BASE}{body}"));
        assert_eq!(errs.len(), 1, "{}", RosterErrors(errs.clone()));
        assert_eq!(errs[0].row, row, "{}", errs[0]);
        assert!(errs[0].message.contains(nl), "{}", errs[0]);
        assert!(errs[0].message_en.contains(en), "{}", errs[0]);
    }

    #[test]
    fn format_from_path() {
        assert_eq!(
            RosterFormat::from_path(Path::new("r.csv")),
            Some(RosterFormat::Csv)
        );
        assert_eq!(
            RosterFormat::from_path(Path::new("dir/r.TOML")),
            Some(RosterFormat::Toml)
        );
        assert_eq!(RosterFormat::from_path(Path::new("r.xlsx")), None);
        assert_eq!(RosterFormat::from_path(Path::new("roster")), None);
    }

    #[test]
    fn both_example_files_parse_to_the_same_roster() {
        let from_csv = parse_roster(EXAMPLE_CSV, RosterFormat::Csv).unwrap();
        let from_toml = parse_roster(EXAMPLE_TOML, RosterFormat::Toml).unwrap();
        assert_eq!(from_csv, from_toml);
        assert_eq!(from_csv.schools.len(), 1);
        assert_eq!(from_csv.schools[0].id.as_str(), "voorbeeld");
        assert_eq!(from_csv.teams.len(), 2);
        let count = |role| from_csv.people.iter().filter(|p| p.role == role).count();
        assert_eq!(count(Role::Wpb), 3);
        assert_eq!(count(Role::Student), 3);
        assert_eq!(count(Role::Schoolopleider), 1);
        assert!(from_csv.pairings.len() >= 3);
        assert!(from_csv.teams.iter().any(|t| t.channel.is_some()));
        assert!(
            from_csv
                .people
                .iter()
                .filter(|p| p.role == Role::Wpb)
                .all(|p| p.team.is_some())
        );
    }

    #[test]
    fn a_valid_csv_builds_the_roster() {
        let r = csv(&format!(
            "{BASE}pairing,,,,,,,w1,s1,2026-09-01,2027-01-31\n"
        ))
        .unwrap();
        assert_eq!(r.schools.len(), 2);
        assert_eq!(r.teams[0].channel.as_deref(), Some("console:#t1"));
        assert_eq!(r.teams[1].channel, None);
        let w1 = &r.people[0];
        assert_eq!(w1.id.as_str(), "w1");
        assert_eq!(w1.role, Role::Wpb);
        assert_eq!(w1.team.as_ref().map(TeamId::as_str), Some("t1"));
        assert_eq!(w1.chat.as_deref(), Some("console:wim"));
        assert_eq!(w1.language, Some(Language::Nl));
        assert_eq!(r.people[1].language, Some(Language::En));
        assert_eq!(r.people[1].team, None);
        assert_eq!(
            r.pairings,
            vec![Pairing {
                wpb: PersonId::parse("w1").unwrap(),
                student: PersonId::parse("s1").unwrap(),
                start: d("2026-09-01"),
                end: d("2027-01-31"),
            }]
        );
    }

    #[test]
    fn csv_rows_are_file_lines_even_with_comments_blank_lines_and_quotes() {
        let text = format!(
            "# rooster\n{HEADER}\nschool,a,,\"School\nA\",,,,,,,\n# wpbs\n\nstudent,s1,a,Sara,,,xx,,,,\n"
        );
        let errs = parse_roster(&text, RosterFormat::Csv).unwrap_err().0;
        assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
        assert_eq!(errs[0].row, 4); // the quoted name with a line break starts on line 4
        assert!(errs[0].message.contains("regeleinden"));
        assert_eq!(errs[1].row, 8);
        assert!(errs[1].message.contains("taal `xx`"));
    }

    #[test]
    fn a_wrong_csv_header_is_a_clear_error() {
        let errs = parse_roster("soort,id,school,name\nschool,a,,A\n", RosterFormat::Csv)
            .unwrap_err()
            .0;
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 1);
        let shown = errs[0].to_string();
        assert!(shown.starts_with("rij 1: kopregel klopt niet"), "{shown}");
        assert!(shown.contains("`soort`"), "{shown}");
        assert!(shown.contains("`kind`"), "{shown}");
        assert!(shown.contains("/ row 1: header is wrong"), "{shown}");
        assert!(shown.contains("kind,id,school,name,team,chat,language,wpb,student,start,end"));

        let errs = parse_roster("", RosterFormat::Csv).unwrap_err().0;
        assert_eq!(errs[0].row, 1);
        assert!(errs[0].message.contains("leeg"));

        // Column order is free, names are case-insensitive.
        let text =
            "ID,Kind,Name,school,team,chat,language,wpb,student,start,end\na,school,A,,,,,,,,\n";
        let r = parse_roster(text, RosterFormat::Csv).unwrap();
        assert_eq!(r.schools[0].name, "A");
    }

    #[test]
    fn semicolon_csv_as_dutch_excel_saves_it_is_read() {
        let with_commas = csv(BASE).unwrap();
        let semicolons = format!("{HEADER}{BASE}").replace(',', ";");
        let from_semicolons = parse_roster(&semicolons, RosterFormat::Csv).unwrap();
        assert_eq!(from_semicolons, with_commas);
        // A comma inside a cell of a semicolon file is just text.
        let text = "kind;id;school;name;team;chat;language;wpb;student;start;end\nschool;a;;Jansen, de;;;;;;;\n";
        let r = parse_roster(text, RosterFormat::Csv).unwrap();
        assert_eq!(r.schools[0].name, "Jansen, de");
    }

    #[test]
    fn csv_that_is_not_utf8_names_its_rows_and_how_to_save_it() {
        let mut bytes = format!("{HEADER}school,a,,A,,,,,,,\n").into_bytes();
        bytes.extend_from_slice(
            b"school,b,,Caf\xe9,,,,,,,\nschool,c,,C,,,,,,,\nschool,d,,\xe9\xe8,,,,,,,\n",
        );
        let errs = parse_roster_bytes(&bytes, RosterFormat::Csv).unwrap_err();
        let rows: Vec<usize> = errs.0.iter().map(|e| e.row).collect();
        assert_eq!(rows, [3, 5]);
        assert_eq!(
            errs.0[0].to_string(),
            "rij 3: tekst is geen UTF-8 (bijvoorbeeld een é uit Excel); je kunt het bestand opslaan als \"CSV UTF-8\" / row 3: text is not UTF-8 (an é from Excel, say); you can save the file as \"CSV UTF-8\""
        );
        // The same file in UTF-8 is read.
        let good = String::from_utf8_lossy(&bytes).replace('\u{FFFD}', "é");
        assert!(parse_roster_bytes(good.as_bytes(), RosterFormat::Csv).is_ok());
    }

    #[test]
    fn unknown_kind_and_bad_shapes() {
        one_error(
            "leraar,x,a,X,,,,,,,\n",
            10,
            "onbekende soort `leraar`",
            "unknown kind",
        );
        one_error(",x,a,X,,,,,,,\n", 10, "`kind` is leeg", "`kind` is empty");
        one_error(
            "school,c,,C,t1,,,,,,\n",
            10,
            "`team` hoort niet bij `school`",
            "`team` is not used for `school`",
        );
        one_error(
            "student,s2,a,S,t1,,,,,,\n",
            10,
            "`team` hoort niet bij `student`",
            "not used",
        );
        one_error(
            "student,s2,a,,,,,,,,\n",
            10,
            "`name` ontbreekt",
            "`name` is missing",
        );
        one_error(
            "wpb,w2,a,W,,,,,,,\n",
            10,
            "`team` ontbreekt",
            "`team` is missing",
        );
        one_error("school,c,,C,,,,,,,,,extra\n", 10, "13 cellen", "13 cells");
        // Missing trailing cells count as empty.
        csv(&format!("{BASE}school,c,,C\n")).unwrap();
    }

    #[test]
    fn ids_must_be_valid() {
        one_error(
            "student,s 2,a,S,,,,,,,\n",
            10,
            "ongeldig id in `id`",
            "invalid id in `id`",
        );
        one_error(
            "team,t3,a b,T,,,,,,,\n",
            10,
            "ongeldig id in `school`",
            "invalid id in `school`",
        );
        let long = "x".repeat(65);
        one_error(
            &format!("school,{long},,L,,,,,,,\n"),
            10,
            "langer dan 64",
            "longer than 64",
        );
    }

    #[test]
    fn ids_must_be_unique() {
        one_error(
            "school,a,,Nog een A,,,,,,,\n",
            10,
            "school `a` staat al op rij 2",
            "already defined on row 2",
        );
        one_error(
            "team,t1,a,Weer,,,,,,,\n",
            10,
            "team `t1` staat al op rij 3",
            "team `t1` is already defined on row 3",
        );
        one_error(
            "schoolopleider,s1,a,Sanne,,,,,,,\n",
            10,
            "persoon `s1` staat al op rij 7 (als student)",
            "(as student)",
        );
    }

    #[test]
    fn references_must_exist_and_match() {
        one_error(
            "team,t3,zz,T,,,,,,,\n",
            10,
            "school `zz` bestaat niet",
            "school `zz` does not exist",
        );
        one_error(
            "student,s2,zz,S,,,,,,,\n",
            10,
            "school `zz` bestaat niet",
            "does not exist",
        );
        one_error(
            "wpb,w2,a,W,t9,,,,,,\n",
            10,
            "team `t9` bestaat niet",
            "team `t9` does not exist",
        );
        one_error(
            "wpb,w2,a,W,t2,,,,,,\n",
            10,
            "team `t2` hoort bij school `b`, niet bij `a`",
            "belongs to school `b`",
        );
        one_error(
            "pairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n",
            10,
            "student `s9` bestaat niet",
            "student `s9` does not exist",
        );
        one_error(
            "pairing,,,,,,,w9,s1,2026-09-01,2027-01-31\n",
            10,
            "wpb `w9` bestaat niet",
            "wpb `w9` does not exist",
        );
        one_error(
            "pairing,,,,,,,s1,s1,2026-09-01,2027-01-31\n",
            10,
            "`s1` is geen wpb maar student",
            "is not a wpb but a student",
        );
        one_error(
            "pairing,,,,,,,w1,w1,2026-09-01,2027-01-31\n",
            10,
            "`w1` is geen student maar wpb",
            "not a student",
        );
        one_error(
            "pairing,,,,,,,w1,sb,2026-09-01,2027-01-31\n",
            10,
            "niet bij dezelfde school",
            "not at the same school",
        );
        one_error(
            "pairing,,b,,,,,w1,s1,2026-09-01,2027-01-31\n",
            10,
            "koppeling staat bij school `b`",
            "pairing names school `b`",
        );
        csv(&format!(
            "{BASE}pairing,,a,,,,,w1,s1,2026-09-01,2027-01-31\n"
        ))
        .unwrap();
    }

    #[test]
    fn row_error_display_is_dutch_first() {
        let errs = csv_errors(&format!(
            "{BASE}pairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n"
        ));
        assert_eq!(
            errs[0].to_string(),
            "rij 10: student `s9` bestaat niet / row 10: student `s9` does not exist"
        );
    }

    #[test]
    fn fields_must_be_valid() {
        one_error(
            "pairing,,,,,,,w1,s1,2026-13-01,2027-01-31\n",
            10,
            "`start` `2026-13-01` is geen datum",
            "is not a date",
        );
        one_error(
            "pairing,,,,,,,w1,s1,2027-02-01,2027-01-31\n",
            10,
            "begindatum 2027-02-01 ligt na einddatum 2027-01-31",
            "start date",
        );
        one_error(
            "student,s2,a,S,,,fr,,,,\n",
            10,
            "taal `fr` onbekend",
            "unknown language `fr`",
        );
        one_error(
            "student,s2,a,S,,anna,,,,,\n",
            10,
            "`chat` `anna` moet de vorm platform:adres",
            "platform:address",
        );
        one_error(
            "team,t3,a,T,,kanaal zorg,,,,,\n",
            10,
            "`channel` `kanaal zorg`",
            "platform:address",
        );
        one_error(
            "pairing,,,,,,,w1,s1,,2027-01-31\n",
            10,
            "`start` ontbreekt",
            "`start` is missing",
        );
    }

    #[test]
    fn no_duplicate_or_overlapping_pairings() {
        let p = "pairing,,,,,,,w1,s1,2026-09-01,2027-01-31\n";
        one_error(
            &format!("{p}{p}"),
            11,
            "dubbele koppeling: dezelfde als rij 10",
            "duplicate pairing",
        );
        one_error(
            &format!("{p}wpb,w2,a,W2,t1,,,,,,\npairing,,,,,,,w2,s1,2027-01-31,2027-06-30\n"),
            12,
            "overlapt met die op rij 10 (wpb `w1`",
            "overlaps the one on row 10",
        );
        // Back to back is fine, and one wpb may have several students.
        csv(&format!(
            "{BASE}{p}wpb,w2,a,W2,t1,,,,,,\npairing,,,,,,,w2,s1,2027-02-01,2027-06-30\n\
             student,s2,a,S2,,,,,,,\npairing,,,,,,,w1,s2,2026-09-01,2027-01-31\n"
        ))
        .unwrap();
    }

    #[test]
    fn all_errors_are_reported_and_nothing_is_half_imported() {
        let errs = csv_errors(&format!(
            "{BASE}student,s2,a,S,,,fr,,,,\nteam,t3,zz,T,,,,,,,\npairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n\
             pairing,,,,,,,w1,s1,2027-02-01,2027-01-31\nschool,a,,A2,,,,,,,\n"
        ));
        let rows: Vec<usize> = errs.iter().map(|e| e.row).collect();
        assert_eq!(
            rows,
            vec![10, 11, 12, 13, 14],
            "{}",
            RosterErrors(errs.clone())
        );
        let shown = RosterErrors(errs).to_string();
        assert_eq!(shown.lines().count(), 5);
        assert!(
            shown
                .lines()
                .all(|l| l.starts_with("rij ") && l.contains(" / row "))
        );
    }

    #[test]
    fn an_empty_roster_is_refused() {
        let errs = csv_errors("");
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 1);
        let errs = parse_roster("# niets\n", RosterFormat::Toml).unwrap_err().0;
        assert!(errs[0].message.contains("leeg"));
    }

    const TOML_BASE: &str = r#"[[school]]
id = "a"
name = "School A"

[[team]]
id = "t1"
school = "a"
name = "Team 1"
channel = "console:#t1"

[[wpb]]
id = "w1"
school = "a"
team = "t1"
name = "Wim"
chat = "console:wim"
language = "nl"

[[student]]
id = "s1"
school = "a"
name = "Sara"
"#;

    fn toml_errors(extra: &str) -> Vec<RowError> {
        parse_roster(&format!("{TOML_BASE}{extra}"), RosterFormat::Toml)
            .expect_err("expected errors")
            .0
    }

    #[test]
    fn toml_rows_are_the_line_where_the_entry_starts() {
        // TOML_BASE has 22 lines; the extra text starts on line 23 (a blank line).
        let errs = toml_errors(
            "\n[[pairing]]\nwpb = \"w1\"\nstudent = \"s9\"\nstart = \"2026-09-01\"\nend = 2027-01-31\n\
             \n[[student]]\nid = \"s2\"\nschool = \"a\"\nname = \"S\"\nlanguage = \"fr\"\n",
        );
        assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
        assert_eq!(errs[0].row, 24);
        assert!(errs[0].message.contains("student `s9` bestaat niet"));
        assert_eq!(errs[1].row, 30);
        assert!(errs[1].message.contains("taal `fr`"));
    }

    #[test]
    fn toml_inline_entries_bare_dates_and_type_errors() {
        let ok = parse_roster(
            // Top-level keys must come before the first [[header]].
            &format!("pairing = [\n  {{ wpb = \"w1\", student = \"s1\", start = 2026-09-01, end = \"2027-01-31\" }},\n]\n{TOML_BASE}"),
            RosterFormat::Toml,
        )
        .unwrap();
        assert_eq!(ok.pairings[0].start, d("2026-09-01"));
        assert_eq!(ok.pairings[0].end, d("2027-01-31"));

        let errs = toml_errors("\n[[student]]\nid = 7\nschool = \"a\"\nname = \"S\"\n");
        assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
        assert!(errs.iter().all(|e| e.row == 24));
        assert!(errs[0].message.contains("`id` moet tekst zijn"));
        assert!(errs[1].message.contains("`id` ontbreekt"));

        let errs = toml_errors(
            "\n[[student]]\nid = \"s2\"\nschool = \"a\"\nname = \"S\"\nteam = \"t1\"\n",
        );
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 24);
        assert!(errs[0].message.contains("`team` hoort niet bij `student`"));
    }

    #[test]
    fn toml_syntax_and_unknown_sections() {
        let errs = parse_roster(
            "[[school]]\nid = \"a\"\nname = = \"A\"\n",
            RosterFormat::Toml,
        )
        .unwrap_err()
        .0;
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].row, 3);
        assert!(errs[0].message.starts_with("ongeldige TOML"));

        let errs = toml_errors("\n[[leraar]]\nid = \"x\"\n\n[wpb2]\nid = \"y\"\n");
        assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
        assert_eq!(errs[0].row, 24);
        assert!(errs[0].message.contains("onbekende sectie `leraar`"));
        assert_eq!(errs[1].row, 27);

        let errs = parse_roster("school = \"a\"\n", RosterFormat::Toml)
            .unwrap_err()
            .0;
        assert!(errs[0].message.contains("[[school]]"));
    }

    #[test]
    fn toml_collects_every_error() {
        let errs = toml_errors(
            "\n[[team]]\nid = \"t1\"\nschool = \"a\"\nname = \"Dubbel\"\n\
             \n[[wpb]]\nid = \"w2\"\nschool = \"a\"\nteam = \"t9\"\nname = \"W\"\n\
             \n[[pairing]]\nwpb = \"w1\"\nstudent = \"s1\"\nstart = \"2026-09-01\"\nend = \"2026-08-01\"\n",
        );
        let rows: Vec<usize> = errs.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![24, 29, 35], "{}", RosterErrors(errs.clone()));
    }
}
