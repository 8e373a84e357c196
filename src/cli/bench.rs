//! `wandelgang bench scale`: runs the scale measurement at N/10 and N wpbs and prints a table;
//! `wandelgang bench claims`: several processes draining one fan-out on PostgreSQL.

use anyhow::{Result, bail};
use std::io::Write;

use crate::scale::claims::{self, ClaimsRun};
use crate::scale::{self, ScaleRun, Target, process};

/// Plays a generated school of `wpbs / 10` and `wpbs` wpbs for `weeks` weeks and prints the
/// figures, with the ratio of the two times.
pub async fn scale(
    wpbs: usize,
    weeks: u32,
    database: Option<&str>,
    step_minutes: u32,
) -> Result<()> {
    if wpbs < 10 {
        bail!("--wpbs: minstens 10 / at least 10 (got {wpbs})");
    }
    if !(1..=52).contains(&weeks) {
        bail!("--weeks: 1 tot 52 / 1 to 52 (got {weeks})");
    }
    if !(1..=60).contains(&step_minutes) {
        bail!("--step-minutes: 1 tot 60 / 1 to 60 (got {step_minutes})");
    }
    let target = Target::from_url(database)?;
    println!(
        "Schaalmeting / scale benchmark: {}, {weeks} weken/weeks, een tick elke {step_minutes} min / a tick every {step_minutes} min; {}",
        target.backend_name(),
        process::machine()
    );
    let step = chrono::Duration::minutes(i64::from(step_minutes));
    let mut runs: Vec<ScaleRun> = Vec::new();
    for n in [wpbs / 10, wpbs] {
        eprintln!("{n} wpb's / wpbs ...");
        let run = scale::run(&target, n, weeks, step, |at, counts| {
            eprint!(
                "\r  {}: {} vragen / prompts, {} berichten / messages   ",
                at.format("%Y-%m-%d"),
                counts.prompts,
                counts.messages
            );
            let _ = std::io::stderr().flush();
        })
        .await?;
        eprintln!();
        if run.counts.refused > 0 {
            eprintln!(
                "let op / note: {} antwoorden geweigerd / answers refused (zie het log / see the log)",
                run.counts.refused
            );
        }
        runs.push(run);
    }
    print!("{}", table(&runs));
    if let [small, large] = runs.as_slice() {
        println!(
            "tijd bij {} / tijd bij {} = time at {} / time at {}: {:.1}× (doel / aim ≤ 11×)",
            large.wpbs,
            small.wpbs,
            large.wpbs,
            small.wpbs,
            large.play.as_secs_f64() / small.play.as_secs_f64().max(1e-9)
        );
    }
    Ok(())
}

/// The runs as a Markdown table, ready for README.
pub fn table(runs: &[ScaleRun]) -> String {
    let mut out = String::from(
        "\n| wpbs | import | speeltijd / wall time | per schooldag / school day | vragen / prompts | berichten / messages | antwoorden / answers | piek-RSS / peak RSS | database |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in runs {
        out.push_str(&format!(
            "| {} | {:.1} s | {:.1} s | {:.2} s | {} | {} | {} | {} | {} |\n",
            r.wpbs,
            r.setup.as_secs_f64(),
            r.play.as_secs_f64(),
            r.per_school_day().as_secs_f64(),
            r.counts.prompts,
            r.counts.messages,
            r.counts.answers,
            mib(r.peak_rss_bytes),
            mib(r.database_bytes),
        ));
    }
    out
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or_else(
        || "?".into(),
        |b| format!("{:.1} MiB", b as f64 / 1_048_576.0),
    )
}

/// Drains a fan-out of `rows` due prompts with each number of worker processes in
/// `processes`, on fresh databases of the PostgreSQL server `database`, and prints a table
/// with the speed-up over one process.
pub async fn claims(database: &str, rows: usize, processes: &[usize]) -> Result<()> {
    if !(100..=1_000_000).contains(&rows) {
        bail!("--rows: 100 tot 1.000.000 / 100 to 1,000,000 (got {rows})");
    }
    if processes.is_empty() || processes.iter().any(|&p| !(1..=32).contains(&p)) {
        bail!("--processes: elk 1 tot 32 / each 1 to 32");
    }
    println!(
        "Claims per seconde / claims per second: {rows} vragen / prompts, PostgreSQL; {}",
        process::machine()
    );
    let runs = claims::run(database, rows, processes, |run| {
        eprintln!(
            "  {} proces(sen) / process(es): {:.0} per s ({:?})",
            run.processes,
            run.per_second(),
            run.per_worker
        );
    })
    .await?;
    print!("{}", claims_table(&runs));
    Ok(())
}

/// The claims runs as a Markdown table; the speed-up is against the first run.
pub fn claims_table(runs: &[ClaimsRun]) -> String {
    let base = runs.first().map_or(1.0, ClaimsRun::per_second);
    let mut out = String::from(
        "\n| processen / processes | vragen / prompts | tijd / wall | per seconde / per second | versnelling / speed-up | per proces / per process |\n|---:|---:|---:|---:|---:|---|\n",
    );
    for r in runs {
        out.push_str(&format!(
            "| {} | {} | {:.2} s | {:.0} | {:.2}× | {:?} |\n",
            r.processes,
            r.rows,
            r.wall.as_secs_f64(),
            r.per_second(),
            r.per_second() / base.max(1e-9),
            r.per_worker
        ));
    }
    out
}

/// One worker process of `bench claims`; not for people (hidden from `--help`).
pub async fn claims_worker(database: &str, at: i64) -> Result<()> {
    Ok(claims::worker(database, at).await?)
}
