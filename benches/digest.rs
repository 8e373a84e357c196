//! The weekly digest at scale, printed (not asserted): `cargo bench --bench digest`.
//! A school of 1,000 wpbs in 20 teams with two school years of facts (prompts, reflections,
//! klik signals of both sides): the figures, the chart, and both together, as the Monday
//! fan-out computes them once per school.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use chrono_tz::Europe::Amsterdam;

use wandelgang::chat::pictures;
use wandelgang::chat::render::RenderContext;
use wandelgang::domain::digest::{
    DigestFacts, DigestInput, PairingFact, PromptFact, ReflectionFact, SignalFact, TeamFact,
    Thresholds, WpbFact, figures,
};
use wandelgang::domain::klik::{KlikValue, SignalSource};
use wandelgang::domain::language::Language;
use wandelgang::domain::schedule::{DateRange, SchoolCalendar};

const WPBS: usize = 1_000;
const TEAMS: usize = 20;
const WEEKS: u64 = 104;

/// Two prompts a week per wpb, two in three answered, a klik each time and a student's own
/// klik every other week; every tenth wpb stopped answering three weeks ago.
fn facts(first: NaiveDate) -> DigestFacts {
    let day = |n: u64| first.checked_add_days(Days::new(n)).expect("date");
    let value = |i: usize| {
        [
            KlikValue::Goed,
            KlikValue::Goed,
            KlikValue::Twijfel,
            KlikValue::GeenKlik,
        ][i % 4]
    };
    let mut f = DigestFacts {
        school: "Regio College".into(),
        teams: (0..TEAMS)
            .map(|t| TeamFact {
                id: format!("t{t}"),
                name: format!("Team {t}"),
            })
            .collect(),
        ..DigestFacts::default()
    };
    for w in 0..WPBS {
        let id = format!("w{w}");
        f.wpbs.push(WpbFact {
            id: id.clone(),
            name: format!("Wpb {w}"),
            team: Some(format!("t{}", w % TEAMS)),
            pauses: vec![],
        });
        f.pairings.push(PairingFact {
            wpb: id.clone(),
            student: format!("s{w}"),
            student_name: format!("Student {w}"),
            dates: DateRange {
                start: first,
                end: day(WEEKS * 7 + 30),
            },
        });
        for week in 0..WEEKS {
            let quiet = w % 10 == 0 && week >= WEEKS - 3;
            for (k, offset) in [1u64, 3].into_iter().enumerate() {
                let at = day(week * 7 + offset);
                let answered = !quiet && !(w + k + week as usize).is_multiple_of(3);
                f.prompts.push(PromptFact {
                    wpb: id.clone(),
                    sent: at,
                    answered,
                });
                if answered {
                    f.reflections.push(ReflectionFact {
                        wpb: id.clone(),
                        at,
                        shared: (w + week as usize).is_multiple_of(7),
                    });
                    f.signals.push(SignalFact {
                        wpb: id.clone(),
                        student: format!("s{w}"),
                        at,
                        value: value(w + week as usize),
                        source: SignalSource::Wpb,
                    });
                }
            }
            if week % 2 == 0 {
                f.signals.push(SignalFact {
                    wpb: id.clone(),
                    student: format!("s{w}"),
                    at: day(week * 7 + 2),
                    value: value(w + 1),
                    source: SignalSource::Student,
                });
            }
        }
    }
    f
}

/// The median of `runs` timings of `work`.
fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            work();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    let first = NaiveDate::from_ymd_opt(2024, 9, 2).expect("date");
    let until = first
        .checked_add_days(Days::new(WEEKS * 7 - 1))
        .expect("date");
    let calendar = SchoolCalendar::amsterdam_default();
    let input = DigestInput {
        calendar: &calendar,
        until,
        today: until + chrono::Duration::days(1),
        weeks: 10,
        thresholds: Thresholds::default(),
        facts: facts(first),
    };
    println!(
        "Wandelgang digest benchmark ({WPBS} wpbs, {TEAMS} teams, {WEEKS} weeks: {} prompts, {} reflections, {} klik signals)",
        input.facts.prompts.len(),
        input.facts.reflections.len(),
        input.facts.signals.len()
    );
    let ctx = RenderContext {
        language: Language::Nl,
        tz: Amsterdam,
        max_chars: 2000,
    };
    let made = figures(&input);
    println!(
        "  risk lists: {} quiet pairings, {} quiet wpbs",
        made.quiet_pairings.len(),
        made.quiet_wpbs.len()
    );
    let t_figures = median(5, || {
        std::hint::black_box(figures(&input));
    });
    let t_chart = median(5, || {
        std::hint::black_box(pictures::digest(&made, &ctx).expect("chart"));
    });
    let t_both = median(5, || {
        let f = figures(&input);
        std::hint::black_box(pictures::digest(&f, &ctx).expect("chart"));
    });
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("  figures:          {:8.1} ms (median of 5)", ms(t_figures));
    println!("  chart (PNG):      {:8.1} ms", ms(t_chart));
    println!(
        "  figures + chart:  {:8.1} ms (aim: under 200 ms)",
        ms(t_both)
    );
}
