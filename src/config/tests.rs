//! Tests for the configuration: file, environment, merging and the error texts.

use chrono::{NaiveDate, NaiveTime, Weekday};

use super::*;
use crate::domain::schedule::{DateRange, WorkingHours};

const EXAMPLE: &str = include_str!("../../wandelgang.example.toml");

fn no_env() -> BTreeMap<String, String> {
    BTreeMap::new()
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn err(text: &str) -> ConfigError {
    Config::from_toml_str(text, "wandelgang.toml", &no_env()).unwrap_err()
}

/// Asserts the error names file, key and line, and returns its Display text.
fn assert_at(e: &ConfigError, key: &str, line: usize) -> String {
    let shown = e.to_string();
    assert_eq!(e.key(), Some(key), "{shown}");
    assert_eq!(e.line(), Some(line), "{shown}");
    assert!(shown.starts_with("wandelgang.toml, regel "), "{shown}");
    assert!(
        shown.contains(&format!("regel {line}, sleutel {key}:")),
        "{shown}"
    );
    assert!(
        shown.contains(&format!("/ line {line}, key {key}:")),
        "{shown}"
    );
    shown
}

#[test]
fn defaults_without_a_file() {
    let dir = std::env::temp_dir().join(format!("wandelgang-cfg-{}", std::process::id()));
    let missing = dir.join("absent.toml");
    let c = Config::load_or(None, &missing, &no_env()).unwrap();
    assert_eq!(c.source, None);
    assert_eq!(c, Config::default());
    assert_eq!(c.database_url, "sqlite://wandelgang.db");
    assert!(c.discord_token.is_none());
    let d = &c.defaults;
    assert_eq!(d.calendar.tz, chrono_tz::Europe::Amsterdam);
    assert_eq!(
        d.calendar.hours,
        WorkingHours {
            start: time(8, 30),
            end: time(16, 30)
        }
    );
    assert_eq!(
        d.calendar.school_days,
        vec![
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri
        ]
    );
    assert!(d.calendar.holidays.is_empty());
    assert_eq!(d.cadence, Cadence::default());
    assert!(d.reminder);
    assert_eq!(d.reminder_after_hours, 24);
    assert_eq!(d.language, Language::Nl);
    assert_eq!(d.escalation, EscalationRules::default());
    assert_eq!(d.retention_months, 12);
    assert_eq!(d.student_retention_days, 30);
    assert_eq!(c.school("anything"), d);
    // The empty string is the same as no file.
    assert_eq!(Config::from_toml_str("", "x.toml", &no_env()).unwrap(), c);
}

#[test]
fn an_explicit_missing_path_is_an_error() {
    let missing = std::env::temp_dir().join("wandelgang-surely-absent-3141.toml");
    let e = Config::load(Some(&missing), &no_env()).unwrap_err();
    assert!(matches!(e, ConfigError::NotFound { .. }));
    assert!(e.to_string().contains("wandelgang-surely-absent-3141.toml"));
}

#[test]
fn load_reads_the_file_and_records_its_source() {
    let path =
        std::env::temp_dir().join(format!("wandelgang-cfg-load-{}.toml", std::process::id()));
    std::fs::write(&path, "[defaults]\ncadence = 1\n").unwrap();
    let c = Config::load(Some(&path), &no_env());
    std::fs::remove_file(&path).unwrap();
    let c = c.unwrap();
    assert_eq!(c.source.as_deref(), Some(path.as_path()));
    assert_eq!(c.defaults.cadence, Cadence::new(1).unwrap());
}

#[test]
fn the_example_file_parses_fully() {
    let c = Config::from_toml_str(EXAMPLE, "wandelgang.example.toml", &no_env()).unwrap();
    assert_eq!(c.database_url, "sqlite://wandelgang.db");
    assert!(c.discord_token.is_none());
    let d = &c.defaults;
    assert_eq!(d.calendar.tz, chrono_tz::Europe::Amsterdam);
    assert_eq!(d.calendar.hours.start, time(8, 30));
    assert_eq!(d.calendar.hours.end, time(16, 30));
    assert_eq!(d.calendar.school_days.len(), 5);
    assert_eq!(
        d.calendar.holidays.first(),
        Some(&DateRange {
            start: date("2026-10-17"),
            end: date("2026-10-25")
        })
    );
    assert!(d.calendar.holidays.len() >= 2);
    assert_eq!(d.cadence, Cadence::new(2).unwrap());
    assert!(d.reminder);
    assert_eq!(d.reminder_after_hours, 24);
    assert_eq!(d.language, Language::Nl);
    assert_eq!(d.escalation, EscalationRules::default());
    assert_eq!(d.retention_months, 12);
    assert_eq!(d.student_retention_days, 30);

    assert_eq!(d.intervisie, IntervisieSettings::default());
    let kw1c = c.school("kw1c");
    assert_eq!(kw1c.cadence, Cadence::new(3).unwrap());
    assert_eq!(kw1c.calendar.holidays, d.calendar.holidays);
    assert!(c.schools.contains_key("kw1c"));
}

#[test]
fn admin_chat_is_a_chat_address() {
    let c = Config::from_toml_str(
        "database_url = \"sqlite://x.db\"\nadmin_chat = \"discord:1234\"\n",
        "wandelgang.toml",
        &no_env(),
    )
    .unwrap();
    assert_eq!(c.admin_chat.as_deref(), Some("discord:1234"));
    assert_eq!(Config::default().admin_chat, None);
    for bad in ["beheer", "discord:", ":1234", "discord:12 34", "dis cord:1"] {
        let e = err(&format!("\nadmin_chat = \"{bad}\"\n"));
        let shown = assert_at(&e, "admin_chat", 2);
        assert!(
            shown.contains("platform:adres") && shown.contains("platform:address"),
            "{shown}"
        );
    }
}

#[test]
fn intervisie_settings_merge_per_key_over_the_defaults() {
    let text = "\
[defaults.intervisie]
phase_school_days = [2, 3, 3, 1]
every_weeks = 3
[schools.kw1c.intervisie]
every_weeks = 0
[schools.roc.intervisie]
phase_school_days = [1, 1, 1, 1]
";
    let c = Config::from_toml_str(text, "wandelgang.toml", &no_env()).unwrap();
    assert_eq!(
        c.defaults.intervisie,
        IntervisieSettings {
            phase_school_days: [2, 3, 3, 1],
            every_weeks: Some(3)
        }
    );
    // 0 turns the call off; the phase lengths come from [defaults.intervisie].
    assert_eq!(
        c.school("kw1c").intervisie,
        IntervisieSettings {
            phase_school_days: [2, 3, 3, 1],
            every_weeks: None
        }
    );
    assert_eq!(
        c.school("roc").intervisie,
        IntervisieSettings {
            phase_school_days: [1, 1, 1, 1],
            every_weeks: Some(3)
        }
    );
    assert_eq!(
        Config::default().defaults.intervisie,
        IntervisieSettings::default()
    );
}

#[test]
fn bad_intervisie_values_name_file_key_and_line() {
    let shown = assert_at(
        &err(
            "[defaults]\ncadence = 2\n[schools.kw1c.intervisie]\nphase_school_days = [1, 0, 2, 1]\n",
        ),
        "schools.kw1c.intervisie.phase_school_days",
        4,
    );
    assert!(
        shown.contains("Vragen") && shown.contains("Questions"),
        "{shown}"
    );
    assert!(
        shown.contains("1 tot 10") && shown.contains("1 to 10"),
        "{shown}"
    );
    let shown = assert_at(
        &err("[defaults.intervisie]\n\nevery_weeks = 13\n"),
        "defaults.intervisie.every_weeks",
        3,
    );
    assert!(
        shown.contains("om de 13 weken") && shown.contains("every 13 weeks"),
        "{shown}"
    );
    assert_at(
        &err("[defaults.intervisie]\nevery_weeks = -1\n"),
        "defaults.intervisie.every_weeks",
        2,
    );
    assert_at(
        &err("[defaults.intervisie]\nphase_school_days = [1, 2, 2]\n"),
        "defaults.intervisie.phase_school_days",
        2,
    );
    assert_at(
        &err("[defaults.intervisie]\nelke_weken = 2\n"),
        "defaults.intervisie.elke_weken",
        2,
    );
}

#[test]
fn a_school_inherits_what_it_does_not_set() {
    let text = r#"
[defaults]
timezone = "Europe/Brussels"
working_hours = { start = "09:00", end = "17:00" }
school_days = ["monday", "Tue", "wo"]
holidays = [ { name = "Kerst", start = "2026-12-19", end = 2027-01-03 } ]
cadence = 1
reminder_after_hours = 12
language = "en"
retention_months = 6
[defaults.escalation]
negative_count = 2

[schools.kw1c]
cadence = 3
working_hours = { end = "15:00" }
student_retention_days = 14
[schools.kw1c.escalation]
negative_of_last = 4

[schools.leeg]
"#;
    let c = Config::from_toml_str(text, "w.toml", &no_env()).unwrap();
    let d = &c.defaults;
    assert_eq!(d.calendar.tz, chrono_tz::Europe::Brussels);
    assert_eq!(
        d.calendar.school_days,
        vec![Weekday::Mon, Weekday::Tue, Weekday::Wed]
    );
    assert_eq!(
        d.calendar.holidays,
        vec![DateRange {
            start: date("2026-12-19"),
            end: date("2027-01-03")
        }]
    );
    assert_eq!(d.escalation.negative_count, 2);
    assert_eq!(d.escalation.negative_of_last, 5);

    let k = c.school("kw1c");
    assert_eq!(k.cadence, Cadence::new(3).unwrap());
    assert_eq!(
        k.calendar.hours,
        WorkingHours {
            start: time(9, 0),
            end: time(15, 0)
        }
    );
    assert_eq!(k.calendar.tz, chrono_tz::Europe::Brussels);
    assert_eq!(k.calendar.school_days, d.calendar.school_days);
    assert_eq!(k.calendar.holidays, d.calendar.holidays);
    assert_eq!(k.reminder_after_hours, 12);
    assert_eq!(k.language, Language::En);
    assert_eq!(k.escalation.negative_count, 2);
    assert_eq!(k.escalation.negative_of_last, 4);
    assert_eq!(k.escalation.consecutive_geen_klik, 2);
    assert_eq!(k.retention_months, 6);
    assert_eq!(k.student_retention_days, 14);
    assert_eq!(d.student_retention_days, 30);

    assert_eq!(c.school("leeg"), d);
    assert_eq!(c.school("unknown"), d);
}

#[test]
fn syntax_error_names_file_key_and_line() {
    let e = err("database_url = \"sqlite://x.db\"\n\n[defaults]\ncadence = = 2\n");
    let shown = assert_at(&e, "defaults.cadence", 4);
    assert!(shown.contains("TOML"), "{shown}");
}

#[test]
fn syntax_error_without_a_key_still_names_file_and_line() {
    let e = err("[defaults]\ncadence = 2\n[schools\n");
    assert_eq!(e.line(), Some(3), "{e}");
    assert!(e.to_string().starts_with("wandelgang.toml, regel 3"), "{e}");
}

#[test]
fn unknown_key_names_file_key_and_line() {
    let e = err("[defaults]\ncadence = 2\n\n[schools.kw1c]\ncadance = 3\n");
    let shown = assert_at(&e, "schools.kw1c.cadance", 5);
    assert!(shown.contains("onbekende sleutel"), "{shown}");
    assert!(shown.contains("unknown key"), "{shown}");

    let e = err("databse_url = \"x\"\n");
    assert_at(&e, "databse_url", 1);

    let e = err("[defaults.escalation]\nnegative_count = 2\nnegatief = 1\n");
    assert_at(&e, "defaults.escalation.negatief", 3);

    let e = err(
        "[defaults]\nholidays = [\n  { start = \"2026-01-01\", end = \"2026-01-02\", x = 1 },\n]\n",
    );
    assert_at(&e, "defaults.holidays[0].x", 3);
}

#[test]
fn cadence_out_of_range_names_file_key_and_line() {
    let text =
        "[defaults]\ncadence = 2\n\n# comment\n[schools.kw1c]\nlanguage = \"nl\"\n\ncadence = 5\n";
    let e = err(text);
    let shown = assert_at(&e, "schools.kw1c.cadence", 8);
    assert_eq!(
        shown,
        "wandelgang.toml, regel 8, sleutel schools.kw1c.cadence: ritme moet 1, 2 of 3 zijn \
             / line 8, key schools.kw1c.cadence: cadence must be 1, 2 or 3"
    );
    assert_at(&err("[defaults]\ncadence = 0\n"), "defaults.cadence", 2);
}

#[test]
fn wrong_type_names_file_key_and_line() {
    let e = err("[defaults]\n\ncadence = \"twee\"\n");
    assert_at(&e, "defaults.cadence", 3);
}

#[test]
fn bad_time_zone_names_file_key_and_line() {
    let e = err("[defaults]\ntimezone = \"Europe/Amsterdamm\"\n");
    let shown = assert_at(&e, "defaults.timezone", 2);
    assert!(shown.contains("Europe/Amsterdamm"), "{shown}");
    let e = err("[schools.a]\n[schools.b]\ntimezone = \"Mars/Olympus\"\n");
    assert_at(&e, "schools.b.timezone", 3);
}

#[test]
fn end_before_start_names_file_key_and_line() {
    let e = err("[defaults]\nworking_hours = { start = \"16:00\", end = \"09:00\" }\n");
    assert_at(&e, "defaults.working_hours.end", 2);

    // The school sets only the start; the conflict is reported where the school set it.
    let e = err(
        "[defaults]\nworking_hours = { start = \"08:00\", end = \"12:00\" }\n[schools.x]\nworking_hours.start = \"13:00\"\n",
    );
    assert_at(&e, "schools.x.working_hours.start", 4);

    let e = err("[defaults]\nworking_hours = { start = \"09:00\", end = \"09:20\" }\n");
    let shown = assert_at(&e, "defaults.working_hours.end", 2);
    assert!(shown.contains("korter dan 30 minuten"), "{shown}");

    let e = err("[defaults]\nworking_hours = { start = \"8.30\", end = \"16:00\" }\n");
    assert_at(&e, "defaults.working_hours.start", 2);

    let e = err(
        "[defaults]\nholidays = [\n  { name = \"a\", start = \"2026-10-25\", end = \"2026-10-17\" },\n]\n",
    );
    assert_at(&e, "defaults.holidays[0].end", 3);

    let e = err("[[defaults.holidays]]\nstart = \"2026-01-01\"\nend = \"2026-1-x\"\n");
    assert_at(&e, "defaults.holidays[0].end", 3);
}

#[test]
fn bad_weekday_names_file_key_and_line() {
    let e = err("[defaults]\nschool_days = [\n  \"ma\",\n  \"dinsdag\",\n  \"zaturday\",\n]\n");
    let shown = assert_at(&e, "defaults.school_days[2]", 5);
    assert!(shown.contains("zaturday"), "{shown}");
    assert_at(
        &err("[defaults]\nschool_days = [\"ma\", \"mon\"]\n"),
        "defaults.school_days[1]",
        2,
    );
    assert_at(
        &err("[defaults]\nschool_days = []\n"),
        "defaults.school_days",
        2,
    );
}

#[test]
fn other_semantic_errors() {
    assert_at(
        &err("[defaults]\nlanguage = \"de\"\n"),
        "defaults.language",
        2,
    );
    assert_at(
        &err("[defaults]\nreminder_after_hours = 0\n"),
        "defaults.reminder_after_hours",
        2,
    );
    assert_at(
        &err("[defaults]\nreminder_after_hours = 73\n"),
        "defaults.reminder_after_hours",
        2,
    );
    assert_at(
        &err("[defaults]\nretention_months = 0\n"),
        "defaults.retention_months",
        2,
    );
    assert_at(
        &err("[defaults]\nlanguage = \"nl\"\nretention_months = 121\n"),
        "defaults.retention_months",
        3,
    );
    assert_at(
        &err("[schools.x]\nstudent_retention_days = 0\n"),
        "schools.x.student_retention_days",
        2,
    );
    assert_at(
        &err("[defaults]\nstudent_retention_days = 366\n"),
        "defaults.student_retention_days",
        2,
    );
    assert_at(
        &err("[defaults.escalation]\ncross_signal_days = 91\n"),
        "defaults.escalation.cross_signal_days",
        2,
    );
    assert_at(
        &err("[defaults.escalation]\nreminder_school_days = 21\n"),
        "defaults.escalation.reminder_school_days",
        2,
    );
    assert_at(
        &err("[defaults.escalation]\nconsecutive_geen_klik = 0\n"),
        "defaults.escalation.consecutive_geen_klik",
        2,
    );
    assert_at(
        &err("[defaults.escalation]\nnegative_of_last = 11\n"),
        "defaults.escalation.negative_of_last",
        2,
    );
    assert_at(
        &err("[defaults.escalation]\nnegative_count = 6\n"),
        "defaults.escalation.negative_count",
        2,
    );
    assert_at(
        &err(
            "[defaults.escalation]\nnegative_count = 3\n[schools.x.escalation]\nnegative_of_last = 2\n",
        ),
        "schools.x.escalation.negative_of_last",
        4,
    );
    assert_at(
        &err("database_url = \"mysql://u:pw@h/db\"\n"),
        "database_url",
        1,
    );
    assert!(
        !err("database_url = \"mysql://u:pw@h/db\"\n")
            .to_string()
            .contains("pw")
    );
    assert_at(
        &err("[schools.\"a b\"]\ncadence = 1\n"),
        "schools.\"a b\"",
        1,
    );
}

#[test]
fn env_overrides_apply_over_defaults_but_not_over_a_school() {
    let text =
        "[defaults]\ncadence = 1\nlanguage = \"nl\"\n[schools.a]\ncadence = 2\n[schools.b]\n";
    let vars = env(&[
        (
            "WANDELGANG_DATABASE_URL",
            "postgres://bot:geheim@db/wandelgang",
        ),
        ("WANDELGANG_DISCORD_TOKEN", "abc.def.ghi"),
        ("WANDELGANG_CADENCE", "3"),
        ("WANDELGANG_TIMEZONE", "Europe/London"),
        ("WANDELGANG_LANGUAGE", "en"),
        ("WANDELGANG_SOMETHING_ELSE", "ignored"),
    ]);
    let c = Config::from_toml_str(text, "w.toml", &vars).unwrap();
    assert_eq!(c.database_url, "postgres://bot:geheim@db/wandelgang");
    assert_eq!(
        c.discord_token.as_ref().map(Secret::expose),
        Some("abc.def.ghi")
    );
    assert_eq!(c.defaults.cadence, Cadence::new(3).unwrap());
    assert_eq!(c.defaults.calendar.tz, chrono_tz::Europe::London);
    assert_eq!(c.defaults.language, Language::En);
    assert_eq!(c.school("a").cadence, Cadence::new(2).unwrap());
    assert_eq!(c.school("b").cadence, Cadence::new(3).unwrap());
    assert_eq!(c.school("b").language, Language::En);

    let debug = format!("{c:?}");
    assert!(!debug.contains("abc.def.ghi"), "{debug}");
    assert!(!debug.contains("geheim"), "{debug}");

    // Empty values count as unset.
    let c = Config::from_toml_str("", "w.toml", &env(&[("WANDELGANG_CADENCE", " ")])).unwrap();
    assert_eq!(c.defaults.cadence, Cadence::default());
}

#[test]
fn a_bad_env_value_names_the_variable() {
    for (var, value) in [
        ("WANDELGANG_CADENCE", "5"),
        ("WANDELGANG_CADENCE", "twee"),
        ("WANDELGANG_TIMEZONE", "Amsterdam"),
        ("WANDELGANG_LANGUAGE", "fr"),
        ("WANDELGANG_DATABASE_URL", "mysql://x"),
        ("WANDELGANG_DISCORD_TOKEN", "two words"),
    ] {
        let e = Config::from_toml_str("", "w.toml", &env(&[(var, value)])).unwrap_err();
        assert!(matches!(e, ConfigError::Env { .. }), "{e}");
        assert_eq!(e.key(), Some(var));
        let shown = e.to_string();
        assert!(
            shown.starts_with(&format!("omgevingsvariabele {var}: ")),
            "{shown}"
        );
        assert!(
            shown.contains(&format!("/ environment variable {var}: ")),
            "{shown}"
        );
        if var == "WANDELGANG_DISCORD_TOKEN" {
            assert!(!shown.contains("two words"), "{shown}");
        }
    }
    // An env value that makes the merged defaults inconsistent is still blamed on the file
    // key or variable that set it.
    let e = Config::from_toml_str("", "w.toml", &env(&[("WANDELGANG_CADENCE", "0")])).unwrap_err();
    assert_eq!(e.key(), Some("WANDELGANG_CADENCE"));
}

#[test]
fn secrets_are_never_printed() {
    let s = Secret::new("super-secret-token");
    assert_eq!(format!("{s}"), "***");
    assert_eq!(format!("{s:?}"), "***");
    assert_eq!(s.expose(), "super-secret-token");

    let c = Config::from_toml_str(
        "discord_token = \"super-secret-token\"\n",
        "w.toml",
        &no_env(),
    )
    .unwrap();
    assert_eq!(
        c.discord_token.as_ref().map(Secret::expose),
        Some("super-secret-token")
    );
    let debug = format!("{c:?} {c:#?}");
    assert!(!debug.contains("super-secret-token"), "{debug}");
    assert!(debug.contains("***"));
}

#[test]
fn database_urls_are_redacted_for_display() {
    assert_eq!(
        redact_url("sqlite://wandelgang.db"),
        "sqlite://wandelgang.db"
    );
    assert_eq!(
        redact_url("postgres://bot:pw@db:5432/w"),
        "postgres://bot:***@db:5432/w"
    );
    assert_eq!(redact_url("postgres://bot@db/w"), "postgres://bot@db/w");
    assert_eq!(
        redact_url("postgres://db/w?user=bot&password=pw&sslmode=require"),
        "postgres://db/w?user=bot&password=***&sslmode=require"
    );
}

#[test]
fn weekday_names() {
    for (names, day) in [
        (["ma", "maandag", "mon", "Monday"], Weekday::Mon),
        (["di", "dinsdag", "tue", "tuesday"], Weekday::Tue),
        (["wo", "woensdag", "wed", "wednesday"], Weekday::Wed),
        (["do", "donderdag", "thu", "thursday"], Weekday::Thu),
        (["vr", "vrijdag", "fri", "friday"], Weekday::Fri),
        (["za", "zaterdag", "sat", "saturday"], Weekday::Sat),
        (["zo", "zondag", "sun", "SUNDAY"], Weekday::Sun),
    ] {
        for n in names {
            assert_eq!(parse_weekday(n), Some(day), "{n}");
        }
    }
    assert_eq!(parse_weekday("maa"), None);
}

#[test]
fn discord_guilds_map_to_schools() {
    let c = Config::from_toml_str(
            "[discord]\nrequests_per_second = 40\n[discord.guilds]\n\"123456789012345678\" = \"kw1c\"\n",
            "wandelgang.toml",
            &no_env(),
        )
        .unwrap();
    assert_eq!(
        c.discord.guilds.get(&123456789012345678),
        Some(&"kw1c".to_string())
    );
    assert_eq!(c.discord.requests_per_second, 40.0);
    let d = Config::from_toml_str("", "wandelgang.toml", &no_env()).unwrap();
    assert!(d.discord.guilds.is_empty());
    assert_eq!(
        d.discord.requests_per_second,
        DEFAULT_DISCORD_REQUESTS_PER_SECOND
    );
}

#[test]
fn discord_errors_name_key_and_line() {
    let e = err("[discord.guilds]\n\"kw1c\" = \"kw1c\"\n");
    let shown = assert_at(&e, "discord.guilds.kw1c", 2);
    assert!(shown.contains("server-id"), "{shown}");
    let e = err("[discord.guilds]\n\"123\" = \"niet goed!\"\n");
    assert_at(&e, "discord.guilds.123", 2);
    let e = err("[discord]\nrequests_per_second = 80\n");
    let shown = assert_at(&e, "discord.requests_per_second", 2);
    assert!(shown.contains("50"), "{shown}");
}
#[test]
fn the_discord_api_address_is_scheme_host_and_port_only() {
    let api = |v: &str| {
        Config::from_toml_str(
            &format!("[discord]\napi_url = \"{v}\"\n"),
            "wandelgang.toml",
            &no_env(),
        )
        .map(|c| c.discord.api_url)
    };
    assert_eq!(Config::default().discord.api_url, None);
    for (given, kept) in [
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
        (
            "https://discord-proxy.school.nl",
            "https://discord-proxy.school.nl",
        ),
    ] {
        assert_eq!(api(given).expect(given), Some(kept.to_string()), "{given}");
    }
    for bad in [
        "127.0.0.1:3000",
        "ftp://proxy:21",
        "http://proxy/api/v10",
        "http://user:pw@proxy",
        "http://proxy?x=1",
        "",
    ] {
        let e = api(bad).expect_err(bad);
        let shown = assert_at(&e, "discord.api_url", 2);
        assert!(shown.contains("http://127.0.0.1:3000"), "{shown}");
    }
}

#[test]
fn the_endpoints_listen_on_loopback_unless_told_otherwise() {
    let listen = |text: &str, vars: &BTreeMap<String, String>| {
        Config::from_toml_str(text, "w.toml", vars).map(|c| c.service.listen)
    };
    let default = Some("127.0.0.1:9187".parse().expect("address"));
    assert_eq!(listen("", &no_env()).expect("default"), default);
    assert_eq!(Config::default().service.listen, default);
    assert_eq!(
        listen("[service]\nlisten = \"0.0.0.0:9300\"\n", &no_env()).expect("set"),
        Some("0.0.0.0:9300".parse().expect("address"))
    );
    assert_eq!(
        listen("[service]\nlisten = \"\"\n", &no_env()).expect("off"),
        None
    );
    // The environment wins, and empty there is off too.
    let file = "[service]\nlisten = \"0.0.0.0:9300\"\n";
    assert_eq!(
        listen(file, &env(&[(ENV_LISTEN, "127.0.0.1:9401")])).expect("env"),
        Some("127.0.0.1:9401".parse().expect("address"))
    );
    assert_eq!(
        listen(file, &env(&[(ENV_LISTEN, "")])).expect("env off"),
        None
    );
    let e = err("[service]\nlisten = \"localhost\"\n");
    let shown = assert_at(&e, "service.listen", 2);
    assert!(shown.contains("127.0.0.1:9187"), "{shown}");
    let e = listen("", &env(&[(ENV_LISTEN, "9187")])).expect_err("port only");
    assert!(e.to_string().contains(ENV_LISTEN), "{e}");
    let e = err("[service]\nlisten = \"127.0.0.1:1\"\nport = 3\n");
    assert!(e.to_string().contains("port"), "{e}");
}

#[test]
fn the_matrix_store_and_encrypted_dms_are_configurable() {
    let base = "[matrix]\nhomeserver = \"https://m.x\"\nuser = \"@wg:x\"\n";
    let c = Config::from_toml_str(base, "w.toml", &no_env()).unwrap();
    let m = c.matrix.unwrap();
    assert_eq!((m.store, m.encrypt_dms), (None, true));
    assert!(m.store_passphrase.is_none());
    let text = format!("{base}store = \"/var/lib/wg/keys\"\nencrypt_dms = false\n");
    let vars = env(&[(ENV_MATRIX_STORE_PASSPHRASE, "twee woorden")]);
    let m = Config::from_toml_str(&text, "w.toml", &vars)
        .unwrap()
        .matrix
        .unwrap();
    assert_eq!(m.store, Some(std::path::PathBuf::from("/var/lib/wg/keys")));
    assert!(!m.encrypt_dms);
    assert_eq!(m.store_passphrase.unwrap().expose(), "twee woorden");
    let e = err(&format!("{base}store = \"\"\n"));
    assert_at(&e, "matrix.store", 4);
}

#[test]
fn the_domain_rules_bound_the_configured_values() {
    let cases = [
        (
            "[defaults]\nreminder_after_hours = 0",
            Some("reminder_after_hours moet tussen 1 en 72 liggen (nu 0)"),
        ),
        ("[defaults]\nreminder_after_hours = 72", None),
        ("[defaults]\ncadence = 3", None),
        ("[defaults]\ncadence = 4", Some("ritme moet 1, 2 of 3 zijn")),
        (
            "[defaults]\ncadence = 259",
            Some("ritme moet 1, 2 of 3 zijn"),
        ),
        ("[defaults.escalation]\nconsecutive_geen_klik = 10", None),
        (
            "[defaults.escalation]\nconsecutive_geen_klik = 11",
            Some("consecutive_geen_klik moet tussen 1 en 10 liggen (nu 11)"),
        ),
        (
            "[defaults.escalation]\nnegative_of_last = 0",
            Some("negative_of_last moet tussen 1 en 10 liggen (nu 0)"),
        ),
        ("[defaults.escalation]\ncross_signal_days = 90", None),
        (
            "[defaults.escalation]\ncross_signal_days = 91",
            Some("cross_signal_days moet tussen 1 en 90 liggen (nu 91)"),
        ),
        (
            "[defaults.escalation]\nreminder_school_days = 21",
            Some("reminder_school_days moet tussen 1 en 20 liggen (nu 21)"),
        ),
        ("[defaults.escalation]\nnegative_count = 5", None),
        (
            "[defaults.escalation]\nnegative_count = 6",
            Some("negative_count (6) mag niet groter zijn dan negative_of_last (5)"),
        ),
        (
            "[defaults.working_hours]\nstart = \"09:00\"\nend = \"09:30\"",
            None,
        ),
        (
            "[defaults.working_hours]\nstart = \"09:00\"\nend = \"09:29\"",
            Some("werktijd 09:00–09:29 is korter dan 30 minuten"),
        ),
        (
            "[defaults.working_hours]\nstart = \"09:00\"\nend = \"09:00\"",
            Some("begintijd 09:00 moet vóór eindtijd 09:00 liggen"),
        ),
    ];
    for (text, expected) in cases {
        let shown = Config::from_toml_str(text, "wandelgang.toml", &no_env())
            .err()
            .map(|e| e.to_string());
        match (expected, shown) {
            (None, None) => {}
            (Some(want), Some(got)) => assert!(got.contains(want), "{text}: {got}"),
            (want, got) => panic!("{text}: expected {want:?}, got {got:?}"),
        }
    }
}

#[test]
fn digest_settings_merge_per_key_and_bad_values_name_their_key() {
    use crate::domain::digest::{DigestSettings, Thresholds};
    let text = "\
[defaults.digest]
time = \"07:30\"
min_students = 5
[schools.kw1c.digest]
enabled = false
[schools.roc.digest]
weekday = \"vrijdag\"
quiet_wpb_prompts = 6
";
    let c = Config::from_toml_str(text, "wandelgang.toml", &no_env()).unwrap();
    let base = DigestSettings {
        time: chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        thresholds: Thresholds {
            min_students: 5,
            ..Thresholds::default()
        },
        ..DigestSettings::default()
    };
    assert_eq!(c.defaults.digest, base);
    assert_eq!(
        c.school("kw1c").digest,
        DigestSettings {
            enabled: false,
            ..base
        }
    );
    assert_eq!(
        c.school("roc").digest,
        DigestSettings {
            weekday: chrono::Weekday::Fri,
            thresholds: Thresholds {
                quiet_wpb_prompts: 6,
                ..base.thresholds
            },
            ..base
        }
    );
    assert_eq!(Config::default().defaults.digest, DigestSettings::default());
    assert_eq!(DigestSettings::default().weekday, chrono::Weekday::Mon);
    let shown = assert_at(
        &err("[defaults.digest]\nmin_students = 1\n"),
        "defaults.digest.min_students",
        2,
    );
    assert!(
        shown.contains("tussen 2 en 20") && shown.contains("between 2 and 20"),
        "{shown}"
    );
    assert_at(
        &err("[schools.kw1c.digest]\nweekday = \"maan\"\n"),
        "schools.kw1c.digest.weekday",
        2,
    );
    assert_at(
        &err("[defaults.digest]\ntime = \"8u\"\n"),
        "defaults.digest.time",
        2,
    );
    assert_at(
        &err("[defaults.digest]\nweken = 3\n"),
        "defaults.digest.weken",
        2,
    );
}
