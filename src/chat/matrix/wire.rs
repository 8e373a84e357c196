//! What travels over Matrix: addresses, the klik and escalation emoji, and the message content
//! the bot sends. Every message carries the bot's own references under one namespaced key, so
//! a reaction or a reply can be traced back to its prompt without any state on our side.

use serde_json::{Value, json};

use crate::app::inbox::EscalationAction;
use crate::domain::klik::KlikValue;

/// Person addresses are `matrix:@user:server`, team rooms `matrix:!room:server`.
pub const ADDRESS_PREFIX: &str = "matrix:";
/// The key under which the bot's messages carry their references.
pub const META: &str = "nl.wandelgang";
/// Bumped when the meaning of the references changes; older ones are then refused kindly.
pub const META_VERSION: u64 = 1;

/// Where a Matrix address points (thread addresses are read with `thread_root`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// A person, by user id (`@user:server`), reached in their DM room.
    User(String),
    /// A team room, by room id (`!…`).
    Room(String),
}

/// The place a `matrix:` address names; None for anything else, thread addresses included.
pub fn parse_address(address: &str) -> Option<Place> {
    let rest = address.strip_prefix(ADDRESS_PREFIX)?;
    if rest.len() < 2 || rest.chars().any(char::is_whitespace) {
        return None;
    }
    if let Some(user) = rest.strip_prefix('@') {
        // A user id always names its server.
        let (local, server) = user.split_once(':')?;
        (!local.is_empty() && !server.is_empty()).then(|| Place::User(rest.to_string()))
    } else if rest.starts_with('!') {
        // Room ids name their server up to room version 11; from version 12 they are a bare hash.
        Some(Place::Room(rest.to_string()))
    } else {
        None
    }
}

/// The address of a person, by Matrix user id.
pub fn user_address(user_id: &str) -> String {
    format!("{ADDRESS_PREFIX}{user_id}")
}

/// Where an intervisie thread lives: its root event (event ids are unique across rooms).
pub fn thread_address(root_event: &str) -> String {
    format!("{ADDRESS_PREFIX}thread:{root_event}")
}

/// The root event id of a thread address; None for any other address.
pub fn thread_root(address: &str) -> Option<&str> {
    address
        .strip_prefix(ADDRESS_PREFIX)?
        .strip_prefix("thread:")
}

/// The documented klik emoji. Reactions may arrive with a variation selector or skin tone.
pub const KLIK_EMOJI: [(KlikValue, &str); 3] = [
    (KlikValue::Goed, "👍"),
    (KlikValue::Twijfel, "🤔"),
    (KlikValue::GeenKlik, "👎"),
];

/// The reactions a schoolopleider acts on an escalation with.
pub const ESCALATION_EMOJI: [(EscalationAction, &str); 3] = [
    (EscalationAction::Acknowledge, "✋"),
    (EscalationAction::Resolve, "✅"),
    (EscalationAction::Move, "🔁"),
];

fn base_emoji(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(*c as u32, 0xFE0E | 0xFE0F | 0x1F3FB..=0x1F3FF))
        .collect()
}

/// The klik a reaction stands for, ignoring variation selectors and skin tones.
pub fn klik_of(reaction: &str) -> Option<KlikValue> {
    let key = base_emoji(reaction);
    KLIK_EMOJI
        .iter()
        .find(|(_, e)| base_emoji(e) == key)
        .map(|(v, _)| *v)
}

/// The escalation action a reaction stands for, ignoring variation selectors and skin tones.
pub fn escalation_of(reaction: &str) -> Option<EscalationAction> {
    let key = base_emoji(reaction);
    ESCALATION_EMOJI
        .iter()
        .find(|(_, e)| base_emoji(e) == key)
        .map(|(a, _)| *a)
}

/// What one of the bot's messages refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    /// A prompt (its outbox key), and the student its klik reactions are about when there is
    /// exactly one on this line.
    Prompt {
        /// The prompt's outbox key.
        key: String,
        /// The student's roster id, when the prompt is about exactly one.
        student: Option<String>,
    },
    /// A klik line of a prompt for one of several students.
    KlikLine {
        /// The prompt's outbox key.
        key: String,
        /// The roster id of the student this line is about.
        student: String,
    },
    /// An escalation or a reminder of one, so reactions to it act on that escalation.
    Escalation {
        /// The escalation's id in the store.
        id: i64,
    },
}

impl Meta {
    /// The references as the JSON put under `META` in the message content.
    pub fn to_json(&self) -> Value {
        match self {
            Meta::Prompt { key, student } => {
                json!({"v": META_VERSION, "prompt": key, "student": student})
            }
            Meta::KlikLine { key, student } => {
                json!({"v": META_VERSION, "prompt": key, "student": student, "line": true})
            }
            Meta::Escalation { id } => json!({"v": META_VERSION, "escalation": id}),
        }
    }

    /// Reads the references from an event's content; None when there are none of this version.
    pub fn from_content(content: &Value) -> Option<Meta> {
        let meta = content.get(META)?;
        if meta.get("v")?.as_u64()? != META_VERSION {
            return None;
        }
        if let Some(id) = meta.get("escalation").and_then(Value::as_i64) {
            return Some(Meta::Escalation { id });
        }
        let key = meta.get("prompt")?.as_str()?.to_string();
        let student = meta
            .get("student")
            .and_then(Value::as_str)
            .map(String::from);
        if meta.get("line").and_then(Value::as_bool) == Some(true) {
            return Some(Meta::KlikLine {
                key,
                student: student?,
            });
        }
        Some(Meta::Prompt { key, student })
    }
}

/// An `m.text` message with an HTML body, no mentions (nothing people wrote can ping a room),
/// optional references, and optionally in a thread.
pub fn text_content(plain: &str, meta: Option<&Meta>, thread_root: Option<&str>) -> Value {
    let mut content = json!({
        "msgtype": "m.text",
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": html(plain),
        "m.mentions": {},
    });
    if let Some(meta) = meta {
        content[META] = meta.to_json();
    }
    if let Some(root) = thread_root {
        content["m.relates_to"] = json!({
            "rel_type": "m.thread",
            "event_id": root,
            "is_falling_back": true,
            "m.in_reply_to": {"event_id": root},
        });
    }
    content
}

/// Plain text as HTML: escaped, line breaks kept, the first line in bold when it is a title.
pub fn html(plain: &str) -> String {
    let escaped = plain
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    escaped.replace('\n', "<br>")
}

/// A reply's own words: clients may quote the replied-to message first (`> ` lines and a blank
/// line), which is not part of the reflection.
pub fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    match body.find("\n\n") {
        Some(i) if body[..i].lines().all(|l| l.starts_with('>')) => &body[i + 2..],
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_address("matrix:@anna:school.nl"),
            Some(Place::User("@anna:school.nl".into()))
        );
        assert_eq!(
            parse_address("matrix:!abc:school.nl"),
            Some(Place::Room("!abc:school.nl".into()))
        );
        assert_eq!(
            parse_address("matrix:!4FYmXaEW6nCbdVMbOZtTL9Bc9_1rNgAvvjpPRyc-_H0"),
            Some(Place::Room(
                "!4FYmXaEW6nCbdVMbOZtTL9Bc9_1rNgAvvjpPRyc-_H0".into()
            ))
        );
        for junk in [
            "discord:1",
            "matrix:",
            "matrix:@anna",
            "matrix:#zorg:school.nl",
            "matrix:@:x",
            "matrix:@a b:x",
            "matrix:!",
        ] {
            assert_eq!(parse_address(junk), None, "{junk}");
        }
        assert_eq!(thread_root(&thread_address("$e1")), Some("$e1"));
    }

    #[test]
    fn emoji_with_and_without_variation_or_skin_tone() {
        assert_eq!(klik_of("👍"), Some(KlikValue::Goed));
        assert_eq!(klik_of("👍🏽"), Some(KlikValue::Goed));
        assert_eq!(klik_of("🤔"), Some(KlikValue::Twijfel));
        assert_eq!(klik_of("👎️"), Some(KlikValue::GeenKlik));
        assert_eq!(klik_of("❤️"), None);
        assert_eq!(escalation_of("✅"), Some(EscalationAction::Resolve));
        assert_eq!(escalation_of("✋🏻"), Some(EscalationAction::Acknowledge));
        assert_eq!(escalation_of("👍"), None);
    }

    #[test]
    fn meta_round_trips_and_refuses_other_versions() {
        for m in [
            Meta::Prompt {
                key: "2026-W41-1:prompt:w0".into(),
                student: Some("s0".into()),
            },
            Meta::Prompt {
                key: "k".into(),
                student: None,
            },
            Meta::KlikLine {
                key: "k".into(),
                student: "s1".into(),
            },
            Meta::Escalation { id: 7 },
        ] {
            let content = text_content("x", Some(&m), None);
            assert_eq!(Meta::from_content(&content), Some(m));
        }
        let old = json!({META: {"v": 0, "escalation": 7}});
        assert_eq!(Meta::from_content(&old), None);
        assert_eq!(Meta::from_content(&json!({"body": "hoi"})), None);
    }

    #[test]
    fn content_never_mentions_and_escapes_html() {
        let c = text_content("@room <b>hoi</b>\nnieuw", None, Some("$root"));
        assert_eq!(c["m.mentions"], json!({}));
        assert_eq!(c["formatted_body"], "@room &lt;b&gt;hoi&lt;/b&gt;<br>nieuw");
        assert_eq!(c["m.relates_to"]["rel_type"], "m.thread");
        assert_eq!(c["m.relates_to"]["event_id"], "$root");
    }

    #[test]
    fn reply_fallbacks_are_stripped() {
        assert_eq!(
            strip_reply_fallback("> <@bot:x> Wat viel op?\n\nZe vroeg door."),
            "Ze vroeg door."
        );
        assert_eq!(strip_reply_fallback("Gewoon tekst"), "Gewoon tekst");
        assert_eq!(
            strip_reply_fallback("> citaat zonder lege regel"),
            "> citaat zonder lege regel"
        );
    }
}
