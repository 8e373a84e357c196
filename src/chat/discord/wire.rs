//! What travels over Discord besides text: chat addresses, message nonces and the custom ids of
//! buttons and modals. Pure functions, so every shape is tested without a connection.

use crate::app::inbox::EscalationAction;
use crate::domain::klik::KlikValue;
use crate::domain::roster::PersonId;

/// Person addresses are `discord:<user id>`, team channels `discord:#<channel id>`.
pub const ADDRESS_PREFIX: &str = "discord:";
/// Discord refuses nonces longer than this.
pub const NONCE_MAX: usize = 25;
/// Discord refuses custom ids longer than this.
pub const CUSTOM_ID_MAX: usize = 100;
/// Bumped when the meaning of a custom id changes; older buttons are then refused kindly.
const VERSION: &str = "wg1";

/// Where a Discord address points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A person, reached in their DMs.
    User(u64),
    /// A channel (a team channel or a thread).
    Channel(u64),
}

/// The place a `discord:` address names; None for anything else or an id that is no snowflake.
pub fn parse_address(address: &str) -> Option<Place> {
    let rest = address.strip_prefix(ADDRESS_PREFIX)?;
    match rest.strip_prefix('#') {
        Some(channel) => snowflake(channel).map(Place::Channel),
        None => snowflake(rest).map(Place::User),
    }
}

/// The address of a person's DMs, by Discord user id.
pub fn user_address(user: u64) -> String {
    format!("{ADDRESS_PREFIX}{user}")
}

/// The address of a team channel or thread, by channel id.
pub fn channel_address(channel: u64) -> String {
    format!("{ADDRESS_PREFIX}#{channel}")
}

fn snowflake(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// A stable nonce of at most 25 characters for an outbox key: 100 bits of FNV-1a in hex.
/// The same key always gives the same nonce, so a resend after a crash is deduplicated by
/// Discord's `enforce_nonce`; keys themselves may be longer than Discord allows.
pub fn nonce(key: &str) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let mut hash = OFFSET;
    for byte in key.bytes() {
        hash ^= u128::from(byte);
        hash = hash.wrapping_mul(PRIME);
    }
    let hex = format!("{hash:032x}");
    hex[..NONCE_MAX].to_string()
}

/// What a button or modal asks for. Custom ids carry only references; who may do it and
/// whether it still applies is decided by the core against the stored state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Component {
    /// A klik button on a prompt, for one paired student.
    Klik {
        /// The klik the button gives.
        value: KlikValue,
        /// The student the klik is about.
        student: PersonId,
    },
    /// The "Reflectie" button of a prompt: opens the modal.
    ReflectButton {
        /// The outbox key of the prompt the reflection will answer.
        prompt_key: String,
    },
    /// The modal's submission, linked to its prompt.
    ReflectModal {
        /// The outbox key of the prompt, carried over from the button.
        prompt_key: String,
    },
    /// A schoolopleider's action on an escalation.
    Escalation {
        /// The escalation's id in the store.
        id: i64,
        /// What the schoolopleider does with it.
        action: EscalationAction,
    },
    /// "Yes, delete everything" after `/vergeet-mij`.
    ForgetConfirm,
}

/// Why a custom id was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomIdError {
    /// Made by an older version of the bot (or by someone else).
    Stale,
    /// Not one of ours at all.
    Unknown,
}

/// The text input inside the reflection modal.
pub const MODAL_TEXT_ID: &str = "tekst";

impl Component {
    /// The custom id, or None when it would not fit in Discord's 100 characters.
    pub fn custom_id(&self) -> Option<String> {
        let id = match self {
            Component::Klik { value, student } => {
                format!("{VERSION}:klik:{}:{}", klik_code(*value), student.as_str())
            }
            Component::ReflectButton { prompt_key } => format!("{VERSION}:refl:{prompt_key}"),
            Component::ReflectModal { prompt_key } => format!("{VERSION}:reflm:{prompt_key}"),
            Component::Escalation { id, action } => {
                format!("{VERSION}:esc:{id}:{}", escalation_code(*action))
            }
            Component::ForgetConfirm => format!("{VERSION}:vergeet:ja"),
        };
        (id.chars().count() <= CUSTOM_ID_MAX).then_some(id)
    }

    /// Reads a custom id back: a `wg` id of another version is `Stale`, anything not ours is
    /// `Unknown`.
    pub fn parse(custom_id: &str) -> Result<Component, CustomIdError> {
        let Some((version, rest)) = custom_id.split_once(':') else {
            return Err(CustomIdError::Unknown);
        };
        if version != VERSION {
            return Err(if version.starts_with("wg") {
                CustomIdError::Stale
            } else {
                CustomIdError::Unknown
            });
        }
        let (kind, rest) = rest.split_once(':').ok_or(CustomIdError::Unknown)?;
        let parsed = match kind {
            "klik" => {
                let (code, student) = rest.split_once(':').ok_or(CustomIdError::Unknown)?;
                Component::Klik {
                    value: klik_from_code(code).ok_or(CustomIdError::Unknown)?,
                    student: PersonId::parse(student).map_err(|_| CustomIdError::Unknown)?,
                }
            }
            "refl" if !rest.is_empty() => Component::ReflectButton {
                prompt_key: rest.to_string(),
            },
            "reflm" if !rest.is_empty() => Component::ReflectModal {
                prompt_key: rest.to_string(),
            },
            "esc" => {
                let (id, code) = rest.split_once(':').ok_or(CustomIdError::Unknown)?;
                Component::Escalation {
                    id: id.parse().map_err(|_| CustomIdError::Unknown)?,
                    action: escalation_from_code(code).ok_or(CustomIdError::Unknown)?,
                }
            }
            "vergeet" if rest == "ja" => Component::ForgetConfirm,
            _ => return Err(CustomIdError::Unknown),
        };
        Ok(parsed)
    }
}

fn klik_code(v: KlikValue) -> &'static str {
    match v {
        KlikValue::Goed => "goed",
        KlikValue::Twijfel => "twijfel",
        KlikValue::GeenKlik => "geen",
    }
}

fn klik_from_code(code: &str) -> Option<KlikValue> {
    [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik]
        .into_iter()
        .find(|v| klik_code(*v) == code)
}

fn escalation_code(a: EscalationAction) -> &'static str {
    match a {
        EscalationAction::Acknowledge => "oppakken",
        EscalationAction::Resolve => "opgelost",
        EscalationAction::Move => "overplaatsen",
    }
}

fn escalation_from_code(code: &str) -> Option<EscalationAction> {
    [
        EscalationAction::Acknowledge,
        EscalationAction::Resolve,
        EscalationAction::Move,
    ]
    .into_iter()
    .find(|a| escalation_code(*a) == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_and_reject_junk() {
        assert_eq!(parse_address("discord:123"), Some(Place::User(123)));
        assert_eq!(parse_address("discord:#456"), Some(Place::Channel(456)));
        assert_eq!(parse_address(&user_address(77)), Some(Place::User(77)));
        assert_eq!(
            parse_address(&channel_address(88)),
            Some(Place::Channel(88))
        );
        for junk in [
            "console:anna",
            "discord:",
            "discord:#",
            "discord:abc",
            "discord:0",
            "discord:-5",
            "discord:99999999999999999999999",
            "matrix:@a:b",
        ] {
            assert_eq!(parse_address(junk), None, "{junk}");
        }
    }

    #[test]
    fn nonce_is_stable_short_and_distinct() {
        let long = format!("2026-W48-1:prompt:{}", "x".repeat(64));
        assert_eq!(nonce(&long), nonce(&long));
        assert_eq!(nonce(&long).len(), NONCE_MAX);
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000 {
            assert!(seen.insert(nonce(&format!("2026-W48-1:prompt:wpb-{i}"))));
        }
        assert_ne!(
            nonce("2026-W48-1:prompt:a"),
            nonce("2026-W48-1:prompt:a:herinnering")
        );
    }

    #[test]
    fn custom_ids_round_trip() {
        let all = [
            Component::Klik {
                value: KlikValue::GeenKlik,
                student: PersonId::parse("stud-1").expect("id"),
            },
            Component::ReflectButton {
                prompt_key: "2026-W48-1:prompt:wpb-1".into(),
            },
            Component::ReflectModal {
                prompt_key: "2026-W48-1:prompt:wpb-1".into(),
            },
            Component::Escalation {
                id: 42,
                action: EscalationAction::Move,
            },
            Component::ForgetConfirm,
        ];
        for c in all {
            let id = c.custom_id().expect("fits");
            assert_eq!(Component::parse(&id), Ok(c));
        }
    }

    #[test]
    fn longest_prompt_key_fits_in_a_custom_id() {
        let key = format!("2026-W48-3:prompt:{}", "x".repeat(64));
        let id = Component::ReflectModal { prompt_key: key }
            .custom_id()
            .expect("fits");
        assert!(id.len() <= CUSTOM_ID_MAX);
    }

    #[test]
    fn stale_and_forged_ids_are_refused() {
        assert_eq!(
            Component::parse("wg0:klik:goed:stud-1"),
            Err(CustomIdError::Stale)
        );
        for forged in [
            "",
            "klik",
            "wg1",
            "wg1:klik:super:stud-1",
            "wg1:klik:goed",
            "wg1:klik:goed:bad id!",
            "wg1:esc:abc:oppakken",
            "wg1:esc:1:weg",
            "wg1:refl:",
            "wg1:vergeet:nee",
            "other:thing",
        ] {
            assert!(Component::parse(forged).is_err(), "{forged}");
        }
    }
}
