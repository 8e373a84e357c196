//! `prompt send` (a prompt now, for a wpb) and `prompts check` (a prompt library folder).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::app::inbox::{Refusal, Reply, UserError};
use crate::app::privacy::Operator;
use crate::domain::language::Language;
use crate::domain::prompts::{Catalogue, SourceFile};
use crate::domain::roster::PersonId;

use super::{CliEngine, offline, person_id};

/// `wandelgang prompt send PERSON`: queues the prompt; the running bot sends it.
pub async fn send(config: Option<&Path>, person: &str) -> Result<()> {
    let id = person_id(person)?;
    offline(config, async |engine| prompt_send(engine, &id).await).await
}

/// `wandelgang prompts check [DIR]`: parses a prompt folder (default `./prompts`) as the bot
/// would and lists every problem.
pub fn check(dir: Option<&Path>) -> Result<()> {
    check_prompts(dir.unwrap_or(Path::new("prompts")))
}

/// `prompt send`: queues the prompt; the CLI has no chat connection, the running bot sends it.
async fn prompt_send(engine: &CliEngine, id: &PersonId) -> Result<()> {
    let in_place_of = match engine.prompt_now_as(&Operator::Cli, id).await {
        Ok(Reply::PromptQueued { in_place_of }) => in_place_of,
        Ok(other) => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
        Err(Refusal::Internal(e)) => return Err(e.into()),
        Err(Refusal::User(e)) => bail!(
            "geen vraag klaargezet voor / no prompt queued for {id}: {}",
            prompt_refusal(&e)
        ),
    };
    println!(
        "Vraag voor {id} klaargezet; de draaiende bot verstuurt hem binnen ~30 s / prompt for {id} queued; the running bot sends it within ~30 s."
    );
    match in_place_of {
        Some(due) => {
            let tz = match engine.store.person(id).await? {
                Some(p) => engine.settings(&p).calendar.tz,
                None => engine.config.defaults.calendar.tz,
            };
            let due = due.with_timezone(&tz).format("%d-%m-%Y %H:%M");
            println!(
                "Telt mee voor deze week: in plaats van de geplande vraag van {due} / counts toward this week: in place of the prompt planned for {due}."
            );
        }
        None => println!(
            "Extra: deze week staat geen vraag meer te gaan (verstuurd, vervangen of geen moment meer over) / extra: no prompt of this week is still to come (sent, replaced, or no moment left)."
        ),
    }
    Ok(())
}

/// A refusal of `prompt send`, said to the operator (the chat texts speak to the wpb).
fn prompt_refusal(e: &UserError) -> String {
    use crate::app::on_demand::PromptRefusal;
    match e {
        UserError::PersonNotFound => {
            "niet in het rooster / not in the roster".to_string()
        }
        UserError::NoActivePairing => {
            "geen lopende koppeling / no active pairing".to_string()
        }
        UserError::PromptNow(PromptRefusal::NotAWpb) => {
            "geen wpb; alleen werkplekbegeleiders krijgen vragen / not a wpb; only werkplekbegeleiders get prompts".to_string()
        }
        UserError::PromptNow(PromptRefusal::NoChatAddress) => {
            "geen chatadres in het rooster / no chat address in the roster".to_string()
        }
        UserError::PromptNow(PromptRefusal::Paused { until }) => {
            let until = until.format("%d-%m-%Y");
            format!("gepauzeerd tot en met {until} / paused up to and including {until}")
        }
        UserError::PromptNow(PromptRefusal::NoSchoolDay) => {
            "vandaag is geen schooldag / today is no school day".to_string()
        }
        UserError::PromptNow(PromptRefusal::AlreadyToday { again }) => {
            let again = again.format("%d-%m-%Y");
            format!(
                "vandaag al een vraag op verzoek gehad; weer vanaf {again} / already had a prompt on demand today; again from {again}"
            )
        }
        other => other.to_string(),
    }
}

fn check_prompts(dir: &Path) -> Result<()> {
    let mut files = Vec::new();
    for (sub, language) in [("nl", Language::Nl), ("en", Language::En)] {
        let folder = dir.join(sub);
        let entries = std::fs::read_dir(&folder)
            .with_context(|| format!("map {} ontbreekt / folder missing", folder.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let content = std::fs::read_to_string(&path)
                .with_context(|| format!("kan {} niet lezen / cannot read", path.display()))?;
            files.push(SourceFile {
                name: path.display().to_string(),
                language,
                content,
            });
        }
    }
    match Catalogue::parse(&files) {
        Ok(cat) => {
            println!(
                "In orde / OK: {} Nederlandse en {} Engelse vragen in {} bestanden / Dutch and English prompts in files",
                cat.prompts(Language::Nl).len(),
                cat.prompts(Language::En).len(),
                files.len()
            );
            Ok(())
        }
        Err(problems) => {
            for p in &problems {
                eprintln!("- {p}");
            }
            bail!(
                "{} probleem/problemen in {} / problem(s)",
                problems.len(),
                dir.display()
            )
        }
    }
}
