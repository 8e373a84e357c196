//! What goes into a thread and what comes out: events, effects, the posts it records, why
//! an action is refused and the summary when it closes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Phase;
use crate::domain::language::{Language, Localize, Text};
use crate::domain::roster::PersonId;

/// What a recorded post was, given who wrote it and in which phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// The case owner adds to the case (Inbreng).
    Case,
    /// An open question (Vragen).
    Question,
    /// A closed or suggestive question: it counts, with a hint (Vragen).
    HintedQuestion,
    /// The case owner answers or reacts (Vragen, Ervaringen).
    Answer,
    /// An experience or advice (Ervaringen).
    Experience,
    /// The case owner's takeaway (Opbrengst).
    Takeaway,
    /// Outside the phase's purpose: kept, with a pointer.
    OffPhase,
}

/// One post recorded in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// Who wrote it; [`FORGOTTEN`](super::FORGOTTEN) once they have been forgotten.
    pub author: PersonId,
    /// The phase it was written in.
    pub phase: Phase,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// What it counts as.
    pub kind: PostKind,
    /// Its text as written.
    pub text: String,
}

/// Why a thread closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// All phases done (or the case owner moved on from Opbrengst).
    Completed,
    /// The case owner left the team.
    OwnerLeft,
}

/// Why an action was not taken. Dutch first, then English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefuseReason {
    /// The thread has closed.
    Closed,
    /// The author is not in the thread's team.
    NotInTeam,
    /// Only the case owner may do this.
    NotCaseOwner,
    /// A takeaway outside the Opbrengst phase.
    NotTakeawayPhase,
    /// The text is empty.
    EmptyText,
}

impl Localize for RefuseReason {
    fn text(&self) -> Text {
        match self {
            RefuseReason::Closed => Text::new(
                "Deze intervisie is al afgerond; je kunt een nieuwe starten.",
                "This intervisie has finished; you can start a new one.",
            ),
            RefuseReason::NotInTeam => Text::new(
                "Deze intervisie is van een ander team.",
                "This intervisie belongs to another team.",
            ),
            RefuseReason::NotCaseOwner => Text::new(
                "Alleen de inbrenger kan de intervisie verder zetten of afronden.",
                "Only the case owner can move the intervisie on or finish it.",
            ),
            RefuseReason::NotTakeawayPhase => Text::new(
                "Wat je meeneemt kun je in de fase Opbrengst schrijven.",
                "You can write your takeaway in the Takeaway phase.",
            ),
            RefuseReason::EmptyText => Text::new("Je tekst is leeg.", "Your text is empty."),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl std::fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for RefuseReason {}

/// The short summary when a thread closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Distinct authors, the case owner included.
    pub participants: usize,
    /// Posts recorded, the takeaway's included.
    pub posts: usize,
    /// What the case owner takes away, if they wrote it.
    pub takeaway: Option<String>,
    /// Why the thread closed.
    pub reason: CloseReason,
}

/// Something that happened to a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A post in the thread.
    Post {
        /// Who wrote it.
        author: PersonId,
        /// What they wrote.
        text: String,
        /// When.
        at: DateTime<Utc>,
        /// Whether the author is in the thread's team (others are refused).
        author_in_team: bool,
    },
    /// Move on to the next phase now (only the case owner).
    Advance {
        /// Who asks.
        by: PersonId,
        /// When.
        at: DateTime<Utc>,
    },
    /// The case owner's takeaway, replacing an earlier one (only in Opbrengst).
    Takeaway {
        /// Who writes it.
        by: PersonId,
        /// The takeaway.
        text: String,
        /// When.
        at: DateTime<Utc>,
    },
    /// Time passed.
    Tick {
        /// The time now.
        now: DateTime<Utc>,
    },
    /// The case owner left the team; an open thread closes.
    OwnerLeftTeam {
        /// When.
        at: DateTime<Utc>,
    },
}

/// What the app should render and send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// A phase has begun: tell the team what it is for and until when it runs.
    AnnouncePhase {
        /// The phase that began.
        phase: Phase,
        /// When it ends at the latest.
        due: DateTime<Utc>,
    },
    /// The phase is due and still waits for someone: one reminder.
    Remind {
        /// The phase that waits.
        phase: Phase,
        /// `None` = the team.
        to: Option<PersonId>,
    },
    /// A kind suggestion to ask a closed or suggestive question openly.
    QuestionHint {
        /// The person who asked.
        to: PersonId,
        /// The suggestion.
        suggestion: String,
        /// The language of the question, which the suggestion is written in.
        language: Language,
    },
    /// A gentle pointer; the post is recorded all the same.
    OffPhasePointer {
        /// The author of the post.
        to: PersonId,
        /// The phase whose purpose the post was outside.
        phase: Phase,
    },
    /// An action was not taken.
    Refused {
        /// Who tried.
        to: PersonId,
        /// Why not.
        reason: RefuseReason,
    },
    /// The thread closed, with its summary.
    Closed(Summary),
}
