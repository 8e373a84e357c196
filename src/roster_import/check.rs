//! Checks of one entry's own fields; each records its error and gives `None` (or `Err(())`
//! for an optional field) where the field is invalid.

use chrono::NaiveDate;

use super::entry::Entry;
use super::error::RowError;
use crate::domain::language::Language;
use crate::domain::roster::IdError;

/// Where the checks record their errors.
pub(super) struct Check<'a> {
    pub(super) errors: &'a mut Vec<RowError>,
}

impl Check<'_> {
    /// Records one error.
    pub(super) fn err(&mut self, row: usize, nl: impl Into<String>, en: impl Into<String>) {
        self.errors.push(RowError::new(row, nl, en));
    }

    /// Unknown and missing fields.
    pub(super) fn shape(&mut self, e: &Entry) {
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

    /// A field parsed as an id of its type; `None` when absent or invalid.
    pub(super) fn id<T>(
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

    /// The `name` field, without line breaks or control characters.
    pub(super) fn name(&mut self, e: &Entry) -> Option<String> {
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

    /// The optional `language` field: `nl` or `en`.
    pub(super) fn language(&mut self, e: &Entry) -> Result<Option<Language>, ()> {
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

    /// An optional chat address field (`platform:address`).
    pub(super) fn address(&mut self, e: &Entry, field: &str) -> Result<Option<String>, ()> {
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

    /// A date field of the form `YYYY-MM-DD`.
    pub(super) fn date(&mut self, e: &Entry, field: &str) -> Option<NaiveDate> {
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
