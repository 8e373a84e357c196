//! Refusals in the audit log. When `Engine::handle` refuses an action for authorization —
//! the table says no, an escalation belongs to another school, a klik names a pairing that is
//! not the sender's (a forged or stale button), or the sender is unknown — one audit row
//! records it: who (`afzender:onbekend` for an unknown sender, never their address), `refused:<action>`,
//! when, the actor's school, and the kind of refusal. Never what they sent.

use super::engine::Engine;
use super::inbox::{EscalationAction, Handled, Inbound, Refusal, Sender, UserError};
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Denied};
use crate::domain::klik::KlikError;
use crate::domain::roster::Role;
use crate::store::ACTOR_UNKNOWN;

/// Who tried what, kept from an event before it is handled.
pub(crate) struct Attempt {
    from: Sender,
    /// None for a klik without a named student: the sender's role decides which it was.
    action: Option<Action>,
}

impl Attempt {
    pub(crate) fn of(event: &Inbound) -> Attempt {
        let (from, action) = match event {
            Inbound::Reflection { from, .. } => (from, Some(Action::Reflect)),
            Inbound::Klik { from, student, .. } => {
                (from, student.is_some().then_some(Action::KlikAsWpb))
            }
            Inbound::StudentKlik { from, .. } => (from, Some(Action::KlikAsStudent)),
            Inbound::ShareReflection { from, .. } => (from, Some(Action::ShareReflection)),
            Inbound::Pause { from, .. } => (from, Some(Action::Pause)),
            Inbound::Resume { from } => (from, Some(Action::Resume)),
            Inbound::Escalation { from, action, .. } => (
                from,
                Some(match action {
                    EscalationAction::Acknowledge => Action::AcknowledgeEscalation,
                    EscalationAction::Resolve => Action::ResolveEscalation,
                    EscalationAction::Move => Action::MarkMove,
                }),
            ),
            Inbound::IntervisieStart { from, .. } => (from, Some(Action::IntervisieStart)),
            Inbound::IntervisiePost { from, .. } => (from, Some(Action::IntervisiePost)),
            Inbound::IntervisieAdvance { from } => (from, Some(Action::IntervisieAdvance)),
            Inbound::IntervisieTakeaway { from, .. } => (from, Some(Action::IntervisieTakeaway)),
            Inbound::SetRhythm { from, .. } => (from, Some(Action::SetRhythm)),
            Inbound::Pair { from, .. } => (from, Some(Action::Pair)),
            Inbound::Unpair { from, .. } => (from, Some(Action::Unpair)),
            Inbound::ListEscalations { from } => (from, Some(Action::ListEscalations)),
            Inbound::SchoolOverview { from, .. } => (from, Some(Action::SchoolOverview)),
            Inbound::SwitchDigest { from, .. } => (from, Some(Action::SwitchDigest)),
            Inbound::Terugblik { from } => (from, Some(Action::Terugblik)),
            Inbound::SchoolSettings { from, .. } => (from, Some(Action::ChangeSchoolSettings)),
            Inbound::ExportOwn { from } => (from, Some(Action::ExportOwnData)),
            Inbound::ForgetSelf { from, .. } => (from, Some(Action::ForgetSelf)),
            Inbound::AskPrompt { from } => (from, Some(Action::RequestPrompt)),
        };
        Attempt {
            from: from.clone(),
            action,
        }
    }
}

/// The kind of an authorization refusal (the audit row's subject); None for other refusals
/// (a typo, a closed escalation, an empty text), which are not probing.
fn refusal_kind(e: &UserError) -> Option<&'static str> {
    Some(match e {
        UserError::UnknownSender => "unknown_sender",
        UserError::Denied(d) => match d {
            Denied::NotForRole { .. } => "not_for_role",
            Denied::OtherSchool => "other_school",
            Denied::NotYours => "not_yours",
            Denied::NotYourPairing => "not_your_pairing",
            Denied::NotInTeam => "not_in_team",
            Denied::NotCaseOwner => "not_case_owner",
            Denied::WrongTarget => "wrong_target",
        },
        UserError::EscalationOfOtherSchool => "other_school",
        UserError::Klik(KlikError::NotYourPairing) => "not_your_pairing",
        _ => return None,
    })
}

/// What the sender is shown: an escalation of another school does not exist for them.
fn as_shown(e: UserError) -> UserError {
    match e {
        UserError::EscalationOfOtherSchool => UserError::EscalationNotFound,
        other => other,
    }
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Records an authorization refusal of `attempt` in the audit log and returns the outcome
    /// as the sender sees it.
    pub(crate) async fn audit_refusal(&self, attempt: Attempt, outcome: Handled) -> Handled {
        let refusal = match outcome {
            Err(Refusal::User(e)) => e,
            done_or_fault => return done_or_fault,
        };
        let Some(kind) = refusal_kind(&refusal) else {
            return Err(as_shown(refusal).into());
        };
        let person = self.sender(&attempt.from).await?;
        let action = attempt
            .action
            .unwrap_or(match person.as_ref().map(|p| p.role) {
                Some(Role::Student) => Action::KlikAsStudent,
                _ => Action::KlikAsWpb,
            });
        let (actor, school) = match &person {
            Some(p) => (p.id.as_str(), Some(p.school.as_str())),
            None => (ACTOR_UNKNOWN, None),
        };
        self.store
            .audit(
                self.clock.now(),
                actor,
                &format!("refused:{}", action.as_str()),
                kind,
                school,
                None,
            )
            .await?;
        Err(as_shown(refusal).into())
    }
}
