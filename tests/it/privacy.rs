//! Privacy end to end on both backends: export holds all and only the person's own data,
//! forget leaves no trace in any table (only counts), retention removes exactly what is past
//! the limit and a dry run changes nothing, and the audit trail records who did what.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use crate::on_both_backends;
use crate::support::{TestDb, TestEngine, at, day, engine, pid, run_until};
use wandelgang::app::inbox::{EscalationAction, Inbound, ReflectionTarget, Reply, Sender};
use wandelgang::app::ports::{Clock, VirtualClock};
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::roster::{Pairing, Person, Role, Roster, School, SchoolId, Team, TeamId};
use wandelgang::store::{Backend, NewOutbox, OutboxKind, Store};

const SCHOOL: &str = "sch-privacy";

fn person(id: &str, name: &str, role: Role) -> Person {
    Person {
        id: pid(id),
        school: SchoolId::parse(SCHOOL).expect("id"),
        role,
        name: name.into(),
        team: (role == Role::Wpb).then(|| TeamId::parse("team-p").expect("id")),
        chat: Some(format!("test:{id}-chat")),
        language: None,
    }
}

/// One schoolopleider; wpbs with one student each: (wpb id, wpb name, student id, student name, end).
fn roster(pairs: &[(&str, &str, &str, &str, &str)]) -> Roster {
    let mut people = vec![person("so-sanne", "Sanne Opleidster", Role::Schoolopleider)];
    let mut pairings = Vec::new();
    for (w, wn, s, sn, end) in pairs {
        people.push(person(w, wn, Role::Wpb));
        people.push(person(s, sn, Role::Student));
        pairings.push(Pairing {
            wpb: pid(w),
            student: pid(s),
            start: day("2026-01-05"),
            end: day(end),
        });
    }
    Roster {
        schools: vec![School {
            id: SchoolId::parse(SCHOOL).expect("id"),
            name: "Privacyschool".into(),
        }],
        teams: vec![Team {
            id: TeamId::parse("team-p").expect("id"),
            school: SchoolId::parse(SCHOOL).expect("id"),
            name: "Team".into(),
            channel: None,
        }],
        people,
        pairings,
    }
}

fn two_wpbs() -> Roster {
    roster(&[
        (
            "wpb-anna",
            "Anna Vergeetmij",
            "stu-daan",
            "Daan Studentnaam",
            "2027-07-10",
        ),
        (
            "wpb-bert",
            "Bert Blijftstaan",
            "stu-eva",
            "Eva Blijftook",
            "2027-07-10",
        ),
    ])
}

fn chat(id: &str) -> Sender {
    Sender::Chat(format!("test:{id}-chat"))
}

fn klik(from: &str, value: &str) -> Inbound {
    Inbound::Klik {
        from: chat(from),
        student: None,
        value: value.into(),
    }
}

fn reflect(from: &str, text: &str, share: bool) -> Inbound {
    Inbound::Reflection {
        from: chat(from),
        text: text.into(),
        target: ReflectionTarget::LatestOpenPrompt,
        share,
    }
}

const ANNA_TEXTS: [&str; 2] = [
    "Anna reflectie over het openen van de les",
    "Anna gedeelde zorg over de samenwerking",
];
const BERT_TEXT: &str = "Bert reflectie over vragend opleiden";
const ANNA_POST: &str = "Anna vertelt in de intervisie over haar eigen les";

/// Two wpbs with a week of prompts, reflections and klik signals; Anna's pairing escalates
/// (her own two geen klik), the schoolopleider picks it up, and Anna pauses.
async fn seeded(db: &TestDb) -> (Store, TestEngine, VirtualClock) {
    let store = db.store().await;
    store.import_roster(&two_wpbs()).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-05 08:00"));
    let e = engine(store.clone(), RecordingChat::new(), clock.clone());
    run_until(
        &e,
        &clock,
        at("2026-10-05 08:00"),
        at("2026-10-09 17:00"),
        30,
    )
    .await;
    clock.set(at("2026-10-09 17:30"));
    e.handle(reflect("wpb-anna", ANNA_TEXTS[0], false))
        .await
        .unwrap();
    e.handle(reflect("wpb-anna", ANNA_TEXTS[1], true))
        .await
        .unwrap();
    e.handle(reflect("wpb-bert", BERT_TEXT, false))
        .await
        .unwrap();
    e.handle(klik("wpb-bert", "twijfel")).await.unwrap();
    e.handle(klik("stu-eva", "goed")).await.unwrap();
    e.handle(klik("stu-daan", "twijfel")).await.unwrap();
    e.handle(klik("wpb-anna", "geen klik")).await.unwrap();
    clock.set(at("2026-10-12 10:00"));
    e.handle(klik("wpb-anna", "geen klik")).await.unwrap();
    e.tick().await.unwrap();
    let escalations = store.escalations().await.unwrap();
    assert_eq!(escalations.len(), 1, "Anna's pairing escalates");
    let id = escalations[0].id;
    clock.set(at("2026-10-12 11:00"));
    let reply = e
        .handle(Inbound::Escalation {
            from: chat("so-sanne"),
            escalation_id: id,
            action: EscalationAction::Acknowledge,
        })
        .await
        .unwrap();
    assert!(matches!(reply, Reply::EscalationUpdated { .. }));
    e.handle(Inbound::Pause {
        from: chat("wpb-anna"),
        until: day("2026-10-20"),
    })
    .await
    .unwrap();
    (store, e, clock)
}

/// Every row of every table as text (`table|col1|col2|…`), sorted. Only sqlx's own migration
/// bookkeeping is left out: it holds the schema, never data.
pub(crate) async fn dump(store: &Store) -> Vec<String> {
    let pool = store.pool();
    let tables: Vec<(String,)> = match store.backend() {
        Backend::Sqlite => sqlx::query_as(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ),
        Backend::Postgres => sqlx::query_as(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        ),
    }
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for (table,) in tables {
        if table == "_sqlx_migrations" {
            continue;
        }
        let columns: Vec<(String,)> = match store.backend() {
            Backend::Sqlite => {
                sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
            }
            Backend::Postgres => sqlx::query_as(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            ),
        }
        .bind(table.as_str())
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(!columns.is_empty(), "no columns for {table}");
        let select: Vec<String> = columns
            .iter()
            .map(|(c,)| format!("CAST({c} AS TEXT)"))
            .collect();
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM {table}",
            select.join(", ")
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        for row in rows {
            let mut line = table.clone();
            for i in 0..columns.len() {
                let v: Option<String> = row.try_get(i).unwrap();
                line.push('|');
                line.push_str(v.as_deref().unwrap_or("∅"));
            }
            out.push(line);
        }
        seen.push(table);
    }
    for expected in [
        "people",
        "pairings",
        "reflections",
        "klik_signals",
        "outbox",
        "escalations",
        "pauses",
        "audit_log",
        "forgotten_counts",
    ] {
        assert!(seen.iter().any(|t| t == expected), "dump misses {expected}");
    }
    out.sort();
    out
}

fn traces<'a>(dump: &'a [String], needles: &[&str]) -> Vec<&'a String> {
    dump.iter()
        .filter(|row| needles.iter().any(|n| row.contains(n)))
        .collect()
}

fn json_of(export: &wandelgang::store::PersonExport) -> serde_json::Value {
    serde_json::from_str(&export.to_json().unwrap()).unwrap()
}

on_both_backends! {
    export_holds_all_and_only_the_persons_own_data => |db: TestDb| async move {
        let (store, e, _clock) = seeded(&db).await;

        let anna = e.export_person("admin:cli", &pid("wpb-anna")).await.unwrap();
        let text = anna.to_json().unwrap();
        let json = json_of(&anna);
        assert_eq!(json["profile"]["id"], "wpb-anna");
        assert_eq!(json["profile"]["name"], "Anna Vergeetmij");
        assert_eq!(json["profile"]["role"], "wpb");
        assert_eq!(json["profile"]["chat"], "test:wpb-anna-chat");
        assert_eq!(json["profile"]["school"], SCHOOL);
        assert_eq!(json["profile"]["team"], "team-p");
        let reflections = json["reflections"].as_array().unwrap();
        assert_eq!(reflections.len(), 2);
        assert_eq!(reflections[0]["text"], ANNA_TEXTS[0]);
        assert_eq!(reflections[0]["shared"], false);
        assert_eq!(reflections[1]["shared"], true);
        assert!(reflections[0]["prompt_id"].is_string(), "linked to the prompt it answers");
        let signals = json["signals_given"].as_array().unwrap();
        assert_eq!(signals.len(), 2, "only Anna's own two geen klik");
        for s in signals {
            assert_eq!(s["value"], "geen klik");
            assert_eq!(s["student"]["id"], "stu-daan");
            assert_eq!(s["student"]["name"], "Daan Studentnaam");
        }
        let prompts = json["prompts_received"].as_array().unwrap();
        assert!(prompts.iter().any(|p| p["status"] == "sent"), "{prompts:?}");
        assert!(prompts.iter().all(|p| p["key"].as_str().unwrap().ends_with(":prompt:wpb-anna")));
        assert_eq!(json["pauses"].as_array().unwrap().len(), 1);
        assert_eq!(json["intervisie_posts"], serde_json::json!([]));
        assert!(json.get("escalations_handled").is_none());
        for absent in [BERT_TEXT, "wpb-bert", "Bert Blijftstaan", "stu-eva", "Eva Blijftook", "twijfel", "goed"] {
            assert!(!text.contains(absent), "Anna's export holds {absent:?}");
        }

        // A student sees only their own signal: nothing of their wpb's.
        let daan = e.export_person("admin:cli", &pid("stu-daan")).await.unwrap();
        let text = daan.to_json().unwrap();
        let json = json_of(&daan);
        assert_eq!(json["profile"]["role"], "student");
        let signals = json["signals_given"].as_array().unwrap();
        assert_eq!(signals.len(), 1);
        assert_eq!(signals[0]["value"], "twijfel");
        assert!(signals[0].get("student").is_none());
        for key in ["reflections", "prompts_received", "pauses", "intervisie_posts", "escalations_handled"] {
            assert!(json.get(key).is_none(), "a student's export has no {key}");
        }
        for absent in [ANNA_TEXTS[0], ANNA_TEXTS[1], "Anna Vergeetmij", "wpb-anna", "geen klik", BERT_TEXT] {
            assert!(!text.contains(absent), "Daan's export holds {absent:?}");
        }

        // A schoolopleider: the escalations they handled, not the wpb's reflections.
        let so = e.export_person("admin:cli", &pid("so-sanne")).await.unwrap();
        let text = so.to_json().unwrap();
        let json = json_of(&so);
        let handled = json["escalations_handled"].as_array().unwrap();
        assert_eq!(handled.len(), 1);
        assert_eq!(handled[0]["status"], "acknowledged");
        assert_eq!(handled[0]["acknowledged_by_you"], true);
        assert!(handled[0]["acknowledged_at"].is_string());
        assert!(!text.contains(ANNA_TEXTS[1]), "no shared reflection in the export");

        // Export for oneself through chat: the file is the same export.
        let own = e.export_own(chat("wpb-bert")).await.unwrap();
        let Reply::Exported { file_name, json } = own else { panic!("{own:?}") };
        assert_eq!(file_name, "wandelgang-wpb-bert.json");
        assert!(json.contains(BERT_TEXT) && !json.contains(ANNA_TEXTS[0]));

        assert!(matches!(
            e.export_person("admin:cli", &pid("nobody")).await,
            Err(wandelgang::app::inbox::Refusal::User(wandelgang::app::inbox::UserError::PersonNotFound))
        ));
        let exports: Vec<_> = store.audit_entries().await.unwrap().into_iter().filter(|a| a.action == "export").collect();
        assert_eq!(exports.len(), 4);
        assert_eq!(exports[0].actor, "admin:cli");
        assert_eq!(exports[0].subject, "person:wpb-anna");
        assert_eq!(exports[3].actor, "wpb-bert");
    };

    forget_leaves_no_trace_but_counts => |db: TestDb| async move {
        let (store, e, clock) = seeded(&db).await;
        // Anna takes part in Bert's intervisie: her post is hers to export and to have forgotten.
        e.handle(Inbound::IntervisieStart { from: chat("wpb-bert"), case: "Bert casus".into(), reflection_id: None }).await.unwrap();
        e.handle(Inbound::IntervisiePost { from: chat("wpb-anna"), text: ANNA_POST.into() }).await.unwrap();
        let export = e.export_person("admin:cli", &pid("wpb-anna")).await.unwrap();
        assert_eq!(json_of(&export)["intervisie_posts"][0]["text"], ANNA_POST);
        let anna = ["wpb-anna", "Anna Vergeetmij", "test:wpb-anna-chat", ANNA_TEXTS[0], ANNA_TEXTS[1], ANNA_POST];
        // A chat platform remembers her DM room (as the Matrix adapter does), and Bert's.
        store.set_chat_state("dm:test:wpb-anna-chat", "!kamer-van-anna", clock.now()).await.unwrap();
        store.set_chat_state("dm:test:wpb-bert-chat", "!kamer-van-bert", clock.now()).await.unwrap();
        let before = dump(&store).await;
        assert!(traces(&before, &anna).len() > 10, "the seed stores plenty about Anna");
        // The escalation summary (with her shared reflection) and its planned reminder exist.
        assert!(before.iter().any(|r| r.starts_with("outbox|") && r.contains(ANNA_TEXTS[1])));
        assert!(before.iter().any(|r| r.starts_with("outbox|") && r.contains("escalation_reminder") && r.contains("planned")));

        clock.set(at("2026-10-13 09:00"));
        let report = e.forget_person("admin:cli", &pid("wpb-anna"), false).await.unwrap();
        assert_eq!(report.role, "wpb");
        assert_eq!(report.reflections, 2);
        assert_eq!(report.signals, 3, "her two and Daan's one on their pairing");
        assert_eq!(report.pairings, 1);
        assert_eq!(report.escalations, 1);
        assert!(report.prompts >= 1);
        assert_eq!(report.pauses, 1);

        let after = dump(&store).await;
        assert!(traces(&after, &anna).is_empty(), "{:#?}", traces(&after, &anna));
        // Bert's data is untouched; Daan remains as a person, without the pairing.
        assert!(after.iter().any(|r| r.contains(BERT_TEXT)));
        assert!(after.iter().any(|r| r.contains("!kamer-van-bert")), "Bert's DM room stays");
        assert!(!after.iter().any(|r| r.contains("!kamer-van-anna")), "Anna's DM room went with her");
        assert!(after.iter().any(|r| r.starts_with("intervisie_threads|") && r.contains("Bert casus")), "Bert's thread stays");
        assert!(after.iter().any(|r| r.starts_with("people|stu-daan|")));
        let counts = store.forgotten_counts().await.unwrap();
        assert_eq!(counts.len(), 1);
        let (school, role, reason, people, reflections, signals, _prompts, escalations, pairings) = counts[0].clone();
        assert_eq!((school.as_str(), role.as_str(), reason.as_str()), (SCHOOL, "wpb", "forget"));
        assert_eq!((people, reflections, signals, escalations, pairings), (1, 2, 3, 1, 1));
        let audit = store.audit_entries().await.unwrap();
        let forget = audit.iter().find(|a| a.action == "forget").unwrap();
        assert_eq!(forget.actor, "admin:cli");
        assert!(forget.subject.starts_with("forgotten:"));
        // Nothing left to send about her: the next ticks deliver nothing naming her.
        let chat = RecordingChat::new();
        let later = engine(store.clone(), chat.clone(), clock.clone());
        run_until(&later, &clock, at("2026-10-13 09:00"), at("2026-10-16 17:00"), 60).await;
        for m in chat.delivered() {
            let shown = format!("{m:?}");
            assert!(!shown.contains("Anna") && !shown.contains("wpb-anna"), "{shown}");
        }

        // A student asks for themselves: first a confirmation, nothing changes.
        let before = dump(&store).await;
        let ask = e.forget_self(chat_of("stu-eva"), false).await.unwrap();
        assert_eq!(ask, Reply::ForgetConfirm { reflections: 0, signals: 1, prompts: 0 });
        assert_eq!(dump(&store).await, before, "asking to confirm changes nothing");
        assert_eq!(e.forget_self(chat_of("stu-eva"), true).await.unwrap(), Reply::Forgotten);
        let after = dump(&store).await;
        let eva = ["stu-eva", "Eva Blijftook", "test:stu-eva-chat"];
        assert!(traces(&after, &eva).is_empty(), "{:#?}", traces(&after, &eva));
        let audit = store.audit_entries().await.unwrap();
        assert!(audit.iter().any(|a| a.action == "forget" && a.actor == "zelf"));

        // The schoolopleider: the escalation history loses their id, the audit keeps the action.
        e.forget_person("admin:cli", &pid("so-sanne"), false).await.unwrap();
        let after = dump(&store).await;
        let sanne = ["so-sanne", "Sanne Opleidster", "test:so-sanne-chat"];
        assert!(traces(&after, &sanne).is_empty(), "{:#?}", traces(&after, &sanne));
        assert_eq!(store.forgotten_counts().await.unwrap().len(), 3);
        assert!(e.forget_person("admin:cli", &pid("so-sanne"), false).await.is_err());
    };

    a_students_forget_shows_their_wpb_only_that_the_pairing_ended => |db: TestDb| async move {
        let (store, e, clock) = seeded(&db).await;
        // Bert's twijfel about Eva: his own signal and a follow-up question naming her.
        let before = e.export_person("admin:cli", &pid("wpb-bert")).await.unwrap();
        assert!(before.to_json().unwrap().contains("Eva Blijftook"));
        assert!(dump(&store).await.iter().any(|r| r.starts_with("outbox|") && r.contains("wpb-bert") && r.contains("Eva Blijftook")));

        clock.set(at("2026-10-12 12:00"));
        let reply = e.handle(Inbound::ForgetSelf { from: chat("stu-eva"), confirm: true }).await.unwrap();
        assert_eq!(reply, Reply::Forgotten);

        // What Bert sees is what he would see had the pairing ended: his klik naming her is
        // refused as for a student who was never his, a plain klik finds no pairing.
        let named = e.handle(Inbound::Klik { from: chat("wpb-bert"), student: Some(pid("stu-eva")), value: "goed".into() }).await;
        let never_his = e.handle(Inbound::Klik { from: chat("wpb-bert"), student: Some(pid("stu-daan")), value: "goed".into() }).await;
        assert_eq!(named, never_his);
        assert!(named.is_err());
        assert_eq!(e.handle(klik("wpb-bert", "goed")).await, Err(wandelgang::app::inbox::UserError::NoActivePairing.into()));
        // His export holds his own data and nothing of her, nor a hint of a deletion.
        let export = e.export_person("admin:cli", &pid("wpb-bert")).await.unwrap();
        let text = export.to_json().unwrap();
        let json = json_of(&export);
        assert!(text.contains(BERT_TEXT));
        assert_eq!(json["signals_given"], serde_json::json!([]), "the pairing's signals went with it");
        let hints = ["stu-eva", "Eva", "verwijderd", "vergeten", "forgotten", "deleted"];
        for h in hints {
            assert!(!text.contains(h), "Bert's export holds {h:?}: {text}");
        }
        // Nothing waiting for him names her, and the week after brings him nothing about her.
        let rows = dump(&store).await;
        assert!(!rows.iter().any(|r| r.starts_with("outbox|") && r.contains("Eva")), "{rows:#?}");
        let chat_after = RecordingChat::new();
        let later = engine(store.clone(), chat_after.clone(), clock.clone());
        run_until(&later, &clock, at("2026-10-12 12:00"), at("2026-10-19 17:00"), 60).await;
        for m in chat_after.delivered().iter().filter(|m| m.to.person == pid("wpb-bert")) {
            let shown = format!("{m:?}");
            for h in hints {
                assert!(!shown.contains(h), "{shown}");
            }
        }
    };

    audit_records_open_acknowledge_resolve_export_and_forget => |db: TestDb| async move {
        let (store, e, clock) = seeded(&db).await;
        let id = store.escalations().await.unwrap()[0].id;
        clock.set(at("2026-10-12 12:00"));
        e.handle(Inbound::Escalation { from: chat("so-sanne"), escalation_id: id, action: EscalationAction::Resolve }).await.unwrap();
        // A refusal that is no authorization matter (already resolved) is not audited.
        assert!(e.handle(Inbound::Escalation { from: chat("so-sanne"), escalation_id: id, action: EscalationAction::Move }).await.is_err());
        e.export_person("admin:cli", &pid("wpb-bert")).await.unwrap();
        e.forget_person("admin:cli", &pid("wpb-bert"), false).await.unwrap();
        // The daily retention run the ticks set off is audited too; it is not what this test is about.
        let audit: Vec<_> = store.audit_entries().await.unwrap().into_iter().filter(|a| a.action != "retention").collect();
        let shown: Vec<(String, String, String)> = audit.iter().map(|a| (a.actor.clone(), a.action.clone(), a.subject.clone())).collect();
        let subject = format!("escalation:{id}");
        assert_eq!(shown[0], ("wandelgang".into(), "escalation_opened".into(), subject.clone()));
        assert_eq!(shown[1], ("so-sanne".into(), "escalation_acknowledged".into(), subject.clone()));
        assert_eq!(shown[2], ("so-sanne".into(), "escalation_resolved".into(), subject.clone()));
        // Bert's export row went with him (its subject was Bert); the forget stays, without him.
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert_eq!(shown[3].1, "forget");
        assert!(audit.iter().all(|a| a.school.as_deref() == Some(SCHOOL)));
        assert_eq!(audit[1].at, at("2026-10-12 11:00"));
        assert!(audit[0].detail.as_deref().is_some_and(|d| !d.is_empty()), "{:?}", audit[0].detail);
    };

    retention_removes_exactly_what_is_past_the_limit => |db: TestDb| async move {
        let store = db.store().await;
        // Default settings: 12 months, and students 30 days after their last placement.
        let now = DateTime::parse_from_rfc3339("2027-03-10T12:00:00Z").unwrap().with_timezone(&Utc);
        let limit = DateTime::parse_from_rfc3339("2026-03-10T12:00:00Z").unwrap().with_timezone(&Utc);
        store.import_roster(&roster(&[
            ("wpb-old", "Wpb Oud", "stu-keep", "Student Blijft", "2027-02-08"),
            ("wpb-new", "Wpb Nieuw", "stu-gone", "Student Weg", "2027-02-07"),
            ("wpb-run", "Wpb Loopt", "stu-busy", "Student Bezig", "2027-07-10"),
        ])).await.unwrap();
        let older = limit - Duration::seconds(1);
        for (text, t) in [("kept at the limit", limit), ("one second too old", older)] {
            store.add_reflection(&pid("wpb-old"), text, None, t, false).await.unwrap();
        }
        let pairing_of = |rows: Vec<(wandelgang::domain::roster::PairingId, Pairing)>| rows[0].0.0;
        let keep_pairing = pairing_of(store.pairings_of(&pid("stu-keep")).await.unwrap());
        let busy_pairing = pairing_of(store.pairings_of(&pid("stu-busy")).await.unwrap());
        for (t, value) in [(limit, 1_i64), (older, -1)] {
            sqlx::query("INSERT INTO klik_signals (pairing_id, source, value, at, actor_id) VALUES ($1, 'wpb', $2, $3, 'wpb-run')")
                .bind(busy_pairing).bind(value).bind(t.timestamp()).execute(store.pool()).await.unwrap();
        }
        // The students' recent signals go with the student, not by age.
        for p in [keep_pairing, pairing_of(store.pairings_of(&pid("stu-gone")).await.unwrap())] {
            sqlx::query("INSERT INTO klik_signals (pairing_id, source, value, at, actor_id) VALUES ($1, 'wpb', 0, $2, 'x')")
                .bind(p).bind((now - Duration::days(60)).timestamp()).execute(store.pool()).await.unwrap();
        }
        for (key, t) in [("oud-bericht-grens", limit), ("oud-bericht-weg", older)] {
            store.enqueue(&NewOutbox { key: key.into(), kind: OutboxKind::Prompt, recipient: pid("wpb-run"), due_at: t, body: None, ref_id: None, channel_team: None, to_address: None }).await.unwrap();
            sqlx::query("UPDATE outbox SET status = 'sent', sent_at = $1 WHERE key = $2")
                .bind(t.timestamp()).bind(key).execute(store.pool()).await.unwrap();
        }
        store.enqueue(&NewOutbox { key: "nog-gepland".into(), kind: OutboxKind::Prompt, recipient: pid("wpb-run"), due_at: older, body: None, ref_id: None, channel_team: None, to_address: None }).await.unwrap();
        store.audit(limit, "admin:cli", "export", "audit-grens", Some(SCHOOL), None).await.unwrap();
        store.audit(older, "admin:cli", "export", "audit-weg", Some(SCHOOL), None).await.unwrap();
        store.audit(older, "admin:cli", "export", "audit-zonder-school", None, None).await.unwrap();
        // Closed intervisie threads go by the moment they closed (their due_at); an open one stays.
        for (state, t, closed) in [
            ("thread-gesloten-grens", limit, 1_i64),
            ("thread-gesloten-weg", older, 1),
            ("thread-open-oud", older, 0),
        ] {
            let add = |t: DateTime<Utc>, _: u32| t;
            let (thread, _) = wandelgang::domain::intervisie::Thread::open(0, TeamId::parse("team-p").unwrap(), pid("wpb-run"), state, t, &Default::default(), &add);
            let state = serde_json::to_string(&thread).unwrap();
            sqlx::query("INSERT INTO intervisie_threads (team_id, case_owner, state, due_at, closed) VALUES ('team-p', 'wpb-run', $1, $2, $3)")
                .bind(state).bind(t.timestamp()).bind(closed).execute(store.pool()).await.unwrap();
        }

        let clock = VirtualClock::new(now);
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        let before = dump(&store).await;
        let dry = e.retention("admin:cli", true).await.unwrap();
        assert_eq!(dump(&store).await, before, "a dry run changes nothing");
        assert!(dry.dry_run);
        let real = e.retention("admin:cli", false).await.unwrap();
        assert_eq!(wandelgang::store::RetentionReport { dry_run: true, ..real.clone() }, dry);
        assert_eq!(real.reflections, 1);
        assert_eq!(real.signals, 2, "one too old, one with the student who is gone");
        assert_eq!(real.students, 1);
        assert_eq!(real.pairings, 1);
        assert_eq!(real.outbox, 1);
        assert_eq!(real.audit, 2);
        assert_eq!(real.threads, 1);

        let after = dump(&store).await;
        let has = |needle: &str| after.iter().any(|r| r.contains(needle));
        assert!(has("kept at the limit") && !has("one second too old"));
        assert!(has("oud-bericht-grens") && !has("oud-bericht-weg"));
        assert!(has("nog-gepland"), "planned messages are not history");
        assert!(has("audit-grens") && !has("audit-weg") && !has("audit-zonder-school"));
        assert!(has("thread-gesloten-grens") && !has("thread-gesloten-weg"));
        assert!(has("thread-open-oud"), "an open thread is not closed history");
        let busy: Vec<(i64,)> = sqlx::query_as("SELECT at FROM klik_signals WHERE pairing_id = $1").bind(busy_pairing).fetch_all(store.pool()).await.unwrap();
        assert_eq!(busy, vec![(limit.timestamp(),)]);
        // Student data: kept through the 30th day after the placement, gone the day after.
        assert!(has("people|stu-keep|") && has("Student Blijft"));
        assert!(!has("stu-gone") && !has("Student Weg"));
        assert!(has("people|wpb-new|"), "the wpb stays");
        let counts = store.forgotten_counts().await.unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[0].2, "retention");
        assert_eq!(counts[0].3, 1);
        let audit = store.audit_entries().await.unwrap();
        assert!(audit.iter().any(|a| a.action == "retention" && a.actor == "admin:cli"));

        // Nothing more is due now; the next day the kept student is past the limit too.
        assert_eq!(e.retention("admin:cli", true).await.unwrap().total(), 0);
        clock.set(now + Duration::days(1));
        let next = e.retention("admin:cli", false).await.unwrap();
        assert_eq!(next.students, 1);
        assert!(!dump(&store).await.iter().any(|r| r.contains("stu-keep")));
    };
}

fn chat_of(id: &str) -> Sender {
    chat(id)
}
