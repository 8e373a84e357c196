//! The weekly digest, `/overzicht`, `/terugblik` and the automatic terugblik through the
//! engine: when they go, to whom, exactly once, and what they never show.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration as StdDuration;

use chrono_tz::Europe::Amsterdam;

use crate::on_both_backends;
use crate::support::{TestDb, TestEngine, at, day, engine_with, pid, with_digest};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Refusal, Reply, Sender, UserError};
use wandelgang::app::messages::{Message, OutboundMessage};
use wandelgang::app::ports::{ChatError, VirtualClock};
use wandelgang::app::privacy::Operator;
use wandelgang::chat::answer::{self, Surface};
use wandelgang::chat::recording::{Hang, RecordingChat};
use wandelgang::chat::render::{self, RenderContext};
use wandelgang::config::Config;
use wandelgang::domain::digest::Cell;
use wandelgang::domain::language::Language;
use wandelgang::domain::roster::{Pairing, Person, Role, Roster, School, SchoolId, Team, TeamId};
use wandelgang::domain::schedule::DateRange;

fn from(who: &str) -> Sender {
    Sender::Chat(format!("test:{who}"))
}

fn member(id: &str, school: &str, role: Role, team: Option<&str>) -> Person {
    Person {
        id: pid(id),
        school: SchoolId::parse(school).expect("id"),
        role,
        name: format!("Naam {id}"),
        team: team.map(|t| TeamId::parse(t).expect("id")),
        chat: Some(format!("test:{id}")),
        language: None,
    }
}

/// School `a` with schoolopleiders `a-so0..`, team `a-t` with wpbs `a-w0..` each paired with
/// student `a-s0..`; school `b` the same with one schoolopleider.
fn two_schools(a_sos: usize, wpbs: usize) -> Roster {
    let mut roster = Roster {
        schools: vec![],
        teams: vec![],
        people: vec![],
        pairings: vec![],
    };
    for (school, sos) in [("a", a_sos), ("b", 1)] {
        roster.schools.push(School {
            id: SchoolId::parse(school).expect("id"),
            name: format!("School {}", school.to_uppercase()),
        });
        let team = format!("{school}-t");
        roster.teams.push(Team {
            id: TeamId::parse(&team).expect("id"),
            school: SchoolId::parse(school).expect("id"),
            name: format!("Team {}", school.to_uppercase()),
            channel: None,
        });
        for i in 0..sos {
            roster.people.push(member(
                &format!("{school}-so{i}"),
                school,
                Role::Schoolopleider,
                None,
            ));
        }
        for i in 0..wpbs {
            let (w, s) = (format!("{school}-w{i}"), format!("{school}-s{i}"));
            roster
                .people
                .push(member(&w, school, Role::Wpb, Some(&team)));
            roster.people.push(member(&s, school, Role::Student, None));
            roster.pairings.push(Pairing {
                wpb: pid(&w),
                student: pid(&s),
                start: day("2026-09-01"),
                end: day("2027-07-10"),
            });
        }
    }
    roster
}

/// A klik from the first wpb of each school in the week before Monday 30 November, so both
/// digests of that Monday have something to tell.
async fn last_weeks_klik(e: &TestEngine, clock: &VirtualClock) {
    clock.set(at("2026-11-25 10:00"));
    for wpb in ["a-w0", "b-w0"] {
        ok(
            e,
            Inbound::Klik {
                from: from(wpb),
                student: None,
                value: "goed".into(),
            },
        )
        .await;
    }
}

fn digests(chat: &RecordingChat) -> Vec<OutboundMessage> {
    chat.delivered()
        .into_iter()
        .filter(|m| matches!(m.body, Message::Digest(_)))
        .collect()
}

fn per_person(messages: &[OutboundMessage]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in messages {
        *out.entry(m.to.person.to_string()).or_default() += 1;
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

async fn ok(e: &TestEngine, event: Inbound) -> Reply {
    match e.handle(event).await {
        Ok(r) => r,
        Err(err) => panic!("refused: {err:?}"),
    }
}

on_both_backends! {
    the_weekly_digest_goes_once_a_week_to_each_schoolopleider_of_the_school => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&two_schools(3, 4)).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-30 07:00"));
        let chat = RecordingChat::new();
        let e = with_digest(store.clone(), chat.clone(), clock.clone());
        // A wpb of school b says "geen klik": school a's digest never carries it.
        last_weeks_klik(&e, &clock).await;
        ok(&e, Inbound::Klik { from: from("b-w1"), student: None, value: "geen klik".into() }).await;
        clock.set(at("2026-11-30 07:55"));
        e.tick().await.unwrap();
        assert!(digests(&chat).is_empty(), "before Monday 08:00");
        for minute in [0, 5, 30] {
            clock.set(at("2026-11-30 08:00") + chrono::Duration::minutes(minute));
            e.tick().await.unwrap();
        }
        // A second process on the same database finds the week's digests taken.
        let other = with_digest(store.clone(), chat.clone(), clock.clone());
        other.tick().await.unwrap();
        let week = digests(&chat);
        let expected: BTreeMap<String, usize> =
            ["a-so0", "a-so1", "a-so2", "b-so0"].iter().map(|p| (p.to_string(), 1)).collect();
        assert_eq!(per_person(&week), expected);
        for m in &week {
            let Message::Digest(f) = &m.body else { unreachable!() };
            let school = if m.to.person.as_str().starts_with("a-") { "School A" } else { "School B" };
            assert_eq!(f.school, school);
            assert_eq!(f.weeks.last().map(|w| w.number()), Some(48), "the week before");
            let text = render::message(&m.body, &ctx(Language::Nl));
            let other = if school == "School A" { "b-" } else { "a-" };
            assert!(!text.contains(other) && !text.contains(&format!("Naam {other}")), "{text}");
            let names: Vec<&str> = f.teams.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(names, [if school == "School A" { "Team A" } else { "Team B" }]);
            // One student's signal: never a number.
            if school == "School B" {
                assert_eq!(f.school_total.weeks.last().unwrap().klik, Cell::Suppressed);
                assert!(text.contains("< 3"), "{text}");
            }
        }

        // Switched off by one schoolopleider: the next Monday the others still get theirs.
        let r = ok(&e, Inbound::SwitchDigest { from: from("a-so1"), on: false }).await;
        assert_eq!(r, Reply::DigestSwitched { on: false });
        chat.clear();
        clock.set(at("2026-12-07 09:00"));
        e.tick().await.unwrap();
        let expected: BTreeMap<String, usize> =
            ["a-so0", "a-so2", "b-so0"].iter().map(|p| (p.to_string(), 1)).collect();
        assert_eq!(per_person(&digests(&chat)), expected);
        // On again in the same week: this week's comes at once, the others' not again.
        ok(&e, Inbound::SwitchDigest { from: from("a-so1"), on: true }).await;
        clock.set(at("2026-12-07 09:05"));
        e.tick().await.unwrap();
        let expected: BTreeMap<String, usize> =
            ["a-so0", "a-so1", "a-so2", "b-so0"].iter().map(|p| (p.to_string(), 1)).collect();
        assert_eq!(per_person(&digests(&chat)), expected);
        // A wpb cannot switch a digest.
        let refused = e.handle(Inbound::SwitchDigest { from: from("a-w0"), on: false }).await;
        assert!(matches!(refused, Err(Refusal::User(UserError::Denied(_)))), "{refused:?}");
        store.close().await;
    };

    no_digest_in_a_holiday_week_or_for_a_school_that_turned_it_off => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&two_schools(1, 2)).await.unwrap();
        let mut config = Config::default();
        config.defaults.calendar.holidays.push(DateRange { start: day("2026-12-21"), end: day("2027-01-03") });
        let mut b = config.defaults.clone();
        b.digest.enabled = false;
        config.schools.insert("b".into(), b);
        // School a's digest goes on Tuesday at 13:30.
        let mut a = config.defaults.clone();
        a.digest.weekday = chrono::Weekday::Tue;
        a.digest.time = chrono::NaiveTime::from_hms_opt(13, 30, 0).unwrap();
        config.schools.insert("a".into(), a);
        let clock = VirtualClock::new(at("2026-12-09 10:00"));
        let chat = RecordingChat::new();
        let e = engine_with(store.clone(), chat.clone(), clock.clone(), config);
        // Something to tell in both digests.
        ok(&e, Inbound::Klik { from: from("a-w0"), student: None, value: "goed".into() }).await;
        let mut t = at("2026-12-14 07:00");
        let mut seen = Vec::new();
        while t <= at("2027-01-06 18:00") {
            clock.set(t);
            e.tick().await.unwrap();
            for m in chat.delivered() {
                if matches!(m.body, Message::Digest(_)) && !seen.iter().any(|(k, _)| *k == m.key) {
                    seen.push((m.key.clone(), t));
                }
            }
            t += chrono::Duration::minutes(30);
        }
        let got: Vec<(String, String)> = seen
            .iter()
            .map(|(k, t)| (k.clone(), t.with_timezone(&Amsterdam).format("%a %d-%m %H:%M").to_string()))
            .collect();
        // Week 51 on Tuesday 13:30; weeks 52 and 53 are holidays; week 1 of 2027 again.
        assert_eq!(
            got,
            [
                ("weekoverzicht:2026-W51:a-so0".to_string(), "Tue 15-12 13:30".to_string()),
                ("weekoverzicht:2027-W01:a-so0".to_string(), "Tue 05-01 13:30".to_string()),
            ]
        );
        store.close().await;
    };

    a_crash_in_the_monday_fan_out_gives_every_schoolopleider_one_digest => |db: TestDb| async move {
        for hang in [Hang::AfterDelivery, Hang::BeforeDelivery] {
            let store = db.store().await;
            sqlx::query("DELETE FROM outbox").execute(store.pool()).await.unwrap();
            store.import_roster(&two_schools(6, 3)).await.unwrap();
            let clock = VirtualClock::new(at("2026-11-30 07:00"));
            let chat = RecordingChat::new();
            let first = with_digest(store.clone(), chat.clone(), clock.clone());
            last_weeks_klik(&first, &clock).await;
            clock.set(at("2026-11-30 07:00"));
            first.tick().await.unwrap();
            clock.set(at("2026-11-30 08:00"));
            chat.hang_at_attempt(3, hang);
            let task = tokio::spawn(async move { first.tick().await });
            while chat.attempts() < 4 {
                tokio::time::sleep(StdDuration::from_millis(5)).await;
            }
            task.abort();
            assert!(task.await.unwrap_err().is_cancelled());
            // A new process after the dead one's lease ran out.
            clock.set(at("2026-11-30 08:03"));
            let second = with_digest(store.clone(), chat.clone(), clock.clone());
            second.tick().await.unwrap();
            let sent = digests(&chat);
            let keys: HashSet<&String> = sent.iter().map(|m| &m.key).collect();
            assert_eq!(keys.len(), sent.len(), "{hang:?}: a digest was delivered twice");
            let expected: BTreeMap<String, usize> = (0..6)
                .map(|i| (format!("a-so{i}"), 1))
                .chain([("b-so0".to_string(), 1)])
                .collect();
            assert_eq!(per_person(&sent), expected, "{hang:?}");
            assert!(chat.attempts_per_key().values().all(|&n| n <= 2));
            store.close().await;
        }
    };

    the_overview_shows_the_chosen_weeks_with_a_picture_and_only_to_the_schoolopleider => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&two_schools(1, 3)).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-25 10:00"));
        let chat = RecordingChat::new();
        let e = with_digest(store.clone(), chat.clone(), clock.clone());
        for w in 0..3 {
            ok(&e, Inbound::Klik { from: from(&format!("a-w{w}")), student: None, value: "goed".into() }).await;
        }
        ok(&e, Inbound::Reflection { from: from("a-w0"), text: "Geheime gedachte".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        let Reply::Overview(f) = ok(&e, Inbound::SchoolOverview { from: from("a-so0"), weeks: Some(20) }).await else { panic!("overview") };
        assert_eq!(f.weeks.len(), 20);
        assert_eq!(f.weeks.last().map(|w| w.number()), Some(48), "up to this week");
        let k = f.school_total.weeks.last().unwrap().klik.shown().expect("three students");
        assert_eq!((k.goed, k.twijfel, k.geen), (3, 0, 0));
        assert_eq!(f.school_total.weeks.last().unwrap().reflections, 1);
        let reply = Reply::Overview(f);
        let text = render::reply(&reply, &ctx(Language::En));
        assert!(text.starts_with("Overview School A · week 29–48"), "{text}");
        assert!(!text.contains("Geheime"), "{text}");
        // The answer carries the chart, its description the text alternative.
        let parts = answer::parts(Ok(reply), &ctx(Language::Nl), &test_surface());
        let file = parts.file.expect("a picture");
        assert!(file.name.ends_with(".png") && file.image.is_some(), "{}", file.name);
        assert!(file.description.starts_with("Grafiek per team"), "{}", file.description);
        let (w, h) = file.image.unwrap();
        let decoded = png::Decoder::new(std::io::Cursor::new(&file.bytes)).read_info().unwrap();
        assert_eq!((decoded.info().width, decoded.info().height), (w, h));
        // Only a schoolopleider asks for a school's figures.
        for who in ["a-w0", "a-s0"] {
            let refused = e.handle(Inbound::SchoolOverview { from: from(who), weeks: None }).await;
            assert!(matches!(refused, Err(Refusal::User(UserError::Denied(_)))), "{who}: {refused:?}");
        }
        store.close().await;
    };

    the_terugblik_shows_the_wpb_only_their_own_and_comes_once_at_the_end => |db: TestDb| async move {
        let store = db.store().await;
        let mut roster = two_schools(1, 2);
        // a-w0's placement ends on Friday 18 December.
        roster.pairings[0].end = day("2026-12-18");
        store.import_roster(&roster).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-16 10:00"));
        let chat = RecordingChat::new();
        let e = with_digest(store.clone(), chat.clone(), clock.clone());
        ok(&e, Inbound::Reflection { from: from("a-w0"), text: "Eerste weken: vooral luisteren".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        ok(&e, Inbound::Klik { from: from("a-w0"), student: None, value: "twijfel".into() }).await;
        clock.set(at("2026-11-24 10:00"));
        ok(&e, Inbound::StudentKlik { from: from("a-s0"), value: "geen klik".into() }).await;
        ok(&e, Inbound::Klik { from: from("a-w0"), student: None, value: "goed".into() }).await;
        ok(&e, Inbound::Reflection { from: from("a-w1"), text: "Van een ander".into(), target: ReflectionTarget::FreeStanding, share: false }).await;

        let Reply::Terugblik(t) = ok(&e, Inbound::Terugblik { from: from("a-w0") }).await else { panic!("terugblik") };
        assert_eq!((t.from, t.until), (day("2026-09-01"), day("2026-11-24")));
        let texts: Vec<&str> = t.reflections.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["Eerste weken: vooral luisteren"]);
        assert_eq!(t.klik.len(), 1);
        let values: Vec<_> = t.klik[0].signals.iter().map(|(_, v)| v.label(true)).collect();
        assert_eq!(values, ["twijfel", "goed"], "the student's own signal never shows");
        let reply = Reply::Terugblik(t);
        let text = render::reply(&reply, &ctx(Language::Nl));
        assert!(text.contains("Alleen jij ziet dit") && text.contains("luisteren"), "{text}");
        assert!(!text.contains("geen klik"), "{text}");
        let parts = answer::parts(Ok(reply), &ctx(Language::Nl), &test_surface());
        assert!(parts.file.is_some_and(|f| f.name == "terugblik.png"));
        // Students and schoolopleiders have no terugblik.
        for who in ["a-s0", "a-so0"] {
            let refused = e.handle(Inbound::Terugblik { from: from(who) }).await;
            assert!(matches!(refused, Err(Refusal::User(UserError::Denied(_)))), "{who}: {refused:?}");
        }

        // On the placement's last school day (Friday 18 December), inside the working window:
        // once, to the wpb alone, with that week's reflections in it.
        let mut t = at("2026-12-10 07:00");
        while t <= at("2026-12-21 17:00") {
            clock.set(t);
            e.tick().await.unwrap();
            t += chrono::Duration::minutes(60);
        }
        let sent: Vec<OutboundMessage> = chat
            .delivered()
            .into_iter()
            .filter(|m| matches!(m.body, Message::Terugblik(_)))
            .collect();
        assert_eq!(sent.len(), 1, "{:?}", sent.iter().map(|m| &m.key).collect::<Vec<_>>());
        assert_eq!(sent[0].to.person.as_str(), "a-w0");
        assert_eq!(sent[0].key, "terugblik:1");
        let friday = at("2026-12-18 00:00").timestamp();
        let on_friday = crate::support::count(
            &store,
            &format!("SELECT COUNT(*) FROM outbox WHERE key = 'terugblik:1' AND sent_at >= {friday}"),
        )
        .await;
        assert_eq!(on_friday, 1, "sent before the last school day");
        store.close().await;
    };

    a_placement_ending_today_gets_its_terugblik_however_many_end_later_in_the_month => |db: TestDb| async move {
        let store = db.store().await;
        let mut roster = two_schools(1, 12);
        // School a's first eleven placements end on Friday 8 January, after the Christmas
        // holiday; the twelfth (the highest id) on Friday 18 December, its last school day.
        for p in roster.pairings.iter_mut().take(11) {
            p.end = day("2027-01-08");
        }
        roster.pairings[11].end = day("2026-12-18");
        // School b's first ends in the holiday: its last school day is 18 December too; its
        // second ends on Monday 4 January, when school starts again.
        roster.pairings[12].end = day("2026-12-30");
        roster.pairings[13].end = day("2027-01-04");
        store.import_roster(&roster).await.unwrap();
        let clock = VirtualClock::new(at("2026-12-18 10:00"));
        let chat = RecordingChat::new();
        let mut config = Config::default();
        config.defaults.calendar.holidays.push(DateRange {
            start: day("2026-12-19"),
            end: day("2027-01-03"),
        });
        let mut e = engine_with(store.clone(), chat.clone(), clock.clone(), config);
        // Fewer rows per step than the placements that end later.
        e.batch = 5;
        e.tick().await.unwrap();
        let mut sent: Vec<String> = chat
            .delivered()
            .into_iter()
            .filter(|m| matches!(m.body, Message::Terugblik(_)))
            .map(|m| m.to.person.to_string())
            .collect();
        sent.sort();
        assert_eq!(sent, ["a-w11", "b-w0"]);
        store.close().await;
    };

    forgetting_someone_takes_them_out_of_stored_digests => |db: TestDb| async move {
        let store = db.store().await;
        let mut roster = two_schools(1, 3);
        // a-w1's placement ends soon, a-w0's a week later: the digests name them.
        roster.pairings[1].end = day("2026-12-04");
        roster.pairings[0].end = day("2026-12-18");
        store.import_roster(&roster).await.unwrap();
        let clock = VirtualClock::new(at("2026-11-30 08:10"));
        let chat = RecordingChat::new();
        let e = with_digest(store.clone(), chat.clone(), clock.clone());
        e.tick().await.unwrap();
        // Nothing happened yet: no digest with nothing to tell, but a-w1's placement ends soon.
        assert_eq!(digests(&chat).len(), 1);
        let bodies = |sql: &'static str| {
            let store = store.clone();
            async move { crate::support::count(&store, sql).await }
        };
        assert_eq!(bodies("SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND body LIKE '%Naam a-w1%'").await, 1);
        e.forget_person_as(&Operator::Cli, &pid("a-w1"), false).await.expect("forgotten");
        assert_eq!(bodies("SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND body LIKE '%Naam a-w1%'").await, 0);
        // The key stays: the week's digest is not sent again.
        assert_eq!(bodies("SELECT COUNT(*) FROM outbox WHERE kind = 'digest'").await, 1);
        clock.set(at("2026-11-30 09:00"));
        e.tick().await.unwrap();
        assert_eq!(digests(&chat).len(), 1);

        // A digest still waiting (a passing failure) when someone is forgotten is made again
        // without them.
        // a-w2 gives a klik, so the week has something to tell without a-w0 too.
        clock.set(at("2026-12-02 10:00"));
        ok(&e, Inbound::Klik { from: from("a-w2"), student: None, value: "goed".into() }).await;
        clock.set(at("2026-12-07 08:10"));
        chat.fail_next(vec![ChatError::Transient("down".into())]);
        e.tick().await.unwrap();
        assert_eq!(bodies("SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND status = 'planned' AND body LIKE '%Naam a-w0%'").await, 1);
        e.forget_person_as(&Operator::Cli, &pid("a-w0"), false).await.expect("forgotten");
        assert_eq!(bodies("SELECT COUNT(*) FROM outbox WHERE kind = 'digest' AND body LIKE '%Naam a-w0%'").await, 0);
        clock.set(at("2026-12-07 09:00"));
        e.tick().await.unwrap();
        let last = digests(&chat).pop().expect("the second week's digest");
        assert!(last.key.contains("2026-W50"), "{}", last.key);
        assert!(!render::message(&last.body, &ctx(Language::Nl)).contains("a-w0"));
        store.close().await;
    };
}

fn test_surface() -> Surface {
    Surface {
        platform: "test",
        buttons: true,
        read_person: |s| (s.to_string(), None),
        help: None,
    }
}
