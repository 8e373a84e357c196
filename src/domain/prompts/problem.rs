//! What can be wrong with the prompt files, with a bilingual message for each.

use std::fmt;

use super::model::{PlacementPhase, Theme};
use super::{MAX_PROMPT_CHARS, MIN_PROMPTS_PER_THEME};
use crate::domain::language::Language;

/// Something wrong with the prompt files. `Display` gives a bilingual message: Dutch first,
/// then ` / ` and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueProblem {
    /// The file is not valid TOML, or does not have the `[[prompt]]` shape
    /// (missing or unknown field, wrong type).
    Syntax {
        /// The file's name.
        file: String,
        /// Where the parser stopped, when it knows.
        line: Option<usize>,
        /// The parser's message (English).
        message: String,
    },
    /// `id` is empty or not of the form `<theme>-NN`.
    BadId {
        /// The file's name.
        file: String,
        /// The id as written (trimmed).
        id: String,
    },
    /// `theme` is not one of [`Theme::ALL`].
    UnknownTheme {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
        /// The theme as written.
        theme: String,
    },
    /// `phase` is not one of [`PlacementPhase::ALL`].
    UnknownPhase {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
        /// The phase as written.
        phase: String,
    },
    /// The same id twice within one language.
    DuplicateId {
        /// The language both prompts are in.
        language: Language,
        /// The doubled id.
        id: String,
        /// The file with the first prompt of that id.
        first_file: String,
        /// The file with the later one.
        file: String,
    },
    /// A theme with fewer than [`MIN_PROMPTS_PER_THEME`] Dutch prompts.
    UncoveredTheme {
        /// The theme.
        theme: Theme,
        /// How many Dutch prompts it has.
        count: usize,
    },
    /// The id exists in one language (`file`, `present`) but not in `missing`.
    MissingTranslation {
        /// The file the prompt is in.
        file: String,
        /// The prompt's id.
        id: String,
        /// The language it is in.
        present: Language,
        /// The language it is missing from.
        missing: Language,
    },
    /// The Dutch and English prompt with the same id differ in theme or phase.
    TranslationMismatch {
        /// The file of the Dutch prompt.
        nl_file: String,
        /// The file of the English prompt.
        en_file: String,
        /// The id both share.
        id: String,
        /// The Dutch prompt's theme.
        nl_theme: Theme,
        /// The English prompt's theme.
        en_theme: Theme,
        /// The Dutch prompt's phase.
        nl_phase: PlacementPhase,
        /// The English prompt's phase.
        en_phase: PlacementPhase,
    },
    /// The trimmed text does not end in `?`.
    NotAQuestion {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
    },
    /// The text uses order-like wording (`word`).
    Directive {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
        /// The first order-like word or phrase found.
        word: String,
    },
    /// The trimmed text is empty.
    EmptyText {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
    },
    /// The trimmed text is longer than [`MAX_PROMPT_CHARS`] characters.
    TooLong {
        /// The file's name.
        file: String,
        /// The prompt's id.
        id: String,
        /// Its length in characters.
        chars: usize,
    },
}

impl fmt::Display for CatalogueProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CatalogueProblem as P;
        match self {
            P::Syntax {
                file,
                line: Some(line),
                message,
            } => write!(
                f,
                "{file}: regel {line}: ongeldige TOML / line {line}: invalid TOML: {message}"
            ),
            P::Syntax {
                file,
                line: None,
                message,
            } => write!(f, "{file}: ongeldige TOML / invalid TOML: {message}"),
            P::BadId { file, id } => write!(
                f,
                "{file}: prompt `{id}`: ongeldig id (verwacht `<thema>-NN`) / \
                 invalid id (expected `<theme>-NN`)"
            ),
            P::UnknownTheme { file, id, theme } => write!(
                f,
                "{file}: prompt `{id}`: onbekend thema `{theme}` / unknown theme `{theme}`"
            ),
            P::UnknownPhase { file, id, phase } => write!(
                f,
                "{file}: prompt `{id}`: onbekende fase `{phase}` (begin, midden, eind of any) / \
                 unknown phase `{phase}` (begin, midden, eind or any)"
            ),
            P::DuplicateId {
                language,
                id,
                first_file,
                file,
            } => {
                let lang = language.code();
                write!(
                    f,
                    "{file}: prompt `{id}`: id komt dubbel voor ({lang}, eerder in {first_file}) / \
                     duplicate id ({lang}, first in {first_file})"
                )
            }
            _ => self.fmt_across_files_or_text(f),
        }
    }
}

impl CatalogueProblem {
    /// The message of a problem across files or in a prompt's text; [`fmt`](fmt::Display::fmt)
    /// writes the problems of a file's shape and ids itself.
    fn fmt_across_files_or_text(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CatalogueProblem as P;
        match self {
            P::UncoveredTheme { theme, count } => write!(
                f,
                "thema `{theme}`: maar {count} Nederlandse prompts, minstens \
                 {MIN_PROMPTS_PER_THEME} nodig / theme `{theme}`: only {count} Dutch prompts, \
                 at least {MIN_PROMPTS_PER_THEME} needed (uncovered theme)"
            ),
            P::MissingTranslation {
                file,
                id,
                present,
                missing,
            } => {
                let (have, lack) = (present.code(), missing.code());
                write!(
                    f,
                    "{file}: prompt `{id}`: vertaling ontbreekt (wel {have}, geen {lack}) / \
                     missing translation (in {have}, not in {lack})"
                )
            }
            P::TranslationMismatch {
                nl_file,
                en_file,
                id,
                nl_theme,
                en_theme,
                nl_phase,
                en_phase,
            } => write!(
                f,
                "{nl_file} / {en_file}: prompt `{id}`: vertaling wijkt af (nl {nl_theme}/{nl_phase}, \
                 en {en_theme}/{en_phase}) / translation differs in theme or phase \
                 (nl {nl_theme}/{nl_phase}, en {en_theme}/{en_phase})"
            ),
            P::NotAQuestion { file, id } => write!(
                f,
                "{file}: prompt `{id}`: geen vraag (eindigt niet op '?') / \
                 not a question (does not end in '?')"
            ),
            P::Directive { file, id, word } => write!(
                f,
                "{file}: prompt `{id}`: sturende formulering \"{word}\" (uitnodigen, niet \
                 opdragen) / directive wording \"{word}\" (invite, do not order)"
            ),
            P::EmptyText { file, id } => {
                write!(f, "{file}: prompt `{id}`: lege tekst / empty text")
            }
            P::TooLong { file, id, chars } => write!(
                f,
                "{file}: prompt `{id}`: te lang ({chars} tekens, max {MAX_PROMPT_CHARS}) / \
                 too long ({chars} characters, max {MAX_PROMPT_CHARS})"
            ),
            // Written by `fmt` itself.
            P::Syntax { .. }
            | P::BadId { .. }
            | P::UnknownTheme { .. }
            | P::UnknownPhase { .. }
            | P::DuplicateId { .. } => Ok(()),
        }
    }
}

impl std::error::Error for CatalogueProblem {}
