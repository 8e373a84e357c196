//! People named in `!` commands: a roster id, a name or a Matrix id, resolved by the core
//! among the sender's school, so people without a Matrix account can be named too.

use super::bot::MatrixEngine;
use super::wire::user_address;
use crate::app::inbox::{Handled, Sender};
use crate::domain::addressing::Wanted;
use crate::domain::roster::PersonId;

/// Element's link form of a user, as some clients put a mention in the plain body.
const MATRIX_TO: &str = "https://matrix.to/#/";

/// The chat address of a typed Matrix id (`@sam:server`, or its matrix.to link); None for
/// anything else, which is a roster id or a name.
pub fn matrix_address(typed: &str) -> Option<String> {
    let typed = typed.trim();
    let user = typed.strip_prefix(MATRIX_TO).unwrap_or(typed);
    (user.starts_with('@') && user.contains(':')).then(|| user_address(user))
}

/// The roster person a command names, or the refusal to answer with.
pub async fn named(
    engine: &MatrixEngine,
    from: &Sender,
    typed: &str,
    wanted: Wanted,
) -> Result<PersonId, Handled> {
    let typed = typed.trim();
    let user = typed.strip_prefix(MATRIX_TO).unwrap_or(typed);
    engine
        .named_person(from, user, matrix_address(user).as_deref(), wanted)
        .await
        .map_err(Err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_full_matrix_id_is_an_address() {
        for (typed, expected) in [
            ("@sam:school.nl", Some("matrix:@sam:school.nl")),
            (
                "https://matrix.to/#/@sam:school.nl",
                Some("matrix:@sam:school.nl"),
            ),
            ("@fatima", None),
            ("fatima", None),
            ("Fatima El Amrani", None),
        ] {
            assert_eq!(matrix_address(typed).as_deref(), expected, "{typed}");
        }
    }
}
