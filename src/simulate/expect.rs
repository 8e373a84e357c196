//! A scenario's `[[expect]]` entries: what must be true at a moment (`at`), or at some
//! moment up to one (`by`), checked against what people were shown and what is stored.
//!
//! Each entry has exactly one kind: `message`, `sent`, `nothing`, `in_hours`, `escalation`,
//! `escalations` or `stored`. README ("Verwachtingen") describes them for scenario writers.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::ScenarioError;
use super::record::Shown;
use super::scenario::{Cast, invalid, moment};
use crate::config::Config;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::roster::{PersonId, Role};
use crate::store::{EscalationStatus, Store};

/// One `[[expect]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Written {
    /// The moment it must hold ("YYYY-MM-DD HH:MM", or a day: its end).
    #[serde(default)]
    at: Option<String>,
    /// It must hold at some moment up to this one.
    #[serde(default)]
    by: Option<String>,
    /// Where the period of counted messages begins; the run's start when absent.
    #[serde(default)]
    from: Option<String>,
    /// What the expectation means, printed with its verdict.
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    message: Option<MessageCheck>,
    #[serde(default)]
    sent: Option<SentCheck>,
    #[serde(default)]
    nothing: Option<NothingCheck>,
    #[serde(default)]
    in_hours: Option<InHoursCheck>,
    #[serde(default)]
    escalation: Option<EscalationCheck>,
    #[serde(default)]
    escalations: Option<EscalationsCheck>,
    #[serde(default)]
    stored: Option<StoredCheck>,
}

/// Something shown to `to` in the period contains a text, or nothing does.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageCheck {
    to: String,
    #[serde(default)]
    contains: Option<String>,
    #[serde(default)]
    lacks: Option<String>,
    /// Only messages of this kind; everything shown (replies too) when absent.
    #[serde(default)]
    kind: Option<String>,
}

/// How many messages (of a kind, to a person) arrived in the period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SentCheck {
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(flatten)]
    count: Count,
    /// The bound holds for every local day of the period on its own (`at_most` only).
    #[serde(default)]
    per_day: bool,
}

/// Nothing at all was sent to `to` in the period (replies to their own actions aside).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NothingCheck {
    to: String,
}

/// Every message of `kind` in the period arrived on a school day inside the working hours
/// of its reader's school.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InHoursCheck {
    #[serde(default)]
    to: Option<String>,
    #[serde(default = "prompt_kind")]
    kind: String,
}

fn prompt_kind() -> String {
    "vraag".into()
}

/// The newest escalation of the pairing of `wpb` (and `student`) has a status, or there is none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalationCheck {
    wpb: String,
    #[serde(default)]
    student: Option<String>,
    status: String,
}

/// How many escalations exist (of a pairing, with a status).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EscalationsCheck {
    #[serde(default)]
    wpb: Option<String>,
    #[serde(default)]
    student: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(flatten)]
    count: Count,
}

/// How many reflections or klik signals of `person` are stored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredCheck {
    person: String,
    /// `reflecties`, `gedeelde-reflecties` or `signalen`.
    what: String,
    /// For `signalen`: only this value (`goed`, `twijfel`, `geen klik`).
    #[serde(default)]
    value: Option<String>,
    #[serde(flatten)]
    count: Count,
}

/// A number that must match: exactly, at least, at most (at least one of them).
#[derive(Debug, Clone, Default, Deserialize)]
struct Count {
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    at_least: Option<usize>,
    #[serde(default)]
    at_most: Option<usize>,
}

impl Count {
    fn holds(&self, n: usize) -> bool {
        self.count.is_none_or(|c| n == c)
            && self.at_least.is_none_or(|c| n >= c)
            && self.at_most.is_none_or(|c| n <= c)
    }

    fn is_empty(&self) -> bool {
        self.count.is_none() && self.at_least.is_none() && self.at_most.is_none()
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = self.count {
            parts.push(format!("precies {c}"));
        }
        if let Some(c) = self.at_least {
            parts.push(format!("minstens {c}"));
        }
        if let Some(c) = self.at_most {
            parts.push(format!("hoogstens {c}"));
        }
        parts.join(" en ")
    }
}

/// The message kinds a scenario can name; `antwoord` is the bot's reply to an action.
pub(super) const KINDS: [&str; 11] = [
    "vraag",
    "herinnering",
    "doorvraag",
    "escalatie",
    "escalatie-herinnering",
    "melding",
    "onbereikbaar",
    "intervisie",
    "weekoverzicht",
    "terugblik",
    "antwoord",
];

const STATUSES: [&str; 5] = ["open", "opgepakt", "opgelost", "overgeplaatst", "geen"];

/// When an expectation is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum When {
    /// At this moment.
    At(DateTime<Utc>),
    /// At some moment up to this one.
    By(DateTime<Utc>),
}

impl When {
    /// The moment the verdict is final.
    pub(super) fn deadline(self) -> DateTime<Utc> {
        match self {
            When::At(t) | When::By(t) => t,
        }
    }
}

/// A checked `[[expect]]` entry, ready to evaluate.
#[derive(Debug, Clone)]
pub(super) struct Expectation {
    pub(super) when: When,
    /// Where the period begins: counted messages and a `by` that holds count from here.
    pub(super) from: DateTime<Utc>,
    note: Option<String>,
    kind: Kind,
    /// "Expectation 3 (`at 2026-10-09 16:00`)", as the verdict names it.
    pub(super) label: String,
}

#[derive(Debug, Clone)]
enum Kind {
    Message(MessageCheck),
    Sent(SentCheck),
    Nothing(NothingCheck),
    InHours(InHoursCheck),
    Escalation(EscalationCheck),
    Escalations(EscalationsCheck),
    Stored(StoredCheck),
}

/// Checks every entry: one kind each, known people, kinds and statuses, readable moments.
/// An entry without `at` or `by` is checked at `end`.
pub(super) fn prepare(
    written: &[Written],
    cast: &Cast,
    tz: Tz,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    file: &str,
) -> Result<Vec<Expectation>, ScenarioError> {
    written
        .iter()
        .enumerate()
        .map(|(i, w)| prepare_one(w, cast, tz, (start, end), file, i + 1))
        .collect()
}

fn prepare_one(
    w: &Written,
    cast: &Cast,
    tz: Tz,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    file: &str,
    n: usize,
) -> Result<Expectation, ScenarioError> {
    let bad = |why: String| invalid(file, format!("expect {n}: {why}"));
    let time = |text: &str, day_end: bool| {
        moment(tz, text, day_end).ok_or_else(|| {
            bad(format!(
                "tijd `{text}` is geen YYYY-MM-DD HH:MM of YYYY-MM-DD / not a moment"
            ))
        })
    };
    let when = match (&w.at, &w.by) {
        (Some(_), Some(_)) => return Err(bad("`at` of `by`, niet allebei / not both".into())),
        (Some(at), None) => When::At(time(at, true)?),
        (None, Some(by)) => When::By(time(by, true)?),
        (None, None) => When::At(end),
    };
    let from = w
        .from
        .as_deref()
        .map(|f| time(f, false))
        .transpose()?
        .unwrap_or(start);
    let kinds: Vec<Kind> = [
        w.message.clone().map(Kind::Message),
        w.sent.clone().map(Kind::Sent),
        w.nothing.clone().map(Kind::Nothing),
        w.in_hours.clone().map(Kind::InHours),
        w.escalation.clone().map(Kind::Escalation),
        w.escalations.clone().map(Kind::Escalations),
        w.stored.clone().map(Kind::Stored),
    ]
    .into_iter()
    .flatten()
    .collect();
    let [kind] = <[Kind; 1]>::try_from(kinds).map_err(|_| {
        bad("precies één soort: message, sent, nothing, in_hours, escalation, escalations of stored / exactly one kind".into())
    })?;
    check_kind(&kind, cast).map_err(bad)?;
    let label = match when {
        When::At(t) if t == end && w.at.is_none() => format!("verwachting {n} (einde)"),
        When::At(_) => format!(
            "verwachting {n} (at {})",
            w.at.as_deref().unwrap_or_default()
        ),
        When::By(_) => format!(
            "verwachting {n} (by {})",
            w.by.as_deref().unwrap_or_default()
        ),
    };
    Ok(Expectation {
        when,
        from,
        note: w.note.clone(),
        kind,
        label,
    })
}

/// The names an entry uses: people in the roster (or `beheer`), known kinds and statuses,
/// and a count where one is needed.
fn check_kind(kind: &Kind, cast: &Cast) -> Result<(), String> {
    let person = |id: &str| match cast.contains(id) || id == ADMIN {
        true => Ok(()),
        false => Err(format!("onbekende persoon / unknown person `{id}`")),
    };
    let message_kind = |k: &str| match KINDS.contains(&k) {
        true => Ok(()),
        false => Err(format!(
            "onbekende soort / unknown kind `{k}` (kies / choose: {})",
            KINDS.join(", ")
        )),
    };
    let status = |s: &str| match STATUSES.contains(&s) {
        true => Ok(()),
        false => Err(format!(
            "onbekende status / unknown status `{s}` (kies / choose: {})",
            STATUSES.join(", ")
        )),
    };
    let count = |c: &Count| match c.is_empty() {
        true => Err("count, at_least of at_most ontbreekt / missing".to_string()),
        false => Ok(()),
    };
    match kind {
        Kind::Message(m) => {
            person(&m.to)?;
            m.kind.as_deref().map(message_kind).transpose()?;
            if m.contains.is_some() == m.lacks.is_some() {
                return Err("message: `contains` of `lacks` (één van beide) / one of them".into());
            }
        }
        Kind::Sent(s) => {
            s.to.as_deref().map(person).transpose()?;
            s.kind.as_deref().map(message_kind).transpose()?;
            count(&s.count)?;
            if s.per_day && (s.count.count.is_some() || s.count.at_least.is_some()) {
                return Err("sent: per_day gaat alleen met at_most / only with at_most".into());
            }
        }
        Kind::Nothing(n) => person(&n.to)?,
        Kind::InHours(h) => {
            h.to.as_deref().map(person).transpose()?;
            message_kind(&h.kind)?;
        }
        Kind::Escalation(e) => {
            person(&e.wpb)?;
            e.student.as_deref().map(person).transpose()?;
            status(&e.status)?;
        }
        Kind::Escalations(e) => {
            e.wpb.as_deref().map(person).transpose()?;
            e.student.as_deref().map(person).transpose()?;
            e.status.as_deref().map(status).transpose()?;
            count(&e.count)?;
        }
        Kind::Stored(s) => {
            person(&s.person)?;
            if !["reflecties", "gedeelde-reflecties", "signalen"].contains(&s.what.as_str()) {
                return Err(format!(
                    "stored: `what` is reflecties, gedeelde-reflecties of signalen, niet / not `{}`",
                    s.what
                ));
            }
            if let Some(v) = &s.value {
                KlikValue::parse(v)
                    .map_err(|_| format!("stored: onbekende klik / unknown value `{v}`"))?;
            }
            count(&s.count)?;
        }
    }
    Ok(())
}

/// The reader id of messages to the deployment's admin contact.
pub(super) const ADMIN: &str = "beheer";

/// What a check found: whether it held, what was found, and the transcript line that shows it.
pub(super) struct Found {
    pub(super) holds: bool,
    pub(super) found: String,
    /// A line to show around when it fails; the evaluation point when `None`.
    pub(super) line: Option<usize>,
}

/// What an evaluation may read.
pub(super) struct World<'a> {
    pub(super) store: &'a Store,
    pub(super) shown: &'a [Shown],
    pub(super) cast: &'a Cast,
    pub(super) config: &'a Config,
    /// The moment of the evaluation.
    pub(super) now: DateTime<Utc>,
}

impl Expectation {
    /// What the expectation says, in the scenario's words.
    pub(super) fn describe(&self, cast: &Cast) -> String {
        let name = |id: &str| cast.name(id);
        let kind_of = |k: &Option<String>| {
            k.as_deref()
                .map_or("bericht".into(), |k| format!("bericht ({k})"))
        };
        let text = match &self.kind {
            Kind::Message(m) => match (&m.contains, &m.lacks) {
                (Some(c), _) => format!("{} aan {} bevat “{c}”", kind_of(&m.kind), name(&m.to)),
                (_, l) => format!(
                    "geen {} aan {} bevat “{}”",
                    kind_of(&m.kind),
                    name(&m.to),
                    l.as_deref().unwrap_or_default()
                ),
            },
            Kind::Sent(s) => format!(
                "{} {}{} {}",
                s.count.describe(),
                s.kind.as_deref().unwrap_or("bericht(en)"),
                s.to.as_deref()
                    .map(|t| format!(" aan {}", name(t)))
                    .unwrap_or_default(),
                match (s.per_day, &s.to) {
                    (true, Some(_)) => "per dag",
                    (true, None) => "per persoon per dag",
                    (false, _) => "in de periode",
                }
            ),
            Kind::Nothing(n) => format!("niets verstuurd aan {}", name(&n.to)),
            Kind::InHours(h) => format!(
                "elke {}{} binnen werktijd op een schooldag",
                h.kind,
                h.to.as_deref()
                    .map(|t| format!(" aan {}", name(t)))
                    .unwrap_or_default()
            ),
            Kind::Escalation(e) => format!(
                "escalatie {}{}: {}",
                name(&e.wpb),
                e.student
                    .as_deref()
                    .map(|s| format!(" – {}", name(s)))
                    .unwrap_or_default(),
                e.status
            ),
            Kind::Escalations(e) => format!(
                "{} escalatie(s){}{}{}",
                e.count.describe(),
                e.wpb
                    .as_deref()
                    .map(|w| format!(" van {}", name(w)))
                    .unwrap_or_default(),
                e.student
                    .as_deref()
                    .map(|s| format!(" – {}", name(s)))
                    .unwrap_or_default(),
                e.status
                    .as_deref()
                    .map(|s| format!(", status {s}"))
                    .unwrap_or_default()
            ),
            Kind::Stored(s) => format!(
                "{} {}{} van {} opgeslagen",
                s.count.describe(),
                s.what,
                s.value
                    .as_deref()
                    .map(|v| format!(" “{v}”"))
                    .unwrap_or_default(),
                name(&s.person)
            ),
        };
        match &self.note {
            Some(note) => format!("{text} — {note}"),
            None => text,
        }
    }

    /// Whether it holds in `world`.
    pub(super) async fn evaluate(&self, world: &World<'_>) -> Result<Found, ScenarioError> {
        let in_period: Vec<&Shown> = world
            .shown
            .iter()
            .filter(|s| s.at >= self.from && s.at <= world.now)
            .collect();
        Ok(match &self.kind {
            Kind::Message(m) => message_found(m, &in_period),
            Kind::Sent(s) => sent_found(s, &in_period, world),
            Kind::Nothing(n) => nothing_found(n, &in_period),
            Kind::InHours(h) => in_hours_found(h, &in_period, world),
            Kind::Escalation(e) => {
                let mine = escalations_of(world, Some(&e.wpb), e.student.as_deref(), None).await?;
                let newest = mine.last().map_or("geen", |s| status_word(*s));
                Found {
                    holds: newest == e.status,
                    found: format!("status {newest}"),
                    line: None,
                }
            }
            Kind::Escalations(e) => {
                let n = escalations_of(
                    world,
                    e.wpb.as_deref(),
                    e.student.as_deref(),
                    e.status.as_deref(),
                )
                .await?
                .len();
                counted(&e.count, n)
            }
            Kind::Stored(s) => counted(&s.count, stored(world, s).await?),
        })
    }
}

/// A count that must match, as found.
fn counted(count: &Count, n: usize) -> Found {
    Found {
        holds: count.holds(n),
        found: format!("{n} gevonden"),
        line: None,
    }
}

/// `message`: what the person saw in the period, searched for the text.
fn message_found(m: &MessageCheck, in_period: &[&Shown]) -> Found {
    let seen: Vec<&Shown> = in_period
        .iter()
        .copied()
        .filter(|s| s.seen_by.contains(&m.to))
        .filter(|s| m.kind.as_ref().is_none_or(|k| *k == s.kind))
        .collect();
    let none = || format!("{} bericht(en) gezien, geen met die tekst", seen.len());
    match (&m.contains, &m.lacks) {
        (Some(text), _) => {
            let hit = seen.iter().find(|s| contains(&s.text, text));
            Found {
                holds: hit.is_some(),
                found: hit.map_or_else(none, |s| format!("gevonden in een {} om {}", s.kind, s.at)),
                line: hit.or(seen.last()).map(|s| s.line),
            }
        }
        (_, lacks) => {
            let text = lacks.as_deref().unwrap_or_default();
            let hit = seen.iter().find(|s| contains(&s.text, text));
            Found {
                holds: hit.is_none(),
                found: hit.map_or_else(none, |s| {
                    format!("toch gevonden in een {}: “{}”", s.kind, one_line(&s.text))
                }),
                line: hit.map(|s| s.line),
            }
        }
    }
}

/// `sent`: the messages of the kind (every kind but replies when none is named) to the person
/// (anyone when none is named), counted over the period or per person per day.
fn sent_found(s: &SentCheck, in_period: &[&Shown], world: &World<'_>) -> Found {
    let hits: Vec<&Shown> = in_period
        .iter()
        .copied()
        .filter(|x| s.to.as_ref().is_none_or(|t| x.seen_by.contains(t)))
        .filter(|x| match &s.kind {
            Some(k) => x.kind == *k,
            None => x.kind != "antwoord",
        })
        .collect();
    let line = hits.last().map(|h| h.line);
    if !s.per_day {
        return Found {
            line,
            ..counted(&s.count, hits.len())
        };
    }
    let tz = world.config.defaults.calendar.tz;
    let mut per_day = std::collections::BTreeMap::new();
    for h in &hits {
        let day = h.at.with_timezone(&tz).date_naive();
        let readers = h
            .seen_by
            .iter()
            .filter(|r| s.to.as_ref().is_none_or(|t| t == *r));
        for reader in readers {
            *per_day.entry((reader.clone(), day)).or_insert(0) += 1;
        }
    }
    let worst = per_day.iter().max_by_key(|(_, n)| **n);
    Found {
        holds: per_day.values().all(|n| s.count.holds(*n)),
        found: worst.map_or_else(
            || "geen enkele".into(),
            |((who, day), n)| format!("de drukste dag: {n} aan {} op {day}", world.cast.name(who)),
        ),
        line,
    }
}

/// `nothing`: the first message to the person in the period, if any.
fn nothing_found(n: &NothingCheck, in_period: &[&Shown]) -> Found {
    let first = in_period
        .iter()
        .find(|x| x.kind != "antwoord" && x.seen_by.contains(&n.to));
    Found {
        holds: first.is_none(),
        found: first.map_or_else(
            || "niets".into(),
            |x| format!("een {} om {}: “{}”", x.kind, x.at, one_line(&x.text)),
        ),
        line: first.map(|x| x.line),
    }
}

/// `in_hours`: the first message of the kind that arrived outside its reader's window.
fn in_hours_found(h: &InHoursCheck, in_period: &[&Shown], world: &World<'_>) -> Found {
    let outside = in_period
        .iter()
        .filter(|x| x.kind == h.kind)
        .filter(|x| h.to.as_ref().is_none_or(|t| x.seen_by.contains(t)))
        .find(|x| !in_hours(x, world));
    Found {
        holds: outside.is_none(),
        found: outside.map_or_else(
            || "alles binnen werktijd".into(),
            |x| format!("een {} aan {} om {}", x.kind, x.seen_by.join(", "), x.at),
        ),
        line: outside.map(|x| x.line),
    }
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

fn one_line(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// A message arrived inside the working window of its (first) reader's school.
fn in_hours(x: &Shown, world: &World<'_>) -> bool {
    let school = x.seen_by.first().and_then(|p| world.cast.school(p));
    let calendar = match &school {
        Some(s) => &world.config.school(s).calendar,
        None => &world.config.defaults.calendar,
    };
    calendar.in_window(x.at)
}

fn status_word(s: EscalationStatus) -> &'static str {
    match s {
        EscalationStatus::Open => "open",
        EscalationStatus::Acknowledged => "opgepakt",
        EscalationStatus::Resolved => "opgelost",
        EscalationStatus::Moved => "overgeplaatst",
    }
}

/// The statuses of the escalations of the pairings of `wpb` (and `student`), oldest first.
async fn escalations_of(
    world: &World<'_>,
    wpb: Option<&str>,
    student: Option<&str>,
    status: Option<&str>,
) -> Result<Vec<EscalationStatus>, ScenarioError> {
    let mut out = Vec::new();
    for x in world.store.escalations().await? {
        let Some(p) = world.store.pairing(x.pairing.clone()).await? else {
            continue;
        };
        if wpb.is_some_and(|w| p.wpb.as_str() != w)
            || student.is_some_and(|s| p.student.as_str() != s)
            || status.is_some_and(|s| status_word(x.status) != s)
        {
            continue;
        }
        out.push(x.status);
    }
    Ok(out)
}

/// How many reflections or signals of the person are stored.
async fn stored(world: &World<'_>, s: &StoredCheck) -> Result<usize, ScenarioError> {
    let person = PersonId::from_trusted(s.person.clone());
    let store = world.store;
    if s.what != "signalen" {
        let shared_only = s.what == "gedeelde-reflecties";
        return Ok(store
            .reflections_of(&person, shared_only, DateTime::<Utc>::MIN_UTC)
            .await?
            .len());
    }
    let source = match world.cast.role(&s.person) {
        Some(Role::Student) => SignalSource::Student,
        _ => SignalSource::Wpb,
    };
    let value = s.value.as_deref().and_then(|v| KlikValue::parse(v).ok());
    let mut n = 0;
    for (pairing, p) in store.pairings_of(&person).await? {
        let on_my_side = match source {
            SignalSource::Student => p.student == person,
            SignalSource::Wpb => p.wpb == person,
        };
        if !on_my_side {
            continue;
        }
        n += store
            .signals_of(pairing, i64::MAX)
            .await?
            .iter()
            .filter(|x| x.source == source && value.is_none_or(|v| v == x.value))
            .count();
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_holds_within_all_its_bounds() {
        let c = |count, at_least, at_most| Count {
            count,
            at_least,
            at_most,
        };
        for (bounds, n, holds) in [
            (c(Some(2), None, None), 2, true),
            (c(Some(2), None, None), 3, false),
            (c(None, Some(1), None), 0, false),
            (c(None, Some(1), None), 5, true),
            (c(None, None, Some(1)), 1, true),
            (c(None, None, Some(1)), 2, false),
            (c(None, Some(1), Some(3)), 2, true),
            (c(None, Some(1), Some(3)), 4, false),
        ] {
            assert_eq!(bounds.holds(n), holds, "{bounds:?} with {n}");
        }
        assert!(c(None, None, None).is_empty());
        assert_eq!(
            c(None, Some(1), Some(3)).describe(),
            "minstens 1 en hoogstens 3"
        );
    }

    #[test]
    fn matching_ignores_case_and_a_long_text_is_cut_on_one_line() {
        assert!(contains("Escalatie klik #1", "escalatie"));
        assert!(!contains("Escalatie", "klik"));
        let long = "woord\n".repeat(40);
        let line = one_line(&long);
        assert!(!line.contains('\n'));
        assert!(line.ends_with('…'));
        assert_eq!(line.chars().count(), 101);
    }
}
