//! What an inbound event comes to: a `Reply` for the sender, or a `Refusal` — a `UserError`
//! the sender is shown in their language, or an internal fault. One flat `Result` so that `?`
//! carries both kinds of refusal.

use chrono::NaiveDate;

use super::engine::EngineError;
use super::inbox::EscalationAction;
use super::messages::Terugblik;
use crate::domain::addressing::NamingError;
use crate::domain::authz::Denied;
use crate::domain::digest::DigestFigures;
use crate::domain::intervisie::{Phase, RefuseReason};
use crate::domain::klik::{KlikError, KlikValue};
use crate::domain::language::Language;
use crate::domain::reflection::ReflectionError;
use crate::domain::roster::RosterConflict;
use crate::store::{
    AuditEntry, ForgetReport, ImportSummary, OpenEscalation, RetentionReport, StoreError,
};

/// What the sender is told when the event was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// The reflection is stored; `linked` to a prompt, `shared` with the schoolopleider.
    ReflectionSaved {
        /// The reflection's id, by which it can be shared later.
        id: i64,
        /// It answers a prompt; otherwise it is free-standing.
        linked: bool,
        /// The schoolopleider can see it.
        shared: bool,
    },
    /// `with` is the other side of the pairing; `confidential` when a student signalled.
    KlikSaved {
        /// The name of the other side of the pairing.
        with: String,
        /// The value as stored.
        value: KlikValue,
        /// A student's own signal, which the wpb never sees.
        confidential: bool,
    },
    /// An earlier reflection is now shared.
    ReflectionShared {
        /// The reflection now shared.
        id: i64,
    },
    /// No prompts until `until`.
    Paused {
        /// The last day without prompts.
        until: NaiveDate,
    },
    /// Prompts come again.
    Resumed,
    /// The escalation took the action.
    EscalationUpdated {
        /// The escalation acted on.
        id: i64,
        /// What was done with it.
        action: EscalationAction,
    },
    /// The sender's own export: `json` goes along as a file named `file_name`.
    Exported {
        /// The attachment's name, `wandelgang-<id>.json`.
        file_name: String,
        /// The export itself.
        json: String,
    },
    /// Nothing deleted yet: this is what would go; the sender is asked to confirm.
    ForgetConfirm {
        /// The sender's reflections that would go.
        reflections: u64,
        /// The klik signals the sender gave that would go (never the other side's).
        signals: u64,
        /// The prompts planned for or sent to the sender that would go.
        prompts: u64,
    },
    /// Everything personal about the sender is deleted.
    Forgotten,
    /// A thread is open for the case.
    IntervisieStarted {
        /// The new thread's id.
        thread: i64,
    },
    /// The post is in the thread.
    IntervisiePosted,
    /// The thread moved on to `phase`.
    IntervisieAdvanced {
        /// The phase the thread is in now.
        phase: Phase,
    },
    /// The takeaway is stored.
    IntervisieTakeawaySaved,
    /// The wpb's rhythm now; `school_default` when it follows the school's.
    RhythmSet {
        /// The prompts a week that now apply to the wpb.
        per_week: u8,
        /// The wpb follows the school's rhythm rather than one of their own.
        school_default: bool,
    },
    /// The pairing is stored.
    Paired {
        /// The wpb's name.
        wpb: String,
        /// The student's name.
        student: String,
        /// The pairing's first day.
        start: NaiveDate,
        /// The pairing's last day: the one given, else the end of the school year.
        end: NaiveDate,
    },
    /// The pairing ends on `end`.
    Unpaired {
        /// The wpb's name.
        wpb: String,
        /// The student's name.
        student: String,
        /// The pairing's last day now.
        end: NaiveDate,
    },
    /// The school's open and acknowledged escalations.
    Escalations(Vec<OpenEscalation>),
    /// The school's figures over the last school weeks, as the weekly digest shows them.
    Overview(Box<DigestFigures>),
    /// The sender's weekly digest is now on (`true`) or off.
    DigestSwitched {
        /// On or off.
        on: bool,
    },
    /// The wpb's own look back.
    Terugblik(Box<Terugblik>),
    /// The school's effective settings (after a change when `changed`).
    SchoolSettings {
        /// Prompts a week for the school's wpbs who have no rhythm of their own.
        per_week: u8,
        /// Whether wpbs get one reminder of an unanswered prompt.
        reminder: bool,
        /// The command changed them, rather than only asking.
        changed: bool,
    },
    /// A roster was imported.
    RosterImported(ImportSummary),
    /// Someone's export, for whoever asked for it.
    PersonExported {
        /// The attachment's name, `wandelgang-<id>.json`.
        file_name: String,
        /// The export; asked by someone else, without the wpb's unshared reflections.
        json: String,
    },
    /// What a forget deleted (or, in a dry run, would delete).
    PersonForgotten(ForgetReport),
    /// What a retention run deleted (or would delete).
    RetentionDone(RetentionReport),
    /// The audit log as the actor may see it.
    AuditLog(Vec<AuditEntry>),
    /// A prompt on demand is queued; the running bot's tick sends it. `in_place_of` is the
    /// due time of the planned slot of this week it replaces; `None` when it is an extra one.
    PromptQueued {
        /// Due time of the planned slot it replaces; `None` when it comes on top.
        in_place_of: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Refusals shown to the user, in their language; nothing was changed. The words are in
/// [`Localize::text`] below, each language written on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserError {
    /// The sender is not in the roster.
    UnknownSender,
    /// Refused by the authorization table; its message says who may do it.
    Denied(Denied),
    /// The reflection text was refused.
    Reflection(ReflectionError),
    /// The klik was refused.
    Klik(KlikError),
    /// No pairing is running.
    NoActivePairing,
    /// A terugblik needs a placement that has started.
    NoPlacementYet,
    /// The sender's own pairing ended on `end`; none is running now.
    PairingEnded {
        /// The last day of the sender's most recent pairing.
        end: NaiveDate,
    },
    /// The names of the sender's students, to choose from.
    WhichStudent(Vec<String>),
    /// No such reflection of the sender.
    ReflectionNotFound,
    /// No such escalation.
    EscalationNotFound,
    /// An escalation of another school. `Engine::handle` shows it as `EscalationNotFound`
    /// (for them it does not exist); only the audit log sees the difference.
    EscalationOfOtherSchool,
    /// The escalation is closed already.
    EscalationClosed,
    /// The date lies in the past.
    DateInPast,
    /// No such person.
    PersonNotFound,
    /// The intervisie thread did not take it; nothing changed.
    Intervisie(RefuseReason),
    /// The team has no open intervisie thread.
    NoOpenIntervisie,
    /// The team has an open intervisie thread already.
    IntervisieAlreadyOpen,
    /// A rhythm is 1 to 3 prompts a week.
    RhythmOutOfRange,
    /// Not a wpb and a student of one school.
    NotAPairing,
    /// The student has a wpb in that period already.
    PairingOverlaps,
    /// The end lies before the start.
    EndBeforeStart,
    /// The roster's rows are valid, but together with what is stored they break a rule.
    RosterRefused(Vec<RosterConflict>),
    /// No prompt on demand now, and why.
    PromptNow(super::on_demand::PromptRefusal),
    /// A command named a person that could not be told (nobody, several, unreachable).
    Naming(NamingError),
}

fn conflicts_in(conflicts: &[RosterConflict], language: Language) -> String {
    conflicts
        .iter()
        .map(|c| c.text(language))
        .collect::<Vec<_>>()
        .join("; ")
}

impl crate::domain::language::Localize for UserError {
    fn text(&self) -> crate::domain::language::Text {
        use crate::domain::language::Text;
        match self {
            UserError::UnknownSender => Text::new(
                "Je staat nog niet in het rooster van Wandelgang; je schoolopleider kan je toevoegen.",
                "You are not in Wandelgang's roster yet; your schoolopleider can add you.",
            ),
            UserError::Denied(d) => d.text(),
            UserError::Reflection(e) => e.text(),
            UserError::Klik(e) => e.text(),
            UserError::Naming(e) => e.text(),
            UserError::NoActivePairing => Text::new(
                "Er loopt nu geen koppeling.",
                "There is no active pairing right now.",
            ),
            UserError::NoPlacementYet => Text::new(
                "Een terugblik kan zodra je eerste koppeling begonnen is.",
                "A look back is possible once your first pairing has started.",
            ),
            UserError::PairingEnded { end } => {
                let date = end.format("%d-%m-%Y");
                Text::owned(
                    format!(
                        "Je koppeling is afgelopen op {date}; een klik kun je geven zolang een koppeling loopt."
                    ),
                    format!(
                        "Your pairing ended on {date}; you can give a klik while a pairing is running."
                    ),
                )
            }
            UserError::WhichStudent(names) => Text::owned(
                format!("Voor welke student? {}", names.join(", ")),
                format!("For which student? {}", names.join(", ")),
            ),
            UserError::ReflectionNotFound => Text::new(
                "Die reflectie is niet gevonden.",
                "That reflection was not found.",
            ),
            // Another school's escalation does not exist for the sender.
            UserError::EscalationNotFound | UserError::EscalationOfOtherSchool => Text::new(
                "Die escalatie is niet gevonden.",
                "That escalation was not found.",
            ),
            UserError::EscalationClosed => Text::new(
                "Deze escalatie is al afgesloten.",
                "This escalation is already closed.",
            ),
            UserError::DateInPast => Text::new(
                "Die datum ligt in het verleden.",
                "That date lies in the past.",
            ),
            UserError::PersonNotFound => Text::new(
                "Die persoon is niet gevonden.",
                "That person was not found.",
            ),
            UserError::Intervisie(reason) => reason.text(),
            UserError::NoOpenIntervisie => Text::new(
                "Er loopt nu geen intervisie in je team; je kunt er een starten.",
                "There is no intervisie running in your team right now; you can start one.",
            ),
            UserError::IntervisieAlreadyOpen => Text::new(
                "Er loopt al een intervisie in je team; doe gerust mee.",
                "An intervisie is already running in your team; feel free to join in.",
            ),
            UserError::RhythmOutOfRange => Text::new(
                "Een ritme kan 1, 2 of 3 keer per week zijn.",
                "A rhythm can be 1, 2 or 3 times a week.",
            ),
            UserError::NotAPairing => Text::new(
                "Een koppeling is van een wpb en een student van dezelfde school.",
                "A pairing is of a wpb and a student of the same school.",
            ),
            UserError::PairingOverlaps => Text::new(
                "Deze student heeft in die periode al een wpb; je kunt eerst die koppeling beëindigen.",
                "This student already has a wpb in that period; you can end that pairing first.",
            ),
            UserError::EndBeforeStart => Text::new(
                "De einddatum ligt voor de begindatum.",
                "The end date lies before the start date.",
            ),
            UserError::PromptNow(refusal) => refusal.text(),
            UserError::RosterRefused(conflicts) => Text::owned(
                format!(
                    "Rooster niet geïmporteerd: {}",
                    conflicts_in(conflicts, Language::Nl)
                ),
                format!(
                    "Roster not imported: {}",
                    conflicts_in(conflicts, Language::En)
                ),
            ),
        }
    }
}

/// Both languages, for logs and the bilingual CLI; chat shows [`Localize::text`] in one.
impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::domain::language::Localize;
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for UserError {}

impl From<Denied> for UserError {
    fn from(e: Denied) -> Self {
        UserError::Denied(e)
    }
}

impl From<ReflectionError> for UserError {
    fn from(e: ReflectionError) -> Self {
        UserError::Reflection(e)
    }
}

impl From<KlikError> for UserError {
    fn from(e: KlikError) -> Self {
        UserError::Klik(e)
    }
}

/// Why an event came to no `Reply`: refused for the user (shown to them, nothing changed) or an
/// internal fault (logged; the sender hears the generic fault reply).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// Shown to the sender in their language.
    #[error(transparent)]
    User(UserError),
    /// Something broke underneath (database, inconsistent data).
    #[error(transparent)]
    Internal(EngineError),
}

impl Refusal {
    /// The user-facing refusal, if this is one.
    pub fn user(&self) -> Option<&UserError> {
        match self {
            Refusal::User(e) => Some(e),
            Refusal::Internal(_) => None,
        }
    }

    /// The user-facing refusal, or else the internal fault.
    pub fn into_user(self) -> Result<UserError, EngineError> {
        match self {
            Refusal::User(e) => Ok(e),
            Refusal::Internal(e) => Err(e),
        }
    }
}

/// Equal when both are the same user refusal. Internal errors carry database errors that
/// cannot be compared, so (like NaN) an internal error equals nothing.
impl PartialEq for Refusal {
    fn eq(&self, other: &Self) -> bool {
        matches!((self, other), (Refusal::User(a), Refusal::User(b)) if a == b)
    }
}

impl From<UserError> for Refusal {
    fn from(e: UserError) -> Self {
        Refusal::User(e)
    }
}

impl From<EngineError> for Refusal {
    fn from(e: EngineError) -> Self {
        Refusal::Internal(e)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Internal(e.into())
    }
}

impl From<Denied> for Refusal {
    fn from(e: Denied) -> Self {
        Refusal::User(e.into())
    }
}

impl From<ReflectionError> for Refusal {
    fn from(e: ReflectionError) -> Self {
        Refusal::User(e.into())
    }
}

impl From<KlikError> for Refusal {
    fn from(e: KlikError) -> Self {
        Refusal::User(e.into())
    }
}

/// What handling an inbound event comes to.
pub type Handled = Result<Reply, Refusal>;
