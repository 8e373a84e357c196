//! Engine figures at scale, printed (not asserted): `cargo bench --bench engine`.
//! SQLite always; PostgreSQL too when WANDELGANG_TEST_POSTGRES_URL is set (own database).
//! 100,000 wpbs with planned slots: an idle tick, a tick that claims and sends 1,000 due slots
//! through the recording transport, and one escalation evaluation among 1,000,000 signals.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use sqlx::{AssertSqlSafe, Connection, Row};
use std::sync::Arc;
use std::time::Instant;

use wandelgang::app::Engine;
use wandelgang::app::inbox::{Inbound, Sender};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::config::Config;
use wandelgang::domain::digest::{SummaryRequest, Thresholds};
use wandelgang::domain::escalation::{EscalationRules, evaluate};
use wandelgang::domain::prompts::Catalogue;
use wandelgang::domain::schedule::SchoolCalendar;
use wandelgang::store::Store;

#[path = "support/statements.rs"]
mod statements;

const WPBS: usize = 100_000;
const DUE: usize = 1_000;
const SIGNALS: usize = 1_000_000;
const TEAM_SIZE: usize = 100;

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Amsterdam
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid local time")
        .with_timezone(&Utc)
}

/// Runs `sql_rows` statements of multi-row inserts in chunks, inside one transaction.
async fn bulk(store: &Store, head: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    let mut tx = store.begin().await.expect("begin");
    for chunk in rows.chunks(1000) {
        let sql = format!("{head} VALUES {}", chunk.join(","));
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *tx)
            .await
            .expect("bulk insert");
    }
    tx.commit().await.expect("commit");
}

async fn seed(store: &Store, first_slot: DateTime<Utc>) {
    bulk(
        store,
        "INSERT INTO schools (id, name)",
        std::iter::once("('s', 'School')".to_string()),
    )
    .await;
    bulk(
        store,
        "INSERT INTO teams (id, school_id, name)",
        (0..WPBS / TEAM_SIZE).map(|t| format!("('t{t}', 's', 'Team {t}')")),
    )
    .await;
    let so = std::iter::once(
        "('so', 's', 'schoolopleider', 'SO', NULL, 'bench:so', NULL, 1, 0)".to_string(),
    );
    let people = (0..WPBS).flat_map(|i| {
        [
            format!(
                "('w{i}', 's', 'wpb', 'Wpb {i}', 't{}', 'bench:w{i}', NULL, {i}, 0)",
                i / TEAM_SIZE
            ),
            format!("('st{i}', 's', 'student', 'Student {i}', NULL, 'bench:st{i}', NULL, {i}, 0)"),
        ]
    });
    bulk(
        store,
        "INSERT INTO people (id, school_id, role, name, team_id, chat, language, seed, needs_plan)",
        so.chain(people),
    )
    .await;
    bulk(
        store,
        "INSERT INTO pairings (wpb_id, student_id, start_day, end_day)",
        (0..WPBS).map(|i| format!("('w{i}', 'st{i}', '2026-09-01', '2027-07-10')")),
    )
    .await;
    // Each wpb has one planned slot in the coming days; none is due at the idle moment.
    let base = first_slot.timestamp();
    bulk(
        store,
        "INSERT INTO outbox (key, kind, recipient, due_at, status)",
        (0..WPBS).map(|i| {
            format!(
                "('2026-W46-1:prompt:w{i}', 'prompt', 'w{i}', {}, 'planned')",
                base + (i as i64 % 7200) * 3
            )
        }),
    )
    .await;
    let t0 = local(2026, 9, 7, 9, 0).timestamp();
    bulk(
        store,
        "INSERT INTO klik_signals (pairing_id, source, value, at, actor_id)",
        (0..SIGNALS).map(|n| {
            let pairing = (n % WPBS) + 1;
            let value = [1, 1, 0, 1, -1][n % 5];
            format!(
                "({pairing}, 'wpb', {value}, {}, 'w{}')",
                t0 + (n / WPBS) as i64 * 86_400,
                pairing - 1
            )
        }),
    )
    .await;
    // Two prompts that went to every wpb in those days, half of them answered.
    bulk(
        store,
        "INSERT INTO outbox (key, kind, recipient, due_at, status, sent_at)",
        (0..2 * WPBS).map(|n| {
            let (i, sent) = (n % WPBS, t0 + (n / WPBS) as i64 * 5 * 86_400);
            format!("('sent-{n}:prompt:w{i}', 'prompt', 'w{i}', {sent}, 'sent', {sent})")
        }),
    )
    .await;
    bulk(
        store,
        "INSERT INTO reflections (wpb_id, prompt_key, text, created_at, shared)",
        (0..2 * WPBS).step_by(2).map(|n| {
            let (i, at) = (n % WPBS, t0 + (n / WPBS) as i64 * 5 * 86_400 + 3_600);
            format!(
                "('w{i}', 'sent-{n}:prompt:w{i}', 'bench', {at}, {})",
                u8::from(n % 3 == 0)
            )
        }),
    )
    .await;
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

async fn bench(name: &str, url: &str) {
    println!("\n## {name}");
    let t = Instant::now();
    let store = Store::open(url).await.expect("open store");
    // Wednesday 18 November 2026: slots start Friday morning, so 16:00 Wednesday is idle.
    let idle_at = local(2026, 11, 18, 16, 0);
    seed(&store, local(2026, 11, 20, 9, 0)).await;
    if store.backend() == wandelgang::store::Backend::Postgres {
        sqlx::query("ANALYZE")
            .execute(store.pool())
            .await
            .expect("analyze");
    }
    println!(
        "seeded {WPBS} wpbs in teams of {TEAM_SIZE}, {WPBS} planned slots, {} sent prompts, {WPBS} reflections, {SIGNALS} signals in {:.1} s",
        2 * WPBS,
        t.elapsed().as_secs_f64()
    );

    let clock = VirtualClock::new(idle_at);
    let chat = RecordingChat::new();
    let engine = Engine::new(
        store.clone(),
        chat.clone(),
        clock.clone(),
        Arc::new(Config::default()),
        Arc::new(Catalogue::builtin()),
    );

    // The week's first tick makes the weekly digest (figures over the whole school); the
    // ticks after it are idle.
    let t = Instant::now();
    let first = engine.tick().await.expect("first tick");
    let elapsed = t.elapsed();
    let stored: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(LENGTH(body)), 0) FROM outbox WHERE kind = 'digest'",
    )
    .fetch_one(store.pool())
    .await
    .expect("the stored digest");
    println!(
        "first tick of the week:         {:.0} ms  (the weekly digest of {WPBS} wpbs: facts, figures, chart; sent {}, stored {:.1} KB)",
        elapsed.as_secs_f64() * 1e3,
        first.sent,
        stored as f64 / 1e3
    );
    let mut idle = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let outcome = engine.tick().await.expect("tick");
        idle.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(outcome.is_idle(), "the idle tick did work: {outcome:?}");
    }
    let idle = median(idle);
    let floor = median_of(50, || floor_idle(&store, idle_at)).await;
    println!(
        "idle tick:                      median {idle:.3} ms; floor {floor:.3} ms, ratio {:.1}  (aim < 5 ms)",
        idle / floor
    );

    let mut rounds = Vec::new();
    for round in 0..7i64 {
        // Make 1,000 slots due inside Thursday's window, as after a burst of planned moments.
        let now = local(2026, 11, 19, 10, 0) + Duration::minutes(round * 20);
        let lo = (round as usize) * DUE;
        make_due(&store, lo..lo + DUE, now).await;
        clock.set(now);
        let before = chat.delivered().len();
        let t = Instant::now();
        // The last round's statements as a timeline: what is left and why.
        let (outcome, report) = match round {
            6 => statements::timeline("the last round", engine.tick()).await,
            _ => (engine.tick().await, String::new()),
        };
        rounds.push(t.elapsed().as_secs_f64() * 1e3);
        print!("{report}");
        let outcome = outcome.expect("tick");
        // Wpbs of an earlier round may have their next planned slot fall due in between.
        assert!(outcome.sent >= DUE, "{outcome:?}");
        assert_eq!(chat.delivered().len() - before, outcome.sent);
    }
    let best = rounds.iter().copied().fold(f64::INFINITY, f64::min);
    let (n, tick) = (rounds.len(), median(rounds));
    // The first idle tick after them checkpoints SQLite's log they wrote.
    let t = Instant::now();
    let after = engine.tick().await.expect("tick");
    let checkpoint = t.elapsed().as_secs_f64() * 1e3;
    assert!(after.is_idle(), "{after:?}");
    // The floor: the same claims, updates and inserts as set-based statements in one
    // transaction, on slots of wpbs the engine rounds did not touch.
    let mut floors = Vec::new();
    for round in 0..7i64 {
        let now = local(2026, 11, 19, 14, 0) + Duration::minutes(round * 20);
        let lo = 20_000 + (round as usize) * DUE;
        make_due(&store, lo..lo + DUE, now).await;
        floors.push(floor_tick(&store, now, round).await);
    }
    let floor = median(floors);
    println!(
        "tick with {DUE} due slots:      median {tick:.1} ms, best {best:.1} ms of {n} rounds; floor {floor:.1} ms, ratio {:.1}  (claim, choose prompt, send, record, plan next; aim < 100 ms)",
        tick / floor
    );
    println!(
        "first idle tick after those:    {checkpoint:.1} ms  (on SQLite it copies the log of the {n} rounds back into the database file)"
    );

    let rules = EscalationRules::default();
    let mut evals = Vec::new();
    for i in 0..200 {
        let wpb = 50_000 + i;
        clock.set(local(2026, 11, 19, 11, 0) + Duration::seconds(i as i64));
        let t = Instant::now();
        let reply = engine
            .handle(Inbound::Klik {
                from: Sender::Chat(format!("bench:w{wpb}")),
                student: None,
                value: "twijfel".into(),
            })
            .await;
        evals.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(reply.is_ok(), "{reply:?}");
    }
    println!(
        "klik through the engine:        median {:.3} ms  (find pairing and parties, authorize, the evaluation below; the summary context only for an escalation)",
        median(evals)
    );
    // The evaluation itself: record the signal, read the bounded window, decide, commit.
    let mut evaluations = Vec::new();
    for i in 0..200i64 {
        let pairing = wandelgang::domain::roster::PairingId(60_000 + i);
        let write = wandelgang::store::SignalWrite {
            pairing,
            source: wandelgang::domain::klik::SignalSource::Wpb,
            value: wandelgang::domain::klik::KlikValue::Twijfel,
            at: local(2026, 11, 19, 12, 0) + Duration::seconds(i),
            actor: wandelgang::domain::roster::PersonId::from_trusted(format!(
                "w{}",
                60_000 + i - 1
            )),
        };
        let t = Instant::now();
        let ev = store
            .record_signal(
                &write,
                |recent, open, view| evaluate(&rules, recent, open, view),
                |_| vec![],
            )
            .await
            .expect("record");
        evaluations.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(ev.recent.len(), EscalationRules::WINDOW);
    }
    let evaluation = median(evaluations);
    let mut floors = Vec::new();
    for i in 0..200i64 {
        floors.push(floor_evaluation(&store, 70_000 + i, local(2026, 11, 19, 13, 0)).await);
    }
    let floor = median(floors);
    println!(
        "escalation evaluation (store):  median {evaluation:.3} ms; floor {floor:.3} ms, ratio {:.1}  (insert, window of {} among {SIGNALS} signals, decide, commit; aim < 1 ms)",
        evaluation / floor,
        EscalationRules::WINDOW
    );
    let window = store
        .signals_of(
            wandelgang::domain::roster::PairingId(1),
            EscalationRules::WINDOW as i64,
        )
        .await
        .expect("window");
    let own: Vec<_> = window
        .iter()
        .filter(|p| p.source == wandelgang::domain::klik::SignalSource::Wpb)
        .copied()
        .collect();
    let view = wandelgang::domain::escalation::WpbView {
        own: &own,
        told_in_progress: false,
    };
    let t = Instant::now();
    for _ in 0..10_000 {
        std::hint::black_box(evaluate(
            &rules,
            std::hint::black_box(&window),
            false,
            &view,
        ));
    }
    println!(
        "pure evaluate() on the window:  {:.2} µs",
        t.elapsed().as_secs_f64() * 1e6 / 10_000.0
    );
    daily_jobs(&engine, &clock).await;
    store.close().await;
}

/// The once-a-day and once-a-week work at this size: retention, the digest's facts and
/// figures, the placements ending soon.
async fn daily_jobs(engine: &Engine<RecordingChat, VirtualClock>, clock: &VirtualClock) {
    let now = local(2026, 11, 23, 8, 0);
    clock.set(now);
    let today = now.with_timezone(&Amsterdam).date_naive();
    let school = wandelgang::domain::roster::SchoolId::from_trusted("s");
    let retention = median_of(3, || async {
        engine.retention("bench", false).await.expect("retention");
    })
    .await;
    let rows = median_of(3, || async {
        engine
            .store
            .digest_facts(&school, now - Duration::weeks(26), Amsterdam)
            .await
            .expect("facts")
            .expect("school");
    })
    .await;
    let calendar = SchoolCalendar::amsterdam_default();
    let request = SummaryRequest::new(&calendar, today, today, 10, Thresholds::default());
    // Nothing kept: the first digest, or the one after a wpb moved team. Then the usual
    // Monday, when only the last two weeks are counted.
    let cold = median_of(3, || async {
        sqlx::query("DELETE FROM digest_weeks")
            .execute(engine.store.pool())
            .await
            .expect("let kept weeks go");
        engine
            .store
            .digest_summary(&school, &request, &calendar)
            .await
            .expect("summary")
            .expect("school");
    })
    .await;
    let summary = median_of(3, || async {
        engine
            .store
            .digest_summary(&school, &request, &calendar)
            .await
            .expect("summary")
            .expect("school");
    })
    .await;
    let figures = median_of(3, || async {
        engine
            .school_figures(&school, today, today, 10)
            .await
            .expect("figures")
            .expect("school");
    })
    .await;
    let ending = median_of(3, || async {
        engine
            .store
            .placements_ending(today, today + Duration::weeks(2), 1000)
            .await
            .expect("ending");
    })
    .await;
    println!(
        "daily and weekly jobs at {} people: retention {retention:.0} ms; digest counted in SQL {summary:.0} ms with the completed weeks kept, {cold:.0} ms with none kept (its rows, the reference: {rows:.0} ms), counted + figures {figures:.0} ms; placements ending {ending:.1} ms  (aim each < 1,000 ms)",
        2 * WPBS + 1
    );
}

/// The median time of `runs` runs of `work`, in milliseconds.
async fn median_of<F, Fut, T>(runs: usize, mut work: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(work().await);
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    median(times)
}

/// Makes the planned slots of wpbs `wpbs` due a minute before `now`.
async fn make_due(store: &Store, wpbs: std::ops::Range<usize>, now: DateTime<Utc>) {
    let keys: Vec<String> = wpbs.map(|i| format!("'2026-W46-1:prompt:w{i}'")).collect();
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE outbox SET due_at = {} WHERE key IN ({})",
        (now - Duration::minutes(1)).timestamp(),
        keys.join(",")
    )))
    .execute(store.pool())
    .await
    .expect("make due");
}

/// What an idle tick cannot do without: ask for due rows and for wpbs to plan.
async fn floor_idle(store: &Store, now: DateTime<Utc>) {
    sqlx::query(
        "SELECT id FROM outbox WHERE status = 'planned' AND due_at <= $1 ORDER BY due_at LIMIT 500",
    )
    .bind(now.timestamp())
    .fetch_all(store.pool())
    .await
    .expect("due rows");
    sqlx::query("SELECT id FROM people WHERE needs_plan = 1 LIMIT 500")
        .fetch_all(store.pool())
        .await
        .expect("plan marks");
}

/// The writes of a tick with 1,000 due slots as bare set-based SQL in one transaction:
/// claim them, record them sent with a prompt, insert a reminder and a next slot for each.
async fn floor_tick(store: &Store, now: DateTime<Utc>, round: i64) -> f64 {
    let claimer = format!("floor-{round}");
    let now = now.timestamp();
    let t = Instant::now();
    let mut tx = store.begin().await.expect("begin");
    let claimed = sqlx::query(
        "UPDATE outbox SET status = 'claimed', claimed_by = $1, claim_until = $2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM outbox WHERE status = 'planned' AND due_at <= $3 ORDER BY due_at LIMIT $4)
         RETURNING id",
    )
    .bind(&claimer)
    .bind(now + 120)
    .bind(now)
    .bind(DUE as i64)
    .fetch_all(&mut *tx)
    .await
    .expect("claim");
    assert_eq!(claimed.len(), DUE);
    // The claimed rows by their ids, as the engine has them in hand: selecting them again by
    // claimer would read past every other row of the outbox (no index serves that).
    let ids = claimed
        .iter()
        .map(|r| r.try_get::<i64, _>("id").expect("id").to_string())
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE outbox SET status = 'sent', sent_at = $1, prompt_id = 'vloer', claim_until = NULL
         WHERE id IN ({ids})"
    )))
    .bind(now)
    .execute(&mut *tx)
    .await
    .expect("sent");
    for (suffix, kind, later) in [
        (":herinnering", "reminder", 86_400),
        (":volgende", "prompt", 3 * 86_400),
    ] {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO outbox (key, kind, recipient, due_at, status, ref_id)
             SELECT key || '{suffix}', '{kind}', recipient, due_at + {later}, 'planned', id
             FROM outbox WHERE id IN ({ids})"
        )))
        .execute(&mut *tx)
        .await
        .expect("follow-ups");
    }
    tx.commit().await.expect("commit");
    t.elapsed().as_secs_f64() * 1e3
}

/// An escalation evaluation's database work as bare SQL: insert the signal, read the
/// pairing's window of latest signals and its open escalation, commit.
async fn floor_evaluation(store: &Store, pairing: i64, at: DateTime<Utc>) -> f64 {
    let t = Instant::now();
    let mut tx = store.begin().await.expect("begin");
    sqlx::query("INSERT INTO klik_signals (pairing_id, source, value, at, actor_id) VALUES ($1, 'wpb', 0, $2, $3)")
        .bind(pairing)
        .bind(at.timestamp())
        .bind(format!("w{}", pairing - 1))
        .execute(&mut *tx)
        .await
        .expect("insert signal");
    sqlx::query("SELECT source, value, at FROM klik_signals WHERE pairing_id = $1 ORDER BY at DESC, id DESC LIMIT $2")
        .bind(pairing)
        .bind(EscalationRules::WINDOW as i64)
        .fetch_all(&mut *tx)
        .await
        .expect("window");
    sqlx::query(
        "SELECT id FROM escalations WHERE pairing_id = $1 AND status IN ('open', 'acknowledged')",
    )
    .bind(pairing)
    .fetch_optional(&mut *tx)
    .await
    .expect("open escalation");
    tx.commit().await.expect("commit");
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing we need to honour.
    statements::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!(
            "Wandelgang engine benchmark on {}",
            wandelgang::scale::process::machine()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        bench(
            "SQLite (file, WAL)",
            &format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .await;
        match std::env::var("WANDELGANG_TEST_POSTGRES_URL") {
            Ok(admin) => {
                sqlx::any::install_default_drivers();
                let name = format!("wg_bench_{}", std::process::id());
                let mut conn = sqlx::AnyConnection::connect(&admin).await.expect("connect");
                sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create db");
                let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
                bench("PostgreSQL", &format!("{base}/{name}")).await;
                sqlx::query(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await
                    .expect("drop db");
            }
            Err(_) => {
                println!("\nPostgreSQL skipped: set WANDELGANG_TEST_POSTGRES_URL to include it.")
            }
        }
    });
}
