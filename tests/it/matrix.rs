//! The Matrix adapter end to end against a real Synapse on loopback. Independent matrix-sdk
//! clients play the wpbs, the student and the schoolopleider. Skipped with a notice when
//! Synapse cannot be installed (never in CI: there the helper fails instead).

use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::SyncSettings;
use matrix_sdk::ruma::api::client::membership::join_room_by_id;
use matrix_sdk::ruma::api::client::message::send_message_event;
use matrix_sdk::ruma::api::client::room::create_room;
use matrix_sdk::ruma::events::AnyMessageLikeEventContent;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedUserId, RoomId, TransactionId};
use matrix_sdk::{SessionMeta, SessionTokens};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::matrix_synapse::{Registered, Synapse};
use crate::support::{TestDb, at, count, eventually, roster};
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::matrix::bot::{MatrixEngine, SharedClock};
use wandelgang::chat::matrix::{MatrixOptions, RunningMatrixBot, start};
use wandelgang::config::{Config, MatrixSettings, Secret};
use wandelgang::domain::prompts::Catalogue;
use wandelgang::store::Store;

const PASSWORD: &str = "wachtwoord-voor-de-test";
const WAIT: Duration = Duration::from_secs(30);

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
            self.client
                .send(join_room_by_id::v3::Request::new(room.clone()))
                .await
                .expect("join");
        }
        let mut seen = self.seen.lock().expect("lock");
        for (room, joined) in &response.rooms.joined {
            for e in &joined.timeline.events {
                let v: Value = serde_json::from_str(e.raw().json().get()).expect("event json");
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
    bot: Option<RunningMatrixBot>,
    _db: TestDb,
}

fn config() -> Config {
    let text = "[defaults]\nschool_days = [\"ma\"]\ncadence = 1\nreminder = false\n";
    Config::from_toml_str(text, "test.toml", &BTreeMap::new()).expect("config")
}

fn mx(synapse: &Synapse, local: &str) -> String {
    format!("@{local}:{}", synapse.server_name())
}

impl Harness {
    /// Synapse with the bot's account, and a roster of `n` wpbs (with their students) whose
    /// chat addresses are Matrix users. `team_room` is set on the team when given.
    async fn new(n: usize) -> Option<(Harness, BTreeMap<String, Registered>)> {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
        let synapse = Synapse::start().await?;
        synapse.register("wandelgang", PASSWORD, false).await;
        let mut people = BTreeMap::new();
        for local in std::iter::once("so".to_string())
            .chain((0..n).map(|i| format!("w{i}")))
            .chain((0..n).map(|i| format!("s{i}")))
        {
            let reg = synapse.register(&local, PASSWORD, false).await;
            people.insert(local, reg);
        }
        let db = TestDb::sqlite();
        let store = db.store().await;
        let bot_user = mx(&synapse, "wandelgang");
        let h = Harness {
            synapse,
            store,
            clock: VirtualClock::new(at("2026-10-05 06:00")),
            bot_user,
            bot: None,
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

    async fn start_bot(&mut self) {
        let settings = MatrixSettings {
            homeserver: self.synapse.url(),
            user: self.bot_user.clone(),
            password: Some(Secret::new(PASSWORD)),
            access_token: None,
        };
        let mut opts = MatrixOptions::new(settings);
        opts.tick_every = None;
        opts.sync_timeout = Duration::from_millis(300);
        let clock: SharedClock = Arc::new(self.clock.clone());
        let bot = start(
            self.store.clone(),
            Arc::new(config()),
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
    assert_eq!(
        h.count(pending).await,
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
