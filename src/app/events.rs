//! What comes in from any transport: who sent it (`Sender`) and what they asked (`Inbound`).

use chrono::NaiveDate;

use crate::domain::roster::PersonId;

/// Who sent an event: a platform address the adapter saw, or a person named on the local CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    Chat(String),
    Person(PersonId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReflectionTarget {
    /// A plain reply: the latest prompt of the last week that has no answer yet, else free-standing.
    LatestOpenPrompt,
    Prompt(String),
    FreeStanding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationAction {
    Acknowledge,
    Resolve,
    Move,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    Reflection {
        from: Sender,
        text: String,
        target: ReflectionTarget,
        share: bool,
    },
    Klik {
        from: Sender,
        student: Option<PersonId>,
        value: String,
    },
    /// The student's own confidential `/klik` about their wpb.
    StudentKlik {
        from: Sender,
        value: String,
    },
    ShareReflection {
        from: Sender,
        reflection_id: i64,
    },
    Pause {
        from: Sender,
        until: NaiveDate,
    },
    Resume {
        from: Sender,
    },
    Escalation {
        from: Sender,
        escalation_id: i64,
        action: EscalationAction,
    },
    /// Bring in a case in the sender's team; `reflection_id` names one of their own
    /// reflections whose text becomes the case (then `case` may be empty).
    IntervisieStart {
        from: Sender,
        case: String,
        reflection_id: Option<i64>,
    },
    /// A post in the open thread of the sender's team.
    IntervisiePost {
        from: Sender,
        text: String,
    },
    /// The case owner moves the thread on to the next phase.
    IntervisieAdvance {
        from: Sender,
    },
    /// The case owner's takeaway (Opbrengst).
    IntervisieTakeaway {
        from: Sender,
        text: String,
    },
    /// `/ritme`: 1..=3 prompts per week, or `None` for the school's rhythm.
    SetRhythm {
        from: Sender,
        per_week: Option<u8>,
    },
    /// `/koppel`: pair a wpb and a student from `start` (else today) until `end` (else 31 July).
    Pair {
        from: Sender,
        wpb: PersonId,
        student: PersonId,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    },
    /// `/ontkoppel`: end the pairing of this wpb and student as of `end` (else today).
    Unpair {
        from: Sender,
        wpb: PersonId,
        student: PersonId,
        end: Option<NaiveDate>,
    },
    /// `/escalaties`
    ListEscalations {
        from: Sender,
    },
    /// `/overzicht`
    SchoolOverview {
        from: Sender,
    },
    /// `/instellingen`: without values shows the settings; with them changes them.
    SchoolSettings {
        from: Sender,
        per_week: Option<u8>,
        reminder: Option<bool>,
    },
    /// `/mijngegevens`: everything stored about the sender, as a JSON file.
    ExportOwn {
        from: Sender,
    },
    /// `/vergeet-mij`: without `confirm` only says what would go; with it, it goes.
    ForgetSelf {
        from: Sender,
        confirm: bool,
    },
    /// `/vraag`: a prompt now, at most once a day (see `on_demand`).
    AskPrompt {
        from: Sender,
    },
}
