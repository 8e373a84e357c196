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
use wandelgang::chat::render::{self, Occasion, RenderContext};
use wandelgang::domain::digest::{
    DigestFigures, DigestSummary, RISK_LIST_LEN, SummaryRequest, Thresholds, figures_of_summary,
    summarize,
};
use wandelgang::domain::language::Language;
use wandelgang::domain::roster::{PersonId, SchoolId};
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

/// Inserts `rows` (SQL value tuples) into `into` (a table and its columns).
async fn insert(store: &Store, into: &str, rows: &[String]) {
    exec(
        store,
        format!("INSERT INTO {into} VALUES {}", rows.join(", ")),
    )
    .await;
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
    insert(
        store,
        "people (id, school_id, role, name, team_id, seed)",
        &rows,
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
    insert(
        store,
        "outbox (key, kind, recipient, due_at, status, sent_at)",
        &outbox,
    )
    .await;
    insert(
        store,
        "reflections (wpb_id, prompt_key, text, created_at, shared)",
        &reflections,
    )
    .await;
    insert(
        store,
        "klik_signals (pairing_id, source, value, at, actor_id)",
        &signals,
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
        let cases = [
            ("2026-11-29", "2026-11-30", 10, Thresholds::default()),
            ("2026-12-02", "2026-12-02", 3, thresholds(5, 1, 1, 12)),
            ("2026-11-01", "2026-11-02", 52, thresholds(2, 4, 2, 1)),
            ("2026-10-25", "2026-10-26", 1, thresholds(20, 20, 20, 2)),
        ];
        let (mut small, mut large, mut pairings, mut unanswered) = (0, 0, 0, 0);
        // SQLite counts a span from its facts when they are fewer than the school's people,
        // else from the people: the seed's long spans hold more signals than its 13 people.
        // Again with 1,000 students more (in no placement, so the figures stay the same) and
        // nothing kept, every span is counted from its facts.
        let more_students = (0..1000)
            .map(|i| format!("('extra{i}', 'a', 'student', 'Extra {i}', NULL, {i})"))
            .collect::<Vec<_>>()
            .join(", ");
        for pass in 0..2 {
            if pass == 1 {
                exec(&store, format!(
                    "INSERT INTO people (id, school_id, role, name, team_id, seed) VALUES {more_students}"
                )).await;
                exec(&store, "DELETE FROM digest_weeks".into()).await;
            }
            for (until, today, weeks, thresholds) in cases {
                let request =
                    SummaryRequest::new(&calendar, day(until), day(today), weeks, thresholds);
                let (counted, expected) = counted_and_expected(&store, &request).await;
                assert_eq!(counted, expected, "until {until}, {weeks} weeks, {thresholds:?}");
                let (f, counted) = (&counted.figures, &counted.summary);
                small += counted.cells.iter().filter(|c| !c.few_students.is_empty()).count();
                large += counted.cells.iter().filter(|c| c.students >= thresholds.min_students).count();
                pairings += f.quiet_pairings.len() + f.ending.len();
                unanswered += counted.unanswered.len();
                assert!(counted.teamless_wpbs);
                assert!(counted.cells.iter().all(|c| c.team != "Z"), "another school's team");
                assert_eq!(counted.escalations.len(), 3, "open and picked up of school a only");
            }
        }
        // The cases reach every part of the summary, so equality above means something.
        assert!(small > 0 && large > 0, "small {small}, large {large}");
        assert!(pairings > 0 && unanswered > 0, "pairings {pairings}, unanswered {unanswered}");
        assert!(store
            .digest_summary(&SchoolId::from_trusted("nope"), &SummaryRequest::new(
                &calendar, day("2026-11-29"), day("2026-11-30"), 10, Thresholds::default()), &calendar)
            .await
            .expect("summary")
            .is_none());
    };
}

/// The summary of school `a` for the first case, which must equal the reference counted from
/// the rows as they are now.
async fn assert_equals_reference(store: &Store, after: &str) -> usize {
    let request = SummaryRequest::new(
        &SchoolCalendar::amsterdam_default(),
        day("2026-11-29"),
        day("2026-11-30"),
        10,
        Thresholds::default(),
    );
    let (counted, expected) = counted_and_expected(store, &request).await;
    assert_eq!(counted, expected, "after {after}");
    kept_weeks(store).await
}

/// A summary as the digest uses it. Of the quiet and ending placements the store reads only
/// the first ones (and the pauses of their wpbs), so those lists are compared as the
/// figures made of them: the risk lists a schoolopleider reads, and their counts.
#[derive(Debug, PartialEq)]
struct Seen {
    summary: DigestSummary,
    figures: DigestFigures,
}

impl Seen {
    fn new(mut summary: DigestSummary, request: &SummaryRequest) -> Self {
        let calendar = SchoolCalendar::amsterdam_default();
        let figures = figures_of_summary(&calendar, request.today, request, &summary);
        summary.quiet.clear();
        summary.quiet_more = 0;
        summary.ending.clear();
        summary.ending_more = 0;
        summary.pauses.clear();
        Self { summary, figures }
    }
}

/// School `a`'s summary for `request` as counted in SQL, and as the reference counts it from
/// the rows.
async fn counted_and_expected(store: &Store, request: &SummaryRequest) -> (Seen, Seen) {
    let (counted, expected) = counted_and_reference(store, "a", request).await;
    (Seen::new(counted, request), Seen::new(expected, request))
}

/// `school`'s summary for `request` as counted in SQL, and the reference's.
async fn counted_and_reference(
    store: &Store,
    school: &str,
    request: &SummaryRequest,
) -> (DigestSummary, DigestSummary) {
    let school = SchoolId::from_trusted(school);
    let since = at(&format!("{} 00:00", request.since));
    let facts = store
        .digest_facts(&school, since, Amsterdam)
        .await
        .expect("facts")
        .expect("school");
    let counted = store
        .digest_summary(&school, request, &SchoolCalendar::amsterdam_default())
        .await
        .expect("summary")
        .expect("school");
    (counted, summarize(&facts, request))
}

/// How many weeks of school `a` are kept with their cells.
async fn kept_weeks(store: &Store) -> usize {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM digest_weeks WHERE school_id = 'a' AND cells IS NOT NULL",
    )
    .fetch_one(store.pool())
    .await
    .expect("count kept weeks");
    usize::try_from(n).expect("count")
}

async fn scalar(store: &Store, sql: &str) -> String {
    sqlx::query_scalar(AssertSqlSafe(sql.to_string()))
        .fetch_one(store.pool())
        .await
        .expect(sql)
}

on_both_backends! {
    kept_weeks_are_used_and_every_later_change_of_their_facts_counts_them_again => |db: TestDb| async move {
        let store = db.store().await;
        seed(&store).await;
        // Made on Monday 30 November for the 14 school weeks up to Sunday: the 13 that ended a
        // day before are kept, the week that ended last night is counted every time.
        assert_eq!(assert_equals_reference(&store, "the first count").await, 13);
        assert_eq!(assert_equals_reference(&store, "a second count").await, 13);

        // The kept weeks are what the second count used: spoil them and the counts differ.
        exec(&store, "UPDATE digest_weeks SET cells = '[]' WHERE school_id = 'a'".into()).await;
        let request = SummaryRequest::new(
            &SchoolCalendar::amsterdam_default(),
            day("2026-11-29"),
            day("2026-11-30"),
            10,
            Thresholds::default(),
        );
        let spoiled = store
            .digest_summary(&SchoolId::from_trusted("a"), &request, &SchoolCalendar::amsterdam_default())
            .await
            .expect("summary")
            .expect("school");
        assert!(!spoiled.cells.is_empty());
        assert!(spoiled.cells.iter().all(|c| c.week == 13), "{:?}", spoiled.cells);
        // A kept week that cannot be read is counted again.
        exec(&store, "UPDATE digest_weeks SET cells = 'kapot' WHERE school_id = 'a'".into()).await;
        assert_eq!(assert_equals_reference(&store, "unreadable kept weeks").await, 13);

        // An answer today to a prompt of September.
        let old_prompt = scalar(
            &store,
            "SELECT o.key FROM outbox o WHERE o.recipient = 'a1' AND o.status = 'sent'
               AND o.sent_at > 1788000000 AND NOT EXISTS
                 (SELECT 1 FROM reflections r WHERE r.prompt_key = o.key)
             ORDER BY o.sent_at LIMIT 1",
        )
        .await;
        let a1 = PersonId::from_trusted("a1");
        let now = at("2026-11-30 09:00");
        let id = store
            .add_reflection(&a1, "alsnog", Some((&old_prompt, None)), now, false)
            .await
            .expect("reflection");
        assert!(kept_weeks(&store).await < 13, "the answered prompt's week is let go");
        assert_eq!(assert_equals_reference(&store, "an answer to an old prompt").await, 13);

        // Sharing a reflection of October.
        let october: i64 = sqlx::query_scalar(
            "SELECT id FROM reflections WHERE wpb_id = 'a3' AND shared = 0 AND created_at < 1792000000
             ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(store.pool())
        .await
        .expect("an unshared reflection");
        assert!(store
            .share_reflection(&PersonId::from_trusted("a3"), october)
            .await
            .expect("share"));
        assert_eq!(assert_equals_reference(&store, "sharing an old reflection").await, 13);

        // A wpb moves team, and another becomes a schoolopleider (as a roster import does).
        exec(&store, "UPDATE people SET team_id = 'B' WHERE id = 'a2'".into()).await;
        assert_eq!(kept_weeks(&store).await, 0);
        assert_eq!(assert_equals_reference(&store, "a move to another team").await, 13);
        exec(&store, "UPDATE people SET role = 'schoolopleider' WHERE id = 'a3'".into()).await;
        assert_eq!(assert_equals_reference(&store, "a wpb who became a schoolopleider").await, 13);
        // Something that changes no cell keeps them all.
        exec(&store, "UPDATE people SET name = 'Andere naam' WHERE id = 'a1'".into()).await;
        assert_eq!(kept_weeks(&store).await, 13);

        // Deletions: old signals (as retention does), and the student of two teams forgotten.
        exec(&store, "DELETE FROM klik_signals WHERE at < 1790000000".into()).await;
        assert_eq!(assert_equals_reference(&store, "old signals deleted").await, 13);
        store
            .forget_person(&PersonId::from_trusted("s0"), now, "test", false, None)
            .await
            .expect("forget")
            .expect("s0 is known");
        assert_eq!(assert_equals_reference(&store, "a forgotten student").await, 13);
        let kept: Vec<String> = sqlx::query_scalar("SELECT cells FROM digest_weeks WHERE cells IS NOT NULL")
            .fetch_all(store.pool())
            .await
            .expect("kept cells");
        assert!(kept.iter().all(|c| !c.contains("\"s0\"")), "a forgotten student's id is kept");
        // The reflection of today is removed again: its prompt's week is counted again.
        exec(&store, format!("DELETE FROM reflections WHERE id = {id}")).await;
        assert_eq!(assert_equals_reference(&store, "a deleted answer").await, 13);
    };
}

/// School `q`: 60 wpbs in team Q, each with one running placement, most of them quiet for a
/// different number of weeks; names that tie, differ only in case or carry an accent (so
/// the database's order of names must be Rust's); wpbs paused now, paused before, and one
/// with an earlier placement with the same student whose klik counts; ten placements that
/// end within two weeks.
async fn seed_quiet_school(store: &Store) {
    exec(
        store,
        "INSERT INTO schools (id, name) VALUES ('q', 'School Q')".into(),
    )
    .await;
    exec(
        store,
        "INSERT INTO teams (id, school_id, name) VALUES ('Q', 'q', 'Team Q')".into(),
    )
    .await;
    let names = ["anna", "Bert", "Zelfde", "Émile", "bert", "Zelfde"];
    let mut people = Vec::new();
    let mut pairings = Vec::new();
    let (mut outbox, mut signals) = (Vec::new(), Vec::new());
    let first = day("2026-08-24");
    let edges = ["00:00", "00:30", "09:15", "23:59"];
    for i in 0..60i64 {
        let name = format!("{} {}", names[i as usize % names.len()], i % 7);
        people.push(format!("('q{i}', 'q', 'wpb', '{name}', 'Q', {i})"));
        people.push(format!(
            "('qs{i}', 'q', 'student', 'Leerling {}', NULL, {i})",
            i % 9
        ));
        let start = ["2026-08-24", "2026-10-12", "2026-11-09"][(i % 3) as usize];
        let end = if i >= 50 {
            (day("2026-11-30") + Duration::days(1 + (i * 5) % 13)).to_string()
        } else {
            "2027-07-10".to_string()
        };
        pairings.push(format!(
            "({}, 'q{i}', 'qs{i}', '{start}', '{end}')",
            100 + i
        ));
        // The first prompt on a different day for each wpb, then one a week.
        for k in 0..15 {
            let date = first + Duration::days(i % 20 + 7 * k);
            let moment = at(&format!("{date} {}", edges[((i + k) % 4) as usize])).timestamp();
            outbox.push(format!(
                "('q{date}:prompt:q{i}', 'prompt', 'q{i}', {moment}, 'sent', {moment})"
            ));
        }
        // A last klik on a different day for three in four wpbs.
        if i % 4 != 0 {
            let date = first + Duration::days((i * 3) % 98);
            let moment = at(&format!("{date} {}", edges[(i % 4) as usize])).timestamp();
            signals.push(format!("({}, 'wpb', 1, {moment}, 'q{i}')", 100 + i));
            signals.push(format!(
                "({}, 'student', -1, {}, 'qs{i}')",
                100 + i,
                moment + 60
            ));
        }
    }
    // q4 had the same student before; its klik of October is the last one about them.
    pairings.push("(99, 'q4', 'qs4', '2026-02-01', '2026-08-20')".into());
    signals.push(format!(
        "(99, 'wpb', 0, {}, 'q4')",
        at("2026-08-12 10:00").timestamp()
    ));
    insert(
        store,
        "people (id, school_id, role, name, team_id, seed)",
        &people,
    )
    .await;
    insert(
        store,
        "pairings (id, wpb_id, student_id, start_day, end_day)",
        &pairings,
    )
    .await;
    exec(
        store,
        "INSERT INTO pauses (person_id, start_day, end_day) VALUES
        ('q8', '2026-11-30', '2026-12-04'), ('q9', '2026-10-12', '2026-10-25'),
        ('q12', '2026-09-07', '2026-11-01')"
            .into(),
    )
    .await;
    insert(
        store,
        "outbox (key, kind, recipient, due_at, status, sent_at)",
        &outbox,
    )
    .await;
    insert(
        store,
        "klik_signals (pairing_id, source, value, at, actor_id)",
        &signals,
    )
    .await;
}

on_both_backends! {
    long_risk_lists_are_ranked_in_the_database_and_counted_exactly => |db: TestDb| async move {
        let store = db.store().await;
        seed_quiet_school(&store).await;
        let calendar = SchoolCalendar::amsterdam_default();
        let cases = [
            ("2026-11-29", "2026-11-30", 10, Thresholds::default()),
            ("2026-12-02", "2026-12-02", 3, thresholds(3, 1, 4, 3)),
            ("2026-11-01", "2026-11-02", 10, thresholds(3, 4, 4, 2)),
            ("2026-11-29", "2026-11-30", 10, thresholds(3, 0, 4, 0)),
            ("2026-10-25", "2026-10-26", 10, thresholds(3, 6, 4, 2)),
            // q21's last klik was on Monday 26 October at 00:30, Sunday in UTC: four silent
            // weeks by 30 November in local time, five if the day were taken in UTC.
            ("2026-11-29", "2026-11-30", 10, thresholds(3, 5, 4, 2)),
        ];
        let (mut cut_quiet, mut cut_ending) = (0, 0);
        for (until, today, weeks, thresholds) in cases {
            let request = SummaryRequest::new(&calendar, day(until), day(today), weeks, thresholds);
            let (counted, reference) = counted_and_reference(&store, "q", &request).await;
            assert!(counted.quiet.len() <= reference.quiet.len());
            let paused = counted.quiet.iter().filter(|p| ["q8", "q9", "q12"].contains(&p.wpb.as_str())).count();
            assert!(
                counted.quiet.len() - paused <= RISK_LIST_LEN + 1,
                "only the first ones and a tie leave the database: {:?}", counted.quiet
            );
            cut_quiet += reference.quiet.len() - counted.quiet.len();
            cut_ending += reference.ending.len() - counted.ending.len();
            let (counted, reference) = (Seen::new(counted, &request), Seen::new(reference, &request));
            assert_eq!(counted, reference, "today {today}, {thresholds:?}");
            let f = &counted.figures;
            assert!(f.quiet_pairings.len() <= RISK_LIST_LEN && f.ending.len() <= RISK_LIST_LEN);
            if today == "2026-11-30" && thresholds == Thresholds::default() {
                assert!(f.left_out.quiet_pairings > 20 && f.left_out.ending > 0, "{:?}", f.left_out);
                // The message names five of each and counts the rest.
                let ctx = RenderContext { language: Language::Nl, tz: Amsterdam, max_chars: 4000 };
                let text = render::digest_text(f, Occasion::Weekly, &ctx);
                let quiet = f.quiet_pairings.len() + f.left_out.quiet_pairings as usize;
                assert!(text.contains(&format!("(+{} meer)", quiet - RISK_LIST_LEN)), "{text}");
                assert!(text.contains(&f.quiet_pairings[0].wpb), "{text}");
            }
        }
        assert!(cut_quiet > 0 && cut_ending > 0, "the store cut the lists: {cut_quiet}, {cut_ending}");
    };
}
