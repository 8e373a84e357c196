//! Finding a person's DM room with the bot on the homeserver, where the truth is: the bot's
//! `m.direct` account data, and the rooms it is in. Asked only when the store has no record
//! (a DM the person opened before the roster named them, or a room the bot made just before a
//! crash), so the SDK's cache, empty after a restart, is never relied on.

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::config::{get_global_account_data, set_global_account_data};
use matrix_sdk::ruma::api::client::membership::{get_member_events, joined_rooms};
use matrix_sdk::ruma::events::GlobalAccountDataEventType;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId, RoomId, UserId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;

use super::transport::classify;
use crate::app::ports::ChatError;
use crate::store::Store;

/// The rooms of just the bot and one other person, learned from one scan of the bot's rooms
/// and kept up to date by the rooms the bot makes or is given.
#[derive(Default)]
pub struct Directory {
    /// `None` until scanned (and again after a creation whose outcome is unknown).
    index: Mutex<Option<HashMap<OwnedUserId, OwnedRoomId>>>,
}

impl Directory {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<HashMap<OwnedUserId, OwnedRoomId>>> {
        self.index.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `room` as `user`'s DM, if the rooms were scanned already (a later scan finds it
    /// anyway).
    pub fn learn(&self, user: &UserId, room: &RoomId) {
        if let Some(index) = self.lock().as_mut() {
            index.insert(user.to_owned(), room.to_owned());
        }
    }

    /// Drops what the scan found, so the next lookup asks the homeserver again (e.g. after a room
    /// creation whose outcome is unknown).
    pub fn forget_index(&self) {
        *self.lock() = None;
    }

    /// The DM room the homeserver knows for `user`: from `m.direct`, else from the bot's rooms.
    pub async fn existing(
        &self,
        client: &Client,
        store: &Store,
        user: &OwnedUserId,
    ) -> Result<Option<OwnedRoomId>, ChatError> {
        let me = me(client)?;
        for room in m_direct_rooms(client, &me, user).await? {
            if is_dm_of(client, store, &me, &room).await?.as_ref() == Some(user) {
                return Ok(Some(room));
            }
        }
        let known = self.lock().as_ref().map(|index| index.get(user).cloned());
        match known {
            Some(room) => Ok(room),
            None => {
                let index = scan(client, store, &me).await?;
                let room = index.get(user).cloned();
                *self.lock() = Some(index);
                Ok(room)
            }
        }
    }
}

fn me(client: &Client) -> Result<OwnedUserId, ChatError> {
    client
        .user_id()
        .map(ToOwned::to_owned)
        .ok_or_else(|| ChatError::Transient("not logged in".into()))
}

/// The bot's `m.direct`: user id → room ids; empty when it has none yet.
async fn m_direct(client: &Client, me: &UserId) -> Result<Value, ChatError> {
    let request = get_global_account_data::v3::Request::new(
        me.to_owned(),
        GlobalAccountDataEventType::Direct,
    );
    match client.send(request).await {
        Ok(response) => {
            Ok(serde_json::from_str(response.account_data.json().get())
                .unwrap_or_else(|_| json!({})))
        }
        Err(e)
            if e.as_client_api_error()
                .is_some_and(|a| a.status_code.as_u16() == 404) =>
        {
            Ok(json!({}))
        }
        Err(e) => Err(classify(e)),
    }
}

async fn m_direct_rooms(
    client: &Client,
    me: &UserId,
    user: &UserId,
) -> Result<Vec<OwnedRoomId>, ChatError> {
    Ok(m_direct(client, me).await?[user.as_str()]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().and_then(|r| RoomId::parse(r).ok()))
        .collect())
}

/// Adds `room` to the bot's `m.direct` for `user`, as Matrix clients do for a DM.
pub async fn add_to_m_direct(
    client: &Client,
    user: &UserId,
    room: &RoomId,
) -> Result<(), ChatError> {
    let me = me(client)?;
    let mut direct = m_direct(client, &me).await?;
    if !direct.is_object() {
        direct = json!({});
    }
    let mut rooms: Vec<Value> = direct[user.as_str()]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if rooms.iter().any(|r| r == room.as_str()) {
        return Ok(());
    }
    rooms.push(json!(room.as_str()));
    direct[user.as_str()] = Value::Array(rooms);
    let data = Raw::new(&direct)
        .map_err(|e| ChatError::Transient(e.to_string()))?
        .cast_unchecked();
    let request =
        set_global_account_data::v3::Request::new_raw(me, GlobalAccountDataEventType::Direct, data);
    client.send(request).await.map_err(classify)?;
    Ok(())
}

/// The other person when `room` is a DM of the bot: the bot joined, exactly one other member
/// (joined or invited), and no team's room.
async fn is_dm_of(
    client: &Client,
    store: &Store,
    me: &UserId,
    room: &RoomId,
) -> Result<Option<OwnedUserId>, ChatError> {
    if store
        .is_team_channel(&format!("matrix:{room}"))
        .await
        .map_err(|e| ChatError::Transient(e.to_string()))?
    {
        return Ok(None);
    }
    let members = match client
        .send(get_member_events::v3::Request::new(room.to_owned()))
        .await
    {
        Ok(r) => r.chunk,
        // A room the bot is not in (any more) is nobody's DM with it.
        Err(e)
            if e.as_client_api_error()
                .is_some_and(|a| a.status_code.as_u16() == 403) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(classify(e)),
    };
    let mut me_joined = false;
    let mut others = Vec::new();
    for m in &members {
        let Ok(event) = serde_json::from_str::<Value>(m.json().get()) else {
            continue;
        };
        let membership = event["content"]["membership"].as_str().unwrap_or_default();
        let Some(who) = event["state_key"].as_str() else {
            continue;
        };
        if who == me.as_str() {
            me_joined = membership == "join";
        } else if matches!(membership, "join" | "invite") {
            others.push(who.to_string());
        }
    }
    Ok(match (me_joined, others.as_slice()) {
        (true, [other]) => UserId::parse(other.as_str()).ok(),
        _ => None,
    })
}

/// Every DM of the bot, by the other person (one room each; the first found).
async fn scan(
    client: &Client,
    store: &Store,
    me: &UserId,
) -> Result<HashMap<OwnedUserId, OwnedRoomId>, ChatError> {
    let rooms = client
        .send(joined_rooms::v3::Request::new())
        .await
        .map_err(classify)?
        .joined_rooms;
    let mut index = HashMap::new();
    for room in rooms {
        if let Some(other) = is_dm_of(client, store, me, &room).await? {
            index.entry(other).or_insert(room);
        }
    }
    Ok(index)
}
