//! `wandelgang status`: the deployment's state from the database alone, and what in it needs
//! an operator's attention (the command's exit code, for cron jobs and monitoring checks).

use chrono::{DateTime, Duration, Utc};

use super::presence::LIVE_WINDOW;
use crate::domain::roster::PersonId;
use crate::store::{Backlog, Counts, MigrationState, ProcessRow, Store, StoreResult};

/// Processes seen this long ago are still listed (a stop or crash of last night shows).
const LIST_HOURS: i64 = 24;
/// Prompts listed as coming next.
const NEXT_PROMPTS: i64 = 10;

/// What needs attention once the oldest due message waits longer than this.
pub const DEFAULT_MAX_DELAY: Duration = Duration::minutes(10);

/// A duration in seconds as a person reads it: seconds, minutes, hours or days.
pub fn span(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..120 => format!("{secs} s"),
        120..7_200 => format!("{} min", secs / 60),
        7_200..172_800 => format!("{} h", secs / 3_600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// Everything `status` shows, read at one moment.
#[derive(Debug, Clone)]
pub struct StatusReport {
    /// When it was read.
    pub now: DateTime<Utc>,
    /// The migrations the database ran, against this binary's.
    pub migrations: MigrationState,
    /// Schools, teams and people counted.
    pub counts: Counts,
    /// The outbox's backlog.
    pub backlog: Backlog,
    /// Sends that failed for good in the last 24 hours.
    pub failed_last_day: i64,
    /// Processes seen in the last 24 hours, most recently seen first.
    pub processes: Vec<ProcessRow>,
    /// The next planned prompts: when, and to which wpb.
    pub next_prompts: Vec<(DateTime<Utc>, PersonId)>,
}

/// One thing that needs attention, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attention {
    /// Dutch.
    pub nl: String,
    /// English.
    pub en: String,
}

impl StatusReport {
    /// Reads the report from `store` at `now`. The migrations are read first: on a database
    /// this binary has never migrated, nothing else is read.
    pub async fn read(store: &Store, now: DateTime<Utc>) -> StoreResult<StatusReport> {
        let migrations = store.migration_state().await?;
        let mut report = StatusReport {
            now,
            migrations,
            counts: Counts::default(),
            backlog: Backlog::default(),
            failed_last_day: 0,
            processes: Vec::new(),
            next_prompts: Vec::new(),
        };
        if report.migrations.applied == 0 {
            return Ok(report);
        }
        report.counts = store.counts().await?;
        report.backlog = store.backlog(now).await?;
        report.failed_last_day = store.failed_since(now - Duration::days(1)).await?;
        // The processes table came with a later migration than the rest.
        report.processes = match store.processes(now - Duration::hours(LIST_HOURS)).await {
            Ok(p) => p,
            Err(_) if !report.migrations.pending.is_empty() => Vec::new(),
            Err(e) => return Err(e),
        };
        report.next_prompts = store.next_prompts(now, NEXT_PROMPTS).await?;
        Ok(report)
    }

    /// How long ago a process may have shown life and still count as live.
    pub fn live_window() -> Duration {
        Duration::from_std(LIVE_WINDOW).unwrap_or(Duration::seconds(30))
    }

    /// The processes running now.
    pub fn live(&self) -> impl Iterator<Item = &ProcessRow> {
        self.processes
            .iter()
            .filter(|p| p.is_live(self.now, Self::live_window()))
    }

    /// The most recent completed tick of any process, and the process.
    pub fn last_tick(&self) -> Option<(&ProcessRow, DateTime<Utc>, i64)> {
        self.processes
            .iter()
            .filter_map(|p| p.last_tick.map(|(at, ms)| (p, at, ms)))
            .max_by_key(|(_, at, _)| *at)
    }

    /// What needs attention; empty when all is well. `max_delay`: how long the oldest due
    /// message may wait.
    pub fn attention(&self, max_delay: Duration) -> Vec<Attention> {
        let mut out = Vec::new();
        let mut say = |nl: String, en: String| out.push(Attention { nl, en });
        let m = &self.migrations;
        if m.applied == 0 {
            say(
                "de database is nooit gemigreerd: start `wandelgang migrate` of `wandelgang run`"
                    .into(),
                "the database was never migrated: run `wandelgang migrate` or `wandelgang run`"
                    .into(),
            );
            return out;
        }
        if !m.pending.is_empty() {
            say(
                format!(
                    "{} migratie(s) nog niet toegepast: start `wandelgang migrate`",
                    m.pending.len()
                ),
                format!(
                    "{} migration(s) not applied yet: run `wandelgang migrate`",
                    m.pending.len()
                ),
            );
        }
        if !m.unknown.is_empty() {
            say(
                format!(
                    "de database kent {} migratie(s) die deze versie niet kent: een nieuwere versie draait erop",
                    m.unknown.len()
                ),
                format!(
                    "the database has {} migration(s) this version does not know: a newer version runs on it",
                    m.unknown.len()
                ),
            );
        }
        if self.live().next().is_none() {
            say(
                "geen draaiend `wandelgang run`-proces: er gaat niets uit".into(),
                "no `wandelgang run` process is running: nothing goes out".into(),
            );
        }
        let waiting = self.backlog.oldest_due_secs(self.now);
        if waiting > max_delay.num_seconds() {
            say(
                format!(
                    "{} bericht(en) wachten; het oudste al {}",
                    self.backlog.due,
                    span(waiting)
                ),
                format!(
                    "{} message(s) waiting; the oldest for {}",
                    self.backlog.due,
                    span(waiting)
                ),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_read_as_people_say_them() {
        for (secs, shown) in [
            (-5, "0 s"),
            (119, "119 s"),
            (120, "2 min"),
            (7_199, "119 min"),
            (7_200, "2 h"),
            (172_799, "47 h"),
            (172_800, "2 d"),
        ] {
            assert_eq!(span(secs), shown, "{secs}");
        }
    }
}
