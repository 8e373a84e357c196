//! Reading the TOML format into entries: one `[[kind]]` section per kind, one table per entry.

use toml::de::{DeArray, DeTable, DeValue};

use super::entry::{Entry, Kind};
use super::error::RowError;
use crate::config::line_of;

/// Reads every entry of a TOML roster, in file order; problems go to `errors`.
pub(super) fn read_toml(text: &str, errors: &mut Vec<RowError>) -> Vec<Entry> {
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
        read_section(text, section, kind, items, errors, &mut entries);
    }
    // Tables come back sorted by name; restore the file's order.
    entries.sort_by_key(|e| e.row);
    entries
}

/// The entries of one `[[kind]]` section; an item that is not a table is an error.
fn read_section(
    text: &str,
    section: &str,
    kind: Kind,
    items: &DeArray<'_>,
    errors: &mut Vec<RowError>,
    entries: &mut Vec<Entry>,
) {
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
        let fields = table_fields(row, table, errors);
        entries.push(Entry { row, kind, fields });
    }
}

/// The non-empty text fields of one table (a bare TOML date counts as text); a field of any
/// other type is an error and left out.
fn table_fields(
    row: usize,
    table: &DeTable<'_>,
    errors: &mut Vec<RowError>,
) -> Vec<(String, String)> {
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
    fields
}
