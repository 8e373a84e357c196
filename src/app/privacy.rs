//! Privacy use-cases: a person's export and forget (from chat, for themselves, or from the
//! local command line), and the retention run. Every export and forget is audited.

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Refusal, Reply, Sender, UserError};
use super::ports::{Chat, Clock};
use std::collections::BTreeSet;

use crate::domain::authz::{Action, Actor, Denied, Target, authorize};
use crate::domain::retention::forget_actor;
use crate::domain::roster::{PersonId, Role, Roster, SchoolId};
use crate::store::{
    ACTOR_CLI, ForgetReport, ImportRules, PersonExport, RetentionPolicies, RetentionPolicy,
    RetentionReport, StoreError, person_subject,
};

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Chat: the sender's own export, as a JSON file to attach to the reply.
    pub async fn export_own(&self, from: Sender) -> Handled {
        let person = self.actor_for_own(&from, Action::ExportOwnData).await?;
        let export = self.export_person(person.id.as_str(), &person.id).await?;
        Ok(Reply::Exported {
            file_name: format!("wandelgang-{}.json", person.id),
            json: export.to_json()?,
        })
    }

    /// Chat: the sender asks to be forgotten. Without `confirm` nothing changes and the reply
    /// says what would be deleted and asks to confirm; with it everything personal goes.
    pub async fn forget_self(&self, from: Sender, confirm: bool) -> Handled {
        let person = self.actor_for_own(&from, Action::ForgetSelf).await?;
        let report = self
            .forget_person(person.id.as_str(), &person.id, !confirm)
            .await?;
        Ok(if confirm {
            Reply::Forgotten
        } else {
            Reply::ForgetConfirm {
                reflections: report.reflections,
                // Only their own: the other side's signals are not theirs to count.
                signals: report.own_signals,
                prompts: report.prompts,
            }
        })
    }

    /// Everything stored about `id`, audited with `actor` (a person id, or `admin:cli`).
    pub async fn export_person(&self, actor: &str, id: &PersonId) -> Result<PersonExport, Refusal> {
        let now = self.clock.now();
        let Some(export) = self.store.export_person(id, now).await? else {
            return Err(UserError::PersonNotFound.into());
        };
        self.store
            .audit(
                now,
                actor,
                "export",
                &person_subject(id),
                Some(&export.profile.school),
                None,
            )
            .await?;
        Ok(export)
    }

    /// Deletes everything personal about `id` (or, with `dry_run`, only reports what would go).
    /// The forget is audited in the same transaction, without the person's id.
    pub async fn forget_person(
        &self,
        actor: &str,
        id: &PersonId,
        dry_run: bool,
    ) -> Result<ForgetReport, Refusal> {
        let now = self.clock.now();
        let school = self.store.person(id).await?.map(|p| p.school);
        let report = self
            .store
            .forget_person(id, now, actor, dry_run, self.config.admin_chat.as_deref())
            .await?
            .ok_or(UserError::PersonNotFound)?;
        // The school's unsent digests went with the person: made again without them.
        if let (Some(school), false) = (school, dry_run) {
            self.digest_unseen(&school);
        }
        Ok(report)
    }

    /// Each school's retention settings, from the configuration.
    pub fn retention_policies(&self) -> RetentionPolicies {
        let policy = |s: &crate::config::SchoolSettings| RetentionPolicy {
            months: s.retention_months,
            student_days: s.student_retention_days,
            tz: s.calendar.tz,
        };
        RetentionPolicies {
            default: policy(&self.config.defaults),
            schools: self
                .config
                .schools
                .iter()
                .map(|(id, s)| (id.clone(), policy(s)))
                .collect(),
        }
    }

    /// Deletes what is past each school's retention; a real run is audited.
    pub async fn retention(
        &self,
        actor: &str,
        dry_run: bool,
    ) -> Result<RetentionReport, EngineError> {
        let now = self.clock.now();
        let report = self
            .store
            .retention(now, &self.retention_policies(), dry_run)
            .await?;
        if !dry_run {
            let detail = serde_json::to_string(&report)
                .map_err(|e| EngineError::Inconsistent(e.to_string()))?;
            self.store
                .audit(now, actor, "retention", "retention", None, Some(&detail))
                .await?;
        }
        Ok(report)
    }
}

/// Who asks for an operator use-case: the local command line (the deployment's operator, an
/// admin) or a person in chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operator {
    /// The local command line: the deployment's operator, acting as admin, audited as `admin:cli`.
    Cli,
    /// A person in chat, with the role and school the roster gives them.
    Chat(Sender),
}

impl<C: Chat, K: Clock> Engine<C, K> {
    /// The actor behind `op`, and the name the audit log records for them.
    pub(crate) async fn operator(&self, op: &Operator) -> Result<(Actor, String), Refusal> {
        match op {
            Operator::Cli => Ok((
                Actor {
                    id: PersonId::from_trusted(ACTOR_CLI),
                    role: Role::Admin,
                    school: None,
                    team: None,
                },
                ACTOR_CLI.to_string(),
            )),
            Operator::Chat(from) => match self.sender(from).await? {
                Some(p) => Ok((Actor::from(&p), p.id.to_string())),
                None => Err(UserError::UnknownSender.into()),
            },
        }
    }

    /// The table's answer for `actor`: the whole deployment for an admin, else their school.
    fn permit_scope(&self, actor: &Actor, action: Action) -> Result<(), UserError> {
        let scope = match &actor.school {
            Some(school) => Target::School(school.clone()),
            None => Target::Deployment,
        };
        authorize(actor, action, &scope).map_err(UserError::Denied)
    }

    /// A person as a target, with the school the store has; the role is checked first so
    /// nobody probes who exists.
    async fn person_target(
        &self,
        actor: &Actor,
        action: Action,
        id: &PersonId,
    ) -> Result<(), Refusal> {
        if let Some(school) = &actor.school {
            let own = Target::Person {
                id: id.clone(),
                school: school.clone(),
            };
            authorize(actor, action, &own)?;
        }
        let Some(person) = self.store.person(id).await? else {
            return Err(UserError::PersonNotFound.into());
        };
        let stored = Target::Person {
            id: person.id,
            school: person.school,
        };
        Ok(authorize(actor, action, &stored)?)
    }

    /// Imports a roster: an admin any, a schoolopleider only their own school's (every
    /// school, team, person and pairing in it must belong to it, also as stored, and it holds
    /// no admin). Refused when a pairing overlaps a stored one or a school it writes to would
    /// have no schoolopleider. All or nothing; audited.
    pub async fn import_roster_as(&self, op: &Operator, roster: &Roster) -> Handled {
        let (actor, name) = self.operator(op).await?;
        self.permit_scope(&actor, Action::ImportRoster)?;
        let mut schools: BTreeSet<SchoolId> = roster.schools.iter().map(|s| s.id.clone()).collect();
        schools.extend(roster.teams.iter().map(|t| t.school.clone()));
        schools.extend(roster.people.iter().map(|p| p.school.clone()));
        for p in &roster.pairings {
            for id in [&p.wpb, &p.student] {
                if roster.people.iter().any(|x| &x.id == id) {
                    continue;
                }
                match self.store.person(id).await? {
                    Some(stored) => {
                        schools.insert(stored.school);
                    }
                    None => return Err(UserError::PersonNotFound.into()),
                }
            }
        }
        // Ids already stored elsewhere would be moved into this roster's school.
        for p in &roster.people {
            if let Some(stored) = self.store.person(&p.id).await? {
                schools.insert(stored.school);
            }
        }
        for t in &roster.teams {
            if let Some(stored) = self.store.team(&t.id).await? {
                schools.insert(stored.school);
            }
        }
        // Only the deployment's admin may make someone an admin.
        if actor.role != Role::Admin && roster.people.iter().any(|p| p.role == Role::Admin) {
            return Err(UserError::Denied(Denied::NotForRole {
                meant_for: Some(Role::Admin),
            })
            .into());
        }
        for school in &schools {
            authorize(
                &actor,
                Action::ImportRoster,
                &Target::School(school.clone()),
            )?;
        }
        let rules = ImportRules {
            schoolopleider_required: true,
        };
        let summary = match self.store.import_roster_with(roster, rules).await {
            Ok(s) => s,
            Err(StoreError::Refused(conflicts)) => {
                return Err(UserError::RosterRefused(conflicts).into());
            }
            Err(e) => return Err(e.into()),
        };
        self.intervisie_calls_changed();
        let scope = actor.school.as_ref().map(|s| s.as_str().to_string());
        self.store
            .audit(
                self.clock.now(),
                &name,
                "import",
                "roster",
                scope.as_deref(),
                None,
            )
            .await?;
        Ok(Reply::RosterImported(summary))
    }

    /// Someone's export for whoever may ask for it. Asked by someone else, a wpb's
    /// reflections they did not share stay out; their own export keeps everything.
    pub async fn export_person_as(&self, op: &Operator, id: &PersonId) -> Handled {
        let (actor, name) = self.operator(op).await?;
        let action = if &actor.id == id {
            Action::ExportOwnData
        } else {
            Action::ExportPersonData
        };
        self.person_target(&actor, action, id).await?;
        let mut export = self.export_person(&name, id).await?;
        if &actor.id != id
            && let Some(reflections) = export.reflections.as_mut()
        {
            reflections.retain(|r| r.shared);
        }
        Ok(Reply::PersonExported {
            file_name: format!("wandelgang-{id}.json"),
            json: export.to_json()?,
        })
    }

    /// Forgets a person (or, with `dry_run`, reports what would go), for whoever may.
    pub async fn forget_person_as(&self, op: &Operator, id: &PersonId, dry_run: bool) -> Handled {
        let (actor, name) = self.operator(op).await?;
        let action = if &actor.id == id {
            Action::ForgetSelf
        } else {
            Action::ForgetPerson
        };
        self.person_target(&actor, action, id).await?;
        let actor_name = forget_actor(&name, id);
        let report = self.forget_person(actor_name, id, dry_run).await?;
        Ok(Reply::PersonForgotten(report))
    }

    /// A retention run for whoever may start one (the deployment's admin).
    pub async fn retention_as(&self, op: &Operator, dry_run: bool) -> Handled {
        let (actor, name) = self.operator(op).await?;
        authorize(&actor, Action::RunRetention, &Target::Deployment)?;
        Ok(Reply::RetentionDone(self.retention(&name, dry_run).await?))
    }

    /// The audit log: all of it for an admin, a schoolopleider's own school's entries.
    pub async fn audit_log_as(&self, op: &Operator) -> Handled {
        let (actor, _) = self.operator(op).await?;
        self.permit_scope(&actor, Action::ViewAuditLog)?;
        let mut entries = self.store.audit_entries().await?;
        if let Some(school) = &actor.school {
            entries.retain(|e| e.school.as_deref() == Some(school.as_str()));
        }
        Ok(Reply::AuditLog(entries))
    }
}
