//! `wandelgang`: parse the command line, run the chosen command (the bodies live in
//! `wandelgang::cli`).

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

use wandelgang::cli::{self, bench, bot, privacy, prompts, report, roster, scenario, status};
use wandelgang::{malloc_arenas, telemetry};

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
    /// Speel een scenariobestand af en controleer zijn verwachtingen (formaat: zie README) /
    /// run a scenario file and check its expectations (format: see README)
    ///
    /// Eindigt met een foutcode als een verwachting niet uitkomt. / Exits non-zero when an
    /// expectation fails.
    Simulate {
        /// Het scenariobestand (.toml) / the scenario file
        file: PathBuf,
        /// SQLite-bestand voor de run (nieuw, of met --resume dat van een gestopte run) /
        /// SQLite file for the run (new, or with --resume the one of a stopped run)
        #[arg(long)]
        db: Option<PathBuf>,
        /// Alleen de uitslag van de verwachtingen, geen transcript / only the verdicts, no transcript
        #[arg(long, short)]
        quiet: bool,
        /// Ga verder met de gestopte run in --db / continue the stopped run in --db
        #[arg(long, requires = "db")]
        resume: bool,
        /// Stop na dit moment ("YYYY-MM-DD HH:MM"), om later verder te gaan met --resume /
        /// stop after this moment, to continue later with --resume
        #[arg(long, value_name = "MOMENT")]
        until: Option<String>,
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
    /// Hoe staat het ervoor, uit de database: migraties, achterstand, processen, volgende vragen /
    /// how things stand, from the database: migrations, backlog, processes, next prompts
    ///
    /// Eindigt met code 1 als iets aandacht vraagt (geen draaiend proces, een bericht dat te lang
    /// wacht, migraties), voor cron of een monitoringcheck. / Exits with code 1 when something
    /// needs attention (no running process, a message waiting too long, migrations), for cron or
    /// a monitoring check.
    Status {
        /// Hoeveel minuten het oudste verschuldigde bericht mag wachten / how many minutes the
        /// oldest due message may wait
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1440))]
        max_delay: u32,
    },
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
    /// De cijfers van het weekoverzicht voor een overleg, als .png, .csv of .html /
    /// the weekly digest's figures for a meeting, as .png, .csv or .html
    ///
    /// Dezelfde cijfers als /overzicht: per team en school, klik per week (met "< 3" waar te
    /// weinig studenten achter een cijfer zitten), respons, stille koppelingen en wpb's. /
    /// The same figures as /overzicht.
    Report {
        /// Id van de school (uit het rooster) / the school's id (from the roster)
        #[arg(long)]
        school: String,
        /// Hoeveel schoolweken terug, 1 tot 52 / how many school weeks back, 1 to 52
        #[arg(long, default_value_t = 10)]
        weeks: u32,
        /// Het bestand; de extensie kiest het formaat (.png, .csv, .html) / the file; its extension picks the format
        #[arg(long)]
        out: PathBuf,
    },
    /// Metingen / benchmarks
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
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
enum BenchCommand {
    /// Speel een gegenereerde school van N wpb's een aantal weken af en meet tijd, geheugen en
    /// databasegrootte, ook voor N/10 (de verhouding toont of het lineair groeit) /
    /// play a generated school of N wpbs for some weeks and measure time, memory and database
    /// size, also for N/10 (the ratio shows whether it grows linearly)
    ///
    /// Eén school, teams van 100, één student per wpb, twee vragen per week; elke vijfde wpb
    /// antwoordt met een reflectie en een klik. / One school, teams of 100, one student per
    /// wpb, two prompts a week; every fifth wpb answers with a reflection and a klik.
    Scale {
        /// Aantal wpb's / number of wpbs
        #[arg(long, default_value_t = 1000)]
        wpbs: usize,
        /// Aantal weken / number of weeks
        #[arg(long, default_value_t = 2)]
        weeks: u32,
        /// sqlite://PAD (bestanden PAD-N.db, bewaard) of postgres://... (een eigen database
        /// per meting, daarna verwijderd); standaard een tijdelijk SQLite-bestand /
        /// sqlite://PATH (files PATH-N.db, kept) or postgres://... (a database of its own per
        /// run, dropped afterwards); default a temporary SQLite file
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Minuten tussen twee ticks van de virtuele klok / minutes between two ticks of the virtual clock
        #[arg(long, default_value_t = 5)]
        step_minutes: u32,
    },
    /// Meet hoe snel 1, 2 en 4 processen samen een uitzending leegmaken op één PostgreSQL /
    /// measure how fast 1, 2 and 4 processes drain one fan-out together on one PostgreSQL
    ///
    /// Elk proces is een eigen `wandelgang`-proces met een eigen pool; ze delen het werk met
    /// SKIP LOCKED, zoals meerdere `run`-processen. / Each is a `wandelgang` process of its own
    /// with its own pool; they share the work through SKIP LOCKED, as several `run` processes do.
    Claims {
        /// postgres://... (een eigen database per meting, daarna verwijderd) / postgres://...
        /// (a database of its own per run, dropped afterwards)
        #[arg(long, value_name = "URL")]
        database: String,
        /// Aantal verschuldigde vragen / number of due prompts
        #[arg(long, default_value_t = 6000)]
        rows: usize,
        /// Aantallen processen, met komma's / numbers of processes, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "1,2,4")]
        processes: Vec<usize>,
    },
    /// Eén werkproces van `bench claims` / one worker process of `bench claims`
    #[command(hide = true)]
    ClaimsWorker {
        #[arg(long)]
        database: String,
        #[arg(long)]
        at: i64,
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
fn main() -> std::process::ExitCode {
    malloc_arenas::limit();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        // On a worker the command's awaits are woken where the I/O is polled; on the main
        // thread (plain `block_on`) each wake-up is a hand-off between threads: 5–15 % of a
        // scale run's wall time, most of its system time.
        Ok(runtime) => runtime.block_on(async {
            tokio::spawn(main_async()).await.unwrap_or_else(|e| {
                eprintln!("fout / error: {e}");
                std::process::ExitCode::FAILURE
            })
        }),
        Err(e) => {
            eprintln!(
                "fout / error: de async-runtime start niet / the async runtime did not start: {e}"
            );
            std::process::ExitCode::FAILURE
        }
    }
}

async fn main_async() -> std::process::ExitCode {
    telemetry::init();
    let cli = Cli::parse();
    if let Command::Status { max_delay } = cli.command {
        return match status::status(cli.config.as_deref(), max_delay).await {
            Ok(status::Verdict::Well) => std::process::ExitCode::SUCCESS,
            Ok(status::Verdict::Attention) => std::process::ExitCode::from(1),
            Err(e) => {
                eprintln!("fout / error: {e:#}");
                std::process::ExitCode::from(2)
            }
        };
    }
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fout / error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One call per command.
async fn run(cli: Cli) -> Result<()> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Demo { db } => scenario::demo(db).await,
        Command::Simulate {
            file,
            db,
            quiet,
            resume,
            until,
        } => {
            let options = wandelgang::simulate::Options {
                quiet,
                resume,
                until,
            };
            scenario::simulate(&file, db, &options).await
        }
        Command::Prompts {
            command: PromptsCommand::Check { dir },
        } => prompts::check(dir.as_deref()),
        Command::Run => bot::run(config).await,
        Command::Prompt {
            command: PromptCommand::Send { person },
        } => prompts::send(config, &person).await,
        Command::Migrate => cli::migrate(config).await,
        // Answered in `main`, for its exit code.
        Command::Status { .. } => Ok(()),
        Command::Export { person, out } => privacy::export(config, &person, out.as_deref()).await,
        Command::Forget { person, yes } => privacy::forget(config, &person, yes).await,
        Command::Bench {
            command:
                BenchCommand::Scale {
                    wpbs,
                    weeks,
                    database,
                    step_minutes,
                },
        } => bench::scale(wpbs, weeks, database.as_deref(), step_minutes).await,
        Command::Bench {
            command:
                BenchCommand::Claims {
                    database,
                    rows,
                    processes,
                },
        } => bench::claims(&database, rows, &processes).await,
        Command::Bench {
            command: BenchCommand::ClaimsWorker { database, at },
        } => bench::claims_worker(&database, at).await,
        Command::Retention {
            command: RetentionCommand::Run { dry_run },
        } => privacy::retention(config, dry_run).await,
        Command::Roster {
            command: RosterCommand::Import { file },
        } => roster::import(config, &file).await,
        Command::Roster {
            command: RosterCommand::Show,
        } => roster::show(config).await,
        Command::Audit => privacy::audit(config).await,
        Command::Report { school, weeks, out } => {
            report::report(config, &school, Some(weeks), &out).await
        }
    }
}
