//! The tick end to end: windows and cadence over real weeks (both DST changes), restarts in
//! the middle of a tick, downtime, two engines on one database, failures of the transport.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Europe::Amsterdam;
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration as StdDuration;

use crate::on_both_backends;
use crate::support::{TestDb, at, engine, engine_with, eventually, pid, roster, run_until};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Sender};
use wandelgang::app::messages::Message;
use wandelgang::app::ports::Clock;
use wandelgang::app::ports::{ChatError, VirtualClock};
use wandelgang::chat::recording::{Hang, RecordingChat};
use wandelgang::config::Config;
use wandelgang::store::{Backend, OutboxStatus, Store};

/// (recipient, key, status, due, sent) of every prompt row.
async fn prompt_rows(
    store: &Store,
) -> Vec<(String, String, String, DateTime<Utc>, Option<DateTime<Utc>>)> {
    let rows: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT recipient, key, status, due_at, sent_at FROM outbox WHERE kind = 'prompt' ORDER BY due_at",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(r, k, s, d, t)| {
            (
                r,
                k,
                s,
                DateTime::from_timestamp(d, 0).unwrap(),
                t.map(|t| DateTime::from_timestamp(t, 0).unwrap()),
            )
        })
        .collect()
}

fn in_default_window(t: DateTime<Utc>) -> bool {
    let local = t.with_timezone(&Amsterdam);
    let minutes = local.hour() * 60 + local.minute();
    local.weekday().num_days_from_monday() < 5 && (8 * 60 + 30..16 * 60 + 30).contains(&minutes)
}

async fn weeks_are_respected(db: TestDb, from: &str, to: &str) {
    let store = db.store().await;
    store.import_roster(&roster(12)).await.unwrap();
    let clock = VirtualClock::new(at(from));
    let chat = RecordingChat::new();
    let engine = engine(store.clone(), chat.clone(), clock.clone());
    run_until(&engine, &clock, at(from), at(to), 10).await;

    let rows = prompt_rows(&store).await;
    let sent: Vec<_> = rows.iter().filter(|r| r.2 == "sent").collect();
    assert!(!sent.is_empty());
    let mut per_week: BTreeMap<(String, u32), usize> = BTreeMap::new();
    let mut per_day = HashSet::new();
    for (who, _, _, due, sent_at) in &sent {
        let sent_at = sent_at.unwrap();
        assert!(in_default_window(*due), "due {due} outside the window");
        assert!(
            in_default_window(sent_at),
            "sent {sent_at} outside the window"
        );
        assert!(
            sent_at - *due < Duration::minutes(10),
            "sent late: {due} -> {sent_at}"
        );
        *per_week
            .entry((who.clone(), due.with_timezone(&Amsterdam).iso_week().week()))
            .or_default() += 1;
        assert!(
            per_day.insert((who.clone(), due.with_timezone(&Amsterdam).date_naive())),
            "two prompts on one day"
        );
    }
    // Whole weeks in the range get exactly the default cadence of two.
    assert!(per_week.values().all(|&n| n <= 2), "{per_week:?}");
    assert!(
        per_week.values().filter(|&&n| n == 2).count() >= 12,
        "{per_week:?}"
    );
    // Each slot reached the platform exactly once, and the prompts are questions.
    let attempts = chat.attempts_per_key();
    for (_, key, ..) in &sent {
        assert_eq!(attempts.get(key), Some(&1), "{key}");
    }
    for m in chat.delivered() {
        if let Message::Prompt { text, students, .. } = &m.body {
            assert!(text.ends_with('?'));
            assert_eq!(students.len(), 1);
        }
    }
}

on_both_backends! {
    weeks_around_the_autumn_dst_change => |db: TestDb| weeks_are_respected(db, "2026-10-19 00:00", "2026-11-01 23:50");
    weeks_around_the_spring_dst_change => |db: TestDb| weeks_are_respected(db, "2026-03-23 00:00", "2026-04-05 23:50");

    restart_in_the_middle_of_a_tick_sends_every_slot_once => |db: TestDb| async move {
        for hang in [Hang::AfterDelivery, Hang::BeforeDelivery] {
            let store = db.store().await;
            sqlx::query("DELETE FROM outbox").execute(store.pool()).await.unwrap();
            store.import_roster(&roster(60)).await.unwrap();
            let clock = VirtualClock::new(at("2026-10-07 06:00"));
            let chat = RecordingChat::new();
            let first = engine(store.clone(), chat.clone(), clock.clone());
            first.tick().await.unwrap(); // plans, nothing due yet
            // Late in Wednesday's window: every slot of the day is due at once.
            clock.set(at("2026-10-07 16:20"));
            chat.hang_at_attempt(7, hang);
            let task = tokio::spawn(async move { first.tick().await });
            while chat.attempts() < 8 {
                tokio::time::sleep(StdDuration::from_millis(5)).await;
            }
            task.abort(); // the process dies mid-tick
            assert!(task.await.unwrap_err().is_cancelled());
            // Each prompt it handed to the platform was stored with the slot before it went,
            // also where its outcome was not recorded: a resend repeats that prompt.
            let mut unrecorded = 0;
            for m in chat.delivered() {
                let Message::Prompt { prompt_id, .. } = &m.body else { continue };
                let (row, status) = store.outbox_by_key(&m.key).await.unwrap().unwrap();
                assert_eq!(row.prompt_id.as_ref(), Some(prompt_id), "{}", m.key);
                unrecorded += usize::from(status == OutboxStatus::Claimed);
            }
            assert!(unrecorded > 0, "{hang:?}: every delivery was recorded, nothing to check");

            // A new process after the dead one's lease ran out.
            clock.set(at("2026-10-07 16:23"));
            let second = engine(store.clone(), chat.clone(), clock.clone());
            second.tick().await.unwrap();

            let rows = prompt_rows(&store).await;
            let due: Vec<_> = rows.iter().filter(|r| r.3 <= at("2026-10-07 16:20")).collect();
            assert!(due.len() >= 20, "only {} slots were due", due.len());
            assert!(due.iter().all(|r| r.2 == "sent"), "{:?}", due.iter().filter(|r| r.2 != "sent").collect::<Vec<_>>());
            let delivered: Vec<String> = chat.delivered().into_iter().map(|m| m.key).collect();
            let unique: HashSet<&String> = delivered.iter().collect();
            assert_eq!(delivered.len(), unique.len(), "a slot was delivered twice");
            assert_eq!(delivered.len(), due.len(), "a slot was lost");
            // Only sends the dead process had not recorded yet were handed over again, under
            // their own keys, which kept them single on the platform.
            let attempts = chat.attempts_per_key();
            let again = attempts.values().filter(|&&n| n == 2).count();
            assert!((1..=8).contains(&again), "{hang:?}: {again} resent");
            assert!(attempts.values().all(|&n| n <= 2));
            assert_eq!(chat.resent_otherwise(), Vec::<String>::new(), "{hang:?}");
            store.close().await;
        }
    };

    a_tick_asks_once_what_is_to_do_and_misses_none_of_it => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(3)).await.unwrap();
        let now = at("2026-10-07 06:00");
        let pending = store.pending_work(now, None).await.unwrap();
        assert!(pending.plan && !pending.outbox && !pending.threads && !pending.ending, "{pending:?}");
        let clock = VirtualClock::new(now);
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        assert_eq!(e.tick().await.unwrap().planned, 3);
        let pending = store.pending_work(now, None).await.unwrap();
        assert!(!pending.any(), "planned, nothing due yet: {pending:?}");
        assert!(e.tick().await.unwrap().is_idle());

        // A claim a dead process left behind is work even before its slot is due.
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE outbox SET status = 'claimed', claimed_by = 'dead', claim_until = {}
             WHERE recipient = 'w0'",
            (now - Duration::minutes(1)).timestamp()
        )))
        .execute(store.pool())
        .await
        .unwrap();
        assert!(store.pending_work(now, None).await.unwrap().outbox);
        e.tick().await.unwrap();
        let dead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE claimed_by = 'dead' AND status = 'claimed'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(dead, 0, "the lapsed claim was taken over");

        // The first planned slot falls due: the tick sends it.
        let first: i64 = sqlx::query_scalar("SELECT MIN(due_at) FROM outbox WHERE status = 'planned'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        clock.set(DateTime::from_timestamp(first, 0).unwrap());
        assert!(!store.pending_work(clock.now() - Duration::seconds(1), None).await.unwrap().outbox);
        assert!(store.pending_work(clock.now(), None).await.unwrap().outbox);
        let before = chat.delivered().len();
        let sent = e.tick().await.unwrap().sent;
        assert!(sent >= 1, "{sent}");
        assert_eq!(chat.delivered().len() - before, sent);
        assert!(!store.pending_work(clock.now(), None).await.unwrap().outbox);

        // A placement ending in the range looked at, until its terugblik is enqueued; no range,
        // no look.
        let last = crate::support::day("2027-07-10");
        let ending = |range| {
            let store = store.clone();
            async move { store.pending_work(now, Some(range)).await.unwrap().ending }
        };
        assert!(ending((last, last)).await);
        assert!(!ending((last - Duration::days(7), last - Duration::days(1))).await);
        sqlx::query(
            "INSERT INTO outbox (key, kind, recipient, due_at, status)
             SELECT 'terugblik:' || CAST(id AS TEXT), 'terugblik', wpb_id, 0, 'sent' FROM pairings",
        )
        .execute(store.pool())
        .await
        .unwrap();
        assert!(!ending((last, last)).await, "every terugblik is out");
        store.close().await;
    };

    downtime_never_bursts => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(30)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 06:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        // Down from Monday 06:00 until Thursday 11:00.
        clock.set(at("2026-10-08 11:00"));
        let outcome = e.tick().await.unwrap();
        let rows = prompt_rows(&store).await;
        for (_, key, status, due, _) in &rows {
            if *due < at("2026-10-08 00:00") {
                assert_eq!(status, "skipped", "{key} of an earlier day was not skipped");
            } else if *due <= at("2026-10-08 11:00") {
                assert_eq!(status, "sent", "{key} earlier today should go out late");
            } else {
                assert_eq!(status, "planned");
            }
        }
        assert!(outcome.skipped > 0 && outcome.sent > 0, "{outcome:?}");
        assert_eq!(outcome.sent, chat.delivered().len());
        // Every wpb has a next slot planned after the gap.
        let planned: HashSet<String> = rows.iter().filter(|r| r.2 == "planned").map(|r| r.0.clone()).collect();
        assert_eq!(planned.len(), 30);
    };

    two_engines_never_send_the_same_slot => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(150)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-07 06:00"));
        let chat = RecordingChat::new();
        // Small batches make the two engines interleave their claims.
        let mut a = engine(store.clone(), chat.clone(), clock.clone());
        let mut b = engine(db.store().await, chat.clone(), clock.clone());
        a.tick().await.unwrap();
        clock.set(at("2026-10-07 16:20"));
        (a.batch, b.batch) = (7, 5);
        let (ra, rb) = tokio::join!(a.tick(), b.tick());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let attempts = chat.attempts_per_key();
        assert!(attempts.values().all(|&n| n == 1), "a slot was handed to the platform twice");
        assert_eq!(ra.sent + rb.sent, attempts.len());
        let rows = prompt_rows(&store).await;
        let due = rows.iter().filter(|r| r.3 <= at("2026-10-07 16:20")).count();
        assert_eq!(attempts.len(), due);
        assert_eq!(ra.lost + rb.lost, 0);
    };

    reminders_come_once_and_not_after_an_answer => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 00:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        // Until both wpbs had their first prompt, then w0 answers it.
        let mut t = at("2026-10-05 00:00");
        while chat.delivered().iter().filter(|m| matches!(m.body, Message::Prompt { .. })).count() < 2 {
            t += Duration::minutes(10);
            clock.set(t);
            e.tick().await.unwrap();
        }
        let reply = e.handle(Inbound::Reflection { from: Sender::Chat("test:w0".into()), text: "Goed gesprek gehad".into(), target: ReflectionTarget::LatestOpenPrompt, share: false }).await;
        assert!(reply.is_ok());
        run_until(&e, &clock, t, t + Duration::days(4), 10).await;
        let first_w0 = chat.delivered().into_iter().find(|m| m.to.person.as_str() == "w0").unwrap().key;
        let first_w1 = chat.delivered().into_iter().find(|m| m.to.person.as_str() == "w1").unwrap().key;
        let keys: Vec<String> = chat.delivered().into_iter().map(|m| m.key).collect();
        assert!(!keys.contains(&format!("{first_w0}:herinnering")), "answered prompt got a reminder");
        assert_eq!(keys.iter().filter(|k| **k == format!("{first_w1}:herinnering")).count(), 1);
        assert!(keys.iter().all(|k| !k.ends_with(":herinnering:herinnering")));
    };

    closed_dms_are_recorded_not_retried_and_told_once => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 00:00"));
        let chat = RecordingChat::new();
        chat.fail_address("test:w0", ChatError::Unreachable("50007: Cannot send messages to this user".into()));
        let e = engine(store.clone(), chat.clone(), clock.clone());
        run_until(&e, &clock, at("2026-10-05 00:00"), at("2026-10-16 23:00"), 10).await;
        let rows = prompt_rows(&store).await;
        let w0: Vec<_> = rows.iter().filter(|r| r.0 == "w0" && r.3 <= at("2026-10-16 23:00")).collect();
        assert!(w0.len() >= 3);
        assert!(w0.iter().all(|r| r.2 == "failed"));
        let attempts = chat.attempts_per_key();
        assert!(w0.iter().all(|r| attempts.get(&r.1) == Some(&1)), "a closed DM was retried");
        let notices: Vec<_> = chat.delivered().into_iter().filter(|m| matches!(m.body, Message::Unreachable { .. })).collect();
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].to.person.as_str(), "so");
        // The other wpb is unaffected.
        assert!(rows.iter().any(|r| r.0 == "w1" && r.2 == "sent"));
    };

    passing_failures_are_retried_until_delivered => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 00:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        let due = prompt_rows(&store).await[0].3;
        chat.fail_next(vec![ChatError::Transient("502".into()), ChatError::Transient("429".into())]);
        run_until(&e, &clock, due, due + Duration::minutes(10), 1).await;
        let rows = prompt_rows(&store).await;
        let first = &rows[0];
        assert_eq!(first.2, "sent");
        assert_eq!(chat.attempts_per_key().get(&first.1), Some(&3));
        assert!(first.4.unwrap() - first.3 < Duration::minutes(5));
    };

    rate_limits_hold_back_without_counting_as_failed_attempts => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 00:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        let due = prompt_rows(&store).await[0].3;
        let limited = || ChatError::Limited {
            why: "Matrix rate limit on room creation".into(),
            retry_after: std::time::Duration::from_secs(60),
        };
        // More refusals than MAX_ATTEMPTS: a rate limit is waiting, not failing.
        chat.fail_next((0..10).map(|_| limited()).collect());
        clock.set(due);
        assert_eq!(e.tick().await.unwrap().held, 1);
        assert_eq!(prompt_rows(&store).await[0].2, "planned");
        // Not again before the homeserver's time.
        clock.set(due + Duration::seconds(59));
        assert!(e.tick().await.unwrap().is_idle());
        run_until(&e, &clock, due + Duration::minutes(1), due + Duration::minutes(30), 1).await;
        let rows = prompt_rows(&store).await;
        assert_eq!(rows[0].2, "sent");
        assert_eq!(chat.attempts_per_key().get(&rows[0].1), Some(&11));
    };
}

async fn retention_runs(store: &Store) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'retention'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    n
}

on_both_backends! {
    retention_runs_once_a_day_from_the_tick => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let old = at("2025-08-01 10:00");
        store.add_reflection(&crate::support::pid("w0"), "Oud", None, old, false).await.unwrap();
        store.add_reflection(&crate::support::pid("w0"), "Recent", None, at("2026-10-01 10:00"), false).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 07:00"));
        let a = engine(store.clone(), RecordingChat::new(), clock.clone());
        let b = engine(db.store().await, RecordingChat::new(), clock.clone());
        a.tick().await.unwrap();
        b.tick().await.unwrap();
        a.tick().await.unwrap();
        assert_eq!(retention_runs(&store).await, 1, "two processes, one run a day");
        let left = store.reflections_of(&crate::support::pid("w0"), false, at("2000-01-01 00:00")).await.unwrap();
        assert_eq!(left.iter().map(|r| r.text.as_str()).collect::<Vec<_>>(), ["Recent"]);
        clock.set(at("2026-10-06 00:05"));
        b.tick().await.unwrap();
        a.tick().await.unwrap();
        assert_eq!(retention_runs(&store).await, 2);
    };
}

/// The people table's statistics as PostgreSQL counts them: (changes since the last analyze,
/// rows, analyzed by anyone).
/// What PostgreSQL's statistics say of one table: rows changed since its last analyze, live
/// and dead rows, and whether it was ever analyzed and vacuumed.
const TABLE_STATISTICS: &str = "SELECT n_mod_since_analyze AS changed, n_live_tup AS live,
     n_dead_tup AS dead,
     last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL AS analyzed,
     last_vacuum IS NOT NULL OR last_autovacuum IS NOT NULL AS vacuumed
     FROM pg_stat_user_tables WHERE relname = $1";

async fn table_statistics(store: &Store, table: &str) -> (i64, i64, i64, bool, bool) {
    sqlx::query_as(TABLE_STATISTICS)
        .bind(table)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

on_both_backends! {
    the_daily_job_vacuums_and_analyzes_what_autovacuum_would => |db: TestDb| async move {
        let store = db.store().await;
        if store.backend() == Backend::Sqlite {
            // SQLite plans from its indexes and reuses free pages: nothing to do, nothing fails.
            store.import_roster(&roster(100)).await.unwrap();
            assert!(store.upkeep_tables().await.unwrap().is_empty());
            return;
        }
        // As on a server with autovacuum off (and so that it cannot beat the bot to it).
        for table in ["people", "pairings"] {
            sqlx::query(AssertSqlSafe(format!("ALTER TABLE {table} SET (autovacuum_enabled = false)")))
                .execute(store.pool())
                .await
                .unwrap();
        }
        store.import_roster(&roster(100)).await.unwrap();
        // Every pairing rewritten once: 100 dead rows, past the vacuum threshold of 50 + 100 / 5.
        sqlx::query("UPDATE pairings SET end_day = end_day").execute(store.pool()).await.unwrap();
        // The server counts a commit's changes a moment after it.
        eventually(&store, "SELECT COUNT(*) FROM pg_stat_user_tables p, pg_stat_user_tables q
            WHERE p.relname = 'people' AND p.n_mod_since_analyze > 50 + p.n_live_tup / 10
              AND q.relname = 'pairings' AND q.n_dead_tup > 50 + q.n_live_tup / 5").await;
        assert_eq!(table_statistics(&store, "people").await, (201, 201, 0, false, false));
        assert_eq!(table_statistics(&store, "pairings").await.2, 100);
        let clock = VirtualClock::new(at("2026-10-05 07:00"));
        engine(store.clone(), RecordingChat::new(), clock.clone()).tick().await.unwrap();
        let (changed, live, _, analyzed, vacuumed) = table_statistics(&store, "people").await;
        // The counter restarts at the analyze (without it, it only grows); the tick's own
        // planning may count on top, whenever its connection reports. Few dead rows: no vacuum.
        assert!(analyzed && !vacuumed && live == 201 && changed < 201, "{changed} {live} {analyzed} {vacuumed}");
        // (The server may count some of the update's dead rows only after the vacuum.)
        let (_, live, dead, analyzed, vacuumed) = table_statistics(&store, "pairings").await;
        assert!(analyzed && vacuumed && live == 100 && dead < 100, "{live} {dead} {analyzed} {vacuumed}");
    };
}

/// One wpb on a fresh engine, ticked until their first prompt is out.
struct FirstPrompt {
    store: Store,
    chat: RecordingChat,
    clock: VirtualClock,
    e: crate::support::TestEngine,
    /// The key of the prompt's planned reminder.
    key: String,
    /// When that reminder is due.
    due: DateTime<Utc>,
}

async fn first_prompt_with_reminder(db: &TestDb) -> FirstPrompt {
    let store = db.store().await;
    store.import_roster(&roster(1)).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-05 00:00"));
    let chat = RecordingChat::new();
    let e = engine(store.clone(), chat.clone(), clock.clone());
    let mut t = at("2026-10-05 00:00");
    while !chat
        .delivered()
        .iter()
        .any(|m| matches!(m.body, Message::Prompt { .. }))
    {
        t += Duration::minutes(10);
        clock.set(t);
        e.tick().await.unwrap();
    }
    let (key, due): (String, i64) =
        sqlx::query_as("SELECT key, due_at FROM outbox WHERE kind = 'reminder'")
            .fetch_one(store.pool())
            .await
            .expect("a reminder is planned after the prompt");
    let due = DateTime::from_timestamp(due, 0).unwrap();
    FirstPrompt {
        store,
        chat,
        clock,
        e,
        key,
        due,
    }
}

async fn reminder_outcome(store: &Store, chat: &RecordingChat, key: &str) -> (String, bool) {
    let (status,): (String,) = sqlx::query_as("SELECT status FROM outbox WHERE key = $1")
        .bind(key)
        .fetch_one(store.pool())
        .await
        .unwrap();
    (status, chat.delivered().iter().any(|m| m.key == key))
}

on_both_backends! {
    no_reminder_after_the_last_pairing_ended => |db: TestDb| async move {
        let FirstPrompt { store, chat, clock, e, key, due } = first_prompt_with_reminder(&db).await;
        // The schoolopleider ends the pairing today; the reminder falls on a later day.
        let reply = e.handle(Inbound::Unpair { from: Sender::Chat("test:so".into()), wpb: pid("w0"), student: pid("s0"), end: None }).await;
        assert!(reply.is_ok(), "{reply:?}");
        let today = clock.now().with_timezone(&Amsterdam).date_naive();
        assert!(due.with_timezone(&Amsterdam).date_naive() > today);
        run_until(&e, &clock, due, due + Duration::minutes(30), 10).await;
        assert_eq!(reminder_outcome(&store, &chat, &key).await, ("skipped".to_string(), false));
    };

    no_reminder_during_a_pause => |db: TestDb| async move {
        let FirstPrompt { store, chat, clock, e, key, due } = first_prompt_with_reminder(&db).await;
        let until = due.with_timezone(&Amsterdam).date_naive();
        let reply = e.handle(Inbound::Pause { from: Sender::Chat("test:w0".into()), until }).await;
        assert!(reply.is_ok(), "{reply:?}");
        run_until(&e, &clock, due, due + Duration::minutes(30), 10).await;
        assert_eq!(reminder_outcome(&store, &chat, &key).await, ("skipped".to_string(), false));
    };

    no_reminder_once_the_school_switched_them_off => |db: TestDb| async move {
        let FirstPrompt { store, chat, clock, e, key, due } = first_prompt_with_reminder(&db).await;
        // Planned when reminders were on; the schoolopleider switches them off before it is due.
        let reply = e.handle(Inbound::SchoolSettings { from: Sender::Chat("test:so".into()), per_week: None, reminder: Some(false) }).await;
        assert!(reply.is_ok(), "{reply:?}");
        run_until(&e, &clock, due, due + Duration::minutes(30), 10).await;
        assert_eq!(reminder_outcome(&store, &chat, &key).await, ("skipped".to_string(), false));
    };

    no_reminder_of_a_prompt_a_newer_one_replaced => |db: TestDb| async move {
        let FirstPrompt { store, chat, clock, e, key, due } = first_prompt_with_reminder(&db).await;
        // A newer prompt goes out before the reminder: an answer now would belong to that one.
        clock.set(due - Duration::hours(2));
        let reply = e.handle(Inbound::AskPrompt { from: Sender::Chat("test:w0".into()) }).await;
        assert!(reply.is_ok(), "{reply:?}");
        e.tick().await.unwrap();
        let prompts = chat.delivered().iter().filter(|m| matches!(m.body, Message::Prompt { .. })).count();
        assert_eq!(prompts, 2, "the prompt asked for went out");
        run_until(&e, &clock, due, due + Duration::minutes(30), 10).await;
        assert_eq!(reminder_outcome(&store, &chat, &key).await, ("skipped".to_string(), false));
    };

    no_reminder_in_a_holiday => |db: TestDb| async move {
        let FirstPrompt { store, chat, clock, key, due, .. } = first_prompt_with_reminder(&db).await;
        // The bot restarts with a holiday on the reminder's day, and ticks right on its time.
        let day = due.with_timezone(&Amsterdam).date_naive();
        let toml = format!("[defaults]\nholidays = [{{ name = \"herfst\", start = \"{day}\", end = \"{day}\" }}]\n");
        let config = Config::from_toml_str(&toml, "test.toml", &BTreeMap::new()).unwrap();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), config);
        clock.set(due);
        e.tick().await.unwrap();
        assert_eq!(reminder_outcome(&store, &chat, &key).await, ("skipped".to_string(), false));
    };
}

/// (frames in SQLite's write-ahead log, frames of it copied back into the database file),
/// from the log's index file: `mxFrame` at byte 16 of its header, `nBackfill` at byte 96, in
/// the machine's byte order (<https://www.sqlite.org/walformat.html>).
fn wal_frames(db: &TestDb) -> (u32, u32) {
    let path = format!("{}-shm", db.url.trim_start_matches("sqlite://"));
    let index = std::fs::read(&path).expect("the log's index");
    let word = |at: usize| u32::from_ne_bytes(index[at..at + 4].try_into().expect("4 bytes"));
    (word(16), word(96))
}

/// A fan-out's tick leaves its writes in SQLite's log (the commit does not wait to copy them
/// into the file); the idle tick after it copies them all.
#[tokio::test]
async fn the_idle_tick_after_a_busy_one_checkpoints_the_sqlite_log() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    store.import_roster(&roster(300)).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-07 06:00"));
    let chat = RecordingChat::new();
    let e = engine(store.clone(), chat.clone(), clock.clone());
    assert!(e.tick().await.unwrap().planned > 0);
    // Late in Wednesday's window: every slot of the day is due at once.
    clock.set(at("2026-10-07 16:20"));
    assert!(e.tick().await.unwrap().sent > 0);
    let (frames, copied) = wal_frames(&db);
    assert!(
        copied < frames,
        "the busy ticks' writes wait in the log: {copied} of {frames}"
    );
    assert!(e.tick().await.unwrap().is_idle());
    let (after, copied) = wal_frames(&db);
    assert_eq!(
        (after, copied),
        (frames, frames),
        "all of the log copied, nothing written"
    );
    // The next busy tick writes the log from its start again instead of growing it.
    clock.set(at("2026-10-08 16:20"));
    assert!(e.tick().await.unwrap().sent > 0);
    let (next, _) = wal_frames(&db);
    assert!(
        next < frames,
        "the log restarted: {next} frames after {frames}"
    );
}

/// Due rows locked by a transaction that does not end (a process hanging halfway through
/// recording its outcomes, say) are passed over: the tick sends every other due row, however
/// many batches the locked ones fill, and the locked rows go once the lock is gone.
#[tokio::test]
async fn rows_locked_elsewhere_do_not_hold_up_the_rest_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.store().await;
    store.import_roster(&roster(30)).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-07 06:00"));
    let chat = RecordingChat::new();
    let mut engine = engine(store.clone(), chat.clone(), clock.clone());
    engine.tick().await.unwrap();
    clock.set(at("2026-10-07 16:20"));
    let now = clock.now().timestamp();
    let due: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE status = 'planned' AND due_at <= $1")
            .bind(now)
            .fetch_one(store.pool())
            .await
            .unwrap();
    // More locked rows than a batch holds, and they come first in due order.
    engine.batch = 2;
    let mut hung = store.pool().begin().await.unwrap();
    let locked: Vec<String> = sqlx::query_scalar(
        "SELECT key FROM outbox WHERE status = 'planned' AND due_at <= $1
         ORDER BY due_at, id LIMIT 3 FOR UPDATE",
    )
    .bind(now)
    .fetch_all(&mut *hung)
    .await
    .unwrap();
    assert!(due > 5, "only {due} slots due");
    let first = engine.tick().await.unwrap();
    let sent: HashSet<String> = chat.delivered().into_iter().map(|m| m.key).collect();
    assert_eq!(first.sent as i64, due - 3, "{first:?}");
    assert!(locked.iter().all(|k| !sent.contains(k)));
    hung.rollback().await.unwrap();
    let second = engine.tick().await.unwrap();
    assert_eq!(second.sent, 3, "{second:?}");
    let attempts = chat.attempts_per_key();
    assert_eq!(attempts.len() as i64, due);
    assert!(attempts.values().all(|&n| n == 1));
}

/// Four processes draining one fan-out together, re-planning the wpbs whose next slot was
/// taken as they go (as `wandelgang bench claims` does), wait for each other's planning marks
/// instead of deadlocking: every tick succeeds, every due slot goes once, no mark is left.
#[tokio::test]
async fn processes_planning_the_same_wpbs_do_not_deadlock_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.store().await;
    store.import_roster(&roster(6000)).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-05 06:00"));
    let chat = RecordingChat::new();
    engine(store.clone(), chat.clone(), clock.clone())
        .tick()
        .await
        .unwrap();
    // The week's slots all due on Monday afternoon: sending them finds the next slot of many
    // wpbs already used, which marks them for planning while the others plan.
    let due =
        sqlx::query("UPDATE outbox SET due_at = $1 WHERE status = 'planned' AND kind = 'prompt'")
            .bind(at("2026-10-05 16:00").timestamp())
            .execute(store.pool())
            .await
            .unwrap()
            .rows_affected();
    clock.set(at("2026-10-05 16:20"));
    let mut engines = Vec::new();
    for _ in 0..4 {
        let mut e = engine(db.store().await, chat.clone(), clock.clone());
        e.batch = 100;
        engines.push(e);
    }
    for t in futures_util::future::join_all(engines.iter().map(|e| e.tick())).await {
        t.unwrap();
    }
    let attempts = chat.attempts_per_key();
    assert_eq!(attempts.len() as u64, due);
    assert!(attempts.values().all(|&n| n == 1));
    let marked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE needs_plan = 1")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(marked, 0);
}

// On PostgreSQL the next batch is read while one goes out; a wpb whose two prompt slots fall
// in consecutive batches must still get a second prompt chosen with the first one in its
// history (another theme), not one chosen from what was read before the first was sent.
on_both_backends! {
    a_wpb_in_consecutive_batches_gets_a_prompt_chosen_after_the_first => |db: TestDb| async move {
        let store = db.store().await;
        let wpbs = 40;
        store.import_roster(&roster(wpbs)).await.unwrap();
        sqlx::query("DELETE FROM outbox").execute(store.pool()).await.unwrap();
        // Each wpb's two slots one minute apart, wpb after wpb: with batches of one row, the
        // row read ahead is always the same wpb's second slot.
        let start = at("2026-10-07 10:00").timestamp();
        for i in 0..wpbs as i64 {
            for (n, slot) in ["a", "b"].into_iter().enumerate() {
                sqlx::query(
                    "INSERT INTO outbox (key, kind, recipient, due_at, status) VALUES ($1, 'prompt', $2, $3, 'planned')",
                )
                .bind(format!("test-{slot}:prompt:w{i}"))
                .bind(format!("w{i}"))
                .bind(start + (2 * i + n as i64) * 60)
                .execute(store.pool())
                .await
                .unwrap();
            }
        }
        let clock = VirtualClock::new(at("2026-10-07 12:00"));
        let chat = RecordingChat::new();
        let mut e = engine(store.clone(), chat.clone(), clock.clone());
        e.batch = 1;
        assert_eq!(e.tick().await.unwrap().sent, 2 * wpbs);
        let catalogue = wandelgang::domain::prompts::Catalogue::builtin();
        let mut themes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in chat.delivered() {
            let Message::Prompt { prompt_id, .. } = &m.body else { continue };
            let id = wandelgang::domain::prompts::PromptId::from_trusted(prompt_id.clone());
            let prompt = catalogue
                .get(wandelgang::domain::language::Language::Nl, &id)
                .unwrap();
            themes.entry(m.to.person.to_string()).or_default().push(format!("{:?}", prompt.theme));
        }
        assert_eq!(themes.len(), wpbs);
        for (wpb, sent) in themes {
            assert_eq!(sent.len(), 2, "{wpb}: {sent:?}");
            assert_ne!(sent[0], sent[1], "{wpb}: the second prompt did not see the first");
        }
    };
}
