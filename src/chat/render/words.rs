//! Wording every message family shares: names, mentions, times, klik values, "more" notes.

use chrono::{DateTime, Datelike, Utc, Weekday};

use super::RenderContext;
use super::layout::fit;
use crate::domain::klik::KlikValue;
use crate::domain::language::Language;

/// The most of one name a message shows, so names alone can never crowd out the words around.
const NAME_MAX_CHARS: usize = 100;

/// Breaks `@` so a mention in people's text stays plain text on every platform.
pub fn defuse_mentions(text: &str) -> String {
    text.replace('@', "@\u{200B}")
}

/// A person's name as a message shows it: defused and of bounded length.
pub(super) fn name(text: &str) -> String {
    fit(defuse_mentions(text), NAME_MAX_CHARS)
}

/// A moment as people read it in the school's time zone: weekday, date and time.
pub fn local_time(at: DateTime<Utc>, ctx: &RenderContext) -> String {
    let local = at.with_timezone(&ctx.tz);
    let day = weekday(local.weekday(), ctx.language);
    format!(
        "{day} {} {}",
        local.format("%d-%m-%Y"),
        local.format("%H:%M")
    )
}

/// The short weekday name in the reader's language.
fn weekday(d: Weekday, language: Language) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match language {
        Language::Nl => ["ma", "di", "wo", "do", "vr", "za", "zo"][i],
        Language::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

/// A klik value as the reader's language words it.
pub(super) fn klik_label(v: KlikValue, ctx: &RenderContext) -> &'static str {
    v.label(ctx.nl())
}

/// The note under a list that did not fit whole.
pub(super) fn more(n: usize, ctx: &RenderContext) -> String {
    if ctx.nl() {
        format!("(+{n} meer)")
    } else {
        format!("(+{n} more)")
    }
}
