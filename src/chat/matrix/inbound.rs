//! Events from Matrix into the one answering path: reactions to the bot's messages, posts in
//! intervisie threads, `!` commands and plain replies; and where their answers go (the same
//! room, or the person's DMs when it came from a team room).

use matrix_sdk::deserialized_responses::{TimelineEvent, TimelineEventKind};
use matrix_sdk::ruma::api::client::room::get_room_event;
use matrix_sdk::ruma::{EventId, RoomId};
use serde_json::Value;

use super::bot::{MatrixEngine, MatrixError};
use super::commands::{ParseError, parse};
use super::people::MATRIX;
use super::wire::{
    Meta, escalation_of, klik_of, strip_reply_fallback, text_content, thread_address, user_address,
};
use crate::app::inbox::{Inbound, ReflectionTarget, Sender};
use crate::chat::answer::{self, Answer, ThreadPost};
use crate::chat::render;
use crate::domain::language::{Language, Text};
use crate::domain::roster::PersonId;

/// When a room last heard that the bot cannot read a message; one notice per room per burst.
const UNREADABLE_PREFIX: &str = "onleesbaar:";
const UNREADABLE_QUIET_MINUTES: i64 = 60;

/// Where an event came from, and so where its answer goes.
#[derive(Clone, Copy)]
struct Route<'a> {
    room: &'a RoomId,
    event_id: &'a str,
    sender: &'a str,
    /// Answers to events in a team room go to the sender's DMs instead.
    team_room: bool,
}

pub(super) async fn handle_event(
    engine: &MatrixEngine,
    room: &RoomId,
    event_id: &str,
    sender: &str,
    event: &Value,
) -> Result<(), MatrixError> {
    let content = &event["content"];
    let route = Route {
        room,
        event_id,
        sender,
        team_room: is_team_room(engine, room).await?,
    };
    match event["type"].as_str() {
        Some("m.reaction") => reaction_event(engine, route, content).await,
        Some("m.room.message") if content["msgtype"] == "m.text" => {
            message_event(engine, route, content).await
        }
        _ => Ok(()),
    }
}

/// A reaction to one of the bot's messages: a klik on a prompt or an escalation action.
async fn reaction_event(
    engine: &MatrixEngine,
    route: Route<'_>,
    content: &Value,
) -> Result<(), MatrixError> {
    let relates = &content["m.relates_to"];
    let (Some(target), Some(key)) = (relates["event_id"].as_str(), relates["key"].as_str()) else {
        return Ok(());
    };
    let Some(meta) = bot_meta(engine, route.room, target).await else {
        return Ok(());
    };
    let from = Sender::Chat(user_address(route.sender));
    let inbound = match meta {
        Meta::Prompt {
            student: Some(student),
            ..
        }
        | Meta::KlikLine { student, .. } => {
            let (Some(value), Ok(student)) = (klik_of(key), PersonId::parse(&student)) else {
                return Ok(());
            };
            Inbound::Klik {
                from,
                student: Some(student),
                value: value.label(true).into(),
            }
        }
        Meta::Escalation { id } => {
            let Some(action) = escalation_of(key) else {
                return Ok(());
            };
            Inbound::Escalation {
                from,
                escalation_id: id,
                action,
            }
        }
        Meta::Prompt { student: None, .. } => return Ok(()),
    };
    answer_event(engine, route, inbound).await
}

/// A text message: a post in an intervisie thread, a `!` command, or a reflection.
async fn message_event(
    engine: &MatrixEngine,
    route: Route<'_>,
    content: &Value,
) -> Result<(), MatrixError> {
    let body = strip_reply_fallback(content["body"].as_str().unwrap_or_default()).trim();
    let relates = &content["m.relates_to"];
    let address = user_address(route.sender);
    if relates["rel_type"] == "m.thread"
        && let Some(root) = relates["event_id"].as_str()
        && !body.starts_with('!')
    {
        let place = thread_address(root);
        match answer::thread_post(engine, &address, &place, body.to_string(), &MATRIX).await? {
            ThreadPost::NotAThread => {}
            ThreadPost::Taken => return Ok(()),
            // Said privately, as anything in a team room.
            ThreadPost::Refused(refused) => {
                let private = Route {
                    team_room: true,
                    ..route
                };
                return show(engine, private, refused).await;
            }
        }
    }
    let from = Sender::Chat(address.clone());
    match parse(body) {
        Ok(command) => {
            let language = answer::language(engine, &address, None).await;
            let answer = answer::answer_command(engine, from, command, language, &MATRIX).await;
            show(engine, route, answer).await
        }
        Err(ParseError::NotACommand) if route.team_room => Ok(()),
        Err(ParseError::NotACommand) => {
            let target = match relates["m.in_reply_to"]["event_id"].as_str() {
                Some(replied) => match bot_meta(engine, route.room, replied).await {
                    Some(Meta::Prompt { key, .. } | Meta::KlikLine { key, .. }) => {
                        ReflectionTarget::Prompt(key)
                    }
                    _ => ReflectionTarget::LatestOpenPrompt,
                },
                None => ReflectionTarget::LatestOpenPrompt,
            };
            let inbound = Inbound::Reflection {
                from,
                text: body.to_string(),
                target,
                share: false,
            };
            answer_event(engine, route, inbound).await
        }
        Err(e) => {
            let language = answer::language(engine, &address, None).await;
            let text = e
                .text()
                .map(|t| render::defuse_mentions(t.get(language)))
                .unwrap_or_default();
            say(engine, route, &text).await
        }
    }
}

/// Handles an event through the one answering path and shows the answer.
async fn answer_event(
    engine: &MatrixEngine,
    route: Route<'_>,
    inbound: Inbound,
) -> Result<(), MatrixError> {
    let language = answer::language(engine, &user_address(route.sender), None).await;
    show(
        engine,
        route,
        answer::answer(engine, inbound, language, &MATRIX).await,
    )
    .await
}

/// An encrypted message whose key the bot does not have.
pub(super) fn is_unreadable(event: &TimelineEvent) -> bool {
    matches!(event.kind, TimelineEventKind::UnableToDecrypt { .. })
}

/// What a room hears when the bot cannot read a message there: in both languages, since the
/// bot may not know who wrote it.
pub const UNREADABLE: Text = Text::new(
    "Ik kan je bericht niet lezen: het is versleuteld en ik heb de sleutel niet gekregen. Stuur het nog eens. Helpt dat niet, zet dan in je Matrix-app 'alleen naar geverifieerde sessies versturen' uit of vraag de beheerder het apparaat van de bot te verifiëren.",
    "I cannot read your message: it is encrypted and I did not receive its key. Please send it again. If that does not help, turn off 'only send to verified sessions' in your Matrix app, or ask the administrator to verify the bot's device.",
);

/// One notice per room per burst of unreadable messages, never one per message.
pub(super) async fn tell_unreadable(
    engine: &MatrixEngine,
    room: &RoomId,
    event_id: &str,
) -> Result<(), MatrixError> {
    let key = format!("{UNREADABLE_PREFIX}{room}");
    let now = engine.clock.now();
    let last = engine
        .store
        .chat_state(&key)
        .await?
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
    if last.is_some_and(|t| now - t.to_utc() < chrono::Duration::minutes(UNREADABLE_QUIET_MINUTES))
    {
        return Ok(());
    }
    let text = format!(
        "{}\n\n{}",
        UNREADABLE.get(Language::Nl),
        UNREADABLE.get(Language::En)
    );
    let content = text_content(&text, None, None);
    if let Err(e) = engine
        .chat
        .send_content(room, &format!("onleesbaar:{event_id}"), &content)
        .await
    {
        tracing::warn!(%e, "could not say that a message is unreadable");
    }
    engine
        .store
        .set_chat_state(&key, &now.to_rfc3339(), now)
        .await?;
    Ok(())
}

/// The references on one of the bot's own messages; nothing for anyone else's. Read through
/// the room, so the bot's own encrypted messages are decrypted.
async fn bot_meta(engine: &MatrixEngine, room: &RoomId, event: &str) -> Option<Meta> {
    let client = engine.chat.client();
    let event_id = EventId::parse(event).ok()?;
    let raw = match client.get_room(room) {
        Some(known) => known
            .event(&event_id, None)
            .await
            .ok()?
            .raw()
            .json()
            .get()
            .to_string(),
        None => client
            .send(get_room_event::v3::Request::new(room.to_owned(), event_id))
            .await
            .ok()?
            .event
            .json()
            .get()
            .to_string(),
    };
    let value: Value = serde_json::from_str(&raw).ok()?;
    let me = client.user_id()?.as_str();
    (value["sender"] == me).then(|| Meta::from_content(&value["content"]))?
}

async fn is_team_room(engine: &MatrixEngine, room: &RoomId) -> Result<bool, MatrixError> {
    Ok(engine
        .store
        .is_team_channel(&format!("matrix:{room}"))
        .await?)
}

/// Shows an answer where it belongs: the text, then a file that goes along.
async fn show(engine: &MatrixEngine, route: Route<'_>, answer: Answer) -> Result<(), MatrixError> {
    say(engine, route, &answer.text).await?;
    if let Some(file) = answer.file {
        send_file(engine, route, &file).await?;
    }
    Ok(())
}

/// Where a private answer goes: this room, unless it is a team room; then the person's DMs.
async fn answer_room(
    engine: &MatrixEngine,
    route: Route<'_>,
) -> Option<matrix_sdk::ruma::OwnedRoomId> {
    if !route.team_room {
        return Some(route.room.to_owned());
    }
    // Only people in the roster get a room with the bot: a stranger typing in a team room
    // gets no answer rather than a new DM.
    match engine
        .store
        .person_by_chat(&user_address(route.sender))
        .await
    {
        Ok(Some(_)) => {}
        Ok(None) => {
            tracing::info!(sender = %route.sender, "no private answer for someone not in the roster");
            return None;
        }
        Err(e) => {
            tracing::warn!(%e, "could not look up who wrote in a team room");
            return None;
        }
    }
    match engine
        .chat
        .dm_room(&user_address(route.sender), route.sender)
        .await
    {
        Ok(r) => Some(r),
        Err(e) => {
            tracing::warn!(%e, "could not reach a person privately");
            None
        }
    }
}

async fn say(engine: &MatrixEngine, route: Route<'_>, text: &str) -> Result<(), MatrixError> {
    if text.is_empty() {
        return Ok(());
    }
    let Some(target) = answer_room(engine, route).await else {
        return Ok(());
    };
    let content = text_content(text, None, None);
    // One answer per event, also when the event is handled again after a crash.
    if let Err(e) = engine
        .chat
        .send_content(&target, &format!("antwoord:{}", route.event_id), &content)
        .await
    {
        tracing::warn!(%e, "could not answer");
    }
    Ok(())
}

async fn send_file(
    engine: &MatrixEngine,
    route: Route<'_>,
    file: &crate::chat::answer::Attachment,
) -> Result<(), MatrixError> {
    let Some(target) = answer_room(engine, route).await else {
        return Ok(());
    };
    if let Err(e) = engine
        .chat
        .send_file(&target, &format!("bestand:{}", route.event_id), file)
        .await
    {
        tracing::warn!(%e, "could not send a file");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unreadable_notice_speaks_both_languages() {
        answer::assert_in_one_language_each(&[UNREADABLE]);
    }
}
