use super::*;
use chrono_tz::Europe::Amsterdam;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

#[test]
fn the_boundaries_of_a_run() {
    // (now, months, student days, zone, oldest moment kept, students go when their last end is before)
    let cases = [
        (
            "2027-03-31T10:00:00Z",
            12,
            30,
            Tz::UTC,
            "2026-03-31T10:00:00Z",
            "2027-03-01",
        ),
        // A month without that day ends on its last day.
        (
            "2027-03-31T10:00:00Z",
            1,
            0,
            Tz::UTC,
            "2027-02-28T10:00:00Z",
            "2027-03-31",
        ),
        (
            "2028-03-31T10:00:00Z",
            1,
            0,
            Tz::UTC,
            "2028-02-29T10:00:00Z",
            "2028-03-31",
        ),
        (
            "2027-01-15T00:00:00Z",
            0,
            1,
            Tz::UTC,
            "2027-01-15T00:00:00Z",
            "2027-01-14",
        ),
        // Late in the evening UTC is already the next day in Amsterdam.
        (
            "2027-01-15T23:30:00Z",
            24,
            7,
            Amsterdam,
            "2025-01-15T23:30:00Z",
            "2027-01-09",
        ),
        (
            "2027-01-15T23:30:00Z",
            24,
            7,
            Tz::UTC,
            "2025-01-15T23:30:00Z",
            "2027-01-08",
        ),
    ];
    for (now, months, student_days, tz, keep, end_before) in cases {
        let policy = RetentionPolicy {
            months,
            student_days,
            tz,
        };
        let b = policy.boundaries(at(now));
        assert_eq!(
            (b.keep_since, b.student_end_before),
            (at(keep), d(end_before)),
            "{now}, {months} months, {student_days} days, {tz}"
        );
    }
}

#[test]
fn what_a_run_removes() {
    let b = Boundaries {
        keep_since: at("2026-03-31T10:00:00Z"),
        student_end_before: d("2027-03-01"),
    };
    // (row time, goes)
    let rows = [
        ("2026-03-31T10:00:00Z", false),
        ("2026-03-31T09:59:59Z", true),
        ("2026-03-31T10:00:01Z", false),
        ("2020-01-01T00:00:00Z", true),
    ];
    for (t, goes) in rows {
        assert_eq!(b.row_goes(at(t)), goes, "row at {t}");
    }
    // (last day of the last placement, goes): kept through the N-th day after it.
    let students = [
        (Some("2027-02-28"), true),
        (Some("2027-03-01"), false),
        (Some("2027-06-30"), false),
        (Some("2019-06-30"), true),
        // Without any pairing a student is kept.
        (None, false),
    ];
    for (end, goes) in students {
        assert_eq!(b.student_goes(end.map(d)), goes, "last end {end:?}");
    }
}

#[test]
fn who_a_forget_is_recorded_as() {
    // (actor, forgotten person, recorded actor)
    let cases = [
        ("anna", "anna", ACTOR_SELF),
        ("so1", "anna", "so1"),
        ("admin:cli", "anna", "admin:cli"),
        (ACTOR_SELF, "anna", ACTOR_SELF),
    ];
    for (actor, forgotten, recorded) in cases {
        let id = PersonId::from_trusted(forgotten);
        assert_eq!(
            forget_actor(actor, &id),
            recorded,
            "{actor} forgets {forgotten}"
        );
    }
}

#[test]
fn what_stays_as_counts() {
    let report = ForgetReport {
        role: "wpb".into(),
        school: "a".into(),
        reflections: 3,
        signals: 5,
        own_signals: 2,
        prompts: 7,
        messages: 11,
        pauses: 1,
        pairings: 2,
        escalations: 1,
        audit_rows: 4,
        intervisie: 1,
    };
    let counts = |people, reflections, signals, prompts, escalations, pairings| KeptCounts {
        people,
        reflections,
        signals,
        prompts,
        escalations,
        pairings,
    };
    // (how it went, counts kept)
    let cases = [
        (
            "forget",
            KeptCounts::of_forget(&report),
            counts(1, 3, 5, 7, 1, 2),
        ),
        (
            "retention",
            KeptCounts::of_expired_student(&report),
            counts(1, 0, 5, 0, 1, 2),
        ),
        ("nothing", KeptCounts::default(), counts(0, 0, 0, 0, 0, 0)),
    ];
    for (how, got, expected) in cases {
        assert_eq!(got, expected, "{how}");
        assert_eq!(got.is_empty(), how == "nothing", "{how}");
    }
    let mut run = RetentionReport::default();
    run.add_counts(&counts(2, 3, 5, 7, 1, 2));
    run.add_student(&report);
    assert_eq!(
        (
            run.students,
            run.reflections,
            run.signals,
            run.escalations,
            run.pairings
        ),
        (2, 3, 5, 1, 2)
    );
    assert_eq!((run.outbox, run.audit, run.threads), (18, 4, 0));
    assert_eq!(run.total(), 35);
}
