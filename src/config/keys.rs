//! Dotted key paths (`schools.kw1c.holidays[0].end`) and finding their line in the text, for
//! errors that name file, key and line.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::error::ConfigError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seg {
    Key(String),
    Index(usize),
}

/// A dotted key such as `schools.kw1c.holidays[0].end`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyPath(pub(super) Vec<Seg>);

impl KeyPath {
    pub(super) fn root(key: &str) -> Self {
        KeyPath(vec![Seg::Key(key.to_string())])
    }

    pub(super) fn key(&self, key: &str) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Key(key.to_string()));
        KeyPath(segs)
    }

    pub(super) fn index(&self, i: usize) -> Self {
        let mut segs = self.0.clone();
        segs.push(Seg::Index(i));
        KeyPath(segs)
    }

    pub(super) fn is_school(&self) -> bool {
        matches!(self.0.first(), Some(Seg::Key(k)) if k == "schools")
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "\"{}\"", k.replace('\\', "\\\\").replace('"', "\\\""))?;
                    }
                }
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// 1-based line of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn contains(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && (offset < span.end || (span.is_empty() && offset == span.start))
}

/// The span of the key (or array element) a path names, or of the deepest part that exists.
pub(super) fn locate(doc: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut table: Option<&DeTable<'_>> = Some(doc);
    let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
    let mut best: Option<Range<usize>> = None;
    for seg in &path.0 {
        let value = match seg {
            Seg::Key(k) => {
                let Some((key, value)) = table.and_then(|t| {
                    t.iter()
                        .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                }) else {
                    break;
                };
                best = Some(key.span());
                value
            }
            Seg::Index(i) => {
                let Some(value) = array.and_then(|a| a.get(*i)) else {
                    break;
                };
                best = Some(value.span());
                value
            }
        };
        table = None;
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = Some(t),
            DeValue::Array(a) => array = Some(a),
            _ => {}
        }
    }
    best
}

/// The dotted key whose name or value covers `offset`, for errors that come with a span only.
fn path_at(doc: &DeTable<'_>, offset: usize) -> Option<KeyPath> {
    fn in_table(t: &DeTable<'_>, offset: usize, path: &KeyPath) -> Option<KeyPath> {
        for (key, value) in t.iter() {
            let p = if path.0.is_empty() {
                KeyPath::root(key.get_ref())
            } else {
                path.key(key.get_ref())
            };
            if contains(&key.span(), offset) {
                return Some(p);
            }
            if let Some(found) = in_value(value, offset, &p) {
                return Some(found);
            }
        }
        None
    }
    fn in_value(v: &Spanned<DeValue<'_>>, offset: usize, path: &KeyPath) -> Option<KeyPath> {
        let inner = match v.get_ref() {
            DeValue::Table(t) => in_table(t, offset, path),
            DeValue::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, e)| in_value(e, offset, &path.index(i))),
            _ => None,
        };
        inner.or_else(|| contains(&v.span(), offset).then(|| path.clone()))
    }
    in_table(doc, offset, &KeyPath::default())
}

/// Every key in the document with the span of its name.
fn all_keys(t: &DeTable<'_>, path: &KeyPath, out: &mut Vec<(KeyPath, Range<usize>)>) {
    fn in_value(v: &DeValue<'_>, path: &KeyPath, out: &mut Vec<(KeyPath, Range<usize>)>) {
        match v {
            DeValue::Table(t) => all_keys(t, path, out),
            DeValue::Array(a) => {
                for (i, e) in a.iter().enumerate() {
                    in_value(e.get_ref(), &path.index(i), out);
                }
            }
            _ => {}
        }
    }
    for (key, value) in t.iter() {
        let p = if path.0.is_empty() {
            KeyPath::root(key.get_ref())
        } else {
            path.key(key.get_ref())
        };
        out.push((p.clone(), key.span()));
        in_value(value.get_ref(), &p, out);
    }
}

pub(super) fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    // Best effort: the last key that starts on the error's line before the error.
    let (partial, _) = DeTable::parse_recoverable(text);
    let line = line_of(text, offset);
    let mut keys = Vec::new();
    all_keys(partial.get_ref(), &KeyPath::default(), &mut keys);
    let key = keys
        .into_iter()
        .filter(|(_, span)| span.start <= offset && line_of(text, span.start) == line)
        .max_by_key(|(_, span)| span.start)
        .map(|(p, _)| p.to_string());
    ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, offset),
        key,
        nl: "ongeldige TOML-syntaxis".to_string(),
        en: format!("invalid TOML syntax: {}", e.message()),
    }
}

pub(super) fn serde_error(
    text: &str,
    file: &str,
    doc: &DeTable<'_>,
    e: &toml::de::Error,
) -> ConfigError {
    let offset = e.span().map_or(0, |s| s.start);
    let key = path_at(doc, offset).map(|p| p.to_string());
    let msg = e.message();
    let nl = if msg.starts_with("unknown field") {
        "onbekende sleutel".to_string()
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("verplichte sleutel {rest} ontbreekt")
    } else if msg.starts_with("invalid type") {
        "verkeerd soort waarde (bijvoorbeeld tekst waar een getal hoort)".to_string()
    } else {
        "ongeldige waarde".to_string()
    };
    let en = if msg.starts_with("unknown field") {
        format!("unknown key ({msg})")
    } else if let Some(rest) = msg.strip_prefix("missing field ") {
        format!("required key {rest} is missing")
    } else {
        msg.to_string()
    };
    ConfigError::Invalid {
        file: file.to_string(),
        line: line_of(text, offset),
        key,
        nl,
        en,
    }
}
