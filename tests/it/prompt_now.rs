//! A prompt now (`/vraag`, `!vraag`, `wandelgang prompt send`) through the engine: it goes out
//! once through the outbox, at most once a day per wpb, takes the place of the week's next
//! planned slot (an extra one only when the week's slots were all sent), and is refused to
//! whoever may not have one now.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Amsterdam;

use crate::on_both_backends;
use crate::support::{TestDb, TestEngine, at, count, day, engine, pid, roster, run_until};
use wandelgang::app::inbox::{Inbound, Refusal, Reply, Sender, UserError};
use wandelgang::app::on_demand::PromptRefusal;
use wandelgang::app::ports::VirtualClock;
use wandelgang::app::privacy::Operator;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::authz::Denied;
use wandelgang::domain::roster::Role;
use wandelgang::store::{NewOutbox, OnDemandQueued, OutboxKind, Store};

fn chat(id: &str) -> Sender {
    Sender::Chat(format!("test:{id}"))
}

fn ask(id: &str) -> Inbound {
    Inbound::AskPrompt { from: chat(id) }
}

/// (key, status, due) of a wpb's prompt rows, by due time.
async fn prompts_of(store: &Store, wpb: &str) -> Vec<(String, String, DateTime<Utc>)> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT key, status, due_at FROM outbox WHERE kind = 'prompt' AND recipient = $1 ORDER BY due_at, id",
    )
    .bind(wpb)
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter()
        .map(|(k, s, d)| (k, s, DateTime::from_timestamp(d, 0).unwrap()))
        .collect()
}

/// Sent prompts whose due time falls in ISO week `week`.
fn sent_in_week(rows: &[(String, String, DateTime<Utc>)], week: u32) -> Vec<String> {
    rows.iter()
        .filter(|(_, s, d)| s == "sent" && d.with_timezone(&Amsterdam).iso_week().week() == week)
        .map(|(k, ..)| k.clone())
        .collect()
}

/// A school with one wpb (w0, a rhythm of two) just imported, nothing planned yet, and an
/// engine on a virtual clock from `from`.
async fn one_wpb(db: &TestDb, from: &str) -> (Store, VirtualClock, RecordingChat, TestEngine) {
    let store = db.store().await;
    store.import_roster(&roster(1)).await.unwrap();
    let clock = VirtualClock::new(at(from));
    let sent_chat = RecordingChat::new();
    let e = engine(store.clone(), sent_chat.clone(), clock.clone());
    (store, clock, sent_chat, e)
}

on_both_backends! {
    a_prompt_now_takes_the_place_of_the_weeks_next_slot => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 06:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        let planned = prompts_of(&store, "w0").await;
        assert_eq!(planned.len(), 1, "{planned:?}");
        let (slot, _, slot_due) = planned[0].clone();
        assert_eq!(slot, "2026-W41-1:prompt:w0");

        // Before the working window: asked for, so it goes now.
        clock.set(at("2026-10-05 07:00"));
        let reply = e.handle(ask("w0")).await;
        assert_eq!(reply, Ok(Reply::PromptQueued { in_place_of: Some(slot_due) }));
        assert!(chat.delivered().is_empty(), "queued, not sent by the handler");
        e.tick().await.unwrap();
        let delivered: Vec<String> = chat.delivered().into_iter().map(|m| m.key).collect();
        assert_eq!(delivered, ["2026-W41-vraag1:prompt:w0"]);
        let rows = prompts_of(&store, "w0").await;
        assert!(rows.iter().any(|(k, s, _)| *k == slot && s == "skipped"), "{rows:?}");

        // The rest of the week: the rhythm of two holds, the replaced slot is never sent.
        run_until(&e, &clock, at("2026-10-05 07:10"), at("2026-10-11 23:50"), 10).await;
        let rows = prompts_of(&store, "w0").await;
        let sent = sent_in_week(&rows, 41);
        assert_eq!(sent.len(), 2, "{rows:?}");
        assert!(sent.contains(&"2026-W41-vraag1:prompt:w0".to_string()));
        assert!(!sent.contains(&slot), "{sent:?}");
        for (key, n) in chat.attempts_per_key() {
            assert_eq!(n, 1, "{key}");
        }
    };

    once_a_day_a_double_click_gives_one_prompt => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        let (a, b) = tokio::join!(e.handle(ask("w0")), e.handle(ask("w0")));
        let outcomes = [a, b];
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 1, "{outcomes:?}");
        let again = Err(Refusal::User(UserError::PromptNow(PromptRefusal::AlreadyToday { again: day("2026-10-06") })));
        assert!(outcomes.contains(&again), "{outcomes:?}");
        // The operator is held to the same day.
        assert_eq!(e.prompt_now_as(&Operator::Cli, &pid("w0")).await, again);
        for _ in 0..3 {
            e.tick().await.unwrap();
        }
        let on_demand: Vec<String> = chat.delivered().into_iter().map(|m| m.key).filter(|k| k.contains("vraag")).collect();
        assert_eq!(on_demand, ["2026-W41-vraag1:prompt:w0"]);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE key LIKE '%vraag%' AND kind = 'prompt'").await, 1);

        // The next school day it may be asked again.
        clock.set(at("2026-10-06 09:00"));
        assert!(e.handle(ask("w0")).await.is_ok());
        e.tick().await.unwrap();
        assert!(chat.delivered().iter().any(|m| m.key == "2026-W41-vraag2:prompt:w0"));
    };

    asked_before_the_week_is_planned_it_still_takes_a_slots_place => |db: TestDb| async move {
        // Right after a roster import nothing is planned yet: the first tick plans the week.
        let (store, clock, sent_chat, e) = one_wpb(&db, "2026-10-05 06:00").await;
        assert!(prompts_of(&store, "w0").await.is_empty());
        let reply = e.handle(ask("w0")).await;
        let rows = prompts_of(&store, "w0").await;
        let (replaced, _, replaced_due) = rows.iter().find(|(k, ..)| !k.contains("vraag")).cloned().expect("the slot it took");
        assert_eq!(reply, Ok(Reply::PromptQueued { in_place_of: Some(replaced_due) }));
        assert!(replaced.starts_with("2026-W41-"), "{rows:?}");

        run_until(&e, &clock, at("2026-10-05 06:10"), at("2026-10-11 23:50"), 10).await;
        let rows = prompts_of(&store, "w0").await;
        let sent = sent_in_week(&rows, 41);
        assert_eq!(sent.len(), 2, "a rhythm of two, the prompt asked for one of them: {rows:?}");
        assert!(sent.contains(&"2026-W41-vraag1:prompt:w0".to_string()), "{sent:?}");
        assert!(!sent.contains(&replaced), "{sent:?}");
        let note: (String,) = sqlx::query_as("SELECT note FROM outbox WHERE key = $1").bind(&replaced).fetch_one(store.pool()).await.unwrap();
        assert!(note.0.contains("vraag op verzoek"), "{note:?}");
        for (key, n) in sent_chat.attempts_per_key() {
            assert_eq!(n, 1, "{key}");
        }
    };

    a_rhythm_change_keeps_the_prompt_asked_for_and_the_week_its_count => |db: TestDb| async move {
        let (store, clock, _, e) = one_wpb(&db, "2026-10-05 06:00").await;
        e.tick().await.unwrap();
        clock.set(at("2026-10-05 07:00"));
        assert!(matches!(e.handle(ask("w0")).await, Ok(Reply::PromptQueued { in_place_of: Some(_) })));
        // Before the tick sends it, the wpb asks for one prompt a week: what they asked for
        // stays queued, and it is that week's one.
        clock.set(at("2026-10-05 07:01"));
        e.handle(Inbound::SetRhythm { from: chat("w0"), per_week: Some(1) }).await.unwrap();
        run_until(&e, &clock, at("2026-10-05 07:02"), at("2026-10-11 23:50"), 10).await;
        let rows = prompts_of(&store, "w0").await;
        assert_eq!(sent_in_week(&rows, 41), ["2026-W41-vraag1:prompt:w0"], "{rows:?}");
        run_until(&e, &clock, at("2026-10-12 00:00"), at("2026-10-18 23:30"), 30).await;
        let rows = prompts_of(&store, "w0").await;
        assert_eq!(sent_in_week(&rows, 42).len(), 1, "{rows:?}");
    };

    a_pause_from_today_after_asking_still_stops_the_prompt_asked_for => |db: TestDb| async move {
        let (store, clock, sent_chat, e) = one_wpb(&db, "2026-10-05 07:00").await;
        e.tick().await.unwrap();
        assert!(e.handle(ask("w0")).await.is_ok());
        e.handle(Inbound::Pause { from: chat("w0"), until: day("2026-10-09") }).await.unwrap();
        run_until(&e, &clock, at("2026-10-05 07:01"), at("2026-10-09 23:50"), 10).await;
        assert!(sent_chat.delivered().is_empty(), "{:?}", sent_chat.delivered());
        let rows = prompts_of(&store, "w0").await;
        assert!(rows.iter().any(|(k, s, _)| k == "2026-W41-vraag1:prompt:w0" && s == "skipped"), "{rows:?}");
    };

    marked_for_planning_mid_week_it_takes_the_next_slot_to_come => |db: TestDb| async move {
        let (store, clock, _, e) = one_wpb(&db, "2026-10-05 06:00").await;
        // Until the week's first slot went.
        let mut t = at("2026-10-05 06:00");
        while sent_in_week(&prompts_of(&store, "w0").await, 41).is_empty() {
            assert!(t < at("2026-10-10 00:00"), "no slot sent in week 41");
            clock.set(t);
            e.tick().await.unwrap();
            t += chrono::Duration::minutes(10);
        }
        // The wpb confirms their rhythm: the week's second slot is dropped to be planned again,
        // and the prompt asked for before that happens takes its place.
        e.handle(Inbound::SetRhythm { from: chat("w0"), per_week: Some(2) }).await.unwrap();
        assert!(prompts_of(&store, "w0").await.iter().all(|(_, s, _)| s != "planned"));
        assert!(matches!(e.handle(ask("w0")).await, Ok(Reply::PromptQueued { in_place_of: Some(_) })));
        run_until(&e, &clock, t, at("2026-10-11 23:50"), 10).await;
        let rows = prompts_of(&store, "w0").await;
        let sent = sent_in_week(&rows, 41);
        assert_eq!(sent.len(), 2, "{rows:?}");
        assert_eq!(sent.iter().filter(|k| k.contains("vraag")).count(), 1, "{sent:?}");
    };

    a_slot_a_tick_planned_after_the_read_is_still_the_one_replaced => |db: TestDb| async move {
        // On PostgreSQL a tick may commit the week's slot between the store's look for a
        // planned slot and its insert of the slot still to come. Here the look misses it by
        // its range instead: the insert finds the key used, the slot planned, and replaces it.
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        sqlx::query("UPDATE people SET needs_plan = 0").execute(store.pool()).await.unwrap();
        let row = |key: &str, due: &str| NewOutbox {
            key: format!("{key}:prompt:w0"),
            kind: OutboxKind::Prompt,
            recipient: pid("w0"),
            due_at: at(due),
            body: None,
            ref_id: None,
            channel_team: None,
            to_address: None,
        };
        let slot = row("2026-W41-1", "2026-10-07 10:00");
        assert!(store.enqueue(&slot).await.unwrap());
        let queued = store
            .queue_prompt_now(&row("2026-W41-vraag1", "2026-10-05 09:00"), at("2026-10-05 00:00"), at("2026-10-07 00:00"), std::slice::from_ref(&slot))
            .await
            .unwrap();
        assert_eq!(queued, OnDemandQueued::InPlaceOf(slot.due_at));
        let rows = prompts_of(&store, "w0").await;
        assert!(rows.iter().any(|(k, s, _)| *k == slot.key && s == "skipped"), "{rows:?}");
        assert_eq!(count(&store, "SELECT COUNT(*) FROM people WHERE id = 'w0' AND needs_plan = 1").await, 1);
        // A slot sent before is not replaced, nor is the prompt on demand still queued from
        // the day before: this one comes on top.
        let sent = row("2026-W41-2", "2026-10-08 10:00");
        assert!(store.enqueue(&sent).await.unwrap());
        sqlx::query("UPDATE outbox SET status = 'sent' WHERE key = $1").bind(&sent.key).execute(store.pool()).await.unwrap();
        let queued = store
            .queue_prompt_now(&row("2026-W41-vraag2", "2026-10-06 09:00"), at("2026-10-05 00:00"), at("2026-10-12 00:00"), std::slice::from_ref(&sent))
            .await
            .unwrap();
        assert_eq!(queued, OnDemandQueued::Extra);
    };

    with_the_weeks_slots_all_sent_it_comes_on_top => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 06:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        run_until(&e, &clock, at("2026-10-05 06:00"), at("2026-10-09 17:00"), 10).await;
        assert_eq!(sent_in_week(&prompts_of(&store, "w0").await, 41).len(), 2);
        let next_week = prompts_of(&store, "w0").await.into_iter().filter(|(_, s, _)| s == "planned").collect::<Vec<_>>();
        assert_eq!(next_week.len(), 1, "{next_week:?}");

        let reply = e.prompt_now_as(&Operator::Cli, &pid("w0")).await;
        assert_eq!(reply, Ok(Reply::PromptQueued { in_place_of: None }));
        e.tick().await.unwrap();
        let rows = prompts_of(&store, "w0").await;
        assert_eq!(sent_in_week(&rows, 41).len(), 3, "{rows:?}");
        // Next week's slot is left as it was.
        let still: Vec<_> = rows.into_iter().filter(|(_, s, _)| s == "planned").collect();
        assert_eq!(still, next_week);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log WHERE action = 'prompt_now' AND actor = 'admin:cli'").await, 1);
    };

    asked_in_the_evening_it_goes_that_day_or_not_at_all => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 20:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        // Outside the working window, asked for: sent the same evening.
        assert!(e.handle(ask("w1")).await.is_ok());
        clock.set(at("2026-10-05 20:01"));
        e.tick().await.unwrap();
        assert!(chat.delivered().iter().any(|m| m.key == "2026-W41-vraag1:prompt:w1"));
        // Asked just before midnight while the bot is down: never sent the next day.
        clock.set(at("2026-10-05 23:55"));
        assert!(e.handle(ask("w0")).await.is_ok());
        clock.set(at("2026-10-06 08:00"));
        chat.clear();
        e.tick().await.unwrap();
        assert!(chat.delivered().iter().all(|m| !m.key.contains("vraag")), "{:?}", chat.delivered());
        let w0 = prompts_of(&store, "w0").await;
        assert!(w0.iter().any(|(k, s, _)| k == "2026-W41-vraag1:prompt:w0" && s == "skipped"), "{w0:?}");
    };

    who_may_not_have_a_prompt_now_hears_why_and_nothing_is_queued => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(3);
        // w1's pairing ended; w2 has no chat address.
        r.pairings[1].end = day("2026-09-30");
        for p in &mut r.people {
            if p.id.as_str() == "w2" {
                p.chat = None;
            }
        }
        store.import_roster(&r).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        let refused = |e: UserError| Err::<Reply, _>(Refusal::User(e));
        let handle = |ev| {
            let e = &e;
            async move { e.handle(ev).await }
        };

        assert_eq!(handle(ask("s0")).await, refused(UserError::Denied(Denied::NotForRole { meant_for: Some(Role::Wpb) })));
        assert_eq!(handle(ask("nobody")).await, refused(UserError::UnknownSender));
        assert_eq!(handle(ask("w1")).await, refused(UserError::NoActivePairing));
        handle(Inbound::Pause { from: chat("w0"), until: day("2026-10-09") }).await.unwrap();
        assert_eq!(handle(ask("w0")).await, refused(UserError::PromptNow(PromptRefusal::Paused { until: day("2026-10-09") })));
        let cli = |id: &'static str| {
            let e = &e;
            async move { e.prompt_now_as(&Operator::Cli, &pid(id)).await }
        };
        assert_eq!(cli("w0").await, refused(UserError::PromptNow(PromptRefusal::Paused { until: day("2026-10-09") })));
        assert_eq!(cli("w2").await, refused(UserError::PromptNow(PromptRefusal::NoChatAddress)));
        assert_eq!(cli("s0").await, refused(UserError::PromptNow(PromptRefusal::NotAWpb)));
        assert_eq!(cli("so").await, refused(UserError::PromptNow(PromptRefusal::NotAWpb)));
        assert_eq!(cli("w1").await, refused(UserError::NoActivePairing));
        assert_eq!(cli("nobody").await, refused(UserError::PersonNotFound));
        // A Saturday is no school day.
        clock.set(at("2026-10-10 10:00"));
        handle(Inbound::Resume { from: chat("w0") }).await.unwrap();
        assert_eq!(handle(ask("w0")).await, refused(UserError::PromptNow(PromptRefusal::NoSchoolDay)));
        assert_eq!(count(&store, "SELECT COUNT(*) FROM outbox WHERE key LIKE '%vraag%'").await, 0);
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log WHERE action = 'prompt_now'").await, 0);
        // The student's try is an authorization refusal, and audited as one.
        assert_eq!(count(&store, "SELECT COUNT(*) FROM audit_log WHERE action = 'refused:request_prompt'").await, 2);
    };
}
