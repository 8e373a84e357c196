//! The scenario file: its TOML model, the checks made before a run, and the cast of people
//! (role, name, language) that the scripted actions and the transcript refer to.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::BTreeMap;

use super::ScenarioError;
use crate::config::Config;
use crate::domain::language::Language;
use crate::domain::roster::{PersonId, Role, Roster};
use crate::roster_import::{RosterFormat, parse_roster};

/// A scenario file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Scenario {
    pub(super) title: String,
    /// First local day (a Monday reads best); the run starts at 00:00 local time.
    pub(super) start: NaiveDate,
    pub(super) weeks: u32,
    #[serde(default = "default_step")]
    pub(super) step_minutes: i64,
    #[serde(default)]
    config: toml::Table,
    roster: toml::Table,
    #[serde(default)]
    pub(super) respond: Vec<Responder>,
    #[serde(default)]
    pub(super) event: Vec<Event>,
}

fn default_step() -> i64 {
    10
}

/// A wpb who answers each prompt after a delay, with the next line and klik values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Responder {
    pub(super) wpb: String,
    #[serde(default = "default_delay")]
    pub(super) delay_minutes: i64,
    #[serde(default)]
    pub(super) answers: Vec<String>,
    /// One value per answered prompt, given for every student on it; empty = no taps.
    #[serde(default)]
    pub(super) klik: Vec<String>,
    /// Indices (0-based) of answers the wpb shares with the schoolopleider.
    #[serde(default)]
    pub(super) share: Vec<usize>,
}

fn default_delay() -> i64 {
    45
}

/// One scripted action at a set time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Event {
    /// Local time, "YYYY-MM-DD HH:MM".
    pub(super) at: String,
    pub(super) who: String,
    pub(super) action: String,
    #[serde(default)]
    pub(super) value: Option<String>,
    #[serde(default)]
    pub(super) student: Option<String>,
    #[serde(default)]
    pub(super) text: Option<String>,
    #[serde(default)]
    pub(super) until: Option<NaiveDate>,
    #[serde(default)]
    pub(super) share: bool,
    /// For escalation actions: the wpb of the pairing whose escalation is meant.
    #[serde(default)]
    pub(super) wpb: Option<String>,
}

/// A scenario whose numbers, configuration and roster passed their checks.
pub(super) struct Loaded {
    pub(super) scenario: Scenario,
    pub(super) config: Config,
    pub(super) roster: Roster,
}

/// The error for a scenario file that cannot run.
pub(super) fn invalid(file: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Parses a scenario file's text and checks its ranges, its `[config]` and its `[roster]`.
pub(super) fn load(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
    if scenario.weeks == 0 || scenario.weeks > 52 {
        return Err(invalid(file, "weeks moet 1–52 zijn / weeks must be 1–52"));
    }
    if !(1..=60).contains(&scenario.step_minutes) {
        return Err(invalid(
            file,
            "step_minutes moet 1–60 zijn / step_minutes must be 1–60",
        ));
    }
    let config_text =
        toml::to_string(&scenario.config).map_err(|e| invalid(file, e.to_string()))?;
    let config = Config::from_toml_str(&config_text, &format!("{file} [config]"), &BTreeMap::new())
        .map_err(|e| invalid(file, e.to_string()))?;
    let roster_text =
        toml::to_string(&scenario.roster).map_err(|e| invalid(file, e.to_string()))?;
    let roster = parse_roster(&roster_text, RosterFormat::Toml)
        .map_err(|e| invalid(file, format!("[roster]\n{e}")))?;
    Ok(Loaded {
        scenario,
        config,
        roster,
    })
}

/// A local wall-clock time as an instant; the earlier one when the clock goes back.
pub(super) fn local(tz: Tz, t: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// An event's `at` as an instant; `i` is its 0-based place in the file, for the message.
pub(super) fn event_time(
    tz: Tz,
    file: &str,
    i: usize,
    e: &Event,
) -> Result<DateTime<Utc>, ScenarioError> {
    NaiveDateTime::parse_from_str(&e.at, "%Y-%m-%d %H:%M")
        .ok()
        .and_then(|t| local(tz, t))
        .ok_or_else(|| {
            invalid(
                file,
                format!(
                    "event {}: tijd `{}` is geen YYYY-MM-DD HH:MM / not YYYY-MM-DD HH:MM",
                    i + 1,
                    e.at
                ),
            )
        })
}

/// The people of the roster by id: their role, name and the language they read.
pub(super) struct Cast {
    people: BTreeMap<String, (Role, String, Language)>,
}

impl Cast {
    /// Everyone in `roster`; people without a language of their own read `default_language`.
    pub(super) fn new(roster: &Roster, default_language: Language) -> Self {
        let people = roster
            .people
            .iter()
            .map(|p| {
                let language = p.language.unwrap_or(default_language);
                (p.id.to_string(), (p.role, p.name.clone(), language))
            })
            .collect();
        Self { people }
    }

    /// Whether `id` is in the roster.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.people.contains_key(id)
    }

    /// The role of `id`, if they are in the roster.
    pub(super) fn role(&self, id: &str) -> Option<Role> {
        self.people.get(id).map(|(role, _, _)| *role)
    }

    /// The language `id` reads, if they are in the roster.
    pub(super) fn language(&self, id: &str) -> Option<Language> {
        self.people.get(id).map(|(_, _, language)| *language)
    }

    /// The name of `id`, or the id itself for someone not in the roster.
    pub(super) fn name(&self, id: &str) -> String {
        self.people
            .get(id)
            .map_or_else(|| id.to_string(), |(_, n, _)| n.clone())
    }

    /// The ids of all wpbs, in id order.
    pub(super) fn wpbs(&self) -> impl Iterator<Item = PersonId> + '_ {
        self.people
            .iter()
            .filter(|(_, (r, _, _))| *r == Role::Wpb)
            .map(|(id, _)| PersonId::from_trusted(id.clone()))
    }
}
