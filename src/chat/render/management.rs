//! Running a school: pairings, the school's figures and settings, and roster imports.

use chrono::NaiveDate;

use super::RenderContext;
use super::words::name;
use crate::store::ImportSummary;

/// A wpb and a student are paired from `start` up to and including `end`.
pub(super) fn paired(
    wpb: &str,
    student: &str,
    start: NaiveDate,
    end: NaiveDate,
    ctx: &RenderContext,
) -> String {
    format!(
        "{} {} {} {} {} {} {} {}.",
        ctx.pick("Gekoppeld:", "Paired:"),
        name(wpb),
        ctx.pick("en", "and"),
        name(student),
        ctx.pick("van", "from"),
        start.format("%d-%m-%Y"),
        ctx.pick("tot en met", "up to and including"),
        end.format("%d-%m-%Y")
    )
}

/// A pairing now ends on `end`.
pub(super) fn unpaired(wpb: &str, student: &str, end: NaiveDate, ctx: &RenderContext) -> String {
    format!(
        "{} {} {} {} {} {}.",
        ctx.pick("De koppeling van", "The pairing of"),
        name(wpb),
        ctx.pick("en", "and"),
        name(student),
        ctx.pick("loopt tot en met", "runs up to and including"),
        end.format("%d-%m-%Y")
    )
}

/// The school's effective settings, after a change when `changed`.
pub(super) fn school_settings(
    per_week: u8,
    reminder: bool,
    changed: bool,
    ctx: &RenderContext,
) -> String {
    let head = if changed {
        ctx.pick(
            "De instellingen zijn aangepast.",
            "The settings are changed.",
        )
    } else {
        ctx.pick("De instellingen van je school:", "Your school's settings:")
    };
    let reminder = match (reminder, ctx.nl()) {
        (true, true) => "aan",
        (false, true) => "uit",
        (true, false) => "on",
        (false, false) => "off",
    };
    format!(
        "{head} {} {per_week}; {} {reminder}. {}",
        ctx.pick("Vragen per week:", "Prompts a week:"),
        ctx.pick("herinnering:", "reminder:"),
        ctx.pick(
            "Andere instellingen staan in het configuratiebestand.",
            "Other settings live in the configuration file."
        )
    )
}

/// What a roster import brought in, counted.
pub(super) fn roster_imported(summary: &ImportSummary, ctx: &RenderContext) -> String {
    format!(
        "{} {} {}, {} {}, {} {}, {} {}.",
        ctx.pick("Rooster ingelezen:", "Roster imported:"),
        summary.schools,
        ctx.pick("school/scholen", "school(s)"),
        summary.teams,
        ctx.pick("team(s)", "team(s)"),
        summary.people,
        ctx.pick("persoon/personen", "person(s)"),
        summary.pairings,
        ctx.pick("koppeling(en)", "pairing(s)")
    )
}
