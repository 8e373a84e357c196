//! People named in `!` commands: a roster id, a name or a Matrix id, resolved by the core
//! among the sender's school, so people without a Matrix account can be named too; and how
//! the one answering path shows answers on Matrix.

use super::commands::HELP;
use super::wire::user_address;
use crate::chat::answer::Surface;

/// How Matrix shows answers: no buttons (the answer says what to type), `!help`, and people
/// named by Matrix id, roster id or name.
pub static MATRIX: Surface = Surface {
    platform: "Matrix",
    buttons: false,
    read_person,
    help: Some(HELP),
};

/// Element's link form of a user, as some clients put a mention in the plain body.
const MATRIX_TO: &str = "https://matrix.to/#/";

/// The chat address of a typed Matrix id (`@sam:server`, or its matrix.to link); None for
/// anything else, which is a roster id or a name.
pub fn matrix_address(typed: &str) -> Option<String> {
    let typed = typed.trim();
    let user = typed.strip_prefix(MATRIX_TO).unwrap_or(typed);
    (user.starts_with('@') && user.contains(':')).then(|| user_address(user))
}

/// A typed person: a Matrix id (also as a matrix.to link) by its address, else a roster id or
/// a name, looked up as typed.
fn read_person(typed: &str) -> (String, Option<String>) {
    let typed = typed.trim();
    let user = typed.strip_prefix(MATRIX_TO).unwrap_or(typed);
    (user.to_string(), matrix_address(user))
}
