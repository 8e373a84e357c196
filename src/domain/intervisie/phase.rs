//! The phases of an intervisie thread and the texts that go with each.

use serde::{Deserialize, Serialize};

/// The phases of one intervisie thread, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The case owner brings in the case.
    Inbreng,
    /// Open clarifying questions only.
    Vragen,
    /// Experiences and advice.
    Ervaringen,
    /// The case owner writes what they take away.
    Opbrengst,
    /// The thread is finished; nothing more can be posted.
    Afgesloten,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 5] = [
        Phase::Inbreng,
        Phase::Vragen,
        Phase::Ervaringen,
        Phase::Opbrengst,
        Phase::Afgesloten,
    ];

    /// The name the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Inbreng => "inbreng",
            Phase::Vragen => "vragen",
            Phase::Ervaringen => "ervaringen",
            Phase::Opbrengst => "opbrengst",
            Phase::Afgesloten => "afgesloten",
        }
    }

    /// Accepts the stored names and the English labels.
    pub fn parse(s: &str) -> Option<Phase> {
        match s.trim().to_lowercase().as_str() {
            "inbreng" | "case" => Some(Phase::Inbreng),
            "vragen" | "questions" => Some(Phase::Vragen),
            "ervaringen" | "experiences" => Some(Phase::Ervaringen),
            "opbrengst" | "takeaway" => Some(Phase::Opbrengst),
            "afgesloten" | "closed" => Some(Phase::Afgesloten),
            _ => None,
        }
    }

    /// The phase's name for people, in Dutch or English.
    pub fn label(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "Inbreng",
            (Phase::Inbreng, false) => "Case",
            (Phase::Vragen, true) => "Vragen",
            (Phase::Vragen, false) => "Questions",
            (Phase::Ervaringen, true) => "Ervaringen en advies",
            (Phase::Ervaringen, false) => "Experiences and advice",
            (Phase::Opbrengst, true) => "Opbrengst",
            (Phase::Opbrengst, false) => "Takeaway",
            (Phase::Afgesloten, true) => "Afgesloten",
            (Phase::Afgesloten, false) => "Closed",
        }
    }

    /// One short sentence for the message that opens the phase.
    pub fn purpose(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "De inbrenger vertelt over de casus; de rest leest mee.",
            (Phase::Inbreng, false) => "The case owner describes the case; the others read along.",
            (Phase::Vragen, true) => {
                "Stel open vragen om de casus beter te begrijpen; advies komt straks."
            }
            (Phase::Vragen, false) => {
                "Ask open questions to understand the case better; advice comes later."
            }
            (Phase::Ervaringen, true) => "Deel je eigen ervaringen en je advies.",
            (Phase::Ervaringen, false) => "Share your own experiences and your advice.",
            (Phase::Opbrengst, true) => "De inbrenger schrijft op wat hij of zij meeneemt.",
            (Phase::Opbrengst, false) => "The case owner writes down what they take away.",
            (Phase::Afgesloten, true) => "Dank je wel allemaal, deze intervisie is afgerond.",
            (Phase::Afgesloten, false) => "Thank you all, this intervisie is finished.",
        }
    }

    /// A gentle pointer for a post outside this phase's purpose (the post stays).
    pub fn pointer(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "Fijn dat je meeleest! Straks is er ruimte voor je vragen.",
            (Phase::Inbreng, false) => {
                "Glad you're reading along! There will be room for your questions next."
            }
            (Phase::Vragen, true) => {
                "Dank je! Bewaar je advies voor de volgende fase; nu zijn open vragen welkom."
            }
            (Phase::Vragen, false) => {
                "Thank you! Keep your advice for the next phase; open questions are welcome now."
            }
            (Phase::Opbrengst, true) => {
                "Dank je! Deze fase is voor de inbrenger; je reactie blijft gewoon staan."
            }
            (Phase::Opbrengst, false) => {
                "Thank you! This phase is for the case owner; your reply simply stays."
            }
            (_, true) => "Dank je voor je bijdrage!",
            (_, false) => "Thank you for your contribution!",
        }
    }

    /// The phase after this one; `None` after [`Phase::Afgesloten`].
    pub fn next(self) -> Option<Phase> {
        match self {
            Phase::Inbreng => Some(Phase::Vragen),
            Phase::Vragen => Some(Phase::Ervaringen),
            Phase::Ervaringen => Some(Phase::Opbrengst),
            Phase::Opbrengst => Some(Phase::Afgesloten),
            Phase::Afgesloten => None,
        }
    }
}
