//! Whether a planned reminder of a prompt still has a point when its moment comes. It was
//! planned when the prompt went out; by the time it is due the wpb may have answered, the
//! school may have switched reminders off, a holiday may have made the prompt too old to
//! take an answer, or a newer prompt may have taken its place (an answer would go there).

use chrono::{DateTime, Duration, Utc};

/// Days a prompt stays open: a reflection goes to the latest unanswered prompt of these days.
pub const OPEN_PROMPT_DAYS: i64 = 7;

/// The prompt a reminder is about, as it stands when the reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemindedPrompt {
    /// When the prompt was sent.
    pub sent_at: DateTime<Utc>,
    /// The wpb answered it.
    pub answered: bool,
    /// A later prompt went to the same wpb.
    pub newer_prompt: bool,
}

/// Why a reminder is not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moot {
    /// Its prompt is not (or no longer) stored as sent.
    Gone,
    /// The wpb answered.
    Answered,
    /// The school (or the configuration) no longer wants reminders.
    SwitchedOff,
    /// A newer prompt went out since: an answer now would belong to that one.
    Superseded,
    /// The prompt is older than [`OPEN_PROMPT_DAYS`]: an answer would not reach it.
    Expired,
}

impl Moot {
    /// The note kept on the skipped row, Dutch then English.
    pub fn reason(self) -> &'static str {
        match self {
            Moot::Gone => "vraag niet meer bewaard / prompt no longer stored",
            Moot::Answered => "al beantwoord / already answered",
            Moot::SwitchedOff => "herinneringen uitgezet / reminders switched off",
            Moot::Superseded => "er kwam al een nieuwere vraag / a newer prompt came since",
            Moot::Expired => "vraag te oud voor een antwoord / prompt too old for an answer",
        }
    }
}

/// Why the reminder of `prompt` should not go at `now`, if it should not.
pub fn moot(
    prompt: Option<&RemindedPrompt>,
    reminders_on: bool,
    now: DateTime<Utc>,
) -> Option<Moot> {
    let Some(p) = prompt else {
        return Some(Moot::Gone);
    };
    if p.answered {
        Some(Moot::Answered)
    } else if !reminders_on {
        Some(Moot::SwitchedOff)
    } else if p.newer_prompt {
        Some(Moot::Superseded)
    } else if now - p.sent_at >= Duration::days(OPEN_PROMPT_DAYS) {
        Some(Moot::Expired)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_a_reminder_has_lost_its_point() {
        let sent = DateTime::parse_from_rfc3339("2026-10-16T09:00:00Z")
            .unwrap()
            .to_utc();
        let p = |answered, newer_prompt| RemindedPrompt {
            sent_at: sent,
            answered,
            newer_prompt,
        };
        let day = |n| sent + Duration::days(n);
        for (prompt, on, now, want) in [
            (Some(p(false, false)), true, day(1), None),
            (None, true, day(1), Some(Moot::Gone)),
            (Some(p(true, false)), true, day(1), Some(Moot::Answered)),
            // An answer wins over every other reason: it is the one the wpb did themselves.
            (Some(p(true, true)), false, day(9), Some(Moot::Answered)),
            (
                Some(p(false, false)),
                false,
                day(1),
                Some(Moot::SwitchedOff),
            ),
            (Some(p(false, true)), true, day(1), Some(Moot::Superseded)),
            // Over a holiday: the prompt is past the days an answer can reach it.
            (Some(p(false, false)), true, day(10), Some(Moot::Expired)),
            (
                Some(p(false, false)),
                true,
                sent + Duration::days(7) - Duration::minutes(1),
                None,
            ),
            (Some(p(false, false)), true, day(7), Some(Moot::Expired)),
        ] {
            assert_eq!(
                moot(prompt.as_ref(), on, now),
                want,
                "{prompt:?} on={on} {now}"
            );
        }
    }
}
