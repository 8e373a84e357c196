//! Scenario runner behind `demo` and `simulate`: a virtual clock drives the real engine, a
//! SQLite file and the console transport; scripted people answer, tap klik and act.
//!
//! `scenario` reads and checks the file, `clock` steps the virtual clock through it,
//! `actions` turns each scripted action into what the engine is handed, and `transcript`
//! writes what the reader of the run sees.

mod actions;
mod clock;
mod scenario;
mod transcript;

use chrono::Duration;
use chrono_tz::Tz;
use std::io::Write;
use std::sync::Arc;

use crate::app::Engine;
use crate::app::ports::VirtualClock;
use crate::chat::console::ConsoleChat;
use crate::chat::render::{DEFAULT_MAX_CHARS, RenderContext};
use crate::config::{Config, DatabaseSource, database_open_failure};
use crate::domain::language::Language;
use crate::domain::prompts::Catalogue;
use crate::domain::roster::Roster;
use crate::store::Store;
use clock::{Agenda, Responders};
use scenario::{Cast, Loaded, invalid, local};

/// The built-in demo: one school, two teams, six wpbs, eight students, six school weeks.
pub const DEMO_SCENARIO: &str = include_str!("../../scenarios/demo.toml");

/// Why a scenario did not run to its end.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The scenario file cannot run as written; the message says where and why.
    #[error("scenario {file}: {message}")]
    Invalid {
        /// The scenario file as named on the command line.
        file: String,
        /// What is wrong, Dutch first, then English.
        message: String,
    },
    /// The engine failed while the scenario ran.
    #[error(transparent)]
    Engine(#[from] crate::app::engine::EngineError),
    /// The scenario's database failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The database file could not be opened; the message names it and where it came from.
    #[error("{0}")]
    OpenDatabase(String),
}

/// What a finished run reports back to the command line.
pub struct RunSummary {
    /// Where the run's SQLite file is.
    pub database: String,
    /// Prompts sent to wpbs during the run.
    pub prompts_sent: usize,
    /// Escalations raised during the run.
    pub escalations: usize,
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

/// Runs a scenario file's text against a fresh SQLite database at `db_path`, writing the transcript to `out`.
pub async fn run(
    text: &str,
    file: &str,
    db_path: &std::path::Path,
    db_source: &DatabaseSource,
    out: Box<dyn Write + Send>,
) -> Result<RunSummary, ScenarioError> {
    let Loaded {
        scenario,
        config,
        roster,
    } = scenario::load(text, file)?;
    let tz: Tz = config.defaults.calendar.tz;
    let cast = Cast::new(&roster, config.defaults.language);
    let store = open_store(db_path, db_source, &roster).await?;

    let start = local(tz, scenario.start.and_hms_opt(0, 0, 0).unwrap_or_default())
        .ok_or_else(|| invalid(file, "start"))?;
    let end = start + Duration::weeks(i64::from(scenario.weeks));
    let agenda = Agenda::from_events(&scenario.event, &cast, tz, file)?;
    let responders = Responders::new(scenario.respond, &cast, file)?;

    let sim = Sim::new(store.clone(), config, cast, VirtualClock::new(start), out);
    transcript::header(&sim, &scenario.title, db_path, start, end);
    clock::drive(
        &sim,
        agenda,
        responders,
        (start, end),
        scenario.step_minutes,
    )
    .await?;
    let summary = transcript::closing_table(&store, &sim.console, &sim.cast).await?;
    store.close().await;
    Ok(RunSummary {
        database: db_path.display().to_string(),
        ..summary
    })
}

/// Opens the SQLite file at `db_path` and imports the scenario's roster into it.
async fn open_store(
    db_path: &std::path::Path,
    db_source: &DatabaseSource,
    roster: &Roster,
) -> Result<Store, ScenarioError> {
    let url = format!("sqlite://{}", db_path.display());
    let store = Store::open(&url)
        .await
        .map_err(|e| ScenarioError::OpenDatabase(database_open_failure(&url, db_source, &e)))?;
    store.import_roster(roster).await?;
    Ok(store)
}

/// Everything a running scenario works with: the engine on the virtual clock, the console
/// it writes to, and the people the scenario names.
struct Sim {
    engine: Engine<SharedConsole, VirtualClock>,
    console: Arc<ConsoleChat>,
    clock: VirtualClock,
    cast: Cast,
    /// Dutch in the scenario's time zone; each action is rendered in its actor's language.
    ctx: RenderContext,
}

impl Sim {
    fn new(
        store: Store,
        config: Config,
        cast: Cast,
        clock: VirtualClock,
        out: Box<dyn Write + Send>,
    ) -> Self {
        let tz = config.defaults.calendar.tz;
        let console = Arc::new(ConsoleChat::new(out, Arc::new(clock.clone()), tz));
        let engine = Engine::new(
            store,
            SharedConsole(console.clone()),
            clock.clone(),
            Arc::new(config),
            Arc::new(Catalogue::builtin()),
        );
        let ctx = RenderContext {
            language: Language::Nl,
            tz,
            max_chars: DEFAULT_MAX_CHARS,
        };
        Self {
            engine,
            console,
            clock,
            cast,
            ctx,
        }
    }

    /// The render context in the language of the person with id `who`.
    fn ctx_for(&self, who: &str) -> RenderContext {
        RenderContext {
            language: self.cast.language(who).unwrap_or(self.ctx.language),
            ..self.ctx
        }
    }
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
