//! Use-cases for managing: a wpb's own rhythm, and for a schoolopleider their school's
//! pairings, escalation list, overview and settings. Every one passes through `permit`.

use chrono::NaiveDate;

use super::digest::DIGEST_WEEKS;
use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Refusal, Reply, Sender, UserError};
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Target};
use crate::domain::pairing::check_pairable;
use crate::domain::roster::{Pairing, Person, PersonId};
use crate::domain::schedule::Cadence;
use crate::domain::{school_settings, school_year};
use crate::store::{SchoolOverrides, StoreError};

// The rule lives in the domain; this path is kept for its callers.
pub use crate::domain::school_year::school_year_end;

fn cadence(per_week: u8) -> Result<Cadence, UserError> {
    Cadence::new(per_week).map_err(|_| UserError::RhythmOutOfRange)
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// `/ritme`: the wpb's own cadence, or (`None`) back to the school's.
    pub(crate) async fn set_rhythm(&self, from: Sender, per_week: Option<u8>) -> Handled {
        let wpb = self.actor_for_own(&from, Action::SetRhythm).await?;
        let own = per_week.map(cadence).transpose()?;
        self.store.set_person_cadence(&wpb.id, own).await?;
        let cadence = self.cadence_of(&wpb, own).await?;
        Ok(Reply::RhythmSet {
            per_week: cadence.per_week(),
            school_default: own.is_none(),
        })
    }

    /// The cadence `person` is asked at with `own` as their own rhythm.
    async fn cadence_of(
        &self,
        person: &Person,
        own: Option<Cadence>,
    ) -> Result<Cadence, EngineError> {
        let overrides = self.store.school_overrides(&person.school).await?;
        let configured = self.settings(person).cadence;
        Ok(school_settings::cadence(own, overrides.cadence, configured))
    }

    /// The people of a pairing, checked against the table with the school the store has.
    /// The role is checked first (on the actor's own school), so nobody probes who exists.
    async fn pairing_people(
        &self,
        actor: &Person,
        action: Action,
        wpb: &PersonId,
        student: &PersonId,
    ) -> Result<(Person, Person), Refusal> {
        let own = Target::Pairing {
            wpb: wpb.clone(),
            student: student.clone(),
            school: actor.school.clone(),
        };
        self.permit(actor, action, &own)?;
        let (Some(w), Some(s)) = (
            self.store.person(wpb).await?,
            self.store.person(student).await?,
        ) else {
            return Err(UserError::PersonNotFound.into());
        };
        let stored = Target::Pairing {
            wpb: w.id.clone(),
            student: s.id.clone(),
            school: w.school.clone(),
        };
        self.permit(actor, action, &stored)?;
        if check_pairable(&w, &s).is_err() {
            return Err(UserError::NotAPairing.into());
        }
        Ok((w, s))
    }

    /// `/koppel`: pairs a wpb and a student of the schoolopleider's school from `start`
    /// (until `end`, or the end of the school year). A student has one wpb at a time.
    pub(crate) async fn pair(
        &self,
        from: Sender,
        wpb: PersonId,
        student: PersonId,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> Handled {
        let Some(actor) = self.sender(&from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let (w, s) = self
            .pairing_people(&actor, Action::Pair, &wpb, &student)
            .await?;
        let start =
            start.unwrap_or_else(|| self.settings(&actor).calendar.local_date(self.clock.now()));
        let end = school_year::pairing_end(start, end);
        if end < start {
            return Err(UserError::EndBeforeStart.into());
        }
        let pairing = Pairing {
            wpb: w.id.clone(),
            student: s.id.clone(),
            start,
            end,
        };
        // The store checks and inserts under the student's lock: two racing requests
        // cannot both pass the check.
        match self.store.add_pairing(&pairing).await {
            Ok(()) => {}
            Err(StoreError::Refused(_)) => return Err(UserError::PairingOverlaps.into()),
            Err(e) => return Err(e.into()),
        }
        Ok(Reply::Paired {
            wpb: w.name,
            student: s.name,
            start,
            end,
        })
    }

    /// `/ontkoppel`: ends the pairing of this wpb and student that runs on `end`, as of `end`.
    pub(crate) async fn unpair(
        &self,
        from: Sender,
        wpb: PersonId,
        student: PersonId,
        end: Option<NaiveDate>,
    ) -> Handled {
        let Some(actor) = self.sender(&from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let (w, s) = self
            .pairing_people(&actor, Action::Unpair, &wpb, &student)
            .await?;
        let end =
            end.unwrap_or_else(|| self.settings(&actor).calendar.local_date(self.clock.now()));
        let found = self
            .store
            .pairings_of(&s.id)
            .await?
            .into_iter()
            .find(|(_, p)| p.wpb == w.id && p.student == s.id && p.start <= end && end <= p.end);
        let Some((id, _)) = found else {
            return Err(UserError::NoActivePairing.into());
        };
        self.store.end_pairing(id, end).await?;
        Ok(Reply::Unpaired {
            wpb: w.name,
            student: s.name,
            end,
        })
    }

    /// The sender, allowed `action` on their own school as a whole.
    async fn actor_for_school(&self, from: &Sender, action: Action) -> Result<Person, Refusal> {
        let Some(actor) = self.sender(from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let school = Target::School(actor.school.clone());
        self.permit(&actor, action, &school)?;
        Ok(actor)
    }

    /// `/escalaties`: the school's open and acknowledged escalations.
    pub(crate) async fn list_escalations(&self, from: Sender) -> Handled {
        let actor = self
            .actor_for_school(&from, Action::ListEscalations)
            .await?;
        let list = self.store.open_escalations(&actor.school).await?;
        Ok(Reply::Escalations(list))
    }

    /// `/overzicht [weken]`: the school's figures over the last school weeks, up to today.
    pub(crate) async fn school_overview(&self, from: Sender, weeks: Option<u32>) -> Handled {
        let actor = self.actor_for_school(&from, Action::SchoolOverview).await?;
        let today = self.settings(&actor).calendar.local_date(self.clock.now());
        let weeks = weeks.map_or(DIGEST_WEEKS, |w| w as usize);
        let figures = self
            .school_figures(&actor.school, today, today, weeks)
            .await?
            .ok_or_else(|| {
                EngineError::Inconsistent(format!("school {} not stored", actor.school))
            })?;
        Ok(Reply::Overview(Box::new(figures)))
    }

    /// `/weekoverzicht aan|uit`: the sender's own weekly digest.
    pub(crate) async fn switch_digest(&self, from: Sender, on: bool) -> Handled {
        let actor = self.actor_for_own(&from, Action::SwitchDigest).await?;
        self.store.set_digest_off(&actor.id, !on).await?;
        if on {
            self.digest_unseen(&actor.school);
        }
        Ok(Reply::DigestSwitched { on })
    }

    /// `/instellingen`: shows the school's effective cadence and reminder; with a value,
    /// changes it (stored over the configuration file) and re-plans the school's wpbs.
    pub(crate) async fn school_settings(
        &self,
        from: Sender,
        per_week: Option<u8>,
        reminder: Option<bool>,
    ) -> Handled {
        let actor = self
            .actor_for_school(&from, Action::ChangeSchoolSettings)
            .await?;
        let mut overrides = self.store.school_overrides(&actor.school).await?;
        let changed = per_week.is_some() || reminder.is_some();
        if let Some(n) = per_week {
            overrides.cadence = Some(cadence(n)?);
        }
        if let Some(r) = reminder {
            overrides.reminder = Some(r);
        }
        if changed {
            self.store
                .set_school_overrides(&actor.school, overrides)
                .await?;
        }
        let settings = self.settings(&actor);
        let SchoolOverrides {
            cadence: c,
            reminder: r,
        } = overrides;
        Ok(Reply::SchoolSettings {
            per_week: school_settings::cadence(None, c, settings.cadence).per_week(),
            reminder: school_settings::reminder(r, settings.reminder),
            changed,
        })
    }
}
