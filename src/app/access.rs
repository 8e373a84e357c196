//! The one gate every inbound action passes: the sender is resolved and the authorization
//! table (`domain::authz`) decides. Deny by default; a refusal changes nothing.

use super::engine::Engine;
use super::inbox::{Refusal, Sender, UserError};
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Actor, Target, authorize};
use crate::domain::roster::Person;

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Checks `action` on `target` for `actor`.
    pub(crate) fn permit(
        &self,
        actor: &Person,
        action: Action,
        target: &Target,
    ) -> Result<(), UserError> {
        authorize(&Actor::from(actor), action, target).map_err(UserError::Denied)
    }

    /// Resolves the sender and checks an action on their own data.
    pub(crate) async fn actor_for_own(
        &self,
        from: &Sender,
        action: Action,
    ) -> Result<Person, Refusal> {
        let Some(person) = self.sender(from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        self.permit(&person, action, &Target::Own)?;
        Ok(person)
    }
}
