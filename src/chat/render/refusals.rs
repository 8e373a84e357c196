//! What a person hears when nothing was done: a refusal, or a fault of ours.

use super::RenderContext;
use super::layout::{fit, shorten_quotes};
use super::words::{defuse_mentions, name};
use crate::app::inbox::UserError;
use crate::domain::language::{Language, Localize, Text};

/// A refusal in the user's language only; what a person typed is defused.
pub fn user_error(e: &UserError, ctx: &RenderContext) -> String {
    let text = match e {
        UserError::WhichStudent(names) => {
            let names: Vec<String> = names.iter().map(|n| name(n)).collect();
            let names = names.join(", ");
            shorten_quotes(ctx.max_chars, &[&names], |q| {
                format!(
                    "{} {}",
                    ctx.pick("Voor welke student?", "For which student?"),
                    q[0]
                )
            })
        }
        other => defuse_mentions(other.text().get(ctx.language)),
    };
    fit(text, ctx.max_chars)
}

/// Said when an event could not be handled for a reason of ours (the database was away, say).
pub const FAULT: Text = Text::new(
    "Dat lukte nu niet door een storing; er is niets opgeslagen. Probeer het zo nog eens.",
    "That did not work because of a fault; nothing was saved. Please try again shortly.",
);

/// The fault reply in `language`: nothing was saved, try again shortly.
pub fn fault(language: Language) -> String {
    FAULT.get(language).to_string()
}
