//! Dutch and English: the language type, and texts written in both.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The language a person or school is addressed in. Dutch first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Dutch, the default.
    #[default]
    Nl,
    /// English.
    En,
}

impl Language {
    /// The language's code (`nl`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

    /// Reads a language as people write it (`nl`, `Nederlands`, `en`, `English`, any case); `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" | "nederlands" | "dutch" => Some(Language::Nl),
            "en" | "engels" | "english" => Some(Language::En),
            _ => None,
        }
    }
}

/// A user-facing text written twice, once per language, so one language is always shown whole.
/// `Display` shows both ("nl / en") for logs and the bilingual CLI; nothing splits that again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    nl: Cow<'static, str>,
    en: Cow<'static, str>,
}

impl Text {
    /// A text in both languages.
    pub const fn new(nl: &'static str, en: &'static str) -> Self {
        Text {
            nl: Cow::Borrowed(nl),
            en: Cow::Borrowed(en),
        }
    }

    /// A text with data in it: each language formatted on its own.
    pub fn owned(nl: String, en: String) -> Self {
        Text {
            nl: Cow::Owned(nl),
            en: Cow::Owned(en),
        }
    }

    /// The text in `language`.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Nl => &self.nl,
            Language::En => &self.en,
        }
    }

    /// The Dutch text.
    pub fn nl(&self) -> &str {
        &self.nl
    }

    /// The English text.
    pub fn en(&self) -> &str {
        &self.en
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} / {}", self.nl, self.en)
    }
}

/// Something that says itself to a person: each variant's Dutch and English written apart.
pub trait Localize {
    /// The Dutch and English text of this value.
    fn text(&self) -> Text;

    /// The text in one language.
    fn in_language(&self, language: Language) -> String {
        self.text().get(language).to_string()
    }
}

/// For tests: a text shown in `language` holds no separator and no unmistakable word of the
/// other language.
#[cfg(test)]
pub(crate) fn assert_only(language: Language, text: &str) {
    const DUTCH: &[&str] = &[
        "je", "jij", "jouw", "de", "het", "een", "niet", "van", "voor", "met", "en", "wat", "hoe",
        "geen", "ligt", "kan", "kun", "wil", "dat", "deze", "dit", "bij", "nog", "ik",
    ];
    const ENGLISH: &[&str] = &[
        "the", "you", "your", "not", "with", "for", "and", "this", "that", "can", "has", "was",
        "are", "what", "how", "no", "only", "please", "i",
    ];
    assert!(!text.trim().is_empty(), "{language:?}: empty text");
    assert!(
        !text.contains(" / "),
        "{language:?}: a ' / ' separator in: {text}"
    );
    let other = match language {
        Language::Nl => ENGLISH,
        Language::En => DUTCH,
    };
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        let word = word.to_lowercase();
        assert!(
            !other.contains(&word.as_str()),
            "{language:?}: the other language's word `{word}` in: {text}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_gives_each_language_whole_and_logs_both() {
        let t = Text::new("Dat kan hier niet.", "That can't be done here.");
        assert_eq!(t.get(Language::Nl), "Dat kan hier niet.");
        assert_eq!(t.get(Language::En), "That can't be done here.");
        assert_eq!(
            t.to_string(),
            "Dat kan hier niet. / That can't be done here."
        );
        assert_only(Language::Nl, t.nl());
        assert_only(Language::En, t.en());
    }

    #[test]
    #[should_panic(expected = "the other language's word `the`")]
    fn the_check_finds_english_in_dutch() {
        assert_only(Language::Nl, "Dank je, the end");
    }

    #[test]
    #[should_panic(expected = "the other language's word `je`")]
    fn the_check_finds_dutch_in_english() {
        assert_only(Language::En, "Thank je");
    }

    #[test]
    #[should_panic(expected = "separator")]
    fn the_check_finds_a_separator() {
        assert_only(Language::En, "Ready / Klaar");
    }
}
