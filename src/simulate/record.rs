//! What a run leaves behind for the reader and for its expectations: the transcript as
//! lines (echoed unless quiet, kept beside the database for a resumed run) and the log of
//! everything shown to a person, one entry per message or reply.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// One thing a person was shown: a message the bot sent, or its reply to their action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Shown {
    /// When it arrived (virtual time).
    pub(super) at: DateTime<Utc>,
    /// The ids of the people who see it: the addressee, or every wpb of a team channel;
    /// `beheer` for the deployment's admin contact.
    pub(super) seen_by: Vec<String>,
    /// The message kind in scenario words (`vraag`, `escalatie`, `antwoord`, ...).
    pub(super) kind: String,
    /// The text as rendered for its reader.
    pub(super) text: String,
    /// The transcript line it starts on (0-based), for the context of a failed expectation.
    pub(super) line: usize,
}

/// The transcript: lines kept in memory and appended to a file, echoed to `out` unless quiet.
#[derive(Clone)]
pub(super) struct Transcript(Arc<Mutex<TranscriptInner>>);

struct TranscriptInner {
    lines: Vec<String>,
    /// The part of the last line not yet ended by a newline.
    partial: String,
    echo: Option<Box<dyn Write + Send>>,
    file: Option<std::fs::File>,
}

impl Transcript {
    /// A transcript starting with `earlier` (a resumed run's lines), echoed to `echo` when
    /// given and appended to `file` when given.
    pub(super) fn new(
        earlier: Vec<String>,
        echo: Option<Box<dyn Write + Send>>,
        file: Option<std::fs::File>,
    ) -> Self {
        Self(Arc::new(Mutex::new(TranscriptInner {
            lines: earlier,
            partial: String::new(),
            echo,
            file,
        })))
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, TranscriptInner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The number of complete lines so far.
    pub(super) fn len(&self) -> usize {
        self.inner().lines.len()
    }

    /// Lines `from..to` (clamped), for a failed expectation's context.
    pub(super) fn lines(&self, from: usize, to: usize) -> Vec<String> {
        let inner = self.inner();
        let to = to.min(inner.lines.len());
        inner.lines[from.min(to)..to].to_vec()
    }
}

impl Write for Transcript {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut inner = self.inner();
        let TranscriptInner {
            lines,
            partial,
            echo,
            file,
        } = &mut *inner;
        if let Some(out) = echo {
            out.write_all(buf)?;
        }
        if let Some(f) = file {
            f.write_all(buf)?;
        }
        partial.push_str(&String::from_utf8_lossy(buf));
        while let Some(end) = partial.find('\n') {
            let line: String = partial.drain(..=end).collect();
            lines.push(line.trim_end_matches('\n').to_string());
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let mut inner = self.inner();
        if let Some(out) = &mut inner.echo {
            out.flush()?;
        }
        Ok(())
    }
}

/// Everything shown to people so far, in order, appended to a file when given.
#[derive(Default)]
pub(super) struct ShownLog {
    entries: Mutex<Vec<Shown>>,
    file: Option<Mutex<std::fs::File>>,
}

impl ShownLog {
    /// A log starting with `earlier` (a resumed run's entries), appended to `file` when given.
    pub(super) fn new(earlier: Vec<Shown>, file: Option<std::fs::File>) -> Self {
        Self {
            entries: Mutex::new(earlier),
            file: file.map(Mutex::new),
        }
    }

    /// Adds one entry.
    pub(super) fn push(&self, entry: Shown) {
        if let Some(file) = &self.file {
            let mut f = file.lock().unwrap_or_else(|p| p.into_inner());
            // The log only serves a resumed run's expectations; a write that fails costs
            // those, not the run, so it is not an error here.
            if let Ok(line) = serde_json::to_string(&entry) {
                let _ = writeln!(f, "{line}");
            }
        }
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(entry);
    }

    /// A copy of all entries so far.
    pub(super) fn all(&self) -> Vec<Shown> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The number of entries so far.
    pub(super) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}
