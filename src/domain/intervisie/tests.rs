//! Tests of the intervisie state machine: transitions, posting rules, forgetting, settings
//! and the question hints, mostly as tables of scripts.

use super::questions::{
    EN_CLOSED_HINT, EN_SUGGESTIVE_HINT, NL_CLOSED_HINT, NL_SUGGESTIVE_HINT, is_question,
};
use super::*;
use crate::domain::roster::TeamId;
use chrono::{Datelike, TimeDelta, TimeZone, Weekday};

const S: IntervisieSettings = IntervisieSettings {
    phase_school_days: [1, 2, 2, 1],
    every_weeks: Some(2),
};

/// A Monday.
fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}
fn h(hours: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(hours)
}
fn plus_days(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    t + TimeDelta::hours(24 * i64::from(n))
}
fn weekdays_only(mut t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
    for _ in 0..n {
        t += TimeDelta::days(1);
        while matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
            t += TimeDelta::days(1);
        }
    }
    t
}
fn p(s: &str) -> PersonId {
    PersonId::from_trusted(s)
}
fn open_at(at: DateTime<Utc>, s: &IntervisieSettings, add: AddSchoolDays<'_>) -> Thread {
    let team = TeamId::from_trusted("zorg");
    Thread::open(7, team, p("owner"), " Mijn casus. ", at, s, add).0
}

/// Steps separated by `;`: `tick H`, `post WHO H TEXT`, `adv WHO H`, `take WHO H TEXT`,
/// `left H` (H = hours after t0); `@V`, `@E`, `@O` reach Vragen, Ervaringen, Opbrengst.
/// The author `outsider` is not in the team.
fn events(script: &str) -> Vec<Event> {
    let hours = |s: &str| h(s.parse().unwrap());
    let script = script
        .replace("@O", OPB)
        .replace("@E", ERV)
        .replace("@V", VRAGEN);
    let mut out = Vec::new();
    for step in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let w: Vec<&str> = step.splitn(4, ' ').collect();
        let text = w.get(3).copied().unwrap_or("").to_string();
        out.push(match w[0] {
            "tick" => Event::Tick { now: hours(w[1]) },
            "left" => Event::OwnerLeftTeam { at: hours(w[1]) },
            "adv" => Event::Advance {
                by: p(w[1]),
                at: hours(w[2]),
            },
            "take" => Event::Takeaway {
                by: p(w[1]),
                text,
                at: hours(w[2]),
            },
            "post" => Event::Post {
                author: p(w[1]),
                author_in_team: w[1] != "outsider",
                text,
                at: hours(w[2]),
            },
            other => panic!("bad step {other}"),
        });
    }
    out
}

/// Compact rendering of effects for the tables.
fn show(effects: &[Effect]) -> String {
    let hours = |t: DateTime<Utc>| (t - t0()).num_hours();
    let one = |e: &Effect| match e {
        Effect::AnnouncePhase { phase, due } => format!("announce {phase:?} {}", hours(*due)),
        Effect::Remind { phase, to: None } => format!("remind {phase:?} team"),
        Effect::Remind {
            phase,
            to: Some(to),
        } => format!("remind {phase:?} {to}"),
        Effect::QuestionHint { to, .. } => format!("hint {to}"),
        Effect::OffPhasePointer { to, phase } => format!("pointer {to} {phase:?}"),
        Effect::Refused { to, reason } => format!("refused {to} {reason:?}"),
        Effect::Closed(s) => format!(
            "closed {}p {}posts {:?} {:?}",
            s.participants, s.posts, s.takeaway, s.reason
        ),
    };
    effects.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Applies the script to a fresh thread; returns it, the last event's effects and the
/// number of posts before that event.
fn run(script: &str) -> (Thread, Vec<Effect>, usize) {
    let mut th = open_at(t0(), &S, &plus_days);
    let (mut last, mut before) = (Vec::new(), 0);
    for e in events(script) {
        before = th.posts.len();
        last = th.apply(e, &S, &plus_days);
    }
    (th, last, before)
}

// Default days with plus_days: Inbreng due 24, Vragen 72, Ervaringen 120, Opbrengst 144.
const VRAGEN: &str = "tick 24";
const ERV: &str = "tick 24; post anna 30 Wat deed je toen?; tick 72";
const OPB: &str =
    "tick 24; post anna 30 Wat deed je toen?; tick 72; post bo 80 Ik herken dit.; tick 120";

#[test]
fn open_starts_in_inbreng() {
    let team = TeamId::from_trusted("zorg");
    let (th, fx) = Thread::open(1, team, p("owner"), " Een reflectie ", t0(), &S, &plus_days);
    assert_eq!(
        (th.phase, th.case.as_str()),
        (Phase::Inbreng, "Een reflectie")
    );
    assert_eq!((th.phase_started, th.phase_due), (t0(), h(24)));
    assert!(!th.reminded && th.posts.is_empty() && th.takeaway.is_none());
    assert_eq!(th.closed_reason, None);
    assert_eq!(
        fx,
        vec![Effect::AnnouncePhase {
            phase: Phase::Inbreng,
            due: h(24)
        }]
    );
}

#[test]
fn transitions_table() {
    // "script => phase afterwards | effects of the last event"
    let cases = [
        "tick 23 => Inbreng | ",
        "@V => Vragen | announce Vragen 72",
        "@E => Ervaringen | announce Ervaringen 120",
        "@O => Opbrengst | announce Opbrengst 144",
        // Nobody asks: one reminder, then on at the next due, still silent.
        "@V; tick 72 => Vragen | remind Vragen team",
        "@V; post owner 40 Nog iets.; tick 72 => Vragen | remind Vragen team",
        "@V; tick 72; tick 95 => Vragen | ",
        "@V; tick 72; tick 96 => Ervaringen | announce Ervaringen 144",
        "@V; tick 72; post anna 80 Hoe?; tick 96 => Ervaringen | announce Ervaringen 144",
        "@E; tick 120 => Ervaringen | remind Ervaringen team",
        // After downtime: one phase per tick, and the reminder still leaves a school day.
        "tick 500 => Vragen | announce Vragen 548",
        "@V; tick 100 => Vragen | remind Vragen team",
        "@V; tick 100; tick 110 => Vragen | ",
        "@V; tick 100; tick 124 => Ervaringen | announce Ervaringen 172",
        "@E; tick 120; tick 144 => Opbrengst | announce Opbrengst 168",
        // Opbrengst: with a takeaway, or one reminder to the owner without.
        r#"@O; take owner 130 Ik vraag door.; tick 144 => Afgesloten | closed 3p 3posts Some("Ik vraag door.") Completed"#,
        "@O; tick 144 => Opbrengst | remind Opbrengst owner",
        "@O; tick 144; tick 167 => Opbrengst | ",
        "@O; tick 144; tick 168 => Afgesloten | closed 3p 2posts None Completed",
        // The case owner moves on early; nobody else can.
        "adv owner 2 => Vragen | announce Vragen 50",
        "@V; adv owner 30 => Ervaringen | announce Ervaringen 78",
        "@E; adv owner 75 => Opbrengst | announce Opbrengst 99",
        "@O; adv owner 121 => Afgesloten | closed 3p 2posts None Completed",
        "adv anna 2 => Inbreng | refused anna NotCaseOwner",
        "@V; adv anna 30 => Vragen | refused anna NotCaseOwner",
        "@E; adv bo 75 => Ervaringen | refused bo NotCaseOwner",
        "@O; adv bo 121 => Opbrengst | refused bo NotCaseOwner",
        "@O; take anna 121 x => Opbrengst | refused anna NotCaseOwner",
        "@E; take owner 75 x => Ervaringen | refused owner NotTakeawayPhase",
        "@O; take owner 121 => Opbrengst | refused owner EmptyText",
        // An empty post would count as a contribution with nothing in it.
        "@V; post anna 30 => Vragen | refused anna EmptyText",
        "@E; post bo 75 => Ervaringen | refused bo EmptyText",
        // The case owner leaves the team.
        "left 3 => Afgesloten | closed 1p 0posts None OwnerLeft",
        "@V; post anna 30 Wat?; left 31 => Afgesloten | closed 2p 1posts None OwnerLeft",
        "@E; left 73 => Afgesloten | closed 2p 1posts None OwnerLeft",
        "@O; left 121 => Afgesloten | closed 3p 2posts None OwnerLeft",
        // After close.
        "left 3; left 4 => Afgesloten | ",
        "left 3; post anna 4 Wat? => Afgesloten | refused anna Closed",
        "left 3; adv owner 4 => Afgesloten | refused owner Closed",
        "left 3; take owner 4 x => Afgesloten | refused owner Closed",
        "left 3; tick 500 => Afgesloten | ",
        "@O; tick 144; tick 168; post anna 170 Wat? => Afgesloten | refused anna Closed",
    ];
    for case in cases {
        let (script, want) = case.split_once(" => ").unwrap();
        let (th, fx, _) = run(script);
        assert_eq!(format!("{:?} | {}", th.phase, show(&fx)), want, "{script}");
        assert_eq!(th.is_closed(), th.closed_reason.is_some(), "{script}");
    }
}

#[test]
fn post_purpose_per_phase() {
    // "script whose last step is the post => kind recorded (- = none) | effects"
    let cases = [
        "post owner 1 Nog een detail. => Case | ",
        "post anna 1 Wat deed je? => OffPhase | pointer anna Inbreng",
        "@V; post anna 30 Wat maakte dat je twijfelde? => Question | ",
        "@V; post anna 30 hoe reageerde ze => Question | ",
        "@V; post anna 30 Heb je al met haar gepraat? => HintedQuestion | hint anna",
        "@V; post bo 30 Why not just ask her? => HintedQuestion | hint bo",
        "@V; post anna 30 Ik zou gewoon bellen. => OffPhase | pointer anna Vragen",
        "@V; post owner 30 Ja, vorige week. => Answer | ",
        "@E; post anna 80 Ik deed ooit hetzelfde. => Experience | ",
        "@E; post anna 80 Heb je X geprobeerd? => Experience | ",
        "@E; post owner 80 Dank jullie! => Answer | ",
        "@O; post anna 130 Succes! => OffPhase | pointer anna Opbrengst",
        "@O; post owner 130 Ik neem mee: vragen. => Takeaway | ",
        "@V; post outsider 30 Wat deed je? => - | refused outsider NotInTeam",
        "left 1; post anna 2 Wat deed je? => - | refused anna Closed",
        "left 1; post outsider 2 Wat? => - | refused outsider Closed",
    ];
    for case in cases {
        let (script, want) = case.split_once(" => ").unwrap();
        let (th, fx, before) = run(script);
        let recorded = th.posts.get(before);
        let kind = recorded.map_or("-".to_string(), |p| format!("{:?}", p.kind));
        assert_eq!(format!("{kind} | {}", show(&fx)), want, "{script}");
        let Some(Event::Post {
            author, text, at, ..
        }) = events(script).pop()
        else {
            panic!("{script}: the last step is not a post");
        };
        if let Some(Effect::QuestionHint { suggestion, .. }) = fx.first() {
            assert_eq!(Some(suggestion), question_hint(&text).as_ref(), "{script}");
        }
        if let Some(post) = recorded {
            assert_eq!((&post.author, &post.text, post.at), (&author, &text, at));
            assert_eq!(post.phase, th.phase, "{script}");
        }
    }
}

#[test]
fn forget_keeps_the_thread_and_everyone_elses_posts() {
    // A colleague is forgotten: their post becomes a placeholder, the rest is untouched.
    let (mut th, _, _) = run("tick 24; post anna 30 Wat deed je toen?; post bo 31 Hoe voelde dat?");
    let before = th.clone();
    assert!(th.forget(&p("anna"), h(40)));
    assert_eq!(th.posts.len(), 2);
    assert_eq!(
        (th.posts[0].author.as_str(), th.posts[0].text.as_str()),
        (FORGOTTEN, FORGOTTEN)
    );
    assert_eq!(
        (th.posts[0].phase, th.posts[0].kind),
        (before.posts[0].phase, before.posts[0].kind)
    );
    assert_eq!(th.posts[1], before.posts[1]);
    assert_eq!(
        (th.case_owner.as_str(), th.case.as_str(), th.phase_due),
        ("owner", "Mijn casus.", before.phase_due)
    );
    assert!(!th.forget(&p("anna"), h(41)), "nothing of anna is left");

    // The case owner is forgotten: case, takeaway and their posts go, the thread is due
    // now, and the next tick closes it as the owner having left, without their takeaway.
    let (mut th, _, _) = run("@O; post owner 121 Ik neem mee dat ik doorvraag.");
    assert!(th.takeaway.is_some());
    assert!(th.forget(&p("owner"), h(125)));
    assert!(th.owner_forgotten());
    assert_eq!(
        (th.case.as_str(), th.takeaway.as_deref(), th.phase_due),
        (FORGOTTEN, None, h(125))
    );
    assert!(th.posts.iter().all(|p| p.author.as_str() != "owner"));
    assert_eq!(
        th.posts
            .iter()
            .filter(|p| p.author.as_str() == FORGOTTEN)
            .count(),
        1
    );
    assert!(
        th.posts
            .iter()
            .any(|p| p.author.as_str() == "anna" && p.text == "Wat deed je toen?")
    );
    // The owner is no one, so nobody can act as the owner.
    let fx = th.apply(
        Event::Advance {
            by: forgotten_id(),
            at: h(126),
        },
        &S,
        &plus_days,
    );
    assert!(
        matches!(
            fx[..],
            [Effect::Refused {
                reason: RefuseReason::NotCaseOwner,
                ..
            }]
        ),
        "{fx:?}"
    );
    assert!(PersonId::parse(FORGOTTEN).is_err());
    let fx = th.apply(Event::OwnerLeftTeam { at: h(126) }, &S, &plus_days);
    let [Effect::Closed(summary)] = &fx[..] else {
        panic!("{fx:?}")
    };
    assert_eq!(
        (summary.reason, summary.takeaway.as_deref()),
        (CloseReason::OwnerLeft, None)
    );
}

#[test]
fn owner_posts_in_opbrengst_build_the_takeaway_and_the_summary_counts() {
    let (th, fx, _) = run(
        "post owner 1 Aanvulling.; tick 24; post anna 30 Wat maakte dat?; \
         post bo 31 Heb je het gevraagd?; post owner 32 Nee.; tick 72; \
         post anna 80 Ik herken het.; post outsider 81 Hallo; tick 120; \
         post owner 121 Ik ga open vragen stellen.; post owner 122 En ik plan een gesprek.; \
         post cas 123 Mooi!; tick 144",
    );
    let takeaway = "Ik ga open vragen stellen.\nEn ik plan een gesprek.";
    assert_eq!(th.takeaway.as_deref(), Some(takeaway));
    // owner, anna, bo and cas; the outsider's post is not recorded.
    let want = Summary {
        participants: 4,
        posts: 8,
        takeaway: Some(takeaway.to_string()),
        reason: CloseReason::Completed,
    };
    assert_eq!(fx, vec![Effect::Closed(want.clone())]);
    assert_eq!(th.summary(), want);
    // An explicit takeaway replaces what the posts built up.
    let (th, _, _) = run("@O; post owner 121 Eerste.; take owner 122 Beter.");
    assert_eq!(th.takeaway.as_deref(), Some("Beter."));
}

#[test]
fn restart_mid_phase_gives_the_same_outcome() {
    let events = events(
        "post owner 1 Meer context.; tick 24; post anna 30 Heb je het gevraagd?; tick 72; \
         tick 73; post bo 80 Ik deed het zo.; adv anna 81; tick 120; post anna 121 Succes!; \
         tick 144; take owner 150 Ik vraag meer door.; tick 168; post anna 169 Nog iets?",
    );
    for cut in 0..=events.len() {
        let mut plain = open_at(t0(), &S, &plus_days);
        let mut restored = plain.clone();
        let (mut fx_plain, mut fx_restored) = (Vec::new(), Vec::new());
        for (i, e) in events.iter().enumerate() {
            if i == cut {
                let json = serde_json::to_string(&restored).unwrap();
                restored = serde_json::from_str(&json).unwrap();
            }
            fx_plain.push(plain.apply(e.clone(), &S, &plus_days));
            fx_restored.push(restored.apply(e.clone(), &S, &plus_days));
        }
        assert_eq!(plain, restored, "cut at {cut}");
        assert_eq!(fx_plain, fx_restored, "cut at {cut}");
        assert!(plain.is_closed());
    }
    let json = serde_json::to_value(open_at(t0(), &S, &plus_days)).unwrap();
    assert_eq!(
        (json["phase"].as_str(), json["id"].as_i64()),
        (Some("inbreng"), Some(7))
    );
}

#[test]
fn phase_days_move_due_dates() {
    let s = IntervisieSettings {
        phase_school_days: [2, 1, 1, 1],
        ..S
    };
    let mut th = open_at(t0(), &s, &plus_days);
    let mut dues = vec![th.phase_due];
    for e in events("adv owner 48; adv owner 50; adv owner 51") {
        th.apply(e, &s, &plus_days);
        dues.push(th.phase_due);
    }
    assert_eq!(dues, [h(48), h(72), h(74), h(75)]);

    // Weekends skipped, opened on Thursday 5 March with the default days.
    let day = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap();
    let mut th = open_at(day(5), &S, &weekdays_only);
    let mut seen = vec![(th.phase, th.reminded, th.phase_due)];
    for d in [6, 10, 11, 13, 16] {
        th.apply(Event::Tick { now: day(d) }, &S, &weekdays_only);
        seen.push((th.phase, th.reminded, th.phase_due));
    }
    use Phase::*;
    let want = [
        (Inbreng, false, day(5 + 1)), // Friday
        (Vragen, false, day(10)),     // Tuesday, over the weekend
        (Vragen, true, day(11)),      // silent: reminder, one school day more
        (Ervaringen, false, day(13)), // Friday
        (Ervaringen, true, day(16)),  // silent: reminder, Monday
        (Opbrengst, false, day(17)),  // Tuesday
    ];
    assert_eq!(seen, want);
}

#[test]
fn question_hint_table() {
    // o = open (None); nc/ns = Dutch closed/suggestive; ec/es = English closed/suggestive.
    let cases = [
        ("Wat maakte dat je dat zo deed?", "o"),
        ("Hoe heb je dat aangepakt?", "o"),
        ("Waardoor koos je daarvoor?", "o"),
        ("Welke reactie kreeg je?", "o"),
        ("Wanneer merkte je het voor het eerst?", "o"),
        ("Wat heb je al geprobeerd?", "o"),
        ("Kun je vertellen wat er gebeurde?", "o"),
        ("Hebben we tijd?", "o"),
        ("Heb je al met haar gepraat?", "nc"),
        ("  heb JE al gevraagd?", "nc"),
        ("Ben je daar tevreden over?", "nc"),
        ("Kan je dat niet laten?", "nc"),
        ("Kun jij haar meer ruimte geven?", "nc"),
        ("Kun je daar grenzen stellen?", "nc"),
        ("Kunt u dat toelichten?", "o"),
        ("Wil je dat nog eens doen?", "nc"),
        ("“Heb je de opleider gebeld?”", "nc"),
        ("Waarom niet gewoon een gesprek?", "ns"),
        ("Waarom heb je niet eerder ingegrepen?", "ns"),
        ("Waarom heb je dat niet gezegd?", "ns"),
        ("Waarom deed je dat niet?", "ns"),
        ("Waarom koos je daarvoor?", "o"),
        ("Zou je niet beter eerst luisteren?", "ns"),
        ("Had je niet eerder kunnen ingrijpen?", "ns"),
        ("Is het niet beter om te wachten?", "ns"),
        ("Vind je niet dat ze te weinig doet?", "ns"),
        ("Moet je niet strenger zijn?", "ns"),
        ("Denk je niet dat het aan de klik ligt?", "ns"),
        ("What made you choose that?", "o"),
        ("How did she respond?", "o"),
        ("Which moment stood out?", "o"),
        ("When did you notice?", "o"),
        ("Tell me more about the lesson.", "o"),
        ("Could you describe the moment?", "o"),
        ("Doing fine?", "o"),
        ("Did you talk to her?", "ec"),
        ("Didn't you talk to her first?", "ec"),
        ("Didn’t you see it coming?", "ec"),
        ("Have you tried a three-way talk?", "ec"),
        ("Are you happy with it?", "ec"),
        ("Do you plan lessons together?", "ec"),
        ("Can you give her more room?", "ec"),
        ("Why didn't you step in?", "es"),
        ("Why not just ask her?", "es"),
        ("Why did you not tell her?", "es"),
        ("Why did you choose that?", "o"),
        ("Shouldn't you be stricter?", "es"),
        ("Wouldn't it help to wait?", "es"),
        ("Don't you think she needs room?", "es"),
        ("Isn't it too early?", "es"),
    ];
    for (text, want) in cases {
        let got = match question_hint(text).as_deref() {
            None => "o",
            Some(NL_CLOSED_HINT) => "nc",
            Some(NL_SUGGESTIVE_HINT) => "ns",
            Some(EN_CLOSED_HINT) => "ec",
            Some(EN_SUGGESTIVE_HINT) => "es",
            Some(other) => panic!("unknown hint {other}"),
        };
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn is_question_table() {
    let cases = [
        ("Wat deed je?", true),
        ("  hoe ging dat  ", true),
        ("Heb je het gevraagd", true),
        ("Tell me more", true),
        ("Ik snap het. Wat deed je toen?", true),
        ("Wat ik deed was praten.", false),
        ("Wat deed je? Ik zou zelf bellen.", false),
        ("Ik zou bellen", false),
        ("Watergeven helpt", false),
        ("", false),
    ];
    for (text, want) in cases {
        assert_eq!(is_question(text), want, "{text:?}");
    }
}

#[test]
fn settings_defaults_validation_and_schedule() {
    assert_eq!(IntervisieSettings::default(), S);
    assert_eq!(S.validate(), Ok(()));
    let bad = [
        ([0, 2, 2, 1], Some(2), "Inbreng"),
        ([1, 11, 2, 1], Some(2), "Vragen"),
        ([1, 2, 2, 0], None, "Opbrengst"),
        ([1, 2, 2, 1], Some(0), "om de 0 weken"),
        ([1, 2, 2, 1], Some(13), "every 13 weeks"),
    ];
    for (days, every, mentions) in bad {
        let s = IntervisieSettings {
            phase_school_days: days,
            every_weeks: every,
        };
        let err = s.validate().expect_err(mentions).to_string();
        assert!(err.contains(mentions) && err.contains(" / "), "{err}");
    }
    let off = IntervisieSettings {
        every_weeks: None,
        ..S
    };
    assert_eq!(off.validate(), Ok(()));
    let parsed: IntervisieSettings = serde_json::from_str(r#"{"every_weeks":null}"#).unwrap();
    assert_eq!(parsed, off);
    let zero = IntervisieSettings {
        phase_school_days: [0; 4],
        ..S
    };
    assert_eq!(
        (zero.days_for(Phase::Vragen), S.days_for(Phase::Ervaringen)),
        (1, 2)
    );

    let calls = [
        (S, None, 0, true),
        (S, Some(0), 24 * 13, false),
        (S, Some(0), 24 * 14, true),
        (off, None, 0, false),
        (off, Some(0), 24 * 100, false),
    ];
    for (s, last, now, want) in calls {
        assert_eq!(
            s.call_is_due(last.map(h), h(now)),
            want,
            "{s:?} {last:?} {now}"
        );
    }
}

#[test]
fn phases_round_trip_and_read_kindly() {
    let mut chain = vec![Phase::Inbreng];
    while let Some(next) = chain.last().and_then(|p| p.next()) {
        chain.push(next);
    }
    assert_eq!(chain, Phase::ALL);
    for phase in Phase::ALL {
        assert_eq!(Phase::parse(phase.as_str()), Some(phase));
        let json = serde_json::to_string(&phase).unwrap();
        assert_eq!(json, format!("\"{}\"", phase.as_str()));
        for dutch in [true, false] {
            assert!(!phase.label(dutch).is_empty() && phase.purpose(dutch).ends_with('.'));
        }
    }
    assert_eq!(Phase::parse(" Experiences "), Some(Phase::Ervaringen));
    assert_eq!(Phase::parse("Takeaway"), Some(Phase::Opbrengst));
    assert_eq!(Phase::parse("nope"), None);
}

#[test]
fn dutch_texts_are_warm_and_messages_bilingual() {
    use RefuseReason::*;
    let mut dutch: Vec<String> = Phase::ALL
        .iter()
        .flat_map(|p| [p.purpose(true), p.pointer(true)])
        .chain([NL_CLOSED_HINT, NL_SUGGESTIVE_HINT])
        .map(str::to_string)
        .collect();
    for r in [Closed, NotInTeam, NotCaseOwner, NotTakeawayPhase, EmptyText] {
        let msg = r.to_string();
        assert!(msg.contains(" / "), "{msg}");
        dutch.push(msg);
    }
    for text in dutch {
        assert!(!text.to_lowercase().contains("moet"), "{text}");
    }
}
