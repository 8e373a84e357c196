//! The Matrix adapter end to end against a real Synapse on loopback. Independent matrix-sdk
//! clients play the wpbs, the student and the schoolopleider. Skipped with a notice when
//! Synapse cannot be installed (never in CI: there the helper fails instead).

use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::TimelineEventKind;
use matrix_sdk::ruma::api::client::message::send_message_event;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::room::encryption::RoomEncryptionEventContent;
use matrix_sdk::ruma::events::room::message::{MessageType, RoomMessageEventContent};
use matrix_sdk::ruma::events::{AnyMessageLikeEventContent, InitialStateEvent};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedUserId, RoomId, TransactionId};
use matrix_sdk::{SessionMeta, SessionTokens};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::matrix_synapse::{Limits, Registered, Synapse};
use crate::support::{TestDb, at, count, eventually, roster};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::matrix::bot::{MatrixEngine, SharedClock};
use wandelgang::chat::matrix::pace::Action;
use wandelgang::chat::matrix::{MatrixError, MatrixOptions, RunningMatrixBot, run, start};
use wandelgang::config::{Config, MatrixSettings, Secret};
use wandelgang::domain::prompts::Catalogue;
use wandelgang::store::Store;

const PASSWORD: &str = "wachtwoord-voor-de-test";
const WAIT: Duration = Duration::from_secs(30);
/// Set on an event the human's client decrypted.
const DECRYPTED: &str = "test:decrypted";

/// A person at their Matrix client.
struct Human {
    client: Client,
    user_id: String,
    since: Mutex<Option<String>>,
    seen: Mutex<Vec<(String, Value)>>,
}

impl Human {
    async fn new(synapse: &Synapse, reg: &Registered) -> Human {
        let client = Client::builder()
            .homeserver_url(synapse.url())
            .build()
            .await
            .expect("client");
        let user: OwnedUserId = reg.user_id.as_str().try_into().expect("user id");
        client
            .restore_session(MatrixSession {
                meta: SessionMeta {
                    user_id: user,
                    device_id: reg.device_id.as_str().into(),
                },
                tokens: SessionTokens {
                    access_token: reg.access_token.clone(),
                    refresh_token: None,
                },
            })
            .await
            .expect("session");
        Human {
            client,
            user_id: reg.user_id.clone(),
            since: Mutex::new(None),
            seen: Mutex::new(Vec::new()),
        }
    }

    /// One sync: joins every invite, keeps every new timeline event.
    async fn sync(&self) {
        let since = self.since.lock().expect("lock").clone();
        let mut settings = SyncSettings::default().timeout(Duration::from_millis(200));
        if let Some(t) = since {
            settings = settings.token(t);
        }
        let response = self.client.sync_once(settings).await.expect("sync");
        for room in response.rooms.invited.keys() {
            self.client.join_room_by_id(room).await.expect("join");
        }
        let mut seen = self.seen.lock().expect("lock");
        for (room, joined) in &response.rooms.joined {
            for e in &joined.timeline.events {
                let mut v: Value = serde_json::from_str(e.raw().json().get()).expect("event json");
                if matches!(e.kind, TimelineEventKind::Decrypted(_)) {
                    v[DECRYPTED] = json!(true);
                }
                // One event once, even if the homeserver hands it over again (a room's
                // history right after joining it): a bot that sent twice made two events.
                if seen.iter().any(|(_, old)| old["event_id"] == v["event_id"]) {
                    continue;
                }
                seen.push((room.to_string(), v));
            }
        }
        *self.since.lock().expect("lock") = Some(response.next_batch);
    }

    /// Waits for an event (new or already seen) from the bot that matches.
    async fn wait_for(&self, what: &str, matches: impl Fn(&Value) -> bool) -> (String, Value) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(found) = self
                .seen
                .lock()
                .expect("lock")
                .iter()
                .find(|(_, e)| e["sender"] != self.user_id.as_str() && matches(e))
                .cloned()
            {
                return found;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} never saw {what}",
                self.user_id
            );
            self.sync().await;
        }
    }

    fn bodies_from(&self, sender: &str) -> Vec<(String, Value)> {
        self.seen
            .lock()
            .expect("lock")
            .iter()
            .filter(|(_, e)| e["sender"] == sender && e["type"] == "m.room.message")
            .cloned()
            .collect()
    }

    async fn send(&self, room: &str, kind: &str, content: Value) -> String {
        let raw: Raw<AnyMessageLikeEventContent> =
            Raw::new(&content).expect("raw").cast_unchecked();
        let request = send_message_event::v3::Request::new_raw(
            RoomId::parse(room).expect("room id"),
            TransactionId::new(),
            kind.into(),
            raw,
        );
        self.client
            .send(request)
            .await
            .expect("send")
            .event_id
            .to_string()
    }

    async fn say(&self, room: &str, body: &str) -> String {
        self.send(
            room,
            "m.room.message",
            json!({"msgtype": "m.text", "body": body}),
        )
        .await
    }

    async fn react(&self, room: &str, event: &str, key: &str) -> String {
        self.send(
            room,
            "m.reaction",
            json!({"m.relates_to": {"rel_type": "m.annotation", "event_id": event, "key": key}}),
        )
        .await
    }

    /// A DM with `user` the way Element opens one: direct, private, end-to-end encrypted.
    async fn open_encrypted_dm(&self, user: &str) -> String {
        let mut request = create_room::v3::Request::new();
        request.invite = vec![user.try_into().expect("user")];
        request.is_direct = true;
        request.preset = Some(create_room::v3::RoomPreset::TrustedPrivateChat);
        request.initial_state = vec![
            InitialStateEvent::with_empty_state_key(
                RoomEncryptionEventContent::with_recommended_defaults(),
            )
            .to_raw_any(),
        ];
        let room = self.client.create_room(request).await.expect("create dm");
        room.room_id().to_string()
    }

    /// Sends through matrix-sdk's room API, as a real client does: encrypted where the room is.
    async fn send_in_room(&self, room: &str, content: Value) -> String {
        let room_id = RoomId::parse(room).expect("room id");
        let room = match self.client.get_room(&room_id) {
            Some(r) => r,
            None => self.client.join_room_by_id(&room_id).await.expect("join"),
        };
        room.send_raw("m.room.message", content)
            .await
            .expect("send in room")
            .response
            .event_id
            .to_string()
    }

    async fn create_room(&self, invite: &[&str], direct: bool) -> String {
        let mut request = create_room::v3::Request::new();
        request.invite = invite
            .iter()
            .map(|u| (*u).try_into().expect("user"))
            .collect();
        request.is_direct = direct;
        self.client
            .send(request)
            .await
            .expect("create room")
            .room_id
            .to_string()
    }
}

struct Harness {
    synapse: Synapse,
    store: Store,
    clock: VirtualClock,
    bot_user: String,
    /// The bot's account as registered: a device with an access token.
    bot_reg: Registered,
    bot: Option<RunningMatrixBot>,
    /// matrix-sdk's store of the bot (device, keys), kept over restarts like the database.
    keys: tempfile::TempDir,
    /// Whether the bot creates its DMs encrypted. Off unless a test says so: most humans here
    /// log in only after the bot wrote to them, and a message encrypted before a device
    /// existed is unreadable to it (as in Element).
    encrypt_dms: bool,
    /// Whether the weekly digest (Monday 08:00) is on; off unless a test is about it.
    digest: bool,
    _db: TestDb,
}

fn config(digest: bool) -> Config {
    let text = format!(
        "[defaults]\nschool_days = [\"ma\"]\ncadence = 1\nreminder = false\n[defaults.digest]\nenabled = {digest}\n"
    );
    Config::from_toml_str(&text, "test.toml", &BTreeMap::new()).expect("config")
}

fn mx(synapse: &Synapse, local: &str) -> String {
    format!("@{local}:{}", synapse.server_name())
}

impl Harness {
    /// Synapse with the bot's account, and a roster of `n` wpbs (with their students) whose
    /// chat addresses are Matrix users. `team_room` is set on the team when given.
    async fn new(n: usize) -> Option<(Harness, BTreeMap<String, Registered>)> {
        Self::new_with(n, Limits::Lifted).await
    }

    async fn new_with(n: usize, limits: Limits) -> Option<(Harness, BTreeMap<String, Registered>)> {
        Self::new_on(n, limits, TestDb::sqlite()).await
    }

    async fn new_on(
        n: usize,
        limits: Limits,
        db: TestDb,
    ) -> Option<(Harness, BTreeMap<String, Registered>)> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let synapse = Synapse::start_with(limits).await?;
        let bot_reg = synapse.register("wandelgang", PASSWORD, false).await;
        let mut people = BTreeMap::new();
        for local in std::iter::once("so".to_string())
            .chain((0..n).map(|i| format!("w{i}")))
            .chain((0..n).map(|i| format!("s{i}")))
        {
            let reg = synapse.register(&local, PASSWORD, false).await;
            people.insert(local, reg);
        }
        let store = db.store().await;
        let bot_user = mx(&synapse, "wandelgang");
        let h = Harness {
            synapse,
            store,
            clock: VirtualClock::new(at("2026-10-05 06:00")),
            bot_user,
            bot_reg,
            bot: None,
            keys: tempfile::tempdir().expect("temp dir"),
            encrypt_dms: false,
            digest: false,
            _db: db,
        };
        Some((h, people))
    }

    async fn import(&self, n: usize, team_room: Option<&str>) {
        self.import_roster(roster(n), team_room).await;
    }

    /// Imports `r` with every person reachable on this homeserver.
    async fn import_roster(
        &self,
        mut r: wandelgang::domain::roster::Roster,
        team_room: Option<&str>,
    ) {
        for p in &mut r.people {
            p.chat = Some(format!("matrix:{}", mx(&self.synapse, p.id.as_str())));
        }
        for t in &mut r.teams {
            t.channel = team_room.map(|room| format!("matrix:{room}"));
        }
        self.store.import_roster(&r).await.expect("roster");
    }

    /// The bot's settings: logging in with the password, or with an access token only.
    fn options(&self, access_token: Option<&str>) -> MatrixOptions {
        let settings = MatrixSettings {
            homeserver: self.synapse.url(),
            user: self.bot_user.clone(),
            password: access_token.is_none().then(|| Secret::new(PASSWORD)),
            access_token: access_token.map(Secret::new),
            store: Some(self.keys.path().join("matrix-store")),
            store_passphrase: Some(Secret::new("sleutel van de test")),
            encrypt_dms: self.encrypt_dms,
        };
        let mut opts = MatrixOptions::new(settings);
        opts.tick_every = None;
        opts.sync_timeout = Duration::from_millis(300);
        opts
    }

    /// `run` as `wandelgang run` uses it, ticking on its own, until it ends or `stop` fires.
    fn spawn_run(
        &self,
        access_token: Option<&str>,
        stop: tokio::sync::oneshot::Receiver<()>,
    ) -> tokio::task::JoinHandle<Result<(), MatrixError>> {
        let mut opts = self.options(access_token);
        opts.tick_every = Some(Duration::from_millis(300));
        let clock: SharedClock = Arc::new(self.clock.clone());
        tokio::spawn(run(
            self.store.clone(),
            Arc::new(config(self.digest)),
            Arc::new(Catalogue::builtin()),
            clock,
            opts,
            async move {
                let _ = stop.await;
            },
        ))
    }

    /// The device the bot's stored session belongs to.
    async fn bot_device(&self) -> Option<String> {
        let saved = self
            .store
            .chat_state("matrix:session")
            .await
            .expect("chat state")?;
        let v: Value = serde_json::from_str(&saved).ok()?;
        // matrix-sdk flattens the session's meta into it.
        v["device_id"]
            .as_str()
            .or(v["meta"]["device_id"].as_str())
            .map(String::from)
    }

    /// What the homeserver's admin does: deletes the bot's device (and so its login).
    async fn admin_deletes_device(&self, device: &str) {
        let admin = self.synapse.register("beheer", PASSWORD, true).await;
        let url = format!(
            "{}/_synapse/admin/v2/users/{}/devices/{device}",
            self.synapse.url(),
            self.bot_user
        );
        let response = reqwest::Client::new()
            .delete(url)
            .bearer_auth(&admin.access_token)
            .send()
            .await
            .expect("delete device");
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn start_bot(&mut self) {
        let opts = self.options(None);
        let clock: SharedClock = Arc::new(self.clock.clone());
        let bot = start(
            self.store.clone(),
            Arc::new(config(self.digest)),
            Arc::new(Catalogue::builtin()),
            clock,
            opts,
        )
        .await
        .expect("bot starts");
        self.bot = Some(bot);
    }

    fn engine(&self) -> &Arc<MatrixEngine> {
        &self.bot.as_ref().expect("bot").engine
    }

    async fn tick(&self) {
        self.engine().tick().await.expect("tick");
    }

    async fn count(&self, sql: &str) -> i64 {
        count(&self.store, sql).await
    }

    async fn eventually(&self, sql: &str) {
        eventually(&self.store, sql).await
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(bot) = self.bot.take() {
            bot.kill();
        }
    }
}

fn meta(e: &Value) -> &Value {
    &e["content"]["nl.wandelgang"]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prompt_reaction_reply_escalation_and_intervisie_on_a_real_homeserver() {
    let Some((mut h, people)) = Harness::new(2).await else {
        return;
    };
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    let w1 = Human::new(&h.synapse, &people["w1"]).await;
    let s0 = Human::new(&h.synapse, &people["s0"]).await;
    let so = Human::new(&h.synapse, &people["so"]).await;
    // The team room exists before the bot: the team's own room, the bot invited into it.
    let team_room = so
        .create_room(&[&h.bot_user, &w0.user_id, &w1.user_id], false)
        .await;
    h.import(2, Some(&team_room)).await;
    h.start_bot().await;
    for human in [&w0, &w1] {
        human.sync().await;
    }

    // A prompt arrives in a DM room made for the wpb.
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let (dm, prompt) = w0
        .wait_for("a prompt", |e| meta(e)["prompt"].is_string())
        .await;
    assert_eq!(prompt["content"]["m.mentions"], json!({}));
    assert!(prompt["content"]["formatted_body"].is_string());
    let prompt_id = prompt["event_id"].as_str().expect("event id").to_string();

    // A reaction records a klik; a reply to the prompt records the reflection against it.
    w0.react(&dm, &prompt_id, "🤔").await;
    h.eventually("SELECT COUNT(*) FROM klik_signals WHERE source = 'wpb' AND value = 0")
        .await;
    w0.send(
        &dm,
        "m.room.message",
        json!({"msgtype": "m.text", "body": "Ze stelde zelf een vraag. @room",
               "m.relates_to": {"m.in_reply_to": {"event_id": prompt_id}}}),
    )
    .await;
    h.eventually("SELECT COUNT(*) FROM reflections WHERE prompt_key IS NOT NULL AND text LIKE 'Ze stelde zelf een vraag.%'").await;
    let (_, answer) = w0
        .wait_for("the answer to the reflection", |e| {
            e["type"] == "m.room.message"
                && meta(e).is_null()
                && e["event_id"] != prompt_id.as_str()
        })
        .await;
    assert_eq!(answer["content"]["m.mentions"], json!({}));

    // The student's confidential klik, in their own DM with the bot.
    let s0_dm = s0.create_room(&[&h.bot_user], true).await;
    s0.wait_for("the bot joining", |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == h.bot_user.as_str()
            && e["content"]["membership"] == "join"
    })
    .await;
    h.clock.set(at("2026-10-06 10:00"));
    s0.say(&s0_dm, "!klik geen klik").await;
    s0.wait_for("the answer to the klik", |e| {
        e["type"] == "m.room.message" && e["sender"] == h.bot_user.as_str()
    })
    .await;
    h.tick().await;

    // The pattern reaches the schoolopleider, with reactions as its buttons.
    let (so_dm, escalation) = so
        .wait_for("an escalation", |e| meta(e)["escalation"].is_i64())
        .await;
    let body = escalation["content"]["body"].as_str().expect("body");
    assert!(
        body.contains("Naam w0") && body.contains("Naam s0"),
        "{body}"
    );
    // The wpb's reflection was not shared: it is not in the summary.
    assert!(!body.contains("Ze stelde zelf"), "{body}");
    so.react(&so_dm, escalation["event_id"].as_str().expect("id"), "✋")
        .await;
    h.eventually(
        "SELECT COUNT(*) FROM escalations WHERE status = 'acknowledged' AND acknowledged_by = 'so'",
    )
    .await;

    // Intervisie in the team room: the announcement is the thread root, the rest follows in it.
    w0.say(
        &team_room,
        "!intervisie start Mijn student komt vaak te laat; hoe spreek ik dat aan?",
    )
    .await;
    h.eventually("SELECT COUNT(*) FROM intervisie_threads")
        .await;
    h.tick().await;
    let (_, root) = w1
        .wait_for("the intervisie announcement", |e| {
            e["type"] == "m.room.message"
                && e["sender"] == h.bot_user.as_str()
                && e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("Intervisie"))
        })
        .await;
    let root_id = root["event_id"].as_str().expect("root").to_string();
    w1.send(
        &team_room,
        "m.room.message",
        json!({"msgtype": "m.text", "body": "Wat heb je al geprobeerd?",
               "m.relates_to": {"rel_type": "m.thread", "event_id": root_id, "is_falling_back": true, "m.in_reply_to": {"event_id": root_id}}}),
    )
    .await;
    h.eventually(
        "SELECT COUNT(*) FROM intervisie_threads WHERE state LIKE '%Wat heb je al geprobeerd?%'",
    )
    .await;
    for command in [
        "!intervisie door",
        "!intervisie door",
        "!intervisie door",
        "!intervisie opbrengst Ik vraag eerst wat er speelt.",
        "!intervisie door",
    ] {
        w0.say(&team_room, command).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        h.tick().await;
    }
    h.eventually("SELECT COUNT(*) FROM intervisie_threads WHERE closed <> 0")
        .await;
    w1.wait_for("the closing summary", |e| {
        e["content"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("Ik vraag eerst wat er speelt."))
    })
    .await;
    let in_thread = w1
        .bodies_from(&h.bot_user)
        .into_iter()
        .filter(|(room, e)| {
            *room == team_room
                && e["content"]["m.relates_to"]["rel_type"] == "m.thread"
                && e["content"]["m.relates_to"]["event_id"] == root_id.as_str()
        })
        .count();
    assert_eq!(
        in_thread, 4,
        "Vragen, Ervaringen, Opbrengst and the summary belong in the thread"
    );
}

/// A stop leaves the sync's long poll at once instead of waiting it out, and says the
/// connection is down.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_leaves_the_long_poll_at_once() {
    let Some((mut h, _people)) = Harness::new(1).await else {
        return;
    };
    h.import(1, None).await;
    let mut opts = h.options(None);
    opts.sync_timeout = Duration::from_secs(30);
    let clock: SharedClock = Arc::new(h.clock.clone());
    let bot = start(
        h.store.clone(),
        Arc::new(config(false)),
        Arc::new(Catalogue::builtin()),
        clock,
        opts,
    )
    .await
    .expect("bot starts");
    let engine = bot.engine.clone();
    assert!(engine.metrics.chat_connected());
    // Well inside the 30 s long poll.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let stopping = std::time::Instant::now();
    bot.run_until(async {}).await.expect("a clean stop");
    let took = stopping.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the stop waited out the long poll: {took:?}"
    );
    assert!(engine.is_stopping());
    assert!(!engine.metrics.chat_connected());
    h.bot = None;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_fan_out_sends_every_prompt_once_and_replays_no_old_event() {
    const N: usize = 40;
    let Some((mut h, people)) = Harness::new(N).await else {
        return;
    };
    h.import(N, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;

    // Before anything goes wrong, w0 writes to the bot in a room of their own.
    let own_room = w0.create_room(&[&h.bot_user], true).await;
    w0.wait_for("the bot joining", |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == h.bot_user.as_str()
            && e["content"]["membership"] == "join"
    })
    .await;
    w0.say(&own_room, "Vandaag ging het goed.").await;
    h.eventually("SELECT COUNT(*) FROM reflections").await;

    // The process dies in the middle of the fan-out.
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    let engine = h.engine().clone();
    let fan_out = tokio::spawn(async move { engine.tick().await });
    h.eventually(
        "SELECT CASE WHEN COUNT(*) >= 5 THEN 1 ELSE 0 END FROM chat_state WHERE key LIKE 'dm:%'",
    )
    .await;
    fan_out.abort();
    let _ = fan_out.await;
    h.bot.take().expect("bot").kill();
    let rooms = h
        .count("SELECT COUNT(*) FROM chat_state WHERE key LIKE 'dm:%'")
        .await;
    assert!(rooms < N as i64, "the fan-out finished before the kill");
    // Sent while the bot is down: handled once after the restart.
    w0.say(&own_room, "En morgen vraag ik door.").await;

    // A new process after the dead one's claims ran out.
    h.clock.set(at("2026-10-05 16:23"));
    h.start_bot().await;
    h.tick().await;
    h.eventually("SELECT COUNT(*) FROM reflections WHERE text = 'En morgen vraag ik door.'")
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM reflections").await,
        2,
        "an old event was replayed"
    );
    assert_eq!(
        h.count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'")
            .await,
        N as i64
    );

    // Every wpb has exactly one prompt in their DM room.
    for i in 0..N {
        let wpb = Human::new(&h.synapse, &people[&format!("w{i}")]).await;
        wpb.wait_for("a prompt", |e| meta(e)["prompt"].is_string())
            .await;
        wpb.sync().await;
        let prompts = wpb
            .bodies_from(&h.bot_user)
            .into_iter()
            .filter(|(_, e)| meta(e)["prompt"].is_string())
            .count();
        assert_eq!(prompts, 1, "w{i} got {prompts} prompts");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wpb_with_two_students_reacts_on_each_students_line() {
    let Some((mut h, people)) = Harness::new(2).await else {
        return;
    };
    // w0 guides both s0 and s1.
    let mut r = roster(2);
    r.pairings[1].wpb = r.pairings[0].wpb.clone();
    h.import_roster(r, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let (dm, prompt) = w0
        .wait_for("a prompt", |e| {
            meta(e)["prompt"].is_string() && meta(e)["line"].is_null()
        })
        .await;
    // With two students the prompt itself names none; each has a line of its own.
    assert!(meta(&prompt)["student"].is_null(), "{prompt}");
    let (_, line) = w0
        .wait_for("the klik line for s1", |e| {
            meta(e)["line"] == true && meta(e)["student"] == "s1"
        })
        .await;
    w0.wait_for("the klik line for s0", |e| {
        meta(e)["line"] == true && meta(e)["student"] == "s0"
    })
    .await;
    // A reaction on the prompt itself says nothing about which student: it is ignored.
    w0.react(&dm, prompt["event_id"].as_str().expect("id"), "👍")
        .await;
    w0.react(&dm, line["event_id"].as_str().expect("id"), "👎")
        .await;
    h.eventually("SELECT COUNT(*) FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id WHERE p.student_id = 's1' AND k.value = -1").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(h.count("SELECT COUNT(*) FROM klik_signals").await, 1);
}

impl Harness {
    /// A second login of the bot's account: the homeserver's view of the bot, as a crashed
    /// process would have left it.
    async fn bot_login(&self) -> Client {
        let client = Client::builder()
            .homeserver_url(self.synapse.url())
            .build()
            .await
            .expect("client");
        client
            .matrix_auth()
            .login_username(&self.bot_user, PASSWORD)
            .send()
            .await
            .expect("bot login");
        client
    }
}

/// The rooms `client`'s user is in (joined or invited to) together with `other`.
async fn rooms_with(human: &Human, other: &str) -> Vec<String> {
    use matrix_sdk::ruma::api::client::membership::{get_member_events, joined_rooms};
    human.sync().await;
    let rooms = human
        .client
        .send(joined_rooms::v3::Request::new())
        .await
        .expect("joined rooms")
        .joined_rooms;
    let mut with = Vec::new();
    for room in rooms {
        let members = human
            .client
            .send(get_member_events::v3::Request::new(room.clone()))
            .await
            .expect("members")
            .chunk;
        let present = members.iter().any(|m| {
            let v: Value = serde_json::from_str(m.json().get()).expect("member json");
            v["state_key"] == other
                && matches!(v["content"]["membership"].as_str(), Some("join" | "invite"))
        });
        if present {
            with.push(room.to_string());
        }
    }
    with
}

/// The bot's `m.direct` as the homeserver keeps it.
async fn m_direct(bot: &Client) -> Value {
    use matrix_sdk::ruma::api::client::config::get_global_account_data;
    use matrix_sdk::ruma::events::GlobalAccountDataEventType;
    let me = bot.user_id().expect("logged in").to_owned();
    let response = bot
        .send(get_global_account_data::v3::Request::new(
            me,
            GlobalAccountDataEventType::Direct,
        ))
        .await
        .expect("m.direct");
    serde_json::from_str(response.account_data.json().get()).expect("m.direct json")
}

fn is_prompt(e: &Value) -> bool {
    meta(e)["prompt"].is_string() && meta(e)["line"].is_null()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_the_wpb_opened_is_where_the_prompt_goes() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    h.import(1, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    // Like Element: a DM with the bot, before any prompt.
    let own = w0.create_room(&[&h.bot_user], true).await;
    w0.wait_for("the bot joining", |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == h.bot_user.as_str()
            && e["content"]["membership"] == "join"
    })
    .await;
    h.eventually("SELECT COUNT(*) FROM chat_state WHERE key LIKE 'dm:%'")
        .await;

    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let (room, _) = w0.wait_for("a prompt", is_prompt).await;
    assert_eq!(room, own, "the prompt went to another room");
    assert_eq!(rooms_with(&w0, &h.bot_user).await, vec![own.clone()]);
    // The room is the bot's DM with w0 in m.direct too, as a Matrix client would have it.
    let bot = h.bot_login().await;
    assert_eq!(m_direct(&bot).await[&w0.user_id], json!([own]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_room_made_before_a_crash_is_found_and_never_made_twice() {
    let Some((mut h, people)) = Harness::new(2).await else {
        return;
    };
    h.import(2, None).await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    let w1 = Human::new(&h.synapse, &people["w1"]).await;
    // The bot made w1's room and died at once: not in the store, not in m.direct.
    let bot = h.bot_login().await;
    let mut request = create_room::v3::Request::new();
    request.invite = vec![w1.user_id.as_str().try_into().expect("user")];
    request.is_direct = true;
    request.name = Some("Wandelgang".into());
    let orphan = bot.send(request).await.expect("create").room_id.to_string();

    h.start_bot().await;
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let (room1, _) = w1.wait_for("a prompt", is_prompt).await;
    assert_eq!(room1, orphan, "w1's prompt went to a second room");
    let (room0, _) = w0.wait_for("a prompt", is_prompt).await;
    let direct = m_direct(&bot).await;
    assert_eq!(direct[&w0.user_id], json!([room0]));
    assert_eq!(direct[&w1.user_id], json!([orphan]));

    // A restart that lost the store's records (a crash between the room and its record) finds
    // the same rooms on the homeserver.
    h.bot.take().expect("bot").kill();
    sqlx::query("DELETE FROM chat_state WHERE key LIKE 'dm:%'")
        .execute(h.store.pool())
        .await
        .expect("delete");
    h.start_bot().await;
    for (human, room) in [(&w0, &room0), (&w1, &orphan)] {
        let found = h
            .engine()
            .chat
            .dm_room(&format!("matrix:{}", human.user_id), &human.user_id)
            .await
            .expect("dm room");
        assert_eq!(found.as_str(), room.as_str());
        assert_eq!(rooms_with(human, &h.bot_user).await, vec![room.clone()]);
    }
    assert_eq!(
        h.engine().chat.pace_stats(Action::CreateRoom).requests,
        0,
        "the restarted bot asked for a new room"
    );
}

/// Log lines at WARN and up, captured for one test's thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures what the current thread logs (the test's own `tick`s run on it).
    fn start(&self) -> tracing::subscriber::DefaultGuard {
        let me = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || me.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn lines(&self, level: &str, containing: &str) -> Vec<String> {
        String::from_utf8_lossy(&self.0.lock().expect("lock"))
            .lines()
            .filter(|l| l.contains(level) && l.contains(containing))
            .map(String::from)
            .collect()
    }
}

/// Ticks (with the virtual clock following real time) until every prompt is sent; returns the
/// rows held back on the way.
async fn fan_out(h: &Harness, n: usize, within: Duration) -> usize {
    let base = at("2026-10-05 16:20");
    let started = std::time::Instant::now();
    let mut held = 0;
    loop {
        let elapsed = started.elapsed();
        h.clock
            .set(base + chrono::Duration::from_std(elapsed).expect("duration"));
        held += h.engine().tick().await.expect("tick").held;
        let sent = h
            .count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'")
            .await;
        if sent == n as i64 {
            eprintln!(
                "{n} prompts in {:.0}s, {held} held back",
                elapsed.as_secs_f64()
            );
            return held;
        }
        assert!(
            elapsed < within,
            "only {sent} of {n} prompts after {elapsed:?}"
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn each_has_one_prompt(h: &Harness, people: &BTreeMap<String, Registered>, n: usize) {
    for i in 0..n {
        let wpb = Human::new(&h.synapse, &people[&format!("w{i}")]).await;
        wpb.wait_for("a prompt", is_prompt).await;
        wpb.sync().await;
        let prompts: Vec<(String, Value)> = wpb
            .bodies_from(&h.bot_user)
            .into_iter()
            .filter(|(_, e)| is_prompt(e))
            .collect();
        assert_eq!(
            prompts.len(),
            1,
            "w{i} got {} prompts: {prompts:?}",
            prompts.len()
        );
    }
}

/// Synapse's default limits: ten rooms at once, then one per 62.5 s; ten messages (a room
/// creation counts as one), then one per 5 s. Twelve new wpbs: ten rooms at once, two paced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_fan_out_keeps_to_a_homeservers_default_limits() {
    const N: usize = 12;
    let Some((mut h, people)) = Harness::new_with(N, Limits::Default).await else {
        return;
    };
    h.import(N, None).await;
    h.start_bot().await;
    let log = Captured::default();
    let _capture = log.start();
    h.tick().await;
    let held = fan_out(&h, N, Duration::from_secs(240)).await;

    let rooms = h.engine().chat.pace_stats(Action::CreateRoom);
    let messages = h.engine().chat.pace_stats(Action::Message);
    eprintln!("room creation {rooms:?}, messages {messages:?}");
    assert!(held > 0 && rooms.refused > 0, "no limit was met: {rooms:?}");
    // No tight loop: every refused creation was followed by a wait.
    assert!(
        rooms.requests <= 2 * N as u64,
        "{} room creations asked for {N} rooms",
        rooms.requests
    );
    // Said once per burst, with what to do about it.
    let warned = log.lines("WARN", "Matrix rate limit on room creation");
    assert_eq!(warned.len() as u64, rooms.bursts, "{warned:#?}");
    assert_eq!(rooms.bursts, 1, "{warned:#?}");
    assert!(
        warned[0].contains("rc_room_creation") && warned[0].contains("override_ratelimit"),
        "{}",
        warned[0]
    );
    assert_eq!(
        log.lines("WARN", "Matrix rate limit on messages").len() as u64,
        messages.bursts
    );
    each_has_one_prompt(&h, &people, N).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM chat_state WHERE key LIKE 'dm:%'")
            .await,
        N as i64
    );
}

/// The 30 wpbs on a fresh homeserver with default limits would take 10 rooms at once and
/// 20 more at 62.5 s each: about 21 minutes. With the README's advice (the bot's limits lifted
/// with the admin API) they all have their prompt at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_wpbs_get_their_first_prompt_at_once_with_the_readmes_override() {
    const N: usize = 30;
    let Some((mut h, people)) = Harness::new_with(N, Limits::Default).await else {
        return;
    };
    let admin = h.synapse.register("beheer", PASSWORD, true).await;
    h.synapse
        .override_ratelimit(&admin.access_token, &h.bot_user)
        .await;
    h.import(N, None).await;
    h.start_bot().await;
    let log = Captured::default();
    let _capture = log.start();
    h.tick().await;
    fan_out(&h, N, Duration::from_secs(60)).await;
    let rooms = h.engine().chat.pace_stats(Action::CreateRoom);
    assert_eq!((rooms.requests, rooms.refused), (N as u64, 0), "{rooms:?}");
    assert_eq!(h.engine().chat.pace_stats(Action::Message).refused, 0);
    assert!(log.lines("WARN", "rate limit").is_empty());
    each_has_one_prompt(&h, &people, N).await;
}

/// `!vraag` in a DM the wpb opened: one prompt, delivered by the next tick; a second `!vraag`
/// that day is refused and sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vraag_delivers_one_prompt_and_a_second_ask_that_day_is_refused() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    h.import(1, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    h.tick().await; // plans Monday's slot
    let room = w0.create_room(&[&h.bot_user], true).await;
    let bot = h.bot_user.clone();
    w0.wait_for("the bot joining", |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == bot.as_str()
            && e["content"]["membership"] == "join"
    })
    .await;

    h.clock.set(at("2026-10-05 07:00"));
    w0.say(&room, "!vraag").await;
    w0.wait_for("the answer to !vraag", |e| {
        e["content"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("halve minuut") || b.contains("half a minute"))
    })
    .await;
    h.eventually("SELECT COUNT(*) FROM outbox WHERE key = '2026-W41-vraag1:prompt:w0'")
        .await;
    h.tick().await;
    w0.wait_for("the prompt", |e| meta(e)["prompt"].is_string())
        .await;

    w0.say(&room, "!vraag").await;
    w0.wait_for("the refusal of a second !vraag", |e| {
        e["content"]["body"]
            .as_str()
            .is_some_and(|b| b.contains("12-10-2026"))
    })
    .await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    h.tick().await;
    w0.sync().await;
    let prompts = w0
        .bodies_from(&h.bot_user)
        .into_iter()
        .filter(|(_, e)| meta(e)["prompt"].is_string())
        .count();
    assert_eq!(prompts, 1);
    assert_eq!(
        h.count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'")
            .await,
        1
    );
}

fn is_member_join(e: &Value, user: &str) -> bool {
    e["type"] == "m.room.member" && e["state_key"] == user && e["content"]["membership"] == "join"
}

fn is_unreadable_notice(e: &Value) -> bool {
    e["content"]["body"].as_str().is_some_and(|b| {
        b.contains("Ik kan je bericht niet lezen") && b.contains("I cannot read your message")
    })
}

fn text(body: &str) -> Value {
    json!({"msgtype": "m.text", "body": body})
}

/// Polls until the bot's stored session names a device that `accept`s.
async fn bot_device_where(h: &Harness, what: &str, accept: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(device) = h.bot_device().await.filter(|d| accept(d)) {
            return device;
        }
        assert!(tokio::time::Instant::now() < deadline, "never {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_encrypted_dm_opened_by_the_wpb_gets_prompts_and_reflections_also_after_a_restart() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    h.encrypt_dms = true;
    h.import(1, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    // The wpb's client announces its device keys, as Element does at login.
    w0.sync().await;

    // The wpb opens an encrypted DM with the bot from their own client; the bot joins.
    let dm = w0.open_encrypted_dm(&h.bot_user).await;
    w0.wait_for("the bot joining", |e| is_member_join(e, &h.bot_user))
        .await;
    w0.send_in_room(&dm, text("Eerste dag, veel gezien.")).await;
    h.eventually("SELECT COUNT(*) FROM reflections WHERE text = 'Eerste dag, veel gezien.'")
        .await;
    let (answer_room, answer) = w0
        .wait_for("the answer to the reflection", |e| {
            e["type"] == "m.room.message" && meta(e).is_null()
        })
        .await;
    assert_eq!(answer_room, dm);
    assert_eq!(answer[DECRYPTED], true, "the answer is encrypted: {answer}");

    // The prompt arrives encrypted and is read; an encrypted reply to it is stored against it.
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    let (prompt_room, prompt) = w0
        .wait_for("a prompt", |e| meta(e)["prompt"].is_string())
        .await;
    assert_eq!(prompt[DECRYPTED], true, "the prompt is encrypted: {prompt}");
    let prompt_id = prompt["event_id"].as_str().expect("event id").to_string();
    w0.send_in_room(
        &prompt_room,
        json!({"msgtype": "m.text", "body": "Ze vroeg zelf door.",
               "m.relates_to": {"m.in_reply_to": {"event_id": prompt_id}}}),
    )
    .await;
    h.eventually(
        "SELECT COUNT(*) FROM reflections WHERE prompt_key IS NOT NULL AND text = 'Ze vroeg zelf door.'",
    )
    .await;

    // The bot dies; the wpb writes meanwhile; a new process on the same database and store.
    let device = h.bot_device().await.expect("a session");
    h.bot.take().expect("bot").kill();
    w0.send_in_room(&dm, text("Terwijl de bot weg was.")).await;
    h.clock.set(at("2026-10-05 16:30"));
    h.start_bot().await;
    h.eventually("SELECT COUNT(*) FROM reflections WHERE text = 'Terwijl de bot weg was.'")
        .await;
    assert_eq!(h.bot_device().await.as_deref(), Some(device.as_str()));

    // The next week's prompt, from the restarted bot, is readable too.
    h.clock.set(at("2026-10-12 06:00"));
    h.tick().await;
    h.clock.set(at("2026-10-12 16:20"));
    h.tick().await;
    let (_, second) = w0
        .wait_for("the second prompt", |e| {
            meta(e)["prompt"].is_string() && e["event_id"] != prompt_id.as_str()
        })
        .await;
    assert_eq!(second[DECRYPTED], true, "{second}");
    assert_eq!(h.count("SELECT COUNT(*) FROM reflections").await, 3);
    w0.sync().await;
    assert!(
        !w0.bodies_from(&h.bot_user)
            .iter()
            .any(|(_, e)| is_unreadable_notice(e)),
        "the bot could not read something"
    );

    // Their own data comes as a file that is encrypted too, and it holds what they wrote.
    w0.send_in_room(&dm, text("!mijngegevens")).await;
    let (_, file) = w0
        .wait_for("the export file", |e| e["content"]["msgtype"] == "m.file")
        .await;
    assert_eq!(file[DECRYPTED], true, "{file}");
    assert!(
        file["content"]["url"].is_null() && file["content"]["file"]["url"].is_string(),
        "the file itself is encrypted: {file}"
    );
    let content: RoomMessageEventContent =
        serde_json::from_value(file["content"].clone()).expect("file content");
    let MessageType::File(f) = content.msgtype else {
        panic!("not a file: {file}");
    };
    let bytes = w0
        .client
        .media()
        .get_file(&f, false)
        .await
        .expect("download")
        .expect("a source");
    let export = String::from_utf8(bytes).expect("utf-8");
    assert!(export.contains("Terwijl de bot weg was."), "{export}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_message_gets_one_notice_per_burst() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    h.encrypt_dms = true;
    h.import(1, None).await;
    h.start_bot().await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    w0.sync().await;
    let dm = w0.open_encrypted_dm(&h.bot_user).await;
    w0.wait_for("the bot joining", |e| is_member_join(e, &h.bot_user))
        .await;

    // A real ciphertext, as the homeserver holds it, resent under a session the bot never got:
    // what a client that withholds its keys (or lost them) sends.
    let readable = w0.send_in_room(&dm, text("Leesbaar.")).await;
    let raw = w0
        .client
        .send(
            matrix_sdk::ruma::api::client::room::get_room_event::v3::Request::new(
                RoomId::parse(&dm).expect("room"),
                readable.as_str().try_into().expect("event id"),
            ),
        )
        .await
        .expect("get event");
    let encrypted: Value = serde_json::from_str(raw.event.json().get()).expect("json");
    assert_eq!(encrypted["type"], "m.room.encrypted");
    for i in 0..3 {
        let mut content = encrypted["content"].clone();
        content["session_id"] = json!(format!("geen-sleutel-{i}"));
        w0.send(&dm, "m.room.encrypted", content).await;
    }
    w0.wait_for("the notice", is_unreadable_notice).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    w0.sync().await;
    let notices = w0
        .bodies_from(&h.bot_user)
        .iter()
        .filter(|(room, e)| *room == dm && is_unreadable_notice(e))
        .count();
    assert_eq!(notices, 1, "one notice for the burst");
    assert_eq!(h.count("SELECT COUNT(*) FROM reflections").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_logs_in_again_with_the_password() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    h.encrypt_dms = true;
    h.import(1, None).await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    w0.sync().await;
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let running = h.spawn_run(None, stopped);
    let first = bot_device_where(&h, "logged in", |_| true).await;
    // The ticker plans the day before the slot comes.
    h.eventually("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt'")
        .await;
    h.clock.set(at("2026-10-05 16:20"));
    let (_, prompt) = w0
        .wait_for("a prompt", |e| meta(e)["prompt"].is_string())
        .await;
    let prompt_id = prompt["event_id"].as_str().expect("id").to_string();

    // The admin deletes the bot's device: the bot logs in again, as a new device.
    h.admin_deletes_device(&first).await;
    let second = bot_device_where(&h, "logged in again", |d| d != first).await;
    assert_ne!(second, first);

    // A later prompt still arrives, readable.
    h.clock.set(at("2026-10-12 06:00"));
    h.eventually(
        "SELECT CASE WHEN COUNT(*) >= 2 THEN 1 ELSE 0 END FROM outbox WHERE kind = 'prompt'",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    h.clock.set(at("2026-10-12 16:20"));
    let (_, later) = w0
        .wait_for("a prompt after the new login", |e| {
            meta(e)["prompt"].is_string() && e["event_id"] != prompt_id.as_str()
        })
        .await;
    assert_eq!(later[DECRYPTED], true, "{later}");
    assert!(!running.is_finished(), "the bot stopped");
    stop.send(()).expect("stop");
    running.await.expect("join").expect("a clean stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_without_a_password_ends_the_run_saying_what_to_do() {
    let Some((h, _people)) = Harness::new(1).await else {
        return;
    };
    h.import(1, None).await;
    let token = h.bot_reg.access_token.clone();
    let (_stop, stopped) = tokio::sync::oneshot::channel();
    let running = h.spawn_run(Some(&token), stopped);
    let device = bot_device_where(&h, "logged in", |_| true).await;
    assert_eq!(device, h.bot_reg.device_id);

    h.admin_deletes_device(&device).await;
    let ended = tokio::time::timeout(WAIT, running)
        .await
        .expect("the run ends")
        .expect("join");
    let e = ended.expect_err("a revoked token is an error");
    assert!(matches!(e, MatrixError::TokenRevoked { .. }), "{e}");
    let shown = e.to_string();
    for part in [
        "toegangstoken",
        "access token",
        "WANDELGANG_MATRIX_ACCESS_TOKEN",
    ] {
        assert!(shown.contains(part), "{shown}");
    }

    // Started again with the same dead token, it stops at once with the same advice.
    let (_stop, stopped) = tokio::sync::oneshot::channel();
    let again = tokio::time::timeout(WAIT, h.spawn_run(Some(&token), stopped))
        .await
        .expect("the run ends")
        .expect("join");
    assert!(
        matches!(again, Err(MatrixError::TokenRevoked { .. })),
        "{again:?}"
    );
}

/// Invites sent before the roster wait for it: the team room is joined once the roster names
/// it, and works (intervisie); a stranger's invite is declined after a week. A student without
/// a Matrix account is named by roster id; a stranger typing in a team room gets no DM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invites_wait_for_the_roster_and_people_without_matrix_can_be_named() {
    let Some((mut h, people)) = Harness::new(1).await else {
        return;
    };
    let stranger_account = h.synapse.register("vreemde", PASSWORD, false).await;
    let so = Human::new(&h.synapse, &people["so"]).await;
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    let stranger = Human::new(&h.synapse, &stranger_account).await;
    let pending = "SELECT COUNT(*) FROM chat_state WHERE key LIKE 'invite:%'";

    // Before any roster: the team's room with the bot invited, and a stranger's own room.
    let team_room = so
        .create_room(&[&h.bot_user, &w0.user_id, &stranger.user_id], false)
        .await;
    let strangers_room = stranger.create_room(&[&h.bot_user], true).await;
    h.start_bot().await;
    h.eventually(&format!(
        "SELECT CASE WHEN ({pending}) = 2 THEN 1 ELSE 0 END"
    ))
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(h.count(pending).await, 2, "an invite was decided too early");

    // The roster arrives, naming the room; s0 has no Matrix account.
    let mut r = roster(1);
    for p in &mut r.people {
        p.chat =
            (p.id.as_str() != "s0").then(|| format!("matrix:{}", mx(&h.synapse, p.id.as_str())));
    }
    for t in &mut r.teams {
        t.channel = Some(format!("matrix:{team_room}"));
    }
    h.store.import_roster(&r).await.expect("roster");
    so.wait_for("the bot joining the team room", |e| {
        e["type"] == "m.room.member"
            && e["state_key"] == h.bot_user.as_str()
            && e["content"]["membership"] == "join"
    })
    .await;
    // The invite is forgotten right after the join, which others may see first.
    h.eventually(&format!(
        "SELECT CASE WHEN ({pending}) = 1 THEN 1 ELSE 0 END"
    ))
    .await;
    assert_eq!(
        h.count(&format!(
            "SELECT COUNT(*) FROM chat_state WHERE key = 'invite:{strangers_room}'"
        ))
        .await,
        1,
        "only the stranger's invite waits"
    );
    w0.sync().await;
    stranger.sync().await;

    // The team's intervisie works in the room joined late.
    w0.say(
        &team_room,
        "!intervisie start Hoe begin ik een lastig gesprek?",
    )
    .await;
    h.eventually("SELECT COUNT(*) FROM intervisie_threads")
        .await;
    h.tick().await;
    w0.wait_for("the intervisie announcement", |e| {
        e["sender"] == h.bot_user.as_str()
            && e["content"]["body"]
                .as_str()
                .is_some_and(|b| b.contains("Intervisie"))
    })
    .await;

    // A student without a Matrix account, named as `@s0`.
    w0.say(&team_room, "!klik twijfel @s0").await;
    h.eventually(
        "SELECT COUNT(*) FROM klik_signals k JOIN pairings p ON p.id = k.pairing_id \
         WHERE p.student_id = 's0' AND k.source = 'wpb' AND k.value = 0",
    )
    .await;

    // A stranger's command in the team room: handled, and no room is made for them.
    let typed = stranger.say(&team_room, "!klik goed").await;
    h.eventually(&format!(
        "SELECT COUNT(*) FROM chat_state WHERE key = 'seen:{typed}'"
    ))
    .await;
    let everything = stranger
        .client
        .sync_once(SyncSettings::default().timeout(Duration::ZERO))
        .await
        .expect("sync");
    assert!(
        everything.rooms.invited.is_empty(),
        "the bot invited a stranger"
    );
    // The client's whole view (this sync went on from its last one).
    assert!(stranger.client.invited_rooms().is_empty());
    let mut rooms: Vec<String> = stranger
        .client
        .joined_rooms()
        .iter()
        .map(|r| r.room_id().to_string())
        .collect();
    rooms.sort();
    let mut expected = vec![team_room.clone(), strangers_room.clone()];
    expected.sort();
    assert_eq!(rooms, expected);

    // Six days on the stranger's invite still waits; after the week it is declined.
    h.clock.set(at("2026-10-11 06:00"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(h.count(pending).await, 1);
    h.clock.set(at("2026-10-12 06:30"));
    stranger
        .wait_for("the bot declining", |e| {
            e["type"] == "m.room.member"
                && e["state_key"] == h.bot_user.as_str()
                && e["content"]["membership"] == "leave"
        })
        .await;
    h.eventually(&format!(
        "SELECT CASE WHEN ({pending}) = 0 THEN 1 ELSE 0 END"
    ))
    .await;
}

/// The Monday digest: the text, then the chart as an `m.image` with its size and type in
/// `info` and the text alternative as its body; the media downloads and decodes as that PNG.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_weekly_digest_reaches_the_schoolopleider_with_its_chart_as_an_image() {
    let Some((mut h, people)) = Harness::new(2).await else {
        return;
    };
    let so = Human::new(&h.synapse, &people["so"]).await;
    h.import(2, None).await;
    h.digest = true;
    h.start_bot().await;
    // A week with prompts, so the next Monday's digest has something to tell.
    h.tick().await;
    h.clock.set(at("2026-10-05 16:20"));
    h.tick().await;
    h.clock.set(at("2026-10-12 08:05"));
    h.tick().await;
    let (room, text) = so
        .wait_for("the digest's text", |e| {
            e["content"]["msgtype"] == "m.text"
                && e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("Weekoverzicht"))
        })
        .await;
    let (image_room, image) = so
        .wait_for("the digest's chart", |e| {
            e["content"]["msgtype"] == "m.image"
        })
        .await;
    assert_eq!(room, image_room);
    assert!(
        text["content"]["body"]
            .as_str()
            .unwrap_or_default()
            .contains("Per team"),
        "{text}"
    );
    let content = &image["content"];
    assert!(
        content["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Grafiek per team")),
        "{content}"
    );
    assert_eq!(content["filename"], "weekoverzicht-2026-W41.png");
    let info = &content["info"];
    assert_eq!(info["mimetype"], "image/png", "{info}");
    let (w, h_px, size) = (
        info["w"].as_u64().expect("w"),
        info["h"].as_u64().expect("h"),
        info["size"].as_u64().expect("size"),
    );
    let mxc = content["url"]
        .as_str()
        .expect("an unencrypted room has a plain url");
    let request = matrix_sdk::media::MediaRequestParameters {
        source: matrix_sdk::ruma::events::room::MediaSource::Plain(mxc.into()),
        format: matrix_sdk::media::MediaFormat::File,
    };
    let bytes = so
        .client
        .media()
        .get_media_content(&request, false)
        .await
        .expect("the chart downloads");
    assert_eq!(bytes.len() as u64, size);
    let decoded = png::Decoder::new(std::io::Cursor::new(&bytes))
        .read_info()
        .expect("a PNG");
    assert_eq!(
        (
            u64::from(decoded.info().width),
            u64::from(decoded.info().height)
        ),
        (w, h_px)
    );
    // A second tick that day adds nothing.
    h.clock.set(at("2026-10-12 09:20"));
    h.tick().await;
    so.sync().await;
    let images = so
        .bodies_from(&h.bot_user)
        .into_iter()
        .filter(|(_, e)| e["content"]["msgtype"] == "m.image")
        .count();
    assert_eq!(images, 1);
}

/// Two `wandelgang run` processes (the built binary) on one PostgreSQL and a real Synapse: one
/// syncs and sends, the other stands by (the device's keys belong to one running client).
/// Killed mid fan-out, the holder is replaced within 30 s; the standby syncs on from the
/// stored token, so a message sent while no one synced is handled once, and no old one again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_syncing_process_the_standby_takes_over_and_misses_nothing() {
    use crate::failover::{assert_standby, metric};
    use crate::run_process::{
        Running, configure_and_ask_prompts, spawn_run, terminate, wandelgang,
    };

    // 40 in CI (each wpb is a Synapse account); `WANDELGANG_TEST_MATRIX_FAILOVER_WPBS=500`
    // runs the full fan-out.
    let n = std::env::var("WANDELGANG_TEST_MATRIX_FAILOVER_WPBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(40);
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    let Some((h, people)) = Harness::new_on(n, Limits::Lifted, db).await else {
        return;
    };
    h.import(n, None).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "database_url = \"{url}\"\n\
         [service]\nlisten = \"127.0.0.1:0\"\n\
         [defaults]\nschool_days = [\"ma\", \"di\", \"wo\", \"do\", \"vr\", \"za\", \"zo\"]\n\
         working_hours = {{ start = \"00:00\", end = \"23:59\" }}\ncadence = 1\nreminder = false\n\
         [defaults.digest]\nenabled = false\n\
         [matrix]\nhomeserver = \"{}\"\nuser = \"{}\"\npassword = \"{PASSWORD}\"\n\
         store = \"{}\"\nencrypt_dms = false\n",
        h.synapse.url(),
        h.bot_user,
        h.keys.path().join("matrix-store").display()
    );
    configure_and_ask_prompts(dir.path(), &text, &h.store, n).await;
    let run = |dir: &std::path::Path| -> Running {
        let mut command = wandelgang(dir, "run");
        command
            .env_remove("WANDELGANG_DISCORD_TOKEN")
            .env("WANDELGANG_MATRIX_STORE_PASSPHRASE", "sleutel van de test");
        spawn_run(command)
    };
    let connected = |p: &Running| {
        let endpoints = p.endpoints.clone();
        async move { metric(&endpoints, "wandelgang_chat_connected", None).await == Some(1.0) }
    };
    let sent = || h.count("SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'");

    // w0 opens a room with the bot before anything runs: the first sync joins it.
    let w0 = Human::new(&h.synapse, &people["w0"]).await;
    let own_room = w0.create_room(&[&h.bot_user], true).await;
    let mut a = run(dir.path());
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !connected(&a).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the first process never synced"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut b = run(dir.path());
    assert_standby(&b).await;

    // The holder dies in the middle of the fan-out (its batch is recorded once it is through,
    // so the DM rooms it opened tell how far it got).
    let rooms = || h.count("SELECT COUNT(*) FROM chat_state WHERE key LIKE 'dm:%'");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while rooms().await < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the fan-out never started"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    a.child.kill().expect("kill -9");
    a.child.wait().expect("reaped");
    let killed = std::time::Instant::now();
    let at_kill = rooms().await;
    assert!(at_kill < n as i64, "the fan-out ended before the kill");
    // The first process joined w0's room; w0 writes while no process syncs.
    w0.wait_for("the bot joining", |e| is_member_join(e, &h.bot_user))
        .await;
    w0.say(&own_room, "En morgen vraag ik door.").await;

    while !connected(&b).await {
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "no take-over within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "Matrix take-over after kill -9: {:?}, with {at_kill} of {n} DM rooms made",
        killed.elapsed()
    );
    h.eventually("SELECT COUNT(*) FROM reflections WHERE text = 'En morgen vraag ik door.'")
        .await;

    // The rows the dead process had claimed come back after their 120 s lease.
    let deadline = std::time::Instant::now() + Duration::from_secs(200);
    while sent().await < n as i64 {
        assert!(
            std::time::Instant::now() < deadline,
            "only {} of {n} prompts",
            sent().await
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    each_has_one_prompt(&h, &people, n).await;
    assert_eq!(
        h.count("SELECT COUNT(*) FROM reflections").await,
        1,
        "the message was handled twice"
    );
    terminate(&mut b);
}
