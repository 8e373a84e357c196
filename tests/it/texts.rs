//! What people read, through the engine: one language whole (never half of a split string),
//! and within the platform's limit without losing what a person acts on.

use crate::on_both_backends;
use crate::support::{TestDb, at, engine, roster};
use wandelgang::app::inbox::{Inbound, ReflectionTarget, Sender};
use wandelgang::app::messages::Message;
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::chat::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use wandelgang::domain::language::Language;

fn ctx(language: Language) -> RenderContext {
    RenderContext {
        language,
        tz: chrono_tz::Europe::Amsterdam,
        max_chars: DEFAULT_MAX_CHARS,
    }
}

fn from(who: &str) -> Sender {
    Sender::Chat(format!("test:{who}"))
}

on_both_backends! {
    // A typed klik value holding " / " used to be split as if it were the language separator:
    // the Dutch answer stopped mid-sentence and the English one began with Dutch.
    a_refusal_quoting_a_slash_comes_out_whole_in_each_language => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let e = engine(store, RecordingChat::new(), VirtualClock::new(at("2026-10-05 09:00")));
        let refused = e
            .handle(Inbound::Klik { from: from("w0"), student: None, value: "goed / slecht".into() })
            .await
            .unwrap_err()
            .into_user()
            .unwrap();
        assert_eq!(
            render::user_error(&refused, &ctx(Language::Nl)),
            "Onbekende klik `goed / slecht`: kies goed, twijfel of geen klik."
        );
        assert_eq!(
            render::user_error(&refused, &ctx(Language::En)),
            "Unknown klik `goed / slecht`: choose good, doubt or no click."
        );
    };

    // Many long shared reflections used to push the next steps and the action line past the
    // 2,000 characters, where the cut took them off.
    an_escalation_with_many_shared_reflections_keeps_its_action_line => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 09:00"));
        let chat = RecordingChat::new();
        let e = engine(store, chat.clone(), clock.clone());
        for i in 0..15 {
            clock.set(at(&format!("2026-10-{:02} 10:00", 1 + i)));
            let text = format!("Reflectie {i:02}: {}", "lang verhaal ".repeat(20).trim());
            e.handle(Inbound::Reflection {
                from: from("w0"),
                text,
                target: ReflectionTarget::FreeStanding,
                share: true,
            })
            .await
            .unwrap();
        }
        clock.set(at("2026-10-15 11:00"));
        e.handle(Inbound::Klik { from: from("w0"), student: None, value: "geen klik".into() }).await.unwrap();
        clock.set(at("2026-10-15 12:00"));
        e.handle(Inbound::Klik { from: from("w0"), student: None, value: "geen klik".into() }).await.unwrap();
        e.tick().await.unwrap();
        let delivered = chat.delivered();
        let escalation = delivered
            .iter()
            .find(|m| matches!(m.body, Message::Escalation(_)))
            .expect("an escalation to the schoolopleider");
        let Message::Escalation(summary) = &escalation.body else { unreachable!() };
        assert_eq!(summary.shared_reflections.len(), 15);
        for (language, action, note) in [
            (Language::Nl, "Acties: ik pak het op · opgelost · overplaatsing", "eerdere gedeelde reflecties)"),
            (Language::En, "Actions: I'll pick it up · resolved · move", "earlier shared reflections)"),
        ] {
            let text = render::message(&escalation.body, &ctx(language));
            assert!(text.chars().count() <= DEFAULT_MAX_CHARS, "{}", text.chars().count());
            assert!(text.ends_with(action), "{text}");
            assert!(text.contains(note), "{text}");
            assert!(text.contains("Reflectie 14:"), "the newest shared reflection stays: {text}");
            assert!(!text.contains("Reflectie 00:"), "the oldest goes first: {text}");
        }
    };
}
