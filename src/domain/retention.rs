//! How long personal data is kept, and what stays of it once it goes: the boundaries of a
//! retention run, the counts kept after a forget or a retention run, and who a forget is
//! recorded as. The store executes what is decided here.
//!
//! - A row whose time is exactly `now - months` (calendar months, UTC) is kept; one second
//!   older goes.
//! - A student's data is kept through the `student_days`-th day after the last day of their
//!   last placement (in the school's time zone) and goes the day after. A student without
//!   any pairing is kept.
//! - Of what goes, only numbers stay ([`KeptCounts`]): people, reflections, klik signals,
//!   prompts, escalations and pairings, per school, role and reason. No names, no texts.

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

use super::roster::PersonId;

/// What an actor becomes in the audit trail once that person has been forgotten.
pub const ACTOR_FORGOTTEN: &str = "verwijderd";
/// The actor of a forget a person asked for themselves (their id must not stay behind).
pub const ACTOR_SELF: &str = "zelf";
/// The role recorded with the counts of a retention run, which covers every role.
pub const ALL_ROLES: &str = "*";

/// How many months a school may keep its rows: at least one, at most ten years.
pub const RETENTION_MONTHS: std::ops::RangeInclusive<i64> = 1..=120;

/// How many days after the last placement a student's data may stay: a day to a year.
pub const STUDENT_RETENTION_DAYS: std::ops::RangeInclusive<i64> = 1..=365;

/// Per school: how long data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Rows older than this many calendar months go.
    pub months: u32,
    /// A student's data goes this many days after their last placement ended.
    pub student_days: u32,
    /// The zone in which "the day after the placement ended" is counted.
    pub tz: Tz,
}

/// The retention policy of every school, with a default for schools not named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionPolicies {
    /// For schools without their own policy, and for audit rows of no known school.
    pub default: RetentionPolicy,
    /// Per school id.
    pub schools: BTreeMap<String, RetentionPolicy>,
}

impl RetentionPolicies {
    /// The policy of `school`, else the default.
    pub fn for_school(&self, school: &str) -> RetentionPolicy {
        self.schools.get(school).copied().unwrap_or(self.default)
    }
}

/// Where one school's retention run draws its lines at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Boundaries {
    /// The oldest moment still kept: rows from before it go.
    pub keep_since: DateTime<Utc>,
    /// A student goes when the last day of their last placement lies before this day.
    pub student_end_before: NaiveDate,
}

impl RetentionPolicy {
    /// The boundaries of a run at `now`.
    pub fn boundaries(&self, now: DateTime<Utc>) -> Boundaries {
        let today = now.with_timezone(&self.tz).date_naive();
        Boundaries {
            keep_since: keep_since(now, self.months),
            // Kept through end + N days: gone once the last end day lies before today - N.
            student_end_before: today
                .checked_sub_days(Days::new(u64::from(self.student_days)))
                .unwrap_or(NaiveDate::MIN),
        }
    }
}

impl Boundaries {
    /// Whether a row from `at` goes.
    pub fn row_goes(&self, at: DateTime<Utc>) -> bool {
        at < self.keep_since
    }

    /// Whether a student whose last placement ended on `last_end` goes (None: no pairing).
    pub fn student_goes(&self, last_end: Option<NaiveDate>) -> bool {
        last_end.is_some_and(|end| end < self.student_end_before)
    }
}

/// The oldest moment still kept: `now` minus whole calendar months (a month without that
/// day ends on its last day).
pub fn keep_since(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Who a forget is recorded as: the one who asked, except that a person's own id must not
/// stay behind as the actor of their own forget.
pub fn forget_actor<'a>(actor: &'a str, forgotten: &PersonId) -> &'a str {
    if actor == forgotten.as_str() {
        ACTOR_SELF
    } else {
        actor
    }
}

/// What a forget removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ForgetReport {
    /// The forgotten person's role.
    pub role: String,
    /// The forgotten person's school.
    pub school: String,
    /// Their reflections.
    pub reflections: u64,
    /// All klik signals removed: the person's own and, on their pairings, the other side's.
    pub signals: u64,
    /// Of `signals`, the ones the person gave themselves (what may be shown to them).
    pub own_signals: u64,
    /// Prompts planned for or sent to them.
    pub prompts: u64,
    /// Other outbox rows: reminders, follow-ups, escalation summaries and notices.
    pub messages: u64,
    /// Their pauses.
    pub pauses: u64,
    /// The pairings they were part of.
    pub pairings: u64,
    /// The escalations of those pairings.
    pub escalations: u64,
    /// Audit rows about them or about those escalations.
    pub audit_rows: u64,
    /// Intervisie threads kept, in which their case or posts became placeholders.
    pub intervisie: u64,
}

/// The numbers kept after deleting: what goes to `forgotten_counts`, nothing personal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeptCounts {
    /// People removed.
    pub people: u64,
    /// Reflections removed.
    pub reflections: u64,
    /// Klik signals removed.
    pub signals: u64,
    /// Prompts removed.
    pub prompts: u64,
    /// Escalations removed.
    pub escalations: u64,
    /// Pairings removed.
    pub pairings: u64,
}

impl KeptCounts {
    /// What stays of one forgotten person: messages, pauses, audit rows and intervisie
    /// placeholders are not counted.
    pub fn of_forget(r: &ForgetReport) -> Self {
        Self {
            people: 1,
            reflections: r.reflections,
            signals: r.signals,
            prompts: r.prompts,
            escalations: r.escalations,
            pairings: r.pairings,
        }
    }

    /// What stays of a student removed by retention: the person, their signals,
    /// escalations and pairings.
    pub fn of_expired_student(r: &ForgetReport) -> Self {
        Self {
            people: 1,
            signals: r.signals,
            escalations: r.escalations,
            pairings: r.pairings,
            ..Self::default()
        }
    }

    /// Nothing removed: no counts row is written.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl std::ops::AddAssign for KeptCounts {
    fn add_assign(&mut self, o: Self) {
        self.people += o.people;
        self.reflections += o.reflections;
        self.signals += o.signals;
        self.prompts += o.prompts;
        self.escalations += o.escalations;
        self.pairings += o.pairings;
    }
}

/// What a retention run removed (or, in a dry run, would remove).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RetentionReport {
    /// Nothing was removed; the numbers say what would go.
    pub dry_run: bool,
    /// Reflections past the limit.
    pub reflections: u64,
    /// Klik signals past the limit or of removed students.
    pub signals: u64,
    /// Closed escalations past the limit or of removed students.
    pub escalations: u64,
    /// Pairings of removed students.
    pub pairings: u64,
    /// Students past their last placement plus the school's days.
    pub students: u64,
    /// Outbox rows: finished messages past the limit and those of removed escalations and students.
    pub outbox: u64,
    /// Audit rows past the limit or about removed students.
    pub audit: u64,
    /// Closed intervisie threads (with their posts) whose closing is past the limit.
    pub threads: u64,
}

impl RetentionReport {
    /// (Dutch, English, count) per kind, in a fixed order for printing.
    pub fn kinds(&self) -> [(&'static str, &'static str, u64); 8] {
        [
            ("reflecties", "reflections", self.reflections),
            ("klik-signalen", "klik signals", self.signals),
            ("escalaties", "escalations", self.escalations),
            ("koppelingen", "pairings", self.pairings),
            ("studenten", "students", self.students),
            ("berichten (outbox)", "messages (outbox)", self.outbox),
            ("auditregels", "audit rows", self.audit),
            ("intervisies", "intervisie threads", self.threads),
        ]
    }

    /// Everything removed, all kinds together.
    pub fn total(&self) -> u64 {
        self.kinds().iter().map(|(_, _, n)| n).sum()
    }

    /// Adds one school's counted removals (its prompts are already in `outbox`).
    pub fn add_counts(&mut self, c: &KeptCounts) {
        self.reflections += c.reflections;
        self.signals += c.signals;
        self.escalations += c.escalations;
        self.pairings += c.pairings;
        self.students += c.people;
    }

    /// Adds what went with a student removed by retention besides their counts.
    pub fn add_student(&mut self, r: &ForgetReport) {
        self.outbox += r.messages + r.prompts;
        self.audit += r.audit_rows;
    }
}

#[cfg(test)]
mod tests;
