//! `demo` and `simulate`: a scenario played against a SQLite file, its expectations checked.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::DatabaseSource;
use crate::simulate::{self, Options};

/// `wandelgang demo [--db FILE]`: the built-in scenario.
pub async fn demo(db: Option<PathBuf>) -> Result<()> {
    scenario(simulate::DEMO_SCENARIO, "demo", db, &Options::default()).await
}

/// `wandelgang simulate FILE [--db FILE] [--quiet] [--resume] [--until MOMENT]`: a scenario file.
pub async fn simulate(file: &Path, db: Option<PathBuf>, options: &Options) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("kan {} niet lezen / cannot read it", file.display()))?;
    scenario(&text, &file.display().to_string(), db, options).await
}

async fn scenario(text: &str, name: &str, db: Option<PathBuf>, options: &Options) -> Result<()> {
    let (db, source) = match db {
        Some(p) if options.resume && !p.exists() => bail!(
            "{} bestaat niet; --resume gaat verder met een gestopte run / does not exist; --resume continues a stopped run",
            p.display()
        ),
        Some(p) if !options.resume && p.exists() => bail!(
            "{} bestaat al; kies een nieuw bestand of gebruik --resume / already exists; choose a new file or use --resume",
            p.display()
        ),
        Some(p) => (p, DatabaseSource::Flag),
        None => (simulate::default_db_path(name), DatabaseSource::Temporary),
    };
    let summary = simulate::run(
        text,
        name,
        &db,
        &source,
        Box::new(std::io::stdout()),
        options,
    )
    .await?;
    if options.quiet {
        println!("{}", summary.verdicts.trim_end());
    } else if !summary.verdicts.is_empty() {
        println!(
            "\n=== Verwachtingen / expectations ===\n{}",
            summary.verdicts.trim_end()
        );
    }
    match &summary.stopped_at {
        Some(at) => eprintln!(
            "\nGestopt om / stopped at {at}. Verder / continue: wandelgang simulate {name} --db {} --resume",
            summary.database
        ),
        None if options.quiet => {}
        None => println!(
            "\nKlaar / done: {} vragen verstuurd / prompts sent, {} escalatie(s). Database: {}",
            summary.prompts_sent, summary.escalations, summary.database
        ),
    }
    if summary.failed > 0 {
        bail!(
            "{} verwachting(en) niet gehaald / expectation(s) failed",
            summary.failed
        );
    }
    Ok(())
}
