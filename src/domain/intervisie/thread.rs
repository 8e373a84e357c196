//! One intervisie thread and its life: opening, ticking towards reminders and the next
//! phase, closing with a summary, and forgetting a person. What posts count as and who may
//! act is in `posting`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    AddSchoolDays, CloseReason, Effect, Event, FORGOTTEN, IntervisieSettings, Phase, Post, Summary,
    forgotten_id,
};
use crate::domain::roster::{PersonId, TeamId};

/// One intervisie thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// The store's id for the thread.
    pub id: i64,
    /// The team whose channel it runs in.
    pub team: TeamId,
    /// [`FORGOTTEN`] once the case owner has been forgotten.
    pub case_owner: PersonId,
    /// The case as brought in ([`FORGOTTEN`] once its owner has been forgotten).
    pub case: String,
    /// The current phase.
    pub phase: Phase,
    /// When the current phase began.
    pub phase_started: DateTime<Utc>,
    /// When the current phase is due: a reminder or the next phase follows.
    pub phase_due: DateTime<Utc>,
    /// The one reminder of this phase has been sent.
    pub reminded: bool,
    /// Every post, in order.
    pub posts: Vec<Post>,
    /// What the case owner takes away, once written.
    pub takeaway: Option<String>,
    /// Why the thread closed; `None` while it is open.
    pub closed_reason: Option<CloseReason>,
}

impl Thread {
    /// Starts a thread in Inbreng. The case text may come from one of the owner's reflections.
    pub fn open(
        id: i64,
        team: TeamId,
        case_owner: PersonId,
        case_text: &str,
        now: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> (Thread, Vec<Effect>) {
        let due = add_days(now, settings.days_for(Phase::Inbreng));
        let thread = Thread {
            id,
            team,
            case_owner,
            case: case_text.trim().to_string(),
            phase: Phase::Inbreng,
            phase_started: now,
            phase_due: due,
            reminded: false,
            posts: Vec::new(),
            takeaway: None,
            closed_reason: None,
        };
        let effects = vec![Effect::AnnouncePhase {
            phase: Phase::Inbreng,
            due,
        }];
        (thread, effects)
    }

    /// Whether the thread has reached [`Phase::Afgesloten`].
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Afgesloten
    }

    /// The summary as it stands: participants, posts, takeaway and why it closed.
    pub fn summary(&self) -> Summary {
        let mut authors: Vec<&PersonId> = self.posts.iter().map(|p| &p.author).collect();
        authors.push(&self.case_owner);
        authors.sort();
        authors.dedup();
        Summary {
            participants: authors.len(),
            posts: self.posts.len(),
            takeaway: self.takeaway.clone(),
            reason: self.closed_reason.unwrap_or(CloseReason::Completed),
        }
    }

    /// Applies one event and returns what the app should render and send.
    pub fn apply(
        &mut self,
        event: Event,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        match event {
            Event::Post {
                author,
                text,
                at,
                author_in_team,
            } => self.post(author, text, at, author_in_team),
            Event::Advance { by, at } => self.advance_by(by, at, settings, add_days),
            Event::Takeaway { by, text, at } => self.write_takeaway(by, text, at),
            Event::Tick { now } => self.tick(now, settings, add_days),
            Event::OwnerLeftTeam { at } => {
                if self.is_closed() {
                    return Vec::new();
                }
                vec![self.close(CloseReason::OwnerLeft, at)]
            }
        }
    }

    /// A due phase first gets one reminder if it still waits for someone, then moves on.
    fn tick(
        &mut self,
        now: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        if self.is_closed() || now < self.phase_due {
            return Vec::new();
        }
        if !self.reminded {
            let to = match self.phase {
                Phase::Vragen | Phase::Ervaringen if !self.others_posted_in_phase() => Some(None),
                Phase::Opbrengst if self.takeaway.is_none() => Some(Some(self.case_owner.clone())),
                _ => None,
            };
            if let Some(to) = to {
                self.reminded = true;
                self.phase_due = add_days(now, 1);
                return vec![Effect::Remind {
                    phase: self.phase,
                    to,
                }];
            }
        }
        self.advance(now, settings, add_days)
    }

    /// Whether anyone but the case owner posted in the current phase.
    fn others_posted_in_phase(&self) -> bool {
        self.posts
            .iter()
            .any(|p| p.phase == self.phase && p.author != self.case_owner)
    }

    /// Moves to the next phase, or closes the thread after Opbrengst.
    pub(super) fn advance(
        &mut self,
        at: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        match self.phase.next() {
            None | Some(Phase::Afgesloten) => vec![self.close(CloseReason::Completed, at)],
            Some(next) => {
                let due = add_days(at, settings.days_for(next));
                self.phase = next;
                self.phase_started = at;
                self.phase_due = due;
                self.reminded = false;
                vec![Effect::AnnouncePhase { phase: next, due }]
            }
        }
    }

    /// Whether the person who brought in the case has been forgotten.
    pub fn owner_forgotten(&self) -> bool {
        self.case_owner.as_str() == FORGOTTEN
    }

    /// Takes a forgotten person out of the thread and keeps its structure: their posts stay
    /// as placeholders without author or text, everyone else's posts stay theirs. If they
    /// brought in the case, the case and takeaway go too and an open thread becomes due at
    /// `at`, so the next tick closes it as if its owner left the team (without naming them).
    /// Returns whether anything changed.
    pub fn forget(&mut self, who: &PersonId, at: DateTime<Utc>) -> bool {
        let mut changed = false;
        for post in self.posts.iter_mut().filter(|p| p.author == *who) {
            post.author = forgotten_id();
            post.text = FORGOTTEN.to_string();
            changed = true;
        }
        if self.case_owner == *who {
            self.case_owner = forgotten_id();
            self.case = FORGOTTEN.to_string();
            self.takeaway = None;
            if !self.is_closed() {
                self.phase_due = at;
            }
            changed = true;
        }
        changed
    }

    /// Closes the thread now and gives its summary.
    fn close(&mut self, reason: CloseReason, at: DateTime<Utc>) -> Effect {
        self.phase = Phase::Afgesloten;
        self.phase_started = at;
        self.phase_due = at;
        self.reminded = false;
        self.closed_reason = Some(reason);
        Effect::Closed(self.summary())
    }
}
