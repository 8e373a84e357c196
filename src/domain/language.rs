use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The language a person or school is addressed in. Dutch first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Nl,
    En,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::Nl => "nl",
            Language::En => "en",
        }
    }

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

    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Nl => &self.nl,
            Language::En => &self.en,
        }
    }

    pub fn nl(&self) -> &str {
        &self.nl
    }

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
    fn text(&self) -> Text;

    fn in_language(&self, language: Language) -> String {
        self.text().get(language).to_string()
    }
}
