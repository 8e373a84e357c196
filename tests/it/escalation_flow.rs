//! Klik signals through the engine: graded follow-up, escalation with its summary, who is
//! told what, acknowledgement and the one reminder, and who may signal at all.

use crate::on_both_backends;
use crate::support::{TestDb, at, engine, roster, run_until};
use wandelgang::app::inbox::{
    EscalationAction, Inbound, ReflectionTarget, Refusal, Reply, Sender, UserError,
};
use wandelgang::app::messages::{Message, OutboundMessage};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::domain::authz::Denied;
use wandelgang::domain::klik::{KlikError, SignalSource};
use wandelgang::domain::reflection::ReflectionError;
use wandelgang::domain::roster::Role;

fn klik(from: &str, value: &str) -> Inbound {
    Inbound::Klik {
        from: Sender::Chat(format!("test:{from}")),
        student: None,
        value: value.into(),
    }
}

fn to<'a>(msgs: &'a [OutboundMessage], who: &str) -> Vec<&'a OutboundMessage> {
    msgs.iter()
        .filter(|m| m.to.person.as_str() == who)
        .collect()
}

on_both_backends! {
    student_signal_escalates_without_reaching_the_wpb => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 09:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        // The wpb doubts: a gentle follow-up question, no escalation yet.
        assert!(matches!(e.handle(klik("w0", "twijfel")).await, Ok(Reply::KlikSaved { .. })));
        e.tick().await.unwrap();
        let msgs = chat.delivered();
        assert!(matches!(to(&msgs, "w0")[..], [m] if matches!(m.body, Message::KlikFollowUp { .. })));
        assert!(to(&msgs, "so").is_empty());
        // A week later the student confidentially says geen klik: the pattern is complete.
        clock.set(at("2026-10-12 19:30"));
        let reply = e.handle(klik("s0", "geen klik")).await.unwrap();
        assert_eq!(reply, Reply::KlikSaved { with: "Naam w0".into(), value: wandelgang::domain::klik::KlikValue::GeenKlik, confidential: true });
        e.tick().await.unwrap();
        let msgs = chat.delivered();
        let so = to(&msgs, "so");
        assert_eq!(so.len(), 1);
        let Message::Escalation(summary) = &so[0].body else { panic!("expected an escalation, got {:?}", so[0].body) };
        assert_eq!(summary.timeline.len(), 2);
        assert_eq!(summary.timeline[1].source, SignalSource::Student);
        assert!(summary.shared_reflections.is_empty());
        // The wpb hears nothing of it: only the earlier follow-up reached them.
        assert_eq!(to(&msgs, "w0").len(), 1);
        assert!(to(&msgs, "s0").is_empty());
        // More signals while it is open add no second escalation.
        e.handle(klik("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        assert_eq!(to(&chat.delivered(), "so").len(), 1);
        assert_eq!(store.escalations().await.unwrap().len(), 1);
    };

    wpb_pattern_tells_the_wpb_and_reminds_once => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-07 10:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        let shared = e.handle(Inbound::Reflection { from: Sender::Chat("test:w0".into()), text: "We praten langs elkaar heen".into(), target: ReflectionTarget::FreeStanding, share: true }).await;
        assert!(matches!(shared, Ok(Reply::ReflectionSaved { linked: false, shared: true, .. })));
        e.handle(Inbound::Reflection { from: Sender::Chat("test:w0".into()), text: "Privé gedachte".into(), target: ReflectionTarget::FreeStanding, share: false }).await.unwrap();
        e.handle(klik("w0", "geen klik")).await.unwrap();
        clock.set(at("2026-10-09 15:20"));
        e.handle(klik("w0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        let msgs = chat.delivered();
        let Message::Escalation(summary) = &to(&msgs, "so")[0].body else { panic!() };
        assert_eq!(summary.shared_reflections.len(), 1, "only shared reflections belong in the summary");
        assert_eq!(summary.shared_reflections[0].text, "We praten langs elkaar heen");
        assert!(to(&msgs, "w0").iter().any(|m| matches!(m.body, Message::WpbEscalationNotice { .. })));
        // Three school days later (Wednesday 14 October) one reminder; never a second.
        run_until(&e, &clock, at("2026-10-09 15:30"), at("2026-10-20 16:00"), 30).await;
        let reminders = to(&chat.delivered(), "so").into_iter().filter(|m| matches!(m.body, Message::EscalationReminder { .. })).count();
        assert_eq!(reminders, 1);
        let id = store.escalations().await.unwrap()[0].id;
        let ack = e.handle(Inbound::Escalation { from: Sender::Chat("test:so".into()), escalation_id: id, action: EscalationAction::Acknowledge }).await;
        assert!(matches!(ack, Ok(Reply::EscalationUpdated { .. })));
    };

    acknowledged_escalations_get_no_reminder => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let chat = RecordingChat::new();
        let e = engine(store.clone(), chat.clone(), clock.clone());
        e.handle(klik("s0", "geen klik")).await.unwrap();
        e.handle(klik("s0", "geen klik")).await.unwrap();
        e.tick().await.unwrap();
        let id = store.escalations().await.unwrap()[0].id;
        // A wpb cannot act on it: the table keeps escalations for the schoolopleider.
        let refused = e.handle(Inbound::Escalation { from: Sender::Chat("test:w0".into()), escalation_id: id, action: EscalationAction::Resolve }).await;
        assert_eq!(refused, Err(Refusal::User(UserError::Denied(Denied::NotForRole { meant_for: Some(Role::Schoolopleider) }))));
        e.handle(Inbound::Escalation { from: Sender::Chat("test:so".into()), escalation_id: id, action: EscalationAction::Acknowledge }).await.unwrap();
        run_until(&e, &clock, at("2026-10-05 10:10"), at("2026-10-14 16:00"), 60).await;
        assert!(!chat.delivered().iter().any(|m| matches!(m.body, Message::EscalationReminder { .. })));
        e.handle(Inbound::Escalation { from: Sender::Chat("test:so".into()), escalation_id: id, action: EscalationAction::Move }).await.unwrap();
        let again = e.handle(Inbound::Escalation { from: Sender::Chat("test:so".into()), escalation_id: id, action: EscalationAction::Resolve }).await;
        assert_eq!(again, Err(Refusal::User(UserError::EscalationClosed)));
    };

    only_the_pairings_own_people_may_signal => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        let other = e.handle(Inbound::Klik { from: Sender::Chat("test:w1".into()), student: Some(crate::support::pid("s0")), value: "geen klik".into() }).await;
        assert_eq!(other, Err(Refusal::User(UserError::Klik(KlikError::NotYourPairing))));
        assert_eq!(e.handle(klik("so", "goed")).await, Err(Refusal::User(UserError::Denied(Denied::NotForRole { meant_for: Some(Role::Wpb) }))));
        assert_eq!(e.handle(klik("nobody", "goed")).await, Err(Refusal::User(UserError::UnknownSender)));
        assert!(matches!(e.handle(klik("w0", "wat?")).await, Err(Refusal::User(UserError::Klik(KlikError::UnknownValue(_))))));
        // Nothing was stored by the refusals.
        let (pairing, _) = store.pairings_of(&crate::support::pid("w0")).await.unwrap().remove(0);
        assert!(store.signals_of(pairing.clone(), 10).await.unwrap().is_empty());
        // Before the placement starts nobody can signal for it.
        clock.set(at("2025-12-20 10:00"));
        assert_eq!(e.handle(klik("w0", "goed")).await, Err(Refusal::User(UserError::NoActivePairing)));
        clock.set(at("2026-10-05 10:00"));
        assert!(e.handle(klik("s0", "goed")).await.is_ok());
        assert_eq!(store.signals_of(pairing, 10).await.unwrap().len(), 1);
    };

    reflections_are_one_clean_line => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let clock = VirtualClock::new(at("2026-10-05 10:00"));
        let e = engine(store.clone(), RecordingChat::new(), clock.clone());
        let reflect = |text: String| Inbound::Reflection { from: Sender::Chat("test:w0".into()), text, target: ReflectionTarget::LatestOpenPrompt, share: false };
        assert_eq!(e.handle(reflect("x".repeat(281))).await, Err(Refusal::User(UserError::Reflection(ReflectionError::TooLong { limit: 280, length: 281 }))));
        assert_eq!(e.handle(reflect(" \n\t ".into())).await, Err(Refusal::User(UserError::Reflection(ReflectionError::Empty))));
        assert!(e.handle(reflect("y".repeat(280))).await.is_ok());
        e.handle(reflect("Samen   gelachen\n@everyone 👩‍🏫 abc\u{202E}def".into())).await.unwrap();
        let stored = store.reflections_of(&crate::support::pid("w0"), false, at("2026-01-01 00:00")).await.unwrap();
        assert_eq!(stored.len(), 2);
        assert_eq!(stored[1].text, "Samen gelachen @everyone 👩‍🏫 abcdef");
        // A student has no reflections.
        let student = e.handle(Inbound::Reflection { from: Sender::Chat("test:s0".into()), text: "hoi".into(), target: ReflectionTarget::FreeStanding, share: false }).await;
        assert!(matches!(student, Err(Refusal::User(UserError::Denied(_)))), "{student:?}");
    };
}
