//! Intervisie threads through the engine: the open thread of the sender's team takes posts,
//! the case owner's moves and takeaway; the tick moves due threads on. Every action passes the
//! authorization gate with a target built from the stored thread; the domain decides the rest.
//! What the thread says goes through the outbox: team messages (`channel_team`) and DMs.

use chrono::{DateTime, Utc};

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Refusal, Reply, Sender, UserError, json_row};
use super::messages::Message;
use super::ports::{Chat, Clock};
use crate::domain::authz::{Action, Denied, Target};
use crate::domain::intervisie::{
    CloseReason, Effect, Event, FORGOTTEN, IntervisieSettings, Phase, RefuseReason, Thread,
};
use crate::domain::roster::{Person, PersonId, Team};
use crate::store::{NewOutbox, OutboxKind};

/// Attempts at saving a thread another writer changed in between.
const SAVE_TRIES: usize = 5;

impl<C: Chat, K: Clock> Engine<C, K> {
    /// The intervisie settings of the thread's school (`[schools.<id>.intervisie]` over
    /// `[defaults.intervisie]`).
    fn intervisie_settings(&self, team: &Team) -> IntervisieSettings {
        self.config.school(team.school.as_str()).intervisie
    }

    /// The sender and their team; a refusal when they have none (or intervisie is not for them).
    async fn intervisie_sender(
        &self,
        from: &Sender,
        action: Action,
    ) -> Result<(Person, Team), Refusal> {
        let Some(person) = self.sender(from).await? else {
            return Err(UserError::UnknownSender.into());
        };
        let team = match &person.team {
            Some(t) => self.store.team(t).await?,
            None => None,
        };
        let Some(team) = team else {
            // The table answers roles without intervisie; a wpb without a team hears it is for a team.
            let refusal = match self.permit(&person, action, &Target::Deployment) {
                Err(UserError::Denied(Denied::WrongTarget)) | Ok(()) => {
                    UserError::Denied(Denied::NotInTeam)
                }
                Err(e) => e,
            };
            return Err(refusal.into());
        };
        Ok((person, team))
    }

    pub(crate) async fn intervisie_start(
        &self,
        from: Sender,
        case: &str,
        reflection_id: Option<i64>,
    ) -> Handled {
        let (owner, team) = self
            .intervisie_sender(&from, Action::IntervisieStart)
            .await?;
        let target = Target::Thread {
            team: team.id.clone(),
            school: team.school.clone(),
            case_owner: owner.id.clone(),
        };
        self.permit(&owner, Action::IntervisieStart, &target)?;
        let case = match reflection_id {
            Some(rid) => {
                let own = self
                    .store
                    .reflections_of(&owner.id, false, DateTime::UNIX_EPOCH)
                    .await?
                    .into_iter()
                    .find(|r| r.id == rid);
                match own {
                    Some(r) => r.text,
                    None => return Err(UserError::ReflectionNotFound.into()),
                }
            }
            None => case.trim().to_string(),
        };
        if case.trim().is_empty() {
            return Err(UserError::Intervisie(RefuseReason::EmptyText).into());
        }
        let now = self.clock.now();
        let settings = self.intervisie_settings(&team);
        let calendar = &self.config.school(team.school.as_str()).calendar;
        let opened = self
            .store
            .open_thread(&team.id, &owner.id, now, |id| {
                let (thread, effects) = Thread::open(
                    id,
                    team.id.clone(),
                    owner.id.clone(),
                    &case,
                    now,
                    &settings,
                    &|t, n| calendar.add_school_days(t, n),
                );
                let rows = effect_rows(&thread, &owner.name, Some(&owner.id), &effects, now);
                (to_json(&thread), thread.phase_due, rows)
            })
            .await?;
        match opened {
            Some(thread) => Ok(Reply::IntervisieStarted { thread }),
            None => Err(UserError::IntervisieAlreadyOpen.into()),
        }
    }

    /// A post, a move or a takeaway in the open thread of the sender's team.
    pub(crate) async fn intervisie_event(
        &self,
        from: Sender,
        action: Action,
        text: Option<String>,
    ) -> Handled {
        let (person, team) = self.intervisie_sender(&from, action).await?;
        for _ in 0..SAVE_TRIES {
            let Some(id) = self.store.open_thread_of_team(&team.id).await? else {
                // Roles without intervisie hear so before they hear there is no thread.
                let target = Target::Thread {
                    team: team.id.clone(),
                    school: team.school.clone(),
                    case_owner: person.id.clone(),
                };
                return Err(self
                    .permit(&person, action, &target)
                    .err()
                    .unwrap_or(UserError::NoOpenIntervisie)
                    .into());
            };
            let Some((mut thread, version)) = self.load_thread(id).await? else {
                continue;
            };
            let thread_team = if thread.team == team.id {
                team.clone()
            } else {
                self.store.team(&thread.team).await?.ok_or_else(|| {
                    EngineError::Inconsistent(format!("team {} missing", thread.team))
                })?
            };
            let target = Target::Thread {
                team: thread.team.clone(),
                school: thread_team.school.clone(),
                case_owner: thread.case_owner.clone(),
            };
            self.permit(&person, action, &target)?;
            let now = self.clock.now();
            let text = text.clone().unwrap_or_default();
            let (event, reply) = thread_event(action, &person, &thread, text, now);
            let settings = self.intervisie_settings(&thread_team);
            let calendar = &self.config.school(thread_team.school.as_str()).calendar;
            let effects = thread.apply(event, &settings, &|t, n| calendar.add_school_days(t, n));
            if let Some(reason) = effects.iter().find_map(|e| match e {
                Effect::Refused { reason, .. } => Some(*reason),
                _ => None,
            }) {
                return Err(UserError::Intervisie(reason).into());
            }
            let owner = self.store.person(&thread.case_owner).await?;
            let (owner_name, recipient) = self.team_voice(&thread, owner).await?;
            let rows = effect_rows(&thread, &owner_name, recipient.as_ref(), &effects, now);
            if self.save(&thread, version, &rows).await? {
                return Ok(reply);
            }
        }
        Err(
            EngineError::Inconsistent("intervisie: the thread kept changing while saving".into())
                .into(),
        )
    }

    /// Moves due threads on: the case owner's leaving first, then the passing of time.
    pub(crate) async fn advance_threads(&self, now: DateTime<Utc>) -> Result<usize, EngineError> {
        let mut moved = 0;
        for id in self.store.due_threads(now, self.batch).await? {
            // One unreadable thread must not stop the tick for everything else.
            let (mut thread, version) = match self.load_thread(id).await {
                Ok(Some(t)) => t,
                Ok(None) => continue,
                Err(EngineError::Inconsistent(why)) => {
                    tracing::error!(thread = id, %why, "intervisie thread skipped");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let Some(team) = self.store.team(&thread.team).await? else {
                continue;
            };
            let settings = self.intervisie_settings(&team);
            let calendar = &self.config.school(team.school.as_str()).calendar;
            let add = |t, n| calendar.add_school_days(t, n);
            let owner = self.store.person(&thread.case_owner).await?;
            let mut effects = Vec::new();
            if owner.as_ref().and_then(|p| p.team.as_ref()) != Some(&thread.team) {
                effects.extend(thread.apply(Event::OwnerLeftTeam { at: now }, &settings, &add));
            }
            effects.extend(thread.apply(Event::Tick { now }, &settings, &add));
            let (owner_name, recipient) = self.team_voice(&thread, owner).await?;
            let rows = effect_rows(&thread, &owner_name, recipient.as_ref(), &effects, now);
            // Another process that saved first has done this step already.
            if self.save(&thread, version, &rows).await? {
                moved += 1;
            }
        }
        Ok(moved)
    }

    async fn load_thread(&self, id: i64) -> Result<Option<(Thread, i64)>, EngineError> {
        let Some((json, version)) = self.store.thread(id).await? else {
            return Ok(None);
        };
        let thread: Thread = serde_json::from_str(&json)
            .map_err(|e| EngineError::Inconsistent(format!("intervisie {id}: {e}")))?;
        Ok(Some((thread, version)))
    }

    /// How the thread's team messages name the case owner, and their recipient of record:
    /// the owner, or once they are gone (forgotten) the team's first wpb, so the team still
    /// hears the thread close; None when the team has no wpb left.
    async fn team_voice(
        &self,
        thread: &Thread,
        owner: Option<Person>,
    ) -> Result<(String, Option<PersonId>), EngineError> {
        Ok(match owner {
            Some(p) => (p.name, Some(p.id)),
            None => (
                FORGOTTEN.to_string(),
                self.store.first_wpb_of_team(&thread.team).await?,
            ),
        })
    }

    async fn save(
        &self,
        thread: &Thread,
        version: i64,
        rows: &[NewOutbox],
    ) -> Result<bool, EngineError> {
        Ok(self
            .store
            .save_thread(
                thread.id,
                version,
                &to_json(thread),
                thread.phase_due,
                thread.is_closed(),
                rows,
            )
            .await?)
    }
}

fn to_json(thread: &Thread) -> String {
    // Plain data always serialises.
    serde_json::to_string(thread).unwrap_or_else(|e| {
        tracing::error!(thread = thread.id, %e, "intervisie thread could not be serialised");
        String::from("{}")
    })
}

/// The thread event an action of `person` is, and the reply it earns once saved.
fn thread_event(
    action: Action,
    person: &Person,
    thread: &Thread,
    text: String,
    now: DateTime<Utc>,
) -> (Event, Reply) {
    match action {
        Action::IntervisiePost => (
            Event::Post {
                author: person.id.clone(),
                text,
                at: now,
                author_in_team: person.team.as_ref() == Some(&thread.team),
            },
            Reply::IntervisiePosted,
        ),
        Action::IntervisieAdvance => (
            Event::Advance {
                by: person.id.clone(),
                at: now,
            },
            Reply::IntervisieAdvanced {
                phase: thread.phase.next().unwrap_or(Phase::Afgesloten),
            },
        ),
        _ => (
            Event::Takeaway {
                by: person.id.clone(),
                text,
                at: now,
            },
            Reply::IntervisieTakeawaySaved,
        ),
    }
}

/// The outbox rows for a thread's effects (after they were applied). Team messages go to the
/// team channel with `team_recipient` (normally the case owner) as recipient of record, and
/// are dropped without one; hints and pointers are DMs to the poster. Nothing is addressed
/// to a forgotten person.
fn effect_rows(
    thread: &Thread,
    owner_name: &str,
    team_recipient: Option<&PersonId>,
    effects: &[Effect],
    now: DateTime<Utc>,
) -> Vec<NewOutbox> {
    let id = thread.id;
    let post = thread.posts.len().saturating_sub(1);
    let team_row = |key: String, body: &Message| {
        json_row(
            key,
            OutboxKind::Intervisie,
            team_recipient?,
            now,
            body,
            Some(id),
        )
        .map(|r| NewOutbox {
            channel_team: Some(thread.team.to_string()),
            ..r
        })
    };
    effects
        .iter()
        .filter_map(|effect| effect_row(thread, owner_name, effect, post, now, &team_row))
        .filter(|r| r.recipient.as_str() != FORGOTTEN)
        .collect()
}

/// The one outbox row an effect brings, if any: to the team channel (`team_row`) or a person.
fn effect_row(
    thread: &Thread,
    owner_name: &str,
    effect: &Effect,
    post: usize,
    now: DateTime<Utc>,
    team_row: &dyn Fn(String, &Message) -> Option<NewOutbox>,
) -> Option<NewOutbox> {
    let id = thread.id;
    match effect {
        Effect::AnnouncePhase { phase, due } => team_row(
            format!("intervisie:{id}:fase:{}", phase.as_str()),
            &Message::IntervisiePhase {
                thread: id,
                phase: *phase,
                due: *due,
                case: (*phase == Phase::Inbreng).then(|| thread.case.clone()),
                owner: owner_name.to_string(),
            },
        ),
        Effect::Remind { phase, to } => {
            let key = format!("intervisie:{id}:herinnering:{}", phase.as_str());
            let body = Message::IntervisieReminder {
                thread: id,
                phase: *phase,
                to_owner: to.is_some(),
            };
            match to {
                None => team_row(key, &body),
                Some(p) => json_row(key, OutboxKind::Intervisie, p, now, &body, Some(id)),
            }
        }
        Effect::QuestionHint {
            to,
            suggestion,
            language,
        } => json_row(
            format!("intervisie:{id}:hint:{post}"),
            OutboxKind::Intervisie,
            to,
            now,
            &Message::IntervisieHint {
                thread: id,
                suggestion: suggestion.clone(),
                language: Some(*language),
            },
            Some(id),
        ),
        Effect::OffPhasePointer { to, phase } => json_row(
            format!("intervisie:{id}:wijzer:{post}"),
            OutboxKind::Intervisie,
            to,
            now,
            &Message::IntervisiePointer {
                thread: id,
                phase: *phase,
            },
            Some(id),
        ),
        Effect::Closed(summary) => team_row(
            format!("intervisie:{id}:slot"),
            &Message::IntervisieClosed {
                thread: id,
                participants: summary.participants,
                posts: summary.posts,
                takeaway: summary.takeaway.clone(),
                owner_left: summary.reason == CloseReason::OwnerLeft,
            },
        ),
        Effect::Refused { .. } => None,
    }
}
