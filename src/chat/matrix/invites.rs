//! Invitations to rooms, remembered until the roster explains them: an invite to a room that
//! the roster (now or later) names as a team room, or from a person in the roster, is
//! accepted; one that nothing explains within `INVITE_WAIT_DAYS` is declined. Every sync looks
//! again, so a roster imported while the bot runs takes effect within one sync.

use matrix_sdk::RoomState;
use matrix_sdk::ruma::RoomId;
use matrix_sdk::ruma::api::client::membership::leave_room;
use matrix_sdk::sync::SyncResponse;

use super::bot::{MatrixEngine, MatrixError};
use super::wire::user_address;
use crate::domain::invites::{INVITE_WAIT_DAYS, InviteDecision, PendingInvite, decide};
use crate::store::StoredInvite;

/// Remembers the invites of this sync, forgets those withdrawn, and decides on all pending.
pub async fn handle(engine: &MatrixEngine, response: &SyncResponse) -> Result<(), MatrixError> {
    let client = engine.chat.client();
    let me = client.user_id().map(|u| u.to_string()).unwrap_or_default();
    let now = engine.clock.now();
    for (room, invited) in &response.rooms.invited {
        let json = serde_json::to_value(&invited.invite_state).unwrap_or_default();
        let invite = json["events"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["type"] == "m.room.member" && e["state_key"] == me.as_str());
        let inviter = invite
            .and_then(|e| e["sender"].as_str())
            .unwrap_or_default();
        let direct = invite.is_some_and(|e| e["content"]["is_direct"] == true);
        engine
            .store
            .remember_invite(room.as_str(), inviter, direct, now)
            .await?;
    }
    // Withdrawn, or declined by us: nothing left to decide.
    for room in response.rooms.left.keys() {
        engine.store.forget_invite(room.as_str()).await?;
    }
    review(engine).await
}

/// Decides on every pending invite with the roster as it is now.
pub async fn review(engine: &MatrixEngine) -> Result<(), MatrixError> {
    let wait = chrono::Duration::days(INVITE_WAIT_DAYS);
    for invite in engine.store.pending_invites().await? {
        let Ok(room) = RoomId::parse(&invite.room) else {
            engine.store.forget_invite(&invite.room).await?;
            continue;
        };
        if engine
            .chat
            .client()
            .get_room(&room)
            .is_some_and(|r| r.state() == RoomState::Joined)
        {
            engine.store.forget_invite(&invite.room).await?;
            continue;
        }
        let pending = PendingInvite {
            inviter_in_roster: !invite.inviter.is_empty()
                && engine
                    .store
                    .person_by_chat(&user_address(&invite.inviter))
                    .await?
                    .is_some(),
            team_room: engine
                .store
                .is_team_channel(&format!("matrix:{}", invite.room))
                .await?,
            since: invite.since,
        };
        match decide(&pending, engine.clock.now(), wait) {
            InviteDecision::Wait => {}
            InviteDecision::Accept => {
                let dm = invite.direct && pending.inviter_in_roster && !pending.team_room;
                accept(engine, &room, &invite, dm).await?
            }
            InviteDecision::Decline => decline(engine, &room, &invite).await?,
        }
    }
    Ok(())
}

async fn accept(
    engine: &MatrixEngine,
    room: &RoomId,
    invite: &StoredInvite,
    dm: bool,
) -> Result<(), MatrixError> {
    // Through the SDK, so it knows the room (and its encryption) at once.
    match engine.chat.client().join_room_by_id(room).await {
        Ok(_) => {
            tracing::info!(%room, inviter = %invite.inviter, "joined a room the roster explains");
            // A DM the person opened is where the bot talks to them: no room of its own.
            if dm
                && let Err(e) = engine
                    .chat
                    .adopt_dm(&user_address(&invite.inviter), &invite.inviter, room)
                    .await
            {
                tracing::warn!(%e, %room, "could not record a DM a person opened");
            }
            engine.store.forget_invite(room.as_str()).await?;
        }
        // Kept: the next sync tries again, or sees the invite withdrawn.
        Err(e) => tracing::warn!(%e, %room, "could not join a room the bot was invited to"),
    }
    Ok(())
}

async fn decline(
    engine: &MatrixEngine,
    room: &RoomId,
    invite: &StoredInvite,
) -> Result<(), MatrixError> {
    let request = leave_room::v3::Request::new(room.to_owned());
    match engine.chat.client().send(request).await {
        Ok(_) => {
            tracing::info!(
                %room,
                inviter = %invite.inviter,
                since = %invite.since,
                "declined an invite: the inviter is not in the roster and no roster names the room as a team room"
            );
            engine.store.forget_invite(room.as_str()).await?;
        }
        Err(e) => tracing::warn!(%e, %room, "could not decline an invite"),
    }
    Ok(())
}
