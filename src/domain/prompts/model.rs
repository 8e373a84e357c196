//! The model of the library: themes, placement phases, prompts and the files they come in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::domain::language::Language;

/// What a prompt is about. The ids (`as_str`) are the `theme` values in the TOML files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Safety and trust between wpb and student.
    Veiligheid,
    /// Teaching by asking.
    VragendOpleiden,
    /// Linking theory and practice.
    TheoriePraktijk,
    /// Learning from the school context.
    Contextleren,
    /// The wpb as host.
    Gastheer,
    /// The wpb as instructor.
    Leermeester,
    /// The wpb as adviser.
    Raadgever,
    /// The wpb as role model.
    Rolmodel,
    /// Directive and empowering guidance.
    RichtinggevendEmpowerend,
    /// König's model.
    Konig,
    /// Agency: the student at the helm.
    Agency,
    /// Rapport between wpb and student (the klik).
    Klik,
    /// Bumpy moments.
    Schuurmomenten,
    /// The dominant theme.
    DominantThema,
    /// What helps and what hinders.
    SteunBelemmering,
    /// Phases of learning.
    Leerfasen,
}

impl Theme {
    /// Every theme, in declaration order.
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

    /// The position in [`Theme::ALL`], for per-theme arrays.
    pub(super) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Placement phase
// ---------------------------------------------------------------------------------------------

/// Where in a placement a prompt fits best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlacementPhase {
    /// Early: hosting, safety.
    Begin,
    /// The middle of a placement.
    Midden,
    /// Late: agency, evaluation.
    Eind,
    /// Fits any time.
    Any,
}

impl PlacementPhase {
    /// Every phase, in declaration order.
    pub const ALL: [PlacementPhase; 4] = [
        PlacementPhase::Begin,
        PlacementPhase::Midden,
        PlacementPhase::Eind,
        PlacementPhase::Any,
    ];

    /// The id used in the TOML files.
    pub fn as_str(self) -> &'static str {
        match self {
            PlacementPhase::Begin => "begin",
            PlacementPhase::Midden => "midden",
            PlacementPhase::Eind => "eind",
            PlacementPhase::Any => "any",
        }
    }

    /// Parses a phase id (trimmed, case-insensitive).
    pub fn parse(s: &str) -> Option<PlacementPhase> {
        let s = s.trim().to_ascii_lowercase();
        PlacementPhase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The phase of a placement that is `weeks_in` weeks under way:
    /// fewer than 4 weeks is `Begin`, fewer than 12 `Midden`, after that `Eind`.
    pub fn for_weeks(weeks_in: i64) -> PlacementPhase {
        if weeks_in < 4 {
            PlacementPhase::Begin
        } else if weeks_in < 12 {
            PlacementPhase::Midden
        } else {
            PlacementPhase::Eind
        }
    }

    /// Whether a prompt of phase `self` fits a placement in phase `target`.
    pub fn fits(self, target: PlacementPhase) -> bool {
        self == PlacementPhase::Any || target == PlacementPhase::Any || self == target
    }
}

impl fmt::Display for PlacementPhase {
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

    /// The id as text.
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
    /// The same in every language.
    pub id: PromptId,
    /// What the prompt is about.
    pub theme: Theme,
    /// Where in a placement it fits best.
    pub phase: PlacementPhase,
    /// Trimmed; a question of at most [`MAX_PROMPT_CHARS`](super::MAX_PROMPT_CHARS) characters.
    pub text: String,
}

/// The text of one prompt file, as handed to [`Catalogue::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Shown in problem messages, e.g. `klik.toml` or `prompts/nl/klik.toml`.
    pub name: String,
    /// The language of every prompt in the file.
    pub language: Language,
    /// The file's text (TOML).
    pub content: String,
}
