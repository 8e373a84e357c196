//! Reading the CSV format into entries: the header, then one entry per line.

use csv::StringRecord;

use super::CSV_COLUMNS;
use super::entry::{Entry, KINDS, Kind};
use super::error::RowError;
use crate::config::line_of;

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

/// Reads every entry of a CSV roster; problems go to `errors`. A wrong header stops the
/// reading (the cells cannot be told apart), a wrong line only skips that line.
pub(super) fn read_csv(text: &str, errors: &mut Vec<RowError>) -> Vec<Entry> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(csv_delimiter(text))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let mut records = reader.records();

    let Some(names) = read_header(text, records.next(), errors) else {
        return Vec::new();
    };
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
        if let Some(entry) = read_record(text, &names, &record, errors) {
            entries.push(entry);
        }
    }
    entries
}

/// The column names of the header (trimmed, lower case), or `None` after recording why the
/// header cannot be used.
fn read_header(
    text: &str,
    first: Option<csv::Result<StringRecord>>,
    errors: &mut Vec<RowError>,
) -> Option<Vec<String>> {
    let expected = CSV_COLUMNS.join(",");
    let header = match first {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            let row = e.position().map_or(1, |p| csv_line(text, p.byte()));
            errors.push(RowError::new(
                row,
                format!("kopregel onleesbaar ({e})"),
                format!("header unreadable ({e})"),
            ));
            return None;
        }
        None => {
            errors.push(RowError::new(
                1,
                format!("bestand is leeg; de eerste regel moet de kop zijn: {expected}"),
                format!("file is empty; the first line must be the header: {expected}"),
            ));
            return None;
        }
    };
    let header_row = header.position().map_or(1, |p| csv_line(text, p.byte()));
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if let Some((nl, en)) = header_problems(&names) {
        errors.push(RowError::new(
            header_row,
            format!("kopregel klopt niet: {nl}; verwacht: {expected}"),
            format!("header is wrong: {en}; expected: {expected}"),
        ));
        return None;
    }
    Some(names)
}

/// Missing, unknown and doubled columns, in Dutch and English; `None` when the header is right.
fn header_problems(names: &[String]) -> Option<(String, String)> {
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
    if missing.is_empty() && unknown.is_empty() && doubled.is_empty() {
        return None;
    }
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
    Some((nl.join("; "), en.join("; ")))
}

/// One line as an entry; `None` for a blank line or after recording why the line is wrong.
fn read_record(
    text: &str,
    names: &[String],
    record: &StringRecord,
    errors: &mut Vec<RowError>,
) -> Option<Entry> {
    let row = record.position().map_or(0, |p| csv_line(text, p.byte()));
    if record.iter().all(|c| c.trim().is_empty()) {
        return None;
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
        return None;
    }
    let (kind_text, mut fields) = cells(names, record);
    let Some(kind) = Kind::parse(kind_text) else {
        errors.push(unknown_kind(row, kind_text));
        return None;
    };
    if kind == Kind::Team {
        // A team's channel shares the `chat` column with a person's chat address.
        for (name, _) in &mut fields {
            if name == "chat" {
                *name = "channel".to_string();
            }
        }
    }
    Some(Entry { row, kind, fields })
}

/// The `kind` cell and the other non-empty cells by column name.
fn cells<'r>(names: &[String], record: &'r StringRecord) -> (&'r str, Vec<(String, String)>) {
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
    (kind_text, fields)
}

/// The error for an empty or unknown `kind` cell.
fn unknown_kind(row: usize, kind_text: &str) -> RowError {
    if kind_text.is_empty() {
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
    }
}
