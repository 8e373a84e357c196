//! The Discord adapter end to end: the real serenity + poise client (its own rate limiter on)
//! against the local Discord stand-in, over TLS and a real websocket gateway. Every test ends
//! by checking that each request the bot made matches Discord's OpenAPI description (when
//! `DISCORD_OPENAPI_SPEC` is set, as CI does) and that it called no route Discord lacks.

use serde_json::{Value, json};
use serenity::all::HttpBuilder;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::discord_standin::{Actor, Disconnect, Place, RouteLimit, StandIn, StandInOptions};
use crate::support::{TestDb, at, count, eventually, roster};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::discord::bot::{BotEngine, SharedClock};
use wandelgang::chat::discord::{DiscordOptions, RunningBot, start};
use wandelgang::config::Config;
use wandelgang::domain::prompts::Catalogue;
use wandelgang::domain::reflection::Reflection;
use wandelgang::domain::roster::Roster;
use wandelgang::store::Store;

pub(crate) const TOKEN: &str = "wandelgang.test.token";
pub(crate) const GUILD: u64 = 900_000_000_000_000_001;
const TEAM_CHANNEL: u64 = 900_000_000_000_000_100;
const WAIT: Duration = Duration::from_secs(20);

/// Discord user ids for the roster's people: `so`, `w<i>`, `s<i>`.
pub(crate) fn uid(person: &str) -> u64 {
    let base = 800_000_000_000_000_000u64;
    match person {
        "so" => base + 1,
        p if p.starts_with('w') => base + 1_000 + 2 * p[1..].parse::<u64>().expect("wpb index"),
        p if p.starts_with('s') => base + 1_001 + 2 * p[1..].parse::<u64>().expect("student index"),
        p => panic!("no Discord id for {p}"),
    }
}

pub(crate) fn actor(person: &str) -> Actor {
    Actor::new(uid(person), format!("Naam {person}"))
}

fn in_guild() -> Place {
    Place::Guild {
        guild_id: GUILD,
        channel_id: TEAM_CHANNEL,
    }
}

/// The shared test roster, reachable on Discord, with the team channel set.
pub(crate) fn discord_roster(n: usize) -> Roster {
    let mut r = roster(n);
    for p in &mut r.people {
        p.chat = Some(format!("discord:{}", uid(p.id.as_str())));
    }
    for t in &mut r.teams {
        t.channel = Some(format!("discord:#{TEAM_CHANNEL}"));
    }
    r
}

/// Prompts only on Mondays, once a week, without reminders: a tick late on Monday finds every
/// wpb's slot due at once. The weekly digest (Monday 08:00) only where a test asks for it.
fn config(digest: bool) -> Config {
    let text = format!(
        "[defaults]\nschool_days = [\"ma\"]\ncadence = 1\nreminder = false\n\n[defaults.digest]\nenabled = {digest}\n\n[discord.guilds]\n\"{GUILD}\" = \"school\"\n"
    );
    Config::from_toml_str(&text, "test.toml", &BTreeMap::new()).expect("test config")
}

/// Generous limits for the tests that are not about limits, so they run quickly; the
/// stand-in still sends its headers and serenity still obeys them.
fn fast_limits() -> StandInOptions {
    StandInOptions {
        token: Some(TOKEN.into()),
        guild_ids: vec![GUILD],
        heartbeat_interval_ms: 1_000,
        global_rate_limit: 1_000,
        route_limits: vec![
            RouteLimit::new(
                "POST",
                "/channels/{channel_id}/messages",
                5,
                Duration::from_secs(5),
            ),
            RouteLimit::new("POST", "/users/@me/channels", 1_000, Duration::from_secs(1)),
        ],
        ..Default::default()
    }
}

struct Harness {
    standin: StandIn,
    store: Store,
    clock: VirtualClock,
    bot: Option<RunningBot>,
    digest: bool,
    _db: TestDb,
}

impl Harness {
    async fn new(n: usize, opts: StandInOptions) -> Harness {
        Self::build(n, opts, false).await
    }

    /// With the weekly digest on.
    async fn with_digest(n: usize, opts: StandInOptions) -> Harness {
        Self::build(n, opts, true).await
    }

    async fn build(n: usize, opts: StandInOptions, digest: bool) -> Harness {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let db = TestDb::sqlite();
        let store = db.store().await;
        store
            .import_roster(&discord_roster(n))
            .await
            .expect("roster");
        let standin = StandIn::start(opts).await;
        let clock = VirtualClock::new(at("2026-10-05 06:00"));
        let mut h = Harness {
            standin,
            store,
            clock,
            bot: None,
            digest,
            _db: db,
        };
        h.start_bot(400.0).await;
        h
    }

    async fn start_bot(&mut self, requests_per_second: f64) {
        let http = HttpBuilder::new(TOKEN).client(self.standin.reqwest_client());
        let mut guilds = BTreeMap::new();
        guilds.insert(GUILD, "school".to_string());
        let mut opts = DiscordOptions::new(http, guilds, requests_per_second);
        opts.tick_every = None;
        let clock: SharedClock = Arc::new(self.clock.clone());
        let identified = self.standin.identify_count();
        let registered = self.registrations();
        let bot = start(
            self.store.clone(),
            Arc::new(config(self.digest)),
            Arc::new(Catalogue::builtin()),
            clock,
            opts,
        )
        .await
        .expect("bot starts");
        assert!(
            self.standin
                .wait_until(
                    |s| s.identify_count() > identified && s.gateway_live(),
                    WAIT
                )
                .await,
            "the bot never identified on the gateway"
        );
        // poise registers the commands once its setup ran: from then on events are handled.
        assert!(
            self.standin
                .wait_until(|s| registrations(s) > registered, WAIT)
                .await,
            "the commands were never registered"
        );
        self.bot = Some(bot);
    }

    fn registrations(&self) -> usize {
        registrations(&self.standin)
    }

    fn engine(&self) -> &Arc<BotEngine> {
        &self.bot.as_ref().expect("bot running").engine
    }

    /// Plans the week, then ticks late on Monday, when every slot of the day is due.
    async fn fan_out(&self) {
        self.engine().tick().await.expect("plan");
        self.clock.set(at("2026-10-05 16:20"));
        self.engine().tick().await.expect("send");
    }

    async fn tick(&self) {
        self.engine().tick().await.expect("tick");
    }

    /// What the bot posted in a person's DMs (not its answers to their interactions).
    fn dm(&self, person: &str) -> Vec<Value> {
        posted(self.standin.dm_messages_to(uid(person)))
    }

    /// Waits for the bot's answer to an interaction it was sent.
    async fn response(&self, interaction: &Value) -> Value {
        let id: u64 = interaction["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("snowflake");
        self.standin
            .wait_interaction_response(id, WAIT)
            .await
            .unwrap_or_else(|| panic!("no answer to interaction {id}"))
    }

    async fn count(&self, sql: &str) -> i64 {
        count(&self.store, sql).await
    }

    async fn eventually(&self, sql: &str) {
        eventually(&self.store, sql).await
    }

    /// The value Discord sends for a choice, as the bot registered it.
    fn choice(&self, command: &str, option: &str, name: &str) -> Value {
        let commands = self.standin.guild_commands(GUILD);
        let command = commands
            .iter()
            .find(|c| c["name"] == command)
            .expect("command");
        let option = command["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["name"] == option)
            .expect("option");
        option["choices"]
            .as_array()
            .expect("choices")
            .iter()
            .find(|c| c["name"] == name)
            .expect("choice")["value"]
            .clone()
    }

    /// Every message the bot created carries empty allowed_mentions; every outbox message an
    /// enforced nonce that fits Discord's 25 characters; and every body matches the spec.
    fn assert_wire_safe(&self) {
        for r in self.standin.requests() {
            let Some(body) = &r.body else { continue };
            let message = match r.route.as_str() {
                "/channels/{channel_id}/messages" => Some(body),
                "/interactions/{interaction_id}/{interaction_token}/callback" => {
                    body.get("data").filter(|d| d.get("content").is_some())
                }
                _ => None,
            };
            if let Some(m) = message {
                assert_eq!(
                    m["allowed_mentions"]["parse"],
                    json!([]),
                    "{} {}: {m}",
                    r.method,
                    r.path
                );
                assert!(
                    m["allowed_mentions"]["users"]
                        .as_array()
                        .is_none_or(|u| u.is_empty())
                );
                assert!(
                    m["allowed_mentions"]["roles"]
                        .as_array()
                        .is_none_or(|u| u.is_empty())
                );
            }
            if r.route == "/channels/{channel_id}/messages"
                && let Some(nonce) = body.get("nonce").and_then(Value::as_str)
            {
                assert!(nonce.len() <= 25);
                assert_eq!(body["enforce_nonce"], true);
            }
        }
        self.standin.assert_clean();
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.kill();
        }
    }
}

fn registrations(standin: &StandIn) -> usize {
    standin
        .requests()
        .iter()
        .filter(|r| r.route.ends_with("/commands"))
        .count()
}

/// Ordinary messages, leaving out the answers to interactions (types 19 and 20).
fn posted(messages: Vec<Value>) -> Vec<Value> {
    messages.into_iter().filter(|m| m["type"] == 0).collect()
}

fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(String::from))
        .collect()
}

fn ephemeral_text(response: &Value) -> String {
    assert_eq!(response["type"], 4, "{response}");
    assert_eq!(
        response["data"]["flags"].as_u64().unwrap_or(0) & 64,
        64,
        "not ephemeral: {response}"
    );
    response["data"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn option(name: &str, kind: u8, value: Value) -> Value {
    json!({"name": name, "type": kind, "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wpb_gets_a_prompt_taps_klik_and_reflects_through_the_modal() {
    let h = Harness::new(1, fast_limits()).await;

    // Commands are registered in the school's guild, Dutch first with English localizations.
    let commands = h.standin.guild_commands(GUILD);
    let names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    for name in [
        "reflectie",
        "klik",
        "pauze",
        "hervat",
        "ritme",
        "mijngegevens",
        "vergeet-mij",
        "intervisie",
        "koppel",
        "ontkoppel",
        "escalaties",
        "overzicht",
        "instellingen",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let reflectie = commands
        .iter()
        .find(|c| c["name"] == "reflectie")
        .expect("reflectie");
    assert_eq!(reflectie["name_localizations"]["en-US"], "reflection");

    h.fan_out().await;
    let prompts = h.dm("w0");
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    let prompt = &prompts[0];
    let ids = custom_ids(prompt);
    assert_eq!(ids.len(), 4, "{ids:?}");
    assert!(ids.contains(&"wg1:klik:twijfel:s0".to_string()));

    // A tap on twijfel is recorded and acknowledged privately.
    let click = h
        .standin
        .send_button_click("wg1:klik:twijfel:s0", prompt, &actor("w0"));
    let text = ephemeral_text(&h.response(&click).await);
    assert!(text.contains("Naam s0"), "{text}");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM klik_signals WHERE source = 'wpb' AND value = 0")
            .await,
        1
    );

    // The reflection button opens a modal capped at the core's limit; its text is stored
    // against this very prompt.
    let reflect_id = ids
        .iter()
        .find(|i| i.starts_with("wg1:refl:"))
        .expect("reflection button");
    let click = h
        .standin
        .send_button_click(reflect_id, prompt, &actor("w0"));
    let modal = h.response(&click).await;
    assert_eq!(modal["type"], 9, "{modal}");
    assert_eq!(
        modal["data"]["components"][0]["components"][0]["max_length"],
        280
    );
    let modal_id = modal["data"]["custom_id"]
        .as_str()
        .expect("modal id")
        .to_string();
    let submit = h.standin.send_modal_submit(
        &modal_id,
        &[("tekst", "Ze stelde vandaag zelf een vraag.")],
        &actor("w0"),
        &Place::Dm,
    );
    ephemeral_text(&h.response(&submit).await);
    let (text, key): (String, Option<String>) =
        sqlx::query_as("SELECT text, prompt_key FROM reflections")
            .fetch_one(h.store.pool())
            .await
            .expect("reflection");
    assert_eq!(text, "Ze stelde vandaag zelf een vraag.");
    assert_eq!(key.as_deref(), modal_id.strip_prefix("wg1:reflm:"));

    // A plain DM also counts as a reflection, and is answered in the DM.
    let before = h.dm("w0").len();
    h.standin
        .send_dm_message(&actor("w0"), "En morgen vraag ik door.");
    assert!(
        h.standin
            .wait_until(|s| posted(s.dm_messages_to(uid("w0"))).len() > before, WAIT)
            .await
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM reflections").await, 2);
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_klik_pattern_reaches_the_schoolopleider_without_private_text() {
    let h = Harness::new(1, fast_limits()).await;
    h.fan_out().await;
    let prompt = h.dm("w0").remove(0);
    // The wpb keeps a private reflection; the schoolopleider must never see it.
    let private = h.standin.send_slash_command(
        "reflectie",
        json!([option("tekst", 3, json!("Geheim: ik twijfel aan mezelf."))]),
        &actor("w0"),
        &in_guild(),
    );
    ephemeral_text(&h.response(&private).await);
    let click = h
        .standin
        .send_button_click("wg1:klik:twijfel:s0", &prompt, &actor("w0"));
    h.response(&click).await;
    // The student's own klik is confidential: only they see the answer.
    h.clock.set(at("2026-10-06 10:00"));
    let geen_klik = h.choice("klik", "waarde", "geen klik");
    let student = h.standin.send_slash_command(
        "klik",
        json!([option("waarde", 4, geen_klik)]),
        &actor("s0"),
        &in_guild(),
    );
    let text = ephemeral_text(&h.response(&student).await);
    assert!(text.contains("Naam w0"), "{text}");
    h.tick().await;

    let to_so = h.dm("so");
    assert_eq!(to_so.len(), 1, "{to_so:?}");
    let summary = to_so[0]["content"].as_str().expect("content");
    assert!(
        summary.contains("Naam w0") && summary.contains("Naam s0"),
        "{summary}"
    );
    assert!(
        !summary.contains("Geheim"),
        "a private reflection leaked: {summary}"
    );
    let ids = custom_ids(&to_so[0]);
    assert_eq!(ids.len(), 3, "{ids:?}");
    // Nothing about the student's signal reached the wpb: only the prompt and the gentle
    // follow-up question after their own first doubt.
    let to_wpb = h.dm("w0");
    assert_eq!(to_wpb.len(), 2, "{to_wpb:#?}");
    assert!(
        to_wpb.iter().all(|m| !m["content"]
            .as_str()
            .unwrap_or_default()
            .contains("schoolopleider")),
        "{to_wpb:#?}"
    );
    assert!(h.dm("s0").is_empty());

    // The wpb cannot act on the schoolopleider's button, even with its id in hand.
    let ack = ids
        .iter()
        .find(|i| i.ends_with(":oppakken"))
        .expect("acknowledge");
    let forged = h.standin.send_button_click(ack, &to_so[0], &actor("w0"));
    ephemeral_text(&h.response(&forged).await);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM escalations WHERE status = 'open'")
            .await,
        1
    );
    // The schoolopleider's press is recorded.
    let press = h.standin.send_button_click(ack, &to_so[0], &actor("so"));
    ephemeral_text(&h.response(&press).await);
    assert_eq!(h.count("SELECT COUNT(*) FROM escalations WHERE status = 'acknowledged' AND acknowledged_by = 'so'").await, 1);
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_intervisie_thread_moves_through_its_phases() {
    let h = Harness::new(2, fast_limits()).await;
    let start = h.standin.send_slash_command(
        "intervisie",
        json!([{"name": "start", "type": 1, "options": [option("casus", 3, json!("Mijn student komt vaak te laat; hoe spreek ik dat aan?"))]}]),
        &actor("w0"),
        &in_guild(),
    );
    ephemeral_text(&h.response(&start).await);
    h.tick().await;
    // The announcement in the team channel starts a thread; the thread has its id.
    let threads = h.standin.threads();
    assert_eq!(threads.len(), 1, "{threads:?}");
    let (thread, parent, _) = threads[0].clone();
    assert_eq!(parent, Some(TEAM_CHANNEL));
    assert_eq!(posted(h.standin.messages_in(TEAM_CHANNEL)).len(), 1);

    // A colleague's question in the thread is a contribution.
    h.standin
        .send_guild_message(&actor("w1"), GUILD, thread, "Wat heb je al geprobeerd?");
    h.eventually(
        "SELECT COUNT(*) FROM intervisie_threads WHERE state LIKE '%Wat heb je al geprobeerd?%'",
    )
    .await;
    // Vragen, Ervaringen, Opbrengst and the closing summary all land in the thread.
    let mut phases = 0;
    for _ in 0..3 {
        let next = h.standin.send_slash_command(
            "intervisie",
            json!([{"name": "door", "type": 1, "options": []}]),
            &actor("w0"),
            &in_guild(),
        );
        ephemeral_text(&h.response(&next).await);
        h.tick().await;
        phases += 1;
    }
    let takeaway = h.standin.send_slash_command(
        "intervisie",
        json!([{"name": "opbrengst", "type": 1, "options": [option("tekst", 3, json!("Ik vraag eerst wat er speelt."))]}]),
        &actor("w0"),
        &in_guild(),
    );
    ephemeral_text(&h.response(&takeaway).await);
    let close = h.standin.send_slash_command(
        "intervisie",
        json!([{"name": "door", "type": 1, "options": []}]),
        &actor("w0"),
        &in_guild(),
    );
    ephemeral_text(&h.response(&close).await);
    h.tick().await;
    let in_thread: Vec<String> = posted(h.standin.messages_in(thread))
        .iter()
        .filter(|m| m["author"]["id"] == "1100000000000000001")
        .filter_map(|m| m["content"].as_str().map(String::from))
        .collect();
    assert_eq!(in_thread.len(), phases + 1, "{in_thread:#?}");
    assert!(
        in_thread[phases].contains("Ik vraag eerst wat er speelt."),
        "{in_thread:#?}"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM intervisie_threads WHERE closed <> 0")
            .await,
        1,
        "{in_thread:#?}"
    );
    // Everything after the announcement went into the thread, not the channel.
    assert_eq!(posted(h.standin.messages_in(TEAM_CHANNEL)).len(), 1);
    h.assert_wire_safe();
}

/// Prompts per wpb DM channel, as Discord holds them.
fn prompts_per_wpb(standin: &StandIn, n: usize) -> HashMap<usize, usize> {
    (0..n)
        .map(|i| (i, standin.dm_messages_to(uid(&format!("w{i}"))).len()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_in_the_middle_of_a_fan_out_every_wpb_gets_exactly_one_prompt() {
    const N: usize = 500;
    let mut h = Harness::new(N, fast_limits()).await;
    h.engine().tick().await.expect("plan");
    h.clock.set(at("2026-10-05 16:20"));
    let engine = h.engine().clone();
    let fan_out = tokio::spawn(async move { engine.tick().await });
    assert!(
        h.standin
            .wait_until(|s| s.bot_messages().len() >= 150, WAIT)
            .await
    );
    fan_out.abort(); // the process dies in the middle of a batch
    let _ = fan_out.await;
    h.bot.take().expect("bot").kill();
    let sent_before = h.standin.bot_messages().len();
    let early = h.standin.bot_messages().remove(0);
    assert!(sent_before < N, "the fan-out finished before the kill");

    // A new process, after the dead one's claims ran out.
    h.clock.set(at("2026-10-05 16:22"));
    h.start_bot(400.0).await;
    h.tick().await;
    let per_wpb = prompts_per_wpb(&h.standin, N);
    let wrong: Vec<_> = per_wpb.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        wrong.is_empty(),
        "wpbs without exactly one prompt: {wrong:?}"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'")
            .await,
        N as i64
    );
    // Some sends were handed to Discord twice (the unrecorded part of the killed batch) and
    // were deduplicated there by their nonce.
    let posts = h
        .standin
        .requests()
        .iter()
        .filter(|r| r.route == "/channels/{channel_id}/messages" && r.method == "POST")
        .count();
    assert!(
        posts > N,
        "no resend happened ({posts} posts), so the test proved nothing"
    );
    // A button on a prompt the dead process sent still works in the new one.
    let klik = custom_ids(&early)
        .into_iter()
        .find(|id| id.starts_with("wg1:klik:goed:"))
        .expect("klik button");
    let wpb = format!("w{}", &klik["wg1:klik:goed:s".len()..]);
    let click = h.standin.send_button_click(&klik, &early, &actor(&wpb));
    ephemeral_text(&h.response(&click).await);
    h.eventually("SELECT COUNT(*) FROM klik_signals").await;
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_disconnect_is_survived() {
    let h = Harness::new(1, fast_limits()).await;
    h.fan_out().await;
    h.standin.disconnect_gateway_with(Disconnect::TcpDrop);
    // Sent while the bot is away: delivered on resume, handled once.
    h.standin
        .send_dm_message(&actor("w0"), "Ging goed vandaag.");
    assert!(
        h.standin.wait_until(|s| s.resume_count() >= 1, WAIT).await,
        "never resumed"
    );
    assert!(
        h.standin
            .wait_until(|s| s.dm_messages_to(uid("w0")).len() >= 2, WAIT)
            .await
    );
    assert_eq!(h.count("SELECT COUNT(*) FROM reflections").await, 1);
    h.standin.disconnect_gateway();
    assert!(
        h.standin.wait_until(|s| s.resume_count() >= 2, WAIT).await,
        "never resumed twice"
    );
    let click = h
        .standin
        .send_button_click("wg1:klik:goed:s0", &h.dm("w0")[0], &actor("w0"));
    ephemeral_text(&h.response(&click).await);
    assert_eq!(h.count("SELECT COUNT(*) FROM klik_signals").await, 1);
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_storm_and_server_errors_lose_no_prompt() {
    const N: usize = 60;
    let h = Harness::new(N, fast_limits()).await;
    h.standin.inject_429(25, 0.2, true);
    h.fan_out().await;
    assert!(h.standin.rate_limited_count() >= 25);
    // serenity waited out every 429 and sent again: all prompts arrived in the same tick.
    let per_wpb = prompts_per_wpb(&h.standin, N);
    assert!(per_wpb.values().all(|n| *n == 1), "{per_wpb:?}");
    h.assert_wire_safe();

    // Then Discord has a bad minute: those sends are retried on a later tick.
    let h = Harness::new(N, fast_limits()).await;
    h.engine().tick().await.expect("plan");
    h.standin.inject_5xx(10);
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let first = h.standin.bot_messages().len();
    assert!(first < N, "no send failed, so the test proved nothing");
    assert!(
        h.count("SELECT COUNT(*) FROM outbox WHERE status = 'planned' AND attempts > 0")
            .await
            > 0
    );
    h.clock.set(at("2026-10-05 16:25"));
    h.tick().await;
    let per_wpb = prompts_per_wpb(&h.standin, N);
    assert!(per_wpb.values().all(|n| *n == 1), "{per_wpb:?}");
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_reflections_are_handled_as_the_core_says() {
    let h = Harness::new(1, fast_limits()).await;
    h.fan_out().await;
    let key = custom_ids(&h.dm("w0")[0])
        .into_iter()
        .find_map(|i| i.strip_prefix("wg1:refl:").map(String::from))
        .expect("prompt key");
    let inputs = [
        "@everyone kijk hier @here".to_string(),
        "x".repeat(281),
        "eerste regel\ntweede regel\r\n\nderde".to_string(),
        "normaal \u{202E}gnirts nrettap\u{202C} einde".to_string(),
        "   ".to_string(),
    ];
    for input in &inputs {
        let before = h.count("SELECT COUNT(*) FROM reflections").await;
        let submit = h.standin.send_modal_submit(
            &format!("wg1:reflm:{key}"),
            &[("tekst", input)],
            &actor("w0"),
            &Place::Dm,
        );
        let answer = ephemeral_text(&h.response(&submit).await);
        let stored: Vec<(String,)> =
            sqlx::query_as("SELECT text FROM reflections ORDER BY id DESC LIMIT 1")
                .fetch_all(h.store.pool())
                .await
                .expect("reflections");
        match Reflection::parse(input) {
            Ok(r) => assert_eq!(stored[0].0, r.as_str(), "{input:?}"),
            Err(e) => {
                assert_eq!(
                    h.count("SELECT COUNT(*) FROM reflections").await,
                    before,
                    "{input:?} was stored"
                );
                assert!(answer.contains(&e.to_string()[..20]), "{answer} / {e}");
            }
        }
    }
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_of_someone_else_or_an_old_version_change_nothing() {
    let h = Harness::new(2, fast_limits()).await;
    h.fan_out().await;
    let prompt = h.dm("w0").remove(0);
    // w1 replays w0's button (for w0's student): refused kindly, nothing stored.
    let forged = h
        .standin
        .send_button_click("wg1:klik:geen:s0", &prompt, &actor("w1"));
    let text = ephemeral_text(&h.response(&forged).await);
    assert!(!text.is_empty());
    // A stranger who is not in the roster at all.
    let stranger = Actor::new(42, "Onbekend");
    let forged = h
        .standin
        .send_button_click("wg1:klik:geen:s0", &prompt, &stranger);
    ephemeral_text(&h.response(&forged).await);
    // A button from an older version, and one that was never ours.
    for id in ["wg0:klik:geen:s0", "iets:anders"] {
        let old = h.standin.send_button_click(id, &prompt, &actor("w0"));
        ephemeral_text(&h.response(&old).await);
    }
    assert_eq!(h.count("SELECT COUNT(*) FROM klik_signals").await, 0);
    assert_eq!(h.count("SELECT COUNT(*) FROM escalations").await, 0);
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_dms_are_recorded_not_retried_and_the_schoolopleider_told_once() {
    let h = Harness::new(2, fast_limits()).await;
    h.standin.close_dms(uid("w0"));
    h.fan_out().await;
    h.clock.set(at("2026-10-05 16:25"));
    h.tick().await;
    assert!(h.dm("w0").is_empty());
    assert_eq!(h.dm("w1").len(), 1);
    let to_so = h.dm("so");
    assert_eq!(to_so.len(), 1, "{to_so:?}");
    assert!(
        to_so[0]["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Naam w0")
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM people WHERE dm_closed <> 0")
            .await,
        1
    );
    let attempts = h
        .standin
        .requests()
        .iter()
        .filter(|r| r.status == 403)
        .count();
    assert_eq!(attempts, 1, "a closed DM was retried");
    h.assert_wire_safe();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_data_comes_as_a_file_and_forgetting_asks_first() {
    let h = Harness::new(1, fast_limits()).await;
    h.fan_out().await;
    let export = h
        .standin
        .send_slash_command("mijngegevens", json!([]), &actor("w0"), &in_guild());
    let response = h.response(&export).await;
    ephemeral_text(&response);
    let files: Vec<_> = h
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.route.ends_with("/callback"))
        .flat_map(|r| r.files)
        .collect();
    assert!(
        files.iter().any(|(_, name)| name.ends_with(".json")),
        "{files:?}"
    );

    let forget = h
        .standin
        .send_slash_command("vergeet-mij", json!([]), &actor("w0"), &in_guild());
    let response = h.response(&forget).await;
    ephemeral_text(&response);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM people WHERE id = 'w0'").await,
        1,
        "deleted before confirming"
    );
    let confirm_id = custom_ids(&response["data"])
        .into_iter()
        .next()
        .expect("confirm button");
    // The button sits on the private answer itself.
    let answer = h
        .standin
        .interaction_original(
            forget["id"]
                .as_str()
                .expect("id")
                .parse()
                .expect("snowflake"),
        )
        .expect("the answer is a message");
    let press = h
        .standin
        .send_button_click(&confirm_id, &answer, &actor("w0"));
    let done = h.response(&press).await;
    assert_eq!(done["type"], 7, "{done}");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM people WHERE id = 'w0'").await,
        0
    );
    h.assert_wire_safe();
}

/// `/vraag`: one prompt now, through the outbox; a second ask the same day is refused and sends
/// nothing; the week's one planned slot it replaced is never sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vraag_gives_one_prompt_now_and_a_second_ask_that_day_is_refused() {
    let h = Harness::new(1, fast_limits()).await;
    let commands = h.standin.guild_commands(GUILD);
    let vraag = commands
        .iter()
        .find(|c| c["name"] == "vraag")
        .expect("vraag registered");
    assert_eq!(vraag["name_localizations"]["en-US"], "prompt");
    h.tick().await; // plans Monday's slot

    h.clock.set(at("2026-10-05 07:00"));
    let ask = h
        .standin
        .send_slash_command("vraag", json!([]), &actor("w0"), &in_guild());
    let text = ephemeral_text(&h.response(&ask).await);
    assert!(
        text.contains("halve minuut") || text.contains("half a minute"),
        "{text}"
    );
    assert!(h.dm("w0").is_empty(), "queued, sent by the tick");
    h.tick().await;
    let prompts = h.dm("w0");
    assert_eq!(prompts.len(), 1, "{prompts:?}");
    assert!(
        custom_ids(&prompts[0])
            .iter()
            .any(|i| i.starts_with("wg1:refl:2026-W41-vraag1:prompt:w0")),
        "{:?}",
        custom_ids(&prompts[0])
    );

    // A double click: refused, with the day it can be asked again.
    let again = h
        .standin
        .send_slash_command("vraag", json!([]), &actor("w0"), &in_guild());
    let text = ephemeral_text(&h.response(&again).await);
    assert!(text.contains("12-10-2026"), "{text}");
    // Monday's planned slot was replaced: the rest of the day brings no second prompt.
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    h.tick().await;
    assert_eq!(h.dm("w0").len(), 1);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'")
            .await,
        1
    );
    h.assert_wire_safe();
}

/// A student who is not on Discord is named by roster id or name in a string option; a name
/// two students share is refused with their ids; a mention names someone who is on Discord.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_not_on_discord_are_named_by_roster_id_or_name() {
    let h = Harness::new(2, fast_limits()).await;
    let mut r = discord_roster(2);
    for p in &mut r.people {
        if p.id.as_str() == "s0" {
            p.chat = None;
        }
    }
    h.store.import_roster(&r).await.expect("roster");
    let twijfel = h.choice("klik", "waarde", "twijfel");

    // By name, in other case: the klik lands on the pairing with s0.
    let by_name = h.standin.send_slash_command(
        "klik",
        json!([
            option("waarde", 4, twijfel.clone()),
            option("student", 3, json!("naam S0"))
        ]),
        &actor("w0"),
        &in_guild(),
    );
    let text = ephemeral_text(&h.response(&by_name).await);
    assert!(text.contains("Naam s0"), "{text}");
    h.eventually("SELECT COUNT(*) FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id WHERE p.student_id = 's0' AND k.value = 0").await;

    // A first name every student shares: refused, with the ids to use.
    let shared = h.standin.send_slash_command(
        "klik",
        json!([
            option("waarde", 4, twijfel),
            option("student", 3, json!("Naam"))
        ]),
        &actor("w0"),
        &in_guild(),
    );
    let text = ephemeral_text(&h.response(&shared).await);
    assert!(text.contains("s0, s1"), "{text}");
    assert_eq!(h.count("SELECT COUNT(*) FROM klik_signals").await, 1);

    // The schoolopleider ends a pairing naming the wpb by mention and the student by id.
    let unpair = h.standin.send_slash_command(
        "ontkoppel",
        json!([
            option("wpb", 3, json!(format!("<@{}>", uid("w1")))),
            option("student", 3, json!("s1"))
        ]),
        &actor("so"),
        &in_guild(),
    );
    ephemeral_text(&h.response(&unpair).await);
    h.eventually(
        "SELECT COUNT(*) FROM pairings WHERE student_id = 's1' AND end_day = '2026-10-05'",
    )
    .await;

    // Someone nobody in the school is called.
    let nobody = h.standin.send_slash_command(
        "koppel",
        json!([
            option("wpb", 3, json!("w1")),
            option("student", 3, json!("Karel"))
        ]),
        &actor("so"),
        &in_guild(),
    );
    let text = ephemeral_text(&h.response(&nobody).await);
    assert!(text.contains("Karel") && text.contains("rooster"), "{text}");
    h.assert_wire_safe();
}

/// The Monday digest reaches the schoolopleider as one message with the chart attached: the
/// multipart request's `payload_json` is checked against Discord's OpenAPI description, the
/// file part is a PNG, and the attachment carries the text alternative.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_reaches_the_schoolopleider_with_its_chart() {
    let h = Harness::with_digest(3, fast_limits()).await;
    // A week with prompts, so the next Monday's digest has something to tell.
    h.fan_out().await;
    h.clock.set(at("2026-10-12 08:05"));
    h.tick().await;
    let to_so = h.dm("so");
    assert_eq!(to_so.len(), 1, "{to_so:#?}");
    let content = to_so[0]["content"].as_str().expect("content");
    assert!(content.starts_with("Weekoverzicht School"), "{content}");
    let sent: Vec<_> = h
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.route == "/channels/{channel_id}/messages" && !r.files.is_empty())
        .collect();
    assert_eq!(sent.len(), 1);
    let r = &sent[0];
    assert_eq!(
        r.files,
        [(
            "files[0]".to_string(),
            "weekoverzicht-2026-W41.png".to_string()
        )]
    );
    assert_eq!(r.file_types, ["image/png"]);
    let body = r.body.as_ref().expect("payload_json");
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["id"], "0");
    assert!(
        attachment["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Grafiek per team")),
        "{body}"
    );
    assert_eq!(body["enforce_nonce"], true);
    // Another tick that day sends nothing more.
    h.clock.set(at("2026-10-12 09:20"));
    h.tick().await;
    assert_eq!(h.dm("so").len(), 1);
    // `/overzicht weken:4` answers privately with the same kind of chart.
    let ask = h.standin.send_slash_command(
        "overzicht",
        json!([option("weken", 4, json!(4))]),
        &actor("so"),
        &in_guild(),
    );
    let answer = ephemeral_text(&h.response(&ask).await);
    assert!(
        answer.starts_with("Overzicht School · week 39–42"),
        "{answer}"
    );
    let files: Vec<_> = h
        .standin
        .requests()
        .into_iter()
        .filter(|r| r.route.ends_with("/callback"))
        .flat_map(|r| r.files.into_iter().zip(r.file_types))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        files[0].0.1.ends_with(".png") && files[0].1 == "image/png",
        "{files:?}"
    );
    h.assert_wire_safe();
}
