//! The placements a digest's risk lists may name, read at a region's size: of the quiet
//! pairings and of the placements ending soon only the first ones in the list's order and a
//! count of the rest. A school of 100,000 placements where most went quiet would otherwise
//! carry every one of them into the process, and into every schoolopleider's stored digest,
//! to show five.

use chrono::{Days, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::{AssertSqlSafe, Row};

use super::{Backend, Store, StoreResult, day, parse_day};
use crate::domain::digest::{
    EndingFact, RISK_LIST_LEN, RunningPairing, SummaryRequest, quiet_weeks_after_klik,
    quiet_weeks_without_klik,
};
use crate::domain::schedule::{DateRange, SchoolCalendar};

/// The first prompt a placement's wpb was sent since $2.
const FIRST_PROMPT: &str = "(SELECT MIN(o.sent_at) FROM outbox o WHERE o.recipient = p.wpb_id
       AND o.kind = 'prompt' AND o.status = 'sent' AND o.sent_at >= $2)";

/// The newest wpb klik since $2 of the placement `{pairing}`: one probe of its signals' index
/// (one join over all signals read every one of them: 0.9 s more at 100,000 placements on
/// PostgreSQL).
const NEWEST_KLIK: &str = "(SELECT MAX(k.at) FROM klik_signals k WHERE k.pairing_id = {pairing}
       AND k.source = 'wpb' AND k.at >= $2)";

/// The wpb's last klik about the student since $2, in any of their placements together.
/// Only the few pairs with more than one placement (`siblings`) look for the others. An `IN`
/// rather than a join keeps the placements in their stored order, and with it the probes
/// near each other in the indexes (a hash join's order cost PostgreSQL 0.2 s at 100,000).
fn last_klik() -> String {
    let own = NEWEST_KLIK.replace("{pairing}", "p.id");
    let any = NEWEST_KLIK.replace("{pairing}", "q.id");
    format!(
        "CASE WHEN (p.wpb_id, p.student_id) IN (SELECT wpb_id, student_id FROM siblings)
           THEN (SELECT MAX({any}) FROM pairings q
             WHERE q.wpb_id = p.wpb_id AND q.student_id = p.student_id)
           ELSE {own} END"
    )
}

/// Days from 1970-01-01, the numbering the SQL below uses for dates.
fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

fn day_number(d: NaiveDate) -> i64 {
    (d - epoch()).num_days()
}

fn from_day_number(n: i64) -> Option<NaiveDate> {
    epoch().checked_add_days(Days::new(u64::try_from(n).ok()?))
}

/// Local dates of stored moments in SQL: the moment plus its zone's offset, in whole days.
/// A zone changes its offset a few times a year, so the offsets over the moments of a digest
/// fit a short CASE.
struct LocalDays {
    /// The offset from each moment on, oldest first; the first also holds before it.
    offsets: Vec<(i64, i32)>,
}

impl LocalDays {
    /// The offsets of `tz` over the moments `[from, to)`.
    fn new(tz: Tz, from: i64, to: i64) -> Self {
        let offset = |m: i64| {
            Utc.timestamp_opt(m, 0).single().map_or(0, |t| {
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc()
            })
        };
        let mut offsets = vec![(from, offset(from))];
        let mut at = from;
        // Zones change their offset at most once an hour: look each hour, and find the
        // second of a change between two looks by halving.
        while at < to {
            let next = at.saturating_add(3600).min(to);
            let before = offsets.last().map_or(0, |o| o.1);
            if offset(next) != before {
                let (mut same, mut changed) = (at, next);
                while changed - same > 1 {
                    let mid = same + (changed - same) / 2;
                    if offset(mid) == before {
                        same = mid;
                    } else {
                        changed = mid;
                    }
                }
                offsets.push((changed, offset(changed)));
            }
            at = next;
        }
        Self { offsets }
    }

    /// The local day number (see [`day_number`]) of the moment `m`, a column of ours.
    fn sql(&self, m: &str) -> String {
        let steps: Vec<(i64, i64)> = self
            .offsets
            .iter()
            .map(|(at, offset)| (*at, i64::from(*offset)))
            .collect();
        format!("(({m}) + {}) / 86400", steps_sql(m, &steps))
    }
}

/// A step function of day numbers as a SQL CASE, from its value on each day of `days`
/// (beyond them it keeps the first and last value).
fn step_case(x: &str, days: impl Iterator<Item = (i64, i64)>) -> String {
    let mut steps: Vec<(i64, i64)> = Vec::new();
    for (d, v) in days {
        if steps.last().is_none_or(|s| s.1 != v) {
            steps.push((d, v));
        }
    }
    steps_sql(x, &steps)
}

/// `steps` (from where, value), ascending, as a SQL expression of `x`: the first value also
/// before the first step; -1 without steps.
fn steps_sql(x: &str, steps: &[(i64, i64)]) -> String {
    match steps {
        [] => "-1".to_string(),
        [(_, only)] => only.to_string(),
        _ => {
            let mut sql = String::from("CASE");
            for pair in steps.windows(2) {
                sql.push_str(&format!(" WHEN {x} < {} THEN {}", pair[1].0, pair[0].1));
            }
            let last = steps.last().map_or(-1, |s| s.1);
            sql.push_str(&format!(" ELSE {last} END"));
            sql
        }
    }
}

/// The quiet list's weeks of a placement of a wpb without pauses as a SQL expression over
/// the `quiet` rows below, -1 when it is not on the list: the domain's weeks
/// ([`quiet_weeks_after_klik`], [`quiet_weeks_without_klik`]) for each day the facts can
/// hold, as step functions of the klik's day or of the later of start and first prompt.
fn weeks_sql(calendar: &SchoolCalendar, request: &SummaryRequest, backend: Backend) -> String {
    let days = || {
        request
            .since
            .iter_days()
            .take_while(|d| *d <= request.today)
    };
    let listed = |weeks: Option<u32>| weeks.map_or(-1, i64::from);
    let after_klik = step_case(
        "lk_day",
        days().map(|d| {
            let weeks = quiet_weeks_after_klik(calendar, request, d);
            (day_number(d), listed(weeks))
        }),
    );
    let start = match backend {
        Backend::Sqlite => "CAST(julianday(start_day) - 2440587.5 AS INTEGER)",
        Backend::Postgres => "(CAST(start_day AS DATE) - DATE '1970-01-01')",
    };
    let later = match backend {
        Backend::Sqlite => format!("MAX({start}, fp_day)"),
        Backend::Postgres => format!("GREATEST({start}, fp_day)"),
    };
    let without_klik = step_case(
        &later,
        days().map(|d| {
            let weeks = quiet_weeks_without_klik(calendar, request, d);
            (day_number(d), listed(weeks))
        }),
    );
    format!(
        "CASE WHEN paused = 1 THEN -1 WHEN lk_day IS NOT NULL THEN {after_klik} ELSE {without_klik} END"
    )
}

/// What the store reads of the quiet list.
pub(super) struct QuietPlacements {
    /// Those of wpbs with a pause, and the first of the others in the list's order.
    pub named: Vec<RunningPairing>,
    /// Placements of wpbs without a pause on the list but not in `named`.
    pub more: u32,
}

impl Store {
    /// The collation that orders and compares names as Rust does, byte by byte, whatever the
    /// database's locale: SQLite's default, PostgreSQL's "C".
    fn byte_order(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => " COLLATE \"C\"",
        }
    }

    /// The quiet list's placements of `school` (see [`QuietPlacements`]), `since` the first
    /// moment of [`SummaryRequest::since`]. Placements of wpbs with a pause are read whole
    /// (their silence depends on the pause, and they are few); the others are ranked in SQL
    /// with the domain's weeks, so only the first [`RISK_LIST_LEN`] and those tied with the
    /// last of them leave the database.
    pub(super) async fn quiet_placements(
        &self,
        school: &str,
        request: &SummaryRequest,
        calendar: &SchoolCalendar,
        since: i64,
        klik_from: i64,
    ) -> StoreResult<QuietPlacements> {
        let until = super::digest_summary::day_start(
            request
                .today
                .checked_add_days(Days::new(2))
                .unwrap_or(NaiveDate::MAX),
            calendar.tz,
        );
        let local = LocalDays::new(calendar.tz, since, until);
        let c = self.byte_order();
        let sql = format!(
            "WITH siblings AS MATERIALIZED (
               SELECT wpb_id, student_id FROM pairings GROUP BY wpb_id, student_id
               HAVING COUNT(*) > 1),
             running AS MATERIALIZED (
               SELECT p.wpb_id AS wpb, w.name AS wpb_name, p.student_id AS student,
                 p.start_day AS start_day, p.end_day AS end_day,
                 CASE WHEN EXISTS (SELECT 1 FROM pauses pa WHERE pa.person_id = p.wpb_id)
                   THEN 1 ELSE 0 END AS paused,
                 {FIRST_PROMPT} AS first_prompt, {last_klik} AS last_klik
               FROM pairings p JOIN people w ON w.id = p.wpb_id
               WHERE w.school_id = $1 AND w.role = 'wpb' AND p.start_day <= $3
                 AND p.end_day >= $3),
             quiet AS MATERIALIZED (
               SELECT wpb, wpb_name, student, start_day, end_day, paused,
                 {fp_day} AS fp_day, {lk_day} AS lk_day
               FROM running
               WHERE first_prompt IS NOT NULL AND (last_klik IS NULL OR last_klik < $4)),
             ranked AS MATERIALIZED (SELECT quiet.*, {weeks} AS weeks FROM quiet),
             last_named AS (
               SELECT weeks, wpb_name FROM ranked WHERE weeks >= 0
               ORDER BY weeks DESC, wpb_name{c} LIMIT 1 OFFSET {skip}),
             named AS MATERIALIZED (
               SELECT r.* FROM ranked r LEFT JOIN last_named l ON 1 = 1
               WHERE r.paused = 1 OR (r.weeks >= 0 AND (l.weeks IS NULL OR r.weeks > l.weeks
                 OR (r.weeks = l.weeks AND r.wpb_name{c} <= l.wpb_name))))
             SELECT 0 AS part, COUNT(*) AS n, NULL AS wpb, NULL AS wpb_name,
               NULL AS student_name, NULL AS start_day, NULL AS end_day, NULL AS fp_day,
               NULL AS lk_day
             FROM ranked WHERE weeks >= 0
             UNION ALL
             SELECT 1 + n.paused, 1, n.wpb, n.wpb_name, s.name, n.start_day, n.end_day,
               n.fp_day, n.lk_day
             FROM named n JOIN people s ON s.id = n.student",
            last_klik = last_klik(),
            fp_day = local.sql("first_prompt"),
            lk_day = local.sql("last_klik"),
            weeks = weeks_sql(calendar, request, self.backend),
            skip = RISK_LIST_LEN.saturating_sub(1),
        );
        let mut out = QuietPlacements {
            named: Vec::new(),
            more: 0,
        };
        let mut ranked = 0u32;
        for row in sqlx::query(AssertSqlSafe(sql))
            .bind(school)
            .bind(since)
            .bind(day(request.today))
            .bind(klik_from)
            .fetch_all(&self.pool)
            .await?
        {
            let part: i64 = row.try_get("part")?;
            if part == 0 {
                out.more = super::digest_summary::count(&row, "n")?;
                continue;
            }
            ranked += u32::from(part == 1);
            let date = |column: &str| -> StoreResult<Option<NaiveDate>> {
                Ok(row
                    .try_get::<Option<i64>, _>(column)?
                    .and_then(from_day_number))
            };
            out.named.push(RunningPairing {
                wpb: row.try_get("wpb")?,
                wpb_name: row.try_get("wpb_name")?,
                student_name: row.try_get("student_name")?,
                dates: DateRange {
                    start: parse_day(row.try_get("start_day")?)?,
                    end: parse_day(row.try_get("end_day")?)?,
                },
                first_prompt: date("fp_day")?,
                last_wpb_klik: date("lk_day")?,
            });
        }
        out.more = out.more.saturating_sub(ranked);
        Ok(out)
    }

    /// The first [`RISK_LIST_LEN`] placements of `school` running on the request's day that
    /// end by [`SummaryRequest::ending_by`], by end and names; and how many more there are.
    pub(super) async fn ending_placements(
        &self,
        school: &str,
        request: &SummaryRequest,
    ) -> StoreResult<(Vec<EndingFact>, u32)> {
        let c = self.byte_order();
        // SQLite joins a CROSS JOIN in the written order: the few placements by their end
        // first, not the school's wpbs.
        let sql = format!(
            "SELECT w.name AS wpb_name, s.name AS student_name, p.end_day AS end_day,
               COUNT(*) OVER () AS n
             FROM pairings p CROSS JOIN people w CROSS JOIN people s
             WHERE w.id = p.wpb_id AND s.id = p.student_id AND w.school_id = $1
               AND w.role = 'wpb' AND p.start_day <= $2 AND p.end_day >= $2 AND p.end_day <= $3
             ORDER BY p.end_day, w.name{c}, s.name{c} LIMIT {RISK_LIST_LEN}"
        );
        let (mut first, mut all) = (Vec::new(), 0);
        for row in sqlx::query(AssertSqlSafe(sql))
            .bind(school)
            .bind(day(request.today))
            .bind(day(request.ending_by()))
            .fetch_all(&self.pool)
            .await?
        {
            all = super::digest_summary::count(&row, "n")?;
            first.push(EndingFact {
                wpb_name: row.try_get("wpb_name")?,
                student_name: row.try_get("student_name")?,
                end: parse_day(row.try_get("end_day")?)?,
            });
        }
        let shown = u32::try_from(first.len()).unwrap_or(u32::MAX);
        Ok((first, all.saturating_sub(shown)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(m: u32, d: u32, h: u32) -> i64 {
        Utc.with_ymd_and_hms(2026, m, d, h, 0, 0)
            .unwrap()
            .timestamp()
    }

    #[test]
    fn local_days_follow_the_zones_offset_changes() {
        let (from, to) = (utc(3, 1, 0), utc(11, 30, 0));
        let local = LocalDays::new(chrono_tz::Europe::Amsterdam, from, to);
        // Winter, summer from 29 March 01:00 UTC, winter again from 25 October 01:00 UTC.
        assert_eq!(
            local.offsets,
            vec![(from, 3600), (utc(3, 29, 1), 7200), (utc(10, 25, 1), 3600)]
        );
    }
}
