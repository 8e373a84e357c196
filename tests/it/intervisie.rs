//! Intervisie threads through the engine on both backends: all phases via posts and ticks,
//! a restart mid-phase, and refusals that change nothing.

use crate::on_both_backends;
use crate::privacy::dump;
use crate::support::{TestDb, TestEngine, at, engine, engine_with, pid, run_until};
use wandelgang::app::inbox::{Inbound, Refusal, Reply, Sender, UserError};
use wandelgang::app::messages::{Message, OutboundMessage};
use wandelgang::app::ports::VirtualClock;
use wandelgang::app::privacy::Operator;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::config::Config;
use wandelgang::domain::authz::Denied;
use wandelgang::domain::intervisie::{FORGOTTEN, Phase, Thread};
use wandelgang::domain::roster::{Person, Role, Roster, School, SchoolId, Team, TeamId};
use wandelgang::store::Store;

const CASE: &str = "Mijn student durft in de klas geen keuzes te maken.";
const TAKEAWAY: &str = "Ik laat haar eerst zelf benoemen wat ze ziet.";

fn school() -> SchoolId {
    SchoolId::parse("school").unwrap()
}

fn team(id: &str) -> Team {
    Team {
        id: TeamId::parse(id).unwrap(),
        school: school(),
        name: format!("Team {id}"),
        channel: Some(format!("test:#{id}")),
    }
}

fn wpb(id: &str, team: &str) -> Person {
    Person {
        id: pid(id),
        school: school(),
        role: Role::Wpb,
        name: format!("Naam {id}"),
        team: Some(TeamId::parse(team).unwrap()),
        chat: Some(format!("test:{id}")),
        language: None,
    }
}

/// w0 (case owner), w1 and w2 in team `zorg`; w3 in team `techniek`.
fn roster() -> Roster {
    Roster {
        schools: vec![School {
            id: school(),
            name: "School".into(),
        }],
        teams: vec![team("zorg"), team("techniek")],
        people: vec![
            wpb("w0", "zorg"),
            wpb("w1", "zorg"),
            wpb("w2", "zorg"),
            wpb("w3", "techniek"),
        ],
        pairings: vec![],
    }
}

fn from(id: &str) -> Sender {
    Sender::Chat(format!("test:{id}"))
}

fn post(id: &str, text: &str) -> Inbound {
    Inbound::IntervisiePost {
        from: from(id),
        text: text.into(),
    }
}

async fn ok(e: &TestEngine, event: Inbound) -> Reply {
    e.handle(event).await.expect("accepted")
}

/// The whole thread; with `restart`, a second engine on the same database takes over in
/// the middle of the Vragen phase. Returns everything delivered, in order.
async fn flow(db: &TestDb, restart: bool) -> Vec<OutboundMessage> {
    let store = db.store().await;
    store.import_roster(&roster()).await.unwrap();
    let clock = VirtualClock::new(at("2026-10-05 09:00"));
    let chat = RecordingChat::new();
    let mut e = engine(store.clone(), chat.clone(), clock.clone());
    let started = ok(
        &e,
        Inbound::IntervisieStart {
            from: from("w0"),
            case: CASE.into(),
            reflection_id: None,
        },
    )
    .await;
    let Reply::IntervisieStarted { thread } = started else {
        panic!("{started:?}")
    };
    e.tick().await.unwrap();
    ok(&e, post("w0", "Ze wacht steeds op mij.")).await;
    // Inbreng lasts one school day.
    run_until(
        &e,
        &clock,
        at("2026-10-05 09:30"),
        at("2026-10-06 10:00"),
        30,
    )
    .await;
    assert!(has_key(&chat, &format!("intervisie:{thread}:fase:vragen")));
    clock.set(at("2026-10-06 11:00"));
    ok(&e, post("w1", "Heb je dat al met haar besproken?")).await;
    if restart {
        let store2 = Store::open(&db.url).await.unwrap();
        e = engine(store2, chat.clone(), clock.clone());
    }
    ok(&e, post("w2", "Wat maakte dat je haar toen de ruimte gaf?")).await;
    ok(&e, post("w1", "Ik zou gewoon een gesprek plannen.")).await;
    e.tick().await.unwrap();
    // Vragen lasts two school days.
    run_until(
        &e,
        &clock,
        at("2026-10-06 11:30"),
        at("2026-10-08 10:00"),
        30,
    )
    .await;
    assert!(has_key(
        &chat,
        &format!("intervisie:{thread}:fase:ervaringen")
    ));
    clock.set(at("2026-10-08 11:00"));
    ok(
        &e,
        post("w2", "Bij mij hielp het om samen een les voor te bereiden."),
    )
    .await;
    ok(
        &e,
        post("w1", "Ik geef mijn student eerst één kleine keuze."),
    )
    .await;
    // The case owner moves on early.
    clock.set(at("2026-10-08 14:00"));
    let moved = ok(&e, Inbound::IntervisieAdvance { from: from("w0") }).await;
    assert_eq!(
        moved,
        Reply::IntervisieAdvanced {
            phase: Phase::Opbrengst
        }
    );
    clock.set(at("2026-10-08 15:00"));
    ok(
        &e,
        Inbound::IntervisieTakeaway {
            from: from("w0"),
            text: TAKEAWAY.into(),
        },
    )
    .await;
    run_until(
        &e,
        &clock,
        at("2026-10-08 15:00"),
        at("2026-10-12 17:00"),
        60,
    )
    .await;
    assert!(
        store
            .open_thread_of_team(&TeamId::parse("zorg").unwrap())
            .await
            .unwrap()
            .is_none()
    );
    chat.delivered()
}

fn has_key(chat: &RecordingChat, key: &str) -> bool {
    chat.delivered().iter().any(|m| m.key == key)
}

/// What every complete run shows: each phase announced in the team channel, exactly one
/// hint (to the closed question), one pointer (to the early advice), the takeaway in the summary.
fn check(delivered: &[OutboundMessage]) {
    let team: Vec<&OutboundMessage> = delivered
        .iter()
        .filter(|m| m.to.address.as_deref() == Some("test:#zorg"))
        .collect();
    let phases: Vec<Phase> = team
        .iter()
        .filter_map(|m| match &m.body {
            Message::IntervisiePhase { phase, .. } => Some(*phase),
            _ => None,
        })
        .collect();
    assert_eq!(
        phases,
        [
            Phase::Inbreng,
            Phase::Vragen,
            Phase::Ervaringen,
            Phase::Opbrengst
        ]
    );
    let Message::IntervisiePhase { case, owner, .. } = &team[0].body else {
        panic!("{:?}", team[0])
    };
    assert_eq!(case.as_deref(), Some(CASE));
    assert_eq!(owner, "Naam w0");
    let hints: Vec<&OutboundMessage> = delivered
        .iter()
        .filter(|m| matches!(m.body, Message::IntervisieHint { .. }))
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0].to.address.as_deref(), Some("test:w1"));
    let pointers: Vec<&OutboundMessage> = delivered
        .iter()
        .filter(|m| matches!(m.body, Message::IntervisiePointer { .. }))
        .collect();
    assert_eq!(pointers.len(), 1, "{pointers:?}");
    assert_eq!(pointers[0].to.address.as_deref(), Some("test:w1"));
    let closed: Vec<&Message> = team
        .iter()
        .map(|m| &m.body)
        .filter(|b| matches!(b, Message::IntervisieClosed { .. }))
        .collect();
    assert_eq!(closed.len(), 1);
    let Message::IntervisieClosed {
        participants,
        takeaway,
        owner_left,
        ..
    } = closed[0]
    else {
        unreachable!()
    };
    assert_eq!(*participants, 3);
    assert_eq!(takeaway.as_deref(), Some(TAKEAWAY));
    assert!(!owner_left);
    // Nothing is sent twice.
    let mut keys: Vec<&str> = delivered.iter().map(|m| m.key.as_str()).collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n);
}

on_both_backends! {
    thread_goes_through_all_phases => |db: TestDb| async move {
        check(&flow(&db, false).await);
    };

    restart_mid_phase_continues_the_thread => |db: TestDb| async move {
        let delivered = flow(&db, true).await;
        check(&delivered);
        assert_eq!(
            delivered.iter().map(|m| m.key.clone()).collect::<Vec<_>>(),
            flow(&TestDb::sqlite(), false).await.iter().map(|m| m.key.clone()).collect::<Vec<_>>()
        );
    };

    refusals_change_nothing => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 09:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        ok(&e, Inbound::IntervisieStart { from: from("w0"), case: CASE.into(), reflection_id: None }).await;
        e.tick().await.unwrap();
        let before = dump(&store).await;
        // A wpb of another team has no thread here to post in or move on.
        for event in [post("w3", "Wat zie je precies?"), Inbound::IntervisieAdvance { from: from("w3") }] {
            assert_eq!(e.handle(event).await, Err(Refusal::User(UserError::NoOpenIntervisie)));
        }
        // Only the case owner moves the thread on or writes the takeaway.
        assert_eq!(
            e.handle(Inbound::IntervisieAdvance { from: from("w1") }).await,
            Err(Refusal::User(UserError::Denied(Denied::NotCaseOwner)))
        );
        assert_eq!(
            e.handle(Inbound::IntervisieTakeaway { from: from("w2"), text: "x".into() }).await,
            Err(Refusal::User(UserError::Denied(Denied::NotCaseOwner)))
        );
        // The owner's takeaway before its phase is refused by the thread itself.
        assert!(matches!(
            e.handle(Inbound::IntervisieTakeaway { from: from("w0"), text: "x".into() }).await,
            Err(Refusal::User(UserError::Intervisie(_)))
        ));
        // A second thread in the same team waits for the first.
        assert_eq!(
            e.handle(Inbound::IntervisieStart { from: from("w1"), case: "Nog een".into(), reflection_id: None }).await,
            Err(Refusal::User(UserError::IntervisieAlreadyOpen))
        );
        e.tick().await.unwrap();
        // Nothing changes but the audit rows of the two refusals the authorization table gave.
        let (refused, rest): (Vec<String>, Vec<String>) =
            dump(&store).await.into_iter().partition(|r| r.starts_with("audit_log|") && r.contains("|refused:"));
        assert_eq!(rest, before, "refusals change nothing");
        assert_eq!(refused.len(), 2, "{refused:#?}");
        assert!(refused.iter().all(|r| r.contains("|refused:intervisie_") && r.contains("|not_case_owner|")), "{refused:#?}");
    };
}

on_both_backends! {
    forget_keeps_the_thread_and_colleagues_posts => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 09:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        let started = ok(&e, Inbound::IntervisieStart { from: from("w0"), case: CASE.into(), reflection_id: None }).await;
        let Reply::IntervisieStarted { thread } = started else { panic!("{started:?}") };
        let w0_text = "w0 vult aan: ze kijkt steeds naar mij";
        ok(&e, post("w0", w0_text)).await;
        run_until(&e, &clock, at("2026-10-05 09:30"), at("2026-10-06 10:00"), 30).await;
        clock.set(at("2026-10-06 11:00"));
        let w1_text = "w1 leest mee en vertelt iets persoonlijks?";
        let w2_text = "Wat maakte dat je haar toen de ruimte gaf?";
        ok(&e, post("w1", w1_text)).await;
        ok(&e, post("w2", w2_text)).await;
        e.tick().await.unwrap();

        // A colleague asks to be forgotten: their post becomes a placeholder, the thread runs on.
        e.forget_person("admin:cli", &pid("w1"), false).await.unwrap();
        let after = dump(&store).await;
        assert!(after.iter().all(|r| !r.contains(w1_text) && !r.contains("Naam w1")), "{after:#?}");
        assert!(after.iter().any(|r| r.starts_with("intervisie_threads|") && r.contains(CASE) && r.contains(w2_text)));

        // The case owner asks to be forgotten, through the chat command with its confirmation.
        clock.set(at("2026-10-06 11:30"));
        let sent_before = chat.delivered().len();
        assert_eq!(ok(&e, Inbound::ForgetSelf { from: from("w0"), confirm: true }).await, Reply::Forgotten);
        let after = dump(&store).await;
        let w0 = ["w0", "Naam w0", CASE, w0_text];
        let left: Vec<&String> = after.iter().filter(|r| w0.iter().any(|n| r.contains(n))).collect();
        assert!(left.is_empty(), "{left:#?}");
        // The thread stays, with w2's question as w2's and placeholders where the others were.
        let (json, _) = store.thread(thread).await.unwrap().expect("the thread stays");
        let kept: Thread = serde_json::from_str(&json).unwrap();
        let posts: Vec<(&str, &str)> = kept.posts.iter().map(|p| (p.author.as_str(), p.text.as_str())).collect();
        assert_eq!(posts, [(FORGOTTEN, FORGOTTEN), (FORGOTTEN, FORGOTTEN), ("w2", w2_text)]);
        assert_eq!((kept.case_owner.as_str(), kept.case.as_str()), (FORGOTTEN, FORGOTTEN));
        let export = e.export_person("admin:cli", &pid("w2")).await.unwrap();
        assert!(export.to_json().unwrap().contains(w2_text), "w2's post is still w2's");

        // The next tick closes the thread for the team as "the case owner left", naming nobody.
        e.tick().await.unwrap();
        let team = TeamId::parse("zorg").unwrap();
        assert!(store.open_thread_of_team(&team).await.unwrap().is_none());
        let all_new: Vec<OutboundMessage> = chat.delivered().into_iter().skip(sent_before).collect();
        let shown = format!("{all_new:?}");
        assert!(w0.iter().all(|n| !shown.contains(n)), "{shown}");
        // (The team's scheduled call for a new case may follow; it names nobody.)
        let new: Vec<&OutboundMessage> = all_new.iter().filter(|m| !matches!(m.body, Message::IntervisieCall { .. })).collect();
        assert_eq!(new.len(), 1, "{new:#?}");
        assert_eq!(new[0].to.address.as_deref(), Some("test:#zorg"));
        assert_eq!(new[0].to.person, pid("w2"), "a remaining colleague is the recipient of record");
        let Message::IntervisieClosed { owner_left, takeaway, .. } = &new[0].body else { panic!("{new:#?}") };
        assert!(*owner_left && takeaway.is_none());
        assert!(dump(&store).await.iter().all(|r| w0.iter().all(|n| !r.contains(n))));
        // The team can bring in a new case.
        ok(&e, Inbound::IntervisieStart { from: from("w2"), case: "Een nieuwe casus".into(), reflection_id: None }).await;
    };
}

/// The scheduled calls for a case delivered so far, as (team channel, key).
fn calls(chat: &RecordingChat) -> Vec<(String, String)> {
    chat.delivered()
        .into_iter()
        .filter(|m| matches!(m.body, Message::IntervisieCall { .. }))
        .map(|m| {
            assert!(m.to.team_channel, "{m:?}");
            (m.to.address.clone().unwrap_or_default(), m.key)
        })
        .collect()
}

fn config_every(weeks: Option<u32>) -> Config {
    let mut config = Config::default();
    config.defaults.intervisie.every_weeks = weeks;
    config
}

on_both_backends! {
    the_team_is_asked_for_a_case_at_most_once_per_period => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        // Monday, before the working window.
        let clock = VirtualClock::new(at("2026-11-23 07:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), config_every(Some(2)));
        // Techniek has an open thread: it is not asked.
        clock.set(at("2026-11-23 07:00"));
        ok(&e, Inbound::IntervisieStart { from: from("w3"), case: CASE.into(), reflection_id: None }).await;
        e.tick().await.unwrap();
        assert!(calls(&chat).is_empty(), "not before the working window");

        clock.set(at("2026-11-23 10:00"));
        e.tick().await.unwrap();
        clock.set(at("2026-11-23 14:00"));
        e.tick().await.unwrap();
        // Another process on the same database, the same day.
        let other = engine_with(store.clone(), chat.clone(), clock.clone(), config_every(Some(2)));
        other.tick().await.unwrap();
        let first = calls(&chat);
        assert_eq!(
            first,
            vec![("test:#zorg".to_string(), "intervisie-oproep:zorg:2026-11-23".to_string())]
        );
        let m = chat.delivered().into_iter().find(|m| matches!(m.body, Message::IntervisieCall { .. })).unwrap();
        assert_eq!(m.to.person, pid("w0"), "the team's first wpb is the recipient of record");
        assert_eq!(m.body, Message::IntervisieCall { team: "Team zorg".into() });

        // Not on a weekend, not before two weeks have passed.
        for t in ["2026-11-28 11:00", "2026-12-04 10:00", "2026-12-06 10:00"] {
            clock.set(at(t));
            e.tick().await.unwrap();
        }
        assert_eq!(calls(&chat).len(), 1);
        // Two weeks on (the same date, earlier in the day): the second call.
        clock.set(at("2026-12-07 09:00"));
        e.tick().await.unwrap();
        other.tick().await.unwrap();
        let after = calls(&chat);
        assert_eq!(after.len(), 2, "{after:?}");
        assert_eq!(after[1].1, "intervisie-oproep:zorg:2026-12-07");
    };

    a_settled_day_is_not_read_again_but_a_roster_import_through_the_bot_looks_at_once => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-23 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), config_every(Some(2)));
        e.tick().await.unwrap();
        assert_eq!(calls(&chat).len(), 2, "zorg and techniek: {:?}", calls(&chat));

        // Another process adds a team the same day. This engine has looked at every team today
        // and reads the teams again at the next window moment: the next school day.
        let mut bigger = roster();
        bigger.teams.push(team("welzijn"));
        bigger.people.push(wpb("w4", "welzijn"));
        store.import_roster(&bigger).await.unwrap();
        clock.set(at("2026-11-23 15:00"));
        e.tick().await.unwrap();
        assert_eq!(calls(&chat).len(), 2, "{:?}", calls(&chat));
        clock.set(at("2026-11-24 08:30"));
        e.tick().await.unwrap();
        assert_eq!(
            calls(&chat).last(),
            Some(&("test:#welzijn".to_string(), "intervisie-oproep:welzijn:2026-11-24".to_string()))
        );

        // A roster imported through the bot is looked at on the next tick, the same day.
        let mut biggest = bigger.clone();
        biggest.teams.push(team("sport"));
        biggest.people.push(wpb("w5", "sport"));
        biggest.people.push(Person {
            role: Role::Schoolopleider,
            team: None,
            ..wpb("so", "zorg")
        });
        e.import_roster_as(&Operator::Cli, &biggest).await.expect("imported");
        clock.set(at("2026-11-24 09:00"));
        e.tick().await.unwrap();
        assert_eq!(
            calls(&chat).last(),
            Some(&("test:#sport".to_string(), "intervisie-oproep:sport:2026-11-24".to_string()))
        );
        assert_eq!(calls(&chat).len(), 4);
    };

    no_call_when_the_schedule_is_off => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster()).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-23 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), config_every(None));
        for day in 0..21 {
            clock.set(at("2026-11-23 10:00") + chrono::Duration::days(day));
            e.tick().await.unwrap();
        }
        assert!(calls(&chat).is_empty());
    };
}
