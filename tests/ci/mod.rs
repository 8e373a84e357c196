//! One answer to "are we in CI?" for every guard that would otherwise skip a check quietly
//! (PostgreSQL, Synapse, Discord's OpenAPI description): in CI a missing prerequisite fails.

/// True when `CI` is set to anything but empty, `0` or `false`.
pub fn in_ci() -> bool {
    ci_value(std::env::var("CI").ok().as_deref())
}

/// The rule behind [`in_ci`], for a given value of `CI`.
pub fn ci_value(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}
