//! When a wpb's next prompt leans to the themes klik and veiligheid: after their own
//! worrying klik signal. Only the wpb's own signals steer their prompts; a student's never show.

use chrono::{DateTime, Duration, Utc};

use super::klik::KlikValue;

/// How far back a wpb's own negative signal makes the next prompt lean.
pub const LEAN_WEEKS: i64 = 2;

/// The oldest own signal that can still make a prompt lean at `now`; older ones need not be read.
pub fn signal_horizon(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::weeks(LEAN_WEEKS)
}

/// Whether the prompt chosen at `now` leans to klik and veiligheid: the wpb's latest own signal
/// is negative and came after the last prompt they were sent, within [`LEAN_WEEKS`].
pub fn leans_to_klik(
    latest_own_signal: Option<(KlikValue, DateTime<Utc>)>,
    last_prompt_sent: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    let horizon = signal_horizon(now);
    let since = last_prompt_sent.map_or(horizon, |at| at.max(horizon));
    latest_own_signal.is_some_and(|(value, at)| at >= since && value.is_negative())
}

#[cfg(test)]
mod tests {
    use super::*;
    use KlikValue::*;

    #[test]
    fn a_recent_own_worry_after_the_last_prompt_makes_the_next_lean() {
        let now: DateTime<Utc> = "2026-10-20T10:00:00Z".parse().unwrap();
        let days_ago = |d: i64| now - Duration::days(d);
        let cases = [
            // (latest own signal (value, days ago), last prompt sent (days ago), expected)
            (None, None, false),
            (None, Some(3), false),
            (Some((GeenKlik, 1)), None, true),
            (Some((Twijfel, 1)), None, true),
            (Some((Goed, 1)), None, false),
            (Some((GeenKlik, 13)), None, true),
            (Some((GeenKlik, 14)), None, true),
            (Some((GeenKlik, 15)), None, false),
            (Some((GeenKlik, 2)), Some(3), true),
            (Some((GeenKlik, 3)), Some(3), true),
            (Some((GeenKlik, 4)), Some(3), false),
            // A prompt long ago does not stretch the horizon.
            (Some((GeenKlik, 15)), Some(30), false),
            (Some((Twijfel, 10)), Some(30), true),
        ];
        for (signal, last_prompt, expected) in cases {
            assert_eq!(
                leans_to_klik(
                    signal.map(|(v, d)| (v, days_ago(d))),
                    last_prompt.map(days_ago),
                    now
                ),
                expected,
                "signal {signal:?}, last prompt {last_prompt:?} days ago"
            );
        }
    }
}
