//! What comes in from any transport: who sent it (`Sender`) and what they asked (`Inbound`).

use chrono::NaiveDate;

use crate::domain::roster::PersonId;

/// Who sent an event: a platform address the adapter saw, or a person named on the local CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sender {
    /// A platform address as the adapter saw it (`discord:123`, `matrix:@anna:school.nl`),
    /// looked up in the roster.
    Chat(String),
    /// A roster person named directly (the local command line, `simulate`), no chat address needed.
    Person(PersonId),
}

/// Which prompt a reflection answers, and so whether it is linked to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReflectionTarget {
    /// A plain reply: the latest prompt of the last week that has no answer yet, else free-standing.
    LatestOpenPrompt,
    /// The prompt with this outbox key (a reply button); linked only when it was the sender's own.
    Prompt(String),
    /// Kept on its own, linked to no prompt.
    FreeStanding,
}

/// What a schoolopleider does with an escalation of their own school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationAction {
    /// Oppakken: they take it on; only an open one (doing it twice is harmless).
    Acknowledge,
    /// Oplossen: closes it as solved, whether open or acknowledged.
    Resolve,
    /// Overplaatsen: closes it with a move of the student, whether open or acknowledged.
    Move,
}

/// One request from a person, whatever the platform; `Engine::handle` answers it with a
/// `Reply` or a `Refusal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A wpb's one-line answer to a prompt (or free-standing), private unless `share`.
    Reflection {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The reflection as typed; normalised and held to 280 characters when stored.
        text: String,
        /// Which prompt it answers.
        target: ReflectionTarget,
        /// Shared with the schoolopleider right away rather than kept private.
        share: bool,
    },
    /// A klik signal on a pairing; naming a `student` makes it the wpb's tap, otherwise the
    /// sender's role decides whose it is.
    Klik {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The student it is about, for a wpb with several active pairings.
        student: Option<PersonId>,
        /// The value as typed (`goed`, `twijfel`, `geen klik`, `+1`, ...); parsed by the handler.
        value: String,
    },
    /// The student's own confidential `/klik` about their wpb.
    StudentKlik {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The value as typed (`goed`, `twijfel`, `geen klik`, `+1`, ...); parsed by the handler.
        value: String,
    },
    /// Shares one of the sender's earlier reflections with the schoolopleider.
    ShareReflection {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The id of one of the sender's own reflections; anyone else's counts as not found.
        reflection_id: i64,
    },
    /// No prompts (nor reminders) from today up to and including `until`.
    Pause {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The last day of the pause; a day in the past is refused.
        until: NaiveDate,
    },
    /// Ends the sender's pauses today, so prompts come again.
    Resume {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
    /// A schoolopleider's action on an escalation of their own school.
    Escalation {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The escalation's number, as its summary shows it.
        escalation_id: i64,
        /// Acknowledge it, resolve it or close it with a move.
        action: EscalationAction,
    },
    /// Bring in a case in the sender's team; `reflection_id` names one of their own
    /// reflections whose text becomes the case (then `case` may be empty).
    IntervisieStart {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The case as typed; may be empty when `reflection_id` supplies it.
        case: String,
        /// One of the sender's own reflections, brought in as the case.
        reflection_id: Option<i64>,
    },
    /// A post in the open thread of the sender's team.
    IntervisiePost {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The post as written; it stays even when it does not fit the phase.
        text: String,
    },
    /// The case owner moves the thread on to the next phase.
    IntervisieAdvance {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
    /// The case owner's takeaway (Opbrengst).
    IntervisieTakeaway {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// What the case owner takes away; it goes into the thread's closing summary.
        text: String,
    },
    /// `/ritme`: 1..=3 prompts per week, or `None` for the school's rhythm.
    SetRhythm {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// Prompts a week, 1 to 3; `None` follows the school's rhythm again.
        per_week: Option<u8>,
    },
    /// `/koppel`: pair a wpb and a student from `start` (else today) until `end` (else 31 July).
    Pair {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The wpb, as found in the roster.
        wpb: PersonId,
        /// The student, as found in the roster; they have one wpb at a time.
        student: PersonId,
        /// The first day; today when `None`.
        start: Option<NaiveDate>,
        /// The last day; the end of the school year when `None`.
        end: Option<NaiveDate>,
    },
    /// `/ontkoppel`: end the pairing of this wpb and student as of `end` (else today).
    Unpair {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The wpb of the pairing to end.
        wpb: PersonId,
        /// The student of the pairing to end.
        student: PersonId,
        /// The pairing's new last day, on which it must be running; today when `None`.
        end: Option<NaiveDate>,
    },
    /// `/escalaties`
    ListEscalations {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
    /// `/overzicht [weken]`: the school's figures over the last school weeks, with a chart.
    SchoolOverview {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// How many school weeks; the digest's ten when `None`.
        weeks: Option<u32>,
    },
    /// `/weekoverzicht aan|uit`: the sender's own weekly digest on or off.
    SwitchDigest {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// On (`true`) or off.
        on: bool,
    },
    /// `/terugblik`: the wpb's own reflections and klik, only for them.
    Terugblik {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
    /// `/instellingen`: without values shows the settings; with them changes them.
    SchoolSettings {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// The school's new rhythm, 1 to 3 prompts a week; `None` keeps it.
        per_week: Option<u8>,
        /// Whether wpbs get one reminder of an unanswered prompt; `None` keeps it.
        reminder: Option<bool>,
    },
    /// `/mijngegevens`: everything stored about the sender, as a JSON file.
    ExportOwn {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
    /// `/vergeet-mij`: without `confirm` only says what would go; with it, it goes.
    ForgetSelf {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
        /// Really delete; without it, only what would go is counted.
        confirm: bool,
    },
    /// `/vraag`: a prompt now, at most once a day (see `on_demand`).
    AskPrompt {
        /// Who sent it; looked up in the roster before anything else.
        from: Sender,
    },
}
