//! The authorization table through the engine: for every role and every action the app
//! offers (all of `Action::ALL`), allowed ones succeed, and refused ones say why and change nothing.

use chrono::Duration;

use crate::on_both_backends;
use crate::privacy::dump;
use crate::support::{TestDb, at, day, engine, pid};
use wandelgang::app::inbox::{
    EscalationAction, Inbound, ReflectionTarget, Refusal, Reply, Sender, UserError,
};
use wandelgang::app::ports::VirtualClock;
use wandelgang::app::privacy::Operator;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::authz::{Action, Rule, rule};
use wandelgang::domain::intervisie::Phase;
use wandelgang::domain::roster::{Pairing, Person, Role, Roster, School, SchoolId, Team, TeamId};

/// Who may do what, one column per `Action::ALL` entry. `so2` is the schoolopleider of
/// another school: refused where the target is the first school's (pairings, escalations,
/// people, a roster of the first school); list, overview, settings and audit log show their
/// own school, so those are allowed.
#[rustfmt::skip]
const TABLE: [(&str, Option<Role>, [bool; 29]); 5] = [
    //        refl   share  klikW  klikS  pause  resume ritme  exOwn  fgSelf iStart iPost  iAdv   iTake  pair   unpair escs   ack    resolv move   overz  instel import exPers fgPers retent audit  vraag  terugb weekov
    ("admin", Some(Role::Admin),
              [false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, true,  true,  true,  true,  true,  true,  true,  false, false]),
    ("so",    Some(Role::Schoolopleider),
              [false, false, false, false, false, false, false, true,  true,  false, false, false, false, true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  true,  false, true,  false, false, true ]),
    ("so2",   None,
              [false, false, false, false, false, false, false, true,  true,  false, false, false, false, false, false, true,  false, false, false, true,  true,  false, false, false, false, true,  false, false, true ]),
    ("w0",    Some(Role::Wpb),
              [true,  true,  true,  false, true,  true,  true,  true,  true,  true,  true,  true,  true,  false, false, false, false, false, false, false, false, false, false, false, false, false, true,  true,  false]),
    ("s0",    Some(Role::Student),
              [false, false, false, true,  false, false, false, true,  true,  false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false, false]),
];

fn school(id: &str) -> SchoolId {
    SchoolId::parse(id).unwrap()
}

fn person(id: &str, role: Role, school_id: &str) -> Person {
    Person {
        id: pid(id),
        school: school(school_id),
        role,
        name: format!("Naam {id}"),
        team: (role == Role::Wpb).then(|| TeamId::parse("team").unwrap()),
        chat: Some(format!("test:{id}")),
        language: None,
    }
}

/// Two schools; in the first three pairings, each with an open escalation.
fn roster() -> Roster {
    let mut people = vec![
        person("admin", Role::Admin, "school"),
        person("so", Role::Schoolopleider, "school"),
        person("so2", Role::Schoolopleider, "other"),
    ];
    let mut pairings = vec![];
    for i in 0..3 {
        people.push(person(&format!("w{i}"), Role::Wpb, "school"));
        people.push(person(&format!("s{i}"), Role::Student, "school"));
        pairings.push(Pairing {
            wpb: pid(&format!("w{i}")),
            student: pid(&format!("s{i}")),
            start: day("2026-09-01"),
            end: day("2027-07-10"),
        });
    }
    people.push(person("s3", Role::Student, "school"));
    Roster {
        schools: vec![
            School {
                id: school("school"),
                name: "School".into(),
            },
            School {
                id: school("other"),
                name: "Other".into(),
            },
        ],
        teams: vec![Team {
            id: TeamId::parse("team").unwrap(),
            school: school("school"),
            name: "Team".into(),
            channel: None,
        }],
        people,
        pairings,
    }
}

/// The first school's part of the roster, as its schoolopleider may import it.
fn first_school_roster() -> Roster {
    let mut r = roster();
    r.schools.retain(|x| x.id == school("school"));
    // A schoolopleider never imports the deployment's admin.
    r.people
        .retain(|p| p.school == school("school") && p.role != Role::Admin);
    r
}

fn chat(who: &str) -> Sender {
    Sender::Chat(format!("test:{who}"))
}

/// The chat event for an action, where it is one.
fn event(action: Action, who: &str, reflection: i64, escalations: &[i64]) -> Option<Inbound> {
    let from = chat(who);
    Some(match action {
        Action::Reflect => Inbound::Reflection {
            from,
            text: "Een goede dag".into(),
            target: ReflectionTarget::FreeStanding,
            share: false,
        },
        Action::ShareReflection => Inbound::ShareReflection {
            from,
            reflection_id: reflection,
        },
        Action::KlikAsWpb => Inbound::Klik {
            from,
            student: Some(pid("s0")),
            value: "goed".into(),
        },
        Action::KlikAsStudent => Inbound::StudentKlik {
            from,
            value: "goed".into(),
        },
        Action::Pause => Inbound::Pause {
            from,
            until: day("2026-10-20"),
        },
        Action::Resume => Inbound::Resume { from },
        Action::SetRhythm => Inbound::SetRhythm {
            from,
            per_week: Some(2),
        },
        Action::IntervisieStart => Inbound::IntervisieStart {
            from,
            case: "Een student die stil valt".into(),
            reflection_id: None,
        },
        Action::IntervisiePost => Inbound::IntervisiePost {
            from,
            text: "Wat heb je al geprobeerd?".into(),
        },
        Action::IntervisieAdvance => Inbound::IntervisieAdvance { from },
        Action::IntervisieTakeaway => Inbound::IntervisieTakeaway {
            from,
            text: "Ik vraag eerst door.".into(),
        },
        Action::Pair => Inbound::Pair {
            from,
            wpb: pid("w1"),
            student: pid("s3"),
            start: Some(day("2026-10-06")),
            end: None,
        },
        Action::Unpair => Inbound::Unpair {
            from,
            wpb: pid("w1"),
            student: pid("s3"),
            end: Some(day("2026-10-20")),
        },
        Action::ListEscalations => Inbound::ListEscalations { from },
        Action::AcknowledgeEscalation => Inbound::Escalation {
            from,
            escalation_id: escalations[0],
            action: EscalationAction::Acknowledge,
        },
        Action::ResolveEscalation => Inbound::Escalation {
            from,
            escalation_id: escalations[1],
            action: EscalationAction::Resolve,
        },
        Action::MarkMove => Inbound::Escalation {
            from,
            escalation_id: escalations[2],
            action: EscalationAction::Move,
        },
        Action::SchoolOverview => Inbound::SchoolOverview { from, weeks: None },
        Action::Terugblik => Inbound::Terugblik { from },
        Action::SwitchDigest => Inbound::SwitchDigest { from, on: false },
        Action::ChangeSchoolSettings => Inbound::SchoolSettings {
            from,
            per_week: Some(2),
            reminder: Some(false),
        },
        Action::ExportOwnData
        | Action::ForgetSelf
        | Action::ImportRoster
        | Action::ExportPersonData
        | Action::ForgetPerson
        | Action::RunRetention
        | Action::ViewAuditLog
        | Action::RequestPrompt => return None,
    })
}

#[test]
fn the_expected_table_is_the_domain_table() {
    for (who, role, expected) in TABLE {
        let Some(role) = role else { continue };
        for (action, allowed) in Action::ALL.into_iter().zip(expected) {
            assert_eq!(rule(role, action) != Rule::Never, allowed, "{who} {action}");
        }
    }
    // The other school's schoolopleider: their role's table, minus what targets the first school.
    let first_school = [
        Action::Pair,
        Action::Unpair,
        Action::AcknowledgeEscalation,
        Action::ResolveEscalation,
        Action::MarkMove,
        Action::ImportRoster,
        Action::ExportPersonData,
        Action::ForgetPerson,
    ];
    let so2 = TABLE[2].2;
    for (action, allowed) in Action::ALL.into_iter().zip(so2) {
        let expected =
            rule(Role::Schoolopleider, action) != Rule::Never && !first_school.contains(&action);
        assert_eq!(allowed, expected, "so2 {action}");
    }
}

on_both_backends! {
    every_role_and_action_follows_the_table => |db: TestDb| async move {
        for (who, _, expected) in TABLE {
            let store = db.store().await;
            for table in ["school_overrides", "intervisie_threads", "klik_signals", "escalations", "reflections", "pauses", "outbox", "audit_log", "forgotten_counts", "pairings", "people", "teams", "schools"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(store.pool()).await.unwrap();
            }
            store.import_roster(&roster()).await.unwrap();
            let clock = VirtualClock::new(at("2026-10-05 10:00"));
            let e = engine(store.clone(), RecordingChat::new(), clock.clone());
            for i in 0..3 {
                for _ in 0..2 {
                    e.handle(Inbound::Klik { from: Sender::Chat(format!("test:s{i}")), student: None, value: "geen klik".into() }).await.unwrap();
                }
            }
            let escalations: Vec<i64> = store.escalations().await.unwrap().iter().map(|x| x.id).collect();
            assert_eq!(escalations.len(), 3);
            let Ok(Reply::ReflectionSaved { id: reflection, .. }) = e.handle(Inbound::Reflection { from: Sender::Chat("test:w0".into()), text: "Eerste".into(), target: ReflectionTarget::FreeStanding, share: false }).await else { panic!("seed reflection") };
            clock.set(at("2026-10-05 11:00"));

            let mut phase = None;
            for (action, allowed) in Action::ALL.into_iter().zip(expected) {
                clock.set(clock_now(&clock) + Duration::minutes(1));
                // The case owner's takeaway belongs to the Opbrengst phase: get there first.
                if action == Action::IntervisieTakeaway && allowed {
                    for _ in 0..4 {
                        if phase == Some(Phase::Opbrengst) {
                            break;
                        }
                        let r = e.handle(Inbound::IntervisieAdvance { from: chat(who) }).await;
                        let Ok(Reply::IntervisieAdvanced { phase: p }) = r else { panic!("advance: {r:?}") };
                        phase = Some(p);
                    }
                }
                let before = dump(&store).await;
                let op = Operator::Chat(chat(who));
                let through_handle = event(action, who, reflection, &escalations).is_some();
                let result = match event(action, who, reflection, &escalations) {
                    Some(ev) => e.handle(ev).await,
                    None => match action {
                        Action::ExportOwnData => e.export_own(chat(who)).await,
                        Action::ForgetSelf => e.forget_self(chat(who), false).await,
                        Action::ImportRoster => e.import_roster_as(&op, &first_school_roster()).await,
                        Action::ExportPersonData => e.export_person_as(&op, &pid("w1")).await,
                        Action::ForgetPerson => e.forget_person_as(&op, &pid("w2"), true).await,
                        Action::RunRetention => e.retention_as(&op, true).await,
                        Action::ViewAuditLog => e.audit_log_as(&op).await,
                        Action::RequestPrompt => e.prompt_now_as(&op, &pid("w0")).await,
                        other => unreachable!("{other}"),
                    },
                };
                if let Ok(Reply::IntervisieAdvanced { phase: p }) = &result {
                    phase = Some(*p);
                }
                assert_eq!(result.is_ok(), allowed, "{who} {action}: {result:?}");
                if let Err(refusal) = &result {
                    // A refusal changes nothing but the one audit row that records it.
                    let after = dump(&store).await;
                    let (refused, rest): (Vec<String>, Vec<String>) =
                        after.into_iter().partition(|r| r.starts_with("audit_log|") && r.contains("|refused:"));
                    let new_refusals = refused.iter().filter(|r| !before.contains(r)).count();
                    assert_eq!(rest, before.iter().filter(|r| !refused.contains(r)).cloned().collect::<Vec<_>>(), "{who} {action} was refused but changed something");
                    assert_eq!(new_refusals, usize::from(through_handle), "{who} {action}: {refused:?}");
                    assert!(
                        matches!(refusal, Refusal::User(UserError::Denied(_) | UserError::EscalationNotFound)),
                        "{who} {action}: refused for another reason: {refusal:?}"
                    );
                    let text = refusal.to_string();
                    assert!(text.contains(" / "), "{who} {action}: message not bilingual: {text}");
                }
            }
            store.close().await;
        }
    };
}

fn clock_now(clock: &VirtualClock) -> chrono::DateTime<chrono::Utc> {
    use wandelgang::app::ports::Clock;
    clock.now()
}

on_both_backends! {
    refusals_are_audited_without_content => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        for _ in 0..2 {
            e.handle(Inbound::Klik { from: chat("s0"), student: None, value: "geen klik".into() }).await.unwrap();
        }
        let escalation = store.escalations().await.unwrap()[0].id;
        let refusals = |store: wandelgang::store::Store| async move {
            store.audit_entries().await.unwrap().into_iter().filter(|a| a.action.starts_with("refused:")).collect::<Vec<_>>()
        };
        assert!(refusals(store.clone()).await.is_empty());

        // Allowed actions leave no refusal behind.
        clock.set(at("2026-10-05 11:00"));
        e.handle(Inbound::Klik { from: chat("w0"), student: Some(pid("s0")), value: "twijfel".into() }).await.unwrap();
        e.handle(Inbound::Escalation { from: chat("so"), escalation_id: escalation, action: EscalationAction::Acknowledge }).await.unwrap();
        assert!(refusals(store.clone()).await.is_empty());

        // A wpb tries a schoolopleider's command.
        clock.set(at("2026-10-05 12:00"));
        let r = e.handle(Inbound::Pair { from: chat("w0"), wpb: pid("w1"), student: pid("s3"), start: None, end: None }).await;
        assert!(matches!(r, Err(Refusal::User(UserError::Denied(_)))), "{r:?}");
        // The schoolopleider of another school acts on this school's escalation: to them it
        // does not exist, exactly as an escalation that does not exist at all.
        clock.set(at("2026-10-05 12:01"));
        let r = e.handle(Inbound::Escalation { from: chat("so2"), escalation_id: escalation, action: EscalationAction::Resolve }).await;
        let missing = e.handle(Inbound::Escalation { from: chat("so2"), escalation_id: escalation + 1000, action: EscalationAction::Resolve }).await;
        assert_eq!(r, Err(Refusal::User(UserError::EscalationNotFound)));
        assert_eq!(r, missing);
        assert_eq!(r.unwrap_err().to_string(), missing.unwrap_err().to_string());
        // A forged klik button for another wpb's student.
        clock.set(at("2026-10-05 12:02"));
        let r = e.handle(Inbound::Klik { from: chat("w0"), student: Some(pid("s1")), value: "geen klik".into() }).await;
        assert!(r.is_err(), "{r:?}");
        // Someone the roster does not know.
        clock.set(at("2026-10-05 12:03"));
        let r = e.handle(Inbound::Pair { from: Sender::Chat("test:vreemde".into()), wpb: pid("w1"), student: pid("s3"), start: None, end: None }).await;
        assert_eq!(r, Err(Refusal::User(UserError::UnknownSender)));

        let rows = refusals(store.clone()).await;
        let shown: Vec<(String, String, Option<String>)> = rows.iter().map(|a| (a.actor.clone(), a.action.clone(), a.school.clone())).collect();
        assert_eq!(
            shown,
            [
                ("w0".to_string(), "refused:pair".to_string(), Some("school".to_string())),
                ("so2".to_string(), "refused:resolve_escalation".to_string(), Some("other".to_string())),
                ("w0".to_string(), "refused:klik_as_wpb".to_string(), Some("school".to_string())),
                ("afzender:onbekend".to_string(), "refused:pair".to_string(), None),
            ]
        );
        assert_eq!(rows[0].at, at("2026-10-05 12:00"));
        assert_eq!(rows[2].at, at("2026-10-05 12:02"));
        // No content: no details, no ids of what was aimed at, no address of the stranger.
        for a in &rows {
            assert_eq!(a.detail, None, "{a:?}");
            for content in ["s1", "s3", "w1", "vreemde", "geen klik", &format!("{escalation}")] {
                assert!(!a.subject.contains(content), "{a:?}");
            }
        }
    };
}
