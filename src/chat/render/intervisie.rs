//! The team's intervisie: the call, each phase's announcement and reminder, hints and pointers
//! to posters, the closing summary, and the replies to starting, posting and advancing.

use chrono::{DateTime, Utc};

use super::RenderContext;
use super::layout::shorten_quotes;
use super::words::{defuse_mentions, local_time, name};
use crate::domain::intervisie::Phase;
use crate::domain::language::Language;

/// A phase opens: its purpose, the case at Inbreng, and until when people can reply.
pub(super) fn phase(
    thread: i64,
    phase: Phase,
    due: DateTime<Utc>,
    case: Option<&str>,
    owner: &str,
    ctx: &RenderContext,
) -> String {
    let case = case.map(defuse_mentions);
    let quotes: Vec<&str> = case.iter().map(String::as_str).collect();
    shorten_quotes(ctx.max_chars, &quotes, |q| {
        let mut out = format!(
            "Intervisie #{thread} · {}: {}",
            phase.label(ctx.nl()),
            phase.purpose(ctx.nl())
        );
        if let Some(case) = q.first() {
            out.push_str(&format!(
                "\n{} {}: “{case}”",
                name(owner),
                ctx.pick("brengt een casus in", "brings in a case"),
            ));
        }
        let next = match phase {
            Phase::Inbreng | Phase::Vragen | Phase::Ervaringen => Some(ctx.pick(
                "Je kunt hier reageren tot ongeveer",
                "You can reply here until about",
            )),
            Phase::Opbrengst => Some(ctx.pick(
                "De inbrenger kan dit opschrijven tot ongeveer",
                "The case owner can write this until about",
            )),
            Phase::Afgesloten => None,
        };
        if let Some(next) = next {
            out.push_str(&format!("\n{next} {}.", local_time(due, ctx)));
        }
        out
    })
}

/// The one reminder of a quiet phase: to the team, or to the case owner for the takeaway.
pub(super) fn reminder(thread: i64, phase: Phase, to_owner: bool, ctx: &RenderContext) -> String {
    let body = if to_owner {
        ctx.pick(
            "wil je nog opschrijven wat je uit deze intervisie meeneemt? Eén zin is genoeg.",
            "would you like to write down what you take away from this intervisie? One sentence is enough.",
        )
    } else {
        ctx.pick(
            "het is nog stil in deze fase. Wie wil er iets delen? Een korte reactie helpt al.",
            "this phase is still quiet. Who would like to share something? A short reply already helps.",
        )
    };
    format!("Intervisie #{thread} · {}: {body}", phase.label(ctx.nl()))
}

/// A kind suggestion for a closed or suggestive question, in the question's language.
pub(super) fn hint(
    thread: i64,
    suggestion: &str,
    language: Option<Language>,
    ctx: &RenderContext,
) -> String {
    // The suggestion speaks the question's language; the whole message follows it.
    let ctx = RenderContext {
        language: language.unwrap_or(ctx.language),
        ..*ctx
    };
    format!(
        "Intervisie #{thread}: {} {suggestion}",
        ctx.pick("Dank je voor je vraag!", "Thank you for your question!"),
    )
}

/// A gentle pointer for a post outside the phase's purpose.
pub(super) fn pointer(thread: i64, phase: Phase, ctx: &RenderContext) -> String {
    format!("Intervisie #{thread}: {}", phase.pointer(ctx.nl()))
}

/// The team's scheduled call, asking who would like to bring in a case.
pub(super) fn call(team: &str, ctx: &RenderContext) -> String {
    let team = name(team);
    if ctx.nl() {
        format!(
            "Hallo {team}! Het is weer tijd voor intervisie. Wie van jullie wil deze keer een casus inbrengen? \
             Iets waar je mee zit of over twijfelt is van harte welkom; een eigen reflectie kan ook. \
             Laat het hier weten, of start de intervisie gewoon met je casus."
        )
    } else {
        format!(
            "Hello {team}! It's time for intervisie again. Who would like to bring in a case this time? \
             Something you are pondering or unsure about is very welcome; one of your own reflections can be too. \
             Let us know here, or simply start the intervisie with your case."
        )
    }
}

/// The thread closed: how many took part, and the case owner's takeaway if written.
pub(super) fn closed(
    thread: i64,
    participants: usize,
    posts: usize,
    takeaway: Option<&str>,
    owner_left: bool,
    ctx: &RenderContext,
) -> String {
    let takeaway = takeaway.map(defuse_mentions);
    let quotes: Vec<&str> = takeaway.iter().map(String::as_str).collect();
    shorten_quotes(ctx.max_chars, &quotes, |q| {
        let mut out = format!(
            "Intervisie #{thread} · {}: ",
            Phase::Afgesloten.label(ctx.nl())
        );
        if owner_left {
            out.push_str(ctx.pick(
                "de inbrenger is niet meer in dit team, dus we ronden deze intervisie hier af. ",
                "the case owner is no longer in this team, so we close this intervisie here. ",
            ));
        }
        out.push_str(&if ctx.nl() {
            format!("{participants} deelnemer(s), {posts} bijdrage(n).")
        } else {
            format!("{participants} participant(s), {posts} contribution(s).")
        });
        match q.first() {
            Some(t) => out.push_str(&format!(
                " {} “{t}”",
                ctx.pick("De inbrenger neemt mee:", "The case owner takes away:"),
            )),
            None => out.push_str(ctx.pick(
                " Er is geen opbrengst opgeschreven.",
                " No takeaway was written down.",
            )),
        }
        out.push(' ');
        out.push_str(Phase::Afgesloten.purpose(ctx.nl()));
        out
    })
}

/// An intervisie was started in the team channel.
pub(super) fn started(thread: i64, ctx: &RenderContext) -> String {
    format!(
        "{} #{thread} {}",
        ctx.pick("Dank je! Intervisie", "Thank you! Intervisie"),
        ctx.pick(
            "is gestart in het teamkanaal.",
            "has started in the team channel."
        )
    )
}

/// A contribution was added to the thread.
pub(super) fn posted(ctx: &RenderContext) -> String {
    ctx.pick(
        "Dank je, je bijdrage staat erbij.",
        "Thank you, your contribution is in.",
    )
    .to_string()
}

/// The case owner moved the intervisie on to `phase`.
pub(super) fn advanced(phase: Phase, ctx: &RenderContext) -> String {
    format!(
        "{} {}.",
        ctx.pick("De intervisie gaat verder:", "The intervisie moves on:"),
        phase.label(ctx.nl())
    )
}

/// The case owner's takeaway was saved.
pub(super) fn takeaway_saved(ctx: &RenderContext) -> String {
    ctx.pick(
        "Dank je, je opbrengst is bewaard.",
        "Thank you, your takeaway is saved.",
    )
    .to_string()
}
