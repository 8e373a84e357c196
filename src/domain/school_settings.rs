//! Which value of a setting applies to a wpb: their own (`/ritme`), else their school's
//! override (set through the bot with `/instellingen`), else the configuration file.

use super::schedule::Cadence;

/// The cadence a wpb is asked at: their own rhythm, else the school's override, else the
/// configured one.
pub fn cadence(own: Option<Cadence>, school: Option<Cadence>, configured: Cadence) -> Cadence {
    own.or(school).unwrap_or(configured)
}

/// Whether a wpb gets a reminder of an unanswered prompt: the school's override, else the
/// configured setting (a wpb has no reminder setting of their own).
pub fn reminder(school: Option<bool>, configured: bool) -> bool {
    school.unwrap_or(configured)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_goes_before_the_school_before_the_configuration() {
        let c = |n| Some(Cadence::new(n).unwrap());
        let cases = [
            // (own, school override, configured, expected)
            (c(1), c(2), 3, 1),
            (c(1), None, 3, 1),
            (None, c(2), 3, 2),
            (None, None, 3, 3),
            (c(3), c(3), 1, 3),
        ];
        for (own, school, configured, expected) in cases {
            let configured = Cadence::new(configured).unwrap();
            assert_eq!(
                cadence(own, school, configured).per_week(),
                expected,
                "own {own:?}, school {school:?}, configured {configured:?}"
            );
        }
    }

    #[test]
    fn the_school_reminder_goes_before_the_configuration() {
        let cases = [
            // (school override, configured, expected)
            (Some(true), false, true),
            (Some(false), true, false),
            (None, true, true),
            (None, false, false),
        ];
        for (school, configured, expected) in cases {
            assert_eq!(
                reminder(school, configured),
                expected,
                "school {school:?}, configured {configured}"
            );
        }
    }
}
