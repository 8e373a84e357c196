//! The wpb's and student's own rhythm: prompts, reminders, klik follow-ups, and the replies
//! to reflections, klik signals, pauses and rhythm changes.

use chrono::{DateTime, NaiveDate, Utc};

use super::RenderContext;
use super::layout::shorten_quotes;
use super::words::{klik_label, name};
use crate::app::messages::StudentRef;
use crate::domain::klik::KlikValue;

/// A prompt, with the klik question for each paired student; the question stays whole.
pub(super) fn prompt(text: &str, students: &[StudentRef], ctx: &RenderContext) -> String {
    let names: Vec<String> = students.iter().map(|s| name(&s.name)).collect();
    let names = names.join(ctx.pick(" en ", " and "));
    shorten_quotes(ctx.max_chars, &[text, &names], |q| {
        let mut out = q[0].clone();
        if !students.is_empty() {
            out.push_str(&format!(
                "\n{} {}{}",
                ctx.pick("Hoe is de klik met", "How is the klik with"),
                q[1],
                ctx.pick(
                    "? (goed, twijfel of geen klik)",
                    "? (good, doubt or no klik)"
                )
            ));
        }
        out
    })
}

/// The one gentle reminder of an unanswered prompt.
pub(super) fn reminder(text: &str, ctx: &RenderContext) -> String {
    shorten_quotes(ctx.max_chars, &[text], |q| {
        format!(
            "{} {}",
            ctx.pick(
                "Nog even hierop terugkomen, als je wilt:",
                "Coming back to this, if you like:"
            ),
            q[0]
        )
    })
}

/// The open follow-up question after a wpb's first twijfel.
pub(super) fn klik_follow_up(student: &str, ctx: &RenderContext) -> String {
    format!(
        "{} {}{}",
        ctx.pick(
            "Je twijfelt over de klik met",
            "You have doubts about the klik with"
        ),
        name(student),
        ctx.pick(
            ". Wat merk je op dit moment in jullie samenwerking, en wat zou je willen proberen?",
            ". What do you notice in your collaboration right now, and what would you like to try?"
        )
    )
}

/// A reflection was saved, perhaps free-standing, perhaps shared.
pub(super) fn reflection_saved(linked: bool, shared: bool, ctx: &RenderContext) -> String {
    let mut out = ctx
        .pick(
            "Dank je, je reflectie is bewaard",
            "Thanks, your reflection is saved",
        )
        .to_string();
    if !linked {
        out.push_str(ctx.pick(" (los, zonder vraag)", " (free-standing)"));
    }
    if shared {
        out.push_str(ctx.pick(
            " en gedeeld met de schoolopleider",
            " and shared with the schoolopleider",
        ));
    }
    out.push('.');
    out
}

/// A klik signal was saved; a student's is confidential and says so.
pub(super) fn klik_saved(
    with: &str,
    value: KlikValue,
    confidential: bool,
    ctx: &RenderContext,
) -> String {
    if !confidential {
        format!(
            "{} {}: {}.",
            ctx.pick("Genoteerd, klik met", "Noted, klik with"),
            name(with),
            klik_label(value, ctx)
        )
    } else {
        format!(
            "{} {}: {}. {}",
            ctx.pick(
                "Vertrouwelijk genoteerd, je klik met",
                "Noted in confidence, your klik with"
            ),
            name(with),
            klik_label(value, ctx),
            ctx.pick(
                "Je werkplekbegeleider ziet jouw signaal nooit.",
                "Your werkplekbegeleider never sees your signal."
            )
        )
    }
}

/// A reflection is now shared with the schoolopleider.
pub(super) fn reflection_shared(id: i64, ctx: &RenderContext) -> String {
    format!(
        "{} #{id} {}",
        ctx.pick("Reflectie", "Reflection"),
        ctx.pick(
            "is gedeeld met de schoolopleider.",
            "is shared with the schoolopleider."
        )
    )
}

/// Prompts are paused up to and including `until`.
pub(super) fn paused(until: NaiveDate, ctx: &RenderContext) -> String {
    format!(
        "{} {}.",
        ctx.pick("Gepauzeerd tot en met", "Paused up to and including"),
        until.format("%d-%m-%Y")
    )
}

/// Prompts resume after a pause.
pub(super) fn resumed(ctx: &RenderContext) -> String {
    ctx.pick(
        "Welkom terug, de vragen komen weer.",
        "Welcome back, the prompts resume.",
    )
    .to_string()
}

/// The wpb's rhythm now, and whether it is the school's.
pub(super) fn rhythm_set(per_week: u8, school_default: bool, ctx: &RenderContext) -> String {
    let mut out = if ctx.nl() {
        format!("Genoteerd: je krijgt nu {per_week} vraag/vragen per week")
    } else {
        format!("Noted: you now get {per_week} prompt(s) a week")
    };
    if school_default {
        out.push_str(ctx.pick(", het ritme van je school", ", your school's rhythm"));
    }
    out.push_str(ctx.pick(
        ". Je kunt het altijd weer aanpassen.",
        ". You can change it again any time.",
    ));
    out
}

/// A prompt on demand is on its way, in place of a planned one or on top.
pub(super) fn prompt_queued(in_place_of: Option<DateTime<Utc>>, ctx: &RenderContext) -> String {
    format!(
        "{} {}",
        ctx.pick(
            "Er komt zo een vraag aan, binnen een halve minuut.",
            "A prompt is on its way, within half a minute."
        ),
        match in_place_of {
            Some(_) => ctx.pick(
                "Die telt als een van je vragen van deze week.",
                "It counts as one of this week's prompts."
            ),
            None => ctx.pick(
                "Die komt bovenop je vragen van deze week.",
                "It comes on top of this week's prompts."
            ),
        }
    )
}
