//! `run` as a service, in process: a graceful stop that sends no more and gives the rest of
//! its batch back, the status report read from the database, and the health, readiness and
//! metrics endpoints (PostgreSQL going away and coming back included).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::Duration;

use crate::on_both_backends;
use crate::support::*;
use wandelgang::app::metrics::Metrics;
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::service::status::StatusReport;
use wandelgang::service::{Presence, Readiness, serve};
use wandelgang::store::{ProcessStart, Store};

fn process(id: &str) -> ProcessStart {
    ProcessStart {
        id: id.into(),
        host: "host-a".into(),
        pid: 42,
        role: "discord".into(),
    }
}

on_both_backends! {
    a_stopping_engine_sends_no_more_and_gives_the_rest_of_its_batch_back => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(40)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-07 06:00"));
        let chat = RecordingChat::new();
        let first = Arc::new(engine(store.clone(), chat.clone(), clock.clone()));
        first.tick().await.unwrap(); // plans; nothing due yet
        clock.set(at("2026-10-07 16:20")); // every slot of the day is due at once
        let stopper = first.clone();
        chat.on_attempt(4, move || stopper.stop_claiming());
        let outcome = first.tick().await.unwrap();
        assert_eq!(outcome.sent, 5, "{outcome:?}");
        assert!(outcome.held >= 10, "too few slots were due: {outcome:?}");
        // Given back at once: nothing waits for a lease to run out.
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE status = 'claimed'").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await, 5);
        // A stopped engine claims nothing any more.
        assert!(first.tick().await.unwrap().is_idle());
        assert_eq!(chat.attempts(), 5);

        // Another process, a minute later (long before any lease ran out), sends the rest.
        clock.set(at("2026-10-07 16:21"));
        let second = engine(store.clone(), chat.clone(), clock.clone());
        let rest = second.tick().await.unwrap();
        assert_eq!(rest.sent, outcome.held, "{rest:?}");
        let keys: Vec<String> = chat.delivered().into_iter().map(|m| m.key).collect();
        assert_eq!(keys.iter().collect::<HashSet<_>>().len(), keys.len(), "a slot went twice");
        assert!(chat.attempts_per_key().values().all(|&n| n == 1), "a slot was handed over twice");
        let unsent = format!(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status <> 'sent' AND due_at <= {}",
            at("2026-10-07 16:20").timestamp()
        );
        assert_eq!(count(&store, &unsent).await, 0, "a due slot was lost");
        store.close().await;
    };

    the_status_report_reads_the_whole_database => |db: TestDb| async move {
        // A database nobody migrated: only that is said.
        let bare = Store::connect(&db.url).await.unwrap();
        let now = at("2026-10-05 06:00");
        let report = StatusReport::read(&bare, now).await.unwrap();
        assert_eq!(report.migrations.applied, 0);
        assert!(!report.migrations.pending.is_empty());
        let attention = report.attention(Duration::minutes(10));
        assert_eq!(attention.len(), 1, "{attention:?}");
        assert!(attention[0].en.contains("never migrated"), "{attention:?}");
        bare.close().await;

        let store = db.store().await;
        store.import_roster(&roster(5)).await.unwrap();
        let clock = VirtualClock::new(now);
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        e.tick().await.unwrap();
        store.register_process(&process("p-live"), now - Duration::minutes(5)).await.unwrap();
        store.tick_done("p-live", now, StdDuration::from_millis(12)).await.unwrap();
        store.register_process(&process("p-stopped"), now - Duration::hours(2)).await.unwrap();
        store.tick_done("p-stopped", now - Duration::hours(1), StdDuration::from_millis(7)).await.unwrap();
        store.process_stopped("p-stopped", now - Duration::hours(1)).await.unwrap();
        store.register_process(&process("p-crashed"), now - Duration::minutes(3)).await.unwrap();
        // Seen last two days ago: no longer listed.
        store.register_process(&process("p-old"), now - Duration::days(2)).await.unwrap();

        let report = StatusReport::read(&store, now).await.unwrap();
        assert!(report.migrations.is_current(), "{:?}", report.migrations);
        assert_eq!((report.counts.schools, report.counts.teams), (1, 1));
        assert_eq!(
            report.counts.people,
            vec![("schoolopleider".to_string(), 1), ("student".to_string(), 5), ("wpb".to_string(), 5)]
        );
        assert_eq!((report.backlog.due, report.backlog.planned), (0, 5));
        assert_eq!(report.next_prompts.len(), 5);
        assert!(report.next_prompts.windows(2).all(|w| w[0].0 <= w[1].0));
        let listed: Vec<&str> = report.processes.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(listed, ["p-live", "p-crashed", "p-stopped"]);
        let live: Vec<&str> = report.live().map(|p| p.id.as_str()).collect();
        assert_eq!(live, ["p-live"], "a stopped or silent process is not live");
        let (by, at_, ms) = report.last_tick().expect("a tick");
        assert_eq!((by.id.as_str(), at_, ms), ("p-live", now, 12));
        assert!(report.attention(Duration::minutes(10)).is_empty());

        // A week on, nobody ran: every slot waits, and nobody is live.
        let later = now + Duration::days(8);
        let report = StatusReport::read(&store, later).await.unwrap();
        assert_eq!(report.backlog.due, 5);
        assert!(report.backlog.oldest_due.is_some_and(|at| at <= later));
        let attention = report.attention(Duration::minutes(10));
        let said: Vec<&str> = attention.iter().map(|a| a.en.as_str()).collect();
        assert!(said.iter().any(|a| a.contains("no `wandelgang run` process")), "{said:?}");
        assert!(said.iter().any(|a| a.contains("5 message(s) waiting")), "{said:?}");
        store.close().await;
    };

    processes_of_one_platform_count_each_other_for_the_request_budget => |db: TestDb| async move {
        use std::sync::atomic::Ordering;
        let store = db.store().await;
        let beat = StdDuration::from_millis(50);
        let a = Presence::start_every(store.clone(), "a".into(), "discord", beat).await.unwrap();
        assert_eq!(a.peers().load(Ordering::Relaxed), 1, "alone");
        let b = Presence::start_every(store.clone(), "b".into(), "discord", beat).await.unwrap();
        let m = Presence::start_every(store.clone(), "m".into(), "matrix", beat).await.unwrap();
        assert_eq!(b.peers().load(Ordering::Relaxed), 2, "the newcomer counts the one running");
        assert_eq!(m.peers().load(Ordering::Relaxed), 1, "another platform has its own budget");
        let until = |want: usize, peers: std::sync::Arc<std::sync::atomic::AtomicUsize>| async move {
            let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
            while peers.load(Ordering::Relaxed) != want {
                assert!(tokio::time::Instant::now() < deadline, "never {want}");
                tokio::time::sleep(StdDuration::from_millis(10)).await;
            }
        };
        until(2, a.peers()).await;
        // A clean stop counts out at once; the one left takes the whole budget again.
        b.stop().await;
        until(1, a.peers()).await;
        a.stop().await;
        m.stop().await;
        store.close().await;
    };

    a_joining_process_waits_until_the_others_counted_it => |db: TestDb| async move {
        use std::sync::atomic::Ordering;
        let store = db.store().await;
        let since = || chrono::Utc::now() - Duration::seconds(30);
        // A beats at a pace the newcomer does not know; its first beat is at once.
        let a = Presence::start_every(store.clone(), "a".into(), "discord", StdDuration::from_secs(3))
            .await
            .unwrap();
        tokio::time::sleep(StdDuration::from_millis(200)).await;
        let b = Presence::start_every(store.clone(), "b".into(), "discord", StdDuration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            store.uncounting_peers("b", "discord", since()).await.unwrap(),
            1,
            "a has not beaten since b came"
        );
        assert_eq!(a.peers().load(Ordering::Relaxed), 1);
        assert!(b.until_counted(StdDuration::from_secs(10)).await);
        assert_eq!(a.peers().load(Ordering::Relaxed), 2, "once b may send, a takes half");

        // A live process that never records its count (an older version) does not hold a
        // newcomer for ever; once it stops, it no longer counts.
        store.register_process(&process("old"), chrono::Utc::now()).await.unwrap();
        let started = std::time::Instant::now();
        assert!(!b.until_counted(StdDuration::from_millis(600)).await);
        assert!(started.elapsed() < StdDuration::from_secs(3), "{:?}", started.elapsed());
        store.process_stopped("old", chrono::Utc::now()).await.unwrap();
        assert!(b.until_counted(StdDuration::from_secs(1)).await);
        a.stop().await;
        b.stop().await;
        store.close().await;
    };

    the_endpoints_answer_and_the_metrics_parse => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(6)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-07 06:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        clock.set(at("2026-10-07 16:20"));
        let sent = e.tick().await.unwrap().sent;
        assert!(sent > 0);
        let metrics = e.metrics.clone();
        let readiness = Readiness {
            store: store.clone(),
            metrics: metrics.clone(),
            tick_every: StdDuration::from_secs(30),
            started: std::time::Instant::now(),
            standby_ticks: true,
        };
        let (addr, server) = serve("127.0.0.1:0".parse().unwrap(), readiness).await.unwrap();
        let http = reqwest::Client::new();
        let get = |path: &str| {
            let (http, url) = (http.clone(), format!("http://{addr}{path}"));
            async move {
                let r = http.get(url).send().await.expect("request");
                (r.status().as_u16(), r.text().await.expect("body"))
            }
        };
        assert_eq!(get("/healthz").await, (200, "ok\n".to_string()));
        // Not connected to the chat yet: alive, but not ready.
        let (status, body) = get("/readyz").await;
        assert_eq!((status, body.as_str()), (503, "chat: not connected\n"));
        metrics.set_chat_connected(true);
        metrics.tick(StdDuration::from_millis(3), 1.0);
        assert_eq!(get("/readyz").await, (200, "ready\n".to_string()));
        let (status, text) = get("/metrics").await;
        assert_eq!(status, 200);
        let scrape = parse(&text);
        assert_eq!(value(&scrape, "wandelgang_messages_sent_total", &[("kind", "prompt")]), Some(sent as f64), "{text}");
        assert_eq!(value(&scrape, "wandelgang_chat_connected", &[]), Some(1.0));
        assert_eq!(value(&scrape, "wandelgang_database_up", &[]), Some(1.0));
        // The endpoint reads the outbox at the real time, long after this virtual October:
        // every unsent row is due.
        let unsent = count(&store, "SELECT COUNT(*) FROM outbox WHERE status = 'planned'").await;
        assert!(unsent >= 6, "every wpb has a next slot");
        assert_eq!(value(&scrape, "wandelgang_outbox_due", &[]), Some(unsent as f64), "{text}");
        assert_eq!(value(&scrape, "wandelgang_outbox_planned", &[]), Some(0.0));
        assert!(value(&scrape, "wandelgang_outbox_oldest_due_age_seconds", &[]).is_some_and(|s| s > 86_400.0));
        // No label can carry a person: there are only these.
        for sample in &scrape.samples {
            for (name, v) in sample.labels.iter() {
                assert!(["kind", "value", "step"].contains(&name.as_str()), "label {name}={v}");
            }
        }
        assert_eq!(get("/elders").await.0, 404);
        let post = http.post(format!("http://{addr}/metrics")).send().await.unwrap();
        assert_eq!(post.status().as_u16(), 405);
        server.abort();
        store.close().await;
    };
}

fn parse(text: &str) -> prometheus_parse::Scrape {
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .expect("the Prometheus text format")
}

/// The value of a counter, gauge or untyped sample with exactly these labels.
fn value(scrape: &prometheus_parse::Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|s| {
            s.metric == metric
                && s.labels.len() == labels.len()
                && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v))
        })
        .and_then(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => Some(v),
            _ => None,
        })
}

/// A running bot's ticker ends by itself once the engine stops claiming.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticker_ends_when_the_engine_stops_claiming() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    let e = Arc::new(engine(
        store.clone(),
        RecordingChat::new(),
        VirtualClock::new(at("2026-10-07 06:00")),
    ));
    let ticker = e.spawn_ticker(StdDuration::from_millis(20));
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    while e.metrics.since_last_tick().is_none() {
        assert!(tokio::time::Instant::now() < deadline, "never ticked");
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    e.stop_claiming();
    tokio::time::timeout(StdDuration::from_secs(5), ticker)
        .await
        .expect("the ticker ended")
        .expect("without a panic");
    store.close().await;
}

/// `/readyz` turns unready when PostgreSQL goes away, and ready again when it is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_postgres_going_away_and_coming_back() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    db.store().await.close().await; // migrated
    let (mut relay, store) = Relay::in_front_of(&db).await;
    let metrics = Arc::new(Metrics::default());
    metrics.set_chat_connected(true);
    let readiness = Readiness {
        store: store.clone(),
        metrics: metrics.clone(),
        tick_every: StdDuration::from_secs(30),
        started: std::time::Instant::now(),
        standby_ticks: true,
    };
    let check = || async { readiness.check().await };
    assert!(check().await.is_ready(), "{:?}", check().await);

    relay.cut();
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
    let down = loop {
        let report = check().await;
        if !report.is_ready() {
            break report;
        }
        assert!(tokio::time::Instant::now() < deadline, "never unready");
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    };
    assert!(down.body().starts_with("database: "), "{}", down.body());

    relay.restore().await;
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(40);
    while !check().await.is_ready() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never ready again: {:?}",
            check().await
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    relay.cut();
    store.close().await;
}

/// A standby is ready without a connection; a Matrix standby (which does not tick) is not
/// held to the tick either, and when it takes over it gets a fresh process's grace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_standby_is_ready_and_a_matrix_standby_gets_its_grace_when_it_takes_over() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    let metrics = Arc::new(Metrics::default());
    let long_ago = std::time::Instant::now()
        .checked_sub(StdDuration::from_secs(600))
        .expect("an uptime of ten minutes");
    let readiness = |standby_ticks| Readiness {
        store: store.clone(),
        metrics: metrics.clone(),
        tick_every: StdDuration::from_secs(30),
        started: long_ago,
        standby_ticks,
    };
    metrics.set_chat_standby(true);
    assert!(readiness(false).check().await.is_ready());
    // A Discord standby ticks and sends; ten minutes without a tick is a problem.
    assert_eq!(
        readiness(true).check().await.problems,
        vec!["scheduler: no tick completed in the last 60 s".to_string()]
    );
    // Taken over: connected, and its first tick is due within the grace, not at once.
    metrics.set_chat_standby(false);
    metrics.set_chat_connected(true);
    assert!(readiness(false).check().await.is_ready());
    metrics.set_chat_connected(false);
    assert_eq!(
        readiness(false).check().await.problems,
        vec!["chat: not connected".to_string()]
    );
    store.close().await;
}
