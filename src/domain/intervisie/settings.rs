//! A team's intervisie settings: how long each phase lasts and how often the team is asked
//! who brings in a case.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::Phase;
use crate::domain::language::{Localize, Text};

/// A team's intervisie settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntervisieSettings {
    /// School days for Inbreng, Vragen, Ervaringen and Opbrengst.
    pub phase_school_days: [u32; 4],
    /// How often the bot asks the team who brings in a case; `None` = never.
    pub every_weeks: Option<u32>,
}

impl Default for IntervisieSettings {
    fn default() -> Self {
        Self {
            phase_school_days: [1, 2, 2, 1],
            every_weeks: Some(2),
        }
    }
}

/// Why intervisie settings were refused. Dutch first, then English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    /// A phase lasts outside 1 to 10 school days.
    PhaseDays {
        /// The phase.
        phase: Phase,
        /// Its school days as given.
        days: u32,
    },
    /// The call comes every so many weeks, outside 1 to 12.
    EveryWeeks(u32),
}

impl Localize for SettingsError {
    fn text(&self) -> Text {
        match self {
            SettingsError::PhaseDays { phase, days } => Text::owned(
                format!(
                    "de fase {} kan 1 tot 10 schooldagen duren (nu {days})",
                    phase.label(true)
                ),
                format!(
                    "the phase {} can last 1 to 10 school days (now {days})",
                    phase.label(false)
                ),
            ),
            SettingsError::EveryWeeks(n) => Text::owned(
                format!("om de {n} weken kan niet, kies 1 tot 12 of zet het uit"),
                format!("every {n} weeks is not possible, choose 1 to 12 or turn it off"),
            ),
        }
    }
}

/// Both languages, for logs and the configuration check.
impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for SettingsError {}

impl IntervisieSettings {
    /// Checks each phase lasts 1 to 10 school days and the call comes every 1 to 12 weeks.
    pub fn validate(&self) -> Result<(), SettingsError> {
        for (phase, days) in Phase::ALL.into_iter().zip(self.phase_school_days) {
            if !(1..=10).contains(&days) {
                return Err(SettingsError::PhaseDays { phase, days });
            }
        }
        match self.every_weeks {
            Some(w) if !(1..=12).contains(&w) => Err(SettingsError::EveryWeeks(w)),
            _ => Ok(()),
        }
    }

    /// School days a phase lasts (at least 1, even with unvalidated settings).
    pub fn days_for(&self, phase: Phase) -> u32 {
        let i = match phase {
            Phase::Inbreng => 0,
            Phase::Vragen => 1,
            Phase::Ervaringen => 2,
            Phase::Opbrengst => 3,
            Phase::Afgesloten => return 0,
        };
        self.phase_school_days[i].max(1)
    }

    /// Whether the team schedule should ask who brings in a case now, given the last call.
    pub fn call_is_due(&self, last_call: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (self.every_weeks, last_call) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(w), Some(last)) => now >= last + TimeDelta::weeks(i64::from(w.max(1))),
        }
    }
}
