//! Refusals that say what is true, through the engine: invisible reflections are empty, the
//! length cap counts what a person sees, and a klik on one's own ended pairing names the date.

use crate::on_both_backends;
use crate::support::{TestDb, at, engine, person, pid, roster};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Refusal, Reply, Sender, UserError};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::language::{Language, Localize};
use wandelgang::domain::reflection::ReflectionError;
use wandelgang::domain::roster::Role;

fn reflect(from: &str, text: &str) -> Inbound {
    Inbound::Reflection {
        from: Sender::Chat(format!("test:{from}")),
        text: text.into(),
        target: ReflectionTarget::FreeStanding,
        share: false,
    }
}

fn klik(from: &str, student: Option<&str>) -> Inbound {
    Inbound::Klik {
        from: Sender::Chat(format!("test:{from}")),
        student: student.map(pid),
        value: "goed".into(),
    }
}

fn student_klik(from: &str) -> Inbound {
    Inbound::StudentKlik {
        from: Sender::Chat(format!("test:{from}")),
        value: "twijfel".into(),
    }
}

on_both_backends! {
    reflection_a_person_cannot_see_is_empty_and_graphemes_count => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let e = engine(store.clone(), RecordingChat::new(), VirtualClock::new(at("2026-10-05 09:00")));
        for invisible in ["\u{200B}", "\u{200B}\u{200D}\u{FEFF}", " \u{2060}\u{00AD} \u{3164}"] {
            let refused = e.handle(reflect("w0", invisible)).await;
            assert_eq!(refused, Err(Refusal::User(UserError::Reflection(ReflectionError::Empty))), "{invisible:?}");
        }
        // 280 family emoji and 280 decomposed é are 280 things a person sees: kept.
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦".repeat(280);
        let decomposed = "e\u{0301}".repeat(280);
        for text in [&family, &decomposed] {
            let saved = e.handle(reflect("w0", text)).await;
            assert!(matches!(saved, Ok(Reply::ReflectionSaved { .. })), "{saved:?}");
        }
        // One more is refused, and the refusal states the limit.
        let refused = e.handle(reflect("w0", &format!("{decomposed}!"))).await.unwrap_err().into_user().unwrap();
        assert_eq!(refused.in_language(Language::Nl), "Je reflectie is 281 tekens; de grens is 280.");
        assert_eq!(refused.in_language(Language::En), "Your reflection is 281 characters; the limit is 280.");
        let stored = crate::support::count(&store, "SELECT COUNT(*) FROM reflections").await;
        assert_eq!(stored, 2);
    };

    klik_on_an_ended_pairing_says_when_it_ended => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(1);
        r.people.push(person("w9", Role::Wpb, Some("team")));
        store.import_roster(&r).await.unwrap();
        // roster(1) pairs w0 and s0 until 10 July 2027.
        let e = engine(store.clone(), RecordingChat::new(), VirtualClock::new(at("2027-08-20 10:00")));
        let want_nl = "Je koppeling is afgelopen op 10-07-2027; een klik kun je geven zolang een koppeling loopt.";
        let want_en = "Your pairing ended on 10-07-2027; you can give a klik while a pairing is running.";
        for event in [klik("w0", Some("s0")), klik("w0", None), student_klik("s0")] {
            let refused = e.handle(event.clone()).await.unwrap_err().into_user().unwrap();
            assert_eq!(refused.in_language(Language::Nl), want_nl, "{event:?}");
            assert_eq!(refused.in_language(Language::En), want_en, "{event:?}");
        }
        // A wpb who never had a pairing still hears there is none running.
        let refused = e.handle(klik("w9", None)).await.unwrap_err().into_user().unwrap();
        assert_eq!(refused.in_language(Language::Nl), "Er loopt nu geen koppeling.");
        // Nothing was stored.
        assert_eq!(crate::support::count(&store, "SELECT COUNT(*) FROM klik_signals").await, 0);
    };
}
