//! `demo` and `simulate`: a scenario played against a fresh SQLite file.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::DatabaseSource;
use crate::simulate;

/// `wandelgang demo [--db FILE]`: the built-in scenario.
pub async fn demo(db: Option<PathBuf>) -> Result<()> {
    scenario(simulate::DEMO_SCENARIO, "demo", db).await
}

/// `wandelgang simulate FILE [--db FILE]`: a scenario file.
pub async fn simulate(file: &Path, db: Option<PathBuf>) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("kan {} niet lezen / cannot read it", file.display()))?;
    scenario(&text, &file.display().to_string(), db).await
}

async fn scenario(text: &str, name: &str, db: Option<PathBuf>) -> Result<()> {
    let (db, source) = match db {
        Some(p) if p.exists() => bail!(
            "{} bestaat al; kies een nieuw bestand / already exists; choose a new file",
            p.display()
        ),
        Some(p) => (p, DatabaseSource::Flag),
        None => (simulate::default_db_path(name), DatabaseSource::Temporary),
    };
    let summary = simulate::run(text, name, &db, &source, Box::new(std::io::stdout())).await?;
    println!(
        "\nKlaar / done: {} vragen verstuurd / prompts sent, {} escalatie(s). Database: {}",
        summary.prompts_sent, summary.escalations, summary.database
    );
    Ok(())
}
