//! A person's data: their own export and forget, and the school's export, forget, retention
//! and audit log.

use super::RenderContext;
use super::layout::{Keep, assemble};
use super::words::{local_time, more, name};
use crate::store::{AuditEntry, ForgetReport, RetentionReport};

/// The sender's own export goes along as `file_name`.
pub(super) fn exported(file_name: &str, ctx: &RenderContext) -> String {
    format!(
        "{} {file_name}.",
        ctx.pick(
            "Hier is alles wat Wandelgang over je bewaart, in het bestand",
            "Here is everything Wandelgang keeps about you, in the file"
        )
    )
}

/// What a forget would delete; the sender is asked to confirm.
pub(super) fn forget_confirm(
    reflections: u64,
    signals: u64,
    prompts: u64,
    ctx: &RenderContext,
) -> String {
    if ctx.nl() {
        format!(
            "Weet je het zeker? Dan verwijdert Wandelgang je profiel, {reflections} reflectie(s), {signals} klik-signaal/signalen en {prompts} vraag/vragen, en je koppelingen. Dit kan niet ongedaan worden gemaakt. Bevestig om alles te verwijderen."
        )
    } else {
        format!(
            "Are you sure? Wandelgang will then delete your profile, {reflections} reflection(s), {signals} klik signal(s) and {prompts} prompt(s), and your pairings. This cannot be undone. Confirm to delete everything."
        )
    }
}

/// The sender's data is deleted; only counts remain.
pub(super) fn forgotten(ctx: &RenderContext) -> String {
    ctx.pick(
        "Je gegevens zijn verwijderd. Alleen aantallen zonder namen of teksten blijven bewaard.",
        "Your data has been deleted. Only counts without names or texts are kept.",
    )
    .to_string()
}

/// Someone's export, for whoever asked for it, goes along as `file_name`.
pub(super) fn person_exported(file_name: &str, ctx: &RenderContext) -> String {
    format!(
        "{} {file_name}.",
        ctx.pick(
            "Hier is de export, in het bestand",
            "Here is the export, in the file"
        )
    )
}

/// What a forget deleted (or, in a dry run, would delete).
pub(super) fn person_forgotten(report: &ForgetReport, ctx: &RenderContext) -> String {
    if ctx.nl() {
        format!(
            "Verwijderd (of bij een proefrun: zou verdwijnen): {} reflectie(s), {} klik-signaal/signalen, {} vraag/vragen, {} koppeling(en).",
            report.reflections, report.signals, report.prompts, report.pairings
        )
    } else {
        format!(
            "Deleted (or in a dry run: would go): {} reflection(s), {} klik signal(s), {} prompt(s), {} pairing(s).",
            report.reflections, report.signals, report.prompts, report.pairings
        )
    }
}

/// What a retention run deleted (or would delete), in total.
pub(super) fn retention_done(report: &RetentionReport, ctx: &RenderContext) -> String {
    format!(
        "{} {}.",
        ctx.pick(
            "Bewaartermijnen toegepast, totaal:",
            "Retention applied, total:"
        ),
        report.total()
    )
}

/// The audit log: its head and as many entries as fit, then how many more there are.
pub(super) fn audit_log(entries: &[AuditEntry], ctx: &RenderContext) -> String {
    let head = [format!(
        "{} ({}):",
        ctx.pick("Auditlog", "Audit log"),
        entries.len()
    )];
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} · {} · {} · {}",
                local_time(e.at, ctx),
                name(&e.actor),
                e.action,
                name(&e.subject)
            )
        })
        .collect();
    assemble(
        &head,
        &lines,
        Keep::First,
        |n| more(n, ctx),
        &[],
        ctx.max_chars,
    )
}
