//! The prompt library: themes, phases, the checked catalogue of wandelganggesprek prompts
//! (Dutch first, English second) and the pure, seeded choice of the next prompt for a wpb.
//!
//! Nothing here performs I/O: the shipped library is compiled in with `include_str!`, and
//! [`Catalogue::parse`] works on text handed to it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::domain::language::Language;

/// Longest prompt text, in characters (after trimming).
pub const MAX_PROMPT_CHARS: usize = 200;

/// Fewest Dutch prompts a theme needs before the catalogue counts it as covered.
pub const MIN_PROMPTS_PER_THEME: usize = 4;

/// A prompt is not sent to the same wpb again within this many days (while its theme has
/// other prompts left).
pub const REPEAT_WINDOW_DAYS: i64 = 56;

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

// ---------------------------------------------------------------------------------------------
// Theme
// ---------------------------------------------------------------------------------------------

/// What a prompt is about. The ids (`as_str`) are the `theme` values in the TOML files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Veiligheid,
    VragendOpleiden,
    TheoriePraktijk,
    Contextleren,
    Gastheer,
    Leermeester,
    Raadgever,
    Rolmodel,
    RichtinggevendEmpowerend,
    Konig,
    Agency,
    Klik,
    Schuurmomenten,
    DominantThema,
    SteunBelemmering,
    Leerfasen,
}

impl Theme {
    pub const ALL: [Theme; 16] = [
        Theme::Veiligheid,
        Theme::VragendOpleiden,
        Theme::TheoriePraktijk,
        Theme::Contextleren,
        Theme::Gastheer,
        Theme::Leermeester,
        Theme::Raadgever,
        Theme::Rolmodel,
        Theme::RichtinggevendEmpowerend,
        Theme::Konig,
        Theme::Agency,
        Theme::Klik,
        Theme::Schuurmomenten,
        Theme::DominantThema,
        Theme::SteunBelemmering,
        Theme::Leerfasen,
    ];

    /// The id used in the TOML files and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Veiligheid => "veiligheid",
            Theme::VragendOpleiden => "vragend_opleiden",
            Theme::TheoriePraktijk => "theorie_praktijk",
            Theme::Contextleren => "contextleren",
            Theme::Gastheer => "gastheer",
            Theme::Leermeester => "leermeester",
            Theme::Raadgever => "raadgever",
            Theme::Rolmodel => "rolmodel",
            Theme::RichtinggevendEmpowerend => "richtinggevend_empowerend",
            Theme::Konig => "konig",
            Theme::Agency => "agency",
            Theme::Klik => "klik",
            Theme::Schuurmomenten => "schuurmomenten",
            Theme::DominantThema => "dominant_thema",
            Theme::SteunBelemmering => "steun_belemmering",
            Theme::Leerfasen => "leerfasen",
        }
    }

    /// Parses a theme id (trimmed, case-insensitive).
    pub fn parse(s: &str) -> Option<Theme> {
        let s = s.trim().to_ascii_lowercase();
        Theme::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// A human label in the given language.
    pub fn label(self, lang: Language) -> &'static str {
        match (self, lang) {
            (Theme::Veiligheid, Language::Nl) => "Veiligheid en vertrouwen",
            (Theme::Veiligheid, Language::En) => "Safety and trust",
            (Theme::VragendOpleiden, Language::Nl) => "Vragend opleiden",
            (Theme::VragendOpleiden, Language::En) => "Teaching by asking",
            (Theme::TheoriePraktijk, Language::Nl) => "Theorie en praktijk verbinden",
            (Theme::TheoriePraktijk, Language::En) => "Linking theory and practice",
            (Theme::Contextleren, Language::Nl) => "Contextleren",
            (Theme::Contextleren, Language::En) => "Learning from the school context",
            (Theme::Gastheer, Language::Nl) => "Gastheer",
            (Theme::Gastheer, Language::En) => "Host",
            (Theme::Leermeester, Language::Nl) => "Leermeester",
            (Theme::Leermeester, Language::En) => "Instructor",
            (Theme::Raadgever, Language::Nl) => "Raadgever",
            (Theme::Raadgever, Language::En) => "Adviser",
            (Theme::Rolmodel, Language::Nl) => "Rolmodel",
            (Theme::Rolmodel, Language::En) => "Role model",
            (Theme::RichtinggevendEmpowerend, Language::Nl) => {
                "Richtinggevend en empowerend begeleiden"
            }
            (Theme::RichtinggevendEmpowerend, Language::En) => "Directive and empowering guidance",
            (Theme::Konig, Language::Nl) => "Model van König",
            (Theme::Konig, Language::En) => "König's model",
            (Theme::Agency, Language::Nl) => "Agency: de student aan het roer",
            (Theme::Agency, Language::En) => "Agency: the student at the helm",
            (Theme::Klik, Language::Nl) => "De klik",
            (Theme::Klik, Language::En) => "Rapport (klik)",
            (Theme::Schuurmomenten, Language::Nl) => "Schuurmomenten",
            (Theme::Schuurmomenten, Language::En) => "Bumpy moments",
            (Theme::DominantThema, Language::Nl) => "Dominant thema",
            (Theme::DominantThema, Language::En) => "Dominant theme",
            (Theme::SteunBelemmering, Language::Nl) => "Wat helpt en wat belemmert",
            (Theme::SteunBelemmering, Language::En) => "What helps and what hinders",
            (Theme::Leerfasen, Language::Nl) => "Fasen van leren",
            (Theme::Leerfasen, Language::En) => "Phases of learning",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Phase
// ---------------------------------------------------------------------------------------------

/// Where in a placement a prompt fits best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Early: hosting, safety.
    Begin,
    Midden,
    /// Late: agency, evaluation.
    Eind,
    /// Fits any time.
    Any,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Begin, Phase::Midden, Phase::Eind, Phase::Any];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Begin => "begin",
            Phase::Midden => "midden",
            Phase::Eind => "eind",
            Phase::Any => "any",
        }
    }

    /// Parses a phase id (trimmed, case-insensitive).
    pub fn parse(s: &str) -> Option<Phase> {
        let s = s.trim().to_ascii_lowercase();
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The phase of a placement that is `weeks_in` weeks under way:
    /// fewer than 4 weeks is `Begin`, fewer than 12 `Midden`, after that `Eind`.
    pub fn for_weeks(weeks_in: i64) -> Phase {
        if weeks_in < 4 {
            Phase::Begin
        } else if weeks_in < 12 {
            Phase::Midden
        } else {
            Phase::Eind
        }
    }

    /// Whether a prompt of phase `self` fits a placement in phase `target`.
    pub fn fits(self, target: Phase) -> bool {
        self == Phase::Any || target == Phase::Any || self == target
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Prompt
// ---------------------------------------------------------------------------------------------

/// A prompt's id, `<theme>-NN`; the same in every language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PromptId(String);

impl PromptId {
    /// Wraps an id that comes from the catalogue or from storage; no checks.
    pub fn from_trusted(id: String) -> PromptId {
        PromptId(id)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PromptId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One checked prompt in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub id: PromptId,
    pub theme: Theme,
    pub phase: Phase,
    /// Trimmed; a question of at most [`MAX_PROMPT_CHARS`] characters.
    pub text: String,
}

/// The text of one prompt file, as handed to [`Catalogue::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Shown in problem messages, e.g. `klik.toml` or `prompts/nl/klik.toml`.
    pub name: String,
    pub language: Language,
    pub content: String,
}

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/// Something wrong with the prompt files. `Display` gives a bilingual message: Dutch first,
/// then ` / ` and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatalogueProblem {
    /// The file is not valid TOML, or does not have the `[[prompt]]` shape
    /// (missing or unknown field, wrong type).
    Syntax {
        file: String,
        line: Option<usize>,
        message: String,
    },
    /// `id` is empty or not of the form `<theme>-NN`.
    BadId {
        file: String,
        id: String,
    },
    UnknownTheme {
        file: String,
        id: String,
        theme: String,
    },
    UnknownPhase {
        file: String,
        id: String,
        phase: String,
    },
    /// The same id twice within one language.
    DuplicateId {
        language: Language,
        id: String,
        first_file: String,
        file: String,
    },
    /// A theme with fewer than [`MIN_PROMPTS_PER_THEME`] Dutch prompts.
    UncoveredTheme {
        theme: Theme,
        count: usize,
    },
    /// The id exists in one language (`file`, `present`) but not in `missing`.
    MissingTranslation {
        file: String,
        id: String,
        present: Language,
        missing: Language,
    },
    /// The Dutch and English prompt with the same id differ in theme or phase.
    TranslationMismatch {
        nl_file: String,
        en_file: String,
        id: String,
        nl_theme: Theme,
        en_theme: Theme,
        nl_phase: Phase,
        en_phase: Phase,
    },
    /// The trimmed text does not end in `?`.
    NotAQuestion {
        file: String,
        id: String,
    },
    /// The text uses order-like wording (`word`).
    Directive {
        file: String,
        id: String,
        word: String,
    },
    EmptyText {
        file: String,
        id: String,
    },
    TooLong {
        file: String,
        id: String,
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
        }
    }
}

impl std::error::Error for CatalogueProblem {}

// ---------------------------------------------------------------------------------------------
// Catalogue
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    prompt: Vec<RawPrompt>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrompt {
    id: String,
    theme: String,
    phase: String,
    text: String,
}

/// The checked prompt library, Dutch and English, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    nl: Vec<Prompt>,
    en: Vec<Prompt>,
}

/// The prompt files shipped in the binary: (language, name, content).
const BUILTIN: [(Language, &str, &str); 10] = [
    (
        Language::Nl,
        "prompts/nl/fundamenten.toml",
        include_str!("../../prompts/nl/fundamenten.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/rollen.toml",
        include_str!("../../prompts/nl/rollen.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/begeleiding.toml",
        include_str!("../../prompts/nl/begeleiding.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/klik.toml",
        include_str!("../../prompts/nl/klik.toml"),
    ),
    (
        Language::Nl,
        "prompts/nl/context.toml",
        include_str!("../../prompts/nl/context.toml"),
    ),
    (
        Language::En,
        "prompts/en/fundamenten.toml",
        include_str!("../../prompts/en/fundamenten.toml"),
    ),
    (
        Language::En,
        "prompts/en/rollen.toml",
        include_str!("../../prompts/en/rollen.toml"),
    ),
    (
        Language::En,
        "prompts/en/begeleiding.toml",
        include_str!("../../prompts/en/begeleiding.toml"),
    ),
    (
        Language::En,
        "prompts/en/klik.toml",
        include_str!("../../prompts/en/klik.toml"),
    ),
    (
        Language::En,
        "prompts/en/context.toml",
        include_str!("../../prompts/en/context.toml"),
    ),
];

/// A prompt that passed the per-prompt checks, with the file it came from.
struct Parsed {
    prompt: Prompt,
    file: String,
}

impl Catalogue {
    /// Parses and checks the files; returns every problem found (not just the first).
    pub fn parse(files: &[SourceFile]) -> Result<Catalogue, Vec<CatalogueProblem>> {
        let mut problems = Vec::new();
        let mut nl: Vec<Parsed> = Vec::new();
        let mut en: Vec<Parsed> = Vec::new();

        for file in files {
            let raw: RawFile = match toml::from_str(&file.content) {
                Ok(raw) => raw,
                Err(err) => {
                    let line = err.span().map(|span| line_of(&file.content, span.start));
                    problems.push(CatalogueProblem::Syntax {
                        file: file.name.clone(),
                        line,
                        message: err.message().trim().to_string(),
                    });
                    continue;
                }
            };
            let target = match file.language {
                Language::Nl => &mut nl,
                Language::En => &mut en,
            };
            for raw in raw.prompt {
                if let Some(prompt) = check_prompt(&file.name, file.language, raw, &mut problems) {
                    target.push(Parsed {
                        prompt,
                        file: file.name.clone(),
                    });
                }
            }
        }

        let nl_index = index_language(Language::Nl, &nl, &mut problems);
        let en_index = index_language(Language::En, &en, &mut problems);

        // A file that did not parse would make every one of its prompts look missing; report
        // the syntax problem and the per-prompt problems, and skip the checks across files.
        let any_syntax = problems
            .iter()
            .any(|p| matches!(p, CatalogueProblem::Syntax { .. }));
        if !any_syntax {
            check_across_files(&nl, &en, &nl_index, &en_index, &mut problems);
        }

        if problems.is_empty() {
            Ok(Catalogue {
                nl: nl.into_iter().map(|p| p.prompt).collect(),
                en: en.into_iter().map(|p| p.prompt).collect(),
            })
        } else {
            Err(problems)
        }
    }

    /// The prompt files shipped in the binary, as [`SourceFile`]s.
    pub fn builtin_sources() -> Vec<SourceFile> {
        BUILTIN
            .iter()
            .map(|&(language, name, content)| SourceFile {
                name: name.to_string(),
                language,
                content: content.to_string(),
            })
            .collect()
    }

    /// The library shipped in the binary (`prompts/{nl,en}/*.toml`, compiled in).
    ///
    /// # Panics
    /// Only if the shipped files fail the checks; the unit test
    /// `builtin_catalogue_passes_all_checks` guards against that, so a build whose tests pass
    /// never panics here.
    pub fn builtin() -> Catalogue {
        match Catalogue::parse(&Catalogue::builtin_sources()) {
            Ok(cat) => cat,
            Err(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                panic!("shipped prompt library is broken:\n{}", list.join("\n"))
            }
        }
    }

    /// The shipped library, parsed once per process.
    pub fn builtin_shared() -> &'static Catalogue {
        static SHARED: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
        SHARED.get_or_init(Catalogue::builtin)
    }

    pub fn get(&self, lang: Language, id: &PromptId) -> Option<&Prompt> {
        self.prompts(lang).iter().find(|p| &p.id == id)
    }

    /// All prompts in a language, in file order.
    pub fn prompts(&self, lang: Language) -> &[Prompt] {
        match lang {
            Language::Nl => &self.nl,
            Language::En => &self.en,
        }
    }

    /// The prompts of one theme in a language.
    pub fn by_theme(&self, lang: Language, theme: Theme) -> impl Iterator<Item = &Prompt> {
        self.prompts(lang).iter().filter(move |p| p.theme == theme)
    }
}

/// Coverage of every theme in Dutch, and nl/en translations with the same theme and phase.
fn check_across_files(
    nl: &[Parsed],
    en: &[Parsed],
    nl_index: &BTreeMap<String, usize>,
    en_index: &BTreeMap<String, usize>,
    problems: &mut Vec<CatalogueProblem>,
) {
    // Coverage: every theme has enough Dutch prompts.
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

    // Translations: same ids, same theme and phase.
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

/// 1-based line number of a byte offset.
fn line_of(content: &str, offset: usize) -> usize {
    let end = offset.min(content.len());
    content
        .as_bytes()
        .iter()
        .take(end)
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Checks one raw prompt; pushes problems; returns the prompt if theme and phase are known.
/// Text problems are reported but the prompt is still returned, so that translation checks
/// do not add noise.
fn check_prompt(
    file: &str,
    lang: Language,
    raw: RawPrompt,
    problems: &mut Vec<CatalogueProblem>,
) -> Option<Prompt> {
    let id = raw.id.trim().to_string();
    let theme = Theme::parse(&raw.theme);
    let phase = Phase::parse(&raw.phase);
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
        if let Some(word) = directive_word(lang, &text) {
            problems.push(CatalogueProblem::Directive {
                file: file.to_string(),
                id: id.clone(),
                word: word.to_string(),
            });
        }
    }

    Some(Prompt {
        id: PromptId(id),
        theme: theme?,
        phase: phase?,
        text,
    })
}

/// `<theme>-NN`: the theme id, a dash, one or more ASCII digits.
fn id_matches_theme(id: &str, theme: Theme) -> bool {
    id.strip_prefix(theme.as_str())
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Reports duplicates; returns id -> index of its first occurrence (ordered, so checks that
/// iterate it are deterministic).
fn index_language(
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

// ---------------------------------------------------------------------------------------------
// Selection
// ---------------------------------------------------------------------------------------------

/// A prompt sent to a wpb earlier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub prompt: PromptId,
    pub theme: Theme,
    pub at: DateTime<Utc>,
}

/// What the choice of the next prompt for one wpb depends on.
#[derive(Debug, Clone, Copy)]
pub struct SelectionContext<'a> {
    pub language: Language,
    /// Weeks since the placement started; `None` when unknown (then any phase fits).
    pub weeks_in: Option<i64>,
    /// Prompts sent to this wpb before (any order, any age).
    pub history: &'a [Sent],
    pub now: DateTime<Utc>,
    /// After worrying klik signals: lean to the themes klik and veiligheid.
    pub lean_to_klik: bool,
}

/// Chooses the next prompt for one wpb. Pure: the same catalogue, context and rng state give
/// the same prompt.
///
/// 1. Only prompts not sent to this wpb in the last [`REPEAT_WINDOW_DAYS`] days are eligible.
/// 2. With `lean_to_klik`, eligible prompts of the themes klik and veiligheid are preferred.
/// 3. Prompts whose phase fits `Phase::for_weeks(weeks_in)` (or `Any`) are preferred.
/// 4. Among the remaining themes, the one used least recently wins (never used first; ties by
///    rng); within it, prompts of exactly the current phase go before `Any` ones, then the
///    prompt sent least recently wins (never sent first; ties by rng).
/// 5. If nothing is eligible, the prompt sent least recently is chosen, so this returns `None`
///    only when the catalogue has no prompts in the language.
pub fn select<'a, R: Rng>(
    cat: &'a Catalogue,
    ctx: &SelectionContext,
    rng: &mut R,
) -> Option<&'a Prompt> {
    let all = cat.prompts(ctx.language);
    if all.is_empty() {
        return None;
    }

    // When each prompt id and each theme was last sent.
    let mut prompt_last: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
    let mut theme_last: [Option<DateTime<Utc>>; 16] = [None; 16];
    for s in ctx.history {
        let slot = prompt_last.entry(s.prompt.as_str()).or_insert(s.at);
        if s.at > *slot {
            *slot = s.at;
        }
        let t = &mut theme_last[s.theme.index()];
        if t.is_none_or(|prev| s.at > prev) {
            *t = Some(s.at);
        }
    }
    let last_sent = |p: &Prompt| prompt_last.get(p.id.as_str()).copied();

    let cutoff = ctx.now - Duration::days(REPEAT_WINDOW_DAYS);
    let mut pool: Vec<&Prompt> = all
        .iter()
        .filter(|p| last_sent(p).is_none_or(|at| at <= cutoff))
        .collect();

    if pool.is_empty() {
        // Everything was sent recently: the prompt sent longest ago.
        return pick_least_recent(all.iter().collect(), &last_sent, rng);
    }

    if ctx.lean_to_klik {
        narrow(&mut pool, |p| {
            matches!(p.theme, Theme::Klik | Theme::Veiligheid)
        });
    }
    if let Some(weeks) = ctx.weeks_in {
        let target = Phase::for_weeks(weeks);
        narrow(&mut pool, |p| p.phase.fits(target));
    }

    // Theme rotation: the least recently used theme (never used sorts first, as None < Some).
    let themes: BTreeSet<Theme> = pool.iter().map(|p| p.theme).collect();
    let oldest = themes.iter().map(|t| theme_last[t.index()]).min()?;
    let candidates: Vec<Theme> = themes
        .into_iter()
        .filter(|t| theme_last[t.index()] == oldest)
        .collect();
    let theme = candidates[rng.random_range(0..candidates.len())];

    let mut in_theme: Vec<&Prompt> = pool.into_iter().filter(|p| p.theme == theme).collect();
    // Within the theme, a prompt written for this very phase goes before an `Any` one, which
    // stays available for later phases.
    if let Some(weeks) = ctx.weeks_in {
        let target = Phase::for_weeks(weeks);
        narrow(&mut in_theme, |p| p.phase == target);
    }
    pick_least_recent(in_theme, &last_sent, rng)
}

/// Keeps only the prompts matching `keep`, unless none does.
fn narrow(pool: &mut Vec<&Prompt>, keep: impl Fn(&Prompt) -> bool) {
    if pool.iter().any(|p| keep(p)) {
        pool.retain(|p| keep(p));
    }
}

/// The prompt sent least recently (never sent first); ties broken by `rng`.
fn pick_least_recent<'a, R: Rng>(
    prompts: Vec<&'a Prompt>,
    last_sent: &impl Fn(&Prompt) -> Option<DateTime<Utc>>,
    rng: &mut R,
) -> Option<&'a Prompt> {
    let oldest = prompts.iter().map(|p| last_sent(p)).min()?;
    let ties: Vec<&Prompt> = prompts
        .into_iter()
        .filter(|p| last_sent(p) == oldest)
        .collect();
    Some(ties[rng.random_range(0..ties.len())])
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    // --- catalogue --------------------------------------------------------------------------

    #[test]
    fn builtin_catalogue_passes_all_checks() {
        let cat = match Catalogue::parse(&Catalogue::builtin_sources()) {
            Ok(cat) => cat,
            Err(problems) => {
                let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
                panic!("problems:\n{}", list.join("\n"));
            }
        };
        let nl = cat.prompts(Language::Nl);
        let en = cat.prompts(Language::En);
        assert!(nl.len() >= 70, "only {} Dutch prompts", nl.len());
        assert_eq!(nl.len(), en.len());
        for theme in Theme::ALL {
            let n = cat.by_theme(Language::Nl, theme).count();
            assert!(n >= MIN_PROMPTS_PER_THEME, "{theme}: {n}");
            // Every phase of a placement finds at least two prompts of every theme, so that
            // two full rotations fit in any phase.
            for target in [Phase::Begin, Phase::Midden, Phase::Eind] {
                let fitting = cat
                    .by_theme(Language::Nl, theme)
                    .filter(|p| p.phase.fits(target))
                    .count();
                assert!(fitting >= 2, "{theme} has {fitting} for {target}");
            }
        }
        for p in nl {
            let e = cat.get(Language::En, &p.id).expect("translation");
            assert_eq!((e.theme, e.phase), (p.theme, p.phase));
        }
        assert_eq!(Catalogue::builtin(), cat);
        assert_eq!(Catalogue::builtin_shared(), &cat);
    }

    #[test]
    fn theme_and_phase_ids_round_trip() {
        for theme in Theme::ALL {
            assert_eq!(Theme::parse(theme.as_str()), Some(theme));
            let quoted = format!("\"{}\"", theme.as_str());
            assert_eq!(serde_name(theme), quoted);
            assert!(!theme.label(Language::Nl).is_empty());
            assert!(!theme.label(Language::En).is_empty());
        }
        for phase in Phase::ALL {
            assert_eq!(Phase::parse(phase.as_str()), Some(phase));
        }
        assert_eq!(Theme::parse(" Klik "), Some(Theme::Klik));
        assert_eq!(Theme::parse("kliks"), None);
        assert_eq!(Phase::parse("later"), None);
        assert_eq!(Phase::for_weeks(0), Phase::Begin);
        assert_eq!(Phase::for_weeks(3), Phase::Begin);
        assert_eq!(Phase::for_weeks(4), Phase::Midden);
        assert_eq!(Phase::for_weeks(11), Phase::Midden);
        assert_eq!(Phase::for_weeks(12), Phase::Eind);
    }

    /// The serde name of a theme, via the toml serializer.
    fn serde_name(theme: Theme) -> String {
        #[derive(Serialize)]
        struct W {
            t: Theme,
        }
        let s = toml::to_string(&W { t: theme }).expect("serialize");
        s.trim().trim_start_matches("t = ").to_string()
    }

    /// A minimal valid library: 4 prompts per theme, nl and en, in one file each.
    fn entries() -> Vec<(String, Theme, Phase, String, String)> {
        let phases = [Phase::Begin, Phase::Midden, Phase::Eind, Phase::Any];
        let mut out = Vec::new();
        for theme in Theme::ALL {
            for (n, phase) in phases.into_iter().enumerate() {
                out.push((
                    format!("{}-{:02}", theme.as_str(), n + 1),
                    theme,
                    phase,
                    format!(
                        "Hoe ging het deze week met {} nummer {}?",
                        theme.as_str(),
                        n
                    ),
                    format!("How did {} number {} go this week?", theme.as_str(), n),
                ));
            }
        }
        out
    }

    fn entry_toml(id: &str, theme: &str, phase: &str, text: &str) -> String {
        format!(
            "[[prompt]]\nid = \"{id}\"\ntheme = \"{theme}\"\nphase = \"{phase}\"\ntext = \"{text}\"\n\n"
        )
    }

    fn files_from(entries: &[(String, Theme, Phase, String, String)]) -> Vec<SourceFile> {
        let mut nl = String::new();
        let mut en = String::new();
        for (id, theme, phase, t_nl, t_en) in entries {
            nl.push_str(&entry_toml(id, theme.as_str(), phase.as_str(), t_nl));
            en.push_str(&entry_toml(id, theme.as_str(), phase.as_str(), t_en));
        }
        vec![
            SourceFile {
                name: "klik.toml".into(),
                language: Language::Nl,
                content: nl,
            },
            SourceFile {
                name: "klik.toml".into(),
                language: Language::En,
                content: en,
            },
        ]
    }

    fn problems(files: &[SourceFile]) -> Vec<CatalogueProblem> {
        match Catalogue::parse(files) {
            Ok(_) => Vec::new(),
            Err(p) => p,
        }
    }

    #[test]
    fn minimal_library_is_valid() {
        let cat = Catalogue::parse(&files_from(&entries())).expect("valid");
        assert_eq!(cat.prompts(Language::Nl).len(), 64);
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str("[[prompt]]\nid = \"klik-99\nphase = \"any\"\n");
        let lines = files[0].content.lines().count();
        let p = problems(&files);
        let syntax = p
            .iter()
            .find_map(|p| match p {
                CatalogueProblem::Syntax { file, line, .. } => Some((file.clone(), *line)),
                _ => None,
            })
            .expect("syntax problem");
        assert_eq!(syntax.0, "klik.toml");
        let line = syntax.1.expect("line");
        assert!(line >= lines - 2 && line <= lines, "line {line} of {lines}");
        assert_eq!(p.len(), 1, "cross-file checks are skipped: {p:?}");
        let msg = p[0].to_string();
        assert!(msg.starts_with("klik.toml: regel "), "{msg}");
        assert!(msg.contains(" / line "), "{msg}");
    }

    #[test]
    fn missing_field_is_reported() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str("[[prompt]]\nid = \"klik-09\"\ntheme = \"klik\"\ntext = \"Hoe?\"\n");
        assert!(matches!(
            problems(&files).as_slice(),
            [CatalogueProblem::Syntax { .. }, ..]
        ));
    }

    #[test]
    fn unknown_theme_and_phase_fire() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str(&entry_toml("kliks-01", "kliks", "later", "Hoe gaat het?"));
        let p = problems(&files);
        assert!(p.iter().any(|p| matches!(p,
            CatalogueProblem::UnknownTheme { id, theme, .. } if id == "kliks-01" && theme == "kliks")));
        assert!(p.iter().any(|p| matches!(p,
            CatalogueProblem::UnknownPhase { phase, .. } if phase == "later")));
    }

    #[test]
    fn bad_id_fires() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str(&entry_toml("veiligheid-7", "klik", "any", "Hoe gaat het?"));
        files[1].content.push_str(&entry_toml(
            "veiligheid-7",
            "klik",
            "any",
            "How is it going?",
        ));
        let p = problems(&files);
        assert!(p.iter().any(|p| matches!(p,
            CatalogueProblem::BadId { id, .. } if id == "veiligheid-7")));
    }

    #[test]
    fn duplicate_id_fires() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str(&entry_toml("klik-01", "klik", "begin", "Hoe is het nu?"));
        let p = problems(&files);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(matches!(&p[0],
            CatalogueProblem::DuplicateId { id, language: Language::Nl, .. } if id == "klik-01"));
        assert!(p[0].to_string().contains("dubbel"));
    }

    #[test]
    fn uncovered_theme_fires() {
        let e: Vec<_> = entries()
            .into_iter()
            .filter(|e| e.0 != "agency-03")
            .collect();
        let p = problems(&files_from(&e));
        assert_eq!(
            p,
            vec![CatalogueProblem::UncoveredTheme {
                theme: Theme::Agency,
                count: 3
            }]
        );
        assert!(p[0].to_string().contains("uncovered theme"));
    }

    #[test]
    fn missing_translation_fires_both_ways() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str(&entry_toml("klik-05", "klik", "any", "Hoe is het nu?"));
        files[1]
            .content
            .push_str(&entry_toml("klik-06", "klik", "any", "How is it now?"));
        let p = problems(&files);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.contains(&CatalogueProblem::MissingTranslation {
            file: "klik.toml".into(),
            id: "klik-05".into(),
            present: Language::Nl,
            missing: Language::En,
        }));
        assert!(p.contains(&CatalogueProblem::MissingTranslation {
            file: "klik.toml".into(),
            id: "klik-06".into(),
            present: Language::En,
            missing: Language::Nl,
        }));
    }

    #[test]
    fn translation_mismatch_fires() {
        let mut files = files_from(&entries());
        files[0]
            .content
            .push_str(&entry_toml("klik-05", "klik", "begin", "Hoe is het nu?"));
        files[1]
            .content
            .push_str(&entry_toml("klik-05", "klik", "eind", "How is it now?"));
        let p = problems(&files);
        assert!(matches!(p.as_slice(),
            [CatalogueProblem::TranslationMismatch { id, nl_phase: Phase::Begin, en_phase: Phase::Eind, .. }]
            if id == "klik-05"));
    }

    #[test]
    fn not_a_question_fires() {
        let mut e = entries();
        e[0].3 = "Vertel iets over je week.".into();
        let p = problems(&files_from(&e));
        assert_eq!(
            p,
            vec![CatalogueProblem::NotAQuestion {
                file: "klik.toml".into(),
                id: "veiligheid-01".into()
            }]
        );
        assert_eq!(
            p[0].to_string(),
            "klik.toml: prompt `veiligheid-01`: geen vraag (eindigt niet op '?') / \
             not a question (does not end in '?')"
        );
    }

    #[test]
    fn trailing_whitespace_after_question_mark_is_fine() {
        let mut e = entries();
        e[0].3 = "Hoe gaat het?   ".into();
        assert!(problems(&files_from(&e)).is_empty());
    }

    #[test]
    fn directive_wording_fires_nl_moet() {
        let mut e = entries();
        e[1].3 = "Wat Moet je student deze week leren?".into();
        let p = problems(&files_from(&e));
        assert!(matches!(p.as_slice(),
            [CatalogueProblem::Directive { word, id, .. }] if word == "moet" && id == "veiligheid-02"));
        // Word boundaries: "moeite" and "zorg" alone are fine.
        assert_eq!(directive_word(Language::Nl, "Kost het je moeite?"), None);
        assert_eq!(directive_word(Language::Nl, "Welke zorg heb je?"), None);
        assert_eq!(
            directive_word(Language::Nl, "Zorg ervoor dat je luistert?"),
            Some("zorg ervoor")
        );
        // Dutch words are not checked against the English list and vice versa.
        assert_eq!(directive_word(Language::En, "Wat moet je?"), None);
    }

    #[test]
    fn directive_wording_fires_en_should() {
        let mut e = entries();
        e[2].4 = "What SHOULD your student try next?".into();
        let p = problems(&files_from(&e));
        assert!(matches!(p.as_slice(),
            [CatalogueProblem::Directive { word, .. }] if word == "should"));
        assert_eq!(
            directive_word(Language::En, "Did you have to step in?"),
            Some("have to")
        );
        assert_eq!(directive_word(Language::En, "Is the mustard good?"), None);
    }

    #[test]
    fn too_long_and_empty_fire() {
        let mut e = entries();
        e[3].3 = format!("{}?", "a".repeat(MAX_PROMPT_CHARS));
        e[4].3 = "   ".into();
        let p = problems(&files_from(&e));
        assert!(p.iter().any(|p| matches!(p,
            CatalogueProblem::TooLong { chars, .. } if *chars == MAX_PROMPT_CHARS + 1)));
        assert!(
            p.iter()
                .any(|p| matches!(p, CatalogueProblem::EmptyText { .. }))
        );
        assert_eq!(p.len(), 2, "{p:?}");
        // Exactly the maximum is fine (counted in characters, not bytes).
        let mut e = entries();
        e[3].3 = format!("{}?", "é".repeat(MAX_PROMPT_CHARS - 1));
        assert!(problems(&files_from(&e)).is_empty());
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let mut e = entries();
        e[0].3 = "Geen vraag.".into();
        e[1].4 = "You must answer?".into();
        let mut files = files_from(&e);
        files.push(SourceFile {
            name: "kapot.toml".into(),
            language: Language::Nl,
            content: "[[prompt]\n".into(),
        });
        assert_eq!(problems(&files).len(), 3);
    }

    // --- selection --------------------------------------------------------------------------

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 9, 1, 10, 0, 0)
            .single()
            .expect("valid time")
    }

    /// Runs `n` selections, `days_between` apart, feeding each pick back into the history.
    fn run(
        cat: &Catalogue,
        seed: u64,
        n: usize,
        days_between: i64,
        weeks_in: impl Fn(DateTime<Utc>) -> Option<i64>,
        lean_to_klik: bool,
    ) -> Vec<Sent> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut history = Vec::new();
        for i in 0..n {
            let now = t0() + Duration::days(days_between * i as i64);
            let ctx = SelectionContext {
                language: Language::Nl,
                weeks_in: weeks_in(now),
                history: &history,
                now,
                lean_to_klik,
            };
            let p = select(cat, &ctx, &mut rng).expect("a prompt");
            history.push(Sent {
                prompt: p.id.clone(),
                theme: p.theme,
                at: now,
            });
        }
        history
    }

    #[test]
    fn twenty_picks_never_repeat_within_eight_weeks() {
        let cat = Catalogue::builtin();
        for seed in 0..5 {
            // Two or three prompts a week over about five months, placement progressing.
            let h = run(
                &cat,
                seed,
                60,
                3,
                |now| Some((now - t0()).num_weeks()),
                false,
            );
            for (i, a) in h.iter().enumerate() {
                for b in &h[i + 1..] {
                    if a.prompt == b.prompt {
                        assert!(
                            b.at - a.at >= Duration::days(REPEAT_WINDOW_DAYS),
                            "{} repeated after {} days",
                            a.prompt,
                            (b.at - a.at).num_days()
                        );
                    }
                }
            }
            // The first twenty, all within eight weeks, are all different.
            let first: BTreeSet<&PromptId> = h[..20].iter().map(|s| &s.prompt).collect();
            assert_eq!(first.len(), 20);
        }
    }

    #[test]
    fn themes_rotate() {
        let cat = Catalogue::builtin();
        for weeks in [None, Some(1), Some(6), Some(20)] {
            for seed in 0..5 {
                let h = run(&cat, seed, 32, 2, |_| weeks, false);
                let first: BTreeSet<Theme> = h[..16].iter().map(|s| s.theme).collect();
                assert_eq!(first.len(), 16, "weeks {weeks:?} seed {seed}");
                // The second round is again a full rotation.
                let second: BTreeSet<Theme> = h[16..32].iter().map(|s| s.theme).collect();
                assert_eq!(second.len(), 16, "weeks {weeks:?} seed {seed}");
            }
        }
    }

    #[test]
    fn phase_follows_weeks_in() {
        let cat = Catalogue::builtin();
        for (weeks, phase) in [(1, Phase::Begin), (6, Phase::Midden), (20, Phase::Eind)] {
            let h = run(&cat, 7, 16, 2, |_| Some(weeks), false);
            for s in &h {
                let p = cat.get(Language::Nl, &s.prompt).expect("known");
                assert!(
                    p.phase == phase || p.phase == Phase::Any,
                    "week {weeks}: {} is {}",
                    p.id,
                    p.phase
                );
            }
        }
    }

    #[test]
    fn phase_falls_back_when_nothing_fits() {
        // Only begin prompts fit week 1; once they are used, other phases follow.
        let cat = Catalogue::builtin();
        let fitting = cat
            .prompts(Language::Nl)
            .iter()
            .filter(|p| p.phase.fits(Phase::Begin))
            .count();
        let h = run(&cat, 3, fitting + 5, 1, |_| Some(1), false);
        let ids: BTreeSet<&PromptId> = h.iter().map(|s| &s.prompt).collect();
        assert_eq!(ids.len(), h.len(), "no repeats while fresh prompts remain");
        for s in &h[..fitting] {
            let p = cat.get(Language::Nl, &s.prompt).expect("known");
            assert!(p.phase.fits(Phase::Begin));
        }
    }

    #[test]
    fn lean_to_klik_picks_klik_and_veiligheid() {
        let cat = Catalogue::builtin();
        let h = run(&cat, 11, 6, 2, |_| Some(6), true);
        for s in &h {
            assert!(
                matches!(s.theme, Theme::Klik | Theme::Veiligheid),
                "{}",
                s.theme
            );
        }
        // The two themes alternate.
        for pair in h.windows(2) {
            assert_ne!(pair[0].theme, pair[1].theme);
        }
        // Once both themes are used up, other themes follow (no repeats, no None).
        let pool = cat.by_theme(Language::Nl, Theme::Klik).count()
            + cat.by_theme(Language::Nl, Theme::Veiligheid).count();
        let h = run(&cat, 11, pool + 3, 1, |_| None, true);
        assert!(
            h[..pool]
                .iter()
                .all(|s| matches!(s.theme, Theme::Klik | Theme::Veiligheid))
        );
        assert!(
            h[pool..]
                .iter()
                .all(|s| !matches!(s.theme, Theme::Klik | Theme::Veiligheid))
        );
    }

    #[test]
    fn same_seed_same_picks() {
        let cat = Catalogue::builtin();
        let a = run(&cat, 42, 30, 3, |now| Some((now - t0()).num_weeks()), false);
        let b = run(&cat, 42, 30, 3, |now| Some((now - t0()).num_weeks()), false);
        assert_eq!(a, b);
        let c = run(&cat, 43, 30, 3, |now| Some((now - t0()).num_weeks()), false);
        assert_ne!(a, c, "a different seed gives a different sequence");
    }

    #[test]
    fn never_none_when_everything_was_sent_recently() {
        let cat = Catalogue::builtin();
        let all = cat.prompts(Language::Nl);
        // Every prompt sent in the last days; the oldest one comes back.
        let history: Vec<Sent> = all
            .iter()
            .enumerate()
            .map(|(i, p)| Sent {
                prompt: p.id.clone(),
                theme: p.theme,
                at: t0() + Duration::hours(i as i64),
            })
            .collect();
        let now = t0() + Duration::days(5);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for lean in [false, true] {
            let ctx = SelectionContext {
                language: Language::Nl,
                weeks_in: Some(5),
                history: &history,
                now,
                lean_to_klik: lean,
            };
            let p = select(&cat, &ctx, &mut rng).expect("a prompt");
            assert_eq!(p.id, all[0].id);
        }
    }

    #[test]
    fn a_prompt_returns_after_eight_weeks() {
        let cat = Catalogue::parse(&files_from(&entries())).expect("valid");
        let all = cat.prompts(Language::Nl);
        // All sent 56 days ago except one sent yesterday: every old one is eligible again.
        let mut history: Vec<Sent> = all
            .iter()
            .map(|p| Sent {
                prompt: p.id.clone(),
                theme: p.theme,
                at: t0(),
            })
            .collect();
        let now = t0() + Duration::days(REPEAT_WINDOW_DAYS);
        history[0].at = now - Duration::days(1);
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..50 {
            let ctx = SelectionContext {
                language: Language::Nl,
                weeks_in: None,
                history: &history,
                now,
                lean_to_klik: false,
            };
            let p = select(&cat, &ctx, &mut rng).expect("a prompt");
            assert_ne!(p.id, all[0].id);
            // The theme sent yesterday is not chosen while others wait longer.
            assert_ne!(p.theme, all[0].theme);
        }
    }

    #[test]
    fn empty_language_gives_none() {
        let cat = Catalogue {
            nl: Vec::new(),
            en: Vec::new(),
        };
        let ctx = SelectionContext {
            language: Language::En,
            weeks_in: None,
            history: &[],
            now: t0(),
            lean_to_klik: false,
        };
        assert!(select(&cat, &ctx, &mut ChaCha8Rng::seed_from_u64(0)).is_none());
    }
}
