//! How an open question is told from a closed or suggestive one, and the kind suggestion
//! for the latter, in the question's own language.

use crate::domain::language::Language;

/// Dutch openings of a closed (yes/no) question.
const NL_CLOSED: &[&str] = &[
    "heb je", "heb jij", "heeft u", "ben je", "ben jij", "bent u", "kun je", "kun jij", "kunt u",
    "kan je", "kan jij", "wil je", "wil jij", "wilt u", "weet je", "vond je", "was je", "is het",
];
/// Dutch openings of a question with advice in it.
const NL_SUGGESTIVE: &[&str] = &[
    "zou je niet",
    "zou jij niet",
    "had je niet",
    "waarom niet",
    "waarom heb je niet",
    "is het niet",
    "vind je niet",
    "moet je niet",
    "denk je niet",
];
/// English openings of a closed (yes/no) question.
const EN_CLOSED: &[&str] = &[
    "did you",
    "didn't you",
    "have you",
    "haven't you",
    "are you",
    "aren't you",
    "do you",
    "can you",
    "could you",
    "is it",
    "was it",
    "were you",
];
/// English openings of a question with advice in it.
const EN_SUGGESTIVE: &[&str] = &[
    "why didn't you",
    "why don't you",
    "why not",
    "shouldn't you",
    "wouldn't it",
    "don't you think",
    "isn't it",
];
/// Word stems that, after "kun je …" / "can you …", make a polite open request
/// ("Kun je vertellen wat …?", "Could you describe …?").
const TELL_STEMS: &[&str] = &[
    "vertel",
    "beschrijf",
    "beschrijv",
    "uitleg",
    "toelicht",
    "tell",
    "describe",
    "explain",
    "walk",
];
/// Openings of an open question, for posts without a question mark.
const QUESTION_WORDS: &[&str] = &[
    "wat", "hoe", "waarom", "waardoor", "welke", "welk", "wanneer", "wie", "waar", "waarover",
    "vertel", "what", "how", "why", "which", "when", "who", "where", "tell me",
];

pub(super) const NL_CLOSED_HINT: &str = "Misschien kun je het open vragen: begin met ‘wat’, ‘hoe’ of ‘waardoor’, bijvoorbeeld ‘Wat maakte dat je …?’";
pub(super) const NL_SUGGESTIVE_HINT: &str = "Er zit misschien al een advies in je vraag; dat krijgt straks een plek. Nu kun je open vragen, bijvoorbeeld ‘Wat heb je al geprobeerd?’";
pub(super) const EN_CLOSED_HINT: &str =
    "You could ask it openly: start with ‘what’, ‘how’ or ‘what made’, e.g. ‘What made you …?’";
pub(super) const EN_SUGGESTIVE_HINT: &str = "There may be some advice in your question; it gets its own place soon. For now you could ask openly, e.g. ‘What have you tried so far?’";

/// Lowercased, trimmed, leading quotes/markers removed, curly apostrophes made straight.
fn normalise(text: &str) -> String {
    text.trim()
        .trim_start_matches(['"', '\'', '‘', '“', '>', '-', '*', ' '])
        .to_lowercase()
        .replace('’', "'")
}

/// `s` starts with `prefix` as whole words.
fn opens_with(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '\''))
}

/// A kind suggestion for a closed or suggestive question, in the question's language;
/// `None` for open questions (and for anything that does not open like a closed question).
pub fn question_hint(text: &str) -> Option<String> {
    hint(text).map(|(suggestion, _)| suggestion.to_string())
}

/// The suggestion for a question and the language it is written in.
pub(super) fn hint(text: &str) -> Option<(&'static str, Language)> {
    let s = normalise(text);
    let any = |list: &[&str]| list.iter().any(|p| opens_with(&s, p));
    let words: Vec<&str> = s
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))
        .collect();
    // "Waarom heb je dat niet …", "Why did you not …": a why-question carrying a negation.
    let dutch_why = opens_with(&s, "waarom") && words.contains(&"niet");
    let english_why =
        opens_with(&s, "why") && words.iter().any(|w| *w == "not" || w.ends_with("n't"));
    let hint = if any(NL_SUGGESTIVE) || dutch_why {
        (NL_SUGGESTIVE_HINT, Language::Nl)
    } else if any(EN_SUGGESTIVE) || english_why {
        (EN_SUGGESTIVE_HINT, Language::En)
    } else if any(NL_CLOSED) {
        (NL_CLOSED_HINT, Language::Nl)
    } else if any(EN_CLOSED) {
        (EN_CLOSED_HINT, Language::En)
    } else {
        return None;
    };
    let ability = ["kun", "kunt", "kan", "can you", "could you"]
        .iter()
        .any(|p| opens_with(&s, p));
    let tells = words
        .iter()
        .any(|w| TELL_STEMS.iter().any(|stem| w.starts_with(stem)));
    if ability && tells {
        return None;
    }
    Some(hint)
}

/// Ends with a question mark, or (without closing `.`/`!`) opens like a question.
pub(super) fn is_question(text: &str) -> bool {
    let t = text.trim();
    if t.ends_with(['?', '？']) {
        return true;
    }
    if t.ends_with(['.', '!']) {
        return false;
    }
    let s = normalise(t);
    QUESTION_WORDS.iter().any(|w| opens_with(&s, w)) || question_hint(t).is_some()
}
