//! Discord-shaped JSON payloads that serenity 0.12.5 deserializes (it is strict about
//! required fields: e.g. interactions need `locale`, `entitlements`, `attachment_size_limit`;
//! members need `roles`, `deaf`, `mute`, `flags`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Discord epoch (2015-01-01) in milliseconds since the Unix epoch.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

static SNOWFLAKE_SEQ: AtomicU64 = AtomicU64::new(0);

/// A fresh, realistic snowflake (timestamp bits + process-wide increment).
pub fn snowflake() -> u64 {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64;
    let inc = SNOWFLAKE_SEQ.fetch_add(1, Ordering::Relaxed) & 0x3F_FFFF;
    (ms.saturating_sub(DISCORD_EPOCH_MS) << 22) | inc
}

/// Current time as ISO 8601 / RFC 3339 with microseconds and `+00:00`, like Discord.
pub fn now_iso() -> String {
    iso_from(SystemTime::now())
}

pub fn iso_from(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// A user object (`bot` true for bot accounts).
pub fn user(id: u64, name: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(name) },
        "avatar": null,
        "bot": bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    })
}

/// A guild member object (without `user` when `with_user` is false, as in MESSAGE_CREATE).
pub fn member(user_id: u64, name: &str, with_user: bool) -> Value {
    let mut m = json!({
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": "2024-09-01T08:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        m["user"] = user(user_id, name, false);
        m["permissions"] = json!("2248473465835073");
    }
    m
}

/// A guild text channel (type 0).
pub fn guild_text_channel(id: u64, guild_id: u64, name: &str) -> Value {
    json!({
        "id": id.to_string(),
        "type": 0,
        "guild_id": guild_id.to_string(),
        "name": name,
        "position": 0,
        "permission_overwrites": [],
        "parent_id": null,
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

/// A thread channel (type 11 public / 12 private) as returned by the thread-create routes.
pub fn thread_channel(
    id: u64,
    guild_id: u64,
    parent_id: u64,
    owner_id: u64,
    name: &str,
    kind: u8,
    auto_archive_duration: u64,
) -> Value {
    let now = now_iso();
    json!({
        "id": id.to_string(),
        "type": kind,
        "guild_id": guild_id.to_string(),
        "parent_id": parent_id.to_string(),
        "owner_id": owner_id.to_string(),
        "name": name,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": false,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": now,
            "locked": false,
            "create_timestamp": now,
        },
        "member": {
            "id": id.to_string(),
            "user_id": owner_id.to_string(),
            "join_timestamp": now,
            "flags": 1,
        },
    })
}

/// A DM channel (type 1) with one recipient.
pub fn dm_channel(id: u64, recipient: Value) -> Value {
    json!({
        "id": id.to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [recipient],
    })
}

/// A message object with every field serenity requires.
pub fn message(id: u64, channel_id: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": now_iso(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    })
}

/// A minimal but complete GUILD_CREATE payload (serenity's `Guild` has many required fields).
pub fn guild_create(guild_id: u64, owner_id: u64, bot: Value) -> Value {
    let mut guild = json!({
        "id": guild_id.to_string(),
        "name": format!("Stand-in guild {guild_id}"),
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": owner_id.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [{
            "id": guild_id.to_string(),
            "name": "@everyone",
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "position": 0,
            "permissions": "2248473465835073",
            "managed": false,
            "mentionable": false,
            "flags": 0,
        }],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
    });
    // Split in two: one json! this size exceeds the default macro recursion limit.
    let rest = json!({
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "nl",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "joined_at": "2024-09-01T08:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 1,
        "voice_states": [],
        "members": [{
            "user": bot,
            "nick": null,
            "avatar": null,
            "roles": [],
            "joined_at": "2024-09-01T08:00:00.000000+00:00",
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
        }],
        "channels": [],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
    });
    if let (Some(g), Value::Object(r)) = (guild.as_object_mut(), rest) {
        g.extend(r);
    }
    guild
}

/// Where an interaction or message happens.
#[derive(Clone, Debug)]
pub enum Place {
    /// In a guild channel (or thread): the actor comes as `member` (with nested `user`).
    Guild { guild_id: u64, channel_id: u64 },
    /// In the DM channel between the bot and the user: the actor comes as `user`.
    Dm,
}

/// The user who acts (sends a message, clicks a button, runs a command).
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: u64,
    pub name: String,
}

impl Actor {
    pub fn new(id: u64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// Common interaction envelope; `kind` 2 command, 3 component, 5 modal submit.
#[allow(clippy::too_many_arguments)]
pub fn interaction(
    id: u64,
    token: &str,
    application_id: u64,
    kind: u8,
    data: Value,
    actor: &Actor,
    guild_id: Option<u64>,
    channel: Value,
    message: Option<Value>,
) -> Value {
    let channel_id = channel["id"].clone();
    let mut i = json!({
        "id": id.to_string(),
        "application_id": application_id.to_string(),
        "type": kind,
        "data": data,
        "channel": channel,
        "channel_id": channel_id,
        "token": token,
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "nl",
        "entitlements": [],
        "authorizing_integration_owners": {"0": guild_id.map(|g| g.to_string()).unwrap_or_else(|| "0".into())},
        "attachment_size_limit": 10_485_760,
    });
    match guild_id {
        Some(g) => {
            i["guild_id"] = json!(g.to_string());
            i["guild_locale"] = json!("nl");
            i["member"] = member(actor.id, &actor.name, true);
            i["context"] = json!(0);
        }
        None => {
            i["user"] = user(actor.id, &actor.name, false);
            i["context"] = json!(1);
        }
    }
    if let Some(m) = message {
        i["message"] = m;
    }
    i
}
