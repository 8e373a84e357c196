//! The scenario file: its TOML model, the checks made before a run, and the cast of people
//! (role, name, language) that the scripted actions and the transcript refer to.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::RwLock;

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
    #[serde(default)]
    pub(super) expect: Vec<super::expect::Written>,
}

fn default_step() -> i64 {
    10
}

/// A wpb who answers each prompt after a delay, with the next line and klik values.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Event {
    /// Local time, "YYYY-MM-DD HH:MM".
    pub(super) at: String,
    /// The person acting; empty for the runner's own actions (`offline`, `crash`, `rooster`).
    #[serde(default)]
    pub(super) who: String,
    pub(super) action: String,
    #[serde(default)]
    pub(super) value: Option<String>,
    #[serde(default)]
    pub(super) student: Option<String>,
    #[serde(default)]
    pub(super) text: Option<String>,
    /// A day (`pauze`), or a moment "YYYY-MM-DD HH:MM" (`offline`, `crash`).
    #[serde(default)]
    pub(super) until: Option<String>,
    #[serde(default)]
    pub(super) share: bool,
    /// For escalation actions: the wpb of the pairing whose escalation is meant; for
    /// `koppel` and `ontkoppel` the wpb of the pairing.
    #[serde(default)]
    pub(super) wpb: Option<String>,
    /// For escalation actions: the escalation's number as its summary shows it.
    #[serde(default)]
    pub(super) escalation: Option<i64>,
    /// For `koppel`: the first day.
    #[serde(default)]
    pub(super) start: Option<NaiveDate>,
    /// For `koppel` and `ontkoppel`: the last day.
    #[serde(default)]
    pub(super) end: Option<NaiveDate>,
    /// For `instellingen` and `ritme`: prompts per week.
    #[serde(default)]
    pub(super) per_week: Option<u8>,
    /// For `instellingen`: one reminder after an unanswered prompt.
    #[serde(default)]
    pub(super) reminder: Option<bool>,
    /// For `rooster`: a roster file (CSV or TOML), relative to the scenario file.
    #[serde(default)]
    pub(super) file: Option<String>,
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

/// A moment as written in a scenario: "YYYY-MM-DD HH:MM", or a bare day meaning its first
/// minute (or, with `day_end`, the last moment of that day).
pub(super) fn moment(tz: Tz, text: &str, day_end: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M") {
        return local(tz, t);
    }
    let day = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()?;
    match day_end {
        false => local(tz, day.and_hms_opt(0, 0, 0)?),
        true => local(tz, day.succ_opt()?.and_hms_opt(0, 0, 0)?)
            .map(|t| t - chrono::Duration::seconds(1)),
    }
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

/// One person of the cast.
#[derive(Clone)]
struct Member {
    role: Role,
    name: String,
    language: Language,
    school: String,
    team: Option<String>,
}

/// The people of the roster by id (role, name, language, school, team) and who reads each
/// team channel. Grows when a roster import mid-run adds people.
pub(super) struct Cast {
    people: RwLock<BTreeMap<String, Member>>,
    /// Team channel address -> the team's id.
    channels: RwLock<BTreeMap<String, String>>,
    default_language: Language,
}

impl Cast {
    /// Everyone in `roster`; people without a language of their own read `default_language`.
    pub(super) fn new(roster: &Roster, default_language: Language) -> Self {
        let cast = Self {
            people: RwLock::new(BTreeMap::new()),
            channels: RwLock::new(BTreeMap::new()),
            default_language,
        };
        cast.add(roster);
        cast
    }

    /// Adds (or updates) everyone in `roster`.
    pub(super) fn add(&self, roster: &Roster) {
        let mut people = self.people.write().unwrap_or_else(|p| p.into_inner());
        for p in &roster.people {
            let member = Member {
                role: p.role,
                name: p.name.clone(),
                language: p.language.unwrap_or(self.default_language),
                school: p.school.to_string(),
                team: p.team.as_ref().map(ToString::to_string),
            };
            people.insert(p.id.to_string(), member);
        }
        let mut channels = self.channels.write().unwrap_or_else(|p| p.into_inner());
        for t in &roster.teams {
            if let Some(channel) = &t.channel {
                channels.insert(channel.clone(), t.id.to_string());
            }
        }
    }

    fn member(&self, id: &str) -> Option<Member> {
        self.people
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    /// Whether `id` is in the roster.
    pub(super) fn contains(&self, id: &str) -> bool {
        self.member(id).is_some()
    }

    /// The role of `id`, if they are in the roster.
    pub(super) fn role(&self, id: &str) -> Option<Role> {
        self.member(id).map(|m| m.role)
    }

    /// The language `id` reads, if they are in the roster.
    pub(super) fn language(&self, id: &str) -> Option<Language> {
        self.member(id).map(|m| m.language)
    }

    /// The school of `id`, if they are in the roster.
    pub(super) fn school(&self, id: &str) -> Option<String> {
        self.member(id).map(|m| m.school)
    }

    /// The name of `id`, or the id itself for someone not in the roster.
    pub(super) fn name(&self, id: &str) -> String {
        self.member(id).map_or_else(|| id.to_string(), |m| m.name)
    }

    /// The ids of all wpbs, in id order.
    pub(super) fn wpbs(&self) -> Vec<PersonId> {
        self.people
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, m)| m.role == Role::Wpb)
            .map(|(id, _)| PersonId::from_trusted(id.clone()))
            .collect()
    }

    /// The wpbs who read the team channel at `address`, in id order.
    pub(super) fn channel_readers(&self, address: &str) -> Vec<String> {
        let channels = self.channels.read().unwrap_or_else(|p| p.into_inner());
        let Some(team) = channels.get(address) else {
            return Vec::new();
        };
        self.people
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, m)| m.role == Role::Wpb && m.team.as_ref() == Some(team))
            .map(|(id, _)| id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moment_is_a_minute_or_a_day_from_its_start_or_to_its_end() {
        let tz = chrono_tz::Europe::Amsterdam;
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            moment(tz, "2026-10-09 16:00", false),
            Some(utc("2026-10-09T14:00:00Z"))
        );
        assert_eq!(
            moment(tz, "2026-10-09", false),
            Some(utc("2026-10-08T22:00:00Z"))
        );
        assert_eq!(
            moment(tz, "2026-10-09", true),
            Some(utc("2026-10-09T21:59:59Z"))
        );
        // The day the clocks go back has 25 hours; its end is still 23:59:59 local.
        assert_eq!(
            moment(tz, "2026-10-25", true),
            Some(utc("2026-10-25T22:59:59Z"))
        );
        // A minute the clocks skip does not exist.
        assert_eq!(moment(tz, "2026-03-29 02:30", false), None);
        assert_eq!(moment(tz, "morgen", false), None);
    }

    #[test]
    fn a_team_channel_is_read_by_the_wpbs_of_its_team() {
        let roster = parse_roster(
            r#"
[[school]]
id = "s"
name = "S"
[[team]]
id = "a"
school = "s"
name = "A"
channel = "console:#a"
[[team]]
id = "b"
school = "s"
name = "B"
channel = "console:#b"
[[wpb]]
id = "w1"
school = "s"
team = "a"
name = "W1"
[[wpb]]
id = "w2"
school = "s"
team = "b"
name = "W2"
"#,
            RosterFormat::Toml,
        )
        .unwrap();
        let cast = Cast::new(&roster, Language::Nl);
        assert_eq!(cast.channel_readers("console:#a"), vec!["w1".to_string()]);
        assert_eq!(cast.channel_readers("console:#b"), vec!["w2".to_string()]);
        assert!(cast.channel_readers("console:#c").is_empty());
        assert_eq!(cast.school("w2").as_deref(), Some("s"));
    }
}
