//! The store's contract, run against SQLite and PostgreSQL alike.

use chrono::{DateTime, Duration, Utc};

use crate::on_both_backends;
use crate::support::{TestDb, at, day, pid, roster};
use wandelgang::domain::escalation::{
    EscalationDecision, EscalationRules, SignalPoint, Trigger, WpbFacing,
};
use wandelgang::domain::klik::{KlikValue, SignalSource};
use wandelgang::domain::roster::Role;
use wandelgang::domain::schedule::{Cadence, DateRange};
use wandelgang::store::{
    EscalationStatus, Finish, NewOutbox, OutboxKind, OutboxRow, OutboxStatus, SchoolOverrides,
    SignalWrite, Store,
};

fn row(key: &str, to: &str, due: &str) -> NewOutbox {
    NewOutbox {
        key: key.into(),
        kind: OutboxKind::Prompt,
        recipient: pid(to),
        due_at: at(due),
        body: None,
        ref_id: None,
        channel_team: None,
        to_address: None,
    }
}

/// Claims what is due at `now` for `claimer`, with no prompt chosen, as the tick does in two
/// steps.
async fn claim_due(store: &Store, now: DateTime<Utc>, claimer: &str) -> Vec<OutboxRow> {
    let due = store.due_rows(now, 10).await.unwrap();
    let chosen: Vec<(i64, Option<String>)> = due.iter().map(|r| (r.id, None)).collect();
    store.claim(now, claimer, 60, &chosen).await.unwrap()
}

fn open_decision() -> EscalationDecision {
    EscalationDecision {
        escalate: Some(vec![Trigger::NegativeMajority { negative: 3, of: 5 }]),
        wpb: WpbFacing::Nothing,
    }
}

on_both_backends! {
    import_is_idempotent_and_round_trips => |db: TestDb| async move {
        let store = db.store().await;
        let r = roster(3);
        store.import_roster(&r).await.unwrap();
        store.import_roster(&r).await.unwrap();
        let back = store.roster().await.unwrap();
        assert_eq!(back.people.len(), r.people.len());
        assert_eq!(back.pairings.len(), 3);
        assert_eq!(store.schoolopleiders(&r.schools[0].id).await.unwrap().len(), 1);
        let w = store.person_by_chat("test:w1").await.unwrap().unwrap();
        assert_eq!((w.id.as_str(), w.role), ("w1", Role::Wpb));
        assert!(store.person_by_chat("test:nobody").await.unwrap().is_none());
    };

    a_failing_import_changes_nothing => |db: TestDb| async move {
        let store = db.store().await;
        let mut r = roster(2);
        // Two people on one chat address violates a unique constraint halfway through.
        r.people[4].chat = r.people[1].chat.clone();
        assert!(store.import_roster(&r).await.is_err());
        let back = store.roster().await.unwrap();
        assert!(back.schools.is_empty() && back.people.is_empty() && back.pairings.is_empty());
    };

    outbox_keys_are_unique => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        assert!(store.enqueue(&row("k1", "w0", "2026-10-05 10:00")).await.unwrap());
        assert!(!store.enqueue(&row("k1", "w0", "2026-10-06 10:00")).await.unwrap());
        let (stored, status) = store.outbox_by_key("k1").await.unwrap().unwrap();
        assert_eq!((stored.due_at, status), (at("2026-10-05 10:00"), OutboxStatus::Planned));
    };

    claims_take_only_due_rows_and_leases_expire => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        store.plan_slots(&[(pid("w0"), None)]).await.unwrap();
        store.enqueue(&row("due", "w0", "2026-10-05 10:00")).await.unwrap();
        store.enqueue(&row("later", "w0", "2026-10-05 12:00")).await.unwrap();
        let now = at("2026-10-05 10:30");
        let a = claim_due(&store, now, "a").await;
        assert_eq!(a.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["due"]);
        // Held by a: nobody else gets it while the lease runs.
        assert!(claim_due(&store, now + Duration::seconds(59), "b").await.is_empty());
        // After the lease, b takes it over, and a's late report is refused.
        let b = claim_due(&store, now + Duration::seconds(61), "b").await;
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].attempts, 2);
        let done = |id, next: &str| Finish {
            id,
            status: OutboxStatus::Sent,
            note: None,
            follow_ups: vec![row("follow", "w0", "2026-10-06 09:00")],
            next_slot: Some(row(next, "w0", "2026-10-07 10:00")),
            replan: None,
        };
        assert_eq!(store.finish_many("a", now, &[done(a[0].id, "next")]).await.unwrap(), [false]);
        assert!(store.outbox_by_key("next").await.unwrap().is_none(), "a lost claim must change nothing");
        assert_eq!(store.finish_many("b", now, &[done(b[0].id, "next")]).await.unwrap(), [true]);
        assert_eq!(store.outbox_by_key("next").await.unwrap().unwrap().1, OutboxStatus::Planned);
        assert!(store.plan_targets(10).await.unwrap().is_empty());
        // A next slot whose key was used before hands the wpb to the planner instead.
        let c = claim_due(&store, at("2026-10-05 12:00"), "c").await;
        assert_eq!(c[0].key, "later");
        assert_eq!(store.finish_many("c", now, &[done(c[0].id, "due")]).await.unwrap(), [true]);
        assert_eq!(store.plan_targets(10).await.unwrap().len(), 1);
        assert_eq!(store.outbox_by_key("due").await.unwrap().unwrap().1, OutboxStatus::Sent);
        assert_eq!(store.outbox_by_key("follow").await.unwrap().unwrap().1, OutboxStatus::Planned);
        // A sent row is never claimed again.
        assert!(claim_due(&store, at("2026-10-05 12:00"), "d").await.is_empty());
    };

    a_tick_reads_every_context_field_back_as_stored => |db: TestDb| async move {
        // SQLite hands these reads back as JSON: text that JSON must escape, absent values and
        // large integers come back unchanged, and several rows per person keep their order.
        let store = db.store().await;
        let mut r = roster(2);
        let awkward = "Ma\"rt\\je \u{1F600} <'t Hooft>\n\tß";
        r.people[1].name = awkward.into();
        r.people[1].chat = None;
        r.people[2].name = "Student \"s0\" \\ é".into();
        r.people.push(crate::support::person("s9", Role::Student, None));
        r.pairings.push(wandelgang::domain::roster::Pairing {
            wpb: pid("w0"),
            student: pid("s9"),
            start: day("2025-09-01"),
            end: day("2026-06-30"),
        });
        store.import_roster(&r).await.unwrap();
        store.set_person_cadence(&pid("w0"), Some(Cadence::new(3).unwrap())).await.unwrap();
        store
            .set_school_overrides(
                &r.schools[0].id,
                SchoolOverrides { cadence: Some(Cadence::new(1).unwrap()), reminder: Some(false) },
            )
            .await
            .unwrap();
        store.add_pause(&pid("w0"), DateRange { start: day("2026-12-21"), end: day("2027-01-01") }).await.unwrap();
        store.add_pause(&pid("w0"), DateRange { start: day("2026-10-19"), end: day("2026-10-23") }).await.unwrap();
        // Two prompts sent, the later one first in the table; a third slot still planned.
        let sent = row("p", "w0", "2026-10-05 10:00");
        for (key, due, prompt) in [("p2", "2026-10-07 10:00", "tweede"), ("p1", "2026-10-05 10:00", "eerste")] {
            store.enqueue(&NewOutbox { key: key.into(), due_at: at(due), ..sent.clone() }).await.unwrap();
            let due_rows = store.due_rows(at(due), 10).await.unwrap();
            let id = due_rows.iter().find(|r| r.key == key).unwrap().id;
            store.claim(at(due), "a", 60, &[(id, Some(prompt.into()))]).await.unwrap();
            let done = Finish { id, status: OutboxStatus::Sent, note: None, follow_ups: vec![], next_slot: None, replan: None };
            assert_eq!(store.finish_many("a", at(due), &[done]).await.unwrap(), [true]);
        }
        store.enqueue(&row("p3", "w0", "2026-10-09 10:00")).await.unwrap();
        let (pairing, _) = store.pairings_of(&pid("w0")).await.unwrap().into_iter()
            .find(|(_, p)| p.student == pid("s0")).unwrap();
        for (minutes, value) in [(0, KlikValue::GeenKlik), (5, KlikValue::Goed)] {
            let write = SignalWrite { pairing: pairing.clone(), source: SignalSource::Wpb, value, at: at("2026-10-06 09:00") + Duration::minutes(minutes), actor: pid("w0") };
            store.record_signal(&write, |_, _, _| EscalationDecision { escalate: None, wpb: WpbFacing::Nothing }, |_| vec![]).await.unwrap();
        }

        let (contexts, names) = store
            .recipient_contexts(&[pid("w0"), pid("w1"), pid("nobody")], Some((at("2026-09-01 00:00"), at("2026-09-01 00:00"))))
            .await
            .unwrap();
        assert_eq!(contexts.len(), 2, "an unknown id is simply absent");
        let w0 = &contexts[&pid("w0")];
        assert_eq!(w0.person, r.people[1]);
        assert_eq!(w0.person.name, awkward);
        assert_eq!(w0.cadence, Some(Cadence::new(3).unwrap()));
        assert_eq!(w0.school, SchoolOverrides { cadence: Some(Cadence::new(1).unwrap()), reminder: Some(false) });
        assert_eq!(
            w0.pairings.iter().map(|(_, p)| p.student.as_str()).collect::<Vec<_>>(),
            ["s9", "s0"],
            "earliest placement first"
        );
        assert_eq!(w0.pauses.iter().map(|p| p.start).collect::<Vec<_>>(), [day("2026-10-19"), day("2026-12-21")]);
        assert_eq!(
            w0.history,
            [("eerste".to_string(), at("2026-10-05 10:00")), ("tweede".to_string(), at("2026-10-07 10:00"))]
        );
        assert_eq!(w0.last_due, Some(at("2026-10-09 10:00")));
        assert_eq!(w0.latest_own_signal, Some((KlikValue::Goed, at("2026-10-06 09:05"))));
        let w1 = &contexts[&pid("w1")];
        assert_eq!(w1.person, r.people[3]);
        assert!(w1.history.is_empty() && w1.pauses.is_empty() && w1.last_due.is_none() && w1.latest_own_signal.is_none());
        assert_eq!(names[&pid("s0")], "Student \"s0\" \\ é");
        // Seeds are stable: read twice, the same.
        let (again, _) = store.recipient_contexts(&[pid("w0")], None).await.unwrap();
        assert_eq!(again[&pid("w0")].seed, w0.seed);
        assert!(again[&pid("w0")].history.is_empty(), "no horizons, no history");
    };

    a_claim_fixes_the_first_chosen_prompt_and_takes_only_what_is_still_claimable => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        for key in ["p1", "p2", "p3"] {
            store.enqueue(&row(key, "w0", "2026-10-05 10:00")).await.unwrap();
        }
        let now = at("2026-10-05 10:30");
        let id = |rows: &[OutboxRow], key: &str| rows.iter().find(|r| r.key == key).unwrap().id;
        // Two senders read the same due rows before either claims them.
        let read_a = store.due_rows(now, 10).await.unwrap();
        let read_b = store.due_rows(now, 10).await.unwrap();
        assert_eq!(read_a.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["p1", "p2", "p3"]);
        assert!(read_a.iter().all(|r| r.prompt_id.is_none()));
        // a claims two of them, one with a prompt chosen and one without.
        let a = store
            .claim(now, "a", 60, &[(id(&read_a, "p1"), Some("vraag-a".into())), (id(&read_a, "p2"), None)])
            .await
            .unwrap();
        let prompts = |rows: &[OutboxRow]| rows.iter().map(|r| (r.key.clone(), r.prompt_id.clone())).collect::<Vec<_>>();
        assert_eq!(prompts(&a), [("p1".into(), Some("vraag-a".into())), ("p2".into(), None)]);
        // b's claim from its older read gets only the row a left (b holds it for 10 minutes).
        let chosen_b: Vec<(i64, Option<String>)> = read_b.iter().map(|r| (r.id, Some("vraag-b".into()))).collect();
        let b = store.claim(now, "b", 600, &chosen_b).await.unwrap();
        assert_eq!(prompts(&b), [("p3".into(), Some("vraag-b".into()))]);
        // After a's lease lapsed, c takes p1 and p2 over: p1 keeps the prompt a fixed (a may
        // have sent it), p2 gets c's choice.
        let later = now + Duration::seconds(61);
        let read_c = store.due_rows(later, 10).await.unwrap();
        assert_eq!(read_c.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["p1", "p2"]);
        assert_eq!(read_c[0].prompt_id.as_deref(), Some("vraag-a"));
        let chosen_c: Vec<(i64, Option<String>)> = read_c.iter().map(|r| (r.id, Some("vraag-c".into()))).collect();
        let c = store.claim(later, "c", 60, &chosen_c).await.unwrap();
        assert_eq!(prompts(&c), [("p1".into(), Some("vraag-a".into())), ("p2".into(), Some("vraag-c".into()))]);
        assert!(c.iter().all(|r| r.attempts == 2));
        // A row that is no longer due (sent, or given back for later) is not claimed from a read.
        let done = Finish { id: c[0].id, status: OutboxStatus::Sent, note: None, follow_ups: vec![], next_slot: None, replan: None };
        assert_eq!(store.finish_many("c", later, &[done]).await.unwrap(), [true]);
        store.release(c[1].id, "c", later + Duration::hours(1), "503").await.unwrap();
        assert!(store.claim(later + Duration::seconds(120), "d", 60, &chosen_c).await.unwrap().is_empty());
        assert_eq!(store.outbox_by_key("p2").await.unwrap().unwrap().0.prompt_id.as_deref(), Some("vraag-c"));
    };

    released_rows_come_back_at_their_retry_time => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        store.enqueue(&row("k", "w0", "2026-10-05 10:00")).await.unwrap();
        let now = at("2026-10-05 10:00");
        let c = claim_due(&store, now, "a").await;
        store.release(c[0].id, "a", now + Duration::minutes(5), "503").await.unwrap();
        assert!(claim_due(&store, now + Duration::minutes(4), "a").await.is_empty());
        assert_eq!(claim_due(&store, now + Duration::minutes(5), "a").await.len(), 1);
    };

    a_pattern_opens_one_escalation_until_it_is_closed => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let (pairing, _) = store.pairings_of(&pid("w0")).await.unwrap().remove(0);
        let write = |minutes: i64| SignalWrite { pairing: pairing.clone(), source: SignalSource::Wpb, value: KlikValue::GeenKlik, at: at("2026-10-05 10:00") + Duration::minutes(minutes), actor: pid("w0") };
        let first = store.record_signal(&write(0), |_, _, _| open_decision(), |_| vec![]).await.unwrap();
        assert!(first.escalation_id.is_some());
        // The decider is told an escalation is open; even if it insisted, the store makes no second one.
        let mut saw_open = false;
        let second = store.record_signal(&write(1), |recent, open, _| { saw_open = open; assert_eq!(recent.len(), 2); open_decision() }, |_| vec![]).await.unwrap();
        assert!(saw_open);
        assert_eq!(second.escalation_id, None);
        let id = first.escalation_id.unwrap();
        assert!(store.transition_escalation(id, &[EscalationStatus::Open], EscalationStatus::Resolved, &pid("so"), at("2026-10-06 10:00")).await.unwrap());
        assert!(!store.transition_escalation(id, &[EscalationStatus::Open], EscalationStatus::Acknowledged, &pid("so"), at("2026-10-06 10:00")).await.unwrap());
        // After resolution only newer signals count, and a new escalation may open.
        let third = store.record_signal(&write(60 * 24 * 2), |recent, open, _| { assert_eq!((recent.len(), open), (1, false)); open_decision() }, |_| vec![]).await.unwrap();
        assert!(third.escalation_id.is_some_and(|x| x != id));
        assert_eq!(store.escalations().await.unwrap().len(), 2);
    };

    the_windows_are_the_latest_signals_after_each_closed_escalation => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let (pairing, _) = store.pairings_of(&pid("w0")).await.unwrap().remove(0);
        // The latest WINDOW of `written` (in id order) after `cut`, oldest first, by (time, id).
        let latest = |written: &[SignalPoint], cut: Option<DateTime<Utc>>, wpb_only: bool| {
            let mut kept: Vec<SignalPoint> = written
                .iter()
                .filter(|s| cut.is_none_or(|c| s.at > c) && (!wpb_only || s.source == SignalSource::Wpb))
                .copied()
                .collect();
            kept.sort_by_key(|s| s.at);
            kept.split_off(kept.len().saturating_sub(EscalationRules::WINDOW))
        };
        let start = at("2026-10-05 10:00");
        let mut written: Vec<SignalPoint> = Vec::new();
        let (mut since, mut wpb_since) = (None, None);
        let (mut cut_short, mut reached_back) = (0, 0);
        // Three rounds, each opening an escalation with its first signal and closing it a day
        // later: the first one told to the wpb (their window starts after it), the second
        // not (only the window of both sides starts after it).
        for round in 0..3i64 {
            let mut opened = None;
            for i in 0..16i64 {
                let n = i64::try_from(written.len()).unwrap();
                let source = if n % 3 == 0 { SignalSource::Student } else { SignalSource::Wpb };
                let value = [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik][(n % 3) as usize];
                // Two signals a second, and every fifth written late (a second before the
                // one before it): time and id order differ.
                let late = if n % 5 == 4 { 1 } else { 0 };
                let when = start + Duration::days(2 * round) + Duration::seconds(n / 2 - late);
                written.push(SignalPoint { source, value, at: when });
                let want = (latest(&written, since, false), latest(&written, wpb_since, true));
                cut_short += usize::from(want.0.len() < EscalationRules::WINDOW.min(written.len()));
                reached_back += usize::from(want.1.iter().any(|s| since.is_some_and(|c| s.at <= c)));
                let actor = pid(if source == SignalSource::Wpb { "w0" } else { "s0" });
                let write = SignalWrite { pairing: pairing.clone(), source, value, at: when, actor };
                let decision = if i == 0 {
                    EscalationDecision {
                        escalate: Some(vec![Trigger::NegativeMajority { negative: 3, of: 5 }]),
                        wpb: if round == 0 { WpbFacing::Notice } else { WpbFacing::Nothing },
                    }
                } else {
                    EscalationDecision::NOTHING
                };
                let mut seen = None;
                let ev = store
                    .record_signal(&write, |recent, _, view| {
                        seen = Some((recent.to_vec(), view.own.to_vec()));
                        decision
                    }, |_| vec![])
                    .await
                    .unwrap();
                assert_eq!(seen.unwrap(), want, "round {round}, signal {i}");
                opened = opened.or(ev.escalation_id);
            }
            let closed = start + Duration::days(2 * round + 1);
            assert!(store.transition_escalation(opened.unwrap(), &[EscalationStatus::Open], EscalationStatus::Resolved, &pid("so"), closed).await.unwrap());
            since = Some(closed);
            if round == 0 {
                wpb_since = Some(closed);
            }
        }
        // Both cut-offs shaped windows: one of both sides cut short by a closed escalation,
        // and the wpb's reaching back past the escalation they were not told of.
        assert!(cut_short > 0 && reached_back > 0, "{cut_short}, {reached_back}");
    };

    signal_effects_commit_with_the_signal => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let (pairing, _) = store.pairings_of(&pid("w0")).await.unwrap().remove(0);
        let w = SignalWrite { pairing, source: SignalSource::Student, value: KlikValue::GeenKlik, at: at("2026-10-05 10:00"), actor: pid("s0") };
        let ev = store.record_signal(&w, |_, _, _| open_decision(), |ev| vec![row(&format!("esc:{}", ev.escalation_id.unwrap()), "so", "2026-10-05 10:00")]).await.unwrap();
        assert!(store.outbox_by_key(&format!("esc:{}", ev.escalation_id.unwrap())).await.unwrap().is_some());
        let timeline = store.signals_of(ev_pairing(&store).await, 10).await.unwrap();
        assert_eq!(timeline.len(), 1);
        assert_eq!(timeline[0].source, SignalSource::Student);
    };

    a_pending_signal_reads_the_escalation_context_in_its_transaction_and_leaves_nothing_when_dropped => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        let (pairing, _) = store.pairings_of(&pid("w0")).await.unwrap().remove(0);
        let wpb = store.person(&pid("w0")).await.unwrap().unwrap();
        let shared = store.add_reflection(&pid("w0"), "Gedeeld", None, at("2026-10-01 10:00"), false).await.unwrap();
        assert!(store.share_reflection(&pid("w0"), shared).await.unwrap());
        store.add_reflection(&pid("w0"), "Privé", None, at("2026-10-02 10:00"), false).await.unwrap();
        store.add_reflection(&pid("w0"), "Te oud", None, at("2026-08-01 10:00"), false).await.unwrap();
        let w = SignalWrite { pairing: pairing.clone(), source: SignalSource::Wpb, value: KlikValue::GeenKlik, at: at("2026-10-05 10:00"), actor: pid("w0") };
        // Dropped before it finishes (a failed read, a stopped process): the signal was never there.
        {
            let pending = store.begin_signal(&w).await.unwrap();
            assert_eq!((pending.recent().len(), pending.in_progress()), (1, false));
        }
        assert!(store.signals_of(pairing.clone(), 10).await.unwrap().is_empty());
        let mut pending = store.begin_signal(&w).await.unwrap();
        let context = pending.escalation_context(&wpb.id, &wpb.school, at("2026-09-01 00:00")).await.unwrap();
        assert_eq!(context.school, store.school_name(&wpb.school).await.unwrap());
        let ids = |people: &[wandelgang::domain::roster::Person]| people.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        let schoolopleiders = store.schoolopleiders(&wpb.school).await.unwrap();
        assert!(!schoolopleiders.is_empty());
        assert_eq!(ids(&context.schoolopleiders), ids(&schoolopleiders));
        let texts: Vec<&str> = context.shared.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(texts, ["Gedeeld"]);
        let ev = pending.finish(open_decision(), |_| vec![]).await.unwrap();
        assert!(ev.escalation_id.is_some());
        assert_eq!(store.signals_of(pairing, 10).await.unwrap().len(), 1);
    };

    reflections_are_shared_only_by_their_author => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(2)).await.unwrap();
        let id = store.add_reflection(&pid("w0"), "Mooie dag 🙂", None, at("2026-10-05 10:00"), false).await.unwrap();
        assert!(!store.share_reflection(&pid("w1"), id).await.unwrap());
        assert!(store.reflections_of(&pid("w0"), true, at("2026-01-01 00:00")).await.unwrap().is_empty());
        assert!(store.share_reflection(&pid("w0"), id).await.unwrap());
        let shared = store.reflections_of(&pid("w0"), true, at("2026-01-01 00:00")).await.unwrap();
        assert_eq!(shared[0].text, "Mooie dag 🙂");
        assert!(store.reflections_of(&pid("w1"), false, at("2026-01-01 00:00")).await.unwrap().is_empty());
    };

    pauses_drop_planned_prompts_and_mark_for_planning => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        assert_eq!(store.plan_targets(10).await.unwrap().len(), 1, "an imported wpb waits for planning");
        let plan = (pid("w0"), Some(row("prompt:w0:x", "w0", "2026-10-07 10:00")));
        assert_eq!(store.plan_slots(std::slice::from_ref(&plan)).await.unwrap(), [true]);
        assert!(store.plan_targets(10).await.unwrap().is_empty());
        // A used key is refused, and the wpb stays marked for planning.
        sqlx::query("UPDATE people SET needs_plan = 1 WHERE id = 'w0'").execute(store.pool()).await.unwrap();
        assert_eq!(store.plan_slots(&[plan]).await.unwrap(), [false]);
        assert_eq!(store.plan_targets(10).await.unwrap().len(), 1);
        store.plan_slots(&[(pid("w0"), None)]).await.unwrap();
        store.add_pause(&pid("w0"), DateRange { start: day("2026-10-05"), end: day("2026-10-09") }).await.unwrap();
        assert!(store.outbox_by_key("prompt:w0:x").await.unwrap().is_none());
        let targets = store.plan_targets(10).await.unwrap();
        assert_eq!(targets.len(), 1);
        assert_eq!(targets[0].pauses, vec![DateRange { start: day("2026-10-05"), end: day("2026-10-09") }]);
        store.end_pauses(&pid("w0"), day("2026-10-07")).await.unwrap();
        assert_eq!(store.pauses(&pid("w0")).await.unwrap(), vec![DateRange { start: day("2026-10-05"), end: day("2026-10-06") }]);
    };

    a_wpb_another_process_planned_meanwhile_is_left_as_planned => |db: TestDb| async move {
        let store = db.store().await;
        store.import_roster(&roster(1)).await.unwrap();
        // Two processes read the same mark; one plans the slot first.
        assert_eq!(store.plan_targets(10).await.unwrap().len(), 1);
        assert_eq!(store.plan_targets(10).await.unwrap().len(), 1);
        let slot = |key: &str, due: &str| (pid("w0"), Some(row(key, "w0", due)));
        assert_eq!(store.plan_slots(&[slot("slot-1", "2026-10-07 10:00")]).await.unwrap(), [true]);
        // The other's plan is the same slot: not a used key to look past, the wpb is planned.
        assert_eq!(store.plan_slots(&[slot("slot-1", "2026-10-07 10:00")]).await.unwrap(), [true]);
        // Had it looked past it, the slot after would now be planned too, a slot too far ahead.
        assert_eq!(store.plan_slots(&[slot("slot-2", "2026-10-09 10:00")]).await.unwrap(), [true]);
        assert!(store.outbox_by_key("slot-2").await.unwrap().is_none(), "planned a slot too far ahead");
        assert_eq!(store.outbox_by_key("slot-1").await.unwrap().unwrap().1, OutboxStatus::Planned);
        assert!(store.plan_targets(10).await.unwrap().is_empty());
    };
}

async fn ev_pairing(store: &wandelgang::store::Store) -> wandelgang::domain::roster::PairingId {
    store.pairings_of(&pid("w0")).await.unwrap().remove(0).0
}
