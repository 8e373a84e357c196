//! A wpb's reflectie: the one-line answer to a prompt, normalised and capped.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_segmentation::UnicodeSegmentation;

use super::language::{Localize, Text};

/// The hard cap on a reflection, counted in what a person sees (extended grapheme clusters)
/// after normalisation: a family emoji is one, a decomposed é is one.
pub const REFLECTION_MAX_CHARS: usize = 280;

/// A normalised reflection: no control, bidi-control or zero-width-space characters, every run
/// of whitespace collapsed into one space, trimmed, with something visible in it and at most
/// [`REFLECTION_MAX_CHARS`] graphemes.
///
/// Deserialising goes through [`Reflection::parse`], so a stored value keeps the invariant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reflection(String);

/// Why a reflection is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReflectionError {
    /// Nothing but whitespace.
    Empty,
    /// Longer than a reflection may be.
    TooLong {
        /// The most characters allowed.
        limit: usize,
        /// How many characters it had.
        length: usize,
    },
}

impl Localize for ReflectionError {
    fn text(&self) -> Text {
        match self {
            ReflectionError::Empty => {
                Text::new("Je reflectie is leeg.", "Your reflection is empty.")
            }
            ReflectionError::TooLong { limit, length } => Text::owned(
                format!("Je reflectie is {length} tekens; de grens is {limit}."),
                format!("Your reflection is {length} characters; the limit is {limit}."),
            ),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl fmt::Display for ReflectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for ReflectionError {}

impl Reflection {
    /// Normalises `raw` and checks a person would see something and not more than the cap.
    pub fn parse(raw: &str) -> Result<Reflection, ReflectionError> {
        let text = normalise(raw);
        if !text.chars().any(is_visible) {
            return Err(ReflectionError::Empty);
        }
        let length = text.graphemes(true).count();
        if length > REFLECTION_MAX_CHARS {
            return Err(ReflectionError::TooLong {
                limit: REFLECTION_MAX_CHARS,
                length,
            });
        }
        Ok(Reflection(text))
    }

    /// The reflection's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, taken out.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Reflection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Reflection {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reflection {
    type Error = ReflectionError;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Reflection::parse(&raw)
    }
}

impl From<Reflection> for String {
    fn from(r: Reflection) -> String {
        r.0
    }
}

/// Bidirectional formatting controls: embeddings/overrides, isolates, marks.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
    )
}

/// Zero-width characters with no job inside a word or an emoji: dropped like bidi controls.
/// (ZWJ, ZWNJ, variation selectors and tag characters are kept: emoji and scripts need them.)
fn is_stray_zero_width(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}' | '\u{180E}'
    )
}

/// Characters that render as nothing or as blank space: what is left when a reflection is
/// made only of these, a person sees an empty line.
fn is_visible(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || is_bidi_control(c)
        || is_stray_zero_width(c)
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
            | '\u{034F}'                    // combining grapheme joiner
            | '\u{115F}' | '\u{1160}'       // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'       // Mongolian variation selectors
            | '\u{200C}' | '\u{200D}'       // ZWNJ, ZWJ
            | '\u{2800}'                    // braille blank
            | '\u{3164}' | '\u{FFA0}'       // Hangul fillers
            | '\u{FE00}'..='\u{FE0F}'       // variation selectors
            | '\u{FFF9}'..='\u{FFFB}'       // interlinear annotation
            | '\u{1D173}'..='\u{1D17A}'     // musical format controls
            | '\u{E0000}'..='\u{E007F}'     // tags
            | '\u{E0100}'..='\u{E01EF}' // variation selectors supplement
        ))
}

/// Whitespace (including `\n`, `\r`, `\t` and other line breaks) becomes a single space,
/// other control characters, bidi controls and stray zero-width characters are dropped, the
/// result is trimmed.
/// Everything else is kept, including ZWJ (U+200D) and variation selectors used by emoji.
fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            pending_space = true;
        } else if c.is_control() || is_bidi_control(c) || is_stray_zero_width(c) {
            // Dropped without separating the characters around it.
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(raw: &str) -> String {
        Reflection::parse(raw).unwrap().into_inner()
    }

    #[test]
    fn plain_text_is_kept() {
        assert_eq!(
            ok("Vandaag vroeg ik eerst wat zij zelf zag."),
            "Vandaag vroeg ik eerst wat zij zelf zag."
        );
    }

    #[test]
    fn emoji_are_kept_including_zwj_sequences_and_variation_selectors() {
        let cases = [
            "Goed gesprek 😀",
            "👩\u{200D}🏫 rolmodel vandaag",
            "Dank je ❤\u{FE0F}",
            "👨\u{200D}👩\u{200D}👧\u{200D}👦 familie",
            "👍🏽 duim",
        ];
        for raw in cases {
            assert_eq!(ok(raw), raw, "{raw:?}");
        }
        assert!(ok("👩‍🏫").contains('\u{200D}'));
        assert!(ok("❤️").contains('\u{FE0F}'));
    }

    #[test]
    fn whitespace_runs_newlines_and_tabs_collapse_into_one_space() {
        let cases = [
            ("  a   b  ", "a b"),
            ("a\nb", "a b"),
            ("a\r\nb", "a b"),
            ("a\n\n\nb", "a b"),
            ("a\tb", "a b"),
            ("\t a \t\n b \r", "a b"),
            ("a\u{00A0}\u{2003}b", "a b"),
            ("a\u{2028}b\u{2029}c", "a b c"),
            ("a \u{0085} b", "a b"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn control_characters_are_removed() {
        let cases = [
            ("a\u{0000}b", "ab"),
            ("a\u{0007}b", "ab"),
            ("a\u{001B}[31mb", "a[31mb"),
            ("a\u{007F}b", "ab"),
            ("a\u{0090}b", "ab"),
            ("a \u{0007} b", "a b"),
            ("\u{0000}a", "a"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn bidi_controls_are_removed() {
        let cases = [
            ("abc\u{202E}def", "abcdef"),
            ("\u{202A}a\u{202B}b\u{202C}c\u{202D}d", "abcd"),
            ("\u{2066}a\u{2067}b\u{2068}c\u{2069}", "abc"),
            ("a\u{200E}b\u{200F}c\u{061C}d", "abcd"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn empty_after_normalisation_is_refused() {
        for raw in [
            "",
            " ",
            "   \n\t\r  ",
            "\u{0000}\u{0007}",
            "\u{202E}\u{2066}",
            " \u{202E} \u{0007} ",
        ] {
            assert_eq!(
                Reflection::parse(raw),
                Err(ReflectionError::Empty),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn length_is_counted_after_normalisation() {
        let at_limit = "a".repeat(REFLECTION_MAX_CHARS);
        assert_eq!(ok(&at_limit).chars().count(), 280);
        assert_eq!(
            Reflection::parse(&"a".repeat(281)),
            Err(ReflectionError::TooLong {
                limit: 280,
                length: 281
            })
        );

        // Multibyte: 280 chars are far more than 280 bytes and still fine.
        let multibyte = "é".repeat(140) + "😀".repeat(140).as_str();
        assert_eq!(multibyte.chars().count(), 280);
        assert!(multibyte.len() > 280);
        assert_eq!(ok(&multibyte), multibyte);
        assert_eq!(
            Reflection::parse(&(multibyte.clone() + "ë")),
            Err(ReflectionError::TooLong {
                limit: 280,
                length: 281
            })
        );

        // Whitespace that collapses and characters that are removed do not count.
        let padded = format!("  {}\u{202E}\n\n   ", "b".repeat(280));
        assert_eq!(ok(&padded), "b".repeat(280));
        let spaced = format!("{}    {}", "c".repeat(140), "d".repeat(139));
        assert_eq!(ok(&spaced).chars().count(), 280);
    }

    #[test]
    fn only_invisible_characters_is_empty() {
        for raw in [
            "\u{200B}",
            "\u{200B}\u{200C}\u{200D}",
            " \u{2060} \u{FEFF} ",
            "\u{00AD}\u{034F}",
            "\u{FE0F}\u{E0020}",
            "\u{3164}\u{2800}\u{115F}",
            "\u{200D}\u{200D}\n\u{200B}",
        ] {
            assert_eq!(
                Reflection::parse(raw),
                Err(ReflectionError::Empty),
                "{raw:?}"
            );
        }
        // A zero-width space inside text is dropped; the text stays.
        assert_eq!(ok("a\u{200B}b\u{FEFF}"), "ab");
    }

    #[test]
    fn length_counts_what_a_person_sees() {
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        assert_eq!(ok(&family.repeat(280)), family.repeat(280));
        let decomposed_e = "e\u{0301}";
        assert_eq!(ok(&decomposed_e.repeat(280)), decomposed_e.repeat(280));
        let flag = "🇳🇱";
        assert_eq!(ok(&flag.repeat(280)), flag.repeat(280));
        assert_eq!(
            Reflection::parse(&(family.repeat(280) + decomposed_e)),
            Err(ReflectionError::TooLong {
                limit: 280,
                length: 281
            })
        );
        // Dropped zero-width spaces are not counted.
        let padded = "a\u{200B}".repeat(280);
        assert_eq!(ok(&padded), "a".repeat(280));
    }

    #[test]
    fn too_long_message_states_the_limit_in_both_languages() {
        let err = Reflection::parse(&"x".repeat(312)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Je reflectie is 312 tekens; de grens is 280. / Your reflection is 312 characters; the limit is 280."
        );
        assert_eq!(
            ReflectionError::Empty.to_string(),
            "Je reflectie is leeg. / Your reflection is empty."
        );
    }

    #[test]
    fn serde_is_a_plain_string_and_revalidates() {
        let r = Reflection::parse(" hallo\n wereld ").unwrap();
        assert_eq!(r.as_str(), "hallo wereld");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, "\"hallo wereld\"");
        let back: Reflection = serde_json::from_str(&json).unwrap();
        assert_eq!(back, r);
        assert!(serde_json::from_str::<Reflection>("\"  \"").is_err());
        let normalised: Reflection = serde_json::from_str("\"a\\n\\nb\"").unwrap();
        assert_eq!(normalised.as_str(), "a b");
    }
}
