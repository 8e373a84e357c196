//! What the bot says, as data. `chat::render` turns it into text per language and platform.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::digest::DigestFigures;
use crate::domain::escalation::Trigger;
use crate::domain::intervisie::Phase;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::language::Language;
use crate::domain::roster::PersonId;

/// One message on its way to one recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboundMessage {
    /// Unique per message; doubles as the platform idempotency key.
    pub key: String,
    /// Who receives it, and where.
    pub to: Recipient,
    /// What it says, before rendering.
    pub body: Message,
}

/// A message's recipient with what rendering needs: name, address, language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    /// The person of record.
    pub person: PersonId,
    /// The name used in the greeting.
    pub name: String,
    /// Platform address (`console:anna`, `discord:123`, ...); None when not reachable by chat.
    pub address: Option<String>,
    /// The language the text is rendered in.
    pub language: Language,
    /// The address is a team channel (`person` is then only the recipient of record).
    #[serde(default)]
    pub team_channel: bool,
    /// The address is the deployment's admin contact (`admin_chat`); `person` is then only
    /// the recipient of record (the wpb an escalation is about).
    #[serde(default)]
    pub admin_contact: bool,
}

/// A student named in a prompt's klik row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentRef {
    /// The student's id (the klik button carries it).
    pub id: PersonId,
    /// The student's display name.
    pub name: String,
}

/// Everything the bot sends, one variant per kind of message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    /// A wandelganggesprek prompt with one klik row per paired student.
    Prompt {
        /// The library prompt's id.
        prompt_id: String,
        /// The prompt text, already in the recipient's language.
        text: String,
        /// One klik row per student of a running pairing.
        students: Vec<StudentRef>,
    },
    /// The one gentle reminder for an unanswered prompt.
    Reminder {
        /// The reminder's text.
        text: String,
    },
    /// After a wpb's first twijfel: a gentle, open follow-up question.
    KlikFollowUp {
        /// The student's name the question is about.
        student: String,
    },
    /// To the schoolopleider: a negative-klik pattern with context.
    Escalation(EscalationSummary),
    /// The one reminder of an escalation nobody acknowledged.
    EscalationReminder {
        /// The escalation this reminds of.
        escalation_id: i64,
        /// The wpb's name.
        wpb: String,
        /// The student's name.
        student: String,
    },
    /// To the wpb, only when their own signals formed the pattern.
    WpbEscalationNotice {
        /// The student's name.
        student: String,
    },
    /// To the schoolopleider: a wpb could not be reached (DMs closed).
    Unreachable {
        /// The wpb's name.
        wpb: String,
    },
    /// To the team channel: an intervisie phase opens. The Inbreng announcement carries the
    /// case and who brought it in.
    IntervisiePhase {
        /// The thread's id.
        thread: i64,
        /// The phase that opens.
        phase: Phase,
        /// When the phase ends.
        due: DateTime<Utc>,
        /// The case (only on the Inbreng announcement).
        case: Option<String>,
        /// The name of whoever brought the case in.
        owner: String,
    },
    /// The one reminder of a phase: to the team, or (`to_owner`) to the case owner.
    IntervisieReminder {
        /// The thread's id.
        thread: i64,
        /// The phase the reminder is about.
        phase: Phase,
        /// Whether it goes to the case owner instead of the team.
        to_owner: bool,
    },
    /// To a poster: a kind suggestion for a closed or suggestive question, in the question's
    /// language (`None` in rows written before it was recorded: the recipient's language).
    IntervisieHint {
        /// The thread's id.
        thread: i64,
        /// The suggested rewording.
        suggestion: String,
        /// The question's language.
        #[serde(default)]
        language: Option<Language>,
    },
    /// To a poster: a gentle pointer for a post outside the phase's purpose.
    IntervisiePointer {
        /// The thread's id.
        thread: i64,
        /// The phase whose purpose the post missed.
        phase: Phase,
    },
    /// To the team channel: the team's scheduled call, asking who would like to bring in a case.
    IntervisieCall {
        /// The team's name.
        team: String,
    },
    /// To a schoolopleider: the weekly digest of their school, with its chart.
    Digest(Box<DigestFigures>),
    /// To a wpb: their own reflections and klik over a placement, with one closing question.
    Terugblik(Box<Terugblik>),
    /// To the team channel: the thread closed, with a short summary.
    IntervisieClosed {
        /// The thread's id.
        thread: i64,
        /// How many people took part.
        participants: usize,
        /// How many posts the thread had.
        posts: usize,
        /// The owner's takeaway, if they wrote one.
        takeaway: Option<String>,
        /// The owner was forgotten or left before the end.
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

/// What the schoolopleider receives when a klik pattern fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EscalationSummary {
    /// The escalation's number (for `escalaties pak <n>`).
    pub escalation_id: i64,
    /// The school's id.
    pub school: String,
    /// The wpb's name.
    pub wpb: String,
    /// The student's name.
    pub student: String,
    /// When the pairing started.
    pub pairing_start: NaiveDate,
    /// The first negative signal in the window that led here.
    pub since: DateTime<Utc>,
    /// Which rules fired.
    pub triggers: Vec<Trigger>,
    /// Oldest first. A student's signal carries only its source, never its wording.
    pub timeline: Vec<TimelineEntry>,
    /// Only reflections the wpb chose to share with the schoolopleider.
    pub shared_reflections: Vec<SharedReflection>,
}

/// One klik signal in an escalation's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When it was given.
    pub at: DateTime<Utc>,
    /// Who gave it (wpb or student).
    pub source: SignalSource,
    /// The klik value.
    pub value: KlikValue,
}

/// A reflection the wpb chose to share (or, in their terugblik, one of their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedReflection {
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Its text.
    pub text: String,
}

/// A wpb's own look back: only their reflections and their own klik, never a student's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terugblik {
    /// The first day it covers (the earliest placement's start).
    pub from: NaiveDate,
    /// The last day it covers.
    pub until: NaiveDate,
    /// Their reflections, oldest first.
    pub reflections: Vec<SharedReflection>,
    /// Per student, the wpb's own klik signals, oldest first.
    pub klik: Vec<StudentKlik>,
}

/// The wpb's own klik about one student.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentKlik {
    /// The student's name.
    pub student: String,
    /// The wpb's signals about them, oldest first.
    pub signals: Vec<(NaiveDate, KlikValue)>,
}
