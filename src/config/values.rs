//! Single-value checks, shared by the file and the environment.

use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;

use crate::domain::language::Language;
use crate::domain::schedule::Cadence;

/// A check's complaint, Dutch and English.
pub(super) struct Bad(pub(super) String, pub(super) String);

pub(super) fn bad(nl: impl Into<String>, en: impl Into<String>) -> Bad {
    Bad(nl.into(), en.into())
}

pub(super) fn parse_timezone(s: &str) -> Result<Tz, Bad> {
    s.trim().parse::<Tz>().map_err(|_| {
        bad(
            format!("onbekende tijdzone `{s}` (bijvoorbeeld Europe/Amsterdam)"),
            format!("unknown time zone `{s}` (for example Europe/Amsterdam)"),
        )
    })
}

pub(super) fn parse_cadence(n: i64) -> Result<Cadence, Bad> {
    let err = || bad("ritme moet 1, 2 of 3 zijn", "cadence must be 1, 2 or 3");
    // The domain's Cadence::new owns the range; this only names it for the configuration.
    u8::try_from(n)
        .ok()
        .and_then(|v| Cadence::new(v).ok())
        .ok_or_else(err)
}

pub(super) fn parse_language(s: &str) -> Result<Language, Bad> {
    Language::parse(s).ok_or_else(|| {
        bad(
            format!("taal `{s}` onbekend; kies nl of en"),
            format!("unknown language `{s}`; choose nl or en"),
        )
    })
}

pub(super) fn parse_time(s: &str) -> Result<NaiveTime, Bad> {
    let t = s.trim();
    let shaped = t.len() == 5 && t.as_bytes()[2] == b':';
    match NaiveTime::parse_from_str(t, "%H:%M") {
        Ok(time) if shaped => Ok(time),
        _ => Err(bad(
            format!("tijd `{s}` moet de vorm UU:MM hebben, bijvoorbeeld 08:30"),
            format!("time `{s}` must look like HH:MM, for example 08:30"),
        )),
    }
}

/// Dutch and English day names, short and long.
pub fn parse_weekday(s: &str) -> Option<Weekday> {
    let day = match s.trim().to_lowercase().as_str() {
        "ma" | "maandag" | "mon" | "monday" => Weekday::Mon,
        "di" | "dinsdag" | "tue" | "tuesday" => Weekday::Tue,
        "wo" | "woensdag" | "wed" | "wednesday" => Weekday::Wed,
        "do" | "donderdag" | "thu" | "thursday" => Weekday::Thu,
        "vr" | "vrijdag" | "fri" | "friday" => Weekday::Fri,
        "za" | "zaterdag" | "sat" | "saturday" => Weekday::Sat,
        "zo" | "zondag" | "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    };
    Some(day)
}

pub(super) fn parse_date(v: &toml::Value) -> Result<NaiveDate, Bad> {
    let text = match v {
        toml::Value::String(s) => s.trim().to_string(),
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
        other => other.to_string(),
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| {
        bad(
            format!("datum `{text}` moet de vorm JJJJ-MM-DD hebben"),
            format!("date `{text}` must look like YYYY-MM-DD"),
        )
    })
}

pub(super) fn in_range(n: i64, lo: i64, hi: i64, name_nl: &str, name_en: &str) -> Result<i64, Bad> {
    if (lo..=hi).contains(&n) {
        Ok(n)
    } else {
        Err(bad(
            format!("{name_nl} moet tussen {lo} en {hi} liggen (nu {n})"),
            format!("{name_en} must be between {lo} and {hi} (now {n})"),
        ))
    }
}
