//! The binary as a user runs it: roster import (all or nothing), prompt checks, config errors, demo.

use std::process::{Command, Output};

fn wandelgang(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .args(args)
        .current_dir(dir)
        .env_remove("WANDELGANG_DATABASE_URL")
        .env_remove("WANDELGANG_CONFIG")
        .env_remove("WANDELGANG_DISCORD_TOKEN")
        .env_remove("WANDELGANG_MATRIX_PASSWORD")
        .env_remove("WANDELGANG_MATRIX_ACCESS_TOKEN")
        .output()
        .expect("run wandelgang")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const REPO: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn roster_import_is_all_or_nothing_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(format!("{REPO}/examples/roster.csv")).unwrap();
    // Rename one student: the pairing that refers to them now points at nobody.
    let bad = good.replacen(",daan,", ",nobody,", 1);
    assert_ne!(bad, good, "fixture changed");
    std::fs::write(dir.path().join("bad.csv"), &bad).unwrap();
    let out = wandelgang(dir.path(), &["roster", "import", "bad.csv"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("rij ") && msg.contains("`daan` bestaat niet"),
        "{msg}"
    );
    assert!(msg.contains("niets geïmporteerd"), "{msg}");
    let shown = wandelgang(dir.path(), &["roster", "show"]);
    assert!(
        text(&shown).contains("Nog geen rooster"),
        "{}",
        text(&shown)
    );

    let ok = wandelgang(
        dir.path(),
        &["roster", "import", &format!("{REPO}/examples/roster.csv")],
    );
    assert!(ok.status.success(), "{}", text(&ok));
    let shown = text(&wandelgang(dir.path(), &["roster", "show"]));
    assert!(
        shown.contains("Anna Jansen") && shown.contains("koppeling"),
        "{shown}"
    );
}

/// The log's colour codes removed.
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

const CSV_HEADER: &str = "kind,id,school,name,team,chat,language,wpb,student,start,end\n";

/// Writes a CSV roster (header on line 1, then `rows` from line 2) and imports it.
fn import_csv(dir: &std::path::Path, name: &str, rows: &[&str]) -> Output {
    let body: String = rows.iter().map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join(name), format!("{CSV_HEADER}{body}")).unwrap();
    wandelgang(dir, &["roster", "import", name])
}

#[test]
fn roster_import_refuses_what_clashes_with_the_stored_roster_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let example = format!("{REPO}/examples/roster.csv");
    let ok = wandelgang(dir.path(), &["roster", "import", &example]);
    assert!(ok.status.success(), "{}", text(&ok));
    let before = text(&wandelgang(dir.path(), &["roster", "show"]));

    // Daan is stored with Anna until 2027-01-31: a second wpb from December overlaps.
    let out = import_csv(
        dir.path(),
        "overlap.csv",
        &[
            "school,voorbeeld,,Voorbeeldcollege,,,,,,,",
            "team,talen,voorbeeld,Sectie talen,,console:#talen,,,,,",
            "wpb,carmen,voorbeeld,Carmen Bakker,talen,console:carmen,nl,,,,",
            "student,daan,voorbeeld,Daan Visser,,console:daan,nl,,,,",
            "pairing,,,,,,,carmen,daan,2026-12-01,2027-03-31",
        ],
    );
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("rij 6: koppeling van student `daan` met wpb `carmen` (2026-12-01 t/m 2027-03-31) overlapt met de opgeslagen koppeling met wpb `anna` (2026-09-01 t/m 2027-01-31)"),
        "{msg}"
    );
    assert!(
        msg.contains("row 6: pairing of student `daan` with wpb `carmen` (2026-12-01 to 2027-03-31) overlaps the stored pairing with wpb `anna` (2026-09-01 to 2027-01-31)"),
        "{msg}"
    );
    assert!(msg.contains("niets geïmporteerd"), "{msg}");

    // A new school without a schoolopleider: refused on the school's row.
    let out = import_csv(
        dir.path(),
        "orphan.csv",
        &[
            "school,nieuw,,Nieuwe school,,,,,,,",
            "team,t,nieuw,Team,,,,,,,",
            "wpb,wil,nieuw,Wil,t,console:wil,,,,,",
        ],
    );
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("rij 2: school `nieuw` heeft na de import geen schoolopleider")
            && msg.contains("row 2: school `nieuw` would have no schoolopleider"),
        "{msg}"
    );

    // Making the only schoolopleider a wpb leaves her school without one: refused on her row.
    let out = import_csv(
        dir.path(),
        "demoted.csv",
        &[
            "school,voorbeeld,,Voorbeeldcollege,,,,,,,",
            "team,exact,voorbeeld,Sectie exact,,console:#exact,,,,,",
            "wpb,sanne,voorbeeld,Sanne de Vries,exact,console:sanne,nl,,,,",
        ],
    );
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains(
            "rij 4: school `voorbeeld` heeft na de import geen schoolopleider meer (`sanne` was het)"
        ),
        "{msg}"
    );

    // Nothing of the three refused files was stored.
    assert_eq!(text(&wandelgang(dir.path(), &["roster", "show"])), before);

    // The same pairings again only update their end date; a school with its own
    // schoolopleider is fine.
    let again = wandelgang(dir.path(), &["roster", "import", &example]);
    assert!(again.status.success(), "{}", text(&again));
    let out = import_csv(
        dir.path(),
        "more.csv",
        &[
            "school,nieuw,,Nieuwe school,,,,,,,",
            "schoolopleider,olga,nieuw,Olga,,console:olga,,,,,",
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&wandelgang(dir.path(), &["roster", "show"]));
    assert!(!shown.contains("geen schoolopleider"), "{shown}");

    // A school that lost its last schoolopleider afterwards is flagged by `roster show`
    // and warned about when the bot starts.
    let forgot = wandelgang(dir.path(), &["forget", "olga", "--yes"]);
    assert!(forgot.status.success(), "{}", text(&forgot));
    let shown = text(&wandelgang(dir.path(), &["roster", "show"]));
    assert!(
        shown.contains(
            "! school `nieuw` heeft geen schoolopleider: escalaties gaan naar admin_chat"
        ),
        "{shown}"
    );
    assert!(!shown.contains("`voorbeeld` heeft geen"), "{shown}");

    // Matrix on a closed port: the start fails, after the warnings.
    std::fs::write(
        dir.path().join("wandelgang.toml"),
        "[matrix]\nhomeserver = \"http://127.0.0.1:9\"\nuser = \"@bot:localhost\"\n",
    )
    .unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .arg("run")
        .current_dir(dir.path())
        .env_remove("WANDELGANG_CONFIG")
        .env_remove("WANDELGANG_DATABASE_URL")
        .env_remove("WANDELGANG_DISCORD_TOKEN")
        .env_remove("WANDELGANG_MATRIX_ACCESS_TOKEN")
        .env("WANDELGANG_MATRIX_PASSWORD", "secret")
        .env("WANDELGANG_LOG", "warn")
        .env("WANDELGANG_LISTEN", "127.0.0.1:0")
        .output()
        .unwrap();
    let stderr = strip_ansi(&String::from_utf8_lossy(&run.stderr));
    assert!(!run.status.success());
    assert!(
        stderr.contains("WARN wandelgang: school has no schoolopleider; escalations go to admin_chat if configured")
            && stderr.contains("school=nieuw"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Let op / warning: school `nieuw` heeft geen schoolopleider"),
        "{stderr}"
    );
    assert!(!stderr.contains("school=voorbeeld"), "{stderr}");
}

#[test]
fn prompts_check_passes_on_the_library_and_names_a_directive_prompt() {
    let ok = wandelgang(std::path::Path::new(REPO), &["prompts", "check"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let dir = tempfile::tempdir().unwrap();
    for lang in ["nl", "en"] {
        std::fs::create_dir_all(dir.path().join(lang)).unwrap();
        for entry in std::fs::read_dir(format!("{REPO}/prompts/{lang}")).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.path().join(lang).join(path.file_name().unwrap())).unwrap();
        }
    }
    let klik = dir.path().join("nl/klik.toml");
    let original = std::fs::read_to_string(&klik).unwrap();
    let first_text = original.lines().find(|l| l.starts_with("text = ")).unwrap();
    std::fs::write(
        &klik,
        original.replacen(first_text, "text = \"Je moet vaker vragen stellen?\"", 1),
    )
    .unwrap();
    let out = wandelgang(dir.path(), &["prompts", "check", "."]);
    assert!(!out.status.success());
    assert!(text(&out).contains("moet"), "{}", text(&out));
}

/// `status` looks without touching: a missing database is not created, an unmigrated one not
/// migrated, and each says so with exit code 1; a database it cannot reach is exit code 2.
#[test]
fn status_looks_without_touching_and_says_so_in_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = wandelgang(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("bestaat niet / does not exist"),
        "{}",
        text(&out)
    );
    assert!(!dir.path().join("wandelgang.db").exists());

    let migrated = wandelgang(dir.path(), &["migrate"]);
    assert!(migrated.status.success(), "{}", text(&migrated));
    let out = wandelgang(dir.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let shown = text(&out);
    assert!(
        shown.contains("Migraties / migrations: 14 van 14 toegepast"),
        "{shown}"
    );
    assert!(
        shown.contains("no `wandelgang run` process is running"),
        "{shown}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .arg("status")
        .current_dir(dir.path())
        .env_remove("WANDELGANG_CONFIG")
        .env(
            "WANDELGANG_DATABASE_URL",
            "postgres://nobody@127.0.0.1:9/none?connect_timeout=2",
        )
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("fout / error"), "{}", text(&out));

    let out = wandelgang(dir.path(), &["status", "--max-delay", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// `run --help` names both platforms it runs on.
#[test]
fn run_help_names_discord_and_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let out = wandelgang(dir.path(), &["run", "--help"]);
    assert!(out.status.success(), "{}", text(&out));
    let help = text(&out);
    assert!(
        help.contains("Discord of Matrix") && help.contains("Discord or Matrix"),
        "{help}"
    );
}

#[test]
fn run_says_what_is_missing_before_touching_anything() {
    let dir = tempfile::tempdir().unwrap();
    let out = wandelgang(dir.path(), &["run"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("WANDELGANG_DISCORD_TOKEN")
            && msg.contains("[matrix]")
            && msg.contains("wandelgang demo"),
        "{msg}"
    );
    // A token without guilds: named too, and no database was created on the way.
    let out = Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .arg("run")
        .current_dir(dir.path())
        .env("WANDELGANG_DISCORD_TOKEN", "abc.def")
        .env_remove("WANDELGANG_CONFIG")
        .env_remove("WANDELGANG_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("[discord.guilds]"), "{}", text(&out));
    // Both platforms at once is refused.
    std::fs::write(
        dir.path().join("wandelgang.toml"),
        "discord_token = \"abc\"\n[matrix]\nhomeserver = \"https://m.example\"\nuser = \"@bot:m.example\"\n",
    )
    .unwrap();
    let out = wandelgang(dir.path(), &["run"]);
    assert!(text(&out).contains("één platform"), "{}", text(&out));
    assert!(!dir.path().join("wandelgang.db").exists());
}

#[test]
fn a_bad_config_names_file_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wandelgang.toml"),
        "[defaults]\nlanguage = \"nl\"\ncadence = 5\n",
    )
    .unwrap();
    let out = wandelgang(dir.path(), &["roster", "show"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(
        msg.contains("wandelgang.toml") && msg.contains("regel 3") && msg.contains("cadence"),
        "{msg}"
    );
}

#[test]
fn demo_runs_the_whole_story_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = wandelgang(dir.path(), &["demo", "--db", db.to_str().unwrap()]);
    let transcript = text(&out);
    assert!(out.status.success(), "{transcript}");
    for expected in [
        "Database:",
        "Escalatie klik",
        "Je twijfelt over de klik",
        "Herinnering: escalatie",
        "opgepakt",
        "Overzicht",
        "Nog even hierop terugkomen",
    ] {
        assert!(transcript.contains(expected), "missing {expected:?}");
    }
    // Nothing in the week of the herfstvakantie.
    assert!(
        !transcript.contains("-10-2026 ")
            || !transcript
                .lines()
                .any(|l| l.starts_with("[")
                    && (19..=23).any(|d| l.contains(&format!(" {d}-10-2026 "))))
    );
    assert!(db.exists());
    let again = wandelgang(dir.path(), &["demo", "--db", db.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(text(&again).contains("bestaat al"));
}

#[test]
fn export_forget_and_retention_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let ok = wandelgang(
        dir.path(),
        &["roster", "import", &format!("{REPO}/examples/roster.csv")],
    );
    assert!(ok.status.success(), "{}", text(&ok));

    let out = wandelgang(dir.path(), &["export", "anna"]);
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(json["profile"]["name"], "Anna Jansen");
    assert_eq!(json["profile"]["role"], "wpb");
    assert_eq!(json["intervisie_posts"], serde_json::json!([]));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Bram"));

    let file = dir.path().join("daan.json");
    let out = wandelgang(
        dir.path(),
        &["export", "daan", "--out", file.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["profile"]["role"], "student");
    assert!(json.get("reflections").is_none());

    let missing = wandelgang(dir.path(), &["export", "nobody"]);
    assert!(!missing.status.success());
    assert!(
        text(&missing).contains("niet gevonden"),
        "{}",
        text(&missing)
    );

    let dry = wandelgang(dir.path(), &["retention", "run", "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
    let shown = text(&dry);
    assert!(
        shown.contains("Proefrun") && shown.contains("reflecties / reflections: 0"),
        "{shown}"
    );

    // Without a terminal and without --yes nothing is deleted.
    let refused = wandelgang(dir.path(), &["forget", "anna"]);
    assert!(!refused.status.success());
    assert!(text(&refused).contains("--yes"), "{}", text(&refused));
    assert!(wandelgang(dir.path(), &["export", "anna"]).status.success());
    let forgot = wandelgang(dir.path(), &["forget", "anna", "--yes"]);
    assert!(forgot.status.success(), "{}", text(&forgot));
    assert!(text(&forgot).contains("Verwijderd"), "{}", text(&forgot));
    assert!(!wandelgang(dir.path(), &["export", "anna"]).status.success());

    // The command line acts as the admin through the same gate, and its actions are audited.
    let audit = wandelgang(dir.path(), &["audit"]);
    assert!(audit.status.success(), "{}", text(&audit));
    let shown = text(&audit);
    assert!(
        shown.contains("admin:cli import roster") && shown.contains("admin:cli export"),
        "{shown}"
    );

    let help = wandelgang(dir.path(), &["--help"]);
    let help = text(&help);
    assert!(help.contains("export") && help.contains("forget") && help.contains("retention"));
}

/// The console transport reaches the commands a chat user has, through `simulate`.
#[test]
fn simulate_reaches_the_chat_commands_through_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"
title = "Console commands"
start = "2026-10-05"
weeks = 1

[[roster.school]]
id = "sch"
name = "School"

[[roster.team]]
id = "t"
school = "sch"
name = "Team T"
channel = "console:#t"

[[roster.schoolopleider]]
id = "so"
school = "sch"
name = "Sanne"
chat = "console:so"

[[roster.wpb]]
id = "w1"
school = "sch"
team = "t"
name = "Wim"
chat = "console:w1"

[[roster.student]]
id = "s1"
school = "sch"
name = "Sam"
chat = "console:s1"

[[roster.pairing]]
wpb = "w1"
student = "s1"
start = "2026-09-01"
end = "2027-01-29"

[[event]]
at = "2026-10-05 09:00"
who = "w1"
action = "reflectie"
text = "Sam neemt steeds vaker zelf het woord in de les."

[[event]]
at = "2026-10-05 09:05"
who = "w1"
action = "intervisie-reflectie"

[[event]]
at = "2026-10-05 09:10"
who = "w1"
action = "ritme"
value = "3"

[[event]]
at = "2026-10-05 09:15"
who = "so"
action = "overzicht"

[[event]]
at = "2026-10-05 09:16"
who = "so"
action = "escalaties"

[[event]]
at = "2026-10-05 09:20"
who = "s1"
action = "mijngegevens"

[[event]]
at = "2026-10-05 09:25"
who = "s1"
action = "vergeet-mij"

[[event]]
at = "2026-10-05 09:26"
who = "s1"
action = "vergeet-mij"
value = "bevestig"
"#;
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let out = wandelgang(
        dir.path(),
        &[
            "simulate",
            "s.toml",
            "--db",
            dir.path().join("s.db").to_str().unwrap(),
        ],
    );
    let transcript = text(&out);
    assert!(out.status.success(), "{transcript}");
    // The reflection became the case in the team channel.
    assert!(
        transcript.contains("(#t)")
            && transcript
                .matches("Sam neemt steeds vaker zelf het woord")
                .count()
                >= 2,
        "{transcript}"
    );
    // Every command got an answer and none was refused.
    for cmd in [
        "ritme: 3",
        "overzicht",
        "escalaties",
        "mijngegevens",
        "vergeet-mij (bevestigd)",
    ] {
        let line = transcript
            .lines()
            .position(|l| l.contains(&format!("→ {cmd}")))
            .unwrap_or_else(|| panic!("no {cmd:?} in {transcript}"));
        let answer = transcript.lines().nth(line + 1).unwrap_or_default();
        assert!(
            answer.contains('←') && !answer.contains("geweigerd"),
            "{cmd}: {answer}"
        );
    }
}

#[test]
fn roster_import_reads_semicolons_and_names_rows_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    // As Dutch Excel saves it: semicolons.
    let good = std::fs::read_to_string(format!("{REPO}/examples/roster.csv")).unwrap();
    std::fs::write(dir.path().join("excel.csv"), good.replace(',', ";")).unwrap();
    let ok = wandelgang(dir.path(), &["roster", "import", "excel.csv"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let shown = text(&wandelgang(dir.path(), &["roster", "show"]));
    assert!(shown.contains("Anna Jansen"), "{shown}");

    // As Excel's plain "CSV" saves it: Windows-1252, é is the byte 0xE9.
    let mut latin = b"kind;id;school;name;team;chat;language;wpb;student;start;end\n".to_vec();
    latin.extend_from_slice(b"school;x;;School X;;;;;;;\nschool;y;;Caf\xe9 Y;;;;;;;\n");
    std::fs::write(dir.path().join("latin.csv"), &latin).unwrap();
    let out = wandelgang(dir.path(), &["roster", "import", "latin.csv"]);
    assert!(!out.status.success());
    let msg = text(&out);
    assert!(msg.contains("rij 3: tekst is geen UTF-8"), "{msg}");
    assert!(msg.contains("row 3: text is not UTF-8"), "{msg}");
    assert!(
        msg.contains("CSV UTF-8") && msg.contains("niets geïmporteerd"),
        "{msg}"
    );
}

#[test]
fn a_database_that_cannot_be_opened_is_named_once_with_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let check = |out: &Output, path: &std::path::Path, nl: &str, en: &str| {
        assert!(!out.status.success());
        let msg = text(out);
        let path = path.display().to_string();
        assert_eq!(msg.matches("kan de database").count(), 1, "{msg}");
        assert!(
            msg.contains(&format!("kan de database {path} niet openen (uit {nl})")),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("cannot open the database {path} (from {en})")),
            "{msg}"
        );
        assert_eq!(
            msg.matches("unable to open database file").count(),
            2,
            "{msg}"
        );
    };

    // The environment variable.
    let env_db = missing.join("env.db");
    let out = Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .args(["roster", "show"])
        .current_dir(dir.path())
        .env(
            "WANDELGANG_DATABASE_URL",
            format!("sqlite://{}", env_db.display()),
        )
        .env_remove("WANDELGANG_CONFIG")
        .output()
        .unwrap();
    check(
        &out,
        &env_db,
        "omgevingsvariabele WANDELGANG_DATABASE_URL",
        "environment variable WANDELGANG_DATABASE_URL",
    );

    // database_url in the configuration file, with its line.
    std::fs::write(
        dir.path().join("wandelgang.toml"),
        "# de database\n\ndatabase_url = \"sqlite://no-such-folder/file.db\"\n",
    )
    .unwrap();
    let out = wandelgang(dir.path(), &["roster", "show"]);
    check(
        &out,
        &missing.join("file.db"),
        "database_url in wandelgang.toml, regel 3",
        "database_url in wandelgang.toml, line 3",
    );
    std::fs::remove_file(dir.path().join("wandelgang.toml")).unwrap();

    // --db of demo.
    let flag_db = missing.join("demo.db");
    let out = wandelgang(dir.path(), &["demo", "--db", flag_db.to_str().unwrap()]);
    check(&out, &flag_db, "--db", "--db");
}

#[test]
fn simulate_a_scenario_in_a_folder_without_db() {
    let out = wandelgang(
        std::path::Path::new(REPO),
        &["simulate", "scenarios/demo.toml"],
    );
    let transcript = text(&out);
    assert!(out.status.success(), "{transcript}");
    let db = transcript
        .rsplit_once("Database: ")
        .map(|(_, p)| p.trim().to_string())
        .expect("the database is named");
    let name = std::path::Path::new(&db)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(name.starts_with("wandelgang-demo-"), "{db}");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
}

#[test]
fn log_lines_have_no_colour_codes_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .args(["roster", "show"])
        .current_dir(dir.path())
        .env("WANDELGANG_LOG", "debug")
        .env_remove("WANDELGANG_DATABASE_URL")
        .env_remove("WANDELGANG_CONFIG")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("DEBUG"), "no log lines at all: {log}");
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
}

/// `prompt send` queues through the outbox; the running bot's next tick delivers it, once. The
/// calendar makes every day a school day, as the binary runs on the real clock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_send_queues_a_prompt_that_the_next_tick_delivers_once() {
    use chrono::{Days, Utc};
    use std::sync::Arc;
    use wandelgang::app::Engine;
    use wandelgang::app::inbox::{Inbound, Sender};
    use wandelgang::app::ports::VirtualClock;
    use wandelgang::chat::recording::RecordingChat;
    use wandelgang::config::Config;
    use wandelgang::domain::prompts::Catalogue;
    use wandelgang::domain::roster::PersonId;
    use wandelgang::store::Store;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wandelgang.db");
    let config_path = dir.path().join("wandelgang.toml");
    std::fs::write(
        &config_path,
        format!(
            "database_url = \"sqlite://{}\"\n[defaults]\nschool_days = [\"ma\", \"di\", \"wo\", \"do\", \"vr\", \"za\", \"zo\"]\n",
            db.display()
        ),
    )
    .unwrap();
    let today = Utc::now().date_naive();
    let start = today.checked_sub_days(Days::new(30)).unwrap();
    let end = today.checked_add_days(Days::new(200)).unwrap();
    let out = import_csv(
        dir.path(),
        "rooster.csv",
        &[
            "school,voorbeeld,,Voorbeeldcollege,,,,,,,",
            "team,exact,voorbeeld,Sectie exact,,,,,,,",
            "schoolopleider,sanne,voorbeeld,Sanne de Vries,,console:sanne,nl,,,,",
            "wpb,anna,voorbeeld,Anna Jansen,exact,console:anna,nl,,,,",
            "wpb,ben,voorbeeld,Ben Smit,exact,,nl,,,,",
            "wpb,carl,voorbeeld,Carl Visser,exact,console:carl,nl,,,,",
            "wpb,dirk,voorbeeld,Dirk Bos,exact,console:dirk,nl,,,,",
            "student,daan,voorbeeld,Daan Visser,,console:daan,nl,,,,",
            "student,eva,voorbeeld,Eva Smit,,console:eva,nl,,,,",
            "student,fien,voorbeeld,Fien Bos,,console:fien,nl,,,,",
            &format!("pairing,,,,,,,anna,daan,{start},{end}"),
            &format!("pairing,,,,,,,ben,eva,{start},{end}"),
            &format!("pairing,,,,,,,dirk,fien,{start},{end}"),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));

    let config = Config::load(Some(&config_path), &Default::default()).unwrap();
    let store = Store::open(&config.database_url).await.unwrap();
    let chat = RecordingChat::new();
    let clock = VirtualClock::new(Utc::now());
    let engine = Engine::new(
        store.clone(),
        chat.clone(),
        clock.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );
    let until = today.checked_add_days(Days::new(3)).unwrap();
    engine
        .handle(Inbound::Pause {
            from: Sender::Person(PersonId::parse("dirk").unwrap()),
            until,
        })
        .await
        .unwrap();

    let sent = wandelgang(dir.path(), &["prompt", "send", "anna"]);
    assert!(sent.status.success(), "{}", text(&sent));
    let said = text(&sent);
    assert!(
        said.contains("klaargezet; de draaiende bot verstuurt hem binnen ~30 s")
            && said.contains("queued; the running bot sends it within ~30 s"),
        "{said}"
    );
    // The CLI sent nothing itself; the bot's next tick does, and only once.
    let on_demand = |chat: &RecordingChat| -> Vec<String> {
        chat.delivered()
            .into_iter()
            .map(|m| m.key)
            .filter(|k| k.contains("-vraag"))
            .collect()
    };
    assert!(on_demand(&chat).is_empty());
    clock.set(Utc::now());
    engine.tick().await.unwrap();
    let delivered = on_demand(&chat);
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert!(delivered[0].ends_with(":prompt:anna"), "{delivered:?}");
    let to = chat.delivered();
    assert_eq!(
        to.iter()
            .find(|m| m.key == delivered[0])
            .and_then(|m| m.to.address.clone())
            .as_deref(),
        Some("console:anna")
    );
    engine.tick().await.unwrap();
    assert_eq!(on_demand(&chat), delivered);
    assert_eq!(chat.attempts_per_key().get(&delivered[0]), Some(&1));

    // Once a day: a second send is refused and says when it can be again.
    let again = wandelgang(dir.path(), &["prompt", "send", "anna"]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("vandaag al een vraag op verzoek"),
        "{}",
        text(&again)
    );
    for (who, why) in [
        ("nobody", "niet in het rooster / not in the roster"),
        ("daan", "geen wpb"),
        ("ben", "geen chatadres in het rooster / no chat address"),
        ("carl", "geen lopende koppeling / no active pairing"),
        (
            "dirk",
            &format!("gepauzeerd tot en met {}", until.format("%d-%m-%Y")),
        ),
    ] {
        let out = wandelgang(dir.path(), &["prompt", "send", who]);
        assert!(!out.status.success(), "{who}: {}", text(&out));
        assert!(text(&out).contains(why), "{who}: {}", text(&out));
    }
    clock.set(Utc::now());
    engine.tick().await.unwrap();
    assert_eq!(on_demand(&chat), delivered);
    let help = text(&wandelgang(dir.path(), &["prompt", "send", "--help"]));
    assert!(
        help.contains("de draaiende bot") && help.contains("the running bot"),
        "{help}"
    );
    store.close().await;
}

/// The demo's whole transcript, kept byte for byte, so a refactoring that changes what a
/// person reads shows here. After an intended change of texts or behaviour, write it anew with
/// `WANDELGANG_BLESS=1 cargo test --test it the_demo_transcript` and review the diff.
#[test]
fn the_demo_transcript_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let out = wandelgang(dir.path(), &["demo", "--db", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let transcript = String::from_utf8(out.stdout)
        .expect("utf-8")
        .replace(db.to_str().unwrap(), "DEMO.db");
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/demo-transcript.txt");
    if std::env::var_os("WANDELGANG_BLESS").is_some() {
        assert!(!crate::ci::in_ci(), "CI compares, it never blesses");
        std::fs::write(&golden, &transcript).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    if let Some((n, (got, want))) = transcript
        .lines()
        .zip(expected.lines())
        .enumerate()
        .find(|(_, (g, w))| g != w)
    {
        panic!(
            "the demo transcript changed at line {}:\n  now:    {got}\n  before: {want}",
            n + 1
        );
    }
    assert_eq!(
        transcript.lines().count(),
        expected.lines().count(),
        "the demo transcript changed length"
    );
    assert_eq!(
        transcript, expected,
        "the demo transcript changed (line ends?)"
    );
}

#[test]
fn report_writes_the_figures_as_png_csv_or_html_and_says_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let example = format!("{REPO}/examples/roster.csv");
    assert!(
        wandelgang(dir.path(), &["roster", "import", &example])
            .status
            .success()
    );
    let school = std::fs::read_to_string(&example)
        .unwrap()
        .lines()
        .find_map(|l| {
            l.strip_prefix("school,")
                .map(|r| r.split(',').next().unwrap_or("").to_string())
        })
        .expect("a school in the example roster");

    let png = dir.path().join("overzicht.png");
    let out = wandelgang(
        dir.path(),
        &[
            "report",
            "--school",
            &school,
            "--weeks",
            "6",
            "--out",
            png.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("6 schoolweken"), "{}", text(&out));
    let decoded = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()))
        .read_info()
        .expect("a PNG");
    assert_eq!(decoded.info().width, 800);

    let csv = dir.path().join("overzicht.csv");
    let out = wandelgang(
        dir.path(),
        &[
            "report",
            "--school",
            &school,
            "--out",
            csv.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let table = std::fs::read_to_string(&csv).unwrap();
    let mut lines = table.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("team,week,monday,prompts_sent"),
        "{table}"
    );
    // Ten school weeks for the school and for each team.
    assert_eq!(lines.count() % 10, 0, "{table}");

    let html = dir.path().join("overzicht.html");
    let out = wandelgang(
        dir.path(),
        &[
            "report",
            "--school",
            &school,
            "--out",
            html.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("data:image/png;base64,"),
        "{page}"
    );
    assert!(
        page.contains("alt=\"Grafiek per team"),
        "self-contained, with a text alternative"
    );
    assert!(!page.contains("src=\"http"), "nothing from outside");

    for (args, says) in [
        (vec!["--school", &school, "--out", "x.pdf"], ".pdf"),
        (vec!["--school", "onbekend", "--out", "x.png"], "onbekend"),
        (
            vec!["--school", &school, "--weeks", "0", "--out", "x.png"],
            "--weeks",
        ),
    ] {
        let mut all = vec!["report"];
        all.extend(args.iter().copied());
        let out = wandelgang(dir.path(), &all);
        assert!(!out.status.success(), "{all:?}");
        assert!(text(&out).contains(says), "{all:?}: {}", text(&out));
    }
}
