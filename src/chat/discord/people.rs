//! People named in slash commands: a string option holds a mention, a roster id or a name, so
//! people who are not on Discord (a student without an account) can be named too.

use super::wire::user_address;
use crate::chat::answer::Surface;

/// How Discord shows answers: buttons, and people named by mention, roster id or name.
pub static DISCORD: Surface = Surface {
    platform: "Discord",
    buttons: true,
    read_person,
    help: None,
};

/// A typed person: looked up as typed, by their address when it is a mention.
fn read_person(typed: &str) -> (String, Option<String>) {
    (typed.to_string(), discord_address(typed))
}

/// The chat address of a typed mention (`<@42>`, `<@!42>`); None for a roster id or a name.
pub fn discord_address(typed: &str) -> Option<String> {
    let inner = typed.trim().strip_prefix("<@")?.strip_suffix('>')?;
    let id = inner.strip_prefix('!').unwrap_or(inner);
    id.parse::<u64>().ok().map(user_address)
}
