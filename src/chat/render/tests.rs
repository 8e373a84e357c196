//! Every message, reply and refusal in one language only, within the limit at any budget.

use super::*;
use crate::app::inbox::{EscalationAction, UserError};
use crate::app::messages::{EscalationSummary, SharedReflection, StudentRef, TimelineEntry};
use crate::app::on_demand::PromptRefusal;
use crate::domain::addressing::NamingError;
use crate::domain::authz::Denied;
use crate::domain::escalation::Trigger;
use crate::domain::intervisie::{Phase, RefuseReason};
use crate::domain::klik::{KlikError, KlikValue, SignalSource};
use crate::domain::language::assert_only;
use crate::domain::reflection::ReflectionError;
use crate::domain::roster::{PersonId, Role, RosterConflict, SchoolId};
use crate::store::{
    AuditEntry, EscalationStatus, ForgetReport, ImportSummary, OpenEscalation, RetentionReport,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

const BOTH: [Language; 2] = [Language::Nl, Language::En];

fn ctx(language: Language, max_chars: usize) -> RenderContext {
    RenderContext {
        language,
        tz: chrono_tz::Europe::Amsterdam,
        max_chars,
    }
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 10, day).unwrap()
}

fn summary(reflections: Vec<SharedReflection>) -> EscalationSummary {
    EscalationSummary {
        escalation_id: 7,
        school: "Lyceum".into(),
        wpb: "Anna".into(),
        student: "Bram".into(),
        pairing_start: date(1),
        since: at(5, 9),
        triggers: vec![
            Trigger::ConsecutiveGeenKlik {
                source: Some(SignalSource::Wpb),
            },
            Trigger::ConsecutiveGeenKlik {
                source: Some(SignalSource::Student),
            },
            Trigger::ConsecutiveGeenKlik { source: None },
            Trigger::NegativeMajority { negative: 3, of: 4 },
            Trigger::StudentAndWpb { days: 0 },
            Trigger::StudentAndWpb { days: 1 },
            Trigger::StudentAndWpb { days: 2 },
        ],
        timeline: vec![
            TimelineEntry {
                at: at(5, 9),
                source: SignalSource::Wpb,
                value: KlikValue::Twijfel,
            },
            TimelineEntry {
                at: at(6, 9),
                source: SignalSource::Student,
                value: KlikValue::GeenKlik,
            },
            TimelineEntry {
                at: at(7, 9),
                source: SignalSource::Wpb,
                value: KlikValue::Goed,
            },
        ],
        shared_reflections: reflections,
    }
}

fn reflection(day: u32, text: String) -> SharedReflection {
    SharedReflection {
        at: at(day, 10),
        text,
    }
}

/// One sample of every message kind (every phase where a phase changes the words).
fn every_message() -> Vec<Message> {
    let mut all = vec![
        Message::Prompt {
            prompt_id: "p1".into(),
            text: "Q1?".into(),
            students: vec![
                StudentRef {
                    id: PersonId::from_trusted("s1"),
                    name: "Bram".into(),
                },
                StudentRef {
                    id: PersonId::from_trusted("s2"),
                    name: "Sam".into(),
                },
            ],
        },
        Message::Reminder { text: "Q1?".into() },
        Message::KlikFollowUp {
            student: "Bram".into(),
        },
        Message::Escalation(summary(vec![reflection(6, "X1".into())])),
        Message::Escalation(summary(vec![])),
        Message::EscalationReminder {
            escalation_id: 7,
            wpb: "Anna".into(),
            student: "Bram".into(),
        },
        Message::WpbEscalationNotice {
            student: "Bram".into(),
        },
        Message::Unreachable { wpb: "Anna".into() },
        Message::Digest(Box::new(sample_figures("Anna", 2))),
        Message::Digest(Box::new(sample_figures("Anna", 0))),
        Message::Terugblik(Box::new(sample_terugblik(3))),
        Message::Terugblik(Box::new(sample_terugblik(0))),
        Message::IntervisieCall {
            team: "Team A".into(),
        },
        // Without the question's language recorded, the recipient's language is used.
        Message::IntervisieHint {
            thread: 3,
            suggestion: "H1".into(),
            language: None,
        },
    ];
    for phase in Phase::ALL {
        all.push(Message::IntervisiePhase {
            thread: 3,
            phase,
            due: at(9, 15),
            case: (phase == Phase::Inbreng).then(|| "C1".into()),
            owner: "Anna".into(),
        });
        for to_owner in [false, true] {
            all.push(Message::IntervisieReminder {
                thread: 3,
                phase,
                to_owner,
            });
        }
        all.push(Message::IntervisiePointer { thread: 3, phase });
    }
    for (takeaway, owner_left) in [(Some("T1".to_string()), false), (None, true)] {
        all.push(Message::IntervisieClosed {
            thread: 3,
            participants: 4,
            posts: 9,
            takeaway,
            owner_left,
        });
    }
    all
}

/// Fails to compile when a message kind is added, so `every_message` is kept complete.
fn message_kind(m: &Message) -> usize {
    match m {
        Message::Prompt { .. } => 0,
        Message::Reminder { .. } => 1,
        Message::KlikFollowUp { .. } => 2,
        Message::Escalation(_) => 3,
        Message::EscalationReminder { .. } => 4,
        Message::WpbEscalationNotice { .. } => 5,
        Message::Unreachable { .. } => 6,
        Message::IntervisiePhase { .. } => 7,
        Message::IntervisieReminder { .. } => 8,
        Message::IntervisieHint { .. } => 9,
        Message::IntervisiePointer { .. } => 10,
        Message::IntervisieCall { .. } => 11,
        Message::IntervisieClosed { .. } => 12,
        Message::Digest(_) => 13,
        Message::Terugblik(_) => 14,
    }
}
const MESSAGE_KINDS: usize = 15;

/// A school's figures with every risk list filled (`per_list` entries each, names as given)
/// and a suppressed klik cell.
pub(super) fn sample_figures(name: &str, per_list: usize) -> crate::domain::digest::DigestFigures {
    use crate::domain::digest::*;
    use crate::domain::schedule::{DateRange, SchoolCalendar};
    let calendar = SchoolCalendar::amsterdam_default();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    let wpbs: Vec<WpbFact> = (0..per_list.max(1))
        .map(|i| WpbFact {
            id: format!("w{i}"),
            name: format!("{name} {i}"),
            team: Some("t".into()),
            pauses: vec![],
        })
        .collect();
    let pairings = (0..per_list)
        .map(|i| PairingFact {
            wpb: format!("w{i}"),
            student: format!("s{i}"),
            student_name: format!("{name} student {i}"),
            dates: DateRange {
                start: d("2026-09-01"),
                end: d("2026-12-04"),
            },
        })
        .collect();
    let prompts = (0..per_list)
        .flat_map(|i| {
            (0..5).map(move |k| PromptFact {
                wpb: format!("w{i}"),
                sent: d("2026-10-26") + chrono::Duration::days(7 * k),
                answered: false,
            })
        })
        .collect();
    let signals = vec![SignalFact {
        wpb: "w0".into(),
        student: "s0".into(),
        at: d("2026-11-24"),
        value: KlikValue::GeenKlik,
        source: SignalSource::Student,
    }];
    let escalations = (0..per_list)
        .map(|i| EscalationFact {
            id: i as i64 + 1,
            wpb: format!("w{i}"),
            student_name: format!("{name} student {i}"),
            picked_up: i % 2 == 1,
            opened: d("2026-11-16"),
        })
        .collect();
    figures(&DigestInput {
        calendar: &calendar,
        until: d("2026-11-29"),
        today: d("2026-11-30"),
        weeks: 10,
        thresholds: Thresholds::default(),
        facts: DigestFacts {
            school: format!("{name} school"),
            teams: vec![TeamFact {
                id: "t".into(),
                name: format!("{name} team"),
            }],
            wpbs,
            prompts,
            reflections: vec![],
            signals,
            pairings,
            escalations,
            threads: vec![ThreadFact {
                team: "t".into(),
                opened: d("2026-11-24"),
                participants: 4,
            }],
        },
    })
}

/// A terugblik with `n` reflections and the wpb's own klik about one student.
fn sample_terugblik(n: u32) -> crate::app::messages::Terugblik {
    crate::app::messages::Terugblik {
        from: date(1),
        until: date(30),
        reflections: (0..n)
            .map(|i| reflection(i % 28 + 1, format!("X{i}")))
            .collect(),
        klik: vec![crate::app::messages::StudentKlik {
            student: "Bram".into(),
            signals: vec![(date(3), KlikValue::Twijfel), (date(10), KlikValue::Goed)],
        }],
    }
}

fn every_reply() -> Vec<Reply> {
    let mut all = vec![];
    for (linked, shared) in [(true, false), (false, true)] {
        all.push(Reply::ReflectionSaved {
            id: 1,
            linked,
            shared,
        });
    }
    for value in [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik] {
        for confidential in [false, true] {
            all.push(Reply::KlikSaved {
                with: "Bram".into(),
                value,
                confidential,
            });
        }
    }
    all.extend([
        Reply::ReflectionShared { id: 1 },
        Reply::Paused { until: date(20) },
        Reply::Resumed,
        Reply::Exported {
            file_name: "x1.json".into(),
            json: "{}".into(),
        },
        Reply::ForgetConfirm {
            reflections: 1,
            signals: 2,
            prompts: 3,
        },
        Reply::Forgotten,
        Reply::IntervisieStarted { thread: 3 },
        Reply::IntervisiePosted,
        Reply::IntervisieTakeawaySaved,
        Reply::Paired {
            wpb: "Anna".into(),
            student: "Bram".into(),
            start: date(1),
            end: date(30),
        },
        Reply::Unpaired {
            wpb: "Anna".into(),
            student: "Bram".into(),
            end: date(30),
        },
        Reply::Escalations(vec![]),
        Reply::Overview(Box::new(sample_figures("Anna", 1))),
        Reply::DigestSwitched { on: true },
        Reply::DigestSwitched { on: false },
        Reply::Terugblik(Box::new(sample_terugblik(2))),
        Reply::RosterImported(ImportSummary {
            schools: 1,
            teams: 2,
            people: 3,
            pairings: 4,
        }),
        Reply::PersonExported {
            file_name: "x1.json".into(),
            json: "{}".into(),
        },
        Reply::PersonForgotten(ForgetReport::default()),
        Reply::RetentionDone(RetentionReport::default()),
        Reply::AuditLog(vec![AuditEntry {
            id: 1,
            at: at(5, 9),
            actor: "a1".into(),
            action: "export".into(),
            subject: "s1".into(),
            school: None,
            detail: None,
        }]),
        Reply::PromptQueued {
            in_place_of: Some(at(5, 9)),
        },
        Reply::PromptQueued { in_place_of: None },
    ]);
    for action in [
        EscalationAction::Acknowledge,
        EscalationAction::Resolve,
        EscalationAction::Move,
    ] {
        all.push(Reply::EscalationUpdated { id: 7, action });
    }
    for phase in Phase::ALL {
        all.push(Reply::IntervisieAdvanced { phase });
    }
    for school_default in [false, true] {
        all.push(Reply::RhythmSet {
            per_week: 2,
            school_default,
        });
    }
    for (reminder, changed) in [(true, false), (false, true)] {
        all.push(Reply::SchoolSettings {
            per_week: 2,
            reminder,
            changed,
        });
    }
    for status in [
        EscalationStatus::Open,
        EscalationStatus::Acknowledged,
        EscalationStatus::Resolved,
        EscalationStatus::Moved,
    ] {
        all.push(Reply::Escalations(vec![OpenEscalation {
            id: 7,
            wpb: "Anna".into(),
            student: "Bram".into(),
            status,
            since: at(5, 9),
        }]));
    }
    all
}

fn reply_kind(r: &Reply) -> usize {
    match r {
        Reply::ReflectionSaved { .. } => 0,
        Reply::KlikSaved { .. } => 1,
        Reply::ReflectionShared { .. } => 2,
        Reply::Paused { .. } => 3,
        Reply::Resumed => 4,
        Reply::EscalationUpdated { .. } => 5,
        Reply::Exported { .. } => 6,
        Reply::ForgetConfirm { .. } => 7,
        Reply::Forgotten => 8,
        Reply::IntervisieStarted { .. } => 9,
        Reply::IntervisiePosted => 10,
        Reply::IntervisieAdvanced { .. } => 11,
        Reply::IntervisieTakeawaySaved => 12,
        Reply::RhythmSet { .. } => 13,
        Reply::Paired { .. } => 14,
        Reply::Unpaired { .. } => 15,
        Reply::Escalations(_) => 16,
        Reply::Overview { .. } => 17,
        Reply::SchoolSettings { .. } => 18,
        Reply::RosterImported(_) => 19,
        Reply::PersonExported { .. } => 20,
        Reply::PersonForgotten(_) => 21,
        Reply::RetentionDone(_) => 22,
        Reply::AuditLog(_) => 23,
        Reply::PromptQueued { .. } => 24,
        Reply::DigestSwitched { .. } => 25,
        Reply::Terugblik(_) => 26,
    }
}
const REPLY_KINDS: usize = 27;

fn every_user_error() -> Vec<UserError> {
    let mut all = vec![
        UserError::UnknownSender,
        UserError::NoActivePairing,
        UserError::NoPlacementYet,
        UserError::WhichStudent(vec!["Bram".into(), "Sam".into()]),
        UserError::ReflectionNotFound,
        UserError::EscalationNotFound,
        UserError::EscalationClosed,
        UserError::DateInPast,
        UserError::PersonNotFound,
        UserError::NoOpenIntervisie,
        UserError::IntervisieAlreadyOpen,
        UserError::RhythmOutOfRange,
        UserError::NotAPairing,
        UserError::PairingOverlaps,
        UserError::EndBeforeStart,
        UserError::PairingEnded {
            end: NaiveDate::from_ymd_opt(2027, 7, 10).expect("date"),
        },
        UserError::EscalationOfOtherSchool,
        UserError::RosterRefused(vec![RosterConflict::NoSchoolopleider {
            school: SchoolId::parse("x1").expect("id"),
            moved: None,
        }]),
        UserError::Reflection(ReflectionError::Empty),
        UserError::Reflection(ReflectionError::TooLong {
            limit: 280,
            length: 300,
        }),
        UserError::Klik(KlikError::NotYourPairing),
        UserError::Klik(KlikError::PairingInactive),
        UserError::Klik(KlikError::UnknownValue("x1".into())),
        UserError::PromptNow(PromptRefusal::NotAWpb),
        UserError::PromptNow(PromptRefusal::NoChatAddress),
        UserError::PromptNow(PromptRefusal::Paused { until: date(20) }),
        UserError::PromptNow(PromptRefusal::NoSchoolDay),
        UserError::PromptNow(PromptRefusal::AlreadyToday { again: date(6) }),
        UserError::Naming(NamingError::NotInSchool("x1".into())),
        UserError::Naming(NamingError::Ambiguous {
            named: "Sam".into(),
            ids: vec!["s1".into(), "s2".into()],
        }),
        UserError::Naming(NamingError::NoChatAddress {
            name: "Fatima".into(),
        }),
    ];
    for reason in [
        RefuseReason::Closed,
        RefuseReason::NotInTeam,
        RefuseReason::NotCaseOwner,
        RefuseReason::NotTakeawayPhase,
        RefuseReason::EmptyText,
    ] {
        all.push(UserError::Intervisie(reason));
    }
    for denied in [
        Denied::OtherSchool,
        Denied::NotYours,
        Denied::NotYourPairing,
        Denied::NotInTeam,
        Denied::NotCaseOwner,
        Denied::WrongTarget,
    ] {
        all.push(UserError::Denied(denied));
    }
    for meant_for in [
        None,
        Some(Role::Admin),
        Some(Role::Schoolopleider),
        Some(Role::Wpb),
        Some(Role::Student),
    ] {
        all.push(UserError::Denied(Denied::NotForRole { meant_for }));
    }
    all
}

/// Every variant, nested ones included, mapped to a distinct number; adding a variant
/// anywhere stops this compiling until the list above has a sample of it.
fn user_error_kind(e: &UserError) -> usize {
    match e {
        UserError::UnknownSender => 0,
        UserError::NoActivePairing => 1,
        UserError::WhichStudent(_) => 2,
        UserError::ReflectionNotFound => 3,
        UserError::EscalationNotFound => 4,
        UserError::EscalationClosed => 5,
        UserError::DateInPast => 6,
        UserError::PersonNotFound => 7,
        UserError::NoOpenIntervisie => 8,
        UserError::IntervisieAlreadyOpen => 9,
        UserError::RhythmOutOfRange => 10,
        UserError::NotAPairing => 11,
        UserError::PairingOverlaps => 12,
        UserError::EndBeforeStart => 13,
        UserError::Reflection(ReflectionError::Empty) => 14,
        UserError::Reflection(ReflectionError::TooLong { .. }) => 15,
        UserError::Klik(KlikError::NotYourPairing) => 16,
        UserError::Klik(KlikError::PairingInactive) => 17,
        UserError::Klik(KlikError::UnknownValue(_)) => 18,
        UserError::Intervisie(RefuseReason::Closed) => 19,
        UserError::Intervisie(RefuseReason::NotInTeam) => 20,
        UserError::Intervisie(RefuseReason::NotCaseOwner) => 21,
        UserError::Intervisie(RefuseReason::NotTakeawayPhase) => 22,
        UserError::Intervisie(RefuseReason::EmptyText) => 23,
        UserError::Denied(Denied::OtherSchool) => 24,
        UserError::Denied(Denied::NotYours) => 25,
        UserError::Denied(Denied::NotYourPairing) => 26,
        UserError::Denied(Denied::NotInTeam) => 27,
        UserError::Denied(Denied::NotCaseOwner) => 28,
        UserError::Denied(Denied::WrongTarget) => 29,
        UserError::Denied(Denied::NotForRole { .. }) => 30,
        UserError::PairingEnded { .. } => 31,
        UserError::EscalationOfOtherSchool => 32,
        UserError::RosterRefused(_) => 33,
        UserError::PromptNow(PromptRefusal::NotAWpb) => 34,
        UserError::PromptNow(PromptRefusal::NoChatAddress) => 35,
        UserError::PromptNow(PromptRefusal::Paused { .. }) => 36,
        UserError::PromptNow(PromptRefusal::NoSchoolDay) => 37,
        UserError::PromptNow(PromptRefusal::AlreadyToday { .. }) => 38,
        UserError::Naming(NamingError::NotInSchool(_)) => 39,
        UserError::Naming(NamingError::Ambiguous { .. }) => 40,
        UserError::Naming(NamingError::NoChatAddress { .. }) => 41,
        UserError::NoPlacementYet => 42,
    }
}
const USER_ERROR_KINDS: usize = 43;

fn covers<T>(samples: &[T], kind: impl Fn(&T) -> usize, kinds: usize) {
    let mut seen = vec![false; kinds];
    for s in samples {
        seen[kind(s)] = true;
    }
    let missing: Vec<usize> = (0..kinds).filter(|k| !seen[*k]).collect();
    assert!(missing.is_empty(), "no sample for kind(s) {missing:?}");
}

#[test]
fn every_message_reply_and_refusal_is_in_one_language_only() {
    let (messages, replies, errors) = (every_message(), every_reply(), every_user_error());
    covers(&messages, message_kind, MESSAGE_KINDS);
    covers(&replies, reply_kind, REPLY_KINDS);
    covers(&errors, user_error_kind, USER_ERROR_KINDS);
    for language in BOTH {
        let c = ctx(language, DEFAULT_MAX_CHARS);
        for m in &messages {
            assert_only(language, &message(m, &c));
        }
        for r in &replies {
            assert_only(language, &reply(r, &c));
        }
        for e in &errors {
            assert_only(language, &user_error(e, &c));
        }
        assert_only(language, &fault(language));
    }
}

#[test]
fn a_hint_is_wholly_in_the_language_of_the_question() {
    for (recipient, question) in [(Language::Nl, Language::En), (Language::En, Language::Nl)] {
        let text = message(
            &Message::IntervisieHint {
                thread: 3,
                suggestion: "H1".into(),
                language: Some(question),
            },
            &ctx(recipient, DEFAULT_MAX_CHARS),
        );
        assert_only(question, &text);
    }
}

/// Outbox rows written before the hint's language was recorded still read and render.
#[test]
fn an_older_hint_row_renders_in_the_recipients_language() {
    let old: Message =
        serde_json::from_str(r#"{"type":"intervisie_hint","thread":3,"suggestion":"H1"}"#).unwrap();
    assert!(matches!(
        old,
        Message::IntervisieHint { language: None, .. }
    ));
    let text = message(&old, &ctx(Language::En, DEFAULT_MAX_CHARS));
    assert_eq!(text, "Intervisie #3: Thank you for your question! H1");
}

/// What people typed can hold " / " and `@everyone`; a refusal shows it whole and defused.
#[test]
fn a_refusal_quoting_what_was_typed_is_never_split() {
    let e = UserError::Klik(KlikError::UnknownValue("goed / @everyone".into()));
    let nl = user_error(&e, &ctx(Language::Nl, DEFAULT_MAX_CHARS));
    let en = user_error(&e, &ctx(Language::En, DEFAULT_MAX_CHARS));
    assert_eq!(
        nl,
        "Onbekende klik `goed / @\u{200B}everyone`: kies goed, twijfel of geen klik."
    );
    assert_eq!(
        en,
        "Unknown klik `goed / @\u{200B}everyone`: choose good, doubt or no click."
    );
}

fn long_reflections(n: u32) -> Vec<SharedReflection> {
    (0..n)
        .map(|i| reflection(1 + i % 28, format!("r{i:02} {}", "x".repeat(270))))
        .collect()
}

fn action_line(language: Language) -> &'static str {
    match language {
        Language::Nl => "Acties: ik pak het op · opgelost · overplaatsing",
        Language::En => "Actions: I'll pick it up · resolved · move",
    }
}

/// Small, exactly at the limit, one past it and far past it: the header, pattern, timeline,
/// next steps and action line stay; the oldest shared reflections go, and the note says so.
#[test]
fn an_escalation_keeps_what_to_act_on_and_drops_the_oldest_reflections() {
    for language in BOTH {
        let c = ctx(language, DEFAULT_MAX_CHARS);
        let without = message(&Message::Escalation(summary(vec![])), &c);
        let one = message(
            &Message::Escalation(summary(vec![reflection(6, "a".into())])),
            &c,
        );
        // Pad the single reflection so the whole message is exactly at the limit.
        let pad = DEFAULT_MAX_CHARS - char_count(&one);
        let exact = summary(vec![
            reflection(2, format!("older{}", "o".repeat(95))),
            reflection(6, format!("a{}", "b".repeat(pad - 140))),
        ]);
        let mut exact_len = char_count(&message(&Message::Escalation(exact.clone()), &c));
        let mut exact = exact;
        // Adjust to land exactly on the limit whatever the date line's length.
        while exact_len != DEFAULT_MAX_CHARS {
            let r = &mut exact.shared_reflections[1].text;
            if exact_len < DEFAULT_MAX_CHARS {
                r.push('b');
            } else {
                r.pop();
            }
            exact_len = char_count(&message(&Message::Escalation(exact.clone()), &c));
        }
        let mut past = exact.clone();
        past.shared_reflections[1].text.push('b');
        let far = summary(long_reflections(40));
        let note = |n: usize| match language {
            Language::Nl => format!("(+{n} eerdere gedeelde reflecties)"),
            Language::En => format!("(+{n} earlier shared reflections)"),
        };
        let cases: [(&str, EscalationSummary, Option<usize>); 4] = [
            ("small", summary(vec![reflection(6, "a".into())]), None),
            ("exact", exact, None),
            ("one past", past, Some(1)),
            ("far past", far, Some(0)),
        ];
        for (name, s, dropped) in cases {
            let text = message(&Message::Escalation(s.clone()), &c);
            assert!(
                char_count(&text) <= DEFAULT_MAX_CHARS,
                "{name}: {}",
                char_count(&text)
            );
            // Everything of the message without reflections is there, line for line.
            for line in without.lines() {
                if !line.contains(":") || !line.starts_with(['G', 'S']) {
                    assert!(text.contains(line), "{name}: lost `{line}`");
                }
            }
            assert!(text.ends_with(action_line(language)), "{name}: {text}");
            let newest = s.shared_reflections.last().unwrap();
            match dropped {
                None => {
                    assert!(!text.contains("(+"), "{name}");
                    for r in &s.shared_reflections {
                        assert!(text.contains(&r.text), "{name}");
                    }
                }
                Some(expected) => {
                    assert!(text.contains(&newest.text), "{name}: newest kept");
                    assert!(!text.contains(&s.shared_reflections[0].text), "{name}");
                    let shown = s
                        .shared_reflections
                        .iter()
                        .filter(|r| text.contains(&r.text))
                        .count();
                    let left_out = s.shared_reflections.len() - shown;
                    assert!(left_out >= expected.max(1));
                    assert!(text.contains(&note(left_out)), "{name}: {text}");
                }
            }
        }
        // Far past: kept reflections stay in order, oldest first, right after the note.
        let text = message(&Message::Escalation(summary(long_reflections(40))), &c);
        let positions: Vec<usize> = (0..40)
            .filter_map(|i| text.find(&format!("r{i:02} ")))
            .collect();
        assert!(positions.len() >= 2 && positions.windows(2).all(|w| w[0] < w[1]));
        assert!(text.contains("r39 "), "the newest stays");
    }
}

#[test]
fn an_escalation_with_huge_names_still_keeps_its_action_line() {
    let mut s = summary(long_reflections(5));
    s.wpb = "W".repeat(5000);
    s.student = "S".repeat(5000);
    s.school = "L".repeat(5000);
    for language in BOTH {
        for max in [DEFAULT_MAX_CHARS, 600] {
            let text = message(&Message::Escalation(s.clone()), &ctx(language, max));
            assert!(char_count(&text) <= max, "{max}: {}", char_count(&text));
            assert!(text.ends_with(action_line(language)), "{text}");
        }
    }
}

fn open_escalation(id: i64) -> OpenEscalation {
    OpenEscalation {
        id,
        wpb: format!("Anna {id}"),
        student: format!("Bram {id}"),
        status: EscalationStatus::Open,
        since: at(5, 9),
    }
}

/// Lists keep their head and as many entries as fit, then say how many more there are.
#[test]
fn lists_keep_their_head_and_say_how_many_more() {
    for language in BOTH {
        for max in [DEFAULT_MAX_CHARS, 300] {
            let c = ctx(language, max);
            let (head, more) = match language {
                Language::Nl => ("Openstaande escalaties:", "meer)"),
                Language::En => ("Open escalations:", "more)"),
            };
            let line_len = char_count(&reply(&Reply::Escalations(vec![open_escalation(10)]), &c))
                - char_count(head)
                - 1;
            let fitting = (max - char_count(head)) / (line_len + 1);
            for (name, n, cut) in [
                ("small", 2, false),
                ("at the limit", fitting, false),
                ("far past", 500, true),
            ] {
                let list: Vec<OpenEscalation> = (10..10 + n as i64).map(open_escalation).collect();
                let text = reply(&Reply::Escalations(list), &c);
                assert!(char_count(&text) <= max, "{name}: {}", char_count(&text));
                assert!(text.starts_with(head), "{name}");
                assert!(text.contains("#10 "), "{name}: the first entry stays");
                assert_eq!(text.ends_with(more), cut, "{name}: {text}");
                if cut {
                    let shown = text.lines().count() - 2;
                    assert!(text.ends_with(&format!("+{} {more}", n - shown)), "{text}");
                }
            }

            let entries: Vec<AuditEntry> = (0..500)
                .map(|i| AuditEntry {
                    id: i,
                    at: at(5, 9),
                    actor: format!("a{i}"),
                    action: "export".into(),
                    subject: format!("s{i}"),
                    school: None,
                    detail: None,
                })
                .collect();
            let text = reply(&Reply::AuditLog(entries), &c);
            assert!(char_count(&text) <= max);
            assert!(text.starts_with(match language {
                Language::Nl => "Auditlog (500):",
                Language::En => "Audit log (500):",
            }));
            assert!(text.ends_with(more), "{text}");
        }
    }
}

/// People's text in an intervisie message is shortened; the instruction never is.
#[test]
fn intervisie_messages_shorten_peoples_text_never_the_instruction() {
    for language in BOTH {
        for case_len in [10, 1500, 1950, 100_000] {
            let c = ctx(language, DEFAULT_MAX_CHARS);
            let phase = message(
                &Message::IntervisiePhase {
                    thread: 3,
                    phase: Phase::Inbreng,
                    due: at(9, 15),
                    case: Some("c".repeat(case_len)),
                    owner: "Anna".into(),
                },
                &c,
            );
            assert!(char_count(&phase) <= DEFAULT_MAX_CHARS, "{case_len}");
            let instruction = match language {
                Language::Nl => "Je kunt hier reageren tot ongeveer",
                Language::En => "You can reply here until about",
            };
            let last = phase.lines().last().unwrap();
            assert!(
                last.starts_with(instruction) && last.ends_with("17:00."),
                "{phase}"
            );
            assert!(phase.contains(Phase::Inbreng.purpose(language == Language::Nl)));

            let closed = message(
                &Message::IntervisieClosed {
                    thread: 3,
                    participants: 4,
                    posts: 9,
                    takeaway: Some("t".repeat(case_len)),
                    owner_left: true,
                },
                &c,
            );
            assert!(char_count(&closed) <= DEFAULT_MAX_CHARS, "{case_len}");
            assert!(
                closed.ends_with(Phase::Afgesloten.purpose(language == Language::Nl)),
                "{closed}"
            );
            assert!(closed.contains("4 "), "{closed}");
            if case_len <= 1500 {
                assert!(phase.contains(&"c".repeat(case_len)), "short enough: whole");
                assert!(closed.contains(&"t".repeat(case_len)));
            } else {
                assert!(phase.contains("c…”"), "{phase}");
                assert!(closed.contains("t…”"), "{closed}");
            }
        }
    }
}

#[test]
fn a_prompt_to_a_wpb_with_many_students_keeps_the_klik_question() {
    let students: Vec<StudentRef> = (0..60)
        .map(|i| StudentRef {
            id: PersonId::from_trusted(format!("s{i}")),
            name: format!("Student-{i}-{}", "n".repeat(40)),
        })
        .collect();
    for language in BOTH {
        let text = message(
            &Message::Prompt {
                prompt_id: "p1".into(),
                text: "Q1?".into(),
                students: students.clone(),
            },
            &ctx(language, DEFAULT_MAX_CHARS),
        );
        assert!(char_count(&text) <= DEFAULT_MAX_CHARS);
        assert!(text.starts_with("Q1?\n"), "{text}");
        assert!(text.ends_with(match language {
            Language::Nl => "? (goed, twijfel of geen klik)",
            Language::En => "? (good, doubt or no klik)",
        }));
    }
}

#[test]
fn which_student_with_many_names_stays_within_the_limit() {
    let names: Vec<String> = (0..400).map(|i| format!("Student {i}")).collect();
    for language in BOTH {
        let text = user_error(
            &UserError::WhichStudent(names.clone()),
            &ctx(language, DEFAULT_MAX_CHARS),
        );
        assert!(char_count(&text) <= DEFAULT_MAX_CHARS);
        assert!(text.starts_with(match language {
            Language::Nl => "Voor welke student? Student 0, ",
            Language::En => "For which student? Student 0, ",
        }));
    }
}

#[test]
fn every_rendering_stays_within_the_limit_at_any_budget() {
    let mut messages = every_message();
    messages.push(Message::Escalation(summary(long_reflections(30))));
    messages.push(Message::Digest(Box::new(sample_figures(
        &"Bartholomeus ".repeat(9),
        12,
    ))));
    messages.push(Message::Terugblik(Box::new(sample_terugblik(40))));
    for language in BOTH {
        for max in [120, 500, DEFAULT_MAX_CHARS] {
            let c = ctx(language, max);
            for m in &messages {
                assert!(char_count(&message(m, &c)) <= max, "{m:?}");
            }
            for r in every_reply() {
                assert!(char_count(&reply(&r, &c)) <= max, "{r:?}");
            }
        }
    }
}

#[test]
fn fit_never_breaks_a_grapheme_or_a_separator() {
    // A family emoji is one grapheme of seven code points; an accent may be a second one.
    let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
    let text = format!("ab{family}cd");
    for max in 3..=10 {
        let cut = fit(text.clone(), max);
        assert!(char_count(&cut) <= max, "{max}: {cut}");
        assert!(cut == text || cut == "ab…" || cut.starts_with(&format!("ab{family}")));
    }
    assert_eq!(fit("cafe\u{301}!".into(), 5), "caf…");
    assert_eq!(fit("cafe\u{301}!".into(), 6), "cafe\u{301}!");
    for max in 3..=9 {
        let cut = fit("een / two words".into(), max);
        let kept = cut.trim_end_matches('…');
        assert!(!kept.ends_with([' ', '/']), "{max}: `{cut}`");
    }
    assert_eq!(fit("een / two".into(), 6), "een…");
    assert_eq!(fit("abc".into(), 0), "");
    assert_eq!(fit("abc".into(), 1), "…");
    assert_eq!(fit("abc".into(), 3), "abc");
}

/// A digest stored in the outbox before the figures kept five entries per list (every entry,
/// no `left_out`) still reads after an upgrade, and shows what the new form shows.
#[test]
fn a_digest_stored_with_whole_risk_lists_reads_and_shows_the_same() {
    let kept = sample_figures("Anna", 8);
    assert_eq!(kept.quiet_pairings.len(), 5);
    assert_eq!(kept.left_out.quiet_pairings, 3);
    assert_eq!(kept.left_out.escalations, 3);
    let whole = {
        let mut f = sample_figures("Anna", 8);
        for i in 5..8i64 {
            let mut extra = f.quiet_pairings[4].clone();
            extra.wpb = format!("Anna {i}");
            f.quiet_pairings.push(extra);
            let mut extra = f.quiet_wpbs[4].clone();
            extra.wpb = format!("Anna {i}");
            f.quiet_wpbs.push(extra);
            let mut extra = f.ending[4].clone();
            extra.wpb = format!("Anna {i}");
            f.ending.push(extra);
            let mut extra = f.escalations[4].clone();
            extra.id = i + 1;
            f.escalations.push(extra);
        }
        let mut json = serde_json::to_value(&f).unwrap();
        json.as_object_mut().unwrap().remove("left_out");
        serde_json::to_string(&json).unwrap()
    };
    let old: crate::domain::digest::DigestFigures = serde_json::from_str(&whole).unwrap();
    assert_eq!(old.left_out, Default::default());
    for language in [Language::Nl, Language::En] {
        let ctx = ctx(language, 4000);
        let (new_text, old_text) = (
            digest_text(&kept, Occasion::Weekly, &ctx),
            digest_text(&old, Occasion::Weekly, &ctx),
        );
        assert_eq!(new_text, old_text);
        assert_eq!(new_text.matches("(+3 m").count(), 4, "{new_text}");
    }
}
