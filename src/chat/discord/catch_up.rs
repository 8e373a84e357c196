//! Discord delivers nothing to a new gateway session of what was written while no session
//! listened: during a take-over after a crash, a rolling restart, or a bot that was down. So
//! on its first session a process reads back the DMs of everyone it recently prompted and
//! handles what no process handled yet. Every DM, live or read back, is marked by its message
//! id first, so each is handled once, whichever process sees it and however often.

use chrono::{DateTime, Duration, Utc};
use serenity::all::{GetMessages, Message as DiscordMessage, MessageId};

use super::bot::Data;
use super::wire::{ADDRESS_PREFIX, Place, parse_address};
use crate::app::ports::Clock;

/// The platform name under which handled messages are marked.
pub const SEEN: &str = "discord";
/// A take-over comes at most this long after the previous holder stopped listening (the
/// lease's take-over time plus connecting), with room to spare.
const TAKE_OVER_WINDOW: Duration = Duration::seconds(60);
/// Slack before the previous process's last heartbeat (they are ten seconds apart).
const HEARTBEAT_SLACK: Duration = Duration::seconds(30);
/// Never further back than this, however long the bot was down.
const LONGEST_WINDOW: Duration = Duration::days(3);
/// Whose DMs are read back: those prompted (or reminded) this recently. Older prompts are
/// rarely answered, and every person read back costs up to two requests of the budget.
const PROMPTED_WITHIN: Duration = Duration::days(2);
/// Discord's first second, 2015-01-01T00:00:00Z, in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

/// The first message id Discord could have given at `t`: message ids count milliseconds
/// since Discord's epoch in their upper bits.
pub fn first_id_at(t: DateTime<Utc>) -> u64 {
    let ms = (t.timestamp_millis() - DISCORD_EPOCH_MS).max(1);
    u64::try_from(ms).unwrap_or(1) << 22
}

/// From when DMs may have gone unheard: at least the take-over window, and back to the last
/// heartbeat of the process before when that is earlier (a bot that was down for a while).
pub fn unheard_since(now: DateTime<Utc>, previous: Option<DateTime<Utc>>) -> DateTime<Utc> {
    let window = now - TAKE_OVER_WINDOW;
    let since = previous.map_or(window, |p| window.min(p - HEARTBEAT_SLACK));
    since.max(now - LONGEST_WINDOW)
}

/// Reads back and handles the DMs that may have gone unheard; returns how many it handled.
/// A DM that cannot be read (closed, or the request failed) is logged and skipped.
pub async fn catch_up(data: &Data) -> Result<usize, crate::store::StoreError> {
    let engine = &data.engine;
    let now = engine.clock.now();
    engine.store.forget_old_sightings(now).await?;
    let previous = engine
        .store
        .last_sign_of_life("discord", &engine.id)
        .await?;
    let after = MessageId::new(first_id_at(unheard_since(now, previous)));
    let people = engine
        .store
        .recently_prompted(ADDRESS_PREFIX, now - PROMPTED_WITHIN)
        .await?;
    let mut handled = 0;
    for address in people {
        if engine.is_stopping() {
            break;
        }
        let Some(Place::User(user)) = parse_address(&address) else {
            continue;
        };
        let channel = match engine.chat.dm_channel(user).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(%e, "catch-up: could not open a DM");
                continue;
            }
        };
        engine.chat.pacer().wait().await;
        let query = GetMessages::new().after(after).limit(100);
        let mut written: Vec<DiscordMessage> =
            match channel.messages(engine.chat.http(), query).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!(%e, "catch-up: could not read a DM back");
                    continue;
                }
            };
        written.sort_by_key(|m| m.id);
        let theirs = written
            .iter()
            .filter(|m| m.author.id.get() == user && !m.content.trim().is_empty());
        for message in theirs {
            if super::bot::on_dm(data, message).await {
                handled += 1;
            }
        }
    }
    if handled > 0 {
        tracing::info!(
            handled,
            "catch-up: handled DMs written while no process listened"
        );
    }
    Ok(handled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_tells_its_time() {
        // Discord's documented example: 175928847299117063 was made at 1462015105796 ms.
        let t = DateTime::from_timestamp_millis(1_462_015_105_796).unwrap();
        assert_eq!(first_id_at(t), 175_928_847_299_117_063 >> 22 << 22);
    }

    #[test]
    fn the_window_reaches_back_to_the_previous_process_within_bounds() {
        let now = DateTime::from_timestamp(2_000_000_000, 0).unwrap();
        // A take-over: the previous holder beat 20 s ago; the window still covers a minute.
        assert_eq!(
            unheard_since(now, Some(now - Duration::seconds(20))),
            now - Duration::seconds(60)
        );
        // A bot down for an hour: back to its last heartbeat, with slack.
        assert_eq!(
            unheard_since(now, Some(now - Duration::hours(1))),
            now - Duration::hours(1) - Duration::seconds(30)
        );
        // Down for a month: three days at most.
        assert_eq!(
            unheard_since(now, Some(now - Duration::days(30))),
            now - Duration::days(3)
        );
        assert_eq!(unheard_since(now, None), now - Duration::seconds(60));
    }
}
