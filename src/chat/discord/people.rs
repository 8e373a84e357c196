//! People named in slash commands: a string option holds a mention, a roster id or a name, so
//! people who are not on Discord (a student without an account) can be named too.

use super::wire::user_address;

/// The chat address of a typed mention (`<@42>`, `<@!42>`); None for a roster id or a name.
pub fn discord_address(typed: &str) -> Option<String> {
    let inner = typed.trim().strip_prefix("<@")?.strip_suffix('>')?;
    let id = inner.strip_prefix('!').unwrap_or(inner);
    id.parse::<u64>().ok().map(user_address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_user_mention_is_an_address() {
        for (typed, expected) in [
            ("<@42>", Some("discord:42")),
            (" <@!42> ", Some("discord:42")),
            ("<@&42>", None),
            ("<#42>", None),
            ("@fatima", None),
            ("Fatima El Amrani", None),
            ("42", None),
        ] {
            assert_eq!(discord_address(typed).as_deref(), expected, "{typed}");
        }
    }
}
