//! Privacy use-cases: a person's export and forget (from chat, for themselves, or from the
//! local command line), and the retention run. Every export and forget is audited.

use super::engine::{Engine, EngineError};
use super::inbox::{Handled, Reply, Sender, UserError};
use super::ports::{Chat, Clock};
use crate::domain::authz::Action;
use crate::domain::roster::PersonId;
use crate::store::{
    ForgetReport, PersonExport, RetentionPolicies, RetentionPolicy, RetentionReport, person_subject,
};

impl<C: Chat, K: Clock> Engine<C, K> {
    /// Chat: the sender's own export, as a JSON file to attach to the reply.
    pub async fn export_own(&self, from: Sender) -> Handled {
        let person = match self.actor_for_own(&from, Action::ExportOwnData).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let export = match self.export_person(person.id.as_str(), &person.id).await? {
            Ok(e) => e,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(Reply::Exported {
            file_name: format!("wandelgang-{}.json", person.id),
            json: export.to_json()?,
        }))
    }

    /// Chat: the sender asks to be forgotten. Without `confirm` nothing changes and the reply
    /// says what would be deleted and asks to confirm; with it everything personal goes.
    pub async fn forget_self(&self, from: Sender, confirm: bool) -> Handled {
        let person = match self.actor_for_own(&from, Action::ForgetSelf).await? {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let report = match self
            .forget_person(person.id.as_str(), &person.id, !confirm)
            .await?
        {
            Ok(r) => r,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(if confirm {
            Reply::Forgotten
        } else {
            Reply::ForgetConfirm {
                reflections: report.reflections,
                // Only their own: the other side's signals are not theirs to count.
                signals: report.own_signals,
                prompts: report.prompts,
            }
        }))
    }

    /// Everything stored about `id`, audited with `actor` (a person id, or `admin:cli`).
    pub async fn export_person(
        &self,
        actor: &str,
        id: &PersonId,
    ) -> Result<Result<PersonExport, UserError>, EngineError> {
        let now = self.clock.now();
        let Some(export) = self.store.export_person(id, now).await? else {
            return Ok(Err(UserError::PersonNotFound));
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
        Ok(Ok(export))
    }

    /// Deletes everything personal about `id` (or, with `dry_run`, only reports what would go).
    /// The forget is audited in the same transaction, without the person's id.
    pub async fn forget_person(
        &self,
        actor: &str,
        id: &PersonId,
        dry_run: bool,
    ) -> Result<Result<ForgetReport, UserError>, EngineError> {
        let now = self.clock.now();
        Ok(self
            .store
            .forget_person(id, now, actor, dry_run)
            .await?
            .ok_or(UserError::PersonNotFound))
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
