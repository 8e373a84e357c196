//! `roster import` and `roster show`.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::app::inbox::{Refusal, Reply, UserError};
use crate::app::privacy::Operator;
use crate::roster_import::{RosterFormat, parse_roster_bytes};
use crate::store::Store;

use super::{CliEngine, no_schoolopleider, offline};

/// `wandelgang roster import FILE`: a CSV or TOML roster, all or nothing.
pub async fn import(config: Option<&Path>, file: &Path) -> Result<()> {
    offline(config, async |engine| import_file(engine, file).await).await
}

/// `wandelgang roster show`: schools, teams, people and pairings as stored.
pub async fn show(config: Option<&Path>) -> Result<()> {
    offline(config, async |engine| show_roster(&engine.store).await).await
}

async fn import_file(engine: &CliEngine, file: &Path) -> Result<()> {
    let format = RosterFormat::from_path(file).with_context(|| {
        format!(
            "{}: gebruik .csv of .toml / use .csv or .toml",
            file.display()
        )
    })?;
    let bytes = std::fs::read(file)
        .with_context(|| format!("kan {} niet lezen / cannot read", file.display()))?;
    let (roster, rows) = match parse_roster_bytes(&bytes, format) {
        Ok(r) => r,
        Err(errors) => {
            eprintln!("{errors}");
            bail!(
                "{}: niets geïmporteerd / nothing imported ({} fout(en) / error(s))",
                file.display(),
                errors.0.len()
            );
        }
    };
    let summary = match engine.import_roster_as(&Operator::Cli, &roster).await {
        Ok(Reply::RosterImported(summary)) => summary,
        Ok(other) => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
        // Valid rows that clash with what is stored: reported like the file's own errors.
        Err(Refusal::User(UserError::RosterRefused(conflicts))) => {
            let errors = rows.refusal(&conflicts);
            eprintln!("{errors}");
            bail!(
                "{}: niets geïmporteerd / nothing imported ({} fout(en) / error(s))",
                file.display(),
                errors.0.len()
            );
        }
        Err(Refusal::User(e)) => bail!("niets geïmporteerd / nothing imported: {e}"),
        Err(Refusal::Internal(e)) => {
            return Err(anyhow::Error::from(e).context("niets geïmporteerd / nothing imported"));
        }
    };
    println!(
        "Geïmporteerd / imported: {} school/scholen, {} team(s), {} personen/people, {} koppeling(en)/pairings",
        summary.schools, summary.teams, summary.people, summary.pairings
    );
    Ok(())
}

async fn show_roster(store: &Store) -> Result<()> {
    let roster = store.roster().await?;
    let orphaned = roster.schools_without_schoolopleider();
    for school in &roster.schools {
        println!("{} ({})", school.name, school.id);
        if orphaned.iter().any(|s| s.id == school.id) {
            println!("  ! {}", no_schoolopleider(&school.id));
        }
        for team in roster.teams.iter().filter(|t| t.school == school.id) {
            println!(
                "  team {} ({}){}",
                team.name,
                team.id,
                team.channel
                    .as_deref()
                    .map(|c| format!(" · {c}"))
                    .unwrap_or_default()
            );
        }
        for p in roster.people.iter().filter(|p| p.school == school.id) {
            let team = p
                .team
                .as_ref()
                .map(|t| format!(" · team {t}"))
                .unwrap_or_default();
            println!("  {:<15} {} ({}){team}", p.role.as_str(), p.name, p.id);
        }
        for p in roster.pairings.iter().filter(|p| {
            roster
                .people
                .iter()
                .any(|w| w.id == p.wpb && w.school == school.id)
        }) {
            println!(
                "  koppeling/pairing {} – {} · {} t/m {}",
                p.wpb, p.student, p.start, p.end
            );
        }
    }
    if roster.schools.is_empty() {
        println!(
            "Nog geen rooster; importeer er een met `wandelgang roster import FILE` / no roster yet"
        );
    }
    Ok(())
}
