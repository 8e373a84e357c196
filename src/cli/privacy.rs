//! `export`, `forget`, `audit` and `retention run`: the privacy commands, each audited by the
//! engine.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};

use crate::app::inbox::{Handled, Refusal, Reply, UserError};
use crate::app::privacy::Operator;
use crate::domain::roster::PersonId;
use crate::store::ForgetReport;

use super::{CliEngine, offline, person_id};

/// `wandelgang export PERSON [--out FILE]`: everything stored about a person, as JSON.
pub async fn export(config: Option<&Path>, person: &str, out: Option<&Path>) -> Result<()> {
    let id = person_id(person)?;
    offline(config, async |engine| export_person(engine, &id, out).await).await
}

/// `wandelgang forget PERSON [--yes]`: deletes a person's data after confirmation.
pub async fn forget(config: Option<&Path>, person: &str, yes: bool) -> Result<()> {
    let id = person_id(person)?;
    offline(config, async |engine| forget_person(engine, &id, yes).await).await
}

/// `wandelgang audit`: the audit log, oldest first.
pub async fn audit(config: Option<&Path>) -> Result<()> {
    offline(config, async |engine| audit_log(engine).await).await
}

/// `wandelgang retention run [--dry-run]`: deletes what is past each school's retention.
pub async fn retention(config: Option<&Path>, dry_run: bool) -> Result<()> {
    offline(config, async |engine| retention_run(engine, dry_run).await).await
}

async fn export_person(engine: &CliEngine, id: &PersonId, out: Option<&Path>) -> Result<()> {
    let json = match answered(engine.export_person_as(&Operator::Cli, id).await, |e| {
        anyhow!("{e}: {id}")
    })? {
        Reply::PersonExported { json, .. } => json,
        other => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
    };
    match out {
        Some(path) => {
            std::fs::write(path, format!("{json}\n"))
                .with_context(|| format!("kan {} niet schrijven / cannot write", path.display()))?;
            eprintln!(
                "Export van / export of {id} geschreven naar / written to {}",
                path.display()
            );
        }
        None => println!("{json}"),
    }
    Ok(())
}

fn print_forget(r: &ForgetReport) {
    println!(
        "  {} reflectie(s) / reflection(s)\n  {} klik-signaal/signalen / klik signal(s)\n  {} vraag/vragen / prompt(s)\n  {} ander(e) bericht(en) / other message(s)\n  {} pauze(s) / pause(s)\n  {} koppeling(en) / pairing(s)\n  {} escalatie(s) / escalation(s)\n  {} auditregel(s) / audit row(s)\n  {} intervisie(s) waarin hun bijdragen (verwijderd) worden / intervisie thread(s) where their contributions become (verwijderd)",
        r.reflections,
        r.signals,
        r.prompts,
        r.messages,
        r.pauses,
        r.pairings,
        r.escalations,
        r.audit_rows,
        r.intervisie
    );
}

async fn forget_person(engine: &CliEngine, id: &PersonId, yes: bool) -> Result<()> {
    let preview = forget_report(engine, id, true).await?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!(
                "niets verwijderd: bevestig met --yes als er geen terminal is / nothing deleted: confirm with --yes when there is no terminal"
            );
        }
        println!(
            "Dit verwijdert {id} ({}, school {}) en / this deletes them and:",
            preview.role, preview.school
        );
        print_forget(&preview);
        print!("Typ het id van de persoon om te bevestigen / type the person's id to confirm: ");
        std::io::stdout().flush().ok();
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("kan de bevestiging niet lezen / cannot read the confirmation")?;
        if line.trim() != id.as_str() {
            bail!("niet bevestigd, niets verwijderd / not confirmed, nothing deleted");
        }
    }
    let report = forget_report(engine, id, false).await?;
    println!("Verwijderd / deleted: {id}");
    print_forget(&report);
    println!(
        "Alleen aantallen zonder namen of teksten zijn bewaard / only counts without names or texts are kept."
    );
    Ok(())
}

async fn forget_report(engine: &CliEngine, id: &PersonId, dry_run: bool) -> Result<ForgetReport> {
    match answered(
        engine.forget_person_as(&Operator::Cli, id, dry_run).await,
        |e| anyhow!("{e}: {id}"),
    )? {
        Reply::PersonForgotten(report) => Ok(report),
        other => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
    }
}

async fn audit_log(engine: &CliEngine) -> Result<()> {
    let entries = match answered(engine.audit_log_as(&Operator::Cli).await, |e| {
        anyhow!("{e}")
    })? {
        Reply::AuditLog(entries) => entries,
        other => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
    };
    for e in entries {
        println!(
            "{} {} {} {} {}",
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.actor,
            e.action,
            e.subject,
            e.school.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

async fn retention_run(engine: &CliEngine, dry_run: bool) -> Result<()> {
    let report = match answered(engine.retention_as(&Operator::Cli, dry_run).await, |e| {
        anyhow!("{e}")
    })? {
        Reply::RetentionDone(report) => report,
        other => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
    };
    if dry_run {
        println!(
            "Proefrun, niets verwijderd; dit zou verdwijnen / dry run, nothing deleted; this would go:"
        );
    } else {
        println!("Verwijderd / deleted:");
    }
    for (nl, en, n) in report.kinds() {
        println!("  {nl} / {en}: {n}");
    }
    println!("  totaal / total: {}", report.total());
    Ok(())
}

/// The engine's answer for the CLI: a fault passes on as it is, a refusal becomes the message
/// `say` makes of it.
fn answered(handled: Handled, say: impl FnOnce(UserError) -> anyhow::Error) -> Result<Reply> {
    match handled {
        Ok(reply) => Ok(reply),
        Err(Refusal::User(e)) => Err(say(e)),
        Err(Refusal::Internal(e)) => Err(e.into()),
    }
}
