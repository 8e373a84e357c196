//! Who may do what: one table of every command, button and export × role, deny by default.
//!
//! The app layer calls [`authorize`] once per inbound event, before it reads or writes
//! anything, with an [`Actor`] resolved from the store (never from what the client claims)
//! and a [`Target`] built from stored state (the school of a pairing, thread or escalation
//! as the store has it, not as a button's custom_id says). On `Err` nothing is changed and
//! the [`Denied`] message is shown to the sender.
//!
//! The table is [`rule`]: one match arm per role listing the allowed actions; every
//! (role, action) not listed is [`Rule::Never`]. A rule other than `Never` is then checked
//! against the actor and the target (own data, same school, own pairing, same team, case owner).

use serde::{Deserialize, Serialize};
use std::fmt;

use super::language::{Localize, Text};
use super::roster::{Person, PersonId, Role, SchoolId, TeamId};

/// Every command, button and export the bot has or will have. Discord slash command names
/// (Dutch) in the comments; buttons and CLI commands map to the same actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `/reflectie`, the Reflectie button and modal, a plain DM reply to a prompt.
    Reflect,
    /// Share one of one's own reflections with the team intervisie or the schoolopleider.
    ShareReflection,
    /// `/klik` and the klik buttons under a prompt: the wpb's signal about their student.
    KlikAsWpb,
    /// The student's own confidential `/klik` about their wpb.
    KlikAsStudent,
    /// `/pauze`
    Pause,
    /// `/hervat`
    Resume,
    /// `/ritme`: the wpb's own prompt cadence, within what the school allows.
    SetRhythm,
    /// `/mijngegevens`, `wandelgang export` for oneself: everything stored about me.
    ExportOwnData,
    /// `/vergeet-mij` (and its confirmation button).
    ForgetSelf,
    /// `/intervisie`: bring in a case (possibly from one of one's own reflections).
    IntervisieStart,
    /// A post in an intervisie thread (question, experience, advice).
    IntervisiePost,
    /// The case owner moves the thread on to the next phase early.
    IntervisieAdvance,
    /// The case owner writes what they take away.
    IntervisieTakeaway,
    /// `/koppel`
    Pair,
    /// `/ontkoppel`
    Unpair,
    /// `/escalaties`
    ListEscalations,
    /// Escalation button "ik pak het op".
    AcknowledgeEscalation,
    /// Escalation button "opgelost".
    ResolveEscalation,
    /// Escalation button "overplaatsing".
    MarkMove,
    /// `/overzicht`: the school's digest and overview.
    SchoolOverview,
    /// `/instellingen`
    ChangeSchoolSettings,
    /// Roster import (CLI `wandelgang import`, or a file given to the bot).
    ImportRoster,
    /// `wandelgang export` for someone else (a data-subject request handled for them).
    ExportPersonData,
    /// `wandelgang forget` for someone else.
    ForgetPerson,
    /// `wandelgang retention run [--dry-run]`
    RunRetention,
    /// Read the audit log.
    ViewAuditLog,
    /// `/vraag` (`!vraag`): a prompt now, for oneself; `wandelgang prompt send` for a wpb.
    RequestPrompt,
    /// `/terugblik`: the wpb's own reflections and klik over their placements.
    Terugblik,
    /// `/weekoverzicht aan|uit`: a schoolopleider switches their own weekly digest.
    SwitchDigest,
}

impl Action {
    /// Every action, for tests and for parsing.
    pub const ALL: [Action; 29] = [
        Action::Reflect,
        Action::ShareReflection,
        Action::KlikAsWpb,
        Action::KlikAsStudent,
        Action::Pause,
        Action::Resume,
        Action::SetRhythm,
        Action::ExportOwnData,
        Action::ForgetSelf,
        Action::IntervisieStart,
        Action::IntervisiePost,
        Action::IntervisieAdvance,
        Action::IntervisieTakeaway,
        Action::Pair,
        Action::Unpair,
        Action::ListEscalations,
        Action::AcknowledgeEscalation,
        Action::ResolveEscalation,
        Action::MarkMove,
        Action::SchoolOverview,
        Action::ChangeSchoolSettings,
        Action::ImportRoster,
        Action::ExportPersonData,
        Action::ForgetPerson,
        Action::RunRetention,
        Action::ViewAuditLog,
        Action::RequestPrompt,
        Action::Terugblik,
        Action::SwitchDigest,
    ];

    /// Stable name, the same as the serde form; used in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Reflect => "reflect",
            Action::ShareReflection => "share_reflection",
            Action::KlikAsWpb => "klik_as_wpb",
            Action::KlikAsStudent => "klik_as_student",
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::SetRhythm => "set_rhythm",
            Action::ExportOwnData => "export_own_data",
            Action::ForgetSelf => "forget_self",
            Action::IntervisieStart => "intervisie_start",
            Action::IntervisiePost => "intervisie_post",
            Action::IntervisieAdvance => "intervisie_advance",
            Action::IntervisieTakeaway => "intervisie_takeaway",
            Action::Pair => "pair",
            Action::Unpair => "unpair",
            Action::ListEscalations => "list_escalations",
            Action::AcknowledgeEscalation => "acknowledge_escalation",
            Action::ResolveEscalation => "resolve_escalation",
            Action::MarkMove => "mark_move",
            Action::SchoolOverview => "school_overview",
            Action::ChangeSchoolSettings => "change_school_settings",
            Action::ImportRoster => "import_roster",
            Action::ExportPersonData => "export_person_data",
            Action::ForgetPerson => "forget_person",
            Action::RunRetention => "run_retention",
            Action::ViewAuditLog => "view_audit_log",
            Action::RequestPrompt => "request_prompt",
            Action::Terugblik => "terugblik",
            Action::SwitchDigest => "switch_digest",
        }
    }

    /// Reads an action by its stored name (`reflect`, `request_prompt`, ...); `None` otherwise.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Whether `target` is the kind of thing this action is about. A target of the wrong
    /// kind is refused ([`Denied::WrongTarget`]) whatever the role.
    pub fn fits(self, target: &Target) -> bool {
        use Action::*;
        match self {
            Reflect | ShareReflection | Pause | Resume | SetRhythm | ExportOwnData | ForgetSelf
            | RequestPrompt | Terugblik | SwitchDigest => {
                matches!(target, Target::Own | Target::Person { .. })
            }
            KlikAsWpb | KlikAsStudent | Pair | Unpair => matches!(target, Target::Pairing { .. }),
            IntervisieStart | IntervisiePost | IntervisieAdvance | IntervisieTakeaway => {
                matches!(target, Target::Thread { .. })
            }
            ListEscalations | SchoolOverview => matches!(target, Target::School(_)),
            AcknowledgeEscalation | ResolveEscalation | MarkMove => {
                matches!(target, Target::Escalation { .. })
            }
            ChangeSchoolSettings | ImportRoster | RunRetention | ViewAuditLog => {
                matches!(target, Target::School(_) | Target::Deployment)
            }
            ExportPersonData | ForgetPerson => matches!(target, Target::Person { .. }),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who is asking, as the store knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The person's id.
    pub id: PersonId,
    /// Their role.
    pub role: Role,
    /// `None` for the admin, who belongs to the deployment rather than to a school.
    pub school: Option<SchoolId>,
    /// Only wpbs belong to a team.
    pub team: Option<TeamId>,
}

impl From<&Person> for Actor {
    fn from(p: &Person) -> Self {
        Actor {
            id: p.id.clone(),
            role: p.role,
            school: (p.role != Role::Admin).then(|| p.school.clone()),
            team: p.team.clone(),
        }
    }
}

/// What an action touches, built from stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The actor's own data (reflections, pauses, rhythm, export, deletion).
    Own,
    /// A school as a whole: its escalation list, overview, settings, roster, audit log.
    School(SchoolId),
    /// One person and the school they belong to.
    Person {
        /// The person.
        id: PersonId,
        /// Their school.
        school: SchoolId,
    },
    /// A pairing (koppeling) of a wpb and a student.
    Pairing {
        /// The pairing's wpb.
        wpb: PersonId,
        /// The pairing's student.
        student: PersonId,
        /// The school of both.
        school: SchoolId,
    },
    /// An intervisie thread in a team channel; for `IntervisieStart` the case owner is
    /// whoever brings the case in.
    Thread {
        /// The team whose channel holds the thread.
        team: TeamId,
        /// The team's school.
        school: SchoolId,
        /// Who brought the case in.
        case_owner: PersonId,
    },
    /// One escalation of a school.
    Escalation {
        /// The escalation's school.
        school: SchoolId,
    },
    /// The whole deployment (all schools).
    Deployment,
}

impl Target {
    /// The school the target belongs to; `None` for `Own` and `Deployment`.
    pub fn school(&self) -> Option<&SchoolId> {
        match self {
            Target::School(school)
            | Target::Person { school, .. }
            | Target::Pairing { school, .. }
            | Target::Thread { school, .. }
            | Target::Escalation { school } => Some(school),
            Target::Own | Target::Deployment => None,
        }
    }
}

/// How a (role, action) cell is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Not for this role (the default).
    Never,
    /// Deployment-wide: any school, any person (admin only).
    Always,
    /// Only on the actor's own data: `Target::Own`, or `Target::Person` naming the actor.
    Own,
    /// Only on something of the actor's own school.
    SameSchool,
    /// Only on a pairing of the actor's school in which the actor is the wpb.
    OwnPairingAsWpb,
    /// Only on a pairing of the actor's school in which the actor is the student.
    OwnPairingAsStudent,
    /// Only in a thread of the actor's own team.
    SameTeam,
    /// Only in a thread of the actor's own team whose case the actor brought in.
    CaseOwner,
}

/// The table. One arm per role listing what it may do; every action not listed is `Never`.
#[rustfmt::skip]
pub fn rule(role: Role, action: Action) -> Rule {
    use Action::*;
    match role {
        Role::Admin => match action {
            ImportRoster | RunRetention | ViewAuditLog | ExportPersonData | ForgetPerson
            | ChangeSchoolSettings | RequestPrompt => Rule::Always,
            _ => Rule::Never,
        },
        Role::Schoolopleider => match action {
            Pair | Unpair | ListEscalations | AcknowledgeEscalation | ResolveEscalation | MarkMove
            | SchoolOverview | ChangeSchoolSettings | ImportRoster | ExportPersonData
            | ForgetPerson | ViewAuditLog => Rule::SameSchool,
            ExportOwnData | ForgetSelf | SwitchDigest => Rule::Own,
            _ => Rule::Never,
        },
        Role::Wpb => match action {
            Reflect | ShareReflection | Pause | Resume | SetRhythm | ExportOwnData | ForgetSelf
            | RequestPrompt | Terugblik => Rule::Own,
            KlikAsWpb => Rule::OwnPairingAsWpb,
            IntervisiePost => Rule::SameTeam,
            IntervisieStart | IntervisieAdvance | IntervisieTakeaway => Rule::CaseOwner,
            _ => Rule::Never,
        },
        Role::Student => match action {
            KlikAsStudent => Rule::OwnPairingAsStudent,
            ExportOwnData | ForgetSelf => Rule::Own,
            _ => Rule::Never,
        },
    }
}

const ROLES: [Role; 4] = [Role::Admin, Role::Schoolopleider, Role::Wpb, Role::Student];

/// The actions a role can ever do (for help texts), in [`Action::ALL`] order.
pub fn allowed_actions(role: Role) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&a| rule(role, a) != Rule::Never)
        .collect()
}

/// Decides whether `actor` may do `action` on `target`. Deny by default: the role's rule
/// first ([`Denied::NotForRole`]), then the kind of target, then the rule against the target.
pub fn authorize(actor: &Actor, action: Action, target: &Target) -> Result<(), Denied> {
    let rule = rule(actor.role, action);
    if rule == Rule::Never {
        return Err(Denied::NotForRole {
            meant_for: meant_for(action),
        });
    }
    if !action.fits(target) {
        return Err(Denied::WrongTarget);
    }
    let own_school = |school: &SchoolId| actor.school.as_ref() == Some(school);
    let allow_if = |ok: bool, why: Denied| if ok { Ok(()) } else { Err(why) };
    match (rule, target) {
        (Rule::Always, _) => Ok(()),
        (Rule::Own, Target::Own) => Ok(()),
        (Rule::Own, Target::Person { id, .. }) => allow_if(*id == actor.id, Denied::NotYours),
        (Rule::SameSchool, t) => allow_if(t.school().is_some_and(own_school), Denied::OtherSchool),
        (
            Rule::OwnPairingAsWpb | Rule::OwnPairingAsStudent,
            Target::Pairing {
                wpb,
                student,
                school,
            },
        ) => {
            let side = if rule == Rule::OwnPairingAsWpb {
                wpb
            } else {
                student
            };
            allow_if(
                *side == actor.id && own_school(school),
                Denied::NotYourPairing,
            )
        }
        (
            Rule::SameTeam | Rule::CaseOwner,
            Target::Thread {
                team,
                school,
                case_owner,
            },
        ) => {
            let in_team = own_school(school) && actor.team.as_ref() == Some(team);
            allow_if(in_team, Denied::NotInTeam)?;
            allow_if(
                rule == Rule::SameTeam || *case_owner == actor.id,
                Denied::NotCaseOwner,
            )
        }
        _ => Err(Denied::WrongTarget),
    }
}

/// The one role (not counting the admin when a school role has it too) an action is for,
/// so a refusal can say who can do it.
fn meant_for(action: Action) -> Option<Role> {
    let roles: Vec<Role> = ROLES
        .into_iter()
        .filter(|&r| rule(r, action) != Rule::Never)
        .collect();
    let school_roles: Vec<Role> = roles
        .iter()
        .copied()
        .filter(|&r| r != Role::Admin)
        .collect();
    match (school_roles.as_slice(), roles.as_slice()) {
        ([only], _) | ([], [only]) => Some(*only),
        _ => None,
    }
}

fn not_for_role_text(meant_for: Option<Role>) -> Text {
    match meant_for {
        Some(Role::Schoolopleider) => Text::new(
            "Dat kan alleen de schoolopleider van deze school.",
            "Only this school's schoolopleider can do that.",
        ),
        Some(Role::Wpb) => Text::new(
            "Dat is iets voor werkplekbegeleiders.",
            "That is something for werkplekbegeleiders.",
        ),
        Some(Role::Student) => Text::new(
            "Dat is alleen voor studenten, over hun eigen koppeling.",
            "That is only for students, about their own pairing.",
        ),
        Some(Role::Admin) => Text::new(
            "Dat kan alleen de beheerder van Wandelgang.",
            "Only the Wandelgang administrator can do that.",
        ),
        None => Text::new(
            "Dat hoort niet bij jouw rol in Wandelgang.",
            "That isn't part of your role in Wandelgang.",
        ),
    }
}

/// Why an action was refused. Nothing was changed. Messages are kind, Dutch first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// The role may never do this; `meant_for` names who can, where that is one role.
    NotForRole {
        /// The one role that may, if there is one.
        meant_for: Option<Role>,
    },
    /// The target belongs to another school.
    OtherSchool,
    /// Someone else's own data.
    NotYours,
    /// A pairing the wpb or student is not part of.
    NotYourPairing,
    /// A thread of a team the actor is not in.
    NotInTeam,
    /// Only the case owner may do this in the thread.
    NotCaseOwner,
    /// The action does not take this kind of target.
    WrongTarget,
}

impl Localize for Denied {
    fn text(&self) -> Text {
        match self {
            Denied::NotForRole { meant_for } => not_for_role_text(*meant_for),
            Denied::OtherSchool => Text::new(
                "Dat hoort bij een andere school; je kunt dit alleen voor je eigen school doen.",
                "That belongs to another school; you can only do this for your own school.",
            ),
            Denied::NotYours => Text::new(
                "Dat kan alleen voor jezelf.",
                "You can only do that for yourself.",
            ),
            Denied::NotYourPairing => Text::new(
                "Dat kan alleen voor je eigen koppeling.",
                "You can only do that for your own pairing.",
            ),
            Denied::NotInTeam => Text::new(
                "Deze intervisie loopt in een ander team; meedoen kan in je eigen team.",
                "This intervisie runs in another team; you can take part in your own team's.",
            ),
            Denied::NotCaseOwner => Text::new(
                "Dit is aan wie de casus inbracht; meedenken in het gesprek kan altijd.",
                "This is up to whoever brought in the case; you are always welcome to join the conversation.",
            ),
            Denied::WrongTarget => Text::new("Dat kan hier niet.", "That can't be done here."),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for Denied {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::Language;
    use Action::*;
    use Role::{Admin, Schoolopleider as So, Student, Wpb};

    fn pid(s: &str) -> PersonId {
        PersonId::from_trusted(s)
    }
    fn sid(s: &str) -> SchoolId {
        SchoolId::from_trusted(s)
    }
    fn tid(s: &str) -> TeamId {
        TeamId::from_trusted(s)
    }

    /// The world: school s1 with team t1, wpb anna (t1), her student bram, schoolopleider eva.
    fn actor(role: Role) -> Actor {
        let (id, school, team) = match role {
            Admin => ("admin", None, None),
            So => ("so-eva", Some("s1"), None),
            Wpb => ("wpb-anna", Some("s1"), Some("t1")),
            Student => ("st-bram", Some("s1"), None),
        };
        Actor {
            id: pid(id),
            role,
            school: school.map(sid),
            team: team.map(tid),
        }
    }

    fn pairing(wpb: &str, student: &str, school: &str) -> Target {
        Target::Pairing {
            wpb: pid(wpb),
            student: pid(student),
            school: sid(school),
        }
    }

    fn thread(team: &str, school: &str, owner: &str) -> Target {
        Target::Thread {
            team: tid(team),
            school: sid(school),
            case_owner: pid(owner),
        }
    }

    /// A representative "own / same school" target for each action.
    fn own_target(action: Action, school: &str) -> Target {
        match action {
            Reflect | ShareReflection | Pause | Resume | SetRhythm | ExportOwnData | ForgetSelf
            | RequestPrompt | Terugblik | SwitchDigest => Target::Own,
            KlikAsWpb | KlikAsStudent | Pair | Unpair => pairing("wpb-anna", "st-bram", school),
            IntervisieStart | IntervisiePost | IntervisieAdvance | IntervisieTakeaway => {
                thread("t1", school, "wpb-anna")
            }
            ListEscalations | SchoolOverview | ChangeSchoolSettings | ImportRoster
            | RunRetention | ViewAuditLog => Target::School(sid(school)),
            AcknowledgeEscalation | ResolveEscalation | MarkMove => Target::Escalation {
                school: sid(school),
            },
            ExportPersonData | ForgetPerson => Target::Person {
                id: pid("wpb-anna"),
                school: sid(school),
            },
        }
    }

    const T: bool = true;
    const F: bool = false;

    #[rustfmt::skip]
    const EXPECTED: [(Role, Action, bool); 116] = [
        (Admin, Reflect, F), (So, Reflect, F), (Wpb, Reflect, T), (Student, Reflect, F),
        (Admin, ShareReflection, F), (So, ShareReflection, F), (Wpb, ShareReflection, T), (Student, ShareReflection, F),
        (Admin, KlikAsWpb, F), (So, KlikAsWpb, F), (Wpb, KlikAsWpb, T), (Student, KlikAsWpb, F),
        (Admin, KlikAsStudent, F), (So, KlikAsStudent, F), (Wpb, KlikAsStudent, F), (Student, KlikAsStudent, T),
        (Admin, Pause, F), (So, Pause, F), (Wpb, Pause, T), (Student, Pause, F),
        (Admin, Resume, F), (So, Resume, F), (Wpb, Resume, T), (Student, Resume, F),
        (Admin, SetRhythm, F), (So, SetRhythm, F), (Wpb, SetRhythm, T), (Student, SetRhythm, F),
        (Admin, ExportOwnData, F), (So, ExportOwnData, T), (Wpb, ExportOwnData, T), (Student, ExportOwnData, T),
        (Admin, ForgetSelf, F), (So, ForgetSelf, T), (Wpb, ForgetSelf, T), (Student, ForgetSelf, T),
        (Admin, IntervisieStart, F), (So, IntervisieStart, F), (Wpb, IntervisieStart, T), (Student, IntervisieStart, F),
        (Admin, IntervisiePost, F), (So, IntervisiePost, F), (Wpb, IntervisiePost, T), (Student, IntervisiePost, F),
        (Admin, IntervisieAdvance, F), (So, IntervisieAdvance, F), (Wpb, IntervisieAdvance, T), (Student, IntervisieAdvance, F),
        (Admin, IntervisieTakeaway, F), (So, IntervisieTakeaway, F), (Wpb, IntervisieTakeaway, T), (Student, IntervisieTakeaway, F),
        (Admin, Pair, F), (So, Pair, T), (Wpb, Pair, F), (Student, Pair, F),
        (Admin, Unpair, F), (So, Unpair, T), (Wpb, Unpair, F), (Student, Unpair, F),
        (Admin, ListEscalations, F), (So, ListEscalations, T), (Wpb, ListEscalations, F), (Student, ListEscalations, F),
        (Admin, AcknowledgeEscalation, F), (So, AcknowledgeEscalation, T), (Wpb, AcknowledgeEscalation, F), (Student, AcknowledgeEscalation, F),
        (Admin, ResolveEscalation, F), (So, ResolveEscalation, T), (Wpb, ResolveEscalation, F), (Student, ResolveEscalation, F),
        (Admin, MarkMove, F), (So, MarkMove, T), (Wpb, MarkMove, F), (Student, MarkMove, F),
        (Admin, SchoolOverview, F), (So, SchoolOverview, T), (Wpb, SchoolOverview, F), (Student, SchoolOverview, F),
        (Admin, ChangeSchoolSettings, T), (So, ChangeSchoolSettings, T), (Wpb, ChangeSchoolSettings, F), (Student, ChangeSchoolSettings, F),
        (Admin, ImportRoster, T), (So, ImportRoster, T), (Wpb, ImportRoster, F), (Student, ImportRoster, F),
        (Admin, ExportPersonData, T), (So, ExportPersonData, T), (Wpb, ExportPersonData, F), (Student, ExportPersonData, F),
        (Admin, ForgetPerson, T), (So, ForgetPerson, T), (Wpb, ForgetPerson, F), (Student, ForgetPerson, F),
        (Admin, RunRetention, T), (So, RunRetention, F), (Wpb, RunRetention, F), (Student, RunRetention, F),
        (Admin, ViewAuditLog, T), (So, ViewAuditLog, T), (Wpb, ViewAuditLog, F), (Student, ViewAuditLog, F),
        (Admin, RequestPrompt, T), (So, RequestPrompt, F), (Wpb, RequestPrompt, T), (Student, RequestPrompt, F),
        (Admin, Terugblik, F), (So, Terugblik, F), (Wpb, Terugblik, T), (Student, Terugblik, F),
        (Admin, SwitchDigest, F), (So, SwitchDigest, T), (Wpb, SwitchDigest, F), (Student, SwitchDigest, F),
    ];

    #[test]
    fn every_cell_of_the_table() {
        for role in ROLES {
            for action in Action::ALL {
                let cells: Vec<bool> = EXPECTED
                    .iter()
                    .filter(|(r, a, _)| *r == role && *a == action)
                    .map(|c| c.2)
                    .collect();
                assert_eq!(cells.len(), 1, "{role:?} × {action}: one row each");
                let got = authorize(&actor(role), action, &own_target(action, "s1"));
                if cells[0] {
                    assert_eq!(got, Ok(()), "{role:?} × {action}");
                } else {
                    assert!(
                        matches!(got, Err(Denied::NotForRole { .. })),
                        "{role:?} × {action}: {got:?}"
                    );
                }
                assert_eq!(rule(role, action) != Rule::Never, cells[0]);
            }
        }
    }

    #[test]
    fn allowed_actions_follow_the_table() {
        for role in ROLES {
            let want: Vec<Action> = Action::ALL
                .into_iter()
                .filter(|&a| EXPECTED.contains(&(role, a, true)))
                .collect();
            assert_eq!(allowed_actions(role), want, "{role:?}");
        }
        assert_eq!(
            allowed_actions(Student),
            [KlikAsStudent, ExportOwnData, ForgetSelf]
        );
    }

    /// Every target the tests know, including other schools, teams and people.
    fn all_targets() -> Vec<Target> {
        let mut ts = vec![Target::Own, Target::Deployment];
        for s in ["s1", "s2"] {
            ts.push(Target::School(sid(s)));
            ts.push(Target::Escalation { school: sid(s) });
            for p in ["wpb-anna", "st-bram", "so-eva", "admin", "wpb-carla"] {
                ts.push(Target::Person {
                    id: pid(p),
                    school: sid(s),
                });
            }
            for (w, st) in [("wpb-anna", "st-bram"), ("wpb-carla", "st-daan")] {
                ts.push(pairing(w, st, s));
            }
            for t in ["t1", "t2"] {
                for o in ["wpb-anna", "wpb-carla"] {
                    ts.push(thread(t, s, o));
                }
            }
        }
        ts
    }

    #[test]
    fn never_is_never_overridden_by_a_target() {
        for role in ROLES {
            for action in Action::ALL {
                if rule(role, action) != Rule::Never {
                    continue;
                }
                for target in all_targets() {
                    assert!(
                        matches!(
                            authorize(&actor(role), action, &target),
                            Err(Denied::NotForRole { .. })
                        ),
                        "{role:?} × {action} on {target:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn schoolopleider_of_another_school_is_refused_everything_school_scoped() {
        let scoped: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|&a| rule(So, a) == Rule::SameSchool)
            .collect();
        assert_eq!(scoped.len(), 12);
        let no_school = Actor {
            school: None,
            ..actor(So)
        };
        for action in scoped {
            let other = own_target(action, "s2");
            assert_eq!(
                authorize(&actor(So), action, &other),
                Err(Denied::OtherSchool),
                "{action}"
            );
            assert_eq!(
                authorize(&no_school, action, &own_target(action, "s1")),
                Err(Denied::OtherSchool),
                "{action} without a school"
            );
        }
        for action in [ImportRoster, ViewAuditLog, ChangeSchoolSettings] {
            assert_eq!(
                authorize(&actor(So), action, &Target::Deployment),
                Err(Denied::OtherSchool),
                "{action} deployment-wide"
            );
        }
    }

    #[test]
    fn klik_only_on_own_pairing_and_own_side() {
        #[rustfmt::skip]
        let cases: [(Role, Action, Target, Result<(), Denied>); 9] = [
            (Wpb, KlikAsWpb, pairing("wpb-anna", "st-bram", "s1"), Ok(())),
            (Wpb, KlikAsWpb, pairing("wpb-anna", "st-daan", "s1"), Ok(())),
            (Wpb, KlikAsWpb, pairing("wpb-carla", "st-bram", "s1"), Err(Denied::NotYourPairing)),
            (Wpb, KlikAsWpb, pairing("wpb-anna", "st-bram", "s2"), Err(Denied::NotYourPairing)),
            (Wpb, KlikAsWpb, pairing("st-bram", "wpb-anna", "s1"), Err(Denied::NotYourPairing)),
            (Student, KlikAsStudent, pairing("wpb-anna", "st-bram", "s1"), Ok(())),
            (Student, KlikAsStudent, pairing("wpb-anna", "st-daan", "s1"), Err(Denied::NotYourPairing)),
            (Student, KlikAsStudent, pairing("st-bram", "wpb-anna", "s1"), Err(Denied::NotYourPairing)),
            (Student, KlikAsStudent, Target::Own, Err(Denied::WrongTarget)),
        ];
        for (role, action, target, want) in cases {
            assert_eq!(
                authorize(&actor(role), action, &target),
                want,
                "{role:?} {target:?}"
            );
        }
        let own = pairing("wpb-anna", "st-bram", "s1");
        assert_eq!(
            authorize(&actor(Student), KlikAsWpb, &own),
            Err(Denied::NotForRole {
                meant_for: Some(Wpb)
            })
        );
        assert_eq!(
            authorize(&actor(Wpb), KlikAsStudent, &own),
            Err(Denied::NotForRole {
                meant_for: Some(Student)
            })
        );
    }

    #[test]
    fn intervisie_team_and_case_owner() {
        let carla = Actor {
            id: pid("wpb-carla"),
            ..actor(Wpb)
        };
        let teamless = Actor {
            team: None,
            ..actor(Wpb)
        };
        let anna = actor(Wpb);
        let own = thread("t1", "s1", "wpb-anna");
        let carlas = thread("t1", "s1", "wpb-carla");
        #[rustfmt::skip]
        let cases: [(&Actor, Action, Target, Result<(), Denied>); 14] = [
            (&anna, IntervisieStart, own.clone(), Ok(())),
            (&anna, IntervisieStart, carlas.clone(), Err(Denied::NotCaseOwner)),
            (&anna, IntervisieAdvance, own.clone(), Ok(())),
            (&anna, IntervisieTakeaway, own.clone(), Ok(())),
            (&carla, IntervisiePost, own.clone(), Ok(())),
            (&carla, IntervisieAdvance, own.clone(), Err(Denied::NotCaseOwner)),
            (&carla, IntervisieTakeaway, own.clone(), Err(Denied::NotCaseOwner)),
            (&anna, IntervisiePost, thread("t2", "s1", "wpb-carla"), Err(Denied::NotInTeam)),
            (&anna, IntervisieAdvance, thread("t2", "s1", "wpb-anna"), Err(Denied::NotInTeam)),
            (&anna, IntervisiePost, thread("t1", "s2", "wpb-carla"), Err(Denied::NotInTeam)),
            (&anna, IntervisieTakeaway, thread("t1", "s2", "wpb-anna"), Err(Denied::NotInTeam)),
            (&teamless, IntervisiePost, own.clone(), Err(Denied::NotInTeam)),
            (&teamless, IntervisieAdvance, own.clone(), Err(Denied::NotInTeam)),
            (&anna, IntervisiePost, Target::Own, Err(Denied::WrongTarget)),
        ];
        for (who, action, target, want) in cases {
            assert_eq!(
                authorize(who, action, &target),
                want,
                "{} {action} {target:?}",
                who.id
            );
        }
    }

    #[test]
    fn admin_is_deployment_wide_but_not_a_wpb() {
        let admin = actor(Admin);
        for action in [
            ImportRoster,
            RunRetention,
            ViewAuditLog,
            ChangeSchoolSettings,
        ] {
            assert_eq!(
                authorize(&admin, action, &Target::Deployment),
                Ok(()),
                "{action}"
            );
            assert_eq!(
                authorize(&admin, action, &Target::School(sid("s2"))),
                Ok(())
            );
        }
        for action in [ExportPersonData, ForgetPerson] {
            let anyone = Target::Person {
                id: pid("st-daan"),
                school: sid("s2"),
            };
            assert_eq!(authorize(&admin, action, &anyone), Ok(()), "{action}");
        }
        let cases: [(Action, Target, Option<Role>); 6] = [
            (KlikAsWpb, pairing("wpb-anna", "st-bram", "s1"), Some(Wpb)),
            (
                KlikAsStudent,
                pairing("wpb-anna", "st-bram", "s1"),
                Some(Student),
            ),
            (Reflect, Target::Own, Some(Wpb)),
            (ShareReflection, Target::Own, Some(Wpb)),
            (ListEscalations, Target::School(sid("s1")), Some(So)),
            (SchoolOverview, Target::School(sid("s1")), Some(So)),
        ];
        for (action, target, meant_for) in cases {
            assert_eq!(
                authorize(&admin, action, &target),
                Err(Denied::NotForRole { meant_for }),
                "{action}"
            );
        }
    }

    #[test]
    fn own_data_only_for_oneself_and_targets_must_fit() {
        let anna = actor(Wpb);
        let me = Target::Person {
            id: pid("wpb-anna"),
            school: sid("s1"),
        };
        let carla = Target::Person {
            id: pid("wpb-carla"),
            school: sid("s1"),
        };
        assert_eq!(authorize(&anna, Pause, &me), Ok(()));
        assert_eq!(authorize(&anna, Pause, &carla), Err(Denied::NotYours));
        assert_eq!(
            authorize(&anna, ExportOwnData, &carla),
            Err(Denied::NotYours)
        );
        assert_eq!(
            authorize(&actor(So), ForgetSelf, &carla),
            Err(Denied::NotYours)
        );
        let misfits: [(Role, Action, Target); 6] = [
            (So, ListEscalations, Target::Own),
            (So, AcknowledgeEscalation, Target::School(sid("s1"))),
            (So, ExportPersonData, Target::School(sid("s1"))),
            (Admin, ExportPersonData, Target::Own),
            (Admin, RunRetention, Target::Own),
            (Wpb, KlikAsWpb, Target::Own),
        ];
        for (role, action, target) in misfits {
            assert!(!action.fits(&target));
            assert_eq!(
                authorize(&actor(role), action, &target),
                Err(Denied::WrongTarget),
                "{role:?} {action}"
            );
        }
        for action in Action::ALL {
            assert!(action.fits(&own_target(action, "s1")), "{action}");
        }
    }

    #[test]
    fn denied_messages_are_kind_and_dutch_first() {
        let mut all = vec![
            Denied::OtherSchool,
            Denied::NotYours,
            Denied::NotYourPairing,
            Denied::NotInTeam,
            Denied::NotCaseOwner,
            Denied::WrongTarget,
        ];
        // A new variant must join the list above: this match stops compiling otherwise.
        match Denied::WrongTarget {
            Denied::NotForRole { .. }
            | Denied::OtherSchool
            | Denied::NotYours
            | Denied::NotYourPairing
            | Denied::NotInTeam
            | Denied::NotCaseOwner
            | Denied::WrongTarget => {}
        }
        for meant_for in [None, Some(Admin), Some(So), Some(Wpb), Some(Student)] {
            all.push(Denied::NotForRole { meant_for });
        }
        for d in all {
            let text = d.text();
            let (nl, en) = (text.nl(), text.en());
            assert!(!nl.is_empty() && !en.is_empty(), "{d:?}");
            assert!(!nl.contains(" / ") && !en.contains(" / "), "{text}");
            assert!(
                ["Dat ", "Deze ", "Dit "].iter().any(|w| nl.starts_with(w)),
                "Dutch first: {text}"
            );
            for english in ["you", "That", "only", "can"] {
                assert!(
                    !nl.contains(english),
                    "no English in the Dutch text: {text}"
                );
            }
            for dutch in ["je", "Dat", "alleen", "kan"] {
                assert!(!en.contains(dutch), "no Dutch in the English text: {text}");
            }
            assert_eq!(d.to_string(), format!("{nl} / {en}"), "logs show both");
        }
        assert_eq!(
            authorize(&actor(Wpb), Pair, &own_target(Pair, "s1"))
                .unwrap_err()
                .in_language(Language::En),
            "Only this school's schoolopleider can do that."
        );
    }

    #[test]
    fn action_names_round_trip() {
        for (i, a) in Action::ALL.into_iter().enumerate() {
            assert_eq!(Action::parse(a.as_str()), Some(a));
            assert_eq!(a.to_string(), a.as_str());
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                format!("\"{}\"", a.as_str())
            );
            assert!(!Action::ALL[..i].contains(&a), "{a} listed twice");
        }
        assert_eq!(Action::parse("klik"), None);
    }

    #[test]
    fn actor_from_person() {
        let person = |role| Person {
            id: pid("x"),
            school: sid("s1"),
            role,
            name: "X".into(),
            team: Some(tid("t1")),
            chat: None,
            language: None,
        };
        let wpb = Actor::from(&person(Wpb));
        assert_eq!((wpb.school, wpb.team), (Some(sid("s1")), Some(tid("t1"))));
        assert_eq!(Actor::from(&person(Admin)).school, None);
    }
}
