//! Where a run stands, kept beside its database so `simulate --db FILE --resume` can go on:
//! the next step, what is still planned, the responders' counts, the bot's process, the
//! verdicts so far, and how much of the transcript and the shown log belong to it.
//!
//! Saved after every busy step and every action; a run killed in between repeats at most
//! the ticks since (which the engine makes harmless), not an action.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use super::clock::{Agenda, Responders};
use super::machine::Machine;
use super::record::Shown;
use super::scenario::invalid;
use super::verdicts::{Checks, Verdict};
use super::{ScenarioError, Sim};

/// The files beside a run's database.
pub(super) struct Files {
    state: PathBuf,
    transcript: PathBuf,
    shown: PathBuf,
    /// `<db>.beelden/`: the pictures the console wrote.
    pub(super) pictures: PathBuf,
}

/// A run's progress as saved.
#[derive(Serialize, Deserialize)]
pub(super) struct Progress {
    /// The scenario's text: a run goes on only with the scenario it started with.
    scenario: String,
    /// The next step of the clock.
    pub(super) step: DateTime<Utc>,
    pub(super) agenda: Agenda,
    responders: BTreeMap<String, usize>,
    pub(super) machine: Machine,
    pub(super) checks: Vec<Verdict>,
    transcript_lines: usize,
    shown: usize,
}

impl Files {
    /// `<db>.voortgang.json`, `<db>.transcript.txt`, `<db>.getoond.jsonl` and `<db>.beelden/`.
    pub(super) fn beside(db: &Path) -> Self {
        let with = |suffix: &str| {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        Self {
            state: with(".voortgang.json"),
            transcript: with(".transcript.txt"),
            pictures: with(".beelden"),
            shown: with(".getoond.jsonl"),
        }
    }

    /// The transcript file, opened to append (a resumed run) or created empty.
    pub(super) fn transcript_file(
        &self,
        resume: bool,
    ) -> Result<Option<std::fs::File>, ScenarioError> {
        open(&self.transcript, resume).map(Some)
    }

    /// The shown log file, opened to append (a resumed run) or created empty.
    pub(super) fn shown_file(&self, resume: bool) -> Result<Option<std::fs::File>, ScenarioError> {
        open(&self.shown, resume).map(Some)
    }
}

fn open(path: &Path, append: bool) -> Result<std::fs::File, ScenarioError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(path)
        .map_err(|e| files_error(path, &e))
}

fn files_error(path: &Path, e: &dyn std::fmt::Display) -> ScenarioError {
    ScenarioError::Progress(format!("{}: {e}", path.display()))
}

impl Progress {
    /// A run about to start at `start`.
    pub(super) fn fresh(
        scenario: &str,
        start: DateTime<Utc>,
        agenda: Agenda,
        expectations: usize,
    ) -> Self {
        Self {
            scenario: scenario.to_string(),
            step: start,
            agenda,
            responders: BTreeMap::new(),
            machine: Machine::default(),
            checks: vec![Verdict::Pending; expectations],
            transcript_lines: 0,
            shown: 0,
        }
    }

    /// The responders with the counts this progress holds.
    pub(super) fn responders(&self, fresh: Responders) -> Responders {
        fresh.with_counts(&self.responders)
    }

    /// Writes the progress with `step` as the next step (to a new file, then renamed, so a
    /// crash leaves the old one whole).
    pub(super) fn save(
        &mut self,
        sim: &Sim,
        responders: &Responders,
        checks: &Checks,
        step: DateTime<Utc>,
        files: &Files,
    ) -> Result<(), ScenarioError> {
        self.step = step;
        self.responders = responders.counts();
        self.machine = sim.machine().clone();
        self.checks = checks.verdicts();
        self.transcript_lines = sim.transcript.len();
        self.shown = sim.shown.len();
        let json = serde_json::to_vec(self).map_err(|e| files_error(&files.state, &e))?;
        let tmp = files.state.with_extension("json.tmp");
        std::fs::write(&tmp, json).map_err(|e| files_error(&tmp, &e))?;
        std::fs::rename(&tmp, &files.state).map_err(|e| files_error(&files.state, &e))
    }
}

/// A stopped run's progress with its transcript lines and shown log, cut back to what the
/// progress counts (a run killed after its last save wrote a little more), and the files
/// rewritten to match so appending goes on from there.
pub(super) fn load(
    files: &Files,
    scenario: &str,
    file: &str,
) -> Result<(Progress, Vec<String>, Vec<Shown>), ScenarioError> {
    let text = std::fs::read(&files.state).map_err(|_| {
        invalid(
            file,
            format!(
                "geen opgeslagen run bij / no stored run at {} (start zonder --resume / start without --resume)",
                files.state.display()
            ),
        )
    })?;
    let progress: Progress =
        serde_json::from_slice(&text).map_err(|e| files_error(&files.state, &e))?;
    if progress.scenario != scenario {
        return Err(invalid(
            file,
            "dit scenario verschilt van dat van de opgeslagen run / this scenario differs from the stored run's",
        ));
    }
    let mut lines = read_lines(&files.transcript)?;
    lines.truncate(progress.transcript_lines);
    let mut shown = Vec::new();
    for line in read_lines(&files.shown)?.into_iter().take(progress.shown) {
        shown.push(serde_json::from_str(&line).map_err(|e| files_error(&files.shown, &e))?);
    }
    rewrite(&files.transcript, &lines)?;
    let shown_lines: Vec<String> = shown
        .iter()
        .filter_map(|s: &Shown| serde_json::to_string(s).ok())
        .collect();
    rewrite(&files.shown, &shown_lines)?;
    Ok((progress, lines, shown))
}

fn read_lines(path: &Path) -> Result<Vec<String>, ScenarioError> {
    let f = std::fs::File::open(path).map_err(|e| files_error(path, &e))?;
    std::io::BufReader::new(f)
        .lines()
        .collect::<Result<_, _>>()
        .map_err(|e| files_error(path, &e))
}

fn rewrite(path: &Path, lines: &[String]) -> Result<(), ScenarioError> {
    let mut f = open(path, false)?;
    for l in lines {
        writeln!(f, "{l}").map_err(|e| files_error(path, &e))?;
    }
    Ok(())
}
