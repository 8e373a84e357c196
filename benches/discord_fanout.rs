//! The Discord fan-out rate, printed (not asserted): `cargo bench --bench discord_fanout`.
//! 2,000 wpbs whose prompts are all due at once go out through the real serenity client to the
//! local Discord stand-in, whose global limit is L requests per second (default 200, set
//! WANDELGANG_BENCH_DISCORD_LIMIT to change it). The bot paces itself at 0.96 × L, the same
//! ratio as 48 of Discord's 50 in production. Printed: requests per second as a fraction of L
//! (aim: at least 0.9) and the number of 429 answers (aim: zero).

#[path = "../tests/ci/mod.rs"]
mod ci;
#[path = "../tests/discord_standin/mod.rs"]
mod discord_standin;

use chrono::{NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use serenity::all::HttpBuilder;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use discord_standin::{RouteLimit, StandIn, StandInOptions};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::discord::bot::SharedClock;
use wandelgang::chat::discord::{DiscordOptions, start};
use wandelgang::config::Config;
use wandelgang::domain::prompts::Catalogue;
use wandelgang::domain::roster::{
    Pairing, Person, PersonId, Role, Roster, School, SchoolId, Team, TeamId,
};
use wandelgang::store::Store;

const WPBS: usize = 2_000;
const GUILD: u64 = 900_000_000_000_000_001;
const TOKEN: &str = "bench.token";

fn id<T>(parse: impl Fn(&str) -> Result<T, wandelgang::domain::roster::IdError>, s: &str) -> T {
    parse(s).expect("bench id")
}

fn roster() -> Roster {
    let school = id(SchoolId::parse, "school");
    let team = id(TeamId::parse, "team");
    let person = |pid: String, role: Role, discord: u64| Person {
        id: id(PersonId::parse, &pid),
        school: school.clone(),
        role,
        name: format!("Naam {pid}"),
        team: (role == Role::Wpb).then(|| team.clone()),
        chat: Some(format!("discord:{discord}")),
        language: None,
    };
    let mut people = vec![person(
        "so".into(),
        Role::Schoolopleider,
        700_000_000_000_000_001,
    )];
    let mut pairings = Vec::new();
    for i in 0..WPBS as u64 {
        people.push(person(
            format!("w{i}"),
            Role::Wpb,
            800_000_000_000_000_000 + 2 * i,
        ));
        people.push(person(
            format!("s{i}"),
            Role::Student,
            800_000_000_000_000_001 + 2 * i,
        ));
        pairings.push(Pairing {
            wpb: id(PersonId::parse, &format!("w{i}")),
            student: id(PersonId::parse, &format!("s{i}")),
            start: NaiveDate::from_ymd_opt(2026, 1, 5).expect("date"),
            end: NaiveDate::from_ymd_opt(2027, 7, 10).expect("date"),
        });
    }
    Roster {
        schools: vec![School {
            id: school.clone(),
            name: "School".into(),
        }],
        teams: vec![Team {
            id: team,
            school,
            name: "Team".into(),
            channel: None,
        }],
        people,
        pairings,
    }
}

fn local(d: u32, h: u32, m: u32) -> chrono::DateTime<Utc> {
    Amsterdam
        .with_ymd_and_hms(2026, 10, d, h, m, 0)
        .single()
        .expect("local time")
        .with_timezone(&Utc)
}

#[tokio::main]
async fn main() {
    let limit: u32 = std::env::var("WANDELGANG_BENCH_DISCORD_LIMIT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let standin = StandIn::start(StandInOptions {
        token: Some(TOKEN.into()),
        guild_ids: vec![GUILD],
        global_rate_limit: limit,
        // Discord's own per-channel limit for messages; DM channels are opened in the warm-up.
        route_limits: vec![RouteLimit::new(
            "POST",
            "/channels/{channel_id}/messages",
            5,
            Duration::from_secs(5),
        )],
        default_route_limit: (limit, Duration::from_secs(1)),
        validate_openapi: false,
        ..Default::default()
    })
    .await;

    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&url).await.expect("store");
    store.import_roster(&roster()).await.expect("roster");
    let text = format!(
        "[defaults]\nschool_days = [\"ma\"]\ncadence = 1\nreminder = false\n\n[discord.guilds]\n\"{GUILD}\" = \"school\"\n"
    );
    let config = Config::from_toml_str(&text, "bench.toml", &BTreeMap::new()).expect("config");
    let clock = VirtualClock::new(local(5, 6, 0));
    let pace = f64::from(limit) * 0.96;
    let mut opts = DiscordOptions::new(
        HttpBuilder::new(TOKEN).client(standin.reqwest_client()),
        BTreeMap::from([(GUILD, "school".to_string())]),
        pace,
    );
    opts.tick_every = None;
    let shared: SharedClock = Arc::new(clock.clone());
    let bot = start(
        store.clone(),
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
        shared,
        opts,
    )
    .await
    .expect("bot");
    let engine = bot.engine.clone();

    // Warm-up: the first Monday opens every DM channel (one request per wpb, once ever).
    engine.tick().await.expect("plan");
    clock.set(local(5, 16, 20));
    let warm = Instant::now();
    engine.tick().await.expect("warm-up fan-out");
    eprintln!(
        "warm-up: {WPBS} prompts and {WPBS} DM channels in {:.1} s",
        warm.elapsed().as_secs_f64()
    );

    // Measured: the next Monday, every DM channel known.
    clock.set(local(12, 6, 0));
    engine.tick().await.expect("plan");
    clock.set(local(12, 16, 20));
    let before_requests = standin.requests().len();
    let before_429 = standin.rate_limited_count();
    let started = Instant::now();
    let outcome = engine.tick().await.expect("fan-out");
    let secs = started.elapsed().as_secs_f64();
    let requests = standin.requests().len() - before_requests;
    let rate = requests as f64 / secs;
    println!(
        "discord fan-out, {WPBS} prompts, stand-in global limit {limit}/s, bot pace {pace:.0}/s"
    );
    println!(
        "  sent {} prompts with {requests} requests in {secs:.2} s",
        outcome.sent
    );
    println!(
        "  {rate:.1} requests/s = {:.3} of the limit (aim ≥ 0.9); 429 answers: {} (aim 0)",
        rate / f64::from(limit),
        standin.rate_limited_count() - before_429
    );
    bot.kill();
}
