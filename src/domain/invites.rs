//! Which invitations to a chat room the bot accepts, declines or keeps waiting. An invite can
//! arrive before the roster that explains it (a team room made before `roster import`), so an
//! invite is not judged once but again on every look, until it is accepted or declined.

use chrono::{DateTime, Duration, Utc};

/// How long an invite from someone unknown, to a room no roster names, waits for a roster that
/// explains it. A school's IT person often sets up rooms days before the schoolopleider
/// imports the roster; a week covers that, and a stranger's invite does not linger for ever.
pub const INVITE_WAIT_DAYS: i64 = 7;

/// What the bot knows about one pending invite now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingInvite {
    /// The one who invited is a person in the roster.
    pub inviter_in_roster: bool,
    /// The roster names this room as a team's channel.
    pub team_room: bool,
    /// When the bot first saw the invite.
    pub since: DateTime<Utc>,
}

/// What the bot does with a pending invite now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteDecision {
    /// Join the room.
    Accept,
    /// Leave the invite pending and look again later.
    Wait,
    /// Nobody explained the invite within the wait.
    Decline,
}

/// Accepts an invite the roster explains (a person in it invited, or it names the room as a
/// team's); declines one nobody explained within `wait` of first seeing it; else waits.
pub fn decide(invite: &PendingInvite, now: DateTime<Utc>, wait: Duration) -> InviteDecision {
    if invite.team_room || invite.inviter_in_roster {
        InviteDecision::Accept
    } else if now - invite.since >= wait {
        InviteDecision::Decline
    } else {
        InviteDecision::Wait
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn an_invite_is_accepted_when_the_roster_explains_it_and_declined_after_the_wait() {
        use InviteDecision::*;
        let since = Utc
            .with_ymd_and_hms(2026, 10, 5, 9, 0, 0)
            .single()
            .expect("time");
        let wait = Duration::days(INVITE_WAIT_DAYS);
        let later = |d: i64, h: i64| since + Duration::days(d) + Duration::hours(h);
        // (inviter in roster, room named as a team room, when looked at, decision)
        let table = [
            (true, false, later(0, 0), Accept),
            (false, true, later(0, 0), Accept),
            (true, true, later(0, 1), Accept),
            // The roster can still come: the invite waits.
            (false, false, later(0, 0), Wait),
            (false, false, later(6, 23), Wait),
            (false, false, later(7, 0), Decline),
            (false, false, later(30, 0), Decline),
            // A roster that arrives after the wait still wins over a decline not yet made.
            (false, true, later(30, 0), Accept),
            (true, false, later(30, 0), Accept),
        ];
        for (inviter_in_roster, team_room, now, expected) in table {
            let invite = PendingInvite {
                inviter_in_roster,
                team_room,
                since,
            };
            assert_eq!(decide(&invite, now, wait), expected, "{invite:?} at {now}");
        }
    }
}
