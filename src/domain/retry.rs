//! When a message that could not be sent is tried again, and when it is given up.
//! A passing failure backs off exponentially; a platform's rate limit is waited out without
//! counting as an attempt; a recipient who cannot be reached is not retried at all.

use chrono::Duration;

/// Claims of a row after which a passing failure fails the message for good.
pub const MAX_ATTEMPTS: i64 = 8;

/// The first wait after a passing failure; it doubles with every attempt.
const FIRST_BACKOFF_SECS: i64 = 30;
/// The wait stops doubling here (30 s · 2⁶: 32 minutes).
const MAX_DOUBLINGS: i64 = 6;
/// A rate limit's wait that does not fit a `Duration`.
const UNREADABLE_LIMIT_HOURS: i64 = 1;

/// Why a send did not go through, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendFailure {
    /// A passing failure (network, server error).
    Passing,
    /// The platform's rate limit: not before the wait it gave.
    Limited(std::time::Duration),
}

/// What becomes of a row whose send failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Try again after `wait`; `counts` says whether this claim counts as an attempt.
    After {
        /// How long the row waits before it is due again.
        wait: Duration,
        /// False for a rate limit: waiting for the platform is no failure.
        counts: bool,
    },
    /// Stop trying: the message has failed.
    GiveUp,
}

/// The retry of a row claimed `attempts` times (this claim included) whose send failed.
pub fn after_failure(attempts: i64, failure: SendFailure) -> Retry {
    match failure {
        SendFailure::Passing if attempts >= MAX_ATTEMPTS => Retry::GiveUp,
        SendFailure::Limited(retry_after) => Retry::After {
            wait: Duration::from_std(retry_after)
                .unwrap_or(Duration::hours(UNREADABLE_LIMIT_HOURS))
                .max(Duration::seconds(1)),
            counts: false,
        },
        SendFailure::Passing => Retry::After {
            wait: Duration::seconds(FIRST_BACKOFF_SECS * (1 << attempts.clamp(0, MAX_DOUBLINGS))),
            counts: true,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    #[test]
    fn passing_failures_back_off_and_give_up_rate_limits_wait() {
        let passing = |secs| Retry::After {
            wait: Duration::seconds(secs),
            counts: true,
        };
        let limited = |secs| Retry::After {
            wait: Duration::seconds(secs),
            counts: false,
        };
        let cases = [
            // (attempts, failure, expected)
            (0, SendFailure::Passing, passing(30)),
            (1, SendFailure::Passing, passing(60)),
            (2, SendFailure::Passing, passing(120)),
            (5, SendFailure::Passing, passing(960)),
            (6, SendFailure::Passing, passing(1920)),
            (7, SendFailure::Passing, passing(1920)),
            (8, SendFailure::Passing, Retry::GiveUp),
            (20, SendFailure::Passing, Retry::GiveUp),
            (-1, SendFailure::Passing, passing(30)),
            (1, SendFailure::Limited(Std::from_secs(90)), limited(90)),
            (8, SendFailure::Limited(Std::from_secs(90)), limited(90)),
            (50, SendFailure::Limited(Std::from_secs(5)), limited(5)),
            (1, SendFailure::Limited(Std::from_millis(200)), limited(1)),
            (1, SendFailure::Limited(Std::ZERO), limited(1)),
            (1, SendFailure::Limited(Std::MAX), limited(3600)),
        ];
        for (attempts, failure, expected) in cases {
            assert_eq!(
                after_failure(attempts, failure),
                expected,
                "attempts {attempts}, {failure:?}"
            );
        }
    }
}
