//! The digest counted in SQL equals the digest counted from the stored rows
//! (`domain::digest::summarize`), on both backends, for a school whose facts lie on the edges:
//! week boundaries in local time, the night the clocks go back, small cells with a student in
//! two teams, wpbs without a team, someone who is no longer a wpb, pauses, planned prompts,
//! another school's rows, and closed escalations.

use chrono::{Duration, NaiveDate};
use chrono_tz::Europe::Amsterdam;
use sqlx::AssertSqlSafe;

use crate::on_both_backends;
use crate::support::{TestDb, at, day};
use wandelgang::domain::digest::{SummaryRequest, Thresholds, summarize};
use wandelgang::domain::roster::SchoolId;
use wandelgang::domain::schedule::SchoolCalendar;
use wandelgang::store::Store;

/// A small deterministic generator, so a failure repeats.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % sides
    }
}

async fn exec(store: &Store, sql: String) {
    sqlx::query(AssertSqlSafe(sql))
        .execute(store.pool())
        .await
        .expect("seed statement");
}

/// School `a`: team A (a1, a2, a3), team B (b1), x1 without a team, and r1 who was a wpb and
/// is now a schoolopleider; student s0 has a wpb in both teams. School `z` has one wpb with the
/// same kind of facts, which must never count for `a`.
async fn seed(store: &Store) {
    exec(
        store,
        "INSERT INTO schools (id, name) VALUES ('a', 'School A'), ('z', 'School Z')".into(),
    )
    .await;
    exec(
        store,
        "INSERT INTO teams (id, school_id, name) VALUES ('A', 'a', 'Team A'), ('B', 'a', 'Team B'), ('Z', 'z', 'Team Z')"
            .into(),
    )
    .await;
    let people = [
        ("a1", "a", "wpb", Some("A")),
        ("a2", "a", "wpb", Some("A")),
        ("a3", "a", "wpb", Some("A")),
        ("b1", "a", "wpb", Some("B")),
        ("x1", "a", "wpb", None),
        ("r1", "a", "schoolopleider", Some("A")),
        ("z1", "z", "wpb", Some("Z")),
    ];
    let mut rows = Vec::new();
    for (i, (id, school, role, team)) in people.iter().enumerate() {
        let team = team.map_or("NULL".to_string(), |t| format!("'{t}'"));
        rows.push(format!(
            "('{id}', '{school}', '{role}', 'Naam {id}', {team}, {i})"
        ));
    }
    for s in 0..8 {
        let school = if s == 7 { "z" } else { "a" };
        rows.push(format!(
            "('s{s}', '{school}', 'student', 'Student {s}', NULL, {s})"
        ));
    }
    exec(
        store,
        format!(
            "INSERT INTO people (id, school_id, role, name, team_id, seed) VALUES {}",
            rows.join(", ")
        ),
    )
    .await;
    // Pairings 1–8; s0 is placed with a1 (team A) and b1 (team B); a3's placement ends soon.
    exec(
        store,
        "INSERT INTO pairings (id, wpb_id, student_id, start_day, end_day) VALUES
           (1, 'a1', 's0', '2026-08-24', '2027-07-10'), (2, 'a2', 's1', '2026-08-24', '2027-07-10'),
           (3, 'a3', 's2', '2026-08-24', '2026-12-09'), (4, 'b1', 's0', '2026-08-24', '2027-07-10'),
           (5, 'b1', 's3', '2026-11-02', '2027-07-10'), (6, 'x1', 's4', '2026-08-24', '2027-07-10'),
           (7, 'r1', 's5', '2026-08-24', '2027-07-10'), (8, 'z1', 's7', '2026-08-24', '2027-07-10')"
            .into(),
    )
    .await;
    exec(
        store,
        "INSERT INTO pauses (person_id, start_day, end_day) VALUES
           ('a2', '2026-10-12', '2026-10-25'), ('x1', '2026-11-30', '2026-12-04'),
           ('a3', '2026-09-14', '2026-09-18')"
            .into(),
    )
    .await;
    exec(
        store,
        format!(
            "INSERT INTO escalations (pairing_id, status, triggers, opened_at) VALUES
               (1, 'open', '[]', {}), (4, 'acknowledged', '[]', {}), (2, 'closed', '[]', {}),
               (7, 'open', '[]', {}), (8, 'open', '[]', {})",
            at("2026-11-20 10:00").timestamp(),
            at("2026-11-02 10:00").timestamp(),
            at("2026-10-01 10:00").timestamp(),
            at("2026-11-25 10:00").timestamp(),
            at("2026-11-25 10:00").timestamp(),
        ),
    )
    .await;

    // Moments on the edges: late Sunday and early Monday local time, the night of 25 October
    // (clocks back), and ordinary school-day hours.
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let edges = ["23:59", "00:00", "00:30", "02:30", "09:15", "13:40"];
    let first = day("2026-08-24");
    let wpbs: [(&str, &[i64]); 7] = [
        ("a1", &[1]),
        ("a2", &[2]),
        ("a3", &[3]),
        ("b1", &[4, 5]),
        ("x1", &[6]),
        ("r1", &[7]),
        ("z1", &[8]),
    ];
    let (mut outbox, mut reflections, mut signals) = (Vec::new(), Vec::new(), Vec::new());
    for (w, (wpb, pairings)) in wpbs.iter().enumerate() {
        // a2 stops answering in November, b1 never answers.
        for d in 0..105u64 {
            let date: NaiveDate = first + Duration::days(d as i64);
            if dice.roll(3) != 0 {
                continue;
            }
            let time = edges[dice.roll(edges.len() as u64) as usize];
            let moment = at(&format!("{date} {time}")).timestamp();
            let key = format!("{date}:prompt:{wpb}");
            let sent = dice.roll(8) != 0;
            let (status, sent_at) = if sent {
                ("sent", moment.to_string())
            } else {
                ("planned", "NULL".to_string())
            };
            outbox.push(format!(
                "('{key}', 'prompt', '{wpb}', {moment}, '{status}', {sent_at})"
            ));
            let quiet = (*wpb == "a2" && date >= day("2026-11-01")) || *wpb == "b1";
            if sent && !quiet && dice.roll(3) != 0 {
                let later = moment + 600 + dice.roll(3) as i64 * 43_200;
                reflections.push(format!(
                    "('{wpb}', '{key}', 'tekst', {later}, {})",
                    dice.roll(2)
                ));
            }
            if dice.roll(4) == 0 {
                reflections.push(format!("('{wpb}', NULL, 'los', {moment}, 0)"));
            }
            for pairing in pairings.iter() {
                // a1 has not given a klik about s0 since early October.
                let silent = *wpb == "a1" && date >= day("2026-10-05");
                if !silent && dice.roll(2) == 0 {
                    let value = dice.roll(3) as i64 - 1;
                    signals.push(format!("({pairing}, 'wpb', {value}, {moment}, '{wpb}')"));
                }
                if dice.roll(3) == 0 {
                    let value = dice.roll(3) as i64 - 1;
                    signals.push(format!(
                        "({pairing}, 'student', {value}, {}, 's{w}')",
                        moment + 3600
                    ));
                }
            }
        }
    }
    exec(
        store,
        format!(
            "INSERT INTO outbox (key, kind, recipient, due_at, status, sent_at) VALUES {}",
            outbox.join(", ")
        ),
    )
    .await;
    exec(
        store,
        format!(
            "INSERT INTO reflections (wpb_id, prompt_key, text, created_at, shared) VALUES {}",
            reflections.join(", ")
        ),
    )
    .await;
    exec(
        store,
        format!(
            "INSERT INTO klik_signals (pairing_id, source, value, at, actor_id) VALUES {}",
            signals.join(", ")
        ),
    )
    .await;
}

fn thresholds(min_students: u32, quiet_weeks: u32, quiet_prompts: u32, ending: u32) -> Thresholds {
    Thresholds {
        min_students,
        quiet_pairing_weeks: quiet_weeks,
        quiet_wpb_prompts: quiet_prompts,
        ending_within_weeks: ending,
    }
}

on_both_backends! {
    the_digest_counted_in_sql_equals_the_digest_counted_from_the_rows => |db: TestDb| async move {
        let store = db.store().await;
        seed(&store).await;
        let calendar = SchoolCalendar::amsterdam_default();
        let school = SchoolId::from_trusted("a");
        let cases = [
            ("2026-11-29", "2026-11-30", 10, Thresholds::default()),
            ("2026-12-02", "2026-12-02", 3, thresholds(5, 1, 1, 12)),
            ("2026-11-01", "2026-11-02", 52, thresholds(2, 4, 2, 1)),
            ("2026-10-25", "2026-10-26", 1, thresholds(20, 20, 20, 2)),
        ];
        let (mut small, mut large, mut pairings, mut unanswered) = (0, 0, 0, 0);
        for (until, today, weeks, thresholds) in cases {
            let request =
                SummaryRequest::new(&calendar, day(until), day(today), weeks, thresholds);
            let since = at(&format!("{} 00:00", request.since));
            let facts = store
                .digest_facts(&school, since, Amsterdam)
                .await
                .expect("facts")
                .expect("school");
            let expected = summarize(&facts, &request);
            let counted = store
                .digest_summary(&school, &request, Amsterdam)
                .await
                .expect("summary")
                .expect("school");
            assert_eq!(counted, expected, "until {until}, {weeks} weeks, {thresholds:?}");
            small += counted.cells.iter().filter(|c| !c.few_students.is_empty()).count();
            large += counted.cells.iter().filter(|c| c.students >= thresholds.min_students).count();
            pairings += counted.pairings.len();
            unanswered += counted.unanswered.len();
            assert!(counted.teamless_wpbs);
            assert!(counted.cells.iter().all(|c| c.team != "Z"), "another school's team");
            assert_eq!(counted.escalations.len(), 3, "open and picked up of school a only");
        }
        // The cases reach every part of the summary, so equality above means something.
        assert!(small > 0 && large > 0, "small {small}, large {large}");
        assert!(pairings > 0 && unanswered > 0, "pairings {pairings}, unanswered {unanswered}");
        assert!(store
            .digest_summary(&SchoolId::from_trusted("nope"), &SummaryRequest::new(
                &calendar, day("2026-11-29"), day("2026-11-30"), 10, Thresholds::default()), Amsterdam)
            .await
            .expect("summary")
            .is_none());
    };
}
