//! Layers and merging: each layer holds the values it sets with where they came from; merged,
//! they give a school's settings after the checks that span several keys.

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;
use toml::de::DeTable;

use crate::domain::digest::{DigestSettings, Thresholds};
use crate::domain::escalation::EscalationRules;
use crate::domain::intervisie::IntervisieSettings;
use crate::domain::language::Language;
use crate::domain::schedule::{
    Cadence, DateRange, MIN_WINDOW_MINUTES, ScheduleError, SchoolCalendar, WorkingHours,
};

use super::error::ConfigError;
use super::keys::{KeyPath, line_of, locate};
use super::{DEFAULT_RETENTION_MONTHS, DEFAULT_STUDENT_RETENTION_DAYS, SchoolSettings};

/// Where a merged value came from, so that a cross-key problem is reported where it was set.
#[derive(Debug, Clone)]
pub(super) enum ValueSource {
    /// The built-in defaults.
    Builtin,
    /// This key in the file.
    File(KeyPath),
    /// This environment variable.
    Env(&'static str),
}

impl ValueSource {
    /// Specificity: a school's own key beats the environment, which beats `[defaults]`.
    fn rank(&self) -> u8 {
        match self {
            ValueSource::Builtin => 0,
            ValueSource::File(p) if p.is_school() => 3,
            ValueSource::Env(_) => 2,
            ValueSource::File(_) => 1,
        }
    }
}

pub(super) type Val<T> = (T, ValueSource);

/// One layer's explicitly set values, already checked one by one.
#[derive(Debug, Default, Clone)]
pub(super) struct Layer {
    pub(super) timezone: Option<Val<Tz>>,
    pub(super) start: Option<Val<NaiveTime>>,
    pub(super) end: Option<Val<NaiveTime>>,
    pub(super) school_days: Option<Val<Vec<Weekday>>>,
    pub(super) holidays: Option<Val<Vec<DateRange>>>,
    pub(super) cadence: Option<Val<Cadence>>,
    pub(super) reminder: Option<Val<bool>>,
    pub(super) reminder_after_hours: Option<Val<u32>>,
    pub(super) language: Option<Val<Language>>,
    pub(super) consecutive_geen_klik: Option<Val<u32>>,
    pub(super) negative_count: Option<Val<u32>>,
    pub(super) negative_of_last: Option<Val<u32>>,
    pub(super) cross_signal_days: Option<Val<i64>>,
    pub(super) reminder_school_days: Option<Val<u32>>,
    pub(super) phase_school_days: Option<Val<[u32; 4]>>,
    pub(super) every_weeks: Option<Val<Option<u32>>>,
    pub(super) retention_months: Option<Val<u32>>,
    pub(super) student_retention_days: Option<Val<u32>>,
    pub(super) digest_enabled: Option<Val<bool>>,
    pub(super) digest_weekday: Option<Val<Weekday>>,
    pub(super) digest_time: Option<Val<NaiveTime>>,
    pub(super) digest_min_students: Option<Val<u32>>,
    pub(super) digest_quiet_pairing_weeks: Option<Val<u32>>,
    pub(super) digest_quiet_wpb_prompts: Option<Val<u32>>,
    pub(super) digest_ending_within_weeks: Option<Val<u32>>,
}

/// All values with their origin, after merging layers.
#[derive(Debug, Clone)]
pub(super) struct Resolved {
    timezone: Val<Tz>,
    start: Val<NaiveTime>,
    end: Val<NaiveTime>,
    school_days: Val<Vec<Weekday>>,
    holidays: Val<Vec<DateRange>>,
    cadence: Val<Cadence>,
    reminder: Val<bool>,
    reminder_after_hours: Val<u32>,
    language: Val<Language>,
    consecutive_geen_klik: Val<u32>,
    negative_count: Val<u32>,
    negative_of_last: Val<u32>,
    cross_signal_days: Val<i64>,
    reminder_school_days: Val<u32>,
    phase_school_days: Val<[u32; 4]>,
    every_weeks: Val<Option<u32>>,
    retention_months: Val<u32>,
    student_retention_days: Val<u32>,
    digest_enabled: Val<bool>,
    digest_weekday: Val<Weekday>,
    digest_time: Val<NaiveTime>,
    digest_min_students: Val<u32>,
    digest_quiet_pairing_weeks: Val<u32>,
    digest_quiet_wpb_prompts: Val<u32>,
    digest_ending_within_weeks: Val<u32>,
}

pub(super) fn builtin_resolved() -> Resolved {
    let b = || ValueSource::Builtin;
    let esc = EscalationRules::default();
    let iv = IntervisieSettings::default();
    let dg = DigestSettings::default();
    Resolved {
        timezone: (chrono_tz::Europe::Amsterdam, b()),
        start: (NaiveTime::from_hms_opt(8, 30, 0).unwrap_or_default(), b()),
        end: (NaiveTime::from_hms_opt(16, 30, 0).unwrap_or_default(), b()),
        school_days: (
            vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            b(),
        ),
        holidays: (Vec::new(), b()),
        cadence: (Cadence::default(), b()),
        reminder: (true, b()),
        reminder_after_hours: (24, b()),
        language: (Language::Nl, b()),
        consecutive_geen_klik: (esc.consecutive_geen_klik, b()),
        negative_count: (esc.negative_count, b()),
        negative_of_last: (esc.negative_of_last, b()),
        cross_signal_days: (esc.cross_signal_days, b()),
        reminder_school_days: (esc.reminder_school_days, b()),
        phase_school_days: (iv.phase_school_days, b()),
        every_weeks: (iv.every_weeks, b()),
        retention_months: (DEFAULT_RETENTION_MONTHS, b()),
        student_retention_days: (DEFAULT_STUDENT_RETENTION_DAYS, b()),
        digest_enabled: (dg.enabled, b()),
        digest_weekday: (dg.weekday, b()),
        digest_time: (dg.time, b()),
        digest_min_students: (dg.thresholds.min_students, b()),
        digest_quiet_pairing_weeks: (dg.thresholds.quiet_pairing_weeks, b()),
        digest_quiet_wpb_prompts: (dg.thresholds.quiet_wpb_prompts, b()),
        digest_ending_within_weeks: (dg.thresholds.ending_within_weeks, b()),
    }
}

impl Resolved {
    pub(super) fn apply(&self, layer: &Layer) -> Resolved {
        fn pick<T: Clone>(over: &Option<Val<T>>, base: &Val<T>) -> Val<T> {
            over.clone().unwrap_or_else(|| base.clone())
        }
        Resolved {
            timezone: pick(&layer.timezone, &self.timezone),
            start: pick(&layer.start, &self.start),
            end: pick(&layer.end, &self.end),
            school_days: pick(&layer.school_days, &self.school_days),
            holidays: pick(&layer.holidays, &self.holidays),
            cadence: pick(&layer.cadence, &self.cadence),
            reminder: pick(&layer.reminder, &self.reminder),
            reminder_after_hours: pick(&layer.reminder_after_hours, &self.reminder_after_hours),
            language: pick(&layer.language, &self.language),
            consecutive_geen_klik: pick(&layer.consecutive_geen_klik, &self.consecutive_geen_klik),
            negative_count: pick(&layer.negative_count, &self.negative_count),
            negative_of_last: pick(&layer.negative_of_last, &self.negative_of_last),
            cross_signal_days: pick(&layer.cross_signal_days, &self.cross_signal_days),
            reminder_school_days: pick(&layer.reminder_school_days, &self.reminder_school_days),
            phase_school_days: pick(&layer.phase_school_days, &self.phase_school_days),
            every_weeks: pick(&layer.every_weeks, &self.every_weeks),
            retention_months: pick(&layer.retention_months, &self.retention_months),
            student_retention_days: pick(
                &layer.student_retention_days,
                &self.student_retention_days,
            ),
            digest_enabled: pick(&layer.digest_enabled, &self.digest_enabled),
            digest_weekday: pick(&layer.digest_weekday, &self.digest_weekday),
            digest_time: pick(&layer.digest_time, &self.digest_time),
            digest_min_students: pick(&layer.digest_min_students, &self.digest_min_students),
            digest_quiet_pairing_weeks: pick(
                &layer.digest_quiet_pairing_weeks,
                &self.digest_quiet_pairing_weeks,
            ),
            digest_quiet_wpb_prompts: pick(
                &layer.digest_quiet_wpb_prompts,
                &self.digest_quiet_wpb_prompts,
            ),
            digest_ending_within_weeks: pick(
                &layer.digest_ending_within_weeks,
                &self.digest_ending_within_weeks,
            ),
        }
    }

    /// Checks that span several keys, after merging.
    pub(super) fn check(&self, ctx: &CheckContext<'_>) -> Result<(), ConfigError> {
        let hours = WorkingHours::new(self.start.0, self.end.0);
        if let Err(ScheduleError::HoursInverted { .. }) = hours {
            let origin = blame(&self.end.1, &self.start.1);
            return Err(ctx.at(
                origin,
                format!(
                    "begintijd {} moet vóór eindtijd {} liggen",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
                format!(
                    "start time {} must be before end time {}",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
            ));
        }
        // The only other refusal of WorkingHours::new: a window shorter than the minimum.
        if hours.is_err() {
            let origin = blame(&self.end.1, &self.start.1);
            return Err(ctx.at(
                origin,
                format!(
                    "werktijd {}–{} is korter dan {MIN_WINDOW_MINUTES} minuten",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
                format!(
                    "working hours {}–{} are shorter than {MIN_WINDOW_MINUTES} minutes",
                    self.start.0.format("%H:%M"),
                    self.end.0.format("%H:%M")
                ),
            ));
        }
        if !self.escalation().negative_count_fits() {
            let origin = blame(&self.negative_count.1, &self.negative_of_last.1);
            return Err(ctx.at(
                origin,
                format!(
                    "negative_count ({}) mag niet groter zijn dan negative_of_last ({})",
                    self.negative_count.0, self.negative_of_last.0
                ),
                format!(
                    "negative_count ({}) may not exceed negative_of_last ({})",
                    self.negative_count.0, self.negative_of_last.0
                ),
            ));
        }
        Ok(())
    }

    fn escalation(&self) -> EscalationRules {
        EscalationRules {
            consecutive_geen_klik: self.consecutive_geen_klik.0,
            negative_count: self.negative_count.0,
            negative_of_last: self.negative_of_last.0,
            cross_signal_days: self.cross_signal_days.0,
            reminder_school_days: self.reminder_school_days.0,
        }
    }

    pub(super) fn settings(&self) -> SchoolSettings {
        SchoolSettings {
            calendar: SchoolCalendar {
                tz: self.timezone.0,
                hours: WorkingHours {
                    start: self.start.0,
                    end: self.end.0,
                },
                school_days: self.school_days.0.clone(),
                holidays: self.holidays.0.clone(),
            },
            cadence: self.cadence.0,
            reminder: self.reminder.0,
            reminder_after_hours: self.reminder_after_hours.0,
            language: self.language.0,
            escalation: self.escalation(),
            intervisie: IntervisieSettings {
                phase_school_days: self.phase_school_days.0,
                every_weeks: self.every_weeks.0,
            },
            retention_months: self.retention_months.0,
            student_retention_days: self.student_retention_days.0,
            digest: DigestSettings {
                enabled: self.digest_enabled.0,
                weekday: self.digest_weekday.0,
                time: self.digest_time.0,
                thresholds: Thresholds {
                    min_students: self.digest_min_students.0,
                    quiet_pairing_weeks: self.digest_quiet_pairing_weeks.0,
                    quiet_wpb_prompts: self.digest_quiet_wpb_prompts.0,
                    ending_within_weeks: self.digest_ending_within_weeks.0,
                },
            },
        }
    }
}

/// Of two keys that conflict, report the one set most specifically (`a` on a tie).
fn blame<'a>(a: &'a ValueSource, b: &'a ValueSource) -> &'a ValueSource {
    if b.rank() > a.rank() { b } else { a }
}

/// The text being read, for errors that point at a key's line.
pub(super) struct CheckContext<'a> {
    pub(super) text: &'a str,
    pub(super) file: &'a str,
    pub(super) doc: &'a DeTable<'a>,
}

impl CheckContext<'_> {
    pub(super) fn invalid(
        &self,
        path: &KeyPath,
        nl: impl Into<String>,
        en: impl Into<String>,
    ) -> ConfigError {
        let line = locate(self.doc, path).map_or(1, |s| line_of(self.text, s.start));
        ConfigError::Invalid {
            file: self.file.to_string(),
            line,
            key: Some(path.to_string()),
            nl: nl.into(),
            en: en.into(),
        }
    }

    fn at(&self, origin: &ValueSource, nl: String, en: String) -> ConfigError {
        match origin {
            ValueSource::File(path) => self.invalid(path, nl, en),
            ValueSource::Env(var) => ConfigError::Env {
                var: var.to_string(),
                nl,
                en,
            },
            // Built-in defaults are consistent; keep a readable error anyway.
            ValueSource::Builtin => ConfigError::Invalid {
                file: self.file.to_string(),
                line: 1,
                key: None,
                nl,
                en,
            },
        }
    }
}
