//! `wandelgang`: parse the command line, load configuration, run the chosen command.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serenity::all::HttpBuilder;
use wandelgang::app::Engine;
use wandelgang::app::inbox::{Refusal, Reply, UserError};
use wandelgang::app::ports::{OfflineChat, SystemClock};
use wandelgang::app::privacy::Operator;
use wandelgang::chat::discord::{self, DiscordOptions};
use wandelgang::chat::matrix::MatrixOptions;
use wandelgang::config::{
    Config, DatabaseSource, MatrixSettings, database_open_failure, redact_url,
};
use wandelgang::domain::language::Language;
use wandelgang::domain::prompts::{Catalogue, SourceFile};
use wandelgang::domain::roster::{PersonId, SchoolId};
use wandelgang::roster_import::{RosterFormat, parse_roster_bytes};
use wandelgang::store::{ForgetReport, Store};
use wandelgang::{simulate, telemetry};

#[derive(Parser)]
#[command(
    name = "wandelgang",
    version,
    about = "Korte wandelganggesprekken voor werkplekbegeleiders / short informal prompts for workplace supervisors",
    long_about = "Wandelgang stuurt werkplekbegeleiders (wpb's) af en toe één korte, informele vraag, bewaart hun antwoord van één regel en hun klik-signalen, en meldt een negatief klik-patroon aan de schoolopleider.\n\nWandelgang sends workplace supervisors (wpbs) an occasional short, informal question, keeps their one-line answers and klik signals, and escalates a negative klik pattern to the schoolopleider.\n\nStart with `wandelgang demo`."
)]
struct Cli {
    /// Configuratiebestand / configuration file (default: ./wandelgang.toml if present)
    #[arg(long, global = true, env = "WANDELGANG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Speel het ingebouwde scenario af (zes schoolweken in seconden) / run the built-in scenario
    Demo {
        /// SQLite-bestand voor de demo (mag nog niet bestaan) / SQLite file for the demo (must not exist yet)
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Speel een scenariobestand af (formaat: zie README) / run a scenario file (format: see README)
    Simulate {
        file: PathBuf,
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// Roosterbeheer / roster management
    Roster {
        #[command(subcommand)]
        command: RosterCommand,
    },
    /// Vragenbibliotheek / prompt library
    Prompts {
        #[command(subcommand)]
        command: PromptsCommand,
    },
    /// Een vraag nu voor een wpb / a prompt now for a wpb
    Prompt {
        #[command(subcommand)]
        command: PromptCommand,
    },
    /// Start de bot op Discord of Matrix, met de planner (instellen: zie README) / run the bot on Discord or Matrix, with the scheduler (setup: see README)
    Run,
    /// Pas databasemigraties toe (gebeurt ook bij elke start) / apply database migrations
    Migrate,
    /// Alles wat over een persoon bewaard is, als JSON / everything stored about a person, as JSON
    Export {
        /// Id van de persoon (uit het rooster) / the person's id (from the roster)
        person: String,
        /// Schrijf naar dit bestand in plaats van stdout / write to this file instead of stdout
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Verwijder alle persoonsgegevens van iemand (na bevestiging) / delete a person's personal data (after confirmation)
    Forget {
        /// Id van de persoon (uit het rooster) / the person's id (from the roster)
        person: String,
        /// Niet om bevestiging vragen (nodig zonder terminal) / do not ask to confirm (needed without a terminal)
        #[arg(long)]
        yes: bool,
    },
    /// Toon het auditlog / show the audit log
    Audit,
    /// Bewaartermijnen / retention
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Verwijder wat ouder is dan de bewaartermijn van elke school / delete what is past each school's retention
    Run {
        /// Alleen tellen, niets verwijderen / only count, delete nothing
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum RosterCommand {
    /// Importeer een rooster (CSV of TOML); alles of niets / import a roster, all or nothing
    Import { file: PathBuf },
    /// Toon het rooster / show the roster
    Show,
}

#[derive(Subcommand)]
enum PromptCommand {
    /// Zet nu een vraag klaar (hooguit één per dag, telt mee voor de week); de draaiende bot verstuurt hem / queue a prompt now (at most one a day, counts toward the week); the running bot sends it
    Send {
        /// Id van de wpb (uit het rooster) / the wpb's id (from the roster)
        person: String,
    },
}

#[derive(Subcommand)]
enum PromptsCommand {
    /// Controleer een vragenmap (standaard: ./prompts) / check a prompt directory
    Check { dir: Option<PathBuf> },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fout / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn env_vars() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("WANDELGANG_"))
        .collect()
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { db } => scenario(simulate::DEMO_SCENARIO, "demo", db).await,
        Command::Simulate { file, db } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("kan {} niet lezen / cannot read it", file.display()))?;
            scenario(&text, &file.display().to_string(), db).await
        }
        Command::Prompts {
            command: PromptsCommand::Check { dir },
        } => check_prompts(&dir.unwrap_or_else(|| PathBuf::from("prompts"))),
        Command::Run => run_bot(cli.config.as_deref()).await,
        Command::Prompt {
            command: PromptCommand::Send { person },
        } => {
            let id = person_id(&person)?;
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = prompt_send(&engine, &id).await;
            store.close().await;
            result
        }
        Command::Migrate => {
            let (store, url) = open_store(cli.config.as_deref()).await?;
            println!("Migraties toegepast / migrations applied: {url}");
            store.close().await;
            Ok(())
        }
        Command::Export { person, out } => {
            let id = person_id(&person)?;
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = export(&engine, &id, out.as_deref()).await;
            store.close().await;
            result
        }
        Command::Forget { person, yes } => {
            let id = person_id(&person)?;
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = forget(&engine, &id, yes).await;
            store.close().await;
            result
        }
        Command::Retention {
            command: RetentionCommand::Run { dry_run },
        } => {
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = retention(&engine, dry_run).await;
            store.close().await;
            result
        }
        Command::Roster { command } => {
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = match command {
                RosterCommand::Import { file } => import(&engine, &file).await,
                RosterCommand::Show => show(&store).await,
            };
            store.close().await;
            result
        }
        Command::Audit => {
            let (engine, store) = offline_engine(cli.config.as_deref()).await?;
            let result = audit(&engine).await;
            store.close().await;
            result
        }
    }
}

/// Opens (and migrates) the configured database; a failure names the path and its source.
async fn open_configured(config: &Config) -> Result<Store> {
    Store::open(&config.database_url).await.map_err(|e| {
        anyhow!(database_open_failure(
            &config.database_url,
            &config.database_source,
            &e
        ))
    })
}

/// Loads the configuration and opens (and migrates) its database.
async fn open_store(config: Option<&Path>) -> Result<(Store, String)> {
    let config = Config::load(config, &env_vars())?;
    let url = redact_url(&config.database_url);
    let store = open_configured(&config).await?;
    Ok((store, url))
}

/// What `roster show` and `run` say about a school without a schoolopleider.
fn no_schoolopleider(school: &SchoolId) -> String {
    format!(
        "school `{school}` heeft geen schoolopleider: escalaties gaan naar admin_chat als die is ingesteld, anders bereiken ze niemand / school `{school}` has no schoolopleider: escalations go to admin_chat if configured, otherwise they reach nobody"
    )
}

/// At start: every school where an escalation would find no schoolopleider, as a warning in
/// the log and on stderr (where the start line goes too).
async fn warn_schools_without_schoolopleider(store: &Store) -> Result<()> {
    let roster = store.roster().await?;
    for school in roster.schools_without_schoolopleider() {
        tracing::warn!(school = %school.id, "school has no schoolopleider; escalations go to admin_chat if configured, otherwise they reach nobody");
        eprintln!("Let op / warning: {}", no_schoolopleider(&school.id));
    }
    Ok(())
}

/// `wandelgang run`: the bot on Discord or Matrix with the scheduler, until Ctrl-C or SIGTERM.
async fn run_bot(config: Option<&Path>) -> Result<()> {
    let config = Config::load(config, &env_vars())?;
    match (config.discord_token.clone(), config.matrix.clone()) {
        (Some(_), Some(_)) => bail!(
            "zowel Discord als Matrix is ingesteld; één deployment bedient één platform. Haal er een weg uit de configuratie.\n\
             both Discord and Matrix are configured; one deployment serves one platform. Remove one from the configuration."
        ),
        (None, Some(matrix)) => run_matrix(config, matrix).await,
        (Some(token), None) => run_discord(config, token).await,
        (None, None) => bail!(
            "geen chatplatform: zet WANDELGANG_DISCORD_TOKEN (Discord) of een [matrix]-tabel in het configuratiebestand (README, 'Running on Discord' en 'Running on Matrix'). Zonder chataccount laat `wandelgang demo` zien wat de bot doet.\n\
             no chat platform: set WANDELGANG_DISCORD_TOKEN (Discord) or a [matrix] table in the configuration file (README, 'Running on Discord' and 'Running on Matrix'). Without a chat account, `wandelgang demo` shows what the bot does."
        ),
    }
}

async fn run_matrix(config: Config, matrix: MatrixSettings) -> Result<()> {
    let store = open_configured(&config).await?;
    warn_schools_without_schoolopleider(&store).await?;
    eprintln!(
        "Wandelgang draait op Matrix als {} / running on Matrix as {}; stoppen met Ctrl-C / stop with Ctrl-C",
        matrix.user, matrix.user
    );
    // Ends with an error (so a non-zero exit, for systemd and the operator) when the login
    // is revoked and cannot be renewed.
    let result = wandelgang::chat::matrix::run(
        store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        MatrixOptions::new(matrix),
        stop_signal(),
    )
    .await;
    store.close().await;
    result.context("Matrix")
}

async fn run_discord(config: Config, token: wandelgang::config::Secret) -> Result<()> {
    if config.discord.guilds.is_empty() {
        bail!(
            "geen Discord-servers: koppel elke server aan een school onder [discord.guilds] in het configuratiebestand (README, 'Op Discord draaien').\n\
             no Discord guilds: map each guild to a school under [discord.guilds] in the configuration file (README, 'Running on Discord')."
        );
    }
    let store = open_configured(&config).await?;
    warn_schools_without_schoolopleider(&store).await?;
    let opts = DiscordOptions::new(
        HttpBuilder::new(token.expose()),
        config.discord.guilds.clone(),
        config.discord.requests_per_second,
    );
    eprintln!(
        "Wandelgang draait op Discord voor {} server(s); stoppen met Ctrl-C / running on Discord for {} guild(s); stop with Ctrl-C",
        opts.guilds.len(),
        opts.guilds.len()
    );
    let bot = discord::start(
        store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        Arc::new(SystemClock),
        opts,
    )
    .await?;
    let result = bot.run_until(stop_signal()).await;
    store.close().await;
    result.context("Discord")
}

/// Ctrl-C, or SIGTERM from systemd.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

type CliEngine = Engine<OfflineChat, SystemClock>;

fn person_id(raw: &str) -> Result<PersonId> {
    PersonId::parse(raw).map_err(|e| anyhow!("{e}"))
}

/// An engine for commands that read and delete but never send.
async fn offline_engine(config: Option<&Path>) -> Result<(CliEngine, Store)> {
    let config = Config::load(config, &env_vars())?;
    let store = open_configured(&config).await?;
    let engine = Engine::new(
        store.clone(),
        OfflineChat,
        SystemClock,
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    );
    Ok((engine, store))
}

async fn export(engine: &CliEngine, id: &PersonId, out: Option<&Path>) -> Result<()> {
    let json = match engine
        .export_person_as(&Operator::Cli, id)
        .await
        .map_err(|e| anyhow!("{e}: {id}"))?
    {
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

async fn forget(engine: &CliEngine, id: &PersonId, yes: bool) -> Result<()> {
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
    match engine
        .forget_person_as(&Operator::Cli, id, dry_run)
        .await
        .map_err(|e| anyhow!("{e}: {id}"))?
    {
        Reply::PersonForgotten(report) => Ok(report),
        other => bail!("onverwacht antwoord / unexpected reply: {other:?}"),
    }
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
            "Extra: de vragen van deze week waren al verstuurd / extra: this week's prompts were sent already."
        ),
    }
    Ok(())
}

/// A refusal of `prompt send`, said to the operator (the chat texts speak to the wpb).
fn prompt_refusal(e: &UserError) -> String {
    use wandelgang::app::on_demand::PromptRefusal;
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

async fn audit(engine: &CliEngine) -> Result<()> {
    let entries = match engine
        .audit_log_as(&Operator::Cli)
        .await
        .map_err(|e| anyhow!("{e}"))?
    {
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

async fn retention(engine: &CliEngine, dry_run: bool) -> Result<()> {
    let report = match engine
        .retention_as(&Operator::Cli, dry_run)
        .await
        .map_err(|e| anyhow!("{e}"))?
    {
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

async fn import(engine: &CliEngine, file: &Path) -> Result<()> {
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

async fn show(store: &Store) -> Result<()> {
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
