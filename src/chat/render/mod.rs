//! Turns messages and replies into text, Dutch or English, within a platform's length limit.
//! Text that came from people is defused so it can never ping a room (`@everyone`, `@here`).
//!
//! Within the limit, what a person must act on (the question, the action line, the
//! instruction) always stays whole: long lists keep their head and say how many entries were
//! left out, and people's own text is shortened before any of the bot's words are.
//!
//! One module per message family; this one routes each message and reply to its family and
//! cuts the result to the limit.

mod digest;
mod escalations;
mod intervisie;
mod layout;
mod management;
mod privacy;
mod prompts;
mod refusals;
mod words;

use chrono_tz::Tz;

use crate::app::inbox::Reply;
use crate::app::messages::Message;
use crate::domain::language::Language;

pub use digest::{Occasion, digest_alt, terugblik_alt};
pub use layout::{char_count, fit};
pub use refusals::{FAULT, fault, user_error};
pub use words::{defuse_mentions, local_time};

/// Discord's message limit (in characters: Unicode code points); the same budget everywhere.
pub const DEFAULT_MAX_CHARS: usize = 2000;

/// Whom a text is for: their language and time zone, and the platform's length limit.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext {
    /// The reader's language.
    pub language: Language,
    /// The time zone times are shown in.
    pub tz: Tz,
    /// The most characters (Unicode code points) one message may have.
    pub max_chars: usize,
}

impl RenderContext {
    fn nl(&self) -> bool {
        self.language == Language::Nl
    }

    fn pick<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        if self.nl() { nl } else { en }
    }
}

/// A message the bot starts (a prompt, an escalation, an intervisie phase...), as text.
pub fn message(msg: &Message, ctx: &RenderContext) -> String {
    let text = match msg {
        Message::Prompt { text, students, .. } => prompts::prompt(text, students, ctx),
        Message::Reminder { text } => prompts::reminder(text, ctx),
        Message::KlikFollowUp { student } => prompts::klik_follow_up(student, ctx),
        Message::Escalation(summary) => escalations::escalation(summary, ctx),
        Message::EscalationReminder {
            escalation_id,
            wpb,
            student,
        } => escalations::escalation_reminder(*escalation_id, wpb, student, ctx),
        Message::WpbEscalationNotice { student } => escalations::wpb_notice(student, ctx),
        Message::Unreachable { wpb } => escalations::unreachable(wpb, ctx),
        Message::IntervisiePhase {
            thread,
            phase,
            due,
            case,
            owner,
        } => intervisie::phase(*thread, *phase, *due, case.as_deref(), owner, ctx),
        Message::IntervisieReminder {
            thread,
            phase,
            to_owner,
        } => intervisie::reminder(*thread, *phase, *to_owner, ctx),
        Message::IntervisieHint {
            thread,
            suggestion,
            language,
        } => intervisie::hint(*thread, suggestion, *language, ctx),
        Message::IntervisiePointer { thread, phase } => intervisie::pointer(*thread, *phase, ctx),
        Message::IntervisieCall { team } => intervisie::call(team, ctx),
        Message::Digest(figures) => digest::digest(figures, Occasion::Weekly, ctx),
        Message::Terugblik(t) => digest::terugblik(t, ctx),
        Message::IntervisieClosed {
            thread,
            participants,
            posts,
            takeaway,
            owner_left,
        } => intervisie::closed(
            *thread,
            *participants,
            *posts,
            takeaway.as_deref(),
            *owner_left,
            ctx,
        ),
    };
    fit(text, ctx.max_chars)
}

/// A school's figures as text: the weekly digest's wording, or the overview's.
pub fn digest_text(
    figures: &crate::domain::digest::DigestFigures,
    occasion: Occasion,
    ctx: &RenderContext,
) -> String {
    fit(digest::digest(figures, occasion, ctx), ctx.max_chars)
}

/// The answer to what a person did (a reflection saved, an escalation picked up...), as text.
pub fn reply(r: &Reply, ctx: &RenderContext) -> String {
    fit(reply_text(r, ctx), ctx.max_chars)
}

fn reply_text(r: &Reply, ctx: &RenderContext) -> String {
    match r {
        Reply::ReflectionSaved { linked, shared, .. } => {
            prompts::reflection_saved(*linked, *shared, ctx)
        }
        Reply::KlikSaved {
            with,
            value,
            confidential,
        } => prompts::klik_saved(with, *value, *confidential, ctx),
        Reply::ReflectionShared { id } => prompts::reflection_shared(*id, ctx),
        Reply::Paused { until } => prompts::paused(*until, ctx),
        Reply::Resumed => prompts::resumed(ctx),
        Reply::RhythmSet {
            per_week,
            school_default,
        } => prompts::rhythm_set(*per_week, *school_default, ctx),
        Reply::PromptQueued { in_place_of } => prompts::prompt_queued(*in_place_of, ctx),
        Reply::EscalationUpdated { id, action } => escalations::updated(*id, *action, ctx),
        Reply::Escalations(list) => escalations::escalation_list(list, ctx),
        Reply::IntervisieStarted { thread } => intervisie::started(*thread, ctx),
        Reply::IntervisiePosted => intervisie::posted(ctx),
        Reply::IntervisieAdvanced { phase } => intervisie::advanced(*phase, ctx),
        Reply::IntervisieTakeawaySaved => intervisie::takeaway_saved(ctx),
        Reply::Exported { file_name, .. } => privacy::exported(file_name, ctx),
        Reply::ForgetConfirm {
            reflections,
            signals,
            prompts,
        } => privacy::forget_confirm(*reflections, *signals, *prompts, ctx),
        Reply::Forgotten => privacy::forgotten(ctx),
        Reply::PersonExported { file_name, .. } => privacy::person_exported(file_name, ctx),
        Reply::PersonForgotten(report) => privacy::person_forgotten(report, ctx),
        Reply::RetentionDone(report) => privacy::retention_done(report, ctx),
        Reply::AuditLog(entries) => privacy::audit_log(entries, ctx),
        Reply::Paired {
            wpb,
            student,
            start,
            end,
        } => management::paired(wpb, student, *start, *end, ctx),
        Reply::Unpaired { wpb, student, end } => management::unpaired(wpb, student, *end, ctx),
        Reply::Overview(figures) => digest::digest(figures, Occasion::Asked, ctx),
        Reply::DigestSwitched { on } => digest::switched(*on, ctx),
        Reply::Terugblik(t) => digest::terugblik(t, ctx),
        Reply::SchoolSettings {
            per_week,
            reminder,
            changed,
        } => management::school_settings(*per_week, *reminder, *changed, ctx),
        Reply::RosterImported(summary) => management::roster_imported(summary, ctx),
    }
}

#[cfg(test)]
mod tests;
