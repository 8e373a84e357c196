//! Tests of the roster import: both formats, every rule, and the rows errors name.

use std::path::Path;

use chrono::NaiveDate;

use super::*;
use crate::domain::language::Language;
use crate::domain::roster::{Pairing, PersonId, Role, TeamId};

const EXAMPLE_CSV: &str = include_str!("../../examples/roster.csv");
const EXAMPLE_TOML: &str = include_str!("../../examples/roster.toml");
const HEADER: &str = "kind,id,school,name,team,chat,language,wpb,student,start,end\n";

fn csv(body: &str) -> Result<Roster, RosterErrors> {
    parse_roster(&format!("{HEADER}{body}"), RosterFormat::Csv)
}

fn csv_errors(body: &str) -> Vec<RowError> {
    csv(body).expect_err("expected errors").0
}

/// A small valid base: school `a` (row 2), teams `t1` (3) of `a`, `t2` (4) of `b`,
/// school `b` (5), wpb `w1` (6), student `s1` (7), wpb `wb` at school `b` (8), student
/// `sb` at `b` (9).
const BASE: &str = "\
school,a,,School A,,,,,,,
team,t1,a,Team 1,,console:#t1,,,,,
team,t2,b,Team 2,,,,,,,
school,b,,School B,,,,,,,
wpb,w1,a,Wim,t1,console:wim,nl,,,,
student,s1,a,Sara,,console:sara,en,,,,
wpb,wb,b,Bea,t2,,,,,,
student,sb,b,Bo,,,,,,,
";

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Asserts exactly one error, on `row`, whose Dutch and English text contain the parts.
fn one_error(body: &str, row: usize, nl: &str, en: &str) {
    let errs = csv_errors(&format!("{BASE}{body}"));
    assert_eq!(errs.len(), 1, "{}", RosterErrors(errs.clone()));
    assert_eq!(errs[0].row, row, "{}", errs[0]);
    assert!(errs[0].message.contains(nl), "{}", errs[0]);
    assert!(errs[0].message_en.contains(en), "{}", errs[0]);
}

#[test]
fn format_from_path() {
    assert_eq!(
        RosterFormat::from_path(Path::new("r.csv")),
        Some(RosterFormat::Csv)
    );
    assert_eq!(
        RosterFormat::from_path(Path::new("dir/r.TOML")),
        Some(RosterFormat::Toml)
    );
    assert_eq!(RosterFormat::from_path(Path::new("r.xlsx")), None);
    assert_eq!(RosterFormat::from_path(Path::new("roster")), None);
}

#[test]
fn both_example_files_parse_to_the_same_roster() {
    let from_csv = parse_roster(EXAMPLE_CSV, RosterFormat::Csv).unwrap();
    let from_toml = parse_roster(EXAMPLE_TOML, RosterFormat::Toml).unwrap();
    assert_eq!(from_csv, from_toml);
    assert_eq!(from_csv.schools.len(), 1);
    assert_eq!(from_csv.schools[0].id.as_str(), "voorbeeld");
    assert_eq!(from_csv.teams.len(), 2);
    let count = |role| from_csv.people.iter().filter(|p| p.role == role).count();
    assert_eq!(count(Role::Wpb), 3);
    assert_eq!(count(Role::Student), 3);
    assert_eq!(count(Role::Schoolopleider), 1);
    assert!(from_csv.pairings.len() >= 3);
    assert!(from_csv.teams.iter().any(|t| t.channel.is_some()));
    assert!(
        from_csv
            .people
            .iter()
            .filter(|p| p.role == Role::Wpb)
            .all(|p| p.team.is_some())
    );
}

#[test]
fn a_valid_csv_builds_the_roster() {
    let r = csv(&format!(
        "{BASE}pairing,,,,,,,w1,s1,2026-09-01,2027-01-31\n"
    ))
    .unwrap();
    assert_eq!(r.schools.len(), 2);
    assert_eq!(r.teams[0].channel.as_deref(), Some("console:#t1"));
    assert_eq!(r.teams[1].channel, None);
    let w1 = &r.people[0];
    assert_eq!(w1.id.as_str(), "w1");
    assert_eq!(w1.role, Role::Wpb);
    assert_eq!(w1.team.as_ref().map(TeamId::as_str), Some("t1"));
    assert_eq!(w1.chat.as_deref(), Some("console:wim"));
    assert_eq!(w1.language, Some(Language::Nl));
    assert_eq!(r.people[1].language, Some(Language::En));
    assert_eq!(r.people[1].team, None);
    assert_eq!(
        r.pairings,
        vec![Pairing {
            wpb: PersonId::parse("w1").unwrap(),
            student: PersonId::parse("s1").unwrap(),
            start: d("2026-09-01"),
            end: d("2027-01-31"),
        }]
    );
}

#[test]
fn csv_rows_are_file_lines_even_with_comments_blank_lines_and_quotes() {
    let text = format!(
        "# rooster\n{HEADER}\nschool,a,,\"School\nA\",,,,,,,\n# wpbs\n\nstudent,s1,a,Sara,,,xx,,,,\n"
    );
    let errs = parse_roster(&text, RosterFormat::Csv).unwrap_err().0;
    assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
    assert_eq!(errs[0].row, 4); // the quoted name with a line break starts on line 4
    assert!(errs[0].message.contains("regeleinden"));
    assert_eq!(errs[1].row, 8);
    assert!(errs[1].message.contains("taal `xx`"));
}

#[test]
fn a_wrong_csv_header_is_a_clear_error() {
    let errs = parse_roster("soort,id,school,name\nschool,a,,A\n", RosterFormat::Csv)
        .unwrap_err()
        .0;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, 1);
    let shown = errs[0].to_string();
    assert!(shown.starts_with("rij 1: kopregel klopt niet"), "{shown}");
    assert!(shown.contains("`soort`"), "{shown}");
    assert!(shown.contains("`kind`"), "{shown}");
    assert!(shown.contains("/ row 1: header is wrong"), "{shown}");
    assert!(shown.contains("kind,id,school,name,team,chat,language,wpb,student,start,end"));

    let errs = parse_roster("", RosterFormat::Csv).unwrap_err().0;
    assert_eq!(errs[0].row, 1);
    assert!(errs[0].message.contains("leeg"));

    // Column order is free, names are case-insensitive.
    let text = "ID,Kind,Name,school,team,chat,language,wpb,student,start,end\na,school,A,,,,,,,,\n";
    let r = parse_roster(text, RosterFormat::Csv).unwrap();
    assert_eq!(r.schools[0].name, "A");
}

#[test]
fn semicolon_csv_as_dutch_excel_saves_it_is_read() {
    let with_commas = csv(BASE).unwrap();
    let semicolons = format!("{HEADER}{BASE}").replace(',', ";");
    let from_semicolons = parse_roster(&semicolons, RosterFormat::Csv).unwrap();
    assert_eq!(from_semicolons, with_commas);
    // A comma inside a cell of a semicolon file is just text.
    let text = "kind;id;school;name;team;chat;language;wpb;student;start;end\nschool;a;;Jansen, de;;;;;;;\n";
    let r = parse_roster(text, RosterFormat::Csv).unwrap();
    assert_eq!(r.schools[0].name, "Jansen, de");
}

#[test]
fn csv_that_is_not_utf8_names_its_rows_and_how_to_save_it() {
    let mut bytes = format!("{HEADER}school,a,,A,,,,,,,\n").into_bytes();
    bytes.extend_from_slice(
        b"school,b,,Caf\xe9,,,,,,,\nschool,c,,C,,,,,,,\nschool,d,,\xe9\xe8,,,,,,,\n",
    );
    let errs = parse_roster_bytes(&bytes, RosterFormat::Csv).unwrap_err();
    let rows: Vec<usize> = errs.0.iter().map(|e| e.row).collect();
    assert_eq!(rows, [3, 5]);
    assert_eq!(
        errs.0[0].to_string(),
        "rij 3: tekst is geen UTF-8 (bijvoorbeeld een é uit Excel); je kunt het bestand opslaan als \"CSV UTF-8\" / row 3: text is not UTF-8 (an é from Excel, say); you can save the file as \"CSV UTF-8\""
    );
    // The same file in UTF-8 is read.
    let good = String::from_utf8_lossy(&bytes).replace('\u{FFFD}', "é");
    assert!(parse_roster_bytes(good.as_bytes(), RosterFormat::Csv).is_ok());
}

#[test]
fn unknown_kind_and_bad_shapes() {
    one_error(
        "leraar,x,a,X,,,,,,,\n",
        10,
        "onbekende soort `leraar`",
        "unknown kind",
    );
    one_error(",x,a,X,,,,,,,\n", 10, "`kind` is leeg", "`kind` is empty");
    one_error(
        "school,c,,C,t1,,,,,,\n",
        10,
        "`team` hoort niet bij `school`",
        "`team` is not used for `school`",
    );
    one_error(
        "student,s2,a,S,t1,,,,,,\n",
        10,
        "`team` hoort niet bij `student`",
        "not used",
    );
    one_error(
        "student,s2,a,,,,,,,,\n",
        10,
        "`name` ontbreekt",
        "`name` is missing",
    );
    one_error(
        "wpb,w2,a,W,,,,,,,\n",
        10,
        "`team` ontbreekt",
        "`team` is missing",
    );
    one_error("school,c,,C,,,,,,,,,extra\n", 10, "13 cellen", "13 cells");
    // Missing trailing cells count as empty.
    csv(&format!("{BASE}school,c,,C\n")).unwrap();
}

#[test]
fn ids_must_be_valid() {
    one_error(
        "student,s 2,a,S,,,,,,,\n",
        10,
        "ongeldig id in `id`",
        "invalid id in `id`",
    );
    one_error(
        "team,t3,a b,T,,,,,,,\n",
        10,
        "ongeldig id in `school`",
        "invalid id in `school`",
    );
    let long = "x".repeat(65);
    one_error(
        &format!("school,{long},,L,,,,,,,\n"),
        10,
        "langer dan 64",
        "longer than 64",
    );
}

#[test]
fn ids_must_be_unique() {
    one_error(
        "school,a,,Nog een A,,,,,,,\n",
        10,
        "school `a` staat al op rij 2",
        "already defined on row 2",
    );
    one_error(
        "team,t1,a,Weer,,,,,,,\n",
        10,
        "team `t1` staat al op rij 3",
        "team `t1` is already defined on row 3",
    );
    one_error(
        "schoolopleider,s1,a,Sanne,,,,,,,\n",
        10,
        "persoon `s1` staat al op rij 7 (als student)",
        "(as student)",
    );
}

#[test]
fn references_must_exist_and_match() {
    one_error(
        "team,t3,zz,T,,,,,,,\n",
        10,
        "school `zz` bestaat niet",
        "school `zz` does not exist",
    );
    one_error(
        "student,s2,zz,S,,,,,,,\n",
        10,
        "school `zz` bestaat niet",
        "does not exist",
    );
    one_error(
        "wpb,w2,a,W,t9,,,,,,\n",
        10,
        "team `t9` bestaat niet",
        "team `t9` does not exist",
    );
    one_error(
        "wpb,w2,a,W,t2,,,,,,\n",
        10,
        "team `t2` hoort bij school `b`, niet bij `a`",
        "belongs to school `b`",
    );
    one_error(
        "pairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n",
        10,
        "student `s9` bestaat niet",
        "student `s9` does not exist",
    );
    one_error(
        "pairing,,,,,,,w9,s1,2026-09-01,2027-01-31\n",
        10,
        "wpb `w9` bestaat niet",
        "wpb `w9` does not exist",
    );
    one_error(
        "pairing,,,,,,,s1,s1,2026-09-01,2027-01-31\n",
        10,
        "`s1` is geen wpb maar student",
        "is not a wpb but a student",
    );
    one_error(
        "pairing,,,,,,,w1,w1,2026-09-01,2027-01-31\n",
        10,
        "`w1` is geen student maar wpb",
        "not a student",
    );
    one_error(
        "pairing,,,,,,,w1,sb,2026-09-01,2027-01-31\n",
        10,
        "niet bij dezelfde school",
        "not at the same school",
    );
    one_error(
        "pairing,,b,,,,,w1,s1,2026-09-01,2027-01-31\n",
        10,
        "koppeling staat bij school `b`",
        "pairing names school `b`",
    );
    csv(&format!(
        "{BASE}pairing,,a,,,,,w1,s1,2026-09-01,2027-01-31\n"
    ))
    .unwrap();
}

#[test]
fn row_error_display_is_dutch_first() {
    let errs = csv_errors(&format!(
        "{BASE}pairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n"
    ));
    assert_eq!(
        errs[0].to_string(),
        "rij 10: student `s9` bestaat niet / row 10: student `s9` does not exist"
    );
}

#[test]
fn fields_must_be_valid() {
    one_error(
        "pairing,,,,,,,w1,s1,2026-13-01,2027-01-31\n",
        10,
        "`start` `2026-13-01` is geen datum",
        "is not a date",
    );
    one_error(
        "pairing,,,,,,,w1,s1,2027-02-01,2027-01-31\n",
        10,
        "begindatum 2027-02-01 ligt na einddatum 2027-01-31",
        "start date",
    );
    one_error(
        "student,s2,a,S,,,fr,,,,\n",
        10,
        "taal `fr` onbekend",
        "unknown language `fr`",
    );
    one_error(
        "student,s2,a,S,,anna,,,,,\n",
        10,
        "`chat` `anna` moet de vorm platform:adres",
        "platform:address",
    );
    one_error(
        "team,t3,a,T,,kanaal zorg,,,,,\n",
        10,
        "`channel` `kanaal zorg`",
        "platform:address",
    );
    one_error(
        "pairing,,,,,,,w1,s1,,2027-01-31\n",
        10,
        "`start` ontbreekt",
        "`start` is missing",
    );
}

#[test]
fn no_duplicate_or_overlapping_pairings() {
    let p = "pairing,,,,,,,w1,s1,2026-09-01,2027-01-31\n";
    one_error(
        &format!("{p}{p}"),
        11,
        "dubbele koppeling: dezelfde als rij 10",
        "duplicate pairing",
    );
    one_error(
        &format!("{p}wpb,w2,a,W2,t1,,,,,,\npairing,,,,,,,w2,s1,2027-01-31,2027-06-30\n"),
        12,
        "overlapt met die op rij 10 (wpb `w1`",
        "overlaps the one on row 10",
    );
    // Back to back is fine, and one wpb may have several students.
    csv(&format!(
        "{BASE}{p}wpb,w2,a,W2,t1,,,,,,\npairing,,,,,,,w2,s1,2027-02-01,2027-06-30\n\
         student,s2,a,S2,,,,,,,\npairing,,,,,,,w1,s2,2026-09-01,2027-01-31\n"
    ))
    .unwrap();
}

#[test]
fn all_errors_are_reported_and_nothing_is_half_imported() {
    let errs = csv_errors(&format!(
        "{BASE}student,s2,a,S,,,fr,,,,\nteam,t3,zz,T,,,,,,,\npairing,,,,,,,w1,s9,2026-09-01,2027-01-31\n\
         pairing,,,,,,,w1,s1,2027-02-01,2027-01-31\nschool,a,,A2,,,,,,,\n"
    ));
    let rows: Vec<usize> = errs.iter().map(|e| e.row).collect();
    assert_eq!(
        rows,
        vec![10, 11, 12, 13, 14],
        "{}",
        RosterErrors(errs.clone())
    );
    let shown = RosterErrors(errs).to_string();
    assert_eq!(shown.lines().count(), 5);
    assert!(
        shown
            .lines()
            .all(|l| l.starts_with("rij ") && l.contains(" / row "))
    );
}

#[test]
fn an_empty_roster_is_refused() {
    let errs = csv_errors("");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, 1);
    let errs = parse_roster("# niets\n", RosterFormat::Toml).unwrap_err().0;
    assert!(errs[0].message.contains("leeg"));
}

const TOML_BASE: &str = r#"[[school]]
id = "a"
name = "School A"

[[team]]
id = "t1"
school = "a"
name = "Team 1"
channel = "console:#t1"

[[wpb]]
id = "w1"
school = "a"
team = "t1"
name = "Wim"
chat = "console:wim"
language = "nl"

[[student]]
id = "s1"
school = "a"
name = "Sara"
"#;

fn toml_errors(extra: &str) -> Vec<RowError> {
    parse_roster(&format!("{TOML_BASE}{extra}"), RosterFormat::Toml)
        .expect_err("expected errors")
        .0
}

#[test]
fn toml_rows_are_the_line_where_the_entry_starts() {
    // TOML_BASE has 22 lines; the extra text starts on line 23 (a blank line).
    let errs = toml_errors(
        "\n[[pairing]]\nwpb = \"w1\"\nstudent = \"s9\"\nstart = \"2026-09-01\"\nend = 2027-01-31\n\
         \n[[student]]\nid = \"s2\"\nschool = \"a\"\nname = \"S\"\nlanguage = \"fr\"\n",
    );
    assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
    assert_eq!(errs[0].row, 24);
    assert!(errs[0].message.contains("student `s9` bestaat niet"));
    assert_eq!(errs[1].row, 30);
    assert!(errs[1].message.contains("taal `fr`"));
}

#[test]
fn toml_inline_entries_bare_dates_and_type_errors() {
    let ok = parse_roster(
        // Top-level keys must come before the first [[header]].
        &format!("pairing = [\n  {{ wpb = \"w1\", student = \"s1\", start = 2026-09-01, end = \"2027-01-31\" }},\n]\n{TOML_BASE}"),
        RosterFormat::Toml,
    )
    .unwrap();
    assert_eq!(ok.pairings[0].start, d("2026-09-01"));
    assert_eq!(ok.pairings[0].end, d("2027-01-31"));

    let errs = toml_errors("\n[[student]]\nid = 7\nschool = \"a\"\nname = \"S\"\n");
    assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
    assert!(errs.iter().all(|e| e.row == 24));
    assert!(errs[0].message.contains("`id` moet tekst zijn"));
    assert!(errs[1].message.contains("`id` ontbreekt"));

    let errs =
        toml_errors("\n[[student]]\nid = \"s2\"\nschool = \"a\"\nname = \"S\"\nteam = \"t1\"\n");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, 24);
    assert!(errs[0].message.contains("`team` hoort niet bij `student`"));
}

#[test]
fn toml_syntax_and_unknown_sections() {
    let errs = parse_roster(
        "[[school]]\nid = \"a\"\nname = = \"A\"\n",
        RosterFormat::Toml,
    )
    .unwrap_err()
    .0;
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].row, 3);
    assert!(errs[0].message.starts_with("ongeldige TOML"));

    let errs = toml_errors("\n[[leraar]]\nid = \"x\"\n\n[wpb2]\nid = \"y\"\n");
    assert_eq!(errs.len(), 2, "{}", RosterErrors(errs.clone()));
    assert_eq!(errs[0].row, 24);
    assert!(errs[0].message.contains("onbekende sectie `leraar`"));
    assert_eq!(errs[1].row, 27);

    let errs = parse_roster("school = \"a\"\n", RosterFormat::Toml)
        .unwrap_err()
        .0;
    assert!(errs[0].message.contains("[[school]]"));
}

#[test]
fn toml_collects_every_error() {
    let errs = toml_errors(
        "\n[[team]]\nid = \"t1\"\nschool = \"a\"\nname = \"Dubbel\"\n\
         \n[[wpb]]\nid = \"w2\"\nschool = \"a\"\nteam = \"t9\"\nname = \"W\"\n\
         \n[[pairing]]\nwpb = \"w1\"\nstudent = \"s1\"\nstart = \"2026-09-01\"\nend = \"2026-08-01\"\n",
    );
    let rows: Vec<usize> = errs.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![24, 29, 35], "{}", RosterErrors(errs.clone()));
}
