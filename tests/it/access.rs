//! The authorization table through the engine: for every role and every action the app
//! offers so far, allowed ones succeed, and refused ones say why and change nothing.

use chrono::Duration;

use crate::on_both_backends;
use crate::privacy::dump;
use crate::support::{TestDb, at, day, engine, pid};
use wandelgang::app::inbox::{
    EscalationAction, Inbound, ReflectionTarget, Reply, Sender, UserError,
};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::roster::{Pairing, Person, Role, Roster, School, SchoolId, Team, TeamId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Reflect,
    Share,
    Klik,
    Pause,
    Resume,
    Acknowledge,
    Resolve,
    Move,
    Export,
    Forget,
}

const ACTS: [Act; 10] = [
    Act::Reflect,
    Act::Share,
    Act::Klik,
    Act::Pause,
    Act::Resume,
    Act::Acknowledge,
    Act::Resolve,
    Act::Move,
    Act::Export,
    Act::Forget,
];

/// Who may do what. `so2` is the schoolopleider of another school.
#[rustfmt::skip]
const TABLE: [(&str, [bool; 10]); 5] = [
    //          reflect share  klik   pause  resume ack    resolv move   export forget
    ("admin",  [false, false, false, false, false, false, false, false, false, false]),
    ("so",     [false, false, false, false, false, true,  true,  true,  true,  true ]),
    ("so2",    [false, false, false, false, false, false, false, false, true,  true ]),
    ("w0",     [true,  true,  true,  true,  true,  false, false, false, true,  true ]),
    ("s0",     [false, false, true,  false, false, false, false, false, true,  true ]),
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

fn event(act: Act, from: &str, reflection: i64, escalations: &[i64]) -> Option<Inbound> {
    let from = Sender::Chat(format!("test:{from}"));
    Some(match act {
        Act::Reflect => Inbound::Reflection {
            from,
            text: "Een goede dag".into(),
            target: ReflectionTarget::FreeStanding,
            share: false,
        },
        Act::Share => Inbound::ShareReflection {
            from,
            reflection_id: reflection,
        },
        Act::Klik => Inbound::Klik {
            from,
            student: None,
            value: "goed".into(),
        },
        Act::Pause => Inbound::Pause {
            from,
            until: day("2026-10-20"),
        },
        Act::Resume => Inbound::Resume { from },
        Act::Acknowledge => Inbound::Escalation {
            from,
            escalation_id: escalations[0],
            action: EscalationAction::Acknowledge,
        },
        Act::Resolve => Inbound::Escalation {
            from,
            escalation_id: escalations[1],
            action: EscalationAction::Resolve,
        },
        Act::Move => Inbound::Escalation {
            from,
            escalation_id: escalations[2],
            action: EscalationAction::Move,
        },
        Act::Export | Act::Forget => return None,
    })
}

on_both_backends! {
    every_role_and_action_follows_the_table => |db: TestDb| async move {
        for (who, expected) in TABLE {
            let store = db.store().await;
            for table in ["klik_signals", "escalations", "reflections", "pauses", "outbox", "audit_log", "forgotten_counts", "pairings", "people", "teams", "schools"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(store.pool()).await.unwrap();
            }
            store.import_roster(&roster()).await.unwrap();
            let clock = VirtualClock::new(at("2026-10-05 10:00"));
            let e = engine(store.clone(), RecordingChat::new(), clock.clone());
            for i in 0..3 {
                for _ in 0..2 {
                    e.handle(Inbound::Klik { from: Sender::Chat(format!("test:s{i}")), student: None, value: "geen klik".into() }).await.unwrap().unwrap();
                }
            }
            let escalations: Vec<i64> = store.escalations().await.unwrap().iter().map(|x| x.id).collect();
            assert_eq!(escalations.len(), 3);
            let Ok(Reply::ReflectionSaved { id: reflection, .. }) = e.handle(Inbound::Reflection { from: Sender::Chat("test:w0".into()), text: "Eerste".into(), target: ReflectionTarget::FreeStanding, share: false }).await.unwrap() else { panic!("seed reflection") };
            clock.set(at("2026-10-05 11:00"));

            for (act, allowed) in ACTS.into_iter().zip(expected) {
                clock.set(clock_now(&clock) + Duration::minutes(1));
                let before = dump(&store).await;
                let result = match event(act, who, reflection, &escalations) {
                    Some(ev) => e.handle(ev).await.unwrap(),
                    None if act == Act::Export => e.export_own(Sender::Chat(format!("test:{who}"))).await.unwrap(),
                    None => e.forget_self(Sender::Chat(format!("test:{who}")), false).await.unwrap(),
                };
                assert_eq!(result.is_ok(), allowed, "{who} {act:?}: {result:?}");
                if let Err(refusal) = &result {
                    assert_eq!(dump(&store).await, before, "{who} {act:?} was refused but changed something");
                    assert!(
                        matches!(refusal, UserError::Denied(_) | UserError::EscalationNotFound),
                        "{who} {act:?}: refused for another reason: {refusal:?}"
                    );
                    let text = refusal.to_string();
                    assert!(text.contains(" / "), "{who} {act:?}: message not bilingual: {text}");
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
