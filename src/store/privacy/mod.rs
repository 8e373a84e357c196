//! Privacy in the store: what is kept about a person ([`export`]), deleting it ([`forget`]),
//! the retention run ([`retention`]) and the audit trail ([`audit`]). What goes, what stays
//! as counts and where the retention boundaries lie is decided in [`crate::domain::retention`];
//! this module runs the statements.
//!
//! - **Forget** deletes, in one transaction: the person's reflections, pauses and every outbox
//!   row addressed to them; every pairing they are part of with all of that pairing's klik
//!   signals and escalations; the outbox rows that carry those escalations (summaries, reminders,
//!   wpb notices, whatever their status), the follow-up questions about those signals and the
//!   "cannot reach" notices about the person, so their name and texts disappear from everything
//!   still to be sent; then the person row. Intervisie threads stay for the colleagues in
//!   them: the person's case, takeaway and posts become placeholders (`(verwijderd)`, no
//!   author, no text; see `Thread::forget`), everyone else's posts stay theirs. A thread they
//!   brought in loses its owner (`case_owner` becomes `(verwijderd)`) and, when still open,
//!   is due at once, so the next tick closes it as "the case owner left the team"; its team
//!   messages were addressed to them and go with their outbox rows. A schoolopleider's id is
//!   cleared from the escalations they acknowledged or closed.
//! - **Audit rows** whose subject is the person (`person:<id>`) or one of the deleted
//!   escalations are removed; rows in which they were the actor keep their action and subject
//!   but the actor becomes `verwijderd`. The forget itself is recorded with the subject
//!   `forgotten:<forgotten_counts id>`, never the person's id. Audit details never hold names.
//!   Refused actions (`refused:<action>`, written by `app::refusals`) are rows they acted in.
//! - **Counts** of what was removed go to `forgotten_counts` (school, role, reason, numbers).

mod audit;
mod export;
mod forget;
mod retention;

pub use crate::domain::retention::{
    ACTOR_FORGOTTEN, ACTOR_SELF, ForgetReport, RetentionPolicies, RetentionPolicy, RetentionReport,
};
pub(crate) use audit::audit_in;
pub use audit::{
    ACTOR_BOT, ACTOR_CLI, ACTOR_UNKNOWN, AuditEntry, escalation_subject, person_subject,
};
pub use export::{
    EscalationExport, PauseExport, PersonExport, PersonRef, ProfileExport, PromptExport,
    ReflectionExport, SignalExport,
};

use super::{StoreError, StoreResult};
use crate::domain::intervisie::Thread;

/// A write transaction on the store's pool.
type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

fn parse_thread(id: i64, json: &str) -> StoreResult<Thread> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("intervisie {id}: {e}")))
}
