//! Checks that cannot silently not run: with `CI` set, a missing PostgreSQL or a missing
//! Discord OpenAPI description fails the test instead of skipping it. Each case runs one test
//! of this binary in a child process with the environment it needs.

use std::process::{Command, Output};

fn run_one(test: &str, ci: Option<&str>) -> Output {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary"));
    cmd.args(["--exact", test, "--test-threads=1", "--nocapture"])
        .env_remove("WANDELGANG_TEST_POSTGRES_URL")
        .env_remove("DISCORD_OPENAPI_SPEC");
    match ci {
        Some(v) => cmd.env("CI", v),
        None => cmd.env_remove("CI"),
    };
    cmd.output().expect("run the test binary")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn without_postgres_ci_fails_and_elsewhere_skips() {
    let test = "store_conformance::outbox_keys_are_unique::postgres";
    let failed = run_one(test, Some("true"));
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(
        text(&failed).contains("WANDELGANG_TEST_POSTGRES_URL must be set in CI"),
        "{}",
        text(&failed)
    );
    let skipped = run_one(test, None);
    assert!(skipped.status.success(), "{}", text(&skipped));
    assert!(text(&skipped).contains("1 passed"), "{}", text(&skipped));
}

#[test]
fn without_the_discord_spec_ci_fails_and_elsewhere_skips() {
    let test = "discord_standin_selftest::http_dm_with_nonce_is_created_once_and_matches_the_spec";
    let failed = run_one(test, Some("1"));
    assert!(!failed.status.success(), "{}", text(&failed));
    assert!(
        text(&failed).contains("DISCORD_OPENAPI_SPEC must be set in CI"),
        "{}",
        text(&failed)
    );
    let skipped = run_one(test, Some("false"));
    assert!(skipped.status.success(), "{}", text(&skipped));
    assert!(
        text(&skipped).contains("spec checks skipped"),
        "{}",
        text(&skipped)
    );
}

#[test]
fn ci_is_set_unless_empty_zero_or_false() {
    use crate::ci::ci_value;
    for on in ["true", "1", "yes", "TRUE"] {
        assert!(ci_value(Some(on)), "{on}");
    }
    for off in [None, Some(""), Some("0"), Some("false"), Some("False")] {
        assert!(!ci_value(off), "{off:?}");
    }
}
