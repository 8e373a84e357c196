//! The schoolopleider's side of an escalation: acknowledge, resolve, or record a move.

use super::engine::{Engine, EngineError};
use super::inbox::{EscalationAction, Handled, Reply, Sender, UserError};
use super::metrics::EscalationStep;
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Denied, Target};
use crate::store::{EscalationStatus, escalation_subject};

impl<C: Chat, K: Clock> Engine<C, K> {
    pub(crate) async fn escalation_action(
        &self,
        from: Sender,
        id: i64,
        action: EscalationAction,
    ) -> Handled {
        let Some(actor) = self.sender(&from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let step = Step::of(action);
        let permission = step.permission;
        // The role is checked before the id is looked up, so nobody can probe which exist.
        let own_school = Target::Escalation {
            school: actor.school.clone(),
        };
        self.permit(&actor, permission, &own_school)?;
        let Some(escalation) = self.store.escalation(id).await? else {
            return Err(UserError::EscalationNotFound.into());
        };
        let pairing = self
            .store
            .pairing(escalation.pairing.clone())
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("escalation {id} without pairing")))?;
        let wpb = self
            .store
            .person(&pairing.wpb)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("wpb {} missing", pairing.wpb)))?;
        match self.permit(
            &actor,
            permission,
            &Target::Escalation {
                school: wpb.school.clone(),
            },
        ) {
            Ok(()) => {}
            // To a schoolopleider of another school it does not exist (`handle` shows it so).
            Err(UserError::Denied(Denied::OtherSchool)) => {
                return Err(UserError::EscalationOfOtherSchool.into());
            }
            Err(e) => return Err(e.into()),
        }
        let now = self.clock.now();
        if self
            .store
            .transition_escalation(id, step.from, step.to, &actor.id, now)
            .await?
        {
            self.metrics.escalation(match action {
                EscalationAction::Acknowledge => EscalationStep::Acknowledged,
                EscalationAction::Resolve => EscalationStep::Resolved,
                EscalationAction::Move => EscalationStep::Moved,
            });
            self.store
                .audit(
                    now,
                    actor.id.as_str(),
                    step.audit,
                    &escalation_subject(id),
                    Some(wpb.school.as_str()),
                    None,
                )
                .await?;
            return Ok(Reply::EscalationUpdated { id, action });
        }
        // Acknowledging twice is harmless: say it is done rather than refuse.
        match (action, escalation.status) {
            (EscalationAction::Acknowledge, EscalationStatus::Acknowledged) => {
                Ok(Reply::EscalationUpdated { id, action })
            }
            _ => Err(UserError::EscalationClosed.into()),
        }
    }
}

/// What an escalation action is: who may take it, from which states to which, and its name in
/// the audit log.
struct Step {
    permission: Action,
    from: &'static [EscalationStatus],
    to: EscalationStatus,
    audit: &'static str,
}

impl Step {
    fn of(action: EscalationAction) -> Step {
        use EscalationStatus::{Acknowledged, Moved, Open, Resolved};
        match action {
            EscalationAction::Acknowledge => Step {
                permission: Action::AcknowledgeEscalation,
                from: &[Open],
                to: Acknowledged,
                audit: "escalation_acknowledged",
            },
            EscalationAction::Resolve => Step {
                permission: Action::ResolveEscalation,
                from: &[Open, Acknowledged],
                to: Resolved,
                audit: "escalation_resolved",
            },
            EscalationAction::Move => Step {
                permission: Action::MarkMove,
                from: &[Open, Acknowledged],
                to: Moved,
                audit: "escalation_moved",
            },
        }
    }
}
