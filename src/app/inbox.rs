//! Inbound events from any transport: reflections, klik taps, pauses, escalation actions.
//! Every handler answers with a `Reply` (shown only to the sender) or a `UserError`.

use chrono::{Duration, NaiveDate};

use super::engine::{Engine, EngineError};
use super::messages::{EscalationSummary, Message, SharedReflection, TimelineEntry};
use super::ports::{Chat, Clock};
use crate::domain::addressing::NamingError;
use crate::domain::authz::{Action, Denied, Rule, Target, rule};
use crate::domain::escalation::{WpbFacing, evaluate};
use crate::domain::intervisie::{Phase, RefuseReason};
use crate::domain::klik::{KlikError, KlikValue, PairingParties, SignalSource, authorize_signal};
use crate::domain::language::Language;
use crate::domain::pairing::{KlikPairing, klik_pairing};
use crate::domain::reflection::{Reflection, ReflectionError};
use crate::domain::roster::{Pairing, PairingId, Person, PersonId, Role, RosterConflict};
use crate::domain::schedule::DateRange;
use crate::store::{
    AuditEntry, ForgetReport, ImportSummary, NewOutbox, OpenEscalation, OutboxKind, OverviewCounts,
    RetentionReport, SignalWrite,
};

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

/// What the sender is told when the event was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    ReflectionSaved {
        id: i64,
        linked: bool,
        shared: bool,
    },
    /// `with` is the other side of the pairing; `confidential` when a student signalled.
    KlikSaved {
        with: String,
        value: KlikValue,
        confidential: bool,
    },
    ReflectionShared {
        id: i64,
    },
    Paused {
        until: NaiveDate,
    },
    Resumed,
    EscalationUpdated {
        id: i64,
        action: EscalationAction,
    },
    /// The sender's own export: `json` goes along as a file named `file_name`.
    Exported {
        file_name: String,
        json: String,
    },
    /// Nothing deleted yet: this is what would go; the sender is asked to confirm.
    ForgetConfirm {
        reflections: u64,
        signals: u64,
        prompts: u64,
    },
    /// Everything personal about the sender is deleted.
    Forgotten,
    IntervisieStarted {
        thread: i64,
    },
    IntervisiePosted,
    IntervisieAdvanced {
        phase: Phase,
    },
    IntervisieTakeawaySaved,
    /// The wpb's rhythm now; `school_default` when it follows the school's.
    RhythmSet {
        per_week: u8,
        school_default: bool,
    },
    Paired {
        wpb: String,
        student: String,
        start: NaiveDate,
        end: NaiveDate,
    },
    Unpaired {
        wpb: String,
        student: String,
        end: NaiveDate,
    },
    /// The school's open and acknowledged escalations.
    Escalations(Vec<OpenEscalation>),
    /// The school's figures over the last `weeks` weeks.
    Overview {
        weeks: u32,
        counts: OverviewCounts,
    },
    /// The school's effective settings (after a change when `changed`).
    SchoolSettings {
        per_week: u8,
        reminder: bool,
        changed: bool,
    },
    /// A roster was imported.
    RosterImported(ImportSummary),
    /// Someone's export, for whoever asked for it.
    PersonExported {
        file_name: String,
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
        in_place_of: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Refusals shown to the user, in their language; nothing was changed. The words are in
/// [`Localize::text`] below, each language written on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserError {
    UnknownSender,
    /// Refused by the authorization table; its message says who may do it.
    Denied(Denied),
    Reflection(ReflectionError),
    Klik(KlikError),
    NoActivePairing,
    /// The sender's own pairing ended on `end`; none is running now.
    PairingEnded {
        end: NaiveDate,
    },
    /// The names of the sender's students, to choose from.
    WhichStudent(Vec<String>),
    ReflectionNotFound,
    EscalationNotFound,
    /// An escalation of another school. `Engine::handle` shows it as `EscalationNotFound`
    /// (for them it does not exist); only the audit log sees the difference.
    EscalationOfOtherSchool,
    EscalationClosed,
    DateInPast,
    PersonNotFound,
    /// The intervisie thread did not take it; nothing changed.
    Intervisie(RefuseReason),
    NoOpenIntervisie,
    IntervisieAlreadyOpen,
    RhythmOutOfRange,
    NotAPairing,
    PairingOverlaps,
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

pub type Handled = Result<Result<Reply, UserError>, EngineError>;

/// How far back a plain reply may find its prompt.
const OPEN_PROMPT_DAYS: i64 = 7;
/// Shared reflections shown in an escalation summary.
const SUMMARY_REFLECTION_WEEKS: i64 = 8;

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Handles one inbound event; an authorization refusal is recorded in the audit log
    /// (see `refusals`).
    #[tracing::instrument(skip(self, event))]
    pub async fn handle(&self, event: Inbound) -> Handled {
        let attempt = super::refusals::Attempt::of(&event);
        let outcome = self.dispatch(event).await;
        self.audit_refusal(attempt, outcome).await
    }

    async fn dispatch(&self, event: Inbound) -> Handled {
        match event {
            Inbound::Reflection {
                from,
                text,
                target,
                share,
            } => self.reflect(from, &text, target, share).await,
            Inbound::Klik {
                from,
                student,
                value,
            } => {
                // Naming a student is the wpb's tap; without one the role decides.
                let action = student.is_some().then_some(Action::KlikAsWpb);
                self.klik(from, student, &value, action).await
            }
            Inbound::StudentKlik { from, value } => {
                self.klik(from, None, &value, Some(Action::KlikAsStudent))
                    .await
            }
            Inbound::ShareReflection {
                from,
                reflection_id,
            } => {
                let wpb = match self.actor_for_own(&from, Action::ShareReflection).await? {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                Ok(
                    if self.store.share_reflection(&wpb.id, reflection_id).await? {
                        Ok(Reply::ReflectionShared { id: reflection_id })
                    } else {
                        Err(UserError::ReflectionNotFound)
                    },
                )
            }
            Inbound::Pause { from, until } => {
                let wpb = match self.actor_for_own(&from, Action::Pause).await? {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                let today = self.settings(&wpb).calendar.local_date(self.clock.now());
                if until < today {
                    return Ok(Err(UserError::DateInPast));
                }
                self.store
                    .add_pause(
                        &wpb.id,
                        DateRange {
                            start: today,
                            end: until,
                        },
                    )
                    .await?;
                Ok(Ok(Reply::Paused { until }))
            }
            Inbound::Resume { from } => {
                let wpb = match self.actor_for_own(&from, Action::Resume).await? {
                    Ok(p) => p,
                    Err(e) => return Ok(Err(e)),
                };
                let today = self.settings(&wpb).calendar.local_date(self.clock.now());
                self.store.end_pauses(&wpb.id, today).await?;
                Ok(Ok(Reply::Resumed))
            }
            Inbound::Escalation {
                from,
                escalation_id,
                action,
            } => self.escalation_action(from, escalation_id, action).await,
            Inbound::IntervisieStart {
                from,
                case,
                reflection_id,
            } => self.intervisie_start(from, &case, reflection_id).await,
            Inbound::IntervisiePost { from, text } => {
                self.intervisie_event(from, Action::IntervisiePost, Some(text))
                    .await
            }
            Inbound::IntervisieAdvance { from } => {
                self.intervisie_event(from, Action::IntervisieAdvance, None)
                    .await
            }
            Inbound::IntervisieTakeaway { from, text } => {
                self.intervisie_event(from, Action::IntervisieTakeaway, Some(text))
                    .await
            }
            Inbound::SetRhythm { from, per_week } => self.set_rhythm(from, per_week).await,
            Inbound::Pair {
                from,
                wpb,
                student,
                start,
                end,
            } => self.pair(from, wpb, student, start, end).await,
            Inbound::Unpair {
                from,
                wpb,
                student,
                end,
            } => self.unpair(from, wpb, student, end).await,
            Inbound::ListEscalations { from } => self.list_escalations(from).await,
            Inbound::ExportOwn { from } => self.export_own(from).await,
            Inbound::ForgetSelf { from, confirm } => self.forget_self(from, confirm).await,
            Inbound::AskPrompt { from } => self.ask_prompt(from).await,
            Inbound::SchoolOverview { from } => self.school_overview(from).await,
            Inbound::SchoolSettings {
                from,
                per_week,
                reminder,
            } => self.school_settings(from, per_week, reminder).await,
        }
    }

    pub(crate) async fn sender(&self, from: &Sender) -> Result<Option<Person>, EngineError> {
        Ok(match from {
            Sender::Chat(address) => self.store.person_by_chat(address).await?,
            Sender::Person(id) => self.store.person(id).await?,
        })
    }

    async fn reflect(
        &self,
        from: Sender,
        text: &str,
        target: ReflectionTarget,
        share: bool,
    ) -> Handled {
        let wpb = match self.actor_for_own(&from, Action::Reflect).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let reflection = match Reflection::parse(text) {
            Ok(r) => r,
            Err(e) => return Ok(Err(e.into())),
        };
        let now = self.clock.now();
        let prompt = match target {
            ReflectionTarget::FreeStanding => None,
            ReflectionTarget::Prompt(key) => match self.store.outbox_by_key(&key).await? {
                Some((row, _)) if row.recipient == wpb.id && row.kind == OutboxKind::Prompt => {
                    Some((key, row.prompt_id))
                }
                _ => None,
            },
            ReflectionTarget::LatestOpenPrompt => {
                self.store
                    .latest_open_prompt(&wpb.id, now - Duration::days(OPEN_PROMPT_DAYS))
                    .await?
            }
        };
        let link = prompt.as_ref().map(|(k, p)| (k.as_str(), p.as_deref()));
        let id = self
            .store
            .add_reflection(&wpb.id, reflection.as_str(), link, now, share)
            .await?;
        Ok(Ok(Reply::ReflectionSaved {
            id,
            linked: prompt.is_some(),
            shared: share,
        }))
    }

    /// Finds the pairing a klik is about (see [`klik_pairing`]): the sender's own active one,
    /// named by student where a wpb has several.
    async fn pairing_for(
        &self,
        actor: &Person,
        student: Option<&PersonId>,
    ) -> Result<Result<(PairingId, Pairing), UserError>, EngineError> {
        let today = self.settings(actor).calendar.local_date(self.clock.now());
        let pairings = self.store.pairings_of(&actor.id).await?;
        Ok(
            match klik_pairing(actor.role, &actor.id, student, today, &pairings) {
                KlikPairing::One(found) => Ok(found.clone()),
                KlikPairing::Ended(end) => Err(UserError::PairingEnded { end }),
                KlikPairing::NotYours => Err(UserError::Klik(KlikError::NotYourPairing)),
                KlikPairing::NoneActive => Err(UserError::NoActivePairing),
                // Other roles have no pairing of their own: the table says who may do this.
                KlikPairing::NoOwnPairing => Err(self
                    .permit(actor, klik_action(actor.role), &Target::Deployment)
                    .err()
                    .unwrap_or(UserError::NoActivePairing)),
                KlikPairing::Several(active) => {
                    let mut names = Vec::new();
                    for (_, p) in active {
                        names.push(
                            self.store
                                .person(&p.student)
                                .await?
                                .map_or_else(|| p.student.to_string(), |s| s.name),
                        );
                    }
                    Err(UserError::WhichStudent(names))
                }
            },
        )
    }

    async fn klik(
        &self,
        from: Sender,
        student: Option<PersonId>,
        value: &str,
        action: Option<Action>,
    ) -> Handled {
        let Some(actor) = self.sender(&from).await? else {
            return Ok(Err(UserError::UnknownSender));
        };
        let action = action.unwrap_or_else(|| klik_action(actor.role));
        // A role the table never allows this hears so before anything is looked up.
        if rule(actor.role, action) == Rule::Never {
            return Ok(Err(self
                .permit(&actor, action, &Target::Deployment)
                .err()
                .unwrap_or(UserError::NoActivePairing)));
        }
        let value = match KlikValue::parse(value) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e.into())),
        };
        let (pairing_id, pairing) = match self.pairing_for(&actor, student.as_ref()).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let target = Target::Pairing {
            wpb: pairing.wpb.clone(),
            student: pairing.student.clone(),
            school: actor.school.clone(),
        };
        if let Err(e) = self.permit(&actor, action, &target) {
            return Ok(Err(e));
        }
        let now = self.clock.now();
        let today = self.settings(&actor).calendar.local_date(now);
        let parties = PairingParties {
            wpb: &pairing.wpb,
            student: &pairing.student,
            active: pairing.is_active_on(today),
        };
        let source = match authorize_signal(&parties, &actor.id) {
            Ok(s) => s,
            Err(e) => return Ok(Err(e.into())),
        };
        // Everything an escalation summary needs is read before the write, so the signal,
        // the escalation and its notices commit together.
        let wpb = self
            .store
            .person(&pairing.wpb)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("wpb {} missing", pairing.wpb)))?;
        let student = self.store.person(&pairing.student).await?.ok_or_else(|| {
            EngineError::Inconsistent(format!("student {} missing", pairing.student))
        })?;
        let schoolopleiders = self.store.schoolopleiders(&wpb.school).await?;
        let shared = self
            .store
            .reflections_of(
                &wpb.id,
                true,
                now - Duration::weeks(SUMMARY_REFLECTION_WEEKS),
            )
            .await?
            .into_iter()
            .map(|r| SharedReflection {
                at: r.created_at,
                text: r.text,
            })
            .collect::<Vec<_>>();
        let school = self.store.school_name(&wpb.school).await?;
        let settings = self.settings(&wpb);
        let rules = settings.escalation;
        // Keys of what the wpb sees rest on the pairing and the wpb's own signal only (never on
        // ids shared with the student's signals or escalations), so they give nothing away.
        let pairing_no = pairing_id.0;
        let wpb_key = format!("{pairing_no}:{}", now.timestamp());
        let write = SignalWrite {
            pairing: pairing_id,
            source,
            value,
            at: now,
            actor: actor.id.clone(),
        };
        // Who hears of an escalation: the school's schoolopleiders, else the deployment's admin
        // contact. Rows to the admin contact carry the wpb as recipient of record.
        let reach: Vec<(String, PersonId, Option<String>)> = if schoolopleiders.is_empty() {
            self.config
                .admin_chat
                .iter()
                .map(|a| ("admin".to_string(), wpb.id.clone(), Some(a.clone())))
                .collect()
        } else {
            schoolopleiders
                .iter()
                .map(|so| (so.id.to_string(), so.id.clone(), None))
                .collect()
        };
        let evaluated = self
            .store
            .record_signal(
                &write,
                |recent, open, view| {
                    let mut decision = evaluate(&rules, recent, open, view);
                    // Someone will reach out only if someone can be reached; the escalation is
                    // not marked as told to the wpb then.
                    if reach.is_empty() && decision.wpb == WpbFacing::Notice {
                        decision.wpb = WpbFacing::Nothing;
                    }
                    decision
                },
                |ev| {
                    let mut rows = Vec::new();
                    if let (Some(id), Some(triggers)) = (ev.escalation_id, &ev.decision.escalate) {
                        let since = ev
                            .recent
                            .iter()
                            .find(|s| s.value.is_negative())
                            .map_or(now, |s| s.at);
                        let summary = EscalationSummary {
                            escalation_id: id,
                            school: school.clone(),
                            wpb: wpb.name.clone(),
                            student: student.name.clone(),
                            pairing_start: pairing.start,
                            since,
                            triggers: triggers.clone(),
                            timeline: ev
                                .recent
                                .iter()
                                .map(|s| TimelineEntry {
                                    at: s.at,
                                    source: s.source,
                                    value: s.value,
                                })
                                .collect(),
                            shared_reflections: shared.clone(),
                        };
                        let remind_at = settings
                            .calendar
                            .add_school_days(now, rules.reminder_school_days);
                        let reminder = Message::EscalationReminder {
                            escalation_id: id,
                            wpb: wpb.name.clone(),
                            student: student.name.clone(),
                        };
                        for (tag, to, address) in &reach {
                            let routed = |r: NewOutbox| NewOutbox {
                                to_address: address.clone(),
                                ..r
                            };
                            rows.extend(
                                json_row(
                                    format!("escalatie:{id}:{tag}"),
                                    OutboxKind::Escalation,
                                    to,
                                    now,
                                    &Message::Escalation(summary.clone()),
                                    Some(id),
                                )
                                .map(routed),
                            );
                            rows.extend(
                                json_row(
                                    format!("escalatie-herinnering:{id}:{tag}"),
                                    OutboxKind::EscalationReminder,
                                    to,
                                    remind_at,
                                    &reminder,
                                    Some(id),
                                )
                                .map(routed),
                            );
                        }
                    }
                    match (ev.decision.wpb, ev.wpb_told_of) {
                        (WpbFacing::FollowUp, _) => rows.extend(json_row(
                            format!("vervolgvraag:{wpb_key}"),
                            OutboxKind::FollowUp,
                            &wpb.id,
                            now,
                            &Message::KlikFollowUp {
                                student: student.name.clone(),
                            },
                            // The pairing: forgetting either side removes it (it names the student).
                            Some(pairing_no),
                        )),
                        (WpbFacing::Notice, Some(id)) => rows.extend(json_row(
                            format!("escalatie-wpb:{wpb_key}"),
                            OutboxKind::WpbNotice,
                            &wpb.id,
                            now,
                            &Message::WpbEscalationNotice {
                                student: student.name.clone(),
                            },
                            Some(id),
                        )),
                        _ => {}
                    }
                    rows
                },
            )
            .await?;
        if evaluated.escalation_id.is_some() && reach.is_empty() {
            tracing::error!(school = %wpb.school, "escalation opened but the school has no schoolopleider and the deployment no admin_chat to tell");
        }
        let confidential = source == SignalSource::Student;
        let with = if confidential { wpb.name } else { student.name };
        Ok(Ok(Reply::KlikSaved {
            with,
            value,
            confidential,
        }))
    }
}

/// A student's klik is their confidential check-in; everyone else's is the wpb's tap.
fn klik_action(role: Role) -> Action {
    match role {
        Role::Student => Action::KlikAsStudent,
        _ => Action::KlikAsWpb,
    }
}

pub(crate) fn json_row(
    key: String,
    kind: OutboxKind,
    to: &PersonId,
    due: chrono::DateTime<chrono::Utc>,
    body: &Message,
    ref_id: Option<i64>,
) -> Option<NewOutbox> {
    // Plain data always serialises; should it ever fail, say so loudly rather than lose it quietly.
    let body = serde_json::to_string(body)
        .map_err(|e| tracing::error!(%key, %e, "message could not be serialised"))
        .ok()?;
    Some(NewOutbox {
        key,
        kind,
        recipient: to.clone(),
        due_at: due,
        body: Some(body),
        ref_id,
        channel_team: None,
        to_address: None,
    })
}
