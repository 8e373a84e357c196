//! `bench scale`: the generated school is played through the real engine on both backends,
//! every prompt goes out once, the answers land, and the figures it prints are filled in.

use sqlx::Row;
use std::process::Command;
use wandelgang::scale::{self, Target, play::ANSWERING_EVERY};
use wandelgang::store::Store;

const WPBS: usize = 30;

/// One school week with a tick every 5 minutes: two prompts per wpb, the answering fifth
/// answers each, and the database holds exactly what was sent.
async fn one_week(target: Target, sqlite_file: Option<std::path::PathBuf>) {
    let mut days = Vec::new();
    let run = scale::run(&target, WPBS, 1, chrono::Duration::minutes(5), |at, c| {
        days.push((at, c.prompts))
    })
    .await
    .expect("scale run");
    assert_eq!(run.school_days, 5);
    assert_eq!(run.counts.ticks, 7 * 24 * 12);
    assert_eq!(run.counts.prompts, 2 * WPBS, "cadence 2: {run:?}");
    let answered = 2 * WPBS / ANSWERING_EVERY;
    // A reflection and a klik per answered prompt, and sometimes the student's klik.
    assert!(
        (2 * answered..=3 * answered).contains(&run.counts.answers),
        "{run:?}"
    );
    assert_eq!(run.counts.refused, 0, "{run:?}");
    // Reminders for the unanswered prompts come on top of the prompts.
    assert!(run.counts.messages > run.counts.prompts, "{run:?}");
    assert_eq!(days.len(), 7, "one progress line per simulated day");
    assert!(days.windows(2).all(|w| w[0].1 <= w[1].1));
    assert!(run.peak_rss_bytes.is_some_and(|b| b > 1_000_000), "{run:?}");
    assert!(run.database_bytes.is_some_and(|b| b > 10_000), "{run:?}");
    if let Some(file) = sqlite_file {
        let store = Store::open(&format!("sqlite://{}", file.display()))
            .await
            .expect("open the kept file");
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent') AS sent,
                    (SELECT COUNT(DISTINCT key) FROM outbox WHERE kind = 'prompt' AND status = 'sent') AS keys,
                    (SELECT COUNT(*) FROM reflections WHERE prompt_key IS NOT NULL) AS linked,
                    (SELECT COUNT(*) FROM outbox WHERE status = 'claimed') AS claimed",
        )
        .fetch_one(store.pool())
        .await
        .expect("counts");
        let get = |c: &str| row.try_get::<i64, _>(c).expect(c) as usize;
        assert_eq!(get("sent"), run.counts.prompts);
        assert_eq!(get("keys"), run.counts.prompts, "no prompt twice");
        assert_eq!(get("linked"), answered, "each answer linked to its prompt");
        assert_eq!(get("claimed"), 0, "nothing left claimed");
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_school_plays_one_week_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().join("schaal.db");
    let target = Target::from_url(Some(&format!("sqlite://{}", base.display()))).expect("url");
    one_week(target, Some(dir.path().join(format!("schaal-{WPBS}.db")))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_generated_school_plays_one_week_on_postgres_in_a_database_of_its_own() {
    let Ok(admin) = std::env::var("WANDELGANG_TEST_POSTGRES_URL") else {
        return;
    };
    one_week(Target::from_url(Some(&admin)).expect("url"), None).await;
    // The run's own database is gone afterwards.
    let store = Store::connect(&admin).await.expect("connect");
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM pg_database WHERE datname LIKE 'wg_scale_' || CAST($1 AS TEXT) || '_%'",
    )
    .bind(i64::from(std::process::id()))
    .fetch_one(store.pool())
    .await
    .expect("databases");
    assert_eq!(left, 0);
    store.close().await;
}

#[test]
fn bench_scale_prints_both_sizes_and_the_ratio_and_refuses_what_it_cannot_measure() {
    let bin = env!("CARGO_BIN_EXE_wandelgang");
    let out = Command::new(bin)
        .args([
            "bench",
            "scale",
            "--wpbs",
            "20",
            "--weeks",
            "1",
            "--step-minutes",
            "15",
        ])
        .env_remove("WANDELGANG_CONFIG")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("| 2 |") || l.starts_with("| 20 |"))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(
        rows[1].contains(" 40 |"),
        "20 wpbs, two prompts each: {stdout}"
    );
    assert!(rows.iter().all(|r| r.contains("MiB")), "{stdout}");
    assert!(stdout.contains("time at 20 / time at 2"), "{stdout}");
    assert!(stdout.contains("SQLite"), "{stdout}");

    for (args, says) in [
        (&["--wpbs", "5"][..], "minstens 10"),
        (&["--weeks", "0"][..], "1 tot 52"),
        (&["--database", "mysql://x"][..], "sqlite://PAD"),
    ] {
        let out = Command::new(bin)
            .args(["bench", "scale"])
            .args(args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
