//! The file layer: one `[defaults]` or `[schools.<id>]` table, each value checked on its own.

use chrono::Weekday;

use crate::domain::escalation::Threshold;
use crate::domain::intervisie::IntervisieSettings;
use crate::domain::language::Localize;
use crate::domain::retention::{RETENTION_MONTHS, STUDENT_RETENTION_DAYS};
use crate::domain::schedule::{DateRange, REMINDER_AFTER_HOURS};

use super::error::ConfigError;
use super::keys::KeyPath;
use super::layers::{CheckContext, Layer, Val, ValueSource};
use super::raw::{RawDigest, RawEscalation, RawHoliday, RawIntervisie, RawSettings};
use super::values::{
    Bad, in_range, parse_cadence, parse_date, parse_language, parse_time, parse_timezone,
    parse_weekday,
};

/// The values one table sets, checked one by one; cross-key checks come after merging.
pub(super) fn file_layer(
    ctx: &CheckContext<'_>,
    raw: &RawSettings,
    prefix: &KeyPath,
) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    calendar_keys(ctx, raw, prefix, &mut layer)?;
    number_keys(ctx, raw, prefix, &mut layer)?;
    if let Some(esc) = &raw.escalation {
        escalation_keys(ctx, esc, &prefix.key("escalation"), &mut layer)?;
    }
    if let Some(iv) = &raw.intervisie {
        intervisie_keys(ctx, iv, &prefix.key("intervisie"), &mut layer)?;
    }
    if let Some(dg) = &raw.digest {
        digest_keys(ctx, dg, &prefix.key("digest"), &mut layer)?;
    }
    Ok(layer)
}

/// A single value checked by `parse`, remembered with the key that set it.
fn checked<T>(
    ctx: &CheckContext<'_>,
    path: KeyPath,
    parse: impl FnOnce() -> Result<T, Bad>,
) -> Result<Val<T>, ConfigError> {
    match parse() {
        Ok(v) => Ok((v, ValueSource::File(path))),
        Err(b) => Err(ctx.invalid(&path, b.0, b.1)),
    }
}

/// `timezone`, `working_hours.*`, `school_days` and `holidays`.
fn calendar_keys(
    ctx: &CheckContext<'_>,
    raw: &RawSettings,
    prefix: &KeyPath,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    if let Some(tz) = &raw.timezone {
        layer.timezone = Some(checked(ctx, prefix.key("timezone"), || parse_timezone(tz))?);
    }
    if let Some(hours) = &raw.working_hours {
        let base = prefix.key("working_hours");
        if let Some(s) = &hours.start {
            layer.start = Some(checked(ctx, base.key("start"), || parse_time(s))?);
        }
        if let Some(s) = &hours.end {
            layer.end = Some(checked(ctx, base.key("end"), || parse_time(s))?);
        }
    }
    if let Some(days) = &raw.school_days {
        let base = prefix.key("school_days");
        let parsed = school_days(ctx, days, &base)?;
        layer.school_days = Some((parsed, ValueSource::File(base)));
    }
    if let Some(holidays) = &raw.holidays {
        let base = prefix.key("holidays");
        let ranges = holidays_list(ctx, holidays, &base)?;
        layer.holidays = Some((ranges, ValueSource::File(base)));
    }
    Ok(())
}

/// At least one day, each known and named once; sorted from Monday.
fn school_days(
    ctx: &CheckContext<'_>,
    days: &[String],
    base: &KeyPath,
) -> Result<Vec<Weekday>, ConfigError> {
    if days.is_empty() {
        return Err(ctx.invalid(
            base,
            "noem minstens één schooldag",
            "name at least one school day",
        ));
    }
    let mut parsed: Vec<Weekday> = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let p = base.index(i);
        let Some(day) = parse_weekday(d) else {
            return Err(ctx.invalid(
                &p,
                format!("onbekende dag `{d}`; gebruik ma, di, wo, do, vr, za, zo"),
                format!("unknown day `{d}`; use mon, tue, wed, thu, fri, sat, sun"),
            ));
        };
        if parsed.contains(&day) {
            return Err(ctx.invalid(
                &p,
                format!("dag `{d}` staat er twee keer in"),
                format!("day `{d}` is listed twice"),
            ));
        }
        parsed.push(day);
    }
    parsed.sort_by_key(|d| d.num_days_from_monday());
    Ok(parsed)
}

/// Each holiday's dates, the end not before the start.
fn holidays_list(
    ctx: &CheckContext<'_>,
    holidays: &[RawHoliday],
    base: &KeyPath,
) -> Result<Vec<DateRange>, ConfigError> {
    let lift = |path: &KeyPath, b: Bad| ctx.invalid(path, b.0, b.1);
    let mut ranges = Vec::new();
    for (i, h) in holidays.iter().enumerate() {
        let item = base.index(i);
        let ps = item.key("start");
        let pe = item.key("end");
        let start = parse_date(&h.start).map_err(|b| lift(&ps, b))?;
        let end = parse_date(&h.end).map_err(|b| lift(&pe, b))?;
        if start > end {
            return Err(ctx.invalid(
                &pe,
                format!("einddatum {end} ligt vóór begindatum {start}"),
                format!("end date {end} is before start date {start}"),
            ));
        }
        ranges.push(DateRange { start, end });
    }
    Ok(ranges)
}

/// `cadence`, `reminder`, `reminder_after_hours`, the retention keys and `language`.
fn number_keys(
    ctx: &CheckContext<'_>,
    raw: &RawSettings,
    prefix: &KeyPath,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    let ranged = |name: &str, n: i64, lo: i64, hi: i64| {
        checked(ctx, prefix.key(name), || {
            in_range(n, lo, hi, name, name).map(|v| v as u32)
        })
    };
    if let Some(n) = raw.cadence {
        layer.cadence = Some(checked(ctx, prefix.key("cadence"), || parse_cadence(n))?);
    }
    if let Some(b) = raw.reminder {
        layer.reminder = Some((b, ValueSource::File(prefix.key("reminder"))));
    }
    if let Some(n) = raw.reminder_after_hours {
        let (lo, hi) = (*REMINDER_AFTER_HOURS.start(), *REMINDER_AFTER_HOURS.end());
        layer.reminder_after_hours = Some(ranged("reminder_after_hours", n, lo, hi)?);
    }
    if let Some(n) = raw.retention_months {
        let (lo, hi) = (*RETENTION_MONTHS.start(), *RETENTION_MONTHS.end());
        layer.retention_months = Some(ranged("retention_months", n, lo, hi)?);
    }
    if let Some(n) = raw.student_retention_days {
        let (lo, hi) = (
            *STUDENT_RETENTION_DAYS.start(),
            *STUDENT_RETENTION_DAYS.end(),
        );
        layer.student_retention_days = Some(ranged("student_retention_days", n, lo, hi)?);
    }
    if let Some(l) = &raw.language {
        layer.language = Some(checked(ctx, prefix.key("language"), || parse_language(l))?);
    }
    Ok(())
}

/// The `escalation` table's thresholds, each within the range the domain gives it.
fn escalation_keys(
    ctx: &CheckContext<'_>,
    esc: &RawEscalation,
    base: &KeyPath,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    let field = |n: Option<i64>, t: Threshold| {
        let (name, range) = (t.key(), t.range());
        n.map(|n| {
            checked(ctx, base.key(name), || {
                in_range(n, *range.start(), *range.end(), name, name)
            })
        })
        .transpose()
    };
    let as_u32 = |v: Option<Val<i64>>| v.map(|(n, o)| (n as u32, o));
    layer.consecutive_geen_klik = as_u32(field(
        esc.consecutive_geen_klik,
        Threshold::ConsecutiveGeenKlik,
    )?);
    layer.negative_count = as_u32(field(esc.negative_count, Threshold::NegativeCount)?);
    layer.negative_of_last = as_u32(field(esc.negative_of_last, Threshold::NegativeOfLast)?);
    layer.cross_signal_days = field(esc.cross_signal_days, Threshold::CrossSignalDays)?;
    layer.reminder_school_days = as_u32(field(
        esc.reminder_school_days,
        Threshold::ReminderSchoolDays,
    )?);
    Ok(())
}

/// The `intervisie` table. Each key is checked on its own through the domain's rules, with the
/// other at its default.
fn intervisie_keys(
    ctx: &CheckContext<'_>,
    iv: &RawIntervisie,
    base: &KeyPath,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    let check = |p: &KeyPath, s: IntervisieSettings| {
        s.validate().map_err(|e| {
            let text = e.text();
            ctx.invalid(p, text.nl(), text.en())
        })
    };
    if let Some(days) = &iv.phase_school_days {
        let p = base.key("phase_school_days");
        let Ok(days) = <[i64; 4]>::try_from(days.as_slice()) else {
            return Err(ctx.invalid(
                &p,
                format!(
                    "geef vier getallen (Inbreng, Vragen, Ervaringen, Opbrengst), niet {}",
                    days.len()
                ),
                format!(
                    "give four numbers (case, questions, experiences, takeaway), not {}",
                    days.len()
                ),
            ));
        };
        // Out-of-range numbers (negative, huge) become 0, which validate refuses by phase.
        let days = days.map(|n| u32::try_from(n).unwrap_or(0));
        check(
            &p,
            IntervisieSettings {
                phase_school_days: days,
                every_weeks: None,
            },
        )?;
        layer.phase_school_days = Some((days, ValueSource::File(p)));
    }
    if let Some(n) = iv.every_weeks {
        let p = base.key("every_weeks");
        let every = match n {
            0 => None,
            n if n < 0 => {
                return Err(ctx.invalid(
                    &p,
                    "kies 0 (uit) of 1 tot 12",
                    "choose 0 (off) or 1 to 12",
                ));
            }
            n => Some(u32::try_from(n).unwrap_or(u32::MAX)),
        };
        check(
            &p,
            IntervisieSettings {
                every_weeks: every,
                ..IntervisieSettings::default()
            },
        )?;
        layer.every_weeks = Some((every, ValueSource::File(p)));
    }
    Ok(())
}

/// The `digest` table: whether and when the weekly digest goes, and its thresholds.
fn digest_keys(
    ctx: &CheckContext<'_>,
    dg: &RawDigest,
    base: &KeyPath,
    layer: &mut Layer,
) -> Result<(), ConfigError> {
    if let Some(b) = dg.enabled {
        layer.digest_enabled = Some((b, ValueSource::File(base.key("enabled"))));
    }
    if let Some(d) = &dg.weekday {
        layer.digest_weekday = Some(checked(ctx, base.key("weekday"), || {
            parse_weekday(d).ok_or_else(|| {
                Bad(
                    format!("onbekende dag `{d}`; gebruik ma, di, wo, do, vr, za, zo"),
                    format!("unknown day `{d}`; use mon, tue, wed, thu, fri, sat, sun"),
                )
            })
        })?);
    }
    if let Some(t) = &dg.time {
        layer.digest_time = Some(checked(ctx, base.key("time"), || parse_time(t))?);
    }
    let ranged = |name: &str, n: Option<i64>, lo: i64, hi: i64| {
        n.map(|n| {
            checked(ctx, base.key(name), || {
                in_range(n, lo, hi, name, name).map(|v| v as u32)
            })
        })
        .transpose()
    };
    layer.digest_min_students = ranged("min_students", dg.min_students, 2, 20)?;
    layer.digest_quiet_pairing_weeks =
        ranged("quiet_pairing_weeks", dg.quiet_pairing_weeks, 1, 20)?;
    layer.digest_quiet_wpb_prompts = ranged("quiet_wpb_prompts", dg.quiet_wpb_prompts, 1, 20)?;
    layer.digest_ending_within_weeks =
        ranged("ending_within_weeks", dg.ending_within_weeks, 1, 12)?;
    Ok(())
}
