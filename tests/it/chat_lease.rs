//! The chat lease between processes on one database: one holder at a time, a clean hand-over
//! at once, a dead holder's lease taken over once it runs out, and a holder cut off from the
//! database letting go before anyone else takes over; and what a new holder needs to read back
//! what went unheard: messages marked handled once, the recently prompted, the previous
//! listener's last sign of life.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::on_both_backends;
use crate::support::*;
use wandelgang::service::{ChatLease, LeaseState, LeaseTiming};
use wandelgang::store::Store;

/// Short leases, so the test waits fractions of a second where production waits seconds.
const TIMING: LeaseTiming = LeaseTiming {
    ttl: Duration::from_millis(1_500),
    beat: Duration::from_millis(150),
};

/// Waits (at most 10 s) until the state is `want`; returns when it became so.
async fn until(state: &mut watch::Receiver<LeaseState>, want: LeaseState) -> Instant {
    let reached = tokio::time::timeout(Duration::from_secs(10), state.wait_for(|s| *s == want))
        .await
        .map(|r| r.is_ok());
    assert_eq!(
        reached,
        Ok(true),
        "never {want:?}; still {:?}",
        *state.borrow()
    );
    Instant::now()
}

async fn holder(store: &Store) -> Option<String> {
    store
        .chat_lease_holder("discord")
        .await
        .unwrap()
        .map(|(h, _)| h)
}

on_both_backends! {
    one_holder_at_a_time_and_a_clean_hand_over_is_taken_at_once => |db: TestDb| async move {
        let store = db.store().await;
        let a = ChatLease::start_with(store.clone(), "discord", "proc-a", TIMING);
        until(&mut a.state(), LeaseState::Held).await;
        let b = ChatLease::start_with(store.clone(), "discord", "proc-b", TIMING);
        // Another platform's lease is apart.
        let m = ChatLease::start_with(store.clone(), "matrix", "proc-b", TIMING);
        until(&mut m.state(), LeaseState::Held).await;
        // Longer than the lease itself: renewed, it never runs out while A lives.
        tokio::time::sleep(TIMING.ttl * 2).await;
        assert_eq!(*b.state().borrow(), LeaseState::Waiting);
        assert_eq!(*a.state().borrow(), LeaseState::Held);
        assert_eq!(holder(&store).await.as_deref(), Some("proc-a"));

        let released = Instant::now();
        a.release().await;
        let taken = until(&mut b.state(), LeaseState::Held).await;
        // On B's next beat, not after the lease would have run out.
        assert!(taken - released < TIMING.ttl, "took {:?}", taken - released);
        assert_eq!(holder(&store).await.as_deref(), Some("proc-b"));
        b.release().await;
        m.release().await;
        assert_eq!(holder(&store).await, None);
        store.close().await;
    };

    a_dead_holders_lease_is_taken_over_once_it_runs_out_and_not_before => |db: TestDb| async move {
        let store = db.store().await;
        // A holder that renewed a moment ago and then died (kill -9): its row stays.
        let now = Utc::now();
        let runs_out = now + chrono::Duration::milliseconds(1_000);
        assert!(store.take_chat_lease("discord", "dead", now, runs_out).await.unwrap());
        let started = Instant::now();
        let b = ChatLease::start_with(store.clone(), "discord", "proc-b", TIMING);
        let taken = until(&mut b.state(), LeaseState::Held).await;
        let waited = taken - started;
        assert!(waited >= Duration::from_millis(900), "taken while still held: {waited:?}");
        assert!(waited < Duration::from_millis(1_000) + 3 * TIMING.beat, "taken late: {waited:?}");
        assert!(waited < TIMING.takeover(), "{waited:?}");
        // The dead holder's own lease cannot be renewed any more.
        let later = Utc::now();
        assert!(!store
            .take_chat_lease("discord", "dead", later, later + chrono::Duration::seconds(5))
            .await
            .unwrap());
        b.release().await;
        store.close().await;
    };
}

/// A holder that can no longer reach PostgreSQL lets go of its connection before its lease
/// runs out, so the process that takes over never overlaps with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_holder_cut_off_from_the_database_lets_go_before_another_takes_over() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let direct = db.store().await;
    let (mut relay, cut_off) = Relay::in_front_of(&db).await;

    let a = ChatLease::start_with(cut_off.clone(), "discord", "proc-a", TIMING);
    until(&mut a.state(), LeaseState::Held).await;
    let b = ChatLease::start_with(direct.clone(), "discord", "proc-b", TIMING);
    tokio::time::sleep(TIMING.beat * 3).await;
    assert_eq!(*b.state().borrow(), LeaseState::Waiting);

    relay.cut();
    let (mut a_state, mut b_state) = (a.state(), b.state());
    let (lost, taken) = tokio::join!(
        until(&mut a_state, LeaseState::Lost),
        until(&mut b_state, LeaseState::Held)
    );
    assert!(
        lost < taken,
        "B took over {:?} before A let go",
        lost - taken
    );
    // A's closing (at most one beat) still ends before B could take over.
    assert!(taken - lost >= TIMING.beat, "only {:?} apart", taken - lost);
    assert_eq!(holder(&direct).await.as_deref(), Some("proc-b"));
    b.release().await;
    direct.close().await;
}

on_both_backends! {
    a_message_is_handled_once_and_the_recently_prompted_are_read_back => |db: TestDb| async move {
        use wandelgang::app::ports::VirtualClock;
        use wandelgang::chat::recording::RecordingChat;
        use wandelgang::store::ProcessStart;

        let store = db.store().await;
        let now = at("2026-10-07 10:00");
        assert!(store.first_sight("discord", "1001", now).await.unwrap());
        assert!(!store.first_sight("discord", "1001", now).await.unwrap(), "seen twice");
        assert!(store.first_sight("matrix", "1001", now).await.unwrap(), "platforms are apart");
        // Forgotten after a week, not before.
        store.forget_old_sightings(now + chrono::Duration::days(6)).await.unwrap();
        assert!(!store.first_sight("discord", "1001", now).await.unwrap());
        store.forget_old_sightings(now + chrono::Duration::days(8)).await.unwrap();
        assert!(store.first_sight("discord", "1001", now).await.unwrap());

        // Whose DMs a catch-up reads back: those sent a prompt since then, or perhaps sent
        // one (a row a dead process had claimed).
        store.import_roster(&crate::discord::discord_roster(6)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-07 06:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        e.tick().await.unwrap();
        clock.set(at("2026-10-07 16:20"));
        e.tick().await.unwrap();
        let prompted = count(
            &store,
            "SELECT COUNT(DISTINCT recipient) FROM outbox WHERE kind = 'prompt' AND status = 'sent'",
        )
        .await;
        assert!(prompted >= 1, "no prompt went out");
        let found = store.recently_prompted("discord:", at("2026-10-07 12:00")).await.unwrap();
        assert_eq!(found.len() as i64, prompted, "{found:?}");
        assert!(found.iter().all(|a| a.starts_with("discord:")));
        let later = at("2026-10-08 09:00");
        assert!(store.recently_prompted("discord:", later).await.unwrap().is_empty());
        sqlx::query("UPDATE outbox SET status = 'claimed' WHERE id = (SELECT MIN(id) FROM outbox WHERE kind = 'prompt')")
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(store.recently_prompted("discord:", later).await.unwrap().len(), 1);
        assert!(store.recently_prompted("matrix:", later).await.unwrap().is_empty());

        // The previous listener's last sign of life: other processes of the platform only.
        let process = |id: &str, role: &str| ProcessStart {
            id: id.into(),
            host: "host".into(),
            pid: 1,
            role: role.into(),
        };
        store.register_process(&process("a", "discord"), at("2026-10-07 10:00")).await.unwrap();
        store.register_process(&process("b", "discord"), at("2026-10-07 10:05")).await.unwrap();
        store.register_process(&process("c", "matrix"), at("2026-10-07 11:00")).await.unwrap();
        assert_eq!(store.last_sign_of_life("discord", "a").await.unwrap(), Some(at("2026-10-07 10:05")));
        assert_eq!(store.last_sign_of_life("discord", "b").await.unwrap(), Some(at("2026-10-07 10:00")));
        assert_eq!(store.last_sign_of_life("matrix", "c").await.unwrap(), None);
        store.close().await;
    };
}
