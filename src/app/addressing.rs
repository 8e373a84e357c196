//! Commands that name a person: the name is looked up among the people of the sender's school
//! (see `domain::addressing`), whatever platform those people are on.

use super::engine::Engine;
use super::inbox::{Refusal, Sender, UserError};
use super::ports::{Chat, Clock};
use crate::domain::addressing::{Wanted, resolve};
use crate::domain::roster::PersonId;

impl<C: Chat, K: Clock> Engine<C, K> {
    /// The person that `named` (as typed; `address` when the adapter read it as a chat
    /// address) stands for, in the sender's school. A sender outside the roster hears that
    /// first, so a stranger learns nothing about who is in it.
    pub async fn named_person(
        &self,
        from: &Sender,
        named: &str,
        address: Option<&str>,
        wanted: Wanted,
    ) -> Result<PersonId, Refusal> {
        let Some(sender) = self.sender(from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let school = self.store.people_of_school(&sender.school).await?;
        Ok(resolve(named, address, &school, wanted).map_err(UserError::Naming)?)
    }
}
