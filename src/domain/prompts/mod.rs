//! The prompt library: themes, placement phases, the checked catalogue of wandelganggesprek
//! prompts (Dutch first, English second) and the pure, seeded choice of the next prompt for a
//! wpb.
//!
//! Nothing here performs I/O: the shipped library is compiled in with `include_str!`, and
//! [`Catalogue::parse`] works on text handed to it.
//!
//! `model` holds the types (themes, placement phases, prompts), `library` loads and looks up
//! the [`Catalogue`], `checks` holds the rules a prompt file must pass (each failure a
//! [`CatalogueProblem`]), and `selection` chooses the next prompt.

mod checks;
mod library;
mod model;
mod problem;
mod selection;

pub use checks::directive_word;
pub use library::Catalogue;
pub use model::{PlacementPhase, Prompt, PromptId, SourceFile, Theme};
pub use problem::CatalogueProblem;
pub use selection::{SelectionContext, Sent, is_lean_theme, select};

/// Longest prompt text, in characters (after trimming).
pub const MAX_PROMPT_CHARS: usize = 200;

/// Fewest Dutch prompts a theme needs before the catalogue counts it as covered.
pub const MIN_PROMPTS_PER_THEME: usize = 4;

/// A prompt is not sent to the same wpb again within this many days (while its theme has
/// other prompts left).
pub const REPEAT_WINDOW_DAYS: i64 = 56;

#[cfg(test)]
mod tests;
