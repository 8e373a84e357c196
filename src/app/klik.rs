//! A klik signal from a wpb or a student: which pairing it is about, the escalation rules'
//! decision, and what that decision sends, written in one transaction with the signal.

use chrono::{DateTime, Duration, Utc};

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Refusal, Reply, Sender, UserError, json_row};
use super::messages::{EscalationSummary, Message, SharedReflection, TimelineEntry};
use super::metrics::EscalationStep;
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Rule, Target, rule};
use crate::domain::escalation::{WpbFacing, evaluate};
use crate::domain::klik::{KlikError, KlikValue, PairingParties, SignalSource, authorize_signal};
use crate::domain::pairing::{KlikPairing, klik_pairing};
use crate::domain::roster::{Pairing, PairingId, Person, PersonId, Role};
use crate::store::{Evaluated, NewOutbox, OutboxKind, SignalWrite};

/// Shared reflections shown in an escalation summary.
const SUMMARY_REFLECTION_WEEKS: i64 = 8;

impl<C: Chat, K: Clock> Engine<C, K> {
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

    pub(super) async fn klik(
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
        let write = SignalWrite {
            pairing: pairing_id,
            source,
            value,
            at: now,
            actor: actor.id.clone(),
        };
        let wpb = self.party(&actor, &pairing.wpb, "wpb").await?;
        let student = self.party(&actor, &pairing.student, "student").await?;
        self.record_klik(&write, &pairing, &wpb, &student).await?;
        self.metrics.klik(value);
        let confidential = source == SignalSource::Student;
        let with = if confidential { wpb.name } else { student.name };
        Ok(Reply::KlikSaved {
            with,
            value,
            confidential,
        })
    }

    /// Whom an escalation of `wpb`'s pairing reaches: the school's schoolopleiders, else the
    /// deployment's admin contact (rows to it carry the wpb as recipient of record).
    fn reach(&self, wpb: &Person, schoolopleiders: Vec<Person>) -> Vec<Reach> {
        if schoolopleiders.is_empty() {
            return self
                .config
                .admin_chat
                .iter()
                .map(|a| Reach {
                    tag: "admin".to_string(),
                    to: wpb.id.clone(),
                    address: Some(a.clone()),
                })
                .collect();
        }
        schoolopleiders
            .into_iter()
            .map(|so| Reach {
                tag: so.id.to_string(),
                to: so.id,
                address: None,
            })
            .collect()
    }

    /// A party of the pairing: the sender when it is them, else read.
    async fn party(&self, actor: &Person, id: &PersonId, who: &str) -> Result<Person, EngineError> {
        if &actor.id == id {
            return Ok(actor.clone());
        }
        self.store
            .person(id)
            .await?
            .ok_or_else(|| EngineError::Inconsistent(format!("{who} {id} missing")))
    }

    /// Records the signal with what the escalation rules decide, and the outbox rows that
    /// decision brings, in one transaction. What an escalation tells and whom is read in it
    /// only when the decision opens one or tells the wpb of one: most signals need neither.
    async fn record_klik(
        &self,
        write: &SignalWrite,
        pairing: &Pairing,
        wpb: &Person,
        student: &Person,
    ) -> Result<(), EngineError> {
        let settings = self.settings(wpb);
        let rules = settings.escalation;
        let now = write.at;
        let remind_at = settings
            .calendar
            .add_school_days(now, rules.reminder_school_days);
        let mut pending = self.store.begin_signal(write).await?;
        let mut decision = evaluate(
            &rules,
            pending.recent(),
            pending.in_progress(),
            &pending.wpb_view(),
        );
        let escalation = match decision.escalate.is_some() || decision.wpb == WpbFacing::Notice {
            true => {
                let since = now - Duration::weeks(SUMMARY_REFLECTION_WEEKS);
                let read = pending
                    .escalation_context(&wpb.id, &wpb.school, since)
                    .await?;
                Some(EscalationParts {
                    school: read.school,
                    shared: read
                        .shared
                        .into_iter()
                        .map(|r| SharedReflection {
                            at: r.created_at,
                            text: r.text,
                        })
                        .collect(),
                    reach: self.reach(wpb, read.schoolopleiders),
                })
            }
            false => None,
        };
        let nobody_to_reach = escalation.as_ref().is_some_and(|e| e.reach.is_empty());
        // Someone will reach out only if someone can be reached; the escalation is not marked
        // as told to the wpb then.
        if nobody_to_reach && decision.wpb == WpbFacing::Notice {
            decision.wpb = WpbFacing::Nothing;
        }
        let about = KlikContext {
            wpb,
            student,
            escalation,
        };
        let evaluated = pending
            .finish(decision, |ev| {
                let mut rows = escalation_rows(&about, pairing, ev, now, remind_at);
                rows.extend(wpb_rows(&about, &write.pairing, ev, now));
                rows
            })
            .await?;
        if evaluated.escalation_id.is_some() {
            self.metrics.escalation(EscalationStep::Opened);
        }
        if evaluated.escalation_id.is_some() && nobody_to_reach {
            tracing::error!(school = %wpb.school, "escalation opened but the school has no schoolopleider and the deployment no admin_chat to tell");
        }
        Ok(())
    }
}

/// What a klik signal's effects are written from: both people of the pairing and, when the
/// decision escalates or tells the wpb, what an escalation says and whom it reaches.
struct KlikContext<'a> {
    wpb: &'a Person,
    student: &'a Person,
    escalation: Option<EscalationParts>,
}

/// The school's name, the wpb's shared reflections and who hears of an escalation.
struct EscalationParts {
    school: String,
    shared: Vec<SharedReflection>,
    reach: Vec<Reach>,
}

/// One receiver of an escalation: a schoolopleider, or the admin contact on the wpb's behalf.
struct Reach {
    /// Part of the outbox key: the schoolopleider's id, or `admin`.
    tag: String,
    /// The recipient of record.
    to: PersonId,
    /// The admin contact's address; `None` for a schoolopleider (their own address is used).
    address: Option<String>,
}

/// The summary and its one reminder for each receiver, when this signal opened an escalation.
fn escalation_rows(
    about: &KlikContext,
    pairing: &Pairing,
    ev: &Evaluated,
    now: DateTime<Utc>,
    remind_at: DateTime<Utc>,
) -> Vec<NewOutbox> {
    // An escalation is only decided with its parts read (see `record_klik`).
    let (Some(id), Some(triggers), Some(parts)) =
        (ev.escalation_id, &ev.decision.escalate, &about.escalation)
    else {
        return Vec::new();
    };
    let since = ev
        .recent
        .iter()
        .find(|s| s.value.is_negative())
        .map_or(now, |s| s.at);
    let summary = Message::Escalation(EscalationSummary {
        escalation_id: id,
        school: parts.school.clone(),
        wpb: about.wpb.name.clone(),
        student: about.student.name.clone(),
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
        shared_reflections: parts.shared.clone(),
    });
    let reminder = Message::EscalationReminder {
        escalation_id: id,
        wpb: about.wpb.name.clone(),
        student: about.student.name.clone(),
    };
    let mut rows = Vec::new();
    for r in &parts.reach {
        let routed = |row: NewOutbox| NewOutbox {
            to_address: r.address.clone(),
            ..row
        };
        let (tag, to) = (&r.tag, &r.to);
        rows.extend(
            json_row(
                format!("escalatie:{id}:{tag}"),
                OutboxKind::Escalation,
                to,
                now,
                &summary,
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
    rows
}

/// What the wpb hears of their own signal: a follow-up question, or the notice that someone
/// will reach out. Keys rest on the pairing and the wpb's own signal only (never on ids shared
/// with the student's signals or escalations), so they give nothing away.
fn wpb_rows(
    about: &KlikContext,
    pairing: &PairingId,
    ev: &Evaluated,
    now: DateTime<Utc>,
) -> Option<NewOutbox> {
    let wpb_key = format!("{}:{}", pairing.0, now.timestamp());
    let student = about.student.name.clone();
    match (ev.decision.wpb, ev.wpb_told_of) {
        (WpbFacing::FollowUp, _) => json_row(
            format!("vervolgvraag:{wpb_key}"),
            OutboxKind::FollowUp,
            &about.wpb.id,
            now,
            &Message::KlikFollowUp { student },
            // The pairing: forgetting either side removes it (it names the student).
            Some(pairing.0),
        ),
        (WpbFacing::Notice, Some(id)) => json_row(
            format!("escalatie-wpb:{wpb_key}"),
            OutboxKind::WpbNotice,
            &about.wpb.id,
            now,
            &Message::WpbEscalationNotice { student },
            Some(id),
        ),
        _ => None,
    }
}

/// A student's klik is their confidential check-in; everyone else's is the wpb's tap.
fn klik_action(role: Role) -> Action {
    match role {
        Role::Student => Action::KlikAsStudent,
        _ => Action::KlikAsWpb,
    }
}
