//! The English names and descriptions of the slash commands, in one table beside the Dutch
//! ones the commands are declared with.

use super::commands::PoiseCommand;

/// English names and descriptions, keyed by the Dutch name of a command or `command.option`.
const ENGLISH: &[(&str, &str, &str)] = &[
    (
        "reflectie",
        "reflection",
        "Your one-line reflection (goes with your latest prompt)",
    ),
    ("reflectie.tekst", "text", "What you take away, in one line"),
    (
        "reflectie.delen",
        "share",
        "Share it with the schoolopleider",
    ),
    (
        "klik",
        "klik",
        "How is the klik? Wpbs about their student; students confidentially",
    ),
    ("klik.waarde", "value", "good, doubt or no klik"),
    (
        "klik.student",
        "student",
        "Which student, when you guide more than one: roster id, name or @mention",
    ),
    ("pauze", "pause", "Pause your prompts until a date"),
    (
        "pauze.tot",
        "until",
        "Last day of the pause (YYYY-MM-DD or DD-MM-YYYY)",
    ),
    ("hervat", "resume", "Resume your prompts now"),
    (
        "vraag",
        "prompt",
        "A prompt now (at most once a day; counts toward your week)",
    ),
    ("ritme", "rhythm", "How often you get a prompt"),
    (
        "ritme.keer",
        "times",
        "1, 2 or 3 times a week; leave empty for the school's rhythm",
    ),
    (
        "mijngegevens",
        "mydata",
        "Everything stored about you, as a file",
    ),
    (
        "vergeet-mij",
        "forget-me",
        "Delete everything stored about you (asks to confirm)",
    ),
    ("intervisie", "intervision", "Intervisie in your team"),
    ("intervisie.start", "start", "Bring in a case"),
    (
        "intervisie.start.casus",
        "case",
        "Your case, in a few sentences",
    ),
    (
        "intervisie.start.reflectie",
        "reflection",
        "Or the number of one of your reflections",
    ),
    (
        "intervisie.bijdrage",
        "post",
        "Contribute to the current phase",
    ),
    (
        "intervisie.bijdrage.tekst",
        "text",
        "Your question, experience or thought",
    ),
    (
        "intervisie.door",
        "next",
        "Move your case on to the next phase",
    ),
    (
        "intervisie.opbrengst",
        "takeaway",
        "What you take away from your case",
    ),
    ("intervisie.opbrengst.tekst", "text", "Your takeaway"),
    ("koppel", "pair", "Pair a wpb and a student"),
    (
        "koppel.wpb",
        "wpb",
        "The werkplekbegeleider: roster id, name or @mention",
    ),
    (
        "koppel.student",
        "student",
        "The student: roster id, name or @mention",
    ),
    ("koppel.start", "start", "First day (default today)"),
    ("koppel.eind", "end", "Last day (default 31 July)"),
    ("ontkoppel", "unpair", "End a pairing"),
    (
        "ontkoppel.wpb",
        "wpb",
        "The werkplekbegeleider: roster id, name or @mention",
    ),
    (
        "ontkoppel.student",
        "student",
        "The student: roster id, name or @mention",
    ),
    ("ontkoppel.eind", "end", "Last day (default today)"),
    (
        "escalaties",
        "escalations",
        "Open escalations of your school",
    ),
    (
        "overzicht",
        "overview",
        "Your school in figures, with a chart per team",
    ),
    (
        "overzicht.weken",
        "weeks",
        "How many school weeks back (default 10)",
    ),
    (
        "weekoverzicht",
        "weekly",
        "Your own weekly digest on or off",
    ),
    (
        "weekoverzicht.aan",
        "on",
        "On: the digest every week; off: no longer",
    ),
    (
        "terugblik",
        "lookback",
        "Your own look back on this placement: reflections and klik, only for you",
    ),
    (
        "instellingen",
        "settings",
        "Your school's settings; give values to change them",
    ),
    ("instellingen.keer", "times", "Prompts per week (1 to 3)"),
    (
        "instellingen.herinnering",
        "reminder",
        "One gentle reminder after an unanswered prompt",
    ),
];

const ENGLISH_LOCALES: [&str; 2] = ["en-US", "en-GB"];

/// Adds the English names and descriptions to a command and everything below it.
pub(super) fn localize(c: &mut PoiseCommand) {
    localize_at(c, c.name.to_string());
}

fn localize_at(c: &mut PoiseCommand, path: String) {
    if let Some((_, name, description)) = ENGLISH.iter().find(|(k, ..)| *k == path) {
        for locale in ENGLISH_LOCALES {
            c.name_localizations
                .to_mut()
                .push((locale.into(), (*name).into()));
            c.description_localizations
                .to_mut()
                .push((locale.into(), (*description).into()));
        }
    }
    for p in &mut c.parameters {
        let key = format!("{path}.{}", p.name);
        if let Some((_, name, description)) = ENGLISH.iter().find(|(k, ..)| *k == key) {
            for locale in ENGLISH_LOCALES {
                p.name_localizations
                    .to_mut()
                    .push((locale.into(), (*name).into()));
                p.description_localizations
                    .to_mut()
                    .push((locale.into(), (*description).into()));
            }
        }
    }
    for sub in &mut c.subcommands {
        let sub_path = format!("{path}.{}", sub.name);
        localize_at(sub, sub_path);
    }
}
