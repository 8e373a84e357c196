//! Inbound events from any transport: the dispatch, reflections, pauses (klik taps: `klik`).
//! Every handler answers with a `Reply` (shown only to the sender) or a `Refusal` (see `outcome`).

use chrono::{Duration, NaiveDate};

use super::engine::{Engine, EngineError};
use super::messages::Message;
use super::ports::{Chat, Clock};
use crate::domain::authz::Action;
use crate::domain::reflection::Reflection;
use crate::domain::reminder;
use crate::domain::roster::{Person, PersonId};
use crate::domain::schedule::DateRange;
use crate::store::{NewOutbox, OutboxKind};

pub use super::events::{EscalationAction, Inbound, ReflectionTarget, Sender};
pub use super::outcome::{Handled, Refusal, Reply, UserError};

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
            } => self.share_reflection(from, reflection_id).await,
            Inbound::Pause { from, until } => self.pause(from, until).await,
            Inbound::Resume { from } => self.resume(from).await,
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
            Inbound::SchoolOverview { from, weeks } => self.school_overview(from, weeks).await,
            Inbound::SwitchDigest { from, on } => self.switch_digest(from, on).await,
            Inbound::Terugblik { from } => self.terugblik_now(from).await,
            Inbound::SchoolSettings {
                from,
                per_week,
                reminder,
            } => self.school_settings(from, per_week, reminder).await,
        }
    }

    async fn share_reflection(&self, from: Sender, reflection_id: i64) -> Handled {
        let wpb = self.actor_for_own(&from, Action::ShareReflection).await?;
        if self.store.share_reflection(&wpb.id, reflection_id).await? {
            Ok(Reply::ReflectionShared { id: reflection_id })
        } else {
            Err(UserError::ReflectionNotFound.into())
        }
    }

    async fn pause(&self, from: Sender, until: NaiveDate) -> Handled {
        let wpb = self.actor_for_own(&from, Action::Pause).await?;
        let today = self.settings(&wpb).calendar.local_date(self.clock.now());
        if until < today {
            return Err(UserError::DateInPast.into());
        }
        let pause = DateRange {
            start: today,
            end: until,
        };
        self.store.add_pause(&wpb.id, pause).await?;
        Ok(Reply::Paused { until })
    }

    async fn resume(&self, from: Sender) -> Handled {
        let wpb = self.actor_for_own(&from, Action::Resume).await?;
        let today = self.settings(&wpb).calendar.local_date(self.clock.now());
        self.store.end_pauses(&wpb.id, today).await?;
        Ok(Reply::Resumed)
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
        let wpb = self.actor_for_own(&from, Action::Reflect).await?;
        let reflection = Reflection::parse(text)?;
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
                    .latest_open_prompt(&wpb.id, now - Duration::days(reminder::OPEN_PROMPT_DAYS))
                    .await?
            }
        };
        let link = prompt.as_ref().map(|(k, p)| (k.as_str(), p.as_deref()));
        let id = self
            .store
            .add_reflection(&wpb.id, reflection.as_str(), link, now, share)
            .await?;
        self.metrics.reflection();
        Ok(Reply::ReflectionSaved {
            id,
            linked: prompt.is_some(),
            shared: share,
        })
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
