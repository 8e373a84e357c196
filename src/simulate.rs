//! Scenario runner behind `demo` and `simulate`: a virtual clock drives the real engine, a
//! SQLite file and the console transport; scripted people answer, tap klik and act.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

use crate::app::Engine;
use crate::app::inbox::{EscalationAction, Inbound, ReflectionTarget, Refusal, Sender, UserError};
use crate::app::messages::Message;
use crate::app::ports::{Clock, VirtualClock};
use crate::chat::console::ConsoleChat;
use crate::chat::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::config::{Config, DatabaseSource, database_open_failure};
use crate::domain::language::Language;
use crate::domain::prompts::Catalogue;
use crate::domain::roster::{PersonId, Role};
use crate::roster_import::{RosterFormat, parse_roster};
use crate::store::{EscalationStatus, Store};

/// The built-in demo: one school, two teams, six wpbs, eight students, six school weeks.
pub const DEMO_SCENARIO: &str = include_str!("../scenarios/demo.toml");

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario {file}: {message}")]
    Invalid { file: String, message: String },
    #[error(transparent)]
    Engine(#[from] crate::app::engine::EngineError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The database file could not be opened; the message names it and where it came from.
    #[error("{0}")]
    OpenDatabase(String),
}

/// A fresh SQLite file in the temp folder named after the scenario file's stem, so a scenario
/// path with folders in it (`scenarios/demo.toml`) still names one file.
pub fn default_db_path(scenario: &str) -> std::path::PathBuf {
    let stem = std::path::Path::new(scenario)
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy());
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    std::env::temp_dir().join(format!(
        "wandelgang-{stem}-{stamp}-{}.db",
        std::process::id()
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    title: String,
    /// First local day (a Monday reads best); the run starts at 00:00 local time.
    start: NaiveDate,
    weeks: u32,
    #[serde(default = "default_step")]
    step_minutes: i64,
    #[serde(default)]
    config: toml::Table,
    roster: toml::Table,
    #[serde(default)]
    respond: Vec<Responder>,
    #[serde(default)]
    event: Vec<Event>,
}

fn default_step() -> i64 {
    10
}

/// A wpb who answers each prompt after a delay, with the next line and klik values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Responder {
    wpb: String,
    #[serde(default = "default_delay")]
    delay_minutes: i64,
    #[serde(default)]
    answers: Vec<String>,
    /// One value per answered prompt, given for every student on it; empty = no taps.
    #[serde(default)]
    klik: Vec<String>,
    /// Indices (0-based) of answers the wpb shares with the schoolopleider.
    #[serde(default)]
    share: Vec<usize>,
}

fn default_delay() -> i64 {
    45
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Event {
    /// Local time, "YYYY-MM-DD HH:MM".
    at: String,
    who: String,
    action: String,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    student: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    until: Option<NaiveDate>,
    #[serde(default)]
    share: bool,
    /// For escalation actions: the wpb of the pairing whose escalation is meant.
    #[serde(default)]
    wpb: Option<String>,
}

#[derive(Debug, Clone)]
enum Planned {
    Script(Event),
    Answer {
        wpb: String,
        key: String,
        text: Option<String>,
        share: bool,
        klik: Option<String>,
        students: Vec<String>,
    },
}

pub struct RunSummary {
    pub database: String,
    pub prompts_sent: usize,
    pub escalations: usize,
}

fn invalid(file: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        file: file.to_string(),
        message: message.into(),
    }
}

/// Runs a scenario file's text against a fresh SQLite database at `db_path`, writing the transcript to `out`.
pub async fn run(
    text: &str,
    file: &str,
    db_path: &std::path::Path,
    db_source: &DatabaseSource,
    out: Box<dyn Write + Send>,
) -> Result<RunSummary, ScenarioError> {
    let scenario: Scenario = toml::from_str(text).map_err(|e| invalid(file, e.to_string()))?;
    if scenario.weeks == 0 || scenario.weeks > 52 {
        return Err(invalid(file, "weeks moet 1–52 zijn / weeks must be 1–52"));
    }
    if !(1..=60).contains(&scenario.step_minutes) {
        return Err(invalid(
            file,
            "step_minutes moet 1–60 zijn / step_minutes must be 1–60",
        ));
    }
    let config_text =
        toml::to_string(&scenario.config).map_err(|e| invalid(file, e.to_string()))?;
    let config = Config::from_toml_str(&config_text, &format!("{file} [config]"), &BTreeMap::new())
        .map_err(|e| invalid(file, e.to_string()))?;
    let roster_text =
        toml::to_string(&scenario.roster).map_err(|e| invalid(file, e.to_string()))?;
    let roster = parse_roster(&roster_text, RosterFormat::Toml)
        .map_err(|e| invalid(file, format!("[roster]\n{e}")))?;
    let tz: Tz = config.defaults.calendar.tz;
    let default_language = config.defaults.language;

    let url = format!("sqlite://{}", db_path.display());
    let store = Store::open(&url)
        .await
        .map_err(|e| ScenarioError::OpenDatabase(database_open_failure(&url, db_source, &e)))?;
    store.import_roster(&roster).await?;

    let start = local(tz, scenario.start.and_hms_opt(0, 0, 0).unwrap_or_default())
        .ok_or_else(|| invalid(file, "start"))?;
    let end = start + Duration::weeks(i64::from(scenario.weeks));
    let clock = VirtualClock::new(start);
    let console = Arc::new(ConsoleChat::new(out, Arc::new(clock.clone()), tz));
    let engine = Engine::new(
        store.clone(),
        SharedConsole(console.clone()),
        clock.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );

    let people: BTreeMap<String, (Role, String)> = roster
        .people
        .iter()
        .map(|p| (p.id.to_string(), (p.role, p.name.clone())))
        .collect();
    let languages: BTreeMap<String, Language> = roster
        .people
        .iter()
        .map(|p| (p.id.to_string(), p.language.unwrap_or(default_language)))
        .collect();
    let mut agenda: BTreeMap<(DateTime<Utc>, usize), Planned> = BTreeMap::new();
    for (i, e) in scenario.event.iter().enumerate() {
        if !people.contains_key(&e.who) {
            return Err(invalid(
                file,
                format!(
                    "event {}: onbekende persoon / unknown person `{}`",
                    i + 1,
                    e.who
                ),
            ));
        }
        let at = NaiveDateTime::parse_from_str(&e.at, "%Y-%m-%d %H:%M")
            .ok()
            .and_then(|t| local(tz, t))
            .ok_or_else(|| {
                invalid(
                    file,
                    format!(
                        "event {}: tijd `{}` is geen YYYY-MM-DD HH:MM / not YYYY-MM-DD HH:MM",
                        i + 1,
                        e.at
                    ),
                )
            })?;
        agenda.insert((at, i), Planned::Script(e.clone()));
    }
    let mut responders: BTreeMap<String, (Responder, usize)> = BTreeMap::new();
    for r in scenario.respond {
        if people.get(&r.wpb).map(|(role, _)| *role) != Some(Role::Wpb) {
            return Err(invalid(
                file,
                format!("respond: `{}` is geen wpb / is not a wpb", r.wpb),
            ));
        }
        responders.insert(r.wpb.clone(), (r, 0));
    }

    let ctx = RenderContext {
        language: Language::Nl,
        tz,
        max_chars: DEFAULT_MAX_CHARS,
    };
    console.note(&format!("=== {} ===", scenario.title));
    console.note(&format!("Database: {}", db_path.display()));
    console.note(&format!(
        "Van {} tot {} (virtuele klok)\n",
        render::local_time(start, &ctx),
        render::local_time(end, &ctx)
    ));

    let mut seq = scenario.event.len();
    let mut t = start;
    while t < end {
        while let Some((&(at, i), _)) = agenda.iter().next() {
            if at > t {
                break;
            }
            let Some(item) = agenda.remove(&(at, i)) else {
                break;
            };
            clock.set(at);
            perform(&engine, &console, &people, &languages, item, &ctx).await?;
        }
        clock.set(t);
        engine.tick().await?;
        for m in console.take_delivered() {
            let Message::Prompt { students, .. } = &m.body else {
                continue;
            };
            let Some((r, n)) = responders.get_mut(m.to.person.as_str()) else {
                continue;
            };
            let idx = *n;
            *n += 1;
            let text = r.answers.get(idx).cloned().filter(|t| !t.is_empty());
            let klik = r.klik.get(idx).cloned().filter(|k| !k.is_empty());
            if text.is_none() && klik.is_none() {
                continue;
            }
            seq += 1;
            agenda.insert(
                (t + Duration::minutes(r.delay_minutes), seq),
                Planned::Answer {
                    wpb: r.wpb.clone(),
                    key: m.key.clone(),
                    text,
                    share: r.share.contains(&idx),
                    klik,
                    students: students.iter().map(|s| s.id.to_string()).collect(),
                },
            );
        }
        t += Duration::minutes(scenario.step_minutes);
    }
    clock.set(end);
    engine.tick().await?;
    let summary = closing_table(&store, &console, &people).await?;
    store.close().await;
    Ok(RunSummary {
        database: db_path.display().to_string(),
        ..summary
    })
}

fn local(tz: Tz, t: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&t)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Shares one console between the engine and the runner's own transcript notes.
#[derive(Clone)]
struct SharedConsole(Arc<ConsoleChat>);

#[async_trait::async_trait]
impl crate::app::ports::Chat for SharedConsole {
    async fn send(
        &self,
        message: &crate::app::messages::OutboundMessage,
    ) -> Result<(), crate::app::ports::ChatError> {
        self.0.send(message).await
    }
}

async fn perform(
    engine: &Engine<SharedConsole, VirtualClock>,
    console: &ConsoleChat,
    people: &BTreeMap<String, (Role, String)>,
    languages: &BTreeMap<String, Language>,
    item: Planned,
    ctx: &RenderContext,
) -> Result<(), ScenarioError> {
    let sender = match &item {
        Planned::Answer { wpb, .. } => wpb.clone(),
        Planned::Script(e) => e.who.clone(),
    };
    let ctx = &RenderContext {
        language: languages.get(&sender).copied().unwrap_or(ctx.language),
        ..*ctx
    };
    let when = render::local_time(engine.clock.now(), ctx);
    let name = |id: &str| {
        people
            .get(id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    };
    let mut events: Vec<(String, Inbound)> = Vec::new();
    match item {
        Planned::Answer {
            wpb,
            key,
            text,
            share,
            klik,
            students,
        } => {
            let from = Sender::Person(PersonId::from_trusted(wpb.clone()));
            if let Some(text) = text {
                let label = if share {
                    "reflectie (gedeeld)"
                } else {
                    "reflectie"
                };
                events.push((
                    format!("{} → {label}: “{text}”", name(&wpb)),
                    Inbound::Reflection {
                        from: from.clone(),
                        text,
                        target: ReflectionTarget::Prompt(key),
                        share,
                    },
                ));
            }
            if let Some(value) = klik {
                for s in students {
                    events.push((
                        format!("{} → klik {}: {value}", name(&wpb), name(&s)),
                        Inbound::Klik {
                            from: from.clone(),
                            student: Some(PersonId::from_trusted(s)),
                            value: value.clone(),
                        },
                    ));
                }
            }
        }
        Planned::Script(e) => {
            let from = Sender::Person(PersonId::from_trusted(e.who.clone()));
            let who = name(&e.who);
            let event = match e.action.as_str() {
                "klik" => {
                    let value = e.value.clone().unwrap_or_default();
                    let about = e
                        .student
                        .as_deref()
                        .map(|s| format!(" {}", name(s)))
                        .unwrap_or_default();
                    let label = if people.get(&e.who).is_some_and(|(r, _)| *r == Role::Student) {
                        "vertrouwelijke klik"
                    } else {
                        "klik"
                    };
                    (
                        format!("{who} → {label}{about}: {value}"),
                        Inbound::Klik {
                            from,
                            student: e.student.clone().map(PersonId::from_trusted),
                            value,
                        },
                    )
                }
                "reflectie" => {
                    let text = e.text.clone().unwrap_or_default();
                    (
                        format!("{who} → reflectie: “{text}”"),
                        Inbound::Reflection {
                            from,
                            text,
                            target: ReflectionTarget::LatestOpenPrompt,
                            share: e.share,
                        },
                    )
                }
                "pauze" => {
                    let until = e.until.unwrap_or_default();
                    (
                        format!("{who} → pauze tot en met {until}"),
                        Inbound::Pause { from, until },
                    )
                }
                "hervat" => (format!("{who} → hervat"), Inbound::Resume { from }),
                "oppakken" | "oplossen" | "overplaatsen" => {
                    let action = match e.action.as_str() {
                        "oppakken" => EscalationAction::Acknowledge,
                        "oplossen" => EscalationAction::Resolve,
                        _ => EscalationAction::Move,
                    };
                    let mut open = None;
                    for x in engine
                        .store
                        .escalations()
                        .await?
                        .into_iter()
                        .rev()
                        .filter(|x| !x.status.is_closed())
                    {
                        let wpb = engine
                            .store
                            .pairing(x.pairing.clone())
                            .await?
                            .map(|p| p.wpb.to_string());
                        if e.wpb.is_none() || wpb == e.wpb {
                            open = Some(x);
                            break;
                        }
                    }
                    let Some(open) = open else {
                        console.note(&format!(
                            "[{when}] {who} → {}: (geen open escalatie)",
                            e.action
                        ));
                        return Ok(());
                    };
                    (
                        format!("{who} → {} escalatie #{}", e.action, open.id),
                        Inbound::Escalation {
                            from,
                            escalation_id: open.id,
                            action,
                        },
                    )
                }
                "intervisie" => {
                    let case = e.text.clone().unwrap_or_default();
                    (
                        format!("{who} → intervisie, casus: “{case}”"),
                        Inbound::IntervisieStart {
                            from,
                            case,
                            reflection_id: None,
                        },
                    )
                }
                // A wpb turns their latest reflection into the case.
                "intervisie-reflectie" => {
                    let own = engine
                        .store
                        .reflections_of(
                            &PersonId::from_trusted(e.who.clone()),
                            false,
                            DateTime::<Utc>::MIN_UTC,
                        )
                        .await?;
                    (
                        format!("{who} → intervisie met de laatste eigen reflectie als casus"),
                        Inbound::IntervisieStart {
                            from,
                            case: String::new(),
                            reflection_id: Some(own.last().map_or(0, |r| r.id)),
                        },
                    )
                }
                "ritme" => {
                    let value = e.value.clone().unwrap_or_default();
                    (
                        format!("{who} → ritme: {value}"),
                        Inbound::SetRhythm {
                            from,
                            per_week: value.parse().ok(),
                        },
                    )
                }
                "escalaties" => (
                    format!("{who} → escalaties"),
                    Inbound::ListEscalations { from },
                ),
                "overzicht" => (
                    format!("{who} → overzicht"),
                    Inbound::SchoolOverview { from },
                ),
                "mijngegevens" => (format!("{who} → mijngegevens"), Inbound::ExportOwn { from }),
                "vergeet-mij" => {
                    let confirm = e.value.as_deref() == Some("bevestig");
                    let label = if confirm {
                        "vergeet-mij (bevestigd)"
                    } else {
                        "vergeet-mij"
                    };
                    (
                        format!("{who} → {label}"),
                        Inbound::ForgetSelf { from, confirm },
                    )
                }
                "intervisie-post" => {
                    let text = e.text.clone().unwrap_or_default();
                    (
                        format!("{who} → intervisie: “{text}”"),
                        Inbound::IntervisiePost { from, text },
                    )
                }
                "intervisie-door" => (
                    format!("{who} → intervisie naar de volgende fase"),
                    Inbound::IntervisieAdvance { from },
                ),
                "opbrengst" => {
                    let text = e.text.clone().unwrap_or_default();
                    (
                        format!("{who} → opbrengst: “{text}”"),
                        Inbound::IntervisieTakeaway { from, text },
                    )
                }
                other => {
                    return Err(ScenarioError::Invalid {
                        file: "scenario".into(),
                        message: format!("onbekende actie / unknown action `{other}`"),
                    });
                }
            };
            events.push(event);
        }
    }
    for (line, event) in events {
        console.note(&format!("[{when}] {line}"));
        let text = match engine.handle(event).await {
            Ok(r) => render::reply(&r, ctx),
            Err(Refusal::User(UserError::WhichStudent(names))) => {
                render::user_error(&UserError::WhichStudent(names), ctx)
            }
            Err(Refusal::User(e)) => format!("geweigerd: {}", render::user_error(&e, ctx)),
            Err(Refusal::Internal(e)) => return Err(e.into()),
        };
        console.note(&format!("      ← {}", text.replace('\n', "\n        ")));
        // Follow-ups and escalation notices go out right away, as in the real bot.
        engine.tick().await?;
    }
    Ok(())
}

async fn closing_table(
    store: &Store,
    console: &ConsoleChat,
    people: &BTreeMap<String, (Role, String)>,
) -> Result<RunSummary, ScenarioError> {
    let counts = store.outbox_counts().await?;
    let count = |who: &str, kind: &str, status: &str| {
        counts
            .iter()
            .filter(|(r, k, s, _)| r == who && k == kind && s == status)
            .map(|c| c.3)
            .sum::<i64>()
    };
    console.note("\n=== Overzicht / Summary ===");
    console.note(&format!(
        "{:<22} {:>9} {:>10} {:>11} {:>13} {:>8}",
        "wpb", "vragen", "gemist", "reflecties", "herinneringen", "klik"
    ));
    let mut prompts_sent = 0;
    let wpbs: BTreeSet<&String> = people
        .iter()
        .filter(|(_, (r, _))| *r == Role::Wpb)
        .map(|(id, _)| id)
        .collect();
    let far_past = DateTime::<Utc>::MIN_UTC;
    for id in wpbs {
        let pid = PersonId::from_trusted(id.clone());
        let sent = count(id, "prompt", "sent");
        prompts_sent += sent as usize;
        let reflections = store.reflections_of(&pid, false, far_past).await?.len();
        let mut signals = 0;
        for (pairing, p) in store.pairings_of(&pid).await? {
            if p.wpb == pid {
                signals += store.signals_of(pairing, 1_000).await?.len();
            }
        }
        console.note(&format!(
            "{:<22} {:>9} {:>10} {:>11} {:>13} {:>8}",
            people.get(id).map_or(id.as_str(), |(_, n)| n.as_str()),
            sent,
            count(id, "prompt", "skipped"),
            reflections,
            count(id, "reminder", "sent"),
            signals
        ));
    }
    let escalations = store.escalations().await?;
    console.note("\nEscalaties / escalations:");
    if escalations.is_empty() {
        console.note("  geen / none");
    }
    for e in &escalations {
        let pairing = store.pairing(e.pairing.clone()).await?;
        let who = pairing.map_or_else(String::new, |p| {
            let n = |id: &PersonId| {
                people
                    .get(id.as_str())
                    .map_or_else(|| id.to_string(), |(_, n)| n.clone())
            };
            format!("{} – {}", n(&p.wpb), n(&p.student))
        });
        let status = match e.status {
            EscalationStatus::Open => "open",
            EscalationStatus::Acknowledged => "opgepakt / acknowledged",
            EscalationStatus::Resolved => "opgelost / resolved",
            EscalationStatus::Moved => "overplaatsing / moved",
        };
        console.note(&format!("  #{} {who}: {status}", e.id));
    }
    Ok(RunSummary {
        database: String::new(),
        prompts_sent,
        escalations: escalations.len(),
    })
}
