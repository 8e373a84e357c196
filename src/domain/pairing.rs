//! Rules about pairings as a whole: who may be paired with whom, and which pairing a klik
//! signal is about when the sender does not name one.

use chrono::NaiveDate;

use super::roster::{Pairing, PairingId, Person, PersonId, Role};

/// Why two people cannot form a pairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpairable {
    /// The one named as wpb is not a wpb.
    NotAWpb,
    /// The one named as student is not a student.
    NotAStudent,
    /// The wpb and the student belong to different schools.
    OtherSchools,
}

/// A pairing is one wpb and one student of one school.
pub fn check_pairable(wpb: &Person, student: &Person) -> Result<(), Unpairable> {
    if wpb.role != Role::Wpb {
        Err(Unpairable::NotAWpb)
    } else if student.role != Role::Student {
        Err(Unpairable::NotAStudent)
    } else if wpb.school != student.school {
        Err(Unpairable::OtherSchools)
    } else {
        Ok(())
    }
}

/// Which pairing a klik is about, or why there is none to choose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KlikPairing<'a> {
    /// Exactly one of the sender's own pairings is active today.
    One(&'a (PairingId, Pairing)),
    /// None is active, and the most recent of their own pairings ended on this day.
    Ended(NaiveDate),
    /// A wpb named a student who is not theirs today (and no pairing with them has ended).
    NotYours,
    /// A wpb or student without an active (or ended) pairing.
    NoneActive,
    /// The sender's role has no pairings of its own; the authorization table says why.
    NoOwnPairing,
    /// A wpb with several active pairings who named no student: they must choose.
    Several(Vec<&'a (PairingId, Pairing)>),
}

/// Picks the pairing a klik from `me` (with `role`) is about on `today`, from the pairings
/// they are part of. A wpb may name `student` to choose among several; a student has one.
pub fn klik_pairing<'a>(
    role: Role,
    me: &PersonId,
    student: Option<&PersonId>,
    today: NaiveDate,
    pairings: &'a [(PairingId, Pairing)],
) -> KlikPairing<'a> {
    let mine: Vec<&(PairingId, Pairing)> = pairings
        .iter()
        .filter(|(_, p)| match (role, student) {
            (Role::Wpb, Some(s)) => &p.student == s && &p.wpb == me,
            (Role::Wpb, None) => &p.wpb == me,
            (Role::Student, _) => &p.student == me,
            _ => false,
        })
        .collect();
    // The most recent of one's own pairings that already ended: said as it is, with its date.
    let ended = mine
        .iter()
        .filter(|(_, p)| p.end < today)
        .map(|(_, p)| p.end)
        .max();
    let mut active: Vec<_> = mine
        .into_iter()
        .filter(|(_, p)| p.is_active_on(today))
        .collect();
    let own_role = matches!(role, Role::Wpb | Role::Student);
    match (active.len(), ended) {
        (0, Some(end)) => KlikPairing::Ended(end),
        (0, None) if own_role && student.is_some() => KlikPairing::NotYours,
        (0, None) if own_role => KlikPairing::NoneActive,
        (0, None) => KlikPairing::NoOwnPairing,
        (1, _) => active
            .pop()
            .map_or(KlikPairing::NoneActive, KlikPairing::One),
        _ => KlikPairing::Several(active),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::roster::SchoolId;

    fn person(id: &str, role: Role, school: &str) -> Person {
        Person {
            id: PersonId::from_trusted(id),
            school: SchoolId::from_trusted(school),
            role,
            name: id.to_string(),
            team: None,
            chat: None,
            language: None,
        }
    }

    #[test]
    fn a_pairing_is_one_wpb_and_one_student_of_one_school() {
        use Role::*;
        let cases = [
            ((Wpb, "a"), (Student, "a"), Ok(())),
            ((Wpb, "a"), (Student, "b"), Err(Unpairable::OtherSchools)),
            ((Student, "a"), (Student, "a"), Err(Unpairable::NotAWpb)),
            (
                (Schoolopleider, "a"),
                (Student, "a"),
                Err(Unpairable::NotAWpb),
            ),
            ((Wpb, "a"), (Wpb, "a"), Err(Unpairable::NotAStudent)),
            ((Wpb, "a"), (Admin, "a"), Err(Unpairable::NotAStudent)),
        ];
        for ((wrole, wschool), (srole, sschool), expected) in cases {
            let w = person("w", wrole, wschool);
            let s = person("s", srole, sschool);
            assert_eq!(
                check_pairable(&w, &s),
                expected,
                "wpb {wrole:?}@{wschool}, student {srole:?}@{sschool}"
            );
        }
    }

    #[derive(Debug, PartialEq)]
    enum Want {
        One(i64),
        Ended(NaiveDate),
        NotYours,
        NoneActive,
        NoOwnPairing,
        Several(Vec<i64>),
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn the_pairing_a_klik_is_about() {
        let pairing = |id, wpb: &str, student: &str, start, end| {
            (
                PairingId(id),
                Pairing {
                    wpb: PersonId::from_trusted(wpb),
                    student: PersonId::from_trusted(student),
                    start: d(start),
                    end: d(end),
                },
            )
        };
        let today = "2026-10-05";
        let stored = [
            pairing(1, "w1", "s1", "2026-09-01", "2027-01-31"),
            pairing(2, "w1", "s2", "2026-09-01", "2027-01-31"),
            pairing(3, "w2", "s3", "2026-09-01", "2026-09-30"),
            pairing(4, "w2", "s3", "2026-06-01", "2026-06-30"),
            pairing(5, "w3", "s4", "2026-11-01", "2027-01-31"),
            pairing(6, "w4", "s5", "2026-09-01", "2026-10-05"),
            pairing(7, "w4", "s6", "2026-08-01", "2026-09-15"),
        ];
        use Role::*;
        use Want::*;
        // (role, sender, named student, expected)
        let cases = [
            (Wpb, "w1", Some("s1"), One(1)),
            (Wpb, "w1", Some("s2"), One(2)),
            (Wpb, "w1", None, Several(vec![1, 2])),
            (Student, "s1", None, One(1)),
            // A student naming a student changes nothing: they have their own.
            (Student, "s2", Some("s1"), One(2)),
            (Wpb, "w1", Some("s3"), NotYours),
            // Ended: the most recent end is said, not an older one.
            (Wpb, "w2", None, Ended(d("2026-09-30"))),
            (Student, "s3", None, Ended(d("2026-09-30"))),
            (Wpb, "w2", Some("s3"), Ended(d("2026-09-30"))),
            // Only a pairing to come: none active, none ended.
            (Wpb, "w3", None, NoneActive),
            (Student, "s4", None, NoneActive),
            (Wpb, "w3", Some("s4"), NotYours),
            (Student, "s9", None, NoneActive),
            // The last day still counts; an ended one beside an active one is not mentioned.
            (Wpb, "w4", None, One(6)),
            (Wpb, "w4", Some("s6"), Ended(d("2026-09-15"))),
            (Schoolopleider, "so", None, NoOwnPairing),
            (Admin, "w1", Some("s1"), NoOwnPairing),
        ];
        for (role, me, student, expected) in cases {
            let me_id = PersonId::from_trusted(me);
            let named = student.map(PersonId::from_trusted);
            let got = match klik_pairing(role, &me_id, named.as_ref(), d(today), &stored) {
                KlikPairing::One((id, _)) => One(id.0),
                KlikPairing::Ended(end) => Ended(end),
                KlikPairing::NotYours => NotYours,
                KlikPairing::NoneActive => NoneActive,
                KlikPairing::NoOwnPairing => NoOwnPairing,
                KlikPairing::Several(ps) => Several(ps.iter().map(|(id, _)| id.0).collect()),
            };
            assert_eq!(got, expected, "{role:?} {me} naming {student:?}");
        }
    }
}
