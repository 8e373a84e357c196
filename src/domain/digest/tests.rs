use chrono::NaiveDate;

use super::*;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::schedule::{DateRange, SchoolCalendar};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// Two teams: A (wpbs a1, a2) and B (wpb b1); wpb x1 has no team. Monday 2026-11-30 is the
/// digest's day, so the last shown week is 23–29 November (week 48).
struct World {
    calendar: SchoolCalendar,
    input_until: NaiveDate,
    today: NaiveDate,
    weeks: usize,
    thresholds: Thresholds,
    wpbs: Vec<WpbFact>,
    prompts: Vec<PromptFact>,
    reflections: Vec<ReflectionFact>,
    signals: Vec<SignalFact>,
    pairings: Vec<PairingFact>,
    escalations: Vec<EscalationFact>,
    threads: Vec<ThreadFact>,
}

impl World {
    fn new() -> Self {
        let wpb = |id: &str, team: Option<&str>| WpbFact {
            id: id.into(),
            name: format!("Wpb {id}"),
            team: team.map(String::from),
            pauses: vec![],
        };
        Self {
            calendar: SchoolCalendar::amsterdam_default(),
            input_until: d("2026-11-29"),
            today: d("2026-11-30"),
            weeks: 10,
            thresholds: Thresholds::default(),
            wpbs: vec![
                wpb("a1", Some("A")),
                wpb("a2", Some("A")),
                wpb("b1", Some("B")),
                wpb("x1", None),
            ],
            prompts: vec![],
            reflections: vec![],
            signals: vec![],
            pairings: vec![],
            escalations: vec![],
            threads: vec![],
        }
    }

    fn klik(mut self, wpb: &str, student: &str, at: &str, value: KlikValue) -> Self {
        self.signals.push(SignalFact {
            wpb: wpb.into(),
            student: student.into(),
            at: d(at),
            value,
            source: SignalSource::Wpb,
        });
        self
    }

    fn prompt(mut self, wpb: &str, sent: &str, answered: bool) -> Self {
        self.prompts.push(PromptFact {
            wpb: wpb.into(),
            sent: d(sent),
            answered,
        });
        self
    }

    fn pairing(mut self, wpb: &str, student: &str, start: &str, end: &str) -> Self {
        self.pairings.push(PairingFact {
            wpb: wpb.into(),
            student: student.into(),
            student_name: format!("Student {student}"),
            dates: DateRange {
                start: d(start),
                end: d(end),
            },
        });
        self
    }

    fn figures(&self) -> DigestFigures {
        figures(&DigestInput {
            calendar: &self.calendar,
            until: self.input_until,
            today: self.today,
            weeks: self.weeks,
            thresholds: self.thresholds,
            facts: DigestFacts {
                school: "De Linde".into(),
                teams: vec![
                    TeamFact {
                        id: "A".into(),
                        name: "Team A".into(),
                    },
                    TeamFact {
                        id: "B".into(),
                        name: "Team B".into(),
                    },
                ],
                wpbs: self.wpbs.clone(),
                prompts: self.prompts.clone(),
                reflections: self.reflections.clone(),
                signals: self.signals.clone(),
                pairings: self.pairings.clone(),
                escalations: self.escalations.clone(),
                threads: self.threads.clone(),
            },
        })
    }
}

fn team<'a>(f: &'a DigestFigures, name: &str) -> &'a TeamFigures {
    f.teams
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no team {name}"))
}

fn last_klik(t: &TeamFigures) -> Cell<KlikCounts> {
    t.weeks.last().expect("a week").klik
}

fn counts(goed: u32, twijfel: u32, geen: u32) -> Cell<KlikCounts> {
    Cell::Shown(KlikCounts {
        goed,
        twijfel,
        geen,
    })
}

#[test]
fn the_shown_weeks_are_the_last_school_weeks_and_skip_holiday_weeks() {
    let mut w = World::new();
    w.weeks = 4;
    let f = w.figures();
    let mondays: Vec<_> = f.weeks.iter().map(|w| w.monday).collect();
    assert_eq!(
        mondays,
        [
            d("2026-11-02"),
            d("2026-11-09"),
            d("2026-11-16"),
            d("2026-11-23")
        ]
    );
    assert_eq!(f.weeks[3].number(), 48);
    // A holiday over the whole of week 46 takes it out; a one-day holiday does not.
    w.calendar.holidays = vec![
        DateRange {
            start: d("2026-11-09"),
            end: d("2026-11-15"),
        },
        DateRange::day(d("2026-11-18")),
    ];
    let mondays: Vec<_> = w.figures().weeks.iter().map(|w| w.monday).collect();
    assert_eq!(
        mondays,
        [
            d("2026-10-26"),
            d("2026-11-02"),
            d("2026-11-16"),
            d("2026-11-23")
        ]
    );
}

#[test]
fn prompts_answers_and_reflections_are_counted_per_team_week_and_for_the_school() {
    let mut w = World::new()
        .prompt("a1", "2026-11-24", true)
        .prompt("a2", "2026-11-25", false)
        .prompt("b1", "2026-11-26", true)
        .prompt("x1", "2026-11-26", false)
        // Outside the shown period: not counted in it.
        .prompt("a1", "2026-01-05", true);
    w.reflections = vec![
        ReflectionFact {
            wpb: "a1".into(),
            at: d("2026-11-24"),
            shared: true,
        },
        ReflectionFact {
            wpb: "b1".into(),
            at: d("2026-11-26"),
            shared: false,
        },
    ];
    let f = w.figures();
    let cases = [
        // (team, sent, answered, reflections, shared)
        ("Team A", 2, 1, 1, 1),
        ("Team B", 1, 1, 1, 0),
        ("—", 1, 0, 0, 0),
    ];
    for (name, sent, answered, reflections, shared) in cases {
        let last = team(&f, name).weeks.last().expect("week").clone();
        assert_eq!(
            (
                last.prompts_sent,
                last.prompts_answered,
                last.reflections,
                last.shared
            ),
            (sent, answered, reflections, shared),
            "{name}"
        );
    }
    let school = f.school_total.weeks.last().expect("week");
    assert_eq!((school.prompts_sent, school.prompts_answered), (4, 2));
    assert_eq!(school.response_rate(), Some(0.5));
    assert_eq!(f.school_total.period.prompts_sent, 4);
    assert_eq!(f.school_total.name, "De Linde");
    assert_eq!(WeekFigures::default().response_rate(), None);
}

#[test]
fn the_change_compares_the_last_week_with_the_four_school_weeks_before() {
    let mut w = World::new();
    // Four weeks before: 4 sent, 1 answered; a fifth week back is outside the comparison.
    for (sent, answered) in [
        ("2026-10-20", true),
        ("2026-10-27", true),
        ("2026-11-03", false),
        ("2026-11-10", false),
        ("2026-11-17", true),
        ("2026-11-24", true),
        ("2026-11-25", true),
    ] {
        w = w.prompt("a1", sent, answered);
    }
    let f = w.figures();
    let a = team(&f, "Team A");
    assert_eq!((a.last.prompts_sent, a.last.prompts_answered), (2, 2));
    assert_eq!((a.before.prompts_sent, a.before.prompts_answered), (4, 2));
    assert_eq!(a.before.response_rate(), Some(0.5));
    assert_eq!(a.period.prompts_sent, 7);
}

#[test]
fn a_klik_figure_on_fewer_than_three_students_is_suppressed() {
    type Signals<'a> = &'a [(&'a str, &'a str)];
    let cases: [(Signals, Cell<KlikCounts>); 5] = [
        // (signals as (wpb, student) in team A, the shown cell)
        (&[], counts(0, 0, 0)),
        (&[("a1", "s1")], Cell::Suppressed),
        // Many signals about two students are still two students.
        (
            &[("a1", "s1"), ("a1", "s1"), ("a2", "s2"), ("a2", "s2")],
            Cell::Suppressed,
        ),
        (&[("a1", "s1"), ("a1", "s2"), ("a2", "s3")], counts(3, 0, 0)),
        (
            &[("a1", "s1"), ("a1", "s2"), ("a2", "s3"), ("a2", "s3")],
            counts(4, 0, 0),
        ),
    ];
    for (signals, expected) in cases {
        let mut w = World::new();
        for (wpb, student) in signals {
            w = w.klik(wpb, student, "2026-11-24", KlikValue::Goed);
        }
        assert_eq!(
            last_klik(team(&w.figures(), "Team A")),
            expected,
            "{signals:?}"
        );
    }
}

#[test]
fn a_student_signal_counts_like_a_wpb_signal_and_is_never_shown_alone() {
    let mut w = World::new().klik("a1", "s1", "2026-11-24", KlikValue::Goed);
    w.signals.push(SignalFact {
        wpb: "a1".into(),
        student: "s1".into(),
        at: d("2026-11-25"),
        value: KlikValue::GeenKlik,
        source: SignalSource::Student,
    });
    let f = w.figures();
    assert_eq!(last_klik(team(&f, "Team A")), Cell::Suppressed);
    assert_eq!(last_klik(&f.school_total), Cell::Suppressed);
}

#[test]
fn the_school_figure_is_hidden_when_it_would_give_away_a_hidden_team_figure() {
    let cases = [
        // (team A's students, team B's students, A shown, B shown, school shown)
        (3, 1, true, false, false),
        (3, 2, true, false, false),
        // Two hidden teams with three students together: their sum is safe to show.
        (2, 1, false, false, true),
        (3, 3, true, true, true),
        (3, 0, true, true, true),
    ];
    for (in_a, in_b, a_shown, b_shown, school_shown) in cases {
        let mut w = World::new();
        for i in 0..in_a {
            w = w.klik("a1", &format!("sa{i}"), "2026-11-24", KlikValue::Twijfel);
        }
        for i in 0..in_b {
            w = w.klik("b1", &format!("sb{i}"), "2026-11-24", KlikValue::GeenKlik);
        }
        let f = w.figures();
        let shown = |t: &TeamFigures| last_klik(t).shown().is_some();
        assert_eq!(
            (
                shown(team(&f, "Team A")),
                shown(team(&f, "Team B")),
                shown(&f.school_total)
            ),
            (a_shown, b_shown, school_shown),
            "A {in_a}, B {in_b}"
        );
    }
    // The shown school cell is the sum of all teams, hidden ones included.
    let mut w = World::new();
    for i in 0..2 {
        w = w.klik("a1", &format!("sa{i}"), "2026-11-24", KlikValue::Goed);
    }
    w = w.klik("b1", "sb0", "2026-11-24", KlikValue::GeenKlik);
    assert_eq!(last_klik(&w.figures().school_total), counts(2, 0, 1));
}

#[test]
fn the_threshold_is_the_schools_own() {
    let mut w = World::new()
        .klik("a1", "s1", "2026-11-24", KlikValue::Goed)
        .klik("a2", "s2", "2026-11-24", KlikValue::Goed);
    assert_eq!(last_klik(team(&w.figures(), "Team A")), Cell::Suppressed);
    w.thresholds.min_students = 2;
    assert_eq!(last_klik(team(&w.figures(), "Team A")), counts(2, 0, 0));
    assert_eq!(w.figures().min_students, 2);
}

#[test]
fn quiet_pairings_count_completed_school_weeks_without_a_wpb_klik() {
    let cases = [
        // (last wpb klik, holiday week, paused week, expected silent weeks or none)
        (Some("2026-11-04"), None, None, Some(3)),
        (Some("2026-11-11"), None, None, None),
        (None, None, None, Some(9)),
        // A holiday week and a paused week are not silence.
        (Some("2026-11-04"), Some("2026-11-09"), None, None),
        (Some("2026-10-28"), None, Some("2026-11-16"), Some(3)),
        (Some("2026-10-28"), None, None, Some(4)),
    ];
    for (last, holiday, pause, expected) in cases {
        let mut w = World::new()
            .pairing("a1", "s1", "2026-09-28", "2027-06-30")
            .prompt("a1", "2026-09-01", false);
        if let Some(at) = last {
            w = w.klik("a1", "s1", at, KlikValue::Goed);
        }
        // A student's own signal does not break the silence of the wpb.
        w.signals.push(SignalFact {
            wpb: "a1".into(),
            student: "s1".into(),
            at: d("2026-11-26"),
            value: KlikValue::Goed,
            source: SignalSource::Student,
        });
        let week = |monday: &str| DateRange {
            start: d(monday),
            end: d(monday) + chrono::Duration::days(6),
        };
        if let Some(h) = holiday {
            w.calendar.holidays.push(week(h));
        }
        if let Some(p) = pause {
            w.wpbs[0].pauses.push(week(p));
        }
        let found: Vec<_> = w.figures().quiet_pairings.iter().map(|q| q.weeks).collect();
        assert_eq!(
            found,
            expected.into_iter().collect::<Vec<_>>(),
            "{last:?} {holiday:?} {pause:?}"
        );
    }
}

#[test]
fn silence_counts_from_the_wpbs_first_prompt_not_from_before_the_bot_asked() {
    let cases = [
        // (first prompt, expected silent weeks)
        (None, None),
        (Some("2026-11-16"), None),
        (Some("2026-11-09"), Some(3)),
        // A first prompt before the placement: the placement's start counts.
        (Some("2026-06-01"), Some(9)),
    ];
    for (first, expected) in cases {
        let mut w = World::new().pairing("a1", "s1", "2026-09-28", "2027-06-30");
        if let Some(day) = first {
            w = w.prompt("a1", day, false);
        }
        let found: Vec<_> = w.figures().quiet_pairings.iter().map(|q| q.weeks).collect();
        assert_eq!(found, expected.into_iter().collect::<Vec<_>>(), "{first:?}");
    }
}

#[test]
fn quiet_lists_leave_out_ended_pairings_and_wpbs_paused_today() {
    let mut w = World::new()
        .pairing("a1", "s1", "2026-01-05", "2026-06-30")
        .pairing("a2", "s2", "2026-09-01", "2027-06-30");
    for day in ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"] {
        w = w.prompt("a2", day, false);
    }
    assert!(
        w.figures()
            .quiet_pairings
            .iter()
            .all(|q| q.student != "Student s1")
    );
    assert_eq!(w.figures().quiet_wpbs.len(), 1);
    w.wpbs[1].pauses.push(DateRange {
        start: d("2026-11-27"),
        end: d("2026-12-11"),
    });
    let f = w.figures();
    assert!(f.quiet_pairings.is_empty(), "{:?}", f.quiet_pairings);
    assert!(f.quiet_wpbs.is_empty());
}

#[test]
fn a_wpb_is_quiet_after_their_last_four_prompts_went_unanswered() {
    let cases: [(&[bool], Option<u32>); 5] = [
        // (answered, oldest first; expected unanswered run)
        (&[false, false, false], None),
        (&[false, false, false, false], Some(4)),
        (&[true, false, false, false, false, false], Some(5)),
        (&[false, false, false, false, true], None),
        (&[], None),
    ];
    for (answers, expected) in cases {
        let mut w = World::new();
        let mut day = d("2026-10-05");
        for answered in answers {
            w.prompts.push(PromptFact {
                wpb: "b1".into(),
                sent: day,
                answered: *answered,
            });
            day += chrono::Duration::days(7);
        }
        let found: Vec<_> = w
            .figures()
            .quiet_wpbs
            .iter()
            .map(|q| q.unanswered)
            .collect();
        assert_eq!(
            found,
            expected.into_iter().collect::<Vec<_>>(),
            "{answers:?}"
        );
    }
}

#[test]
fn placements_ending_in_the_next_two_weeks_are_listed_soonest_first() {
    let w = World::new()
        .pairing("a1", "s1", "2026-09-01", "2026-12-14")
        .pairing("a2", "s2", "2026-09-01", "2026-12-04")
        .pairing("b1", "s3", "2026-09-01", "2026-12-15")
        .pairing("b1", "s4", "2026-09-01", "2026-11-27");
    let ending: Vec<_> = w
        .figures()
        .ending
        .iter()
        .map(|e| (e.student.clone(), e.end))
        .collect();
    assert_eq!(
        ending,
        [
            ("Student s2".to_string(), d("2026-12-04")),
            ("Student s1".to_string(), d("2026-12-14"))
        ]
    );
}

#[test]
fn escalations_are_listed_oldest_first_with_their_age_and_counted_per_team() {
    let mut w = World::new();
    w.escalations = vec![
        EscalationFact {
            id: 7,
            wpb: "a1".into(),
            student_name: "Student s1".into(),
            picked_up: false,
            opened: d("2026-11-27"),
        },
        EscalationFact {
            id: 3,
            wpb: "b1".into(),
            student_name: "Student s3".into(),
            picked_up: true,
            opened: d("2026-11-16"),
        },
    ];
    let f = w.figures();
    let ages: Vec<_> = f
        .escalations
        .iter()
        .map(|e| (e.id, e.days, e.picked_up))
        .collect();
    assert_eq!(ages, [(3, 14, true), (7, 3, false)]);
    assert_eq!(f.escalations[0].wpb, "Wpb b1");
    let per_team = |name| {
        let t = team(&f, name);
        (t.open_escalations, t.picked_up_escalations)
    };
    assert_eq!(per_team("Team A"), (1, 0));
    assert_eq!(per_team("Team B"), (0, 1));
    assert_eq!(
        (
            f.school_total.open_escalations,
            f.school_total.picked_up_escalations
        ),
        (1, 1)
    );
}

#[test]
fn intervisie_threads_in_the_period_are_counted_with_their_participants() {
    let mut w = World::new();
    w.weeks = 2;
    w.threads = vec![
        ThreadFact {
            team: "A".into(),
            opened: d("2026-11-17"),
            participants: 4,
        },
        ThreadFact {
            team: "A".into(),
            opened: d("2026-11-24"),
            participants: 3,
        },
        // Before the period.
        ThreadFact {
            team: "B".into(),
            opened: d("2026-11-03"),
            participants: 5,
        },
    ];
    let f = w.figures();
    let a = &team(&f, "Team A").period;
    assert_eq!((a.threads, a.participants), (2, 7));
    assert_eq!(team(&f, "Team B").period.threads, 0);
    assert_eq!(f.school_total.period.threads, 2);
}

#[test]
fn a_school_without_wpbs_without_a_team_has_no_extra_team() {
    let mut w = World::new();
    w.wpbs.retain(|x| x.team.is_some());
    let names: Vec<_> = w.figures().teams.iter().map(|t| t.name.clone()).collect();
    assert_eq!(names, ["Team A", "Team B"]);
}

#[test]
fn a_school_without_teams_or_wpbs_still_has_its_weeks() {
    let mut w = World::new();
    w.wpbs.clear();
    let mut input_teams_empty = w.figures();
    assert_eq!(input_teams_empty.school_total.weeks.len(), 10);
    // No teams at all in the roster either.
    input_teams_empty = figures(&DigestInput {
        calendar: &w.calendar,
        until: w.input_until,
        today: w.today,
        weeks: 10,
        thresholds: Thresholds::default(),
        facts: DigestFacts {
            school: "Leeg".into(),
            ..DigestFacts::default()
        },
    });
    assert!(input_teams_empty.teams.is_empty());
    assert_eq!(input_teams_empty.school_total.weeks.len(), 10);
    assert_eq!(input_teams_empty.school_total.period, Totals::default());
}

#[test]
fn a_digest_has_something_to_tell_once_anything_happened_or_waits() {
    assert!(World::new().figures().has_nothing_to_tell());
    let cases = [
        World::new().prompt("a1", "2026-11-24", false),
        World::new().klik("a1", "s1", "2026-11-24", KlikValue::Goed),
        World::new().pairing("a1", "s1", "2026-09-01", "2026-12-04"),
    ];
    for w in cases {
        assert!(!w.figures().has_nothing_to_tell());
    }
}
