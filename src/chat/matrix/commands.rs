//! The `!` commands, the typed form of the shared command table (`chat::command`), as a pure
//! parser. Dutch names with English aliases; the core decides who may do what.

use chrono::NaiveDate;

use crate::app::inbox::EscalationAction;
pub use crate::chat::command::Command;
use crate::chat::input::parse_date;
use crate::domain::klik::KlikValue;
use crate::domain::language::Text;

/// Why a message is not a command to carry out, and so what to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a command at all (no `!`): the text is a reflection or a post.
    NotACommand,
    /// A `!` word that names no command (kept without the `!`).
    Unknown(String),
    /// The command was recognised but its arguments were not; shows how to use it, with the
    /// command names of each language.
    Usage(Text),
}

impl ParseError {
    /// What to tell the person; nothing for plain text.
    pub fn text(&self) -> Option<Text> {
        match self {
            ParseError::NotACommand => None,
            ParseError::Unknown(name) => Some(Text::owned(
                format!("!{name} ken ik niet; !help laat zien wat kan."),
                format!("I do not know !{name}; !help shows what I can do."),
            )),
            ParseError::Usage(usage) => Some(Text::owned(
                format!("Zo gebruik je het: {}", usage.nl()),
                format!("This is how to use it: {}", usage.en()),
            )),
        }
    }
}

const REFLECT_USAGE: Text = Text::new(
    "!reflectie [--delen] <tekst>",
    "!reflection [--share] <text>",
);
const KLIK_USAGE: Text = Text::new(
    "!klik <goed|twijfel|geen klik> [student]",
    "!klik <good|doubt|no klik> [student]",
);
const PAUSE_USAGE: Text = Text::new("!pauze <JJJJ-MM-DD>", "!pause <YYYY-MM-DD>");
const RHYTHM_USAGE: Text = Text::new("!ritme [1-3]", "!rhythm [1-3]");
const FORGET_USAGE: Text = Text::new("!vergeet-mij [bevestig]", "!forget-me [confirm]");
const PAIR_USAGE: Text = Text::new(
    "!koppel <wpb> <student> [start] [eind]",
    "!pair <wpb> <student> [start] [end]",
);
const UNPAIR_USAGE: Text = Text::new(
    "!ontkoppel <wpb> <student> [eind]",
    "!unpair <wpb> <student> [end]",
);
const INTERVISIE_USAGE: Text = Text::new(
    "!intervisie start <casus> | bijdrage <tekst> | door | opbrengst <tekst>",
    "!intervision start <case> | post <text> | next | takeaway <text>",
);
const SETTINGS_USAGE: Text = Text::new(
    "!instellingen [keer 1-3] [herinnering aan|uit]",
    "!settings [times 1-3] [reminder on|off]",
);
const OVERVIEW_USAGE: Text = Text::new("!overzicht [weken 1-52]", "!overview [weeks 1-52]");
const WEEKLY_USAGE: Text = Text::new("!weekoverzicht aan|uit", "!weekly on|off");
const ESCALATION_USAGE: Text = Text::new(
    "!oppakken <nr> · !opgelost <nr> · !overplaatsen <nr>",
    "!acknowledge <nr> · !resolve <nr> · !move <nr>",
);

/// One line of help per command, in the person's language (the other language's command names
/// work too).
pub const HELP: Text = Text::new(
    "\
!reflectie [--delen] <tekst> — je reflectie van één regel
!klik <goed|twijfel|geen klik> [student] — hoe is de klik (studenten: vertrouwelijk)
!pauze <datum>, !hervat — vragen pauzeren en hervatten
!ritme [1-3] — hoe vaak je een vraag krijgt
!vraag — een vraag nu (hooguit één keer per dag; telt mee voor je week)
!mijngegevens — alles wat over jou bewaard is
!vergeet-mij [bevestig] — alles verwijderen
!intervisie start <casus> | start #<reflectie> | bijdrage <tekst> | door | opbrengst <tekst> — intervisie
!koppel <wpb> <student> [start] [eind], !ontkoppel <wpb> <student> [eind] — koppelingen
Iemand noemen: rooster-id, naam (met spaties tussen aanhalingstekens) of @matrix-id
!terugblik — je eigen reflecties en klik van deze stage, alleen voor jou
!escalaties, !overzicht [weken], !weekoverzicht aan|uit, !instellingen [keer 1-3] [herinnering aan|uit] — je school
!oppakken <nr> · !opgelost <nr> · !overplaatsen <nr> — een escalatie (of reageer met ✋ ✅ 🔁)
Klik op een vraag: reageer met 👍 goed, 🤔 twijfel of 👎 geen klik.",
    "\
!reflection [--share] <text> — your one-line reflection
!klik <good|doubt|no klik> [student] — how is the klik (students: confidential)
!pause <date>, !resume — pause and resume prompts
!rhythm [1-3] — how often you get a prompt
!prompt — a prompt now (at most once a day; counts toward your week)
!mydata — everything stored about you
!forget-me [confirm] — delete everything
!intervision start <case> | start #<reflection> | post <text> | next | takeaway <text> — intervisie
!pair <wpb> <student> [start] [end], !unpair <wpb> <student> [end] — pairings
Naming someone: roster id, name (in quotes when it has spaces) or @matrix-id
!lookback — your own reflections and klik of this placement, only for you
!escalations, !overview [weeks], !weekly on|off, !settings [times 1-3] [reminder on|off] — your school
!acknowledge <nr> · !resolve <nr> · !move <nr> — an escalation (or react with ✋ ✅ 🔁)
Klik on a prompt: react with 👍 good, 🤔 doubt or 👎 no klik.",
);

/// Reads a `!` command from a message's text; plain text is `NotACommand`.
pub fn parse(text: &str) -> Result<Command, ParseError> {
    let text = text.trim();
    let Some(rest) = text.strip_prefix('!') else {
        return Err(ParseError::NotACommand);
    };
    let (name, args) = match rest.split_once(char::is_whitespace) {
        Some((n, a)) => (n, a.trim()),
        None => (rest, ""),
    };
    let name = name.to_lowercase();
    let words: Vec<&str> = args.split_whitespace().collect();
    let usage = |u: Text| Err(ParseError::Usage(u));
    match name.as_str() {
        "help" | "hulp" => Ok(Command::Help),
        "reflectie" | "reflection" => {
            let (share, text) = match args
                .strip_prefix("--delen")
                .or_else(|| args.strip_prefix("--share"))
            {
                Some(t) => (true, t.trim()),
                None => (false, args),
            };
            if text.is_empty() {
                return usage(REFLECT_USAGE);
            }
            Ok(Command::Reflect {
                text: text.to_string(),
                share,
            })
        }
        "klik" => klik(&tokens(args)),
        "pauze" | "pause" => match words.as_slice() {
            [d] => parse_date(d)
                .map(|until| Command::Pause { until })
                .ok_or(ParseError::Usage(PAUSE_USAGE)),
            _ => usage(PAUSE_USAGE),
        },
        "hervat" | "resume" => Ok(Command::Resume),
        "vraag" | "prompt" => Ok(Command::AskPrompt),
        "ritme" | "rhythm" => match words.as_slice() {
            [] => Ok(Command::Rhythm { per_week: None }),
            [n] => n
                .parse()
                .map(|n| Command::Rhythm { per_week: Some(n) })
                .map_err(|_| ParseError::Usage(RHYTHM_USAGE)),
            _ => usage(RHYTHM_USAGE),
        },
        "mijngegevens" | "mydata" => Ok(Command::ExportOwn),
        "vergeet-mij" | "forget-me" => match words.as_slice() {
            [] => Ok(Command::Forget { confirm: false }),
            [w] if matches!(w.to_lowercase().as_str(), "bevestig" | "confirm") => {
                Ok(Command::Forget { confirm: true })
            }
            _ => usage(FORGET_USAGE),
        },
        "intervisie" | "intervision" => intervisie(&words, args),
        "koppel" | "pair" => match people_and_dates(&tokens(args), 2) {
            Some((w, s, dates)) => Ok(Command::Pair {
                wpb: w,
                student: s,
                start: dates.first().copied(),
                end: dates.get(1).copied(),
            }),
            None => usage(PAIR_USAGE),
        },
        "ontkoppel" | "unpair" => match people_and_dates(&tokens(args), 1) {
            Some((w, s, dates)) => Ok(Command::Unpair {
                wpb: w,
                student: s,
                end: dates.first().copied(),
            }),
            None => usage(UNPAIR_USAGE),
        },
        "escalaties" | "escalations" => Ok(Command::Escalations),
        "overzicht" | "overview" => match words.as_slice() {
            [] => Ok(Command::Overview { weeks: None }),
            [n] => match n.parse::<u32>() {
                Ok(w @ 1..=52) => Ok(Command::Overview { weeks: Some(w) }),
                _ => usage(OVERVIEW_USAGE),
            },
            _ => usage(OVERVIEW_USAGE),
        },
        "weekoverzicht" | "weekly" => match words.as_slice() {
            [w] => match w.to_lowercase().as_str() {
                "aan" | "on" => Ok(Command::WeeklyDigest { on: true }),
                "uit" | "off" => Ok(Command::WeeklyDigest { on: false }),
                _ => usage(WEEKLY_USAGE),
            },
            _ => usage(WEEKLY_USAGE),
        },
        "terugblik" | "lookback" => Ok(Command::Terugblik),
        "instellingen" | "settings" => settings(&words),
        "oppakken" | "acknowledge" => escalation(&words, EscalationAction::Acknowledge),
        "opgelost" | "resolve" => escalation(&words, EscalationAction::Resolve),
        "overplaatsen" | "move" => escalation(&words, EscalationAction::Move),
        other => Err(ParseError::Unknown(other.to_string())),
    }
}

/// Words, where a "quoted part" (straight or curly quotes) is one word without its quotes:
/// how a name with spaces is typed.
fn tokens(args: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in args.chars() {
        match c {
            '"' | '\u{201C}' | '\u{201D}' => {
                quoted = !quoted;
                if !quoted && !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c if c.is_whitespace() && !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// `<value> [person]`: the value is one or two words (`geen klik`); the rest names the student,
/// by roster id, name (spaces allowed) or Matrix id.
fn klik(words: &[String]) -> Result<Command, ParseError> {
    if words.is_empty() {
        return Err(ParseError::Usage(KLIK_USAGE));
    }
    let split = [2, 1]
        .into_iter()
        .filter(|&n| n <= words.len())
        .find(|&n| KlikValue::parse(&words[..n].join(" ")).is_ok())
        .unwrap_or_else(|| match words.last() {
            // An unknown value with a Matrix id after it: the core says which values exist.
            Some(w) if w.starts_with('@') && words.len() > 1 => words.len() - 1,
            _ => words.len(),
        });
    let student = words[split..].join(" ");
    Ok(Command::Klik {
        value: words[..split].join(" "),
        student: (!student.is_empty()).then_some(student),
    })
}

/// Two people, then up to `max_dates` dates.
fn people_and_dates(
    words: &[String],
    max_dates: usize,
) -> Option<(String, String, Vec<NaiveDate>)> {
    match words {
        [w, s, dates @ ..] if dates.len() <= max_dates => {
            let dates: Option<Vec<NaiveDate>> = dates.iter().map(|d| parse_date(d)).collect();
            Some((w.clone(), s.clone(), dates?))
        }
        _ => None,
    }
}

fn intervisie(words: &[&str], args: &str) -> Result<Command, ParseError> {
    let usage = ParseError::Usage(INTERVISIE_USAGE);
    let Some((sub, _)) = words.split_first() else {
        return Err(usage);
    };
    let text = args[sub.len()..].trim().to_string();
    match sub.to_lowercase().as_str() {
        "start" => match text.strip_prefix('#').map(str::parse::<i64>) {
            Some(Ok(id)) => Ok(Command::IntervisieStart {
                case: String::new(),
                reflection: Some(id),
            }),
            _ if text.is_empty() => Err(usage),
            _ => Ok(Command::IntervisieStart {
                case: text,
                reflection: None,
            }),
        },
        "bijdrage" | "post" if !text.is_empty() => Ok(Command::IntervisiePost { text }),
        "door" | "next" => Ok(Command::IntervisieAdvance),
        "opbrengst" | "takeaway" if !text.is_empty() => Ok(Command::IntervisieTakeaway { text }),
        _ => Err(usage),
    }
}

fn settings(words: &[&str]) -> Result<Command, ParseError> {
    let usage = ParseError::Usage(SETTINGS_USAGE);
    let mut per_week = None;
    let mut reminder = None;
    for w in words {
        match w.to_lowercase().as_str() {
            "aan" | "on" => reminder = Some(true),
            "uit" | "off" => reminder = Some(false),
            "herinnering" | "reminder" | "keer" | "times" => {}
            n => per_week = Some(n.parse::<u8>().map_err(|_| usage.clone())?),
        }
    }
    Ok(Command::Settings { per_week, reminder })
}

fn escalation(words: &[&str], action: EscalationAction) -> Result<Command, ParseError> {
    match words {
        [id] => id
            .trim_start_matches('#')
            .parse()
            .map(|id| Command::Escalation { id, action })
            .map_err(|_| ParseError::Usage(ESCALATION_USAGE)),
        _ => Err(ParseError::Usage(ESCALATION_USAGE)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Command {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }

    #[test]
    fn every_command_in_dutch_and_english() {
        let d = |s: &str| parse_date(s).expect("date");
        let table = [
            ("!help", Command::Help),
            ("!vraag", Command::AskPrompt),
            ("!prompt", Command::AskPrompt),
            (
                "!reflectie Ze vroeg door.",
                Command::Reflect {
                    text: "Ze vroeg door.".into(),
                    share: false,
                },
            ),
            (
                "!reflection --share Good day",
                Command::Reflect {
                    text: "Good day".into(),
                    share: true,
                },
            ),
            (
                "!reflectie --delen Goed gesprek",
                Command::Reflect {
                    text: "Goed gesprek".into(),
                    share: true,
                },
            ),
            (
                "!klik twijfel",
                Command::Klik {
                    value: "twijfel".into(),
                    student: None,
                },
            ),
            (
                "!klik geen klik @sam:school.nl",
                Command::Klik {
                    value: "geen klik".into(),
                    student: Some("@sam:school.nl".into()),
                },
            ),
            (
                "!pauze 24-12-2026",
                Command::Pause {
                    until: d("2026-12-24"),
                },
            ),
            ("!resume", Command::Resume),
            ("!ritme", Command::Rhythm { per_week: None }),
            ("!rhythm 3", Command::Rhythm { per_week: Some(3) }),
            ("!mijngegevens", Command::ExportOwn),
            ("!vergeet-mij", Command::Forget { confirm: false }),
            ("!forget-me confirm", Command::Forget { confirm: true }),
            (
                "!intervisie start Mijn casus is dit.",
                Command::IntervisieStart {
                    case: "Mijn casus is dit.".into(),
                    reflection: None,
                },
            ),
            (
                "!intervisie start #12",
                Command::IntervisieStart {
                    case: String::new(),
                    reflection: Some(12),
                },
            ),
            (
                "!intervision post Wat deed je toen?",
                Command::IntervisiePost {
                    text: "Wat deed je toen?".into(),
                },
            ),
            ("!intervisie door", Command::IntervisieAdvance),
            (
                "!intervisie opbrengst Eerst vragen.",
                Command::IntervisieTakeaway {
                    text: "Eerst vragen.".into(),
                },
            ),
            (
                "!koppel @w:x @s:x 2026-09-01",
                Command::Pair {
                    wpb: "@w:x".into(),
                    student: "@s:x".into(),
                    start: Some(d("2026-09-01")),
                    end: None,
                },
            ),
            (
                "!unpair @w:x @s:x",
                Command::Unpair {
                    wpb: "@w:x".into(),
                    student: "@s:x".into(),
                    end: None,
                },
            ),
            ("!escalaties", Command::Escalations),
            ("!overview", Command::Overview { weeks: None }),
            ("!overzicht 20", Command::Overview { weeks: Some(20) }),
            ("!weekoverzicht uit", Command::WeeklyDigest { on: false }),
            ("!weekly ON", Command::WeeklyDigest { on: true }),
            ("!terugblik", Command::Terugblik),
            ("!lookback", Command::Terugblik),
            (
                "!instellingen 2 herinnering uit",
                Command::Settings {
                    per_week: Some(2),
                    reminder: Some(false),
                },
            ),
            (
                "!opgelost #4",
                Command::Escalation {
                    id: 4,
                    action: EscalationAction::Resolve,
                },
            ),
            (
                "!OPPAKKEN 4",
                Command::Escalation {
                    id: 4,
                    action: EscalationAction::Acknowledge,
                },
            ),
        ];
        for (input, expected) in table {
            assert_eq!(ok(input), expected, "{input}");
        }
    }

    #[test]
    fn mistakes_show_how_to_use_the_command() {
        for bad in [
            "!reflectie",
            "!klik",
            "!pauze morgen",
            "!ritme veel",
            "!koppel anna",
            "!koppel anna sam morgen",
            "!intervisie",
            "!intervisie bijdrage",
            "!opgelost",
            "!instellingen vaak",
            "!vergeet-mij nu",
        ] {
            assert!(matches!(parse(bad), Err(ParseError::Usage(_))), "{bad}");
        }
        assert_eq!(parse("!dans"), Err(ParseError::Unknown("dans".into())));
        assert_eq!(parse("Gewoon een reflectie"), Err(ParseError::NotACommand));
    }

    /// Each usage text is whole in each language: the escalation usage once held " / ",
    /// where the old run-time split cut it ("!oppakken <nr>" and the rest in English).
    #[test]
    fn usage_unknown_and_help_are_in_one_language_each() {
        use crate::domain::language::{Language, assert_only};
        let mut errors: Vec<ParseError> = [
            "!reflectie",
            "!klik",
            "!pauze morgen",
            "!ritme veel",
            "!koppel anna",
            "!ontkoppel anna",
            "!intervisie",
            "!opgelost",
            "!instellingen vaak",
            "!vergeet-mij nu",
        ]
        .iter()
        .map(|bad| parse(bad).unwrap_err())
        .collect();
        errors.push(parse("!dans").unwrap_err());
        for language in [Language::Nl, Language::En] {
            for e in &errors {
                let text = e.text().expect("words for a mistake");
                assert_only(language, text.get(language));
            }
            assert_only(language, HELP.get(language));
        }
        assert!(parse("gewoon tekst").unwrap_err().text().is_none());
        let usage = parse("!opgelost x").unwrap_err().text().unwrap();
        assert_eq!(
            usage.get(Language::Nl),
            "Zo gebruik je het: !oppakken <nr> · !opgelost <nr> · !overplaatsen <nr>"
        );
        assert_eq!(
            usage.get(Language::En),
            "This is how to use it: !acknowledge <nr> · !resolve <nr> · !move <nr>"
        );
    }

    /// People are named by roster id, name or Matrix id; a name with spaces in quotes (a klik
    /// takes the rest of the line without them).
    #[test]
    fn people_are_named_by_id_name_or_matrix_id() {
        let d = |s: &str| parse_date(s).expect("date");
        let klik = |value: &str, student: Option<&str>| Command::Klik {
            value: value.into(),
            student: student.map(String::from),
        };
        let table = [
            ("!klik twijfel @fatima", klik("twijfel", Some("@fatima"))),
            ("!klik twijfel fatima", klik("twijfel", Some("fatima"))),
            ("!klik twijfel \"Fatima\"", klik("twijfel", Some("Fatima"))),
            (
                "!klik geen klik Fatima El Amrani",
                klik("geen klik", Some("Fatima El Amrani")),
            ),
            (
                "!klik no klik \u{201C}Fatima El Amrani\u{201D}",
                klik("no klik", Some("Fatima El Amrani")),
            ),
            ("!klik geen klik", klik("geen klik", None)),
            ("!klik super @s:x", klik("super", Some("@s:x"))),
            ("!klik heel goed", klik("heel goed", None)),
            (
                "!koppel anna \"Fatima El Amrani\" 2026-09-01 2027-01-31",
                Command::Pair {
                    wpb: "anna".into(),
                    student: "Fatima El Amrani".into(),
                    start: Some(d("2026-09-01")),
                    end: Some(d("2027-01-31")),
                },
            ),
            (
                "!ontkoppel @anna:x fatima 2026-12-01",
                Command::Unpair {
                    wpb: "@anna:x".into(),
                    student: "fatima".into(),
                    end: Some(d("2026-12-01")),
                },
            ),
        ];
        for (input, expected) in table {
            assert_eq!(ok(input), expected, "{input}");
        }
    }

    /// The usage says `keer`/`times`; those words are understood, not refused.
    #[test]
    fn settings_take_the_words_their_usage_shows() {
        assert_eq!(
            ok("!instellingen keer 2 herinnering uit"),
            Command::Settings {
                per_week: Some(2),
                reminder: Some(false)
            }
        );
        assert_eq!(
            ok("!settings times 3 reminder on"),
            Command::Settings {
                per_week: Some(3),
                reminder: Some(true)
            }
        );
    }
}
