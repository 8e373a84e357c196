//! The scenario library plays green, and every kind of expectation can fail: the built binary
//! runs each file as a tester would (`simulate --quiet`), and deliberately wrong expectations
//! must turn into a non-zero exit with what was found and the transcript around it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn simulate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wandelgang"))
        .arg("simulate")
        .args(args)
        .current_dir(dir)
        .env_remove("WANDELGANG_DATABASE_URL")
        .env_remove("WANDELGANG_CONFIG")
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

fn library() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(format!("{REPO}/scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Every scenario in `scenarios/` meets all its expectations, and each has some.
#[test]
fn the_scenario_library_meets_its_expectations() {
    let files = library();
    assert!(
        files.len() >= 20,
        "the library has {} scenarios",
        files.len()
    );
    // Two at a time: each run is a process of its own on its own database.
    let failures: Vec<String> = files
        .chunks(files.len().div_ceil(2))
        .map(|chunk| {
            let chunk = chunk.to_vec();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for file in chunk {
                    let dir = tempfile::tempdir().unwrap();
                    let db = dir.path().join("run.db");
                    let out = simulate(
                        dir.path(),
                        &[
                            "--quiet",
                            "--db",
                            db.to_str().unwrap(),
                            file.to_str().unwrap(),
                        ],
                    );
                    let name = file.file_name().unwrap().to_string_lossy().to_string();
                    let out_text = text(&out);
                    if !out.status.success() {
                        failures.push(format!("{name}:\n{out_text}"));
                    } else if name != "demo.toml" && !out_text.contains("✓") {
                        failures.push(format!("{name}: expects nothing\n{out_text}"));
                    }
                }
                failures
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A scenario whose expectations are all wrong on purpose, one or more of every kind.
const WRONG: &str = r#"
title = "Alles fout"
start = "2026-09-07"
weeks = 1

[config.defaults]
cadence = 2
reminder = true

[[roster.school]]
id = "s"
name = "School"

[[roster.team]]
id = "t"
school = "s"
name = "Team"
channel = "console:#t"

[[roster.schoolopleider]]
id = "so"
school = "s"
name = "Sanne"
chat = "console:so"

[[roster.wpb]]
id = "w"
school = "s"
team = "t"
name = "Wim"
chat = "console:w"

[[roster.student]]
id = "st"
school = "s"
name = "Stijn"
chat = "console:st"

[[roster.pairing]]
wpb = "w"
student = "st"
start = "2026-09-01"
end = "2027-01-29"

[[respond]]
wpb = "w"
answers = ["Stijn pakt het goed op."]
klik = ["goed"]

[[event]]
at = "2026-09-09 11:00"
who = "st"
action = "klik"
value = "geen klik"

[[expect]]
message = { to = "w", contains = "dit staat nergens" }

[[expect]]
message = { to = "w", lacks = "Stijn" }

[[expect]]
sent = { to = "w", kind = "vraag", count = 7 }

[[expect]]
sent = { to = "w", kind = "vraag", at_most = 0, per_day = true }

[[expect]]
nothing = { to = "w" }

[[expect]]
in_hours = { kind = "vraag", to = "w" }
from = "2026-09-07"
at = "2026-09-07 00:00"
note = "nog geen vraag verstuurd, dus gehaald"

[[expect]]
escalation = { wpb = "w", student = "st", status = "open" }

[[expect]]
by = "2026-09-10 12:00"
escalation = { wpb = "w", status = "opgelost" }

[[expect]]
escalations = { count = 3 }

[[expect]]
stored = { person = "w", what = "reflecties", count = 0 }

[[expect]]
stored = { person = "st", what = "signalen", value = "goed", at_least = 1 }
"#;

/// Every kind of expectation fails when what it says is not so: the run exits non-zero, and
/// each failure names the expectation, what was found and the transcript around it.
#[test]
fn every_kind_of_expectation_can_fail() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fout.toml"), WRONG).unwrap();
    let out = simulate(dir.path(), &["--quiet", "fout.toml"]);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    for n in [1, 2, 3, 4, 5, 7, 8, 9, 10, 11] {
        let label = format!("✗ verwachting {n} ");
        assert!(all.contains(&label), "expectation {n} should fail:\n{all}");
    }
    assert!(all.contains("✓ verwachting 6 "), "{all}");
    assert!(
        all.contains(
            "11 verwachting(en) / expectation(s): 1 gehaald / met, 10 niet gehaald / failed"
        ),
        "{all}"
    );
    assert!(all.contains("10 verwachting(en) niet gehaald"), "{all}");
    // What was found, and the transcript around it.
    assert!(all.contains("gevonden / found: status geen"), "{all}");
    assert!(all.contains("    | ["), "transcript context:\n{all}");
    // Quiet: no transcript of its own, only the context of the failures.
    assert!(
        !all.lines().any(|l| l.starts_with("=== Alles fout")),
        "{all}"
    );
}

/// `in_hours` fails for a prompt outside the working window; `sent` with `per_day` for a day
/// with too many.
#[test]
fn in_hours_and_per_day_fail_when_broken() {
    let dir = tempfile::tempdir().unwrap();
    // `vraag` at 19:00 asks for a prompt after hours: the bot sends it then, on request.
    let scenario = WRONG.split("[[expect]]").next().unwrap().to_string()
        + r#"
[[event]]
at = "2026-09-08 19:00"
who = "w"
action = "vraag"

[[expect]]
in_hours = { kind = "vraag", to = "w" }

[[expect]]
sent = { to = "w", kind = "vraag", at_most = 0, per_day = true }
"#;
    std::fs::write(dir.path().join("uren.toml"), scenario).unwrap();
    let out = simulate(dir.path(), &["--quiet", "uren.toml"]);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("✗ verwachting 1 "), "{all}");
    assert!(all.contains("✗ verwachting 2 "), "{all}");
}

/// A run stopped with `--until` and continued with `--resume` ends as one played through:
/// the same verdicts and the same closing table, with a new engine on the same database.
#[test]
fn a_stopped_run_resumes_where_it_stopped() {
    let file = format!("{REPO}/scenarios/voorbeeld.toml");
    let whole_dir = tempfile::tempdir().unwrap();
    let whole_db = whole_dir.path().join("whole.db");
    let whole = simulate(
        whole_dir.path(),
        &["--db", whole_db.to_str().unwrap(), &file],
    );
    assert!(whole.status.success(), "{}", text(&whole));

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("run.db");
    let db = db.to_str().unwrap();
    let first = simulate(
        dir.path(),
        &["--db", db, "--until", "2026-09-10 12:00", &file],
    );
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("--resume"), "{}", text(&first));
    let again = simulate(
        dir.path(),
        &["--db", db, "--until", "2026-09-10 12:00", &file],
    );
    assert!(
        !again.status.success(),
        "an existing db without --resume is refused"
    );
    let rest = simulate(dir.path(), &["--db", db, "--resume", &file]);
    assert!(rest.status.success(), "{}", text(&rest));

    let tail = |o: &Output| {
        let s = String::from_utf8_lossy(&o.stdout).to_string();
        s[s.find("=== Overzicht / Summary ===").expect("summary")..]
            .lines()
            .filter(|l| !l.starts_with("Klaar"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(tail(&rest), tail(&whole));
    let transcript = std::fs::read_to_string(format!("{db}.transcript.txt")).unwrap();
    assert!(transcript.contains("=== verder / resumed"), "{transcript}");

    // A changed scenario does not resume the stored run.
    let changed = dir.path().join("anders.toml");
    std::fs::write(
        &changed,
        std::fs::read_to_string(&file)
            .unwrap()
            .replace("weeks = 2", "weeks = 3"),
    )
    .unwrap();
    let refused = simulate(
        dir.path(),
        &["--db", db, "--resume", changed.to_str().unwrap()],
    );
    assert!(!refused.status.success());
    assert!(text(&refused).contains("verschilt"), "{}", text(&refused));
}

/// A scenario that names an unknown kind, person or status, or two kinds at once, does not run.
#[test]
fn a_malformed_expectation_is_refused_before_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let head = WRONG.split("[[expect]]").next().unwrap();
    for (expect, says) in [
        (
            r#"sent = { to = "w", kind = "brief", count = 1 }"#,
            "onbekende soort",
        ),
        (r#"nothing = { to = "niemand" }"#, "onbekende persoon"),
        (
            r#"escalation = { wpb = "w", status = "dicht" }"#,
            "onbekende status",
        ),
        (
            "nothing = { to = \"w\" }\nescalations = { count = 1 }",
            "precies één soort",
        ),
        (r#"sent = { to = "w" }"#, "count, at_least of at_most"),
        (
            "at = \"morgen\"\nnothing = { to = \"w\" }",
            "geen YYYY-MM-DD",
        ),
    ] {
        std::fs::write(
            dir.path().join("s.toml"),
            format!("{head}[[expect]]\n{expect}\n"),
        )
        .unwrap();
        let out = simulate(dir.path(), &["s.toml"]);
        assert!(!out.status.success(), "{expect}");
        assert!(text(&out).contains(says), "{expect}: {}", text(&out));
        assert!(
            !text(&out).contains("=== Alles fout ==="),
            "no run: {}",
            text(&out)
        );
    }
}
