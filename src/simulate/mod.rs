//! Scenario runner behind `demo` and `simulate`: a virtual clock drives the real engine, a
//! SQLite file and the console transport; scripted people answer, tap klik and act, the bot
//! goes down and comes back, and the scenario's expectations are checked as the run goes.
//!
//! `scenario` reads and checks the file, `clock` steps the virtual clock through it,
//! `actions` turns each scripted action into what the engine is handed, `machine` plays the
//! bot's process (crashes, downtime, closed DMs), `expect` and `verdicts` check what must be
//! true, `record` keeps what people were shown, `progress` lets a stopped run go on, and
//! `transcript` writes what the reader of the run sees.

mod actions;
mod clock;
mod expect;
mod machine;
mod progress;
mod record;
mod scenario;
mod transcript;
mod verdicts;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::app::Engine;
use crate::app::ports::VirtualClock;
use crate::chat::render::{DEFAULT_MAX_CHARS, RenderContext};
use crate::config::{Config, DatabaseSource, database_open_failure};
use crate::domain::language::Language;
use crate::domain::prompts::Catalogue;
use crate::store::Store;
use clock::{Agenda, Responders};
use machine::{Machine, SharedConsole};
use record::{ShownLog, Transcript};
use scenario::{Cast, Loaded, invalid, local, moment};

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
    /// The files that keep a run's progress beside its database could not be read or written.
    #[error("voortgang / progress: {0}")]
    Progress(String),
}

/// What a finished (or stopped) run reports back to the command line.
#[derive(Debug, Default)]
pub struct RunSummary {
    /// Where the run's SQLite file is.
    pub database: String,
    /// Prompts sent to wpbs during the run.
    pub prompts_sent: usize,
    /// Escalations raised during the run.
    pub escalations: usize,
    /// One line per expectation with its verdict, and the context of each that failed.
    pub verdicts: String,
    /// Expectations that did not hold.
    pub failed: usize,
    /// The moment the run stopped at, when `until` stopped it before its end.
    pub stopped_at: Option<String>,
}

/// How to run: quietly, as the continuation of a stored run, up to a moment.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Echo no transcript; the verdicts are all that is printed.
    pub quiet: bool,
    /// Continue the run stored in the database file instead of starting one.
    pub resume: bool,
    /// Stop after this moment ("YYYY-MM-DD HH:MM" in the scenario's time zone), to resume later.
    pub until: Option<String>,
}

/// A fresh SQLite file in the temp folder named after the scenario file's stem, so a scenario
/// path with folders in it (`scenarios/demo.toml`) still names one file.
pub fn default_db_path(scenario: &str) -> PathBuf {
    let stem = Path::new(scenario)
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy());
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    std::env::temp_dir().join(format!(
        "wandelgang-{stem}-{stamp}-{}.db",
        std::process::id()
    ))
}

/// Runs a scenario file's text against the SQLite database at `db_path` (fresh, or the one
/// a stopped run left with `options.resume`), echoing the transcript to `out`.
pub async fn run(
    text: &str,
    file: &str,
    db_path: &Path,
    db_source: &DatabaseSource,
    out: Box<dyn Write + Send>,
    options: &Options,
) -> Result<RunSummary, ScenarioError> {
    let Loaded {
        scenario,
        config,
        roster,
    } = scenario::load(text, file)?;
    let tz: Tz = config.defaults.calendar.tz;
    let cast = Arc::new(Cast::new(&roster, config.defaults.language));
    let Timeline { start, end, stop } = timeline(&scenario, tz, options, file)?;
    let dir = Path::new(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // People a roster import brings in mid-run can be named from the start.
    for e in scenario.event.iter().filter(|e| e.action == "rooster") {
        if let Ok(later) = actions::roster_file(&dir, e, file)? {
            cast.add(&later);
        }
    }
    let expectations = expect::prepare(&scenario.expect, &cast, tz, (start, end), file)?;
    let files = progress::Files::beside(db_path);
    let url = format!("sqlite://{}", db_path.display());

    let responders = Responders::new(&scenario.respond, &cast, file)?;
    let (state, earlier_lines, earlier_shown) = match options.resume {
        true => progress::load(&files, text, file)?,
        false => {
            let agenda = Agenda::from_events(&scenario.event, &cast, tz, file)?;
            let state = progress::Progress::fresh(text, start, agenda, expectations.len());
            (state, Vec::new(), Vec::new())
        }
    };
    let responders = state.responders(responders);
    // The database first: when it cannot be opened, that is the one error to show.
    let store = open_store(&url, db_source).await?;
    let echo = (!options.quiet).then_some(out);
    let transcript = Transcript::new(earlier_lines, echo, files.transcript_file(options.resume)?);
    let shown = Arc::new(ShownLog::new(
        earlier_shown,
        files.shown_file(options.resume)?,
    ));
    let machine = Arc::new(Mutex::new(state.machine.clone()));
    let config = Arc::new(config);
    let clock = VirtualClock::new(state.step);
    let chat = SharedConsole::new(
        transcript.clone(),
        shown.clone(),
        cast.clone(),
        machine.clone(),
        &clock,
        tz,
        files.pictures.clone(),
    );
    if !options.resume {
        store.import_roster(&roster).await?;
    }
    let sim = Sim {
        engine: Mutex::new(Arc::new(new_engine(store, &chat, &clock, &config))),
        chat,
        clock,
        cast,
        config,
        url,
        db_source: db_source.clone(),
        ctx: RenderContext {
            language: Language::Nl,
            tz,
            max_chars: DEFAULT_MAX_CHARS,
        },
        file: file.to_string(),
        dir,
        transcript,
        shown,
        machine,
    };
    if options.resume {
        sim.note(&format!("\n=== verder / resumed: {} ===", scenario.title));
    } else {
        transcript::header(&sim, &scenario.title, db_path, start, end);
    }
    let mut checks = verdicts::Checks::new(expectations, state.checks.clone());
    let outcome = clock::drive(
        &sim,
        state,
        responders,
        &mut checks,
        (end, stop),
        scenario.step_minutes,
        &files,
    )
    .await?;
    let store = sim.engine().store.clone();
    let mut summary = match outcome {
        clock::Driven::Ended => transcript::closing_table(&store, &sim).await?,
        clock::Driven::Stopped(_) => RunSummary::default(),
    };
    let (verdicts, failed) = checks.report(&sim.cast, &sim.transcript, &sim.ctx);
    store.close().await;
    summary.database = db_path.display().to_string();
    summary.verdicts = verdicts;
    summary.failed = failed;
    if let clock::Driven::Stopped(at) = outcome {
        summary.stopped_at = Some(crate::chat::render::local_time(at, &sim.ctx));
    }
    Ok(summary)
}

/// A run's span on the clock.
struct Timeline {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// The `--until` moment the run stops after, if any.
    stop: Option<DateTime<Utc>>,
}

/// The run's start and end (both at local midnight, so a run over a DST change is still
/// whole days long) and the `--until` moment it stops after, if any.
fn timeline(
    scenario: &scenario::Scenario,
    tz: Tz,
    options: &Options,
    file: &str,
) -> Result<Timeline, ScenarioError> {
    let midnight = |day: chrono::NaiveDate| {
        day.and_hms_opt(0, 0, 0)
            .and_then(|t| local(tz, t))
            .ok_or_else(|| invalid(file, "start"))
    };
    let start = midnight(scenario.start)?;
    let end = midnight(scenario.start + chrono::Days::new(7 * u64::from(scenario.weeks)))?;
    let stop = match &options.until {
        Some(u) => Some(moment(tz, u, false).ok_or_else(|| {
            invalid(
                file,
                format!("--until `{u}` is geen YYYY-MM-DD HH:MM / not a moment"),
            )
        })?),
        None => None,
    };
    Ok(Timeline { start, end, stop })
}

/// Opens (and migrates) the SQLite file at `url`.
async fn open_store(url: &str, db_source: &DatabaseSource) -> Result<Store, ScenarioError> {
    Store::open(url)
        .await
        .map_err(|e| ScenarioError::OpenDatabase(database_open_failure(url, db_source, &e)))
}

/// The engine a scenario drives.
type SimEngine = Engine<SharedConsole, VirtualClock>;

fn new_engine(
    store: Store,
    chat: &SharedConsole,
    clock: &VirtualClock,
    config: &Arc<Config>,
) -> SimEngine {
    Engine::new(
        store,
        chat.clone(),
        clock.clone(),
        config.clone(),
        Arc::new(Catalogue::builtin()),
    )
}

/// Everything a running scenario works with: the engine on the virtual clock (replaced when
/// the bot restarts), the console it writes to, and the people the scenario names.
struct Sim {
    engine: Mutex<Arc<SimEngine>>,
    chat: SharedConsole,
    clock: VirtualClock,
    cast: Arc<Cast>,
    config: Arc<Config>,
    /// The database, for a restarted engine.
    url: String,
    db_source: DatabaseSource,
    /// Dutch in the scenario's time zone; each action is rendered in its actor's language.
    ctx: RenderContext,
    /// The scenario file as named on the command line, for messages.
    file: String,
    /// The scenario file's folder: roster files named in it are found from here.
    dir: PathBuf,
    transcript: Transcript,
    shown: Arc<ShownLog>,
    /// The bot's process as the runner plays it: down, about to crash, who cannot be reached.
    machine: Arc<Mutex<Machine>>,
}

impl Sim {
    /// The engine as it runs now.
    fn engine(&self) -> Arc<SimEngine> {
        self.engine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// A line of the transcript that is not a message.
    fn note(&self, line: &str) {
        self.chat.note(line);
    }

    /// The render context in the language of the person with id `who`.
    fn ctx_for(&self, who: &str) -> RenderContext {
        RenderContext {
            language: self.cast.language(who).unwrap_or(self.ctx.language),
            ..self.ctx
        }
    }

    /// A new engine on the same database, as after a process restart: nothing it held in
    /// memory survives.
    async fn restart(&self) -> Result<(), ScenarioError> {
        let store = open_store(&self.url, &self.db_source).await?;
        let old = std::mem::replace(
            &mut *self.engine.lock().unwrap_or_else(|p| p.into_inner()),
            Arc::new(new_engine(store, &self.chat, &self.clock, &self.config)),
        );
        old.store.close().await;
        Ok(())
    }

    /// The machine's state, to read or change.
    fn machine(&self) -> std::sync::MutexGuard<'_, Machine> {
        self.machine.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The virtual clock's time.
    fn clock_now(&self) -> DateTime<Utc> {
        crate::app::ports::Clock::now(&self.clock)
    }

    /// Whether the bot is down at `t`.
    fn is_down(&self, t: DateTime<Utc>) -> bool {
        self.machine().down_until.is_some_and(|u| t < u)
    }
}
