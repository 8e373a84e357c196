//! Logging to stderr; `RUST_LOG` (or `WANDELGANG_LOG`) picks the level, warnings by default.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// What is logged: `WANDELGANG_LOG`, else `RUST_LOG`, else warnings.
pub fn filter() -> EnvFilter {
    std::env::var("WANDELGANG_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new("warn"))
}

/// Starts logging to stderr (colours only on a terminal); call once, before anything logs.
pub fn init() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter())
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal; a log file or journal gets plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
