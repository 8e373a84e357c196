//! To the schoolopleider and the wpb about a klik pattern: the escalation and its reminder,
//! the wpb's notice, an unreachable wpb, and the replies on escalations.

use super::RenderContext;
use super::layout::{Keep, assemble};
use super::words::{defuse_mentions, klik_label, local_time, more, name};
use crate::app::inbox::EscalationAction;
use crate::app::messages::EscalationSummary;
use crate::domain::klik::SignalSource;
use crate::store::{EscalationStatus, OpenEscalation};

/// Must keep: who, the pattern, the timeline, the next steps and the action line. Left out
/// first: the oldest shared reflections.
pub(super) fn escalation(s: &EscalationSummary, ctx: &RenderContext) -> String {
    let head = escalation_head(s, ctx);
    let reflections: Vec<String> = s
        .shared_reflections
        .iter()
        .map(|r| {
            format!(
                "  {} · “{}”",
                local_time(r.at, ctx),
                defuse_mentions(&r.text)
            )
        })
        .collect();
    let tail = [
        ctx.pick(
            "Mogelijke volgende stappen: een informeel gesprek met de wpb; een gesprek met de student; een driegesprek; overweeg overplaatsing.",
            "Possible next steps: an informal talk with the wpb; a talk with the student; a three-way talk; consider moving the student.",
        )
        .to_string(),
        ctx.pick(
            "Acties: ik pak het op · opgelost · overplaatsing",
            "Actions: I'll pick it up · resolved · move",
        )
        .to_string(),
    ];
    assemble(
        &head,
        &reflections,
        Keep::Newest,
        |n| {
            if ctx.nl() {
                format!("  (+{n} eerdere gedeelde reflecties)")
            } else {
                format!("  (+{n} earlier shared reflections)")
            }
        },
        &tail,
        ctx.max_chars,
    )
}

/// Who, since when, the pattern, the timeline and the heading of the shared reflections.
fn escalation_head(s: &EscalationSummary, ctx: &RenderContext) -> Vec<String> {
    let mut head = vec![
        format!(
            "{} #{}: {} – {} ({})",
            ctx.pick("Escalatie klik", "Klik escalation"),
            s.escalation_id,
            name(&s.wpb),
            name(&s.student),
            name(&s.school)
        ),
        format!(
            "{} {} · {} {}",
            ctx.pick("Koppeling sinds", "Paired since"),
            s.pairing_start.format("%d-%m-%Y"),
            ctx.pick("signalen sinds", "signals since"),
            local_time(s.since, ctx)
        ),
    ];
    let triggers: Vec<String> = s.triggers.iter().map(|t| t.describe(ctx.nl())).collect();
    head.push(format!(
        "{}: {}",
        ctx.pick("Patroon", "Pattern"),
        triggers.join(" ")
    ));
    head.push(ctx.pick("Tijdlijn:", "Timeline:").to_string());
    for e in &s.timeline {
        let who = match e.source {
            SignalSource::Wpb => "wpb",
            SignalSource::Student => "student",
        };
        head.push(format!(
            "  {} · {who} · {}",
            local_time(e.at, ctx),
            klik_label(e.value, ctx)
        ));
    }
    if s.shared_reflections.is_empty() {
        head.push(
            ctx.pick("Gedeelde reflecties: geen", "Shared reflections: none")
                .to_string(),
        );
    } else {
        head.push(
            ctx.pick("Gedeelde reflecties:", "Shared reflections:")
                .to_string(),
        );
    }
    head
}

/// The one reminder of an escalation nobody picked up.
pub(super) fn escalation_reminder(
    escalation_id: i64,
    wpb: &str,
    student: &str,
    ctx: &RenderContext,
) -> String {
    format!(
        "{} #{escalation_id} ({} – {}) {}",
        ctx.pick("Herinnering: escalatie", "Reminder: escalation"),
        name(wpb),
        name(student),
        ctx.pick(
            "is nog niet opgepakt. Wil je laten weten dat je het oppakt?",
            "has not been picked up yet. Would you let us know you are on it?"
        )
    )
}

/// To the wpb whose own signals formed the pattern: thanks, and who will reach out.
pub(super) fn wpb_notice(student: &str, ctx: &RenderContext) -> String {
    format!(
        "{} {}{}",
        ctx.pick(
            "Dank je voor je eerlijke signalen over de klik met",
            "Thank you for your honest signals about the klik with"
        ),
        name(student),
        ctx.pick(
            ". De schoolopleider neemt contact met je op om samen te kijken wat kan helpen.",
            ". The schoolopleider will reach out to look together at what could help."
        )
    )
}

/// To the schoolopleider: a wpb's direct messages are closed.
pub(super) fn unreachable(wpb: &str, ctx: &RenderContext) -> String {
    format!(
        "{} {} {}",
        ctx.pick("Wandelgang kan", "Wandelgang cannot reach"),
        name(wpb),
        ctx.pick(
            "geen privéberichten sturen (DM's staan uit). Wil je dit even navragen?",
            "by direct message (DMs are closed). Would you check with them?"
        )
    )
}

/// An escalation was picked up, resolved or closed with a move.
pub(super) fn updated(id: i64, action: EscalationAction, ctx: &RenderContext) -> String {
    let what = match action {
        EscalationAction::Acknowledge => ctx.pick("opgepakt", "picked up"),
        EscalationAction::Resolve => ctx.pick("opgelost", "resolved"),
        EscalationAction::Move => ctx.pick("afgesloten met overplaatsing", "closed with a move"),
    };
    format!("{} #{id}: {what}.", ctx.pick("Escalatie", "Escalation"))
}

/// Where an escalation stands, in a word.
fn escalation_status(status: EscalationStatus, ctx: &RenderContext) -> &'static str {
    match status {
        EscalationStatus::Open => ctx.pick("open", "open"),
        EscalationStatus::Acknowledged => ctx.pick("opgepakt", "picked up"),
        EscalationStatus::Resolved => ctx.pick("opgelost", "resolved"),
        EscalationStatus::Moved => ctx.pick("overplaatsing", "moved"),
    }
}

/// The school's open escalations: who, since when, where it stands. No signal wording.
pub(super) fn escalation_list(list: &[OpenEscalation], ctx: &RenderContext) -> String {
    if list.is_empty() {
        return ctx
            .pick(
                "Er staan geen escalaties open. Fijn!",
                "There are no open escalations. Good!",
            )
            .to_string();
    }
    let head = [ctx
        .pick("Openstaande escalaties:", "Open escalations:")
        .to_string()];
    let lines: Vec<String> = list
        .iter()
        .map(|e| {
            format!(
                "#{} · {} · {} · {} {} {}",
                e.id,
                name(&e.wpb),
                name(&e.student),
                escalation_status(e.status, ctx),
                ctx.pick("sinds", "since"),
                local_time(e.since, ctx)
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
