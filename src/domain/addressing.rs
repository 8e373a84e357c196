//! Naming a person in a command: by roster id, by chat address (a mention), or by name, always
//! among the people of the sender's own school, so a name never reveals anyone elsewhere. A
//! person without a chat address (a student without a Matrix or Discord account) can still be
//! named.

use std::fmt;

use super::language::{Localize, Text};
use super::roster::{Person, PersonId, Role};

/// What a command says about the person it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The role the command is about (the student of a klik, the wpb of a pairing): when a
    /// name fits several people, only those with this role count.
    pub role: Option<Role>,
    /// The command must reach the person in a chat, so a chat address is needed.
    pub reach: bool,
}

impl Wanted {
    /// Someone of this role; no chat address needed.
    pub fn role(role: Role) -> Self {
        Wanted {
            role: Some(role),
            reach: false,
        }
    }
}

/// Why a name in a command does not name one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamingError {
    /// Nobody of the sender's school goes by this (people of other schools count as nobody).
    NotInSchool(String),
    /// The name fits more than one person of the school: these roster ids tell them apart.
    Ambiguous {
        /// The name as written.
        named: String,
        /// The roster ids that fit it.
        ids: Vec<String>,
    },
    /// In the roster, but without a chat address, and the command has to reach them.
    NoChatAddress {
        /// The person's name.
        name: String,
    },
}

/// Lower case, runs of whitespace as one space: how names are compared.
fn normal(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Finds the person `named` among `school` (the people of the sender's school). `address` is
/// the adapter's reading of what was typed as a chat address (`matrix:@sam:server` for
/// `@sam:server`, `discord:42` for `<@42>`), when it reads as one.
///
/// Order: exact roster id; then the chat address; then a case-insensitive full name or roster
/// id; then a first name. A typed address that nobody in the school has is not guessed at by
/// name: a Matrix id is not a name.
pub fn resolve(
    named: &str,
    address: Option<&str>,
    school: &[Person],
    wanted: Wanted,
) -> Result<PersonId, NamingError> {
    let typed = named.trim();
    let bare = typed.trim_start_matches('@');
    let found = match school
        .iter()
        .find(|p| p.id.as_str() == typed || p.id.as_str() == bare)
    {
        Some(p) => p,
        None => match address {
            Some(a) => school
                .iter()
                .find(|p| p.chat.as_deref() == Some(a))
                .ok_or_else(|| NamingError::NotInSchool(typed.to_string()))?,
            None => by_name(bare, school, wanted.role).map_err(|ids| {
                if ids.is_empty() {
                    NamingError::NotInSchool(typed.to_string())
                } else {
                    NamingError::Ambiguous {
                        named: typed.to_string(),
                        ids,
                    }
                }
            })?,
        },
    };
    if wanted.reach && found.chat.is_none() {
        return Err(NamingError::NoChatAddress {
            name: found.name.clone(),
        });
    }
    Ok(found.id.clone())
}

/// One person by full name or id (case-insensitive), else by first name; the error holds the
/// ids of all who fit (none, or several).
fn by_name<'a>(
    bare: &str,
    school: &'a [Person],
    role: Option<Role>,
) -> Result<&'a Person, Vec<String>> {
    let key = normal(bare);
    if key.is_empty() {
        return Err(Vec::new());
    }
    let full: Vec<&Person> = school
        .iter()
        .filter(|p| normal(&p.name) == key || p.id.as_str().to_lowercase() == key)
        .collect();
    let fits = if full.is_empty() && !key.contains(' ') {
        school
            .iter()
            .filter(|p| normal(&p.name).split(' ').next() == Some(key.as_str()))
            .collect()
    } else {
        full
    };
    one_of(fits, role)
}

fn one_of(fits: Vec<&Person>, role: Option<Role>) -> Result<&Person, Vec<String>> {
    let narrowed: Vec<&Person> = match role {
        Some(r) if fits.len() > 1 && fits.iter().any(|p| p.role == r) => {
            fits.iter().copied().filter(|p| p.role == r).collect()
        }
        _ => fits,
    };
    match narrowed.as_slice() {
        [one] => Ok(*one),
        several => {
            let mut ids: Vec<String> = several.iter().map(|p| p.id.to_string()).collect();
            ids.sort();
            Err(ids)
        }
    }
}

impl Localize for NamingError {
    fn text(&self) -> Text {
        match self {
            NamingError::NotInSchool(who) => Text::owned(
                format!(
                    "{who} staat niet in het rooster van deze school; noem iemand bij rooster-id of naam."
                ),
                format!("{who} is not in this school's roster; name someone by roster id or name."),
            ),
            NamingError::Ambiguous { named, ids } => Text::owned(
                format!(
                    "Meerdere mensen heten {named}; noem er één bij rooster-id: {}.",
                    ids.join(", ")
                ),
                format!(
                    "Several people are called {named}; name one by roster id: {}.",
                    ids.join(", ")
                ),
            ),
            NamingError::NoChatAddress { name } => Text::owned(
                format!(
                    "{name} staat in het rooster, maar heeft geen chatadres: de bot kan {name} niet bereiken."
                ),
                format!(
                    "{name} is in the roster but has no chat address: the bot cannot reach {name}."
                ),
            ),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl fmt::Display for NamingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::language::{Language, assert_only};
    use crate::domain::roster::SchoolId;

    fn p(id: &str, role: Role, name: &str, chat: Option<&str>) -> Person {
        Person {
            id: PersonId::parse(id).expect("id"),
            school: SchoolId::parse("school").expect("id"),
            role,
            name: name.into(),
            team: None,
            chat: chat.map(String::from),
            language: None,
        }
    }

    fn school() -> Vec<Person> {
        vec![
            p("fatima", Role::Student, "Fatima El Amrani", None),
            p("sdv", Role::Student, "Sam de Vries", Some("matrix:@sam:x")),
            p("sjansen", Role::Wpb, "Sam Jansen", Some("matrix:@samj:x")),
            p("anna", Role::Wpb, "Anna Bakker", Some("matrix:@anna:x")),
            p("bram1", Role::Student, "Bram Smit", None),
            p("bram2", Role::Student, "Bram Smit", None),
            // Someone's roster id that is another person's name.
            p("jansen", Role::Wpb, "Piet Jansen", None),
        ]
    }

    #[test]
    fn people_are_found_by_id_address_or_name_within_the_school() {
        use NamingError::*;
        let any = Wanted {
            role: None,
            reach: false,
        };
        let student = Wanted::role(Role::Student);
        let reach = Wanted {
            role: None,
            reach: true,
        };
        let ok = |id: &str| Ok(PersonId::parse(id).expect("id"));
        let not = |who: &str| Err(NotInSchool(who.into()));
        type Row<'a> = (
            &'a str,
            Option<&'a str>,
            Wanted,
            Result<PersonId, NamingError>,
        );
        let table: &[Row] = &[
            // A student without a chat address, by id, @id, first name or full name.
            ("fatima", None, any, ok("fatima")),
            ("@fatima", None, any, ok("fatima")),
            ("Fatima", None, any, ok("fatima")),
            ("  fatima  el   AMRANI ", None, any, ok("fatima")),
            ("FATIMA", None, student, ok("fatima")),
            // By mention (the adapter read it as an address).
            ("@sam:x", Some("matrix:@sam:x"), any, ok("sdv")),
            // A typed address nobody of the school has: not guessed by name.
            ("@fatima:x", Some("matrix:@fatima:x"), any, not("@fatima:x")),
            // The exact roster id comes before the address and before names.
            ("sdv", Some("matrix:@samj:x"), any, ok("sdv")),
            ("jansen", None, any, ok("jansen")),
            ("Jansen", None, any, ok("jansen")),
            // A first name that two people share: the wanted role decides, else refuse.
            ("Sam", None, student, ok("sdv")),
            ("Sam", None, Wanted::role(Role::Wpb), ok("sjansen")),
            (
                "Sam",
                None,
                any,
                Err(Ambiguous {
                    named: "Sam".into(),
                    ids: vec!["sdv".into(), "sjansen".into()],
                }),
            ),
            (
                "bram smit",
                None,
                student,
                Err(Ambiguous {
                    named: "bram smit".into(),
                    ids: vec!["bram1".into(), "bram2".into()],
                }),
            ),
            ("Bram2", None, any, ok("bram2")),
            // Nobody: someone of another school is not in this list, so they are nobody too.
            ("Karel", None, any, not("Karel")),
            ("El", None, any, not("El")),
            ("", None, any, not("")),
            // A command that must reach the person says that they have no chat address.
            (
                "fatima",
                None,
                reach,
                Err(NoChatAddress {
                    name: "Fatima El Amrani".into(),
                }),
            ),
            ("anna", None, reach, ok("anna")),
        ];
        let people = school();
        for (named, address, wanted, expected) in table {
            assert_eq!(
                &resolve(named, *address, &people, *wanted),
                expected,
                "{named:?} {address:?} {wanted:?}"
            );
        }
    }

    #[test]
    fn the_refusals_are_in_one_language_each() {
        for e in [
            NamingError::NotInSchool("x1".into()),
            NamingError::Ambiguous {
                named: "Sam".into(),
                ids: vec!["s1".into(), "s2".into()],
            },
            NamingError::NoChatAddress {
                name: "Fatima".into(),
            },
        ] {
            for language in [Language::Nl, Language::En] {
                assert_only(language, e.text().get(language));
            }
        }
    }
}
