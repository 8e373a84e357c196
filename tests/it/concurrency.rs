//! SQLite under concurrent writers: chat events and scheduler ticks writing at the same moment
//! all succeed (a deferred transaction that read first could not upgrade to a write after
//! another connection committed: SQLITE_BUSY_SNAPSHOT, code 517, which no busy timeout helps).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::{TestDb, at, count, engine, roster};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Reply, Sender};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;

/// Writers per wpb, how long they run.
const WPBS: usize = 6;
const RUN_FOR: Duration = Duration::from_secs(4);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_and_ticks_writing_at_once_all_succeed_on_sqlite() {
    let db = TestDb::sqlite();
    let store = db.store().await;
    store.import_roster(&roster(WPBS)).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-05 09:00"));
    let e = Arc::new(engine(store.clone(), RecordingChat::new(), clock.clone()));
    let deadline = Instant::now() + RUN_FOR;

    // The scheduler: ticks in a loop, moving the clock on so prompts and reminders are due.
    let ticker = {
        let (e, clock) = (e.clone(), clock.clone());
        tokio::spawn(async move {
            let mut errors = Vec::new();
            let mut ticks = 0;
            while Instant::now() < deadline {
                if let Err(err) = e.tick().await {
                    errors.push(format!("tick: {err:?}"));
                }
                clock.advance(chrono::Duration::minutes(7));
                ticks += 1;
            }
            (errors, ticks)
        })
    };
    // Every wpb at once: a reflection, then a klik, again and again.
    let mut senders = Vec::new();
    for i in 0..WPBS {
        let e = e.clone();
        senders.push(tokio::spawn(async move {
            let mut errors = Vec::new();
            let (mut reflections, mut kliks) = (0, 0);
            let from = Sender::Chat(format!("test:w{i}"));
            while Instant::now() < deadline {
                let text = format!("w{i} reflectie {reflections}");
                match e
                    .handle(Inbound::Reflection {
                        from: from.clone(),
                        text: text.clone(),
                        target: ReflectionTarget::LatestOpenPrompt,
                        share: reflections % 3 == 0,
                    })
                    .await
                {
                    Ok(Reply::ReflectionSaved { .. }) => reflections += 1,
                    other => errors.push(format!("{text}: {other:?}")),
                }
                let value = ["goed", "twijfel", "geen klik"][kliks % 3];
                match e
                    .handle(Inbound::Klik {
                        from: from.clone(),
                        student: None,
                        value: value.into(),
                    })
                    .await
                {
                    Ok(Reply::KlikSaved { .. }) => kliks += 1,
                    other => errors.push(format!("w{i} klik {kliks}: {other:?}")),
                }
            }
            (i, errors, reflections, kliks)
        }));
    }

    let mut errors = Vec::new();
    let mut total_kliks = 0;
    for s in senders {
        let (i, errs, reflections, kliks) = s.await.unwrap();
        errors.extend(errs);
        total_kliks += kliks;
        assert!(reflections > 0, "w{i} stored no reflection at all");
        // Every saved reflection is stored exactly once.
        for k in 0..reflections {
            let n = count(
                &store,
                &format!("SELECT COUNT(*) FROM reflections WHERE text = 'w{i} reflectie {k}'"),
            )
            .await;
            assert_eq!(n, 1, "w{i} reflectie {k} stored {n} times");
        }
        let all = count(
            &store,
            &format!("SELECT COUNT(*) FROM reflections WHERE text LIKE 'w{i} reflectie %'"),
        )
        .await;
        assert_eq!(all, reflections as i64, "w{i}");
    }
    let (tick_errors, ticks) = ticker.await.unwrap();
    errors.extend(tick_errors);
    assert!(
        errors.is_empty(),
        "{} errors, first: {:#?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert!(ticks > 1);
    assert_eq!(
        count(&store, "SELECT COUNT(*) FROM klik_signals").await,
        total_kliks as i64
    );
}
