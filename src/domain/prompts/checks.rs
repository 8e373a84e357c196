//! The checks of the library: each prompt on its own (id, theme, phase, text), and the
//! files together (duplicates, coverage of every theme, translations).

use std::collections::BTreeMap;

use super::library::RawPrompt;
use super::model::{PlacementPhase, Prompt, PromptId, Theme};
use super::problem::CatalogueProblem;
use super::{MAX_PROMPT_CHARS, MIN_PROMPTS_PER_THEME};
use crate::domain::language::Language;

/// Words that make a prompt sound like an order; matched case-insensitively on word
/// boundaries. Prompts are invitations ("de wpb kan dit en wil dat"), never "de wpb moet".
const DIRECTIVE_NL: &[&str] = &[
    "moet",
    "moeten",
    "moest",
    "moesten",
    "verplicht",
    "verplichte",
    "zorg dat",
    "zorg ervoor",
];
const DIRECTIVE_EN: &[&str] = &["must", "have to", "has to", "should", "make sure"];

/// A prompt that passed the per-prompt checks, with the file it came from.
pub(super) struct Parsed {
    pub(super) prompt: Prompt,
    pub(super) file: String,
}

/// Coverage of every theme in Dutch, and nl/en translations with the same theme and phase.
pub(super) fn check_across_files(
    nl: &[Parsed],
    en: &[Parsed],
    nl_index: &BTreeMap<String, usize>,
    en_index: &BTreeMap<String, usize>,
    problems: &mut Vec<CatalogueProblem>,
) {
    check_coverage(nl, problems);
    check_translations(nl, en, nl_index, en_index, problems);
}

/// Every theme has enough Dutch prompts.
fn check_coverage(nl: &[Parsed], problems: &mut Vec<CatalogueProblem>) {
    let mut counts = [0usize; 16];
    for p in nl {
        counts[p.prompt.theme.index()] += 1;
    }
    for theme in Theme::ALL {
        let count = counts[theme.index()];
        if count < MIN_PROMPTS_PER_THEME {
            problems.push(CatalogueProblem::UncoveredTheme { theme, count });
        }
    }
}

/// Every id is in both languages, with the same theme and phase.
fn check_translations(
    nl: &[Parsed],
    en: &[Parsed],
    nl_index: &BTreeMap<String, usize>,
    en_index: &BTreeMap<String, usize>,
    problems: &mut Vec<CatalogueProblem>,
) {
    for (id, &i) in nl_index {
        let n = &nl[i];
        match en_index.get(id) {
            None => problems.push(CatalogueProblem::MissingTranslation {
                file: n.file.clone(),
                id: id.clone(),
                present: Language::Nl,
                missing: Language::En,
            }),
            Some(&j) => {
                let e = &en[j];
                if n.prompt.theme != e.prompt.theme || n.prompt.phase != e.prompt.phase {
                    problems.push(CatalogueProblem::TranslationMismatch {
                        nl_file: n.file.clone(),
                        en_file: e.file.clone(),
                        id: id.clone(),
                        nl_theme: n.prompt.theme,
                        en_theme: e.prompt.theme,
                        nl_phase: n.prompt.phase,
                        en_phase: e.prompt.phase,
                    });
                }
            }
        }
    }
    for (id, &j) in en_index {
        if !nl_index.contains_key(id) {
            problems.push(CatalogueProblem::MissingTranslation {
                file: en[j].file.clone(),
                id: id.clone(),
                present: Language::En,
                missing: Language::Nl,
            });
        }
    }
}

/// Checks one raw prompt; pushes problems; returns the prompt if theme and phase are known.
/// Text problems are reported but the prompt is still returned, so that translation checks
/// do not add noise.
pub(super) fn check_prompt(
    file: &str,
    lang: Language,
    raw: RawPrompt,
    problems: &mut Vec<CatalogueProblem>,
) -> Option<Prompt> {
    let id = raw.id.trim().to_string();
    let theme = Theme::parse(&raw.theme);
    let phase = PlacementPhase::parse(&raw.phase);
    if theme.is_none() {
        problems.push(CatalogueProblem::UnknownTheme {
            file: file.to_string(),
            id: id.clone(),
            theme: raw.theme.clone(),
        });
    }
    if phase.is_none() {
        problems.push(CatalogueProblem::UnknownPhase {
            file: file.to_string(),
            id: id.clone(),
            phase: raw.phase.clone(),
        });
    }
    let id_ok = match theme {
        Some(t) => id_matches_theme(&id, t),
        None => !id.is_empty() && !id.contains(char::is_whitespace),
    };
    if !id_ok {
        problems.push(CatalogueProblem::BadId {
            file: file.to_string(),
            id: id.clone(),
        });
    }

    let text = raw.text.trim().to_string();
    check_text(file, &id, lang, &text, problems);
    Some(Prompt {
        id: PromptId::from_trusted(id),
        theme: theme?,
        phase: phase?,
        text,
    })
}

/// The text is a question of at most [`MAX_PROMPT_CHARS`] characters that invites rather
/// than orders.
fn check_text(
    file: &str,
    id: &str,
    lang: Language,
    text: &str,
    problems: &mut Vec<CatalogueProblem>,
) {
    let id = id.to_string();
    if text.is_empty() {
        problems.push(CatalogueProblem::EmptyText {
            file: file.to_string(),
            id: id.clone(),
        });
    } else {
        if !text.ends_with('?') {
            problems.push(CatalogueProblem::NotAQuestion {
                file: file.to_string(),
                id: id.clone(),
            });
        }
        let chars = text.chars().count();
        if chars > MAX_PROMPT_CHARS {
            problems.push(CatalogueProblem::TooLong {
                file: file.to_string(),
                id: id.clone(),
                chars,
            });
        }
        if let Some(word) = directive_word(lang, text) {
            problems.push(CatalogueProblem::Directive {
                file: file.to_string(),
                id: id.clone(),
                word: word.to_string(),
            });
        }
    }
}

/// `<theme>-NN`: the theme id, a dash, one or more ASCII digits.
fn id_matches_theme(id: &str, theme: Theme) -> bool {
    id.strip_prefix(theme.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Reports duplicates; returns id -> index of its first occurrence (ordered, so checks that
/// iterate it are deterministic).
pub(super) fn index_language(
    language: Language,
    prompts: &[Parsed],
    problems: &mut Vec<CatalogueProblem>,
) -> BTreeMap<String, usize> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, p) in prompts.iter().enumerate() {
        let id = p.prompt.id.as_str();
        if let Some(&first) = index.get(id) {
            problems.push(CatalogueProblem::DuplicateId {
                language,
                id: id.to_string(),
                first_file: prompts[first].file.clone(),
                file: p.file.clone(),
            });
        } else {
            index.insert(id.to_string(), i);
        }
    }
    index
}

/// The first directive word or phrase in `text`, matched case-insensitively on word
/// boundaries.
pub fn directive_word(lang: Language, text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let list = match lang {
        Language::Nl => DIRECTIVE_NL,
        Language::En => DIRECTIVE_EN,
    };
    list.iter().copied().find(|phrase| {
        let needle: Vec<&str> = phrase.split_whitespace().collect();
        words.windows(needle.len()).any(|w| w == needle.as_slice())
    })
}
