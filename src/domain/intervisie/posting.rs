//! The posting rules of a thread: what a post counts as in each phase (with a hint for a
//! closed question and a pointer outside the phase's purpose), and which actions only the
//! case owner may take.

use chrono::{DateTime, Utc};

use super::questions::{hint, is_question};
use super::{
    AddSchoolDays, Effect, IntervisieSettings, Phase, Post, PostKind, RefuseReason, Thread,
};
use crate::domain::roster::PersonId;

impl Thread {
    /// The case owner moves the thread on now; anyone else is refused.
    pub(super) fn advance_by(
        &mut self,
        by: PersonId,
        at: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        if let Some(reason) = self.owner_action_refused(&by) {
            return vec![Effect::Refused { to: by, reason }];
        }
        self.advance(at, settings, add_days)
    }

    /// The case owner's takeaway replaces an earlier one; only in Opbrengst, never empty.
    pub(super) fn write_takeaway(
        &mut self,
        by: PersonId,
        text: String,
        at: DateTime<Utc>,
    ) -> Vec<Effect> {
        if let Some(reason) = self.owner_action_refused(&by) {
            return vec![Effect::Refused { to: by, reason }];
        }
        let reason = if self.phase != Phase::Opbrengst {
            RefuseReason::NotTakeawayPhase
        } else if text.trim().is_empty() {
            RefuseReason::EmptyText
        } else {
            self.takeaway = Some(text.trim().to_string());
            self.record(by, text, at, PostKind::Takeaway);
            return Vec::new();
        };
        vec![Effect::Refused { to: by, reason }]
    }

    /// Why `by` may not act as the case owner, if not: the thread closed, or they are not
    /// (or no longer, once forgotten) its owner.
    fn owner_action_refused(&self, by: &PersonId) -> Option<RefuseReason> {
        if self.is_closed() {
            Some(RefuseReason::Closed)
        } else if *by != self.case_owner || self.owner_forgotten() {
            Some(RefuseReason::NotCaseOwner)
        } else {
            None
        }
    }

    /// A post by a team member is always recorded; what it counts as depends on the phase
    /// and on whether the case owner wrote it. Closed threads, outsiders and empty posts
    /// (nothing to read, yet counted as a contribution) are refused.
    pub(super) fn post(
        &mut self,
        author: PersonId,
        text: String,
        at: DateTime<Utc>,
        author_in_team: bool,
    ) -> Vec<Effect> {
        let refuse = if self.is_closed() {
            Some(RefuseReason::Closed)
        } else if !author_in_team {
            Some(RefuseReason::NotInTeam)
        } else if text.trim().is_empty() {
            Some(RefuseReason::EmptyText)
        } else {
            None
        };
        if let Some(reason) = refuse {
            return vec![Effect::Refused { to: author, reason }];
        }
        let owner = author == self.case_owner;
        let mut effects = Vec::new();
        let kind = match (self.phase, owner) {
            (Phase::Inbreng, true) => PostKind::Case,
            (Phase::Vragen | Phase::Ervaringen, true) => PostKind::Answer,
            (Phase::Opbrengst, true) => {
                let piece = text.trim();
                self.takeaway = match self.takeaway.take() {
                    Some(before) if !piece.is_empty() => Some(format!("{before}\n{piece}")),
                    None if !piece.is_empty() => Some(piece.to_string()),
                    kept => kept,
                };
                PostKind::Takeaway
            }
            (Phase::Vragen, false) if is_question(&text) => match hint(&text) {
                Some((suggestion, language)) => {
                    effects.push(Effect::QuestionHint {
                        to: author.clone(),
                        suggestion: suggestion.to_string(),
                        language,
                    });
                    PostKind::HintedQuestion
                }
                None => PostKind::Question,
            },
            (Phase::Ervaringen, false) => PostKind::Experience,
            (phase, _) => {
                effects.push(Effect::OffPhasePointer {
                    to: author.clone(),
                    phase,
                });
                PostKind::OffPhase
            }
        };
        self.record(author, text, at, kind);
        effects
    }

    /// Records a post in the current phase.
    fn record(&mut self, author: PersonId, text: String, at: DateTime<Utc>, kind: PostKind) {
        self.posts.push(Post {
            author,
            phase: self.phase,
            at,
            kind,
            text,
        });
    }
}
