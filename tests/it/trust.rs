//! No side channel from a student's signal: whatever the wpb sees after their own klik
//! signals (replies, follow-ups, notices, their keys and times) is the same whether or not
//! their student signalled anything. A property test over random signal sequences, driving the
//! real engine on a virtual clock.

use chrono::{DateTime, Duration, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::support::{TestDb, at, day, engine_with, person, pid, roster};
use wandelgang::app::inbox::{Inbound, Reply, Sender};
use wandelgang::app::messages::Message;
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::chat::render::{self, RenderContext};
use wandelgang::config::Config;
use wandelgang::domain::escalation::EscalationRules;
use wandelgang::domain::language::Language;
use wandelgang::domain::roster::{Pairing, Person, Role, Roster, School, SchoolId, Team, TeamId};
use wandelgang::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Wpb,
    Student,
}

#[derive(Debug, Clone)]
struct Event {
    side: Side,
    value: &'static str,
    at: DateTime<Utc>,
}

fn random_rules(rng: &mut ChaCha8Rng) -> EscalationRules {
    let negative_of_last = rng.random_range(1..=7);
    EscalationRules {
        consecutive_geen_klik: rng.random_range(1..=4),
        negative_of_last,
        negative_count: rng.random_range(1..=negative_of_last),
        cross_signal_days: rng.random_range(1..=20),
        reminder_school_days: 3,
    }
}

fn random_events(rng: &mut ChaCha8Rng) -> Vec<Event> {
    let mut t = at("2026-10-05 10:00");
    let n = rng.random_range(1..=12);
    (0..n)
        .map(|_| {
            let gaps = [1, 60, 60 * 24, 60 * 24 * 5, 60 * 24 * 20];
            t += Duration::minutes(gaps[rng.random_range(0..gaps.len())]);
            Event {
                side: if rng.random_bool(0.5) {
                    Side::Wpb
                } else {
                    Side::Student
                },
                value: ["goed", "twijfel", "geen klik"][rng.random_range(0..3)],
                at: t,
            }
        })
        .collect()
}

/// A wpb and a student paired with the same names in every case, so only ids differ.
fn pair(tag: &str) -> (Person, Person, Pairing) {
    let named = |mut p: Person, name: &str| {
        p.name = name.into();
        p
    };
    let wpb = named(person(&format!("w-{tag}"), Role::Wpb, Some("team")), "Wim");
    let student = named(person(&format!("s-{tag}"), Role::Student, None), "Sara");
    let pairing = Pairing {
        wpb: wpb.id.clone(),
        student: student.id.clone(),
        start: day("2026-01-05"),
        end: day("2027-12-31"),
    };
    (wpb, student, pairing)
}

async fn add_pairs(store: &Store, pairs: &[(Person, Person, Pairing)]) {
    let school = SchoolId::parse("school").expect("id");
    let mut people = vec![person("so", Role::Schoolopleider, None)];
    let mut pairings = Vec::new();
    for (w, s, p) in pairs {
        people.extend([w.clone(), s.clone()]);
        pairings.push(p.clone());
    }
    let roster = Roster {
        schools: vec![School {
            id: school.clone(),
            name: "School".into(),
        }],
        teams: vec![Team {
            id: TeamId::parse("team").expect("id"),
            school,
            name: "Team".into(),
            channel: None,
        }],
        people,
        pairings,
    };
    store.import_roster(&roster).await.expect("import");
}

/// What the wpb saw: every outbox row addressed to them, with their own pairing's id made
/// neutral in the key (each world has its own pairing).
async fn wpb_rows(store: &Store, wpb: &str) -> Vec<(String, String, Option<String>, i64)> {
    let pairing: (i64,) = sqlx::query_as("SELECT id FROM pairings WHERE wpb_id = $1")
        .bind(wpb)
        .fetch_one(store.pool())
        .await
        .expect("pairing");
    let rows: Vec<(String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT key, kind, body, due_at FROM outbox WHERE recipient = $1 AND to_address IS NULL ORDER BY key",
    )
    .bind(wpb)
    .fetch_all(store.pool())
    .await
    .expect("rows");
    rows.into_iter()
        .map(|(k, kind, body, due)| {
            (
                k.replace(&format!(":{}:", pairing.0), ":P:"),
                kind,
                body,
                due,
            )
        })
        .collect()
}

/// Tallies over all cases, so the test shows it exercised what it claims to.
#[derive(Debug, Default)]
struct Seen {
    follow_ups: usize,
    notices: usize,
    /// Cases where world A opened an escalation world B did not have.
    student_escalations: usize,
}

/// Runs `cases` random cases on one store, each on two fresh pairings: world A gets the wpb's
/// and the student's signals, world B the wpb's only, at the same times.
async fn wpb_sees_the_same_with_and_without_the_student(db: TestDb, cases: u64) {
    let store = db.store().await;
    let base: u64 = std::env::var("WANDELGANG_TRUST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_2026);
    let mut seen = Seen::default();
    for case in 0..cases {
        let seed = base.wrapping_add(case);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let rules = random_rules(&mut rng);
        let events = random_events(&mut rng);
        let (wa, sa, pa) = pair(&format!("a{case}"));
        let (wb, sb, pb) = pair(&format!("b{case}"));
        add_pairs(
            &store,
            &[(wa.clone(), sa.clone(), pa), (wb.clone(), sb, pb)],
        )
        .await;
        let mut config = Config::default();
        config.defaults.escalation = rules;
        let clock = VirtualClock::new(events[0].at);
        let e = engine_with(store.clone(), RecordingChat::new(), clock.clone(), config);
        let klik = |who: &Person, value: &str| Inbound::Klik {
            from: Sender::Chat(who.chat.clone().expect("chat")),
            student: None,
            value: value.into(),
        };
        let mut replies: (Vec<Reply>, Vec<Reply>) = (vec![], vec![]);
        for ev in &events {
            clock.set(ev.at);
            match ev.side {
                Side::Wpb => {
                    let a = e.handle(klik(&wa, ev.value)).await;
                    let b = e.handle(klik(&wb, ev.value)).await;
                    replies.0.push(a.expect("wpb klik taken"));
                    replies.1.push(b.expect("wpb klik taken"));
                }
                Side::Student => {
                    let s = e
                        .handle(Inbound::StudentKlik {
                            from: Sender::Chat(sa.chat.clone().expect("chat")),
                            value: ev.value.into(),
                        })
                        .await;
                    assert!(s.is_ok(), "student klik refused: {s:?}");
                }
            }
        }
        let why = format!("seed {seed} (case {case}), rules {rules:?}, events {events:#?}");
        assert_eq!(replies.0, replies.1, "the wpb's replies differ; {why}");
        let (a, b) = (
            wpb_rows(&store, wa.id.as_str()).await,
            wpb_rows(&store, wb.id.as_str()).await,
        );
        assert_eq!(a, b, "the wpb's messages differ; {why}");
        seen.follow_ups += a.iter().filter(|r| r.1 == "followup").count();
        seen.notices += a.iter().filter(|r| r.1 == "wpb_notice").count();
        let escalations = |w: &str| {
            let store = store.clone();
            let w = w.to_string();
            async move {
                crate::support::count(
                    &store,
                    &format!("SELECT COUNT(*) FROM escalations e JOIN pairings p ON p.id = e.pairing_id WHERE p.wpb_id = '{w}'"),
                )
                .await
            }
        };
        if escalations(wa.id.as_str()).await > escalations(wb.id.as_str()).await {
            seen.student_escalations += 1;
        }
    }
    eprintln!("{cases} cases: {seen:?}");
    // Guard against a test that compares nothing.
    assert!(seen.follow_ups > 0 && seen.notices > 0, "{seen:?}");
    assert!(seen.student_escalations > 0, "{seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wpb_sees_the_same_with_and_without_the_student_sqlite() {
    wpb_sees_the_same_with_and_without_the_student(TestDb::sqlite(), 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wpb_sees_the_same_with_and_without_the_student_postgres() {
    if let Some(db) = TestDb::postgres().await {
        wpb_sees_the_same_with_and_without_the_student(db, 50).await;
    }
}

fn klik_as(from: &str, value: &str) -> Inbound {
    Inbound::Klik {
        from: Sender::Chat(format!("test:{from}")),
        student: None,
        value: value.into(),
    }
}

fn student_klik(from: &str, value: &str) -> Inbound {
    Inbound::StudentKlik {
        from: Sender::Chat(format!("test:{from}")),
        value: value.into(),
    }
}

async fn kinds_to(store: &Store, who: &str) -> Vec<String> {
    sqlx::query_as::<_, (String,)>(
        "SELECT kind FROM outbox WHERE recipient = $1 AND to_address IS NULL ORDER BY id",
    )
    .bind(who)
    .fetch_all(store.pool())
    .await
    .expect("kinds")
    .into_iter()
    .map(|(k,)| k)
    .collect()
}

fn admin_config(admin: Option<&str>) -> Config {
    let text = admin.map_or(String::new(), |a| format!("admin_chat = \"{a}\"\n"));
    Config::from_toml_str(&text, "test.toml", &std::collections::BTreeMap::new()).expect("config")
}

fn nl() -> RenderContext {
    RenderContext {
        language: Language::Nl,
        tz: chrono_tz::Europe::Amsterdam,
        max_chars: render::DEFAULT_MAX_CHARS,
    }
}

crate::on_both_backends! {
    a_first_doubt_gets_its_follow_up_even_after_the_students_geen_klik => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let e = engine_with(store.clone(), RecordingChat::new(), clock.clone(), Config::default());
        e.handle(student_klik("s0", "geen klik")).await.unwrap();
        clock.set(at("2026-10-06 10:00"));
        e.handle(klik_as("w0", "twijfel")).await.unwrap();
        // The schoolopleider hears of the pattern; the wpb gets the follow-up any first
        // twijfel gets, so its absence cannot give the student away.
        assert_eq!(store.escalations().await.unwrap().len(), 1);
        assert_eq!(kinds_to(&store, "w0").await, ["followup"]);
        assert!(!store.escalations().await.unwrap()[0].wpb_notified);
    };

    the_wpbs_own_pattern_during_a_student_escalation_tells_the_wpb_without_a_second_one => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), Config::default());
        e.handle(student_klik("s0", "geen klik")).await.unwrap();
        e.handle(student_klik("s0", "geen klik")).await.unwrap();
        let esc = store.escalations().await.unwrap();
        assert_eq!((esc.len(), esc[0].wpb_notified), (1, false));
        clock.set(at("2026-10-06 10:00"));
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        clock.set(at("2026-10-06 11:00"));
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        // The wpb's own two geen klik: they hear someone will reach out, as they would
        // without the student; the escalation in progress now counts as one they know of.
        assert_eq!(kinds_to(&store, "w0").await, ["wpb_notice"]);
        let esc = store.escalations().await.unwrap();
        assert_eq!((esc.len(), esc[0].wpb_notified), (1, true));
        // A third geen klik: they were told already, nothing more.
        clock.set(at("2026-10-06 12:00"));
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        assert_eq!(kinds_to(&store, "w0").await, ["wpb_notice"]);
        e.tick().await.unwrap();
        let to_so = chat
            .delivered()
            .into_iter()
            .filter(|m| m.to.person.as_str() == "so" && matches!(m.body, Message::Escalation(_)))
            .count();
        assert_eq!(to_so, 1, "one escalation, one summary");
    };

    an_escalation_reaches_the_schoolopleider => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), admin_config(Some("test:beheer")));
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        let sent = chat.delivered();
        assert!(sent.iter().any(|m| m.to.person.as_str() == "so" && matches!(m.body, Message::Escalation(_))));
        assert!(!sent.iter().any(|m| m.to.admin_contact), "the admin hears nothing while there is a schoolopleider");
        assert!(sent.iter().any(|m| m.to.person.as_str() == "w0" && matches!(m.body, Message::WpbEscalationNotice { .. })));
    };

    an_escalation_goes_to_admin_chat_when_the_last_schoolopleider_was_forgotten => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), admin_config(Some("test:beheer")));
        e.forget_person("admin:cli", &pid("so"), false).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        let sent = chat.delivered();
        let admin: Vec<_> = sent.iter().filter(|m| m.to.admin_contact).collect();
        assert_eq!(admin.len(), 1, "{sent:#?}");
        assert_eq!(admin[0].to.address.as_deref(), Some("test:beheer"));
        let Message::Escalation(summary) = &admin[0].body else { panic!("{:?}", admin[0].body) };
        let text = render::message(&admin[0].body, &nl());
        assert!(text.contains(&summary.wpb) && text.contains(&summary.student), "{text}");
        assert!(sent.iter().any(|m| m.to.person.as_str() == "w0" && matches!(m.body, Message::WpbEscalationNotice { .. })));
        // Nobody picks it up: the one reminder reaches the admin contact too.
        let remind = store.escalations().await.unwrap()[0].opened_at + Duration::days(7);
        crate::support::run_until(&e, &clock, at("2026-10-05 10:10"), remind, 60).await;
        let reminders: Vec<_> = chat.delivered().into_iter().filter(|m| m.to.admin_contact && matches!(m.body, Message::EscalationReminder { .. })).collect();
        assert_eq!(reminders.len(), 1);
        // Forgetting the wpb takes the rows about them to the admin contact along.
        e.forget_person("admin:cli", &pid("w0"), false).await.unwrap();
        assert_eq!(crate::support::count(&store, "SELECT COUNT(*) FROM outbox WHERE to_address IS NOT NULL").await, 0);
    };

    an_escalation_in_progress_goes_to_admin_chat_when_its_schoolopleider_is_forgotten => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), admin_config(Some("test:beheer")));
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        assert!(chat.delivered().iter().any(|m| m.to.person.as_str() == "so" && matches!(m.body, Message::Escalation(_))));
        // The only schoolopleider goes before anyone picked it up: the escalation stays in
        // progress, so the admin contact gets its summary now and its one reminder later.
        clock.set(at("2026-10-05 11:00"));
        e.forget_person("admin:cli", &pid("so"), false).await.unwrap();
        e.tick().await.unwrap();
        let admin: Vec<_> = chat.delivered().into_iter().filter(|m| m.to.admin_contact).collect();
        assert_eq!(admin.len(), 1, "{admin:#?}");
        assert!(matches!(admin[0].body, Message::Escalation(_)));
        assert_eq!(admin[0].to.address.as_deref(), Some("test:beheer"));
        let remind = store.escalations().await.unwrap()[0].opened_at + Duration::days(7);
        crate::support::run_until(&e, &clock, at("2026-10-05 11:10"), remind, 60).await;
        let reminders = chat.delivered().into_iter().filter(|m| m.to.admin_contact && matches!(m.body, Message::EscalationReminder { .. })).count();
        assert_eq!(reminders, 1);
        // With a second schoolopleider left, nothing is handed over.
        let mut r = roster(2);
        r.people.push(person("so2", Role::Schoolopleider, None));
        store.import_roster(&r).await.unwrap();
        clock.set(at("2026-10-20 10:00"));
        e.handle(klik_as("w1", "geen klik")).await.unwrap();
        e.handle(klik_as("w1", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        let before = chat.delivered().into_iter().filter(|m| m.to.admin_contact).count();
        e.forget_person("admin:cli", &pid("so2"), false).await.unwrap();
        e.tick().await.unwrap();
        assert_eq!(chat.delivered().into_iter().filter(|m| m.to.admin_contact).count(), before);
    };

    with_neither_schoolopleider_nor_admin_chat_the_wpb_is_promised_nothing => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), admin_config(None));
        e.forget_person("admin:cli", &pid("so"), false).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.handle(klik_as("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        assert!(kinds_to(&store, "w0").await.iter().all(|k| k != "wpb_notice"));
        let esc = store.escalations().await.unwrap();
        assert_eq!((esc.len(), esc[0].wpb_notified), (1, false), "opened, but not as told to the wpb");
        assert!(!chat.delivered().iter().any(|m| matches!(m.body, Message::WpbEscalationNotice { .. } | Message::Escalation(_))));
    };
}
