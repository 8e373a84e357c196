//! What the bot says, as data. `chat::render` turns it into text per language and platform.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::escalation::Trigger;
use crate::domain::intervisie::Phase;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::language::Language;
use crate::domain::roster::PersonId;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// Unique per message; doubles as the platform idempotency key.
    pub key: String,
    pub to: Recipient,
    pub body: Message,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub person: PersonId,
    pub name: String,
    /// Platform address (`console:anna`, `discord:123`, ...); None when not reachable by chat.
    pub address: Option<String>,
    pub language: Language,
    /// The address is a team channel (`person` is then only the recipient of record).
    #[serde(default)]
    pub team_channel: bool,
    /// The address is the deployment's admin contact (`admin_chat`); `person` is then only
    /// the recipient of record (the wpb an escalation is about).
    #[serde(default)]
    pub admin_contact: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentRef {
    pub id: PersonId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// A wandelganggesprek prompt with one klik row per paired student.
    Prompt {
        prompt_id: String,
        text: String,
        students: Vec<StudentRef>,
    },
    /// The one gentle reminder for an unanswered prompt.
    Reminder { text: String },
    /// After a wpb's first twijfel: a gentle, open follow-up question.
    KlikFollowUp { student: String },
    /// To the schoolopleider: a negative-klik pattern with context.
    Escalation(EscalationSummary),
    /// The one reminder of an escalation nobody acknowledged.
    EscalationReminder {
        escalation_id: i64,
        wpb: String,
        student: String,
    },
    /// To the wpb, only when their own signals formed the pattern.
    WpbEscalationNotice { student: String },
    /// To the schoolopleider: a wpb could not be reached (DMs closed).
    Unreachable { wpb: String },
    /// To the team channel: an intervisie phase opens. The Inbreng announcement carries the
    /// case and who brought it in.
    IntervisiePhase {
        thread: i64,
        phase: Phase,
        due: DateTime<Utc>,
        case: Option<String>,
        owner: String,
    },
    /// The one reminder of a phase: to the team, or (`to_owner`) to the case owner.
    IntervisieReminder {
        thread: i64,
        phase: Phase,
        to_owner: bool,
    },
    /// To a poster: a kind suggestion for a closed or suggestive question, in the question's
    /// language (`None` in rows written before it was recorded: the recipient's language).
    IntervisieHint {
        thread: i64,
        suggestion: String,
        #[serde(default)]
        language: Option<Language>,
    },
    /// To a poster: a gentle pointer for a post outside the phase's purpose.
    IntervisiePointer { thread: i64, phase: Phase },
    /// To the team channel: the team's scheduled call, asking who would like to bring in a case.
    IntervisieCall { team: String },
    /// To the team channel: the thread closed, with a short summary.
    IntervisieClosed {
        thread: i64,
        participants: usize,
        posts: usize,
        takeaway: Option<String>,
        owner_left: bool,
    },
}

impl Message {
    /// The intervisie thread a team message belongs to (the platforms show it as a thread).
    pub fn intervisie_thread(&self) -> Option<i64> {
        match self {
            Message::IntervisiePhase { thread, .. }
            | Message::IntervisieReminder { thread, .. }
            | Message::IntervisieClosed { thread, .. } => Some(*thread),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationSummary {
    pub escalation_id: i64,
    pub school: String,
    pub wpb: String,
    pub student: String,
    pub pairing_start: NaiveDate,
    /// The first negative signal in the window that led here.
    pub since: DateTime<Utc>,
    pub triggers: Vec<Trigger>,
    /// Oldest first. A student's signal carries only its source, never its wording.
    pub timeline: Vec<TimelineEntry>,
    /// Only reflections the wpb chose to share with the schoolopleider.
    pub shared_reflections: Vec<SharedReflection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub source: SignalSource,
    pub value: KlikValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedReflection {
    pub at: DateTime<Utc>,
    pub text: String,
}
