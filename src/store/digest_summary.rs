//! A school's digest counted in SQL (`domain::digest::DigestSummary`): per team and school
//! week, grouped in the database, plus only the pairings, wpbs and escalations a risk list may
//! name. At a region's size this is what keeps the Monday digest from reading every prompt
//! and signal of half a year; `domain::digest::summarize` of [`Store::digest_facts`] is the
//! reference it is tested against.

use std::collections::{BTreeSet, HashMap};

use chrono::{Days, NaiveDate};
use chrono_tz::Tz;
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Store, StoreResult, from_ts, parse_day};
use crate::domain::digest::{
    CellFact, DigestSummary, OpenEscalation, PauseFact, SummaryRequest, TeamFact, UnansweredWpb,
};
use crate::domain::roster::SchoolId;
use crate::domain::schedule::{DateRange, SchoolCalendar};

/// A wpb's team as the figures count it; someone who is no longer a wpb counts without one.
const TEAM: &str = "CASE WHEN w.role = 'wpb' THEN COALESCE(w.team_id, '') ELSE '' END";
/// The name an escalation's list shows; someone who is no longer a wpb by their id.
const WPB_NAME: &str = "CASE WHEN w.role = 'wpb' THEN w.name ELSE w.id END";

// The unanswered list comes in two forms with the same parameters and results. SQLite has no
// hash join: it is fastest probing the indexes once per wpb, in materialized steps so no
// probe runs twice. PostgreSQL is fastest with its joins over the whole school.

/// Wpbs of school $1 with at least $4 prompts sent in [$2, $3) after their last answered one.
const UNANSWERED_SQLITE: &str = "WITH w AS MATERIALIZED (
       SELECT id AS wpb, name FROM people WHERE school_id = $1 AND role = 'wpb'),
     answered AS MATERIALIZED (
       SELECT w.wpb, w.name, (SELECT MAX(o.sent_at) FROM outbox o
         WHERE o.recipient = w.wpb AND o.kind = 'prompt' AND o.status = 'sent'
           AND o.sent_at >= $2 AND o.sent_at < $3
           AND EXISTS (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)) AS at
       FROM w),
     unanswered AS MATERIALIZED (
       SELECT a.wpb, a.name, (SELECT COUNT(*) FROM outbox o
         WHERE o.recipient = a.wpb AND o.kind = 'prompt' AND o.status = 'sent'
           AND o.sent_at >= $2 AND o.sent_at < $3 AND (a.at IS NULL OR o.sent_at > a.at)) AS n
       FROM answered a)
     SELECT wpb, name, n FROM unanswered WHERE n >= $4";

/// [`UNANSWERED_SQLITE`] for PostgreSQL.
const UNANSWERED_POSTGRES: &str = "SELECT o.recipient AS wpb, w.name AS name, COUNT(*) AS n
     FROM outbox o JOIN people w ON w.id = o.recipient
     LEFT JOIN (
       SELECT o.recipient AS wpb, MAX(o.sent_at) AS at
       FROM outbox o JOIN people w ON w.id = o.recipient
       WHERE w.school_id = $1 AND o.kind = 'prompt' AND o.status = 'sent'
         AND o.sent_at >= $2 AND o.sent_at < $3
         AND EXISTS (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)
       GROUP BY o.recipient) a ON a.wpb = o.recipient
     WHERE w.school_id = $1 AND w.role = 'wpb' AND o.kind = 'prompt' AND o.status = 'sent'
       AND o.sent_at >= $2 AND o.sent_at < $3 AND (a.at IS NULL OR o.sent_at > a.at)
     GROUP BY o.recipient, w.name HAVING COUNT(*) >= $4";

/// The first moment of a local day (the earliest, or the first hour that exists).
pub(super) fn day_start(d: NaiveDate, tz: Tz) -> i64 {
    (0..24)
        .find_map(|h| d.and_hms_opt(h, 0, 0)?.and_local_timezone(tz).earliest())
        .map_or(i64::MIN, |t| t.timestamp())
}

/// The local date of a stored moment.
fn local_date(secs: i64, tz: Tz) -> StoreResult<NaiveDate> {
    Ok(from_ts(secs)?.with_timezone(&tz).date_naive())
}

/// One of the request's weeks as moments: `[start, end)` of local time, and its position in
/// [`SummaryRequest::weeks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Week {
    pub index: usize,
    pub start: i64,
    pub end: i64,
}

/// Some of the request's weeks, oldest first.
#[derive(Debug, Clone, Default)]
pub(super) struct WeekBounds(pub Vec<Week>);

impl WeekBounds {
    fn new(request: &SummaryRequest, tz: Tz) -> Self {
        Self(
            request
                .weeks
                .iter()
                .enumerate()
                .map(|(index, w)| {
                    let next = w
                        .monday
                        .checked_add_days(Days::new(7))
                        .unwrap_or(NaiveDate::MAX);
                    Week {
                        index,
                        start: day_start(w.monday, tz),
                        end: day_start(next, tz),
                    }
                })
                .collect(),
        )
    }

    /// The weeks that `keep` accepts.
    pub fn only(&self, keep: impl Fn(&Week) -> bool) -> Self {
        Self(self.0.iter().copied().filter(|w| keep(w)).collect())
    }

    /// The weeks in runs of consecutive positions, so each run is one range of moments.
    fn runs(&self) -> Vec<WeekBounds> {
        let mut runs: Vec<WeekBounds> = Vec::new();
        for w in &self.0 {
            match runs.last_mut() {
                Some(run) if run.0.last().is_some_and(|l| l.index + 1 == w.index) => run.0.push(*w),
                _ => runs.push(WeekBounds(vec![*w])),
            }
        }
        runs
    }

    /// From the first week's start to the last week's end.
    fn span(&self) -> (i64, i64) {
        match (self.0.first(), self.0.last()) {
            (Some(first), Some(last)) => (first.start, last.end),
            _ => (0, 0),
        }
    }

    /// A SQL expression for the position of the week a moment falls in, NULL outside them.
    /// Built from our own integers only, so it is safe to put in the statement's text.
    fn case(&self, moment: &str) -> String {
        let mut sql = String::from("CASE");
        for w in &self.0 {
            sql.push_str(&format!(
                " WHEN {moment} >= {} AND {moment} < {} THEN {}",
                w.start, w.end, w.index
            ));
        }
        sql.push_str(" ELSE NULL END");
        sql
    }
}

/// The cell of a team and week, new when it is not there yet.
fn cell(
    cells: &mut HashMap<(String, usize), CellFact>,
    team: String,
    week: usize,
) -> &mut CellFact {
    cells
        .entry((team.clone(), week))
        .or_insert_with(|| CellFact {
            team,
            week,
            ..CellFact::default()
        })
}

/// A count from SQL, which is never negative.
pub(super) fn count(row: &sqlx::any::AnyRow, column: &str) -> StoreResult<u32> {
    let n: i64 = row.try_get(column)?;
    Ok(u32::try_from(n.max(0)).unwrap_or(u32::MAX))
}

impl Store {
    /// The summary of `school` for `request`, dated and ranked by the school's `calendar`.
    /// `None` for an unknown school.
    pub async fn digest_summary(
        &self,
        school: &SchoolId,
        request: &SummaryRequest,
        calendar: &SchoolCalendar,
    ) -> StoreResult<Option<DigestSummary>> {
        let tz = calendar.tz;
        let id = school.as_str();
        let Some(name) = sqlx::query_scalar::<_, String>("SELECT name FROM schools WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut summary = DigestSummary {
            school: name,
            ..DigestSummary::default()
        };
        for row in sqlx::query("SELECT id, name FROM teams WHERE school_id = $1 ORDER BY name, id")
            .bind(id)
            .fetch_all(&self.pool)
            .await?
        {
            summary.teams.push(TeamFact {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
            });
        }
        // `school_id || ''` keeps SQLite off the school's index (a read of all its wpbs when
        // none is teamless), so it probes the teamless wpbs by the team index.
        summary.teamless_wpbs = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM (SELECT 1 FROM people
               WHERE team_id IS NULL AND role = 'wpb' AND school_id || '' = $1 LIMIT 1) x",
        )
        .bind(id)
        .fetch_one(&self.pool)
        .await?
            > 0;
        let bounds = WeekBounds::new(request, tz);
        let since = day_start(request.since, tz);
        let klik_from = day_start(request.quiet_klik_before(), tz).max(since);
        let (cells, quiet, ending, unanswered, pauses, escalations, threads) = (
            self.cells(id, request, &bounds, tz),
            self.quiet_placements(id, request, calendar, since, klik_from),
            self.ending_placements(id, request),
            self.unanswered_wpbs(id, request, since, tz),
            self.digest_pauses(id),
            self.digest_escalations(id, tz),
            self.digest_threads(id, since, tz),
        );
        // On PostgreSQL the parts (independent reads, and the cells' own writes of completed
        // weeks) run at once on pooled connections, so the server works on the long ones side
        // by side: 1,120 -> 850 ms at 100,000 wpbs. On SQLite, with two cores and a page cache
        // per connection, the same took longer (710 -> 830 ms), so there they run in turn.
        let (cells, quiet, ending, unanswered, pauses, escalations, threads) = match self.backend {
            Backend::Postgres => tokio::try_join!(
                cells,
                quiet,
                ending,
                unanswered,
                pauses,
                escalations,
                threads
            )?,
            Backend::Sqlite => (
                cells.await?,
                quiet.await?,
                ending.await?,
                unanswered.await?,
                pauses.await?,
                escalations.await?,
                threads.await?,
            ),
        };
        summary.cells = cells;
        (summary.quiet, summary.quiet_more) = (quiet.named, quiet.more);
        (summary.ending, summary.ending_more) = ending;
        summary.unanswered = unanswered;
        let named: BTreeSet<&str> = summary
            .quiet
            .iter()
            .map(|p| p.wpb.as_str())
            .chain(summary.unanswered.iter().map(|w| w.wpb.as_str()))
            .collect();
        summary.pauses = pauses
            .into_iter()
            .filter(|p| named.contains(p.wpb.as_str()))
            .collect();
        summary.escalations = escalations;
        summary.threads = threads;
        summary.sort();
        Ok(Some(summary))
    }

    /// The pauses of the school's wpbs. They are read from their own (small) table first:
    /// SQLite joins a CROSS JOIN in the written order, PostgreSQL plans it as any join.
    async fn digest_pauses(&self, school: &str) -> StoreResult<Vec<PauseFact>> {
        sqlx::query(
            "SELECT pa.person_id AS person_id, pa.start_day AS start_day, pa.end_day AS end_day
             FROM pauses pa CROSS JOIN people w
             WHERE w.id = pa.person_id AND w.school_id = $1 AND w.role = 'wpb'",
        )
        .bind(school)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok(PauseFact {
                wpb: row.try_get("person_id")?,
                dates: DateRange {
                    start: parse_day(row.try_get("start_day")?)?,
                    end: parse_day(row.try_get("end_day")?)?,
                },
            })
        })
        .collect()
    }

    /// The school's open escalations, read from their own (small) table first.
    async fn digest_escalations(&self, school: &str, tz: Tz) -> StoreResult<Vec<OpenEscalation>> {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT e.id AS id, {TEAM} AS team, {WPB_NAME} AS wpb_name, s.name AS student_name,
                    e.status AS status, e.opened_at AS opened_at
             FROM escalations e CROSS JOIN pairings p CROSS JOIN people w CROSS JOIN people s
             WHERE e.status IN ('open', 'acknowledged') AND p.id = e.pairing_id
               AND w.id = p.wpb_id AND s.id = p.student_id AND w.school_id = $1"
        )))
        .bind(school)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(|row| {
            Ok(OpenEscalation {
                id: row.try_get("id")?,
                team: row.try_get("team")?,
                wpb_name: row.try_get("wpb_name")?,
                student_name: row.try_get("student_name")?,
                picked_up: row.try_get::<String, _>("status")? == "acknowledged",
                opened: local_date(row.try_get("opened_at")?, tz)?,
            })
        })
        .collect()
    }

    /// The cells of the request's weeks: the kept ones as they were counted, the others
    /// counted now, and those that ended a day ago or more kept for the next digest.
    async fn cells(
        &self,
        school: &str,
        request: &SummaryRequest,
        bounds: &WeekBounds,
        tz: Tz,
    ) -> StoreResult<Vec<CellFact>> {
        let few_below = request.few_below();
        let (mut cells, missing) = self.kept_cells(school, bounds, few_below).await?;
        // A day's margin: writes carry their own moment, and a clock a little behind still
        // writes into the week that just ended.
        let yesterday = request
            .today
            .checked_sub_days(Days::new(1))
            .unwrap_or(NaiveDate::MIN);
        let keep = missing.only(|w| w.end <= day_start(yesterday, tz));
        self.mark_counting(school, &keep, few_below).await?;
        let mut counted: HashMap<(String, usize), CellFact> = HashMap::new();
        for run in missing.runs() {
            let facts_first = self.facts_first(school, &run).await?;
            self.count_cells(school, few_below, &run, facts_first, &mut counted)
                .await?;
        }
        let counted: Vec<CellFact> = counted.into_values().collect();
        self.keep_cells(school, &keep, few_below, &counted).await?;
        cells.extend(counted);
        Ok(cells)
    }

    /// Whether SQLite should count the weeks of `bounds` from their facts rather than from
    /// the school's people: when they hold fewer klik signals than the school has people (the
    /// usual Monday, two weeks after the kept ones). A span with the school's whole half year
    /// is read school first: probing each fact's wpb costs about twice a read along the
    /// school's index (1.0–1.5 µs a signal). PostgreSQL plans this by its statistics.
    async fn facts_first(&self, school: &str, bounds: &WeekBounds) -> StoreResult<bool> {
        if !matches!(self.backend, Backend::Sqlite) {
            return Ok(false);
        }
        let (start, end) = bounds.span();
        let few: i64 = sqlx::query_scalar(
            "WITH school AS (SELECT COUNT(*) AS n FROM people WHERE school_id = $1)
             SELECT CASE WHEN (SELECT COUNT(*) FROM (SELECT 1 FROM klik_signals
                 WHERE at >= $2 AND at < $3 LIMIT (SELECT n FROM school)) x)
               < (SELECT n FROM school) THEN 1 ELSE 0 END",
        )
        .bind(school)
        .bind(start)
        .bind(end)
        .fetch_one(&self.pool)
        .await?;
        Ok(few != 0)
    }

    /// Counts every team-week of `bounds` (consecutive weeks) with a prompt, reflection or
    /// signal into `cells`: three grouped statements, and a fourth for the students of the
    /// small cells when there are any. `facts_first`: see [`Self::facts_first`].
    async fn count_cells(
        &self,
        school: &str,
        few_below: u32,
        bounds: &WeekBounds,
        facts_first: bool,
        cells: &mut HashMap<(String, usize), CellFact>,
    ) -> StoreResult<()> {
        // The join conditions are in the WHERE. SQLite joins a CROSS JOIN in the written
        // order (the facts first) and plans a comma join itself; PostgreSQL plans both.
        let tables = |facts: &[&str]| facts.join(if facts_first { " CROSS JOIN " } else { ", " });
        let (start, end) = bounds.span();
        let week_of = |row: &sqlx::any::AnyRow| -> StoreResult<usize> {
            Ok(usize::try_from(row.try_get::<i64, _>("wk")?).unwrap_or(usize::MAX))
        };
        // The COALESCE terms say the same as sent_at for sent rows; they let a count from the
        // facts use the outbox's time index.
        let by_time = match facts_first {
            true => {
                "AND COALESCE(o.sent_at, o.due_at) >= $2 AND COALESCE(o.sent_at, o.due_at) < $3"
            }
            false => "",
        };
        let prompts = format!(
            "SELECT team, wk, COUNT(*) AS n, SUM(answered) AS answered FROM (
               SELECT {TEAM} AS team, {wk} AS wk,
                 CASE WHEN EXISTS (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)
                      THEN 1 ELSE 0 END AS answered
               FROM {from}
               WHERE w.id = o.recipient AND w.school_id = $1 AND o.kind = 'prompt'
                 AND o.status = 'sent' AND o.sent_at >= $2 AND o.sent_at < $3
                 {by_time}) x
             WHERE wk IS NOT NULL GROUP BY team, wk",
            wk = bounds.case("o.sent_at"),
            from = tables(&["outbox o", "people w"])
        );
        for row in sqlx::query(AssertSqlSafe(prompts))
            .bind(school)
            .bind(start)
            .bind(end)
            .fetch_all(&self.pool)
            .await?
        {
            let c = cell(cells, row.try_get("team")?, week_of(&row)?);
            c.prompts_sent = count(&row, "n")?;
            c.prompts_answered = count(&row, "answered")?;
        }
        let reflections = format!(
            "SELECT team, wk, COUNT(*) AS n, SUM(shared) AS shared FROM (
               SELECT {TEAM} AS team, {wk} AS wk,
                 CASE WHEN r.shared <> 0 THEN 1 ELSE 0 END AS shared
               FROM {from}
               WHERE w.id = r.wpb_id AND w.school_id = $1
                 AND r.created_at >= $2 AND r.created_at < $3) x
             WHERE wk IS NOT NULL GROUP BY team, wk",
            wk = bounds.case("r.created_at"),
            from = tables(&["reflections r", "people w"])
        );
        for row in sqlx::query(AssertSqlSafe(reflections))
            .bind(school)
            .bind(start)
            .bind(end)
            .fetch_all(&self.pool)
            .await?
        {
            let c = cell(cells, row.try_get("team")?, week_of(&row)?);
            c.reflections = count(&row, "n")?;
            c.shared = count(&row, "shared")?;
        }
        let signals = |select: &str, group: &str| {
            format!(
                "SELECT {select} FROM (
                   SELECT {TEAM} AS team, {wk} AS wk, k.value AS value, p.student_id AS student
                   FROM {from}
                   WHERE p.id = k.pairing_id AND w.id = p.wpb_id AND w.school_id = $1
                     AND k.at >= $2 AND k.at < $3) x
                 WHERE wk IS NOT NULL {group}",
                wk = bounds.case("k.at"),
                from = tables(&["klik_signals k", "pairings p", "people w"])
            )
        };
        let klik = signals(
            "team, wk,
             SUM(CASE WHEN value = 1 THEN 1 ELSE 0 END) AS goed,
             SUM(CASE WHEN value = 0 THEN 1 ELSE 0 END) AS twijfel,
             SUM(CASE WHEN value = -1 THEN 1 ELSE 0 END) AS geen,
             COUNT(DISTINCT student) AS students",
            "GROUP BY team, wk",
        );
        let mut small: BTreeSet<(String, usize)> = BTreeSet::new();
        for row in sqlx::query(AssertSqlSafe(klik))
            .bind(school)
            .bind(start)
            .bind(end)
            .fetch_all(&self.pool)
            .await?
        {
            let (team, week): (String, usize) = (row.try_get("team")?, week_of(&row)?);
            let c = cell(cells, team.clone(), week);
            c.klik.goed = count(&row, "goed")?;
            c.klik.twijfel = count(&row, "twijfel")?;
            c.klik.geen = count(&row, "geen")?;
            c.students = count(&row, "students")?;
            if c.students < few_below {
                small.insert((team, week));
            }
        }
        let small_weeks = bounds.only(|w| small.iter().any(|(_, i)| *i == w.index));
        if !small_weeks.0.is_empty() {
            // Only the weeks that hold a small cell are read again.
            let (from, to) = small_weeks.span();
            for row in sqlx::query(AssertSqlSafe(signals("DISTINCT team, wk, student", "")))
                .bind(school)
                .bind(from)
                .bind(to)
                .fetch_all(&self.pool)
                .await?
            {
                let key: (String, usize) = (row.try_get("team")?, week_of(&row)?);
                if small.contains(&key)
                    && let Some(c) = cells.get_mut(&key)
                {
                    c.few_students.push(row.try_get("student")?);
                }
            }
        }
        Ok(())
    }

    /// Wpbs with at least [`SummaryRequest::unanswered_from`] prompts (sent up to the end of
    /// the request's day) since their last answered one.
    async fn unanswered_wpbs(
        &self,
        school: &str,
        request: &SummaryRequest,
        since: i64,
        tz: Tz,
    ) -> StoreResult<Vec<UnansweredWpb>> {
        let until = day_start(
            request
                .today
                .checked_add_days(Days::new(1))
                .unwrap_or(NaiveDate::MAX),
            tz,
        );
        let sql = match self.backend {
            Backend::Sqlite => UNANSWERED_SQLITE,
            Backend::Postgres => UNANSWERED_POSTGRES,
        };
        let mut out = Vec::new();
        for row in sqlx::query(sql)
            .bind(school)
            .bind(since)
            .bind(until)
            .bind(i64::from(request.unanswered_from()))
            .fetch_all(&self.pool)
            .await?
        {
            out.push(UnansweredWpb {
                wpb: row.try_get("wpb")?,
                name: row.try_get("name")?,
                unanswered: count(&row, "n")?,
            });
        }
        Ok(out)
    }
}
