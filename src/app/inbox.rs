//! Inbound events from any transport: reflections, klik taps, pauses, escalation actions.
//! Every handler answers with a `Reply` (shown only to the sender) or a `Refusal` (see `outcome`).

use chrono::{Duration, NaiveDate};

use super::engine::{Engine, EngineError};
use super::messages::{EscalationSummary, Message, SharedReflection, TimelineEntry};
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Rule, Target, rule};
use crate::domain::escalation::{WpbFacing, evaluate};
use crate::domain::klik::{KlikError, KlikValue, PairingParties, SignalSource, authorize_signal};
use crate::domain::pairing::{KlikPairing, klik_pairing};
use crate::domain::reflection::Reflection;
use crate::domain::roster::{Pairing, PairingId, Person, PersonId, Role};
use crate::domain::schedule::DateRange;
use crate::store::{NewOutbox, OutboxKind, SignalWrite};

pub use super::events::{EscalationAction, Inbound, ReflectionTarget, Sender};
pub use super::outcome::{Handled, Refusal, Reply, UserError};

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
            Inbound::SchoolOverview { from } => self.school_overview(from).await,
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
                    .latest_open_prompt(&wpb.id, now - Duration::days(OPEN_PROMPT_DAYS))
                    .await?
            }
        };
        let link = prompt.as_ref().map(|(k, p)| (k.as_str(), p.as_deref()));
        let id = self
            .store
            .add_reflection(&wpb.id, reflection.as_str(), link, now, share)
            .await?;
        Ok(Reply::ReflectionSaved {
            id,
            linked: prompt.is_some(),
            shared: share,
        })
    }

    /// Finds the pairing a klik is about (see [`klik_pairing`]): the sender's own active one,
    /// named by student where a wpb has several.
    async fn pairing_for(
        &self,
        actor: &Person,
        student: Option<&PersonId>,
    ) -> Result<(PairingId, Pairing), Refusal> {
        let today = self.settings(actor).calendar.local_date(self.clock.now());
        let pairings = self.store.pairings_of(&actor.id).await?;
        let refusal = match klik_pairing(actor.role, &actor.id, student, today, &pairings) {
            KlikPairing::One(found) => return Ok(found.clone()),
            KlikPairing::Ended(end) => UserError::PairingEnded { end },
            KlikPairing::NotYours => UserError::Klik(KlikError::NotYourPairing),
            KlikPairing::NoneActive => UserError::NoActivePairing,
            // Other roles have no pairing of their own: the table says who may do this.
            KlikPairing::NoOwnPairing => self
                .permit(actor, klik_action(actor.role), &Target::Deployment)
                .err()
                .unwrap_or(UserError::NoActivePairing),
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
                UserError::WhichStudent(names)
            }
        };
        Err(refusal.into())
    }

    async fn klik(
        &self,
        from: Sender,
        student: Option<PersonId>,
        value: &str,
        action: Option<Action>,
    ) -> Handled {
        let Some(actor) = self.sender(&from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let action = action.unwrap_or_else(|| klik_action(actor.role));
        // A role the table never allows this hears so before anything is looked up.
        if rule(actor.role, action) == Rule::Never {
            return Err(self
                .permit(&actor, action, &Target::Deployment)
                .err()
                .unwrap_or(UserError::NoActivePairing)
                .into());
        }
        let value = KlikValue::parse(value)?;
        let (pairing_id, pairing) = self.pairing_for(&actor, student.as_ref()).await?;
        let target = Target::Pairing {
            wpb: pairing.wpb.clone(),
            student: pairing.student.clone(),
            school: actor.school.clone(),
        };
        self.permit(&actor, action, &target)?;
        let now = self.clock.now();
        let today = self.settings(&actor).calendar.local_date(now);
        let parties = PairingParties {
            wpb: &pairing.wpb,
            student: &pairing.student,
            active: pairing.is_active_on(today),
        };
        let source = authorize_signal(&parties, &actor.id)?;
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
        Ok(Reply::KlikSaved {
            with,
            value,
            confidential,
        })
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
