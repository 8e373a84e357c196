//! Engine figures at scale, printed (not asserted): `cargo bench --bench engine`.
//! SQLite always; PostgreSQL too when WANDELGANG_TEST_POSTGRES_URL is set (own database).
//! 100,000 wpbs with planned slots: an idle tick, a tick that claims and sends 1,000 due slots
//! through the recording transport, and one escalation evaluation among 1,000,000 signals.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use sqlx::{AssertSqlSafe, Connection};
use std::sync::Arc;
use std::time::Instant;

use wandelgang::app::Engine;
use wandelgang::app::inbox::{Inbound, Sender};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::config::Config;
use wandelgang::domain::escalation::{EscalationRules, evaluate};
use wandelgang::domain::prompts::Catalogue;
use wandelgang::store::Store;

const WPBS: usize = 100_000;
const DUE: usize = 1_000;
const SIGNALS: usize = 1_000_000;

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
    let so = std::iter::once(
        "('so', 's', 'schoolopleider', 'SO', NULL, 'bench:so', NULL, 1, 0)".to_string(),
    );
    let people = (0..WPBS).flat_map(|i| {
        [
            format!("('w{i}', 's', 'wpb', 'Wpb {i}', NULL, 'bench:w{i}', NULL, {i}, 0)"),
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
        "seeded {WPBS} wpbs, {WPBS} planned slots, {SIGNALS} signals in {:.1} s",
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

    let mut idle = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let outcome = engine.tick().await.expect("tick");
        idle.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(outcome.is_idle(), "the idle tick did work: {outcome:?}");
    }
    println!(
        "idle tick:                      median {:.3} ms  (aim < 5 ms)",
        median(idle)
    );

    let mut rounds = Vec::new();
    for round in 0..7i64 {
        // Make 1,000 slots due inside Thursday's window, as after a burst of planned moments.
        let now = local(2026, 11, 19, 10, 0) + Duration::minutes(round * 20);
        let lo = (round as usize) * DUE;
        let keys: Vec<String> = (lo..lo + DUE)
            .map(|i| format!("'2026-W46-1:prompt:w{i}'"))
            .collect();
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE outbox SET due_at = {} WHERE key IN ({})",
            (now - Duration::minutes(1)).timestamp(),
            keys.join(",")
        )))
        .execute(store.pool())
        .await
        .expect("make due");
        clock.set(now);
        let before = chat.delivered().len();
        let t = Instant::now();
        let outcome = engine.tick().await.expect("tick");
        rounds.push(t.elapsed().as_secs_f64() * 1e3);
        // Wpbs of an earlier round may have their next planned slot fall due in between.
        assert!(outcome.sent >= DUE, "{outcome:?}");
        assert_eq!(chat.delivered().len() - before, outcome.sent);
    }
    println!(
        "tick with {DUE} due slots:      median {:.1} ms, best {:.1} ms of {} rounds  (claim, choose prompt, send, record, plan next; aim < 100 ms)",
        median(rounds.clone()),
        rounds.iter().copied().fold(f64::INFINITY, f64::min),
        rounds.len()
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
        "klik through the engine:        median {:.3} ms  (find pairing, authorize, gather summary context, then the evaluation below)",
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
    println!(
        "escalation evaluation (store):  median {:.3} ms  (insert, window of {} among {SIGNALS} signals, decide, commit; aim < 1 ms)",
        median(evaluations),
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
    store.close().await;
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!(
        "{} cores, {cpu}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    )
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing we need to honour.
    wandelgang::telemetry::init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!("Wandelgang engine benchmark on {}", machine());
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
