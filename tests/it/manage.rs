//! The managing use-cases through the engine: a wpb's rhythm, pairing and unpairing, the
//! school's overview, escalation list and settings, imports and exports for someone else.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Europe::Amsterdam;
use std::collections::BTreeMap;

use crate::on_both_backends;
use crate::privacy::dump;
use crate::support::{TestDb, TestEngine, at, day, engine, person, pid, roster, run_until};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Refusal, Reply, Sender, UserError};
use wandelgang::app::ports::VirtualClock;
use wandelgang::app::privacy::Operator;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::chat::render::{RenderContext, reply};
use wandelgang::domain::authz::Denied;
use wandelgang::domain::language::Language;
use wandelgang::domain::roster::{Role, RosterConflict, SchoolId};
use wandelgang::store::Store;

fn chat(who: &str) -> Sender {
    Sender::Chat(format!("test:{who}"))
}

async fn ok(e: &TestEngine, event: Inbound) -> Reply {
    match e.handle(event).await {
        Ok(r) => r,
        Err(err) => panic!("refused: {err:?}"),
    }
}

/// Prompts sent per wpb in the ISO week of `week_of`.
async fn sent_in_week(store: &Store, week_of: DateTime<Utc>) -> BTreeMap<String, usize> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT recipient, due_at FROM outbox WHERE kind = 'prompt' AND status = 'sent'",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let week = week_of.with_timezone(&Amsterdam).iso_week();
    let mut out = BTreeMap::new();
    for (who, due) in rows {
        let due = DateTime::from_timestamp(due, 0).unwrap();
        if due.with_timezone(&Amsterdam).iso_week() == week {
            *out.entry(who).or_default() += 1;
        }
    }
    out
}

fn ctx(language: Language) -> RenderContext {
    RenderContext {
        language,
        tz: Amsterdam,
        max_chars: 2000,
    }
}

on_both_backends! {
    rhythm_and_school_settings_change_the_week => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(3)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-11 12:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        // Slots are planned at the default cadence first; the changes re-plan them.
        e.tick().await.unwrap();
        let r = ok(&e, Inbound::SetRhythm { from: chat("w0"), per_week: Some(3) }).await;
        assert_eq!(r, Reply::RhythmSet { per_week: 3, school_default: false });
        assert!(reply(&r, &ctx(Language::Nl)).contains('3'));
        assert!(matches!(
            e.handle(Inbound::SetRhythm { from: chat("w0"), per_week: Some(4) }).await,
            Err(Refusal::User(UserError::RhythmOutOfRange))
        ));
        let r = ok(&e, Inbound::SchoolSettings { from: chat("so"), per_week: Some(1), reminder: None }).await;
        assert_eq!(r, Reply::SchoolSettings { per_week: 1, reminder: true, changed: true });
        assert!(reply(&r, &ctx(Language::En)).contains("configuration file"));
        // w2 chose 3 and goes back to the school's rhythm, now 1.
        ok(&e, Inbound::SetRhythm { from: chat("w2"), per_week: Some(3) }).await;
        let r = ok(&e, Inbound::SetRhythm { from: chat("w2"), per_week: None }).await;
        assert_eq!(r, Reply::RhythmSet { per_week: 1, school_default: true });
        // Viewing changes nothing.
        let before = dump(&store).await;
        let r = ok(&e, Inbound::SchoolSettings { from: chat("so"), per_week: None, reminder: None }).await;
        assert_eq!(r, Reply::SchoolSettings { per_week: 1, reminder: true, changed: false });
        assert_eq!(dump(&store).await, before);

        run_until(&e, &clock, at("2026-10-11 12:10"), at("2026-10-16 18:00"), 10).await;
        let week = sent_in_week(&store, at("2026-10-14 12:00")).await;
        assert_eq!(week.get("w0"), Some(&3), "{week:?}");
        assert_eq!(week.get("w1"), Some(&1), "{week:?}");
        assert_eq!(week.get("w2"), Some(&1), "{week:?}");
        store.close().await;
    };

    pair_and_unpair_replan => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(1);
        r.people.push(person("w9", Role::Wpb, Some("team")));
        r.people.push(person("s9", Role::Student, None));
        store.import_roster(&r).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-09 12:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        e.tick().await.unwrap();

        // A student has one wpb at a time; roles and school are checked.
        let overlap = e.handle(Inbound::Pair { from: chat("so"), wpb: pid("w9"), student: pid("s0"), start: Some(day("2026-10-01")), end: None }).await;
        assert_eq!(overlap, Err(Refusal::User(UserError::PairingOverlaps)));
        let swapped = e.handle(Inbound::Pair { from: chat("so"), wpb: pid("s9"), student: pid("w9"), start: Some(day("2026-10-12")), end: None }).await;
        assert_eq!(swapped, Err(Refusal::User(UserError::NotAPairing)));
        let backwards = e.handle(Inbound::Pair { from: chat("so"), wpb: pid("w9"), student: pid("s9"), start: Some(day("2026-10-12")), end: Some(day("2026-10-01")) }).await;
        assert_eq!(backwards, Err(Refusal::User(UserError::EndBeforeStart)));

        let r = ok(&e, Inbound::Pair { from: chat("so"), wpb: pid("w9"), student: pid("s9"), start: Some(day("2026-10-12")), end: None }).await;
        assert_eq!(r, Reply::Paired { wpb: "Naam w9".into(), student: "Naam s9".into(), start: day("2026-10-12"), end: day("2027-07-31") });
        let r = ok(&e, Inbound::Unpair { from: chat("so"), wpb: pid("w0"), student: pid("s0"), end: Some(day("2026-10-11")) }).await;
        assert_eq!(r, Reply::Unpaired { wpb: "Naam w0".into(), student: "Naam s0".into(), end: day("2026-10-11") });
        assert!(reply(&r, &ctx(Language::Nl)).contains("11-10-2026"));

        run_until(&e, &clock, at("2026-10-09 12:10"), at("2026-10-16 18:00"), 10).await;
        let week = sent_in_week(&store, at("2026-10-14 12:00")).await;
        assert_eq!(week.get("w9"), Some(&2), "{week:?}");
        assert_eq!(week.get("w0"), None, "{week:?}");
        store.close().await;
    };

    twenty_racing_koppels_of_one_student_store_exactly_one => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(1);
        for i in 0..20 {
            r.people.push(person(&format!("wr{i}"), Role::Wpb, Some("team")));
        }
        r.people.push(person("s9", Role::Student, None));
        store.import_roster(&r).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-09 12:00"));
        let e = std::sync::Arc::new(engine(store.clone(), RecordingChat::new(), clock));
        // Twenty wpbs for one student at once, each in its own task, released together.
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let e = e.clone();
                let start = start.clone();
                tokio::spawn(async move {
                    start.wait().await;
                    e.handle(Inbound::Pair {
                        from: chat("so"),
                        wpb: pid(&format!("wr{i}")),
                        student: pid("s9"),
                        start: Some(day("2026-10-12")),
                        end: None,
                    })
                    .await
                })
            })
            .collect();
        let (mut paired, mut refused, mut failed) = (0, 0, Vec::new());
        for t in tasks {
            match t.await.unwrap() {
                Ok(Reply::Paired { .. }) => paired += 1,
                Err(Refusal::User(UserError::PairingOverlaps)) => refused += 1,
                other => failed.push(format!("{other:?}")),
            }
        }
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!((paired, refused), (1, 19));
        assert_eq!(store.pairings_of(&pid("s9")).await.unwrap().len(), 1);
        // The same pairing once more is an overlap too, not a database error.
        let stored = store.pairings_of(&pid("s9")).await.unwrap().remove(0).1;
        let again = e.handle(Inbound::Pair { from: chat("so"), wpb: stored.wpb, student: pid("s9"), start: Some(stored.start), end: None }).await;
        assert_eq!(again, Err(Refusal::User(UserError::PairingOverlaps)));
        store.close().await;
    };

    an_import_is_refused_by_what_is_stored_and_races_koppel_safely => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(1);
        for i in 0..20 {
            r.people.push(person(&format!("wr{i}"), Role::Wpb, Some("team")));
        }
        r.people.push(person("s9", Role::Student, None));
        store.import_roster(&r).await.unwrap();
        let e = std::sync::Arc::new(engine(store.clone(), RecordingChat::new(), VirtualClock::new(at("2026-10-09 12:00"))));

        // s0 is stored with w0 until July 2027: another wpb from October overlaps.
        let before = dump(&store).await;
        let mut overlap = roster(1);
        overlap.pairings[0].wpb = pid("wr0");
        overlap.pairings[0].start = day("2026-10-12");
        overlap.people.push(person("wr0", Role::Wpb, Some("team")));
        let stored = store.pairings_of(&pid("s0")).await.unwrap().remove(0).1;
        let refused = e.import_roster_as(&Operator::Cli, &overlap).await;
        assert_eq!(refused, Err(Refusal::User(UserError::RosterRefused(vec![RosterConflict::PairingOverlaps { new: overlap.pairings[0].clone(), stored }]))));
        // Without a schoolopleider: refused too, and the message names school and rule.
        let mut orphan = roster(1);
        orphan.schools[0].id = SchoolId::parse("nieuw").unwrap();
        orphan.teams[0].school = SchoolId::parse("nieuw").unwrap();
        orphan.teams[0].id = wandelgang::domain::roster::TeamId::parse("nieuw-team").unwrap();
        orphan.people = vec![];
        orphan.pairings = vec![];
        let refused = e.import_roster_as(&Operator::Cli, &orphan).await;
        assert_eq!(refused, Err(Refusal::User(UserError::RosterRefused(vec![RosterConflict::NoSchoolopleider { school: SchoolId::parse("nieuw").unwrap(), moved: None }]))));
        assert_eq!(dump(&store).await, before);
        // The stored roster again is an update, not an overlap.
        assert!(matches!(e.import_roster_as(&Operator::Cli, &r).await, Ok(Reply::RosterImported(_))));

        // Imports and koppels of one student racing: exactly one pairing is stored.
        let go = std::sync::Arc::new(tokio::sync::Barrier::new(20));
        let tasks: Vec<_> = (0..20)
            .map(|i| {
                let (e, go) = (e.clone(), go.clone());
                let mut one = roster(0);
                one.people.push(person(&format!("wr{i}"), Role::Wpb, Some("team")));
                one.people.push(person("s9", Role::Student, None));
                one.pairings.push(wandelgang::domain::roster::Pairing { wpb: pid(&format!("wr{i}")), student: pid("s9"), start: day("2026-10-12"), end: day("2027-07-31") });
                tokio::spawn(async move {
                    go.wait().await;
                    if i % 2 == 0 {
                        e.import_roster_as(&Operator::Cli, &one).await
                    } else {
                        e.handle(Inbound::Pair { from: chat("so"), wpb: pid(&format!("wr{i}")), student: pid("s9"), start: Some(day("2026-10-12")), end: None }).await
                    }
                })
            })
            .collect();
        let (mut stored, mut refused, mut failed) = (0, 0, Vec::new());
        for t in tasks {
            match t.await.unwrap() {
                Ok(Reply::Paired { .. } | Reply::RosterImported(_)) => stored += 1,
                Err(Refusal::User(UserError::PairingOverlaps | UserError::RosterRefused(_))) => refused += 1,
                other => failed.push(format!("{other:?}")),
            }
        }
        assert!(failed.is_empty(), "{failed:?}");
        assert_eq!((stored, refused), (1, 19));
        assert_eq!(store.pairings_of(&pid("s9")).await.unwrap().len(), 1);
        store.close().await;
    };

    overview_and_escalation_list_count_without_text => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-09-01 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        // Older than four weeks: not counted.
        ok(&e, Inbound::Reflection { from: chat("w0"), text: "Oud en vergeten".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        run_until(&e, &clock, at("2026-10-12 08:00"), at("2026-10-14 18:00"), 10).await;
        ok(&e, Inbound::Reflection { from: chat("w0"), text: "Geheime gedachte".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        ok(&e, Inbound::Klik { from: chat("w0"), student: None, value: "goed".into() }).await;
        for _ in 0..2 {
            ok(&e, Inbound::StudentKlik { from: chat("s1"), value: "geen klik".into() }).await;
        }
        let sent = sent_in_week(&store, at("2026-10-14 12:00")).await.values().sum::<usize>() as u64;
        assert!(sent > 0);

        let Reply::Overview(f) = ok(&e, Inbound::SchoolOverview { from: chat("so"), weeks: Some(1) }).await else { panic!("overview") };
        let week = &f.school_total.weeks[0];
        assert_eq!(u64::from(week.prompts_sent), sent);
        assert_eq!((week.reflections, week.prompts_answered), (1, 0));
        // One student's signals (wpb's and student's alike): shown only as "< 3".
        assert_eq!(week.klik, wandelgang::domain::digest::Cell::Suppressed);
        assert_eq!((f.school_total.open_escalations, f.school_total.period.threads), (1, 0));
        let text = reply(&Reply::Overview(f), &ctx(Language::Nl));
        assert!(!text.contains("Geheime") && !text.contains("geen klik,"), "{text}");
        assert!(text.contains("< 3"), "{text}");

        let r = ok(&e, Inbound::ListEscalations { from: chat("so") }).await;
        let Reply::Escalations(list) = &r else { panic!("list") };
        assert_eq!(list.len(), 1);
        assert_eq!((list[0].wpb.as_str(), list[0].student.as_str()), ("Naam w1", "Naam s1"));
        let text = reply(&r, &ctx(Language::En));
        assert!(text.contains("Naam s1") && text.contains("open"), "{text}");
        assert!(!text.contains("geen klik"), "{text}");
        store.close().await;
    };

    imports_and_exports_for_someone_else_stay_in_bounds => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(1);
        r.schools.push(wandelgang::domain::roster::School { id: SchoolId::parse("other").unwrap(), name: "Other".into() });
        let mut so2 = person("so2", Role::Schoolopleider, None);
        so2.school = SchoolId::parse("other").unwrap();
        r.people.push(so2);
        store.import_roster(&r).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-12 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());

        // A roster with a row of another school is refused as a whole.
        let so = Operator::Chat(chat("so"));
        let before = dump(&store).await;
        let refused = e.import_roster_as(&so, &r).await;
        assert_eq!(refused, Err(Refusal::User(UserError::Denied(Denied::OtherSchool))));
        assert_eq!(dump(&store).await, before);
        // Nor may it move a person of another school into this one, or make anyone an admin.
        let mut moving = roster(1);
        moving.people.push(person("so2", Role::Schoolopleider, None));
        assert_eq!(e.import_roster_as(&so, &moving).await, Err(Refusal::User(UserError::Denied(Denied::OtherSchool))));
        let mut admin = roster(1);
        admin.people.push(person("boss", Role::Admin, None));
        assert!(matches!(e.import_roster_as(&so, &admin).await, Err(Refusal::User(UserError::Denied(Denied::NotForRole { .. })))));
        assert_eq!(dump(&store).await, before);
        let own = roster(1);
        assert!(matches!(e.import_roster_as(&so, &own).await, Ok(Reply::RosterImported(_))));

        ok(&e, Inbound::Reflection { from: chat("w0"), text: "Alleen voor mij".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        ok(&e, Inbound::Reflection { from: chat("w0"), text: "Graag gedeeld".into(), target: ReflectionTarget::FreeStanding, share: true }).await;
        let Ok(Reply::PersonExported { json, .. }) = e.export_person_as(&so, &pid("w0")).await else { panic!("export") };
        assert!(json.contains("Graag gedeeld") && !json.contains("Alleen voor mij"), "{json}");
        let Ok(Reply::PersonExported { json, .. }) = e.export_person_as(&Operator::Cli, &pid("w0")).await else { panic!("cli export") };
        assert!(!json.contains("Alleen voor mij"), "{json}");
        let Ok(Reply::Exported { json, .. }) = e.export_own(chat("w0")).await else { panic!("own export") };
        assert!(json.contains("Graag gedeeld") && json.contains("Alleen voor mij"), "{json}");
        let Ok(Reply::PersonExported { json, .. }) = e.export_person_as(&Operator::Chat(chat("w0")), &pid("w0")).await else { panic!("own export as person") };
        assert!(json.contains("Alleen voor mij"), "{json}");

        // The other school's schoolopleider reaches none of it, and sees only their own audit rows.
        let so2 = Operator::Chat(chat("so2"));
        assert_eq!(e.export_person_as(&so2, &pid("w0")).await, Err(Refusal::User(UserError::Denied(Denied::OtherSchool))));
        assert_eq!(e.forget_person_as(&so2, &pid("w0"), false).await, Err(Refusal::User(UserError::Denied(Denied::OtherSchool))));
        let Ok(Reply::AuditLog(mine)) = e.audit_log_as(&so).await else { panic!("audit") };
        assert!(!mine.is_empty() && mine.iter().all(|a| a.school.as_deref() == Some("school")), "{mine:?}");
        let Ok(Reply::AuditLog(theirs)) = e.audit_log_as(&so2).await else { panic!("audit") };
        assert!(theirs.is_empty(), "{theirs:?}");
        let Ok(Reply::AuditLog(all)) = e.audit_log_as(&Operator::Cli).await else { panic!("audit") };
        assert!(all.len() >= mine.len());
        store.close().await;
    };
}
