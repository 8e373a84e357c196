//! `wandelgang status`: the deployment's state from the database alone; a non-zero exit when
//! something needs attention, so it fits a cron job or a monitoring check.

use std::path::Path;

use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::{Config, database_open_failure, redact_url, sqlite_file};
use crate::service::status::{Attention, StatusReport, span};
use crate::store::Store;

use super::load_config;

/// How long `status` waits for the database.
const CONNECT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The check's verdict: all well, or what needs attention.
pub enum Verdict {
    /// Nothing needs attention.
    Well,
    /// Something does; the report says what.
    Attention,
}

/// `wandelgang status`: prints the report; `max_delay_minutes` is how long the oldest due
/// message may wait before it needs attention.
pub async fn status(config: Option<&Path>, max_delay_minutes: u32) -> Result<Verdict> {
    let config = load_config(config)?;
    // A status check must not create the database it looks for.
    if let Some(file) = sqlite_file(&config.database_url)
        && !file.exists()
    {
        println!(
            "Database {}: bestaat niet / does not exist",
            std::path::absolute(&file).unwrap_or(file).display()
        );
        return Ok(Verdict::Attention);
    }
    // A check should answer soon: the pool would otherwise retry for its 30 s.
    let store = tokio::time::timeout(CONNECT_WAIT, Store::connect(&config.database_url))
        .await
        .map_err(|_| {
            anyhow!(
                "de database {} antwoordt niet binnen {} s / the database does not answer within {} s",
                redact_url(&config.database_url),
                CONNECT_WAIT.as_secs(),
                CONNECT_WAIT.as_secs()
            )
        })?
        .map_err(|e| {
            anyhow!(database_open_failure(
                &config.database_url,
                &config.database_source,
                &e
            ))
        })?;
    let report = StatusReport::read(&store, Utc::now()).await;
    store.close().await;
    let report = report?;
    let attention = report.attention(chrono::Duration::minutes(i64::from(max_delay_minutes)));
    print!("{}", render(&config, &report, &attention));
    Ok(match attention.is_empty() {
        true => Verdict::Well,
        false => Verdict::Attention,
    })
}

fn local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn ago(now: DateTime<Utc>, at: DateTime<Utc>) -> String {
    span((now - at).num_seconds())
}

/// The report as text; times in the deployment's default time zone.
pub fn render(config: &Config, r: &StatusReport, attention: &[Attention]) -> String {
    let tz = config.defaults.calendar.tz;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let target = sqlite_file(&config.database_url).map_or_else(
        || redact_url(&config.database_url),
        |f| std::path::absolute(&f).unwrap_or(f).display().to_string(),
    );
    line(format!("Wandelgang status, {} ({tz})", local(r.now, tz)));
    line(format!("Database: {target}"));
    let m = &r.migrations;
    let total = m.applied + m.pending.len();
    line(format!(
        "Migraties / migrations: {} van {total} toegepast / {} of {total} applied{}",
        m.applied,
        m.applied,
        if m.unknown.is_empty() {
            String::new()
        } else {
            format!(", {} onbekend / unknown", m.unknown.len())
        }
    ));
    if m.applied > 0 {
        let people: Vec<String> = r
            .counts
            .people
            .iter()
            .map(|(role, n)| format!("{n} {role}"))
            .collect();
        line(format!(
            "Scholen / schools: {}; teams: {}; mensen / people: {}",
            r.counts.schools,
            r.counts.teams,
            if people.is_empty() {
                "0".to_string()
            } else {
                people.join(", ")
            }
        ));
        let oldest = r.backlog.oldest_due.map_or(String::new(), |at| {
            format!(
                ", oudste sinds / oldest since {} ({})",
                local(at, tz),
                ago(r.now, at)
            )
        });
        line(format!(
            "Outbox: {} nu te versturen / due now{oldest}; {} gepland / planned; {} mislukt in 24 uur / failed in 24 h",
            r.backlog.due, r.backlog.planned, r.failed_last_day
        ));
        match r.last_tick() {
            Some((p, at, ms)) => line(format!(
                "Laatste tick / last tick: {} ({} geleden / ago), door / by {} ({ms} ms)",
                local(at, tz),
                ago(r.now, at),
                p.id
            )),
            None => line("Laatste tick / last tick: nog geen / none yet".to_string()),
        }
        line(format!(
            "Processen / processes ({} live, laatste 24 uur / last 24 h):",
            r.live().count()
        ));
        if r.processes.is_empty() {
            line("  geen / none".to_string());
        }
        for p in &r.processes {
            let state = match (p.stopped_at, p.is_live(r.now, StatusReport::live_window())) {
                (Some(at), _) => format!("gestopt / stopped {}", local(at, tz)),
                (None, true) => format!(
                    "live, hartslag / heartbeat {} geleden / ago",
                    ago(r.now, p.heartbeat_at)
                ),
                (None, false) => format!(
                    "stil sinds / silent since {} (gecrasht? / crashed?)",
                    local(p.heartbeat_at, tz)
                ),
            };
            line(format!(
                "  {}  {} pid {}  {}  gestart / started {}  {state}",
                p.id,
                p.host,
                p.pid,
                p.role,
                local(p.started_at, tz)
            ));
        }
        line("Volgende vragen / next prompts:".to_string());
        if r.next_prompts.is_empty() {
            line("  geen / none".to_string());
        }
        for (at, wpb) in &r.next_prompts {
            line(format!("  {}  {wpb}", local(*at, tz)));
        }
    }
    if attention.is_empty() {
        line("In orde / all well".to_string());
    } else {
        line("Aandacht nodig / needs attention:".to_string());
        for a in attention {
            line(format!("  - {} / {}", a.nl, a.en));
        }
    }
    out
}
