//! Klik: the felt rapport between a wpb and their student, signalled as goed / twijfel /
//! geen klik by either side of a pairing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::language::{Localize, Text};
use super::roster::{PairingId, PersonId};

/// One klik signal on the scale goed / twijfel / geen klik (+1 / 0 / −1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KlikValue {
    /// The rapport feels good.
    Goed,
    /// In doubt about the rapport.
    Twijfel,
    /// No klik: the rapport is not there.
    GeenKlik,
}

impl KlikValue {
    /// Every value, in the order the buttons show them.
    pub const ALL: [KlikValue; 3] = [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik];

    /// +1 for goed, 0 for twijfel, −1 for geen klik.
    pub fn score(self) -> i8 {
        match self {
            KlikValue::Goed => 1,
            KlikValue::Twijfel => 0,
            KlikValue::GeenKlik => -1,
        }
    }

    /// Twijfel and geen klik both count as negative for escalation patterns.
    pub fn is_negative(self) -> bool {
        matches!(self, KlikValue::Twijfel | KlikValue::GeenKlik)
    }

    /// Stable storage name: `goed`, `twijfel`, `geen_klik`.
    pub fn as_str(self) -> &'static str {
        match self {
            KlikValue::Goed => "goed",
            KlikValue::Twijfel => "twijfel",
            KlikValue::GeenKlik => "geen_klik",
        }
    }

    /// Reads what a person types or a button sends, case-insensitively, with runs of
    /// whitespace treated as one space: `goed`, `twijfel`, `geen klik` / `geen_klik` /
    /// `geenklik`, `+1` / `0` / `-1`, and English `good`, `doubt`, `no click` / `no_klik`.
    pub fn parse(raw: &str) -> Result<KlikValue, KlikError> {
        let key = raw
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        match key.as_str() {
            "goed" | "good" | "+1" | "1" => Ok(KlikValue::Goed),
            "twijfel" | "doubt" | "0" => Ok(KlikValue::Twijfel),
            "geen klik" | "geen_klik" | "geenklik" | "geen-klik" | "no click" | "no_click"
            | "noclick" | "no klik" | "no_klik" | "-1" | "\u{2212}1" => Ok(KlikValue::GeenKlik),
            _ => Err(KlikError::UnknownValue(raw.trim().to_string())),
        }
    }

    /// What the person sees: `goed` / `twijfel` / `geen klik`, or `good` / `doubt` / `no click`.
    pub fn label(self, lang_is_dutch: bool) -> &'static str {
        match (self, lang_is_dutch) {
            (KlikValue::Goed, true) => "goed",
            (KlikValue::Twijfel, true) => "twijfel",
            (KlikValue::GeenKlik, true) => "geen klik",
            (KlikValue::Goed, false) => "good",
            (KlikValue::Twijfel, false) => "doubt",
            (KlikValue::GeenKlik, false) => "no click",
        }
    }
}

impl fmt::Display for KlikValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KlikValue {
    type Err = KlikError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KlikValue::parse(s)
    }
}

/// Which side of the pairing gave a signal. A student's signal is never shown to the wpb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignalSource {
    /// The wpb gave it.
    Wpb,
    /// The student gave it.
    Student,
}

impl SignalSource {
    /// The source as stored (`wpb`, `student`).
    pub fn as_str(self) -> &'static str {
        match self {
            SignalSource::Wpb => "wpb",
            SignalSource::Student => "student",
        }
    }

    /// Reads a stored source; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "wpb" => Some(SignalSource::Wpb),
            "student" => Some(SignalSource::Student),
            _ => None,
        }
    }
}

impl fmt::Display for SignalSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored klik signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KlikSignal {
    /// The pairing it is about.
    pub pairing: PairingId,
    /// Who gave it.
    pub source: SignalSource,
    /// The value given.
    pub value: KlikValue,
    /// When it was given.
    pub at: DateTime<Utc>,
}

/// Who may signal for a pairing: only its own wpb (source Wpb) or its own student
/// (source Student), and only while the pairing is active on that date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairingParties<'a> {
    /// The pairing's wpb.
    pub wpb: &'a PersonId,
    /// The pairing's student.
    pub student: &'a PersonId,
    /// Whether the pairing is active on the day of the signal (see `Pairing::is_active_on`).
    pub active: bool,
}

/// Decides whether `actor` may give a klik signal for this pairing, and as which side.
///
/// Anyone who is not a party gets [`KlikError::NotYourPairing`] (also for an inactive
/// pairing, so outsiders learn nothing about its dates); a party to an inactive pairing gets
/// [`KlikError::PairingInactive`].
pub fn authorize_signal(
    parties: &PairingParties,
    actor: &PersonId,
) -> Result<SignalSource, KlikError> {
    let source = if actor == parties.wpb {
        SignalSource::Wpb
    } else if actor == parties.student {
        SignalSource::Student
    } else {
        return Err(KlikError::NotYourPairing);
    };
    if !parties.active {
        return Err(KlikError::PairingInactive);
    }
    Ok(source)
}

/// Why a klik signal is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KlikError {
    /// The sender is neither the wpb nor the student of this pairing.
    NotYourPairing,
    /// The pairing does not run on the day of the signal.
    PairingInactive,
    /// The value is not one of goed, twijfel, geen klik.
    UnknownValue(String),
}

impl Localize for KlikError {
    fn text(&self) -> Text {
        match self {
            KlikError::NotYourPairing => Text::new(
                "Hier loopt geen koppeling van jou; een klik kun je geven voor een koppeling die loopt.",
                "There is no running pairing of yours here; you can give a klik for a pairing that is running.",
            ),
            KlikError::PairingInactive => Text::new(
                "Deze koppeling is nu niet actief.",
                "This pairing is not active at the moment.",
            ),
            KlikError::UnknownValue(raw) => Text::owned(
                format!("Onbekende klik `{raw}`: kies goed, twijfel of geen klik."),
                format!("Unknown klik `{raw}`: choose good, doubt or no click."),
            ),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl fmt::Display for KlikError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for KlikError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> PersonId {
        PersonId::from_trusted(s)
    }

    #[test]
    fn authorize_table() {
        let wpb = id("wpb-anna");
        let student = id("st-bram");
        let other_wpb = id("wpb-carla");
        let other_student = id("st-daan");
        let schoolopleider = id("so-eva");

        let active = PairingParties {
            wpb: &wpb,
            student: &student,
            active: true,
        };
        let inactive = PairingParties {
            active: false,
            ..active
        };

        let cases: [(
            &str,
            &PairingParties,
            &PersonId,
            Result<SignalSource, KlikError>,
        ); 10] = [
            ("own wpb", &active, &wpb, Ok(SignalSource::Wpb)),
            ("own student", &active, &student, Ok(SignalSource::Student)),
            (
                "other wpb",
                &active,
                &other_wpb,
                Err(KlikError::NotYourPairing),
            ),
            (
                "other student",
                &active,
                &other_student,
                Err(KlikError::NotYourPairing),
            ),
            (
                "schoolopleider",
                &active,
                &schoolopleider,
                Err(KlikError::NotYourPairing),
            ),
            (
                "own wpb, inactive",
                &inactive,
                &wpb,
                Err(KlikError::PairingInactive),
            ),
            (
                "own student, inactive",
                &inactive,
                &student,
                Err(KlikError::PairingInactive),
            ),
            (
                "other wpb, inactive",
                &inactive,
                &other_wpb,
                Err(KlikError::NotYourPairing),
            ),
            (
                "other student, inactive",
                &inactive,
                &other_student,
                Err(KlikError::NotYourPairing),
            ),
            (
                "schoolopleider, inactive",
                &inactive,
                &schoolopleider,
                Err(KlikError::NotYourPairing),
            ),
        ];
        for (name, parties, actor, want) in cases {
            assert_eq!(authorize_signal(parties, actor), want, "{name}");
        }
    }

    #[test]
    fn authorize_compares_whole_ids() {
        let wpb = id("anna");
        let student = id("anna2");
        let parties = PairingParties {
            wpb: &wpb,
            student: &student,
            active: true,
        };
        assert_eq!(
            authorize_signal(&parties, &id("ann")),
            Err(KlikError::NotYourPairing)
        );
        assert_eq!(
            authorize_signal(&parties, &id("ANNA")),
            Err(KlikError::NotYourPairing)
        );
        assert_eq!(
            authorize_signal(&parties, &id("anna2")),
            Ok(SignalSource::Student)
        );
    }

    #[test]
    fn parse_table() {
        use KlikValue::*;
        let cases: [(&str, KlikValue); 26] = [
            ("goed", Goed),
            ("Goed", Goed),
            ("  GOED ", Goed),
            ("good", Goed),
            ("+1", Goed),
            ("1", Goed),
            ("twijfel", Twijfel),
            ("Twijfel", Twijfel),
            ("doubt", Twijfel),
            ("DOUBT", Twijfel),
            ("0", Twijfel),
            ("geen klik", GeenKlik),
            ("Geen Klik", GeenKlik),
            ("geen   klik", GeenKlik),
            ("geen_klik", GeenKlik),
            ("GEEN_KLIK", GeenKlik),
            ("geenklik", GeenKlik),
            ("geen-klik", GeenKlik),
            ("-1", GeenKlik),
            ("\u{2212}1", GeenKlik),
            ("no click", GeenKlik),
            ("No Click", GeenKlik),
            ("no_click", GeenKlik),
            ("no_klik", GeenKlik),
            ("no klik", GeenKlik),
            ("\tgeen\nklik ", GeenKlik),
        ];
        for (raw, want) in cases {
            assert_eq!(KlikValue::parse(raw), Ok(want), "{raw:?}");
            assert_eq!(raw.parse::<KlikValue>(), Ok(want), "{raw:?}");
        }
        for raw in [
            "",
            "  ",
            "geen",
            "klik",
            "bad",
            "2",
            "-2",
            "+0",
            "goedd",
            "geen  klik!",
        ] {
            assert_eq!(
                KlikValue::parse(raw),
                Err(KlikError::UnknownValue(raw.trim().to_string())),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn as_str_round_trips_and_matches_serde() {
        for v in KlikValue::ALL {
            assert_eq!(KlikValue::parse(v.as_str()), Ok(v));
            assert_eq!(KlikValue::parse(v.label(true)), Ok(v));
            assert_eq!(KlikValue::parse(v.label(false)), Ok(v));
            assert_eq!(
                serde_json::to_string(&v).unwrap(),
                format!("\"{}\"", v.as_str())
            );
        }
        for s in [SignalSource::Wpb, SignalSource::Student] {
            assert_eq!(SignalSource::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert_eq!(SignalSource::parse("schoolopleider"), None);
    }

    #[test]
    fn scores_negatives_and_labels() {
        use KlikValue::*;
        assert_eq!(
            [Goed.score(), Twijfel.score(), GeenKlik.score()],
            [1, 0, -1]
        );
        assert_eq!(
            [
                Goed.is_negative(),
                Twijfel.is_negative(),
                GeenKlik.is_negative()
            ],
            [false, true, true]
        );
        assert_eq!(
            [Goed.as_str(), Twijfel.as_str(), GeenKlik.as_str()],
            ["goed", "twijfel", "geen_klik"]
        );
        assert_eq!(GeenKlik.label(true), "geen klik");
        assert_eq!(GeenKlik.label(false), "no click");
        assert_eq!(Twijfel.label(false), "doubt");
    }

    #[test]
    fn signal_serde_round_trip() {
        let at = DateTime::parse_from_rfc3339("2026-09-14T10:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let sig = KlikSignal {
            pairing: PairingId(7),
            source: SignalSource::Student,
            value: KlikValue::GeenKlik,
            at,
        };
        let json = serde_json::to_string(&sig).unwrap();
        assert!(json.contains("\"source\":\"student\""), "{json}");
        assert!(json.contains("\"value\":\"geen_klik\""), "{json}");
        assert_eq!(serde_json::from_str::<KlikSignal>(&json).unwrap(), sig);
    }

    #[test]
    fn error_messages_are_dutch_then_english() {
        for e in [
            KlikError::NotYourPairing,
            KlikError::PairingInactive,
            KlikError::UnknownValue("x".into()),
        ] {
            let msg = e.to_string();
            assert!(msg.contains(" / "), "{msg}");
        }
        assert!(
            KlikError::UnknownValue("meh".into())
                .to_string()
                .contains("`meh`")
        );
    }
}
