//! Tests of the prompt library: the checks of the files and the choice of the next prompt.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::*;
use crate::domain::language::Language;

// --- catalogue --------------------------------------------------------------------------

#[test]
fn builtin_catalogue_passes_all_checks() {
    let cat = match Catalogue::parse(&Catalogue::builtin_sources()) {
        Ok(cat) => cat,
        Err(problems) => {
            let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
            panic!("problems:\n{}", list.join("\n"));
        }
    };
    let nl = cat.prompts(Language::Nl);
    let en = cat.prompts(Language::En);
    assert!(nl.len() >= 70, "only {} Dutch prompts", nl.len());
    assert_eq!(nl.len(), en.len());
    for theme in Theme::ALL {
        let n = cat.by_theme(Language::Nl, theme).count();
        assert!(n >= MIN_PROMPTS_PER_THEME, "{theme}: {n}");
        // Every phase of a placement finds at least two prompts of every theme, so that
        // two full rotations fit in any phase.
        for target in [
            PlacementPhase::Begin,
            PlacementPhase::Midden,
            PlacementPhase::Eind,
        ] {
            let fitting = cat
                .by_theme(Language::Nl, theme)
                .filter(|p| p.phase.fits(target))
                .count();
            assert!(fitting >= 2, "{theme} has {fitting} for {target}");
        }
    }
    for p in nl {
        let e = cat.get(Language::En, &p.id).expect("translation");
        assert_eq!((e.theme, e.phase), (p.theme, p.phase));
    }
    assert_eq!(Catalogue::builtin(), cat);
    assert_eq!(Catalogue::builtin_shared(), &cat);
}

#[test]
fn theme_and_phase_ids_round_trip() {
    for theme in Theme::ALL {
        assert_eq!(Theme::parse(theme.as_str()), Some(theme));
        let quoted = format!("\"{}\"", theme.as_str());
        assert_eq!(serde_name(theme), quoted);
        assert!(!theme.label(Language::Nl).is_empty());
        assert!(!theme.label(Language::En).is_empty());
    }
    for phase in PlacementPhase::ALL {
        assert_eq!(PlacementPhase::parse(phase.as_str()), Some(phase));
    }
    assert_eq!(Theme::parse(" Klik "), Some(Theme::Klik));
    assert_eq!(Theme::parse("kliks"), None);
    assert_eq!(PlacementPhase::parse("later"), None);
    assert_eq!(PlacementPhase::for_weeks(0), PlacementPhase::Begin);
    assert_eq!(PlacementPhase::for_weeks(3), PlacementPhase::Begin);
    assert_eq!(PlacementPhase::for_weeks(4), PlacementPhase::Midden);
    assert_eq!(PlacementPhase::for_weeks(11), PlacementPhase::Midden);
    assert_eq!(PlacementPhase::for_weeks(12), PlacementPhase::Eind);
}

/// The serde name of a theme, via the toml serializer.
fn serde_name(theme: Theme) -> String {
    #[derive(Serialize)]
    struct W {
        t: Theme,
    }
    let s = toml::to_string(&W { t: theme }).expect("serialize");
    s.trim().trim_start_matches("t = ").to_string()
}

/// A minimal valid library: 4 prompts per theme, nl and en, in one file each.
fn entries() -> Vec<(String, Theme, PlacementPhase, String, String)> {
    let phases = [
        PlacementPhase::Begin,
        PlacementPhase::Midden,
        PlacementPhase::Eind,
        PlacementPhase::Any,
    ];
    let mut out = Vec::new();
    for theme in Theme::ALL {
        for (n, phase) in phases.into_iter().enumerate() {
            out.push((
                format!("{}-{:02}", theme.as_str(), n + 1),
                theme,
                phase,
                format!(
                    "Hoe ging het deze week met {} nummer {}?",
                    theme.as_str(),
                    n
                ),
                format!("How did {} number {} go this week?", theme.as_str(), n),
            ));
        }
    }
    out
}

fn entry_toml(id: &str, theme: &str, phase: &str, text: &str) -> String {
    format!(
        "[[prompt]]\nid = \"{id}\"\ntheme = \"{theme}\"\nphase = \"{phase}\"\ntext = \"{text}\"\n\n"
    )
}

fn files_from(entries: &[(String, Theme, PlacementPhase, String, String)]) -> Vec<SourceFile> {
    let mut nl = String::new();
    let mut en = String::new();
    for (id, theme, phase, t_nl, t_en) in entries {
        nl.push_str(&entry_toml(id, theme.as_str(), phase.as_str(), t_nl));
        en.push_str(&entry_toml(id, theme.as_str(), phase.as_str(), t_en));
    }
    vec![
        SourceFile {
            name: "klik.toml".into(),
            language: Language::Nl,
            content: nl,
        },
        SourceFile {
            name: "klik.toml".into(),
            language: Language::En,
            content: en,
        },
    ]
}

fn problems(files: &[SourceFile]) -> Vec<CatalogueProblem> {
    match Catalogue::parse(files) {
        Ok(_) => Vec::new(),
        Err(p) => p,
    }
}

#[test]
fn minimal_library_is_valid() {
    let cat = Catalogue::parse(&files_from(&entries())).expect("valid");
    assert_eq!(cat.prompts(Language::Nl).len(), 64);
}

#[test]
fn syntax_error_names_file_and_line() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str("[[prompt]]\nid = \"klik-99\nphase = \"any\"\n");
    let lines = files[0].content.lines().count();
    let p = problems(&files);
    let syntax = p
        .iter()
        .find_map(|p| match p {
            CatalogueProblem::Syntax { file, line, .. } => Some((file.clone(), *line)),
            _ => None,
        })
        .expect("syntax problem");
    assert_eq!(syntax.0, "klik.toml");
    let line = syntax.1.expect("line");
    assert!(line >= lines - 2 && line <= lines, "line {line} of {lines}");
    assert_eq!(p.len(), 1, "cross-file checks are skipped: {p:?}");
    let msg = p[0].to_string();
    assert!(msg.starts_with("klik.toml: regel "), "{msg}");
    assert!(msg.contains(" / line "), "{msg}");
}

#[test]
fn missing_field_is_reported() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str("[[prompt]]\nid = \"klik-09\"\ntheme = \"klik\"\ntext = \"Hoe?\"\n");
    assert!(matches!(
        problems(&files).as_slice(),
        [CatalogueProblem::Syntax { .. }, ..]
    ));
}

#[test]
fn unknown_theme_and_phase_fire() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str(&entry_toml("kliks-01", "kliks", "later", "Hoe gaat het?"));
    let p = problems(&files);
    assert!(p.iter().any(|p| matches!(p,
        CatalogueProblem::UnknownTheme { id, theme, .. } if id == "kliks-01" && theme == "kliks")));
    assert!(p.iter().any(|p| matches!(p,
        CatalogueProblem::UnknownPhase { phase, .. } if phase == "later")));
}

#[test]
fn bad_id_fires() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str(&entry_toml("veiligheid-7", "klik", "any", "Hoe gaat het?"));
    files[1].content.push_str(&entry_toml(
        "veiligheid-7",
        "klik",
        "any",
        "How is it going?",
    ));
    let p = problems(&files);
    assert!(p.iter().any(|p| matches!(p,
        CatalogueProblem::BadId { id, .. } if id == "veiligheid-7")));
}

#[test]
fn duplicate_id_fires() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str(&entry_toml("klik-01", "klik", "begin", "Hoe is het nu?"));
    let p = problems(&files);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(matches!(&p[0],
        CatalogueProblem::DuplicateId { id, language: Language::Nl, .. } if id == "klik-01"));
    assert!(p[0].to_string().contains("dubbel"));
}

#[test]
fn uncovered_theme_fires() {
    let e: Vec<_> = entries()
        .into_iter()
        .filter(|e| e.0 != "agency-03")
        .collect();
    let p = problems(&files_from(&e));
    assert_eq!(
        p,
        vec![CatalogueProblem::UncoveredTheme {
            theme: Theme::Agency,
            count: 3
        }]
    );
    assert!(p[0].to_string().contains("uncovered theme"));
}

#[test]
fn missing_translation_fires_both_ways() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str(&entry_toml("klik-05", "klik", "any", "Hoe is het nu?"));
    files[1]
        .content
        .push_str(&entry_toml("klik-06", "klik", "any", "How is it now?"));
    let p = problems(&files);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p.contains(&CatalogueProblem::MissingTranslation {
        file: "klik.toml".into(),
        id: "klik-05".into(),
        present: Language::Nl,
        missing: Language::En,
    }));
    assert!(p.contains(&CatalogueProblem::MissingTranslation {
        file: "klik.toml".into(),
        id: "klik-06".into(),
        present: Language::En,
        missing: Language::Nl,
    }));
}

#[test]
fn translation_mismatch_fires() {
    let mut files = files_from(&entries());
    files[0]
        .content
        .push_str(&entry_toml("klik-05", "klik", "begin", "Hoe is het nu?"));
    files[1]
        .content
        .push_str(&entry_toml("klik-05", "klik", "eind", "How is it now?"));
    let p = problems(&files);
    assert!(matches!(p.as_slice(),
        [CatalogueProblem::TranslationMismatch { id, nl_phase: PlacementPhase::Begin, en_phase: PlacementPhase::Eind, .. }]
        if id == "klik-05"));
}

#[test]
fn not_a_question_fires() {
    let mut e = entries();
    e[0].3 = "Vertel iets over je week.".into();
    let p = problems(&files_from(&e));
    assert_eq!(
        p,
        vec![CatalogueProblem::NotAQuestion {
            file: "klik.toml".into(),
            id: "veiligheid-01".into()
        }]
    );
    assert_eq!(
        p[0].to_string(),
        "klik.toml: prompt `veiligheid-01`: geen vraag (eindigt niet op '?') / \
         not a question (does not end in '?')"
    );
}

#[test]
fn trailing_whitespace_after_question_mark_is_fine() {
    let mut e = entries();
    e[0].3 = "Hoe gaat het?   ".into();
    assert!(problems(&files_from(&e)).is_empty());
}

#[test]
fn directive_wording_fires_nl_moet() {
    let mut e = entries();
    e[1].3 = "Wat Moet je student deze week leren?".into();
    let p = problems(&files_from(&e));
    assert!(matches!(p.as_slice(),
        [CatalogueProblem::Directive { word, id, .. }] if word == "moet" && id == "veiligheid-02"));
    // Word boundaries: "moeite" and "zorg" alone are fine.
    assert_eq!(directive_word(Language::Nl, "Kost het je moeite?"), None);
    assert_eq!(directive_word(Language::Nl, "Welke zorg heb je?"), None);
    assert_eq!(
        directive_word(Language::Nl, "Zorg ervoor dat je luistert?"),
        Some("zorg ervoor")
    );
    // Dutch words are not checked against the English list and vice versa.
    assert_eq!(directive_word(Language::En, "Wat moet je?"), None);
}

#[test]
fn directive_wording_fires_en_should() {
    let mut e = entries();
    e[2].4 = "What SHOULD your student try next?".into();
    let p = problems(&files_from(&e));
    assert!(matches!(p.as_slice(),
        [CatalogueProblem::Directive { word, .. }] if word == "should"));
    assert_eq!(
        directive_word(Language::En, "Did you have to step in?"),
        Some("have to")
    );
    assert_eq!(directive_word(Language::En, "Is the mustard good?"), None);
}

#[test]
fn too_long_and_empty_fire() {
    let mut e = entries();
    e[3].3 = format!("{}?", "a".repeat(MAX_PROMPT_CHARS));
    e[4].3 = "   ".into();
    let p = problems(&files_from(&e));
    assert!(p.iter().any(|p| matches!(p,
        CatalogueProblem::TooLong { chars, .. } if *chars == MAX_PROMPT_CHARS + 1)));
    assert!(
        p.iter()
            .any(|p| matches!(p, CatalogueProblem::EmptyText { .. }))
    );
    assert_eq!(p.len(), 2, "{p:?}");
    // Exactly the maximum is fine (counted in characters, not bytes).
    let mut e = entries();
    e[3].3 = format!("{}?", "é".repeat(MAX_PROMPT_CHARS - 1));
    assert!(problems(&files_from(&e)).is_empty());
}

#[test]
fn all_problems_are_reported_at_once() {
    let mut e = entries();
    e[0].3 = "Geen vraag.".into();
    e[1].4 = "You must answer?".into();
    let mut files = files_from(&e);
    files.push(SourceFile {
        name: "kapot.toml".into(),
        language: Language::Nl,
        content: "[[prompt]\n".into(),
    });
    assert_eq!(problems(&files).len(), 3);
}

// --- selection --------------------------------------------------------------------------

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 9, 1, 10, 0, 0)
        .single()
        .expect("valid time")
}

/// Runs `n` selections, `days_between` apart, feeding each pick back into the history.
fn run(
    cat: &Catalogue,
    seed: u64,
    n: usize,
    days_between: i64,
    weeks_in: impl Fn(DateTime<Utc>) -> Option<i64>,
    lean_to_klik: bool,
) -> Vec<Sent> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut history = Vec::new();
    for i in 0..n {
        let now = t0() + Duration::days(days_between * i as i64);
        let ctx = SelectionContext {
            language: Language::Nl,
            weeks_in: weeks_in(now),
            history: &history,
            now,
            lean_to_klik,
        };
        let p = select(cat, &ctx, &mut rng).expect("a prompt");
        history.push(Sent {
            prompt: p.id.clone(),
            theme: p.theme,
            at: now,
        });
    }
    history
}

#[test]
fn twenty_picks_never_repeat_within_eight_weeks() {
    let cat = Catalogue::builtin();
    for seed in 0..5 {
        // Two or three prompts a week over about five months, placement progressing.
        let h = run(
            &cat,
            seed,
            60,
            3,
            |now| Some((now - t0()).num_weeks()),
            false,
        );
        for (i, a) in h.iter().enumerate() {
            for b in &h[i + 1..] {
                if a.prompt == b.prompt {
                    assert!(
                        b.at - a.at >= Duration::days(REPEAT_WINDOW_DAYS),
                        "{} repeated after {} days",
                        a.prompt,
                        (b.at - a.at).num_days()
                    );
                }
            }
        }
        // The first twenty, all within eight weeks, are all different.
        let first: BTreeSet<&PromptId> = h[..20].iter().map(|s| &s.prompt).collect();
        assert_eq!(first.len(), 20);
    }
}

#[test]
fn themes_rotate() {
    let cat = Catalogue::builtin();
    for weeks in [None, Some(1), Some(6), Some(20)] {
        for seed in 0..5 {
            let h = run(&cat, seed, 32, 2, |_| weeks, false);
            let first: BTreeSet<Theme> = h[..16].iter().map(|s| s.theme).collect();
            assert_eq!(first.len(), 16, "weeks {weeks:?} seed {seed}");
            // The second round is again a full rotation.
            let second: BTreeSet<Theme> = h[16..32].iter().map(|s| s.theme).collect();
            assert_eq!(second.len(), 16, "weeks {weeks:?} seed {seed}");
        }
    }
}

#[test]
fn phase_follows_weeks_in() {
    let cat = Catalogue::builtin();
    for (weeks, phase) in [
        (1, PlacementPhase::Begin),
        (6, PlacementPhase::Midden),
        (20, PlacementPhase::Eind),
    ] {
        let h = run(&cat, 7, 16, 2, |_| Some(weeks), false);
        for s in &h {
            let p = cat.get(Language::Nl, &s.prompt).expect("known");
            assert!(
                p.phase == phase || p.phase == PlacementPhase::Any,
                "week {weeks}: {} is {}",
                p.id,
                p.phase
            );
        }
    }
}

#[test]
fn phase_falls_back_when_nothing_fits() {
    // Only begin prompts fit week 1; once they are used, other phases follow.
    let cat = Catalogue::builtin();
    let fitting = cat
        .prompts(Language::Nl)
        .iter()
        .filter(|p| p.phase.fits(PlacementPhase::Begin))
        .count();
    let h = run(&cat, 3, fitting + 5, 1, |_| Some(1), false);
    let ids: BTreeSet<&PromptId> = h.iter().map(|s| &s.prompt).collect();
    assert_eq!(ids.len(), h.len(), "no repeats while fresh prompts remain");
    for s in &h[..fitting] {
        let p = cat.get(Language::Nl, &s.prompt).expect("known");
        assert!(p.phase.fits(PlacementPhase::Begin));
    }
}

#[test]
fn lean_to_klik_picks_klik_and_veiligheid() {
    let cat = Catalogue::builtin();
    let h = run(&cat, 11, 6, 2, |_| Some(6), true);
    for s in &h {
        assert!(
            matches!(s.theme, Theme::Klik | Theme::Veiligheid),
            "{}",
            s.theme
        );
    }
    // The two themes alternate.
    for pair in h.windows(2) {
        assert_ne!(pair[0].theme, pair[1].theme);
    }
    // Once both themes are used up, other themes follow (no repeats, no None).
    let pool = cat.by_theme(Language::Nl, Theme::Klik).count()
        + cat.by_theme(Language::Nl, Theme::Veiligheid).count();
    let h = run(&cat, 11, pool + 3, 1, |_| None, true);
    assert!(
        h[..pool]
            .iter()
            .all(|s| matches!(s.theme, Theme::Klik | Theme::Veiligheid))
    );
    assert!(
        h[pool..]
            .iter()
            .all(|s| !matches!(s.theme, Theme::Klik | Theme::Veiligheid))
    );
}

#[test]
fn same_seed_same_picks() {
    let cat = Catalogue::builtin();
    let a = run(&cat, 42, 30, 3, |now| Some((now - t0()).num_weeks()), false);
    let b = run(&cat, 42, 30, 3, |now| Some((now - t0()).num_weeks()), false);
    assert_eq!(a, b);
    let c = run(&cat, 43, 30, 3, |now| Some((now - t0()).num_weeks()), false);
    assert_ne!(a, c, "a different seed gives a different sequence");
}

#[test]
fn never_none_when_everything_was_sent_recently() {
    let cat = Catalogue::builtin();
    let all = cat.prompts(Language::Nl);
    // Every prompt sent in the last days; the oldest one comes back.
    let history: Vec<Sent> = all
        .iter()
        .enumerate()
        .map(|(i, p)| Sent {
            prompt: p.id.clone(),
            theme: p.theme,
            at: t0() + Duration::hours(i as i64),
        })
        .collect();
    let now = t0() + Duration::days(5);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for lean in [false, true] {
        let ctx = SelectionContext {
            language: Language::Nl,
            weeks_in: Some(5),
            history: &history,
            now,
            lean_to_klik: lean,
        };
        let p = select(&cat, &ctx, &mut rng).expect("a prompt");
        assert_eq!(p.id, all[0].id);
    }
}

#[test]
fn a_prompt_returns_after_eight_weeks() {
    let cat = Catalogue::parse(&files_from(&entries())).expect("valid");
    let all = cat.prompts(Language::Nl);
    // All sent 56 days ago except one sent yesterday: every old one is eligible again.
    let mut history: Vec<Sent> = all
        .iter()
        .map(|p| Sent {
            prompt: p.id.clone(),
            theme: p.theme,
            at: t0(),
        })
        .collect();
    let now = t0() + Duration::days(REPEAT_WINDOW_DAYS);
    history[0].at = now - Duration::days(1);
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for _ in 0..50 {
        let ctx = SelectionContext {
            language: Language::Nl,
            weeks_in: None,
            history: &history,
            now,
            lean_to_klik: false,
        };
        let p = select(&cat, &ctx, &mut rng).expect("a prompt");
        assert_ne!(p.id, all[0].id);
        // The theme sent yesterday is not chosen while others wait longer.
        assert_ne!(p.theme, all[0].theme);
    }
}

#[test]
fn empty_language_gives_none() {
    let cat = Catalogue {
        nl: Vec::new(),
        en: Vec::new(),
    };
    let ctx = SelectionContext {
        language: Language::En,
        weeks_in: None,
        history: &[],
        now: t0(),
        lean_to_klik: false,
    };
    assert!(select(&cat, &ctx, &mut ChaCha8Rng::seed_from_u64(0)).is_none());
}

// --- rule tables ------------------------------------------------------------------------

#[test]
fn placement_phase_for_weeks_table() {
    let cases = [
        (-1, PlacementPhase::Begin),
        (0, PlacementPhase::Begin),
        (3, PlacementPhase::Begin),
        (4, PlacementPhase::Midden),
        (11, PlacementPhase::Midden),
        (12, PlacementPhase::Eind),
        (52, PlacementPhase::Eind),
    ];
    for (weeks_in, expected) in cases {
        assert_eq!(
            PlacementPhase::for_weeks(weeks_in),
            expected,
            "weeks_in {weeks_in}"
        );
    }
}

#[test]
fn placement_phase_fits_table() {
    use PlacementPhase::{Any, Begin, Eind, Midden};
    let cases = [
        (Begin, Begin, true),
        (Begin, Midden, false),
        (Begin, Eind, false),
        (Midden, Begin, false),
        (Midden, Midden, true),
        (Eind, Midden, false),
        (Eind, Eind, true),
        (Any, Begin, true),
        (Any, Eind, true),
        (Midden, Any, true),
        (Any, Any, true),
    ];
    for (prompt, target, expected) in cases {
        assert_eq!(
            prompt.fits(target),
            expected,
            "a {prompt} prompt in the {target} phase"
        );
    }
}

#[test]
fn lean_themes_table() {
    let cases = [
        (Theme::Klik, true),
        (Theme::Veiligheid, true),
        (Theme::VragendOpleiden, false),
        (Theme::TheoriePraktijk, false),
        (Theme::Contextleren, false),
        (Theme::Gastheer, false),
        (Theme::Leermeester, false),
        (Theme::Raadgever, false),
        (Theme::Rolmodel, false),
        (Theme::RichtinggevendEmpowerend, false),
        (Theme::Konig, false),
        (Theme::Agency, false),
        (Theme::Schuurmomenten, false),
        (Theme::DominantThema, false),
        (Theme::SteunBelemmering, false),
        (Theme::Leerfasen, false),
    ];
    assert_eq!(cases.len(), Theme::ALL.len(), "every theme has a case");
    for (theme, expected) in cases {
        assert_eq!(is_lean_theme(theme), expected, "{theme}");
    }
}

/// The ids `select` may give on the minimal library (`<theme>-01` begin, `-02` midden, `-03`
/// eind, `-04` any) at `t0()`, for every seed in 0..16, with `sent` prompts sent that many
/// days before.
fn picks(lean_to_klik: bool, weeks_in: Option<i64>, sent: &[(String, i64)]) -> BTreeSet<String> {
    let cat = Catalogue::parse(&files_from(&entries())).expect("valid");
    let history: Vec<Sent> = sent
        .iter()
        .map(|(id, days)| {
            let id = PromptId::from_trusted(id.clone());
            let theme = cat.get(Language::Nl, &id).expect("known id").theme;
            Sent {
                prompt: id,
                theme,
                at: t0() - Duration::days(*days),
            }
        })
        .collect();
    let ctx = SelectionContext {
        language: Language::Nl,
        weeks_in,
        history: &history,
        now: t0(),
        lean_to_klik,
    };
    (0..16)
        .map(|seed| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let p = select(&cat, &ctx, &mut rng).expect("a prompt");
            p.id.as_str().to_string()
        })
        .collect()
}

/// `(id, days ago)` for the given numbers of the given themes.
fn sent(themes: &[Theme], numbers: &[u8], days: i64) -> Vec<(String, i64)> {
    themes
        .iter()
        .flat_map(|t| numbers.iter().map(move |n| (format!("{t}-{n:02}"), days)))
        .collect()
}

/// Every theme except `but`.
fn themes_except(but: &[Theme]) -> Vec<Theme> {
    Theme::ALL
        .into_iter()
        .filter(|t| !but.contains(t))
        .collect()
}

#[test]
fn lean_to_klik_selection_table() {
    use Theme::{Agency, Klik, Veiligheid};
    let ids = |themes: &[Theme], numbers: &[u8]| -> BTreeSet<String> {
        sent(themes, numbers, 0)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let all_but_agency = sent(&themes_except(&[Agency]), &[1], 3);
    let lean_used_up = [
        sent(&[Klik, Veiligheid], &[1, 2, 3, 4], 1),
        sent(&themes_except(&[Agency, Klik, Veiligheid]), &[1], 100),
    ]
    .concat();
    // (case, lean_to_klik, weeks_in, sent before, the ids that may be picked)
    let cases = [
        (
            "lean, nothing sent yet",
            true,
            None,
            vec![],
            ids(&[Klik, Veiligheid], &[1, 2, 3, 4]),
        ),
        (
            "no lean: the theme unused longest",
            false,
            None,
            all_but_agency.clone(),
            ids(&[Agency], &[1, 2, 3, 4]),
        ),
        (
            "lean goes before theme rotation",
            true,
            None,
            all_but_agency,
            ids(&[Klik, Veiligheid], &[2, 3, 4]),
        ),
        (
            "lean, then the placement's own phase",
            true,
            Some(20),
            vec![],
            ids(&[Klik, Veiligheid], &[3]),
        ),
        (
            "lean goes before the phase",
            true,
            Some(20),
            sent(&[Klik, Veiligheid], &[3, 4], 1),
            ids(&[Klik, Veiligheid], &[1, 2]),
        ),
        (
            "lean rotates between klik and veiligheid",
            true,
            None,
            sent(&[Klik], &[1], 2),
            ids(&[Veiligheid], &[1, 2, 3, 4]),
        ),
        (
            "lean, klik and veiligheid used up: the usual rotation",
            true,
            None,
            lean_used_up,
            ids(&[Agency], &[1, 2, 3, 4]),
        ),
    ];
    for (case, lean, weeks_in, before, expected) in cases {
        let got = picks(lean, weeks_in, &before);
        assert!(
            !got.is_empty() && got.is_subset(&expected),
            "{case}: picked {got:?}, expected only {expected:?}"
        );
    }
}

#[test]
fn repeat_window_table() {
    // klik-01 was sent `days` ago, agency-01 long ago and everything else yesterday; leaning
    // to klik, klik-01 is picked exactly when it is eligible again.
    let cases = [
        (1, "agency-01"),
        (REPEAT_WINDOW_DAYS - 1, "agency-01"),
        (REPEAT_WINDOW_DAYS, "klik-01"),
        (REPEAT_WINDOW_DAYS + 1, "klik-01"),
        (400, "klik-01"),
    ];
    for (days, expected) in cases {
        let mut before: Vec<(String, i64)> = sent(&Theme::ALL, &[1, 2, 3, 4], 1)
            .into_iter()
            .filter(|(id, _)| id != "klik-01" && id != "agency-01")
            .collect();
        before.push(("klik-01".into(), days));
        before.push(("agency-01".into(), 300));
        let got = picks(true, None, &before);
        let want = BTreeSet::from([expected.to_string()]);
        assert_eq!(got, want, "klik-01 sent {days} days ago");
    }
}
