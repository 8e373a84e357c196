//! A local stand-in for Discord: REST API v10 over TLS (certificate for `discord.com` signed
//! by a throw-away CA) and a plain-websocket gateway, both on loopback, so that the real
//! serenity 0.12.5 client (rate limiter on) can be tested end to end without the internet.
//!
//! ```ignore
//! let standin = StandIn::start(StandInOptions::default()).await;
//! let http = serenity::http::HttpBuilder::new("Bot x").client(standin.reqwest_client()).build();
//! ```
//!
//! Set `DISCORD_OPENAPI_SPEC` to Discord's `openapi.json` to check every request body.
#![allow(dead_code)]

mod gateway;
mod openapi;
pub mod payloads;
mod rest;
mod tls;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use payloads::{Actor, Place};

/// A per-route rate limit: `limit` requests per `per`, per major parameter (the first path
/// parameter: channel, guild, application or webhook id).
#[derive(Clone, Debug)]
pub struct RouteLimit {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The stand-in's route template, e.g. `/channels/{channel_id}/messages`.
    pub route: String,
    pub limit: u32,
    pub per: Duration,
}

impl RouteLimit {
    pub fn new(method: &str, route: &str, limit: u32, per: Duration) -> Self {
        Self {
            method: method.into(),
            route: route.into(),
            limit,
            per,
        }
    }
}

/// How `disconnect_gateway_with` ends the current gateway connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disconnect {
    /// Send a close frame with this code (4000 = "unknown error", resumable), then drop.
    Close(u16),
    /// Drop the TCP connection without a close frame.
    TcpDrop,
}

#[derive(Clone, Debug)]
pub struct StandInOptions {
    pub bot_user_id: u64,
    pub bot_name: String,
    pub application_id: u64,
    /// When set, REST requests must carry `Authorization: Bot <token>` (else 401).
    pub token: Option<String>,
    /// Guilds the bot is in: READY lists them as unavailable, then GUILD_CREATE follows.
    pub guild_ids: Vec<u64>,
    pub send_guild_create: bool,
    /// HELLO's heartbeat_interval (Discord: 41250).
    pub heartbeat_interval_ms: u64,
    /// Global limit in requests per second (Discord: 50). Interaction routes are exempt.
    pub global_rate_limit: u32,
    /// Route limits; a request whose route has no entry uses `default_route_limit`.
    pub route_limits: Vec<RouteLimit>,
    pub default_route_limit: (u32, Duration),
    /// Validate request bodies when a spec is available (`openapi_spec`).
    pub validate_openapi: bool,
    /// Defaults to the `DISCORD_OPENAPI_SPEC` environment variable.
    pub openapi_spec: Option<PathBuf>,
    /// How long a nonce sent with `enforce_nonce` de-duplicates (Discord: "a few minutes").
    pub nonce_window: Duration,
    /// If true, messages to channels the stand-in does not know get 404 Unknown Channel;
    /// otherwise unknown channel ids are taken as guild text channels.
    pub strict_channels: bool,
}

impl Default for StandInOptions {
    fn default() -> Self {
        Self {
            bot_user_id: 1_100_000_000_000_000_001,
            bot_name: "wandelgang".into(),
            application_id: 1_100_000_000_000_000_001,
            token: None,
            guild_ids: vec![],
            send_guild_create: true,
            heartbeat_interval_ms: 41_250,
            global_rate_limit: 50,
            route_limits: vec![
                RouteLimit::new(
                    "POST",
                    "/channels/{channel_id}/messages",
                    5,
                    Duration::from_secs(5),
                ),
                RouteLimit::new("POST", "/users/@me/channels", 10, Duration::from_secs(10)),
                RouteLimit::new(
                    "POST",
                    "/channels/{channel_id}/threads",
                    5,
                    Duration::from_secs(5),
                ),
                RouteLimit::new(
                    "POST",
                    "/channels/{channel_id}/messages/{message_id}/threads",
                    5,
                    Duration::from_secs(5),
                ),
            ],
            default_route_limit: (50, Duration::from_secs(1)),
            validate_openapi: true,
            openapi_spec: std::env::var_os("DISCORD_OPENAPI_SPEC")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            nonce_window: Duration::from_secs(300),
            strict_channels: false,
        }
    }
}

/// One recorded REST request.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub method: String,
    /// Path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    pub query: Option<String>,
    /// Route template, e.g. `/channels/{channel_id}/messages` (`?` for unknown routes).
    pub route: String,
    /// JSON body, or multipart `payload_json` parsed.
    pub body: Option<Value>,
    /// Multipart file part names and file names, e.g. `("files[0]", "a.txt")`.
    pub files: Vec<(String, String)>,
    /// The Content-Type of each file part, in the same order.
    pub file_types: Vec<String>,
    pub status: u16,
    /// Time since the stand-in started.
    pub at: Duration,
    pub unexpected: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelInfo {
    pub kind: u8,
    pub guild_id: Option<u64>,
    pub parent_id: Option<u64>,
    pub recipient: Option<u64>,
    pub name: String,
}

#[derive(Clone, Debug)]
pub(crate) struct InteractionRecord {
    pub token: String,
    /// The user who acted (a user object), as the message's interaction metadata names them.
    pub user: Value,
    pub kind: u8,
    pub channel_id: u64,
    pub guild_id: Option<u64>,
    pub message: Option<Value>,
    pub callback: Option<Value>,
    pub original_message_id: Option<u64>,
}

#[derive(Default)]
pub(crate) struct Data {
    pub requests: Vec<RequestRecord>,
    pub violations: Vec<String>,
    pub rate_limited: usize,
    pub inject_429: Option<(usize, f64, bool)>,
    pub inject_5xx: usize,
    pub buckets: HashMap<String, Bucket>,
    pub global_window: Option<(Instant, u32)>,
    pub channels: HashMap<u64, ChannelInfo>,
    pub dm_by_user: HashMap<u64, u64>,
    pub closed_dms: HashSet<u64>,
    pub users: HashMap<u64, Value>,
    /// All messages in creation order (updated in place on edit).
    pub messages: Vec<Value>,
    pub nonces: HashMap<(u64, String), (Instant, u64)>,
    pub interactions: HashMap<u64, InteractionRecord>,
    pub commands_global: Vec<Value>,
    pub commands_guild: HashMap<u64, Vec<Value>>,
    pub gw: gateway::GatewayState,
}

#[derive(Clone, Debug)]
pub(crate) struct Bucket {
    pub hash: String,
    pub limit: u32,
    pub per: Duration,
    pub count: u32,
    pub reset_at: Instant,
}

pub(crate) struct Shared {
    pub opts: StandInOptions,
    pub data: Mutex<Data>,
    pub start: Instant,
    pub ws_url: String,
    pub spec: Option<Arc<openapi::Spec>>,
    pub conn_ids: AtomicU64,
}

impl Shared {
    pub fn bot_user(&self) -> Value {
        payloads::user(self.opts.bot_user_id, &self.opts.bot_name, true)
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The running stand-in. Dropping it stops the servers.
pub struct StandIn {
    shared: Arc<Shared>,
    rest_addr: SocketAddr,
    gateway_addr: SocketAddr,
    ca_pem: String,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        // Close the live gateway connection too (its task is owned by the accept loop).
        if let Some(conn) = self.shared.lock().gw.conn.take() {
            let _ = conn.tx.send(gateway::ConnCmd::Drop);
        }
    }
}

impl StandIn {
    pub async fn start(opts: StandInOptions) -> StandIn {
        let tls = tls::generate();
        let rest_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind REST");
        let gw_listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway");
        let rest_addr = rest_listener.local_addr().unwrap();
        let gateway_addr = gw_listener.local_addr().unwrap();
        let spec = if opts.validate_openapi {
            openapi::load(opts.openapi_spec.as_deref())
        } else {
            None
        };
        let shared = Arc::new(Shared {
            ws_url: format!("ws://{gateway_addr}"),
            opts,
            data: Mutex::new(Data::default()),
            start: Instant::now(),
            spec,
            conn_ids: AtomicU64::new(1),
        });
        let tasks = vec![
            tokio::spawn(rest::serve(
                rest_listener,
                tls.server_config,
                Arc::clone(&shared),
            )),
            tokio::spawn(gateway::serve(gw_listener, Arc::clone(&shared))),
        ];
        StandIn {
            shared,
            rest_addr,
            gateway_addr,
            ca_pem: tls.ca_pem,
            tasks,
        }
    }

    // ----- connection details -------------------------------------------------------------

    pub fn rest_addr(&self) -> SocketAddr {
        self.rest_addr
    }

    /// The stand-in as an HTTP proxy in front of Discord: what `[discord] api_url` takes.
    pub fn api_url(&self) -> String {
        format!("http://{}", self.rest_addr)
    }

    /// `ws://127.0.0.1:PORT`, as returned by `GET /gateway` and READY's resume_gateway_url.
    pub fn gateway_url(&self) -> String {
        self.shared.ws_url.clone()
    }

    /// PEM of the throw-away CA that signed the `discord.com` certificate.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A reqwest client that reaches the stand-in for `https://discord.com/...` (DNS override
    /// to the REST port; the port of the override is used since the URL names none) and
    /// trusts the test CA. Pass it to `serenity::http::HttpBuilder::client`.
    pub fn reqwest_client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .use_rustls_tls()
            .resolve("discord.com", self.rest_addr)
            .add_root_certificate(
                reqwest::Certificate::from_pem(self.ca_pem.as_bytes()).expect("CA pem"),
            )
            .build()
            .expect("reqwest client")
    }

    pub fn options(&self) -> &StandInOptions {
        &self.shared.opts
    }

    // ----- gateway ---------------------------------------------------------------------------

    /// Waits until a READY has been sent (at least once).
    pub async fn wait_ready(&self, timeout: Duration) -> bool {
        self.wait_until(
            |s| s.identify_count() > 0 && s.shared.lock().gw.live(),
            timeout,
        )
        .await
    }

    pub fn identify_count(&self) -> usize {
        self.shared.lock().gw.identify_count
    }

    pub fn resume_count(&self) -> usize {
        self.shared.lock().gw.resume_count
    }

    /// Intents sent with each IDENTIFY, in order.
    pub fn identify_intents(&self) -> Vec<u64> {
        self.shared.lock().gw.intents.clone()
    }

    /// Request URIs of every gateway connection (e.g. `/?v=10`).
    pub fn gateway_connect_uris(&self) -> Vec<String> {
        self.shared.lock().gw.connect_uris.clone()
    }

    /// Whether a gateway connection is identified/resumed and receiving dispatches.
    pub fn gateway_live(&self) -> bool {
        self.shared.lock().gw.live()
    }

    /// Ends the current gateway connection with close code 4000 (resumable).
    pub fn disconnect_gateway(&self) {
        self.disconnect_gateway_with(Disconnect::Close(4000));
    }

    pub fn disconnect_gateway_with(&self, how: Disconnect) {
        let mut d = self.shared.lock();
        if let Some(conn) = d.gw.conn.take() {
            let _ = conn.tx.send(match how {
                Disconnect::Close(code) => gateway::ConnCmd::Close(code),
                Disconnect::TcpDrop => gateway::ConnCmd::Drop,
            });
        }
    }

    /// Sends a dispatch (op 0) with event name `t` and data `d`; buffered while disconnected
    /// (delivered on RESUME) or before the first IDENTIFY (delivered after READY).
    pub fn dispatch(&self, t: &str, d: Value) {
        gateway::dispatch(&self.shared, t, d);
    }

    /// Every dispatch payload sent in the current session, with its sequence number.
    pub fn dispatch_log(&self) -> Vec<(u64, Value)> {
        self.shared.lock().gw.log.clone()
    }

    // ----- dispatch helpers ------------------------------------------------------------------

    fn remember_place(&self, actor: &Actor, place: &Place) -> (Option<u64>, Value) {
        let mut d = self.shared.lock();
        d.users
            .insert(actor.id, payloads::user(actor.id, &actor.name, false));
        match place {
            Place::Guild {
                guild_id,
                channel_id,
            } => {
                let info = d
                    .channels
                    .entry(*channel_id)
                    .or_insert_with(|| ChannelInfo {
                        kind: 0,
                        guild_id: Some(*guild_id),
                        parent_id: None,
                        recipient: None,
                        name: format!("channel-{channel_id}"),
                    });
                let ch = json!({
                    "id": channel_id.to_string(),
                    "type": info.kind,
                    "name": info.name,
                    "guild_id": guild_id.to_string(),
                    "parent_id": info.parent_id.map(|p| p.to_string()),
                    "permissions": "2248473465835073",
                    "flags": 0,
                });
                (Some(*guild_id), ch)
            }
            Place::Dm => {
                let id = rest::dm_channel_for(&mut d, actor.id);
                let ch = json!({
                    "id": id.to_string(),
                    "type": 1,
                    "recipients": [payloads::user(actor.id, &actor.name, false)],
                    "permissions": "2248473465835073",
                    "flags": 0,
                });
                (None, ch)
            }
        }
    }

    fn send_interaction(
        &self,
        kind: u8,
        data: Value,
        actor: &Actor,
        place: &Place,
        message: Option<Value>,
    ) -> Value {
        let (guild_id, channel) = self.remember_place(actor, place);
        let id = payloads::snowflake();
        let token = format!("standin-token-{id}-{}", payloads::snowflake());
        let channel_id: u64 = channel["id"].as_str().unwrap().parse().unwrap();
        let i = payloads::interaction(
            id,
            &token,
            self.shared.opts.application_id,
            kind,
            data,
            actor,
            guild_id,
            channel,
            message.clone(),
        );
        self.shared.lock().interactions.insert(
            id,
            InteractionRecord {
                token,
                user: payloads::user(actor.id, &actor.name, false),
                kind,
                channel_id,
                guild_id,
                message,
                callback: None,
                original_message_id: None,
            },
        );
        self.dispatch("INTERACTION_CREATE", i.clone());
        i
    }

    /// INTERACTION_CREATE type 2 (slash command). `options` is Discord's option array, e.g.
    /// `[{"name":"tekst","type":3,"value":"hoi"}]`. Returns the payload.
    pub fn send_slash_command(
        &self,
        name: &str,
        options: Value,
        actor: &Actor,
        place: &Place,
    ) -> Value {
        let cmd_id = {
            let d = self.shared.lock();
            let guild_cmds = match place {
                Place::Guild { guild_id, .. } => {
                    d.commands_guild.get(guild_id).cloned().unwrap_or_default()
                }
                Place::Dm => vec![],
            };
            guild_cmds
                .iter()
                .chain(d.commands_global.iter())
                .find(|c| c["name"] == name)
                .and_then(|c| c["id"].as_str().map(String::from))
                .unwrap_or_else(|| payloads::snowflake().to_string())
        };
        let mut data = json!({
            "id": cmd_id,
            "name": name,
            "type": 1,
            "options": options,
        });
        if let Place::Guild { guild_id, .. } = place {
            data["guild_id"] = json!(guild_id.to_string());
        }
        self.send_interaction(2, data, actor, place, None)
    }

    /// INTERACTION_CREATE type 3 for a button click on `message` (a message object, e.g. one
    /// of `bot_messages()`); the interaction's place follows the message's channel.
    pub fn send_button_click(&self, custom_id: &str, message: &Value, actor: &Actor) -> Value {
        let place = self.place_of_message(message, actor);
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.send_interaction(3, data, actor, &place, Some(message.clone()))
    }

    /// INTERACTION_CREATE type 3 for a string select (`values` chosen) on `message`.
    pub fn send_select(
        &self,
        custom_id: &str,
        values: &[&str],
        message: &Value,
        actor: &Actor,
    ) -> Value {
        let place = self.place_of_message(message, actor);
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.send_interaction(3, data, actor, &place, Some(message.clone()))
    }

    /// INTERACTION_CREATE type 5 (modal submit) with text input values `(custom_id, value)`,
    /// each in its own action row, as Discord sends them.
    pub fn send_modal_submit(
        &self,
        custom_id: &str,
        inputs: &[(&str, &str)],
        actor: &Actor,
        place: &Place,
    ) -> Value {
        let rows: Vec<Value> = inputs
            .iter()
            .map(|(cid, value)| {
                json!({"type": 1, "components": [{"type": 4, "custom_id": cid, "value": value}]})
            })
            .collect();
        let data = json!({"custom_id": custom_id, "components": rows});
        self.send_interaction(5, data, actor, place, None)
    }

    fn place_of_message(&self, message: &Value, actor: &Actor) -> Place {
        let channel_id: u64 = message["channel_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let d = self.shared.lock();
        let guild = message["guild_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| d.channels.get(&channel_id).and_then(|c| c.guild_id));
        match guild {
            Some(guild_id) => Place::Guild {
                guild_id,
                channel_id,
            },
            None => {
                let _ = actor;
                Place::Dm
            }
        }
    }

    /// MESSAGE_CREATE for a DM from `actor` to the bot. Returns the message payload.
    pub fn send_dm_message(&self, actor: &Actor, content: &str) -> Value {
        let (_, channel) = self.remember_place(actor, &Place::Dm);
        let channel_id: u64 = channel["id"].as_str().unwrap().parse().unwrap();
        let msg = payloads::message(
            payloads::snowflake(),
            channel_id,
            payloads::user(actor.id, &actor.name, false),
            content,
        );
        self.shared.lock().messages.push(msg.clone());
        self.dispatch("MESSAGE_CREATE", msg.clone());
        msg
    }

    /// MESSAGE_CREATE in a guild channel or thread (`channel_id` may be a thread created by
    /// the bot). Returns the message payload (with `guild_id` and `member`).
    pub fn send_guild_message(
        &self,
        actor: &Actor,
        guild_id: u64,
        channel_id: u64,
        content: &str,
    ) -> Value {
        self.remember_place(
            actor,
            &Place::Guild {
                guild_id,
                channel_id,
            },
        );
        let mut msg = payloads::message(
            payloads::snowflake(),
            channel_id,
            payloads::user(actor.id, &actor.name, false),
            content,
        );
        msg["guild_id"] = json!(guild_id.to_string());
        msg["member"] = payloads::member(actor.id, &actor.name, false);
        self.shared.lock().messages.push(msg.clone());
        self.dispatch("MESSAGE_CREATE", msg.clone());
        msg
    }

    /// Registers a guild text channel (so that `strict_channels` accepts it).
    pub fn add_guild_channel(&self, guild_id: u64, channel_id: u64, name: &str) {
        self.shared.lock().channels.insert(
            channel_id,
            ChannelInfo {
                kind: 0,
                guild_id: Some(guild_id),
                parent_id: None,
                recipient: None,
                name: name.into(),
            },
        );
    }

    // ----- interactions ----------------------------------------------------------------------

    /// The recorded callback body (`{"type":4,"data":{...}}`) of an interaction.
    pub fn interaction_response(&self, interaction_id: u64) -> Option<Value> {
        self.shared
            .lock()
            .interactions
            .get(&interaction_id)
            .and_then(|i| i.callback.clone())
    }

    pub async fn wait_interaction_response(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> Option<Value> {
        self.wait_until(
            |s| s.interaction_response(interaction_id).is_some(),
            timeout,
        )
        .await;
        self.interaction_response(interaction_id)
    }

    /// The `@original` message of an interaction, if its response created one.
    pub fn interaction_original(&self, interaction_id: u64) -> Option<Value> {
        let d = self.shared.lock();
        let mid = d.interactions.get(&interaction_id)?.original_message_id?;
        rest::find_message(&d, mid).cloned()
    }

    // ----- users, channels, messages -----------------------------------------------------------

    /// Messages to this user's DM channel get 403 code 50007 from now on.
    pub fn close_dms(&self, user_id: u64) {
        self.shared.lock().closed_dms.insert(user_id);
    }

    pub fn open_dms(&self, user_id: u64) {
        self.shared.lock().closed_dms.remove(&user_id);
    }

    pub fn dm_channel_of(&self, user_id: u64) -> Option<u64> {
        self.shared.lock().dm_by_user.get(&user_id).copied()
    }

    /// Messages in a channel (users' and bot's), oldest first.
    pub fn messages_in(&self, channel_id: u64) -> Vec<Value> {
        let id = channel_id.to_string();
        self.shared
            .lock()
            .messages
            .iter()
            .filter(|m| m["channel_id"] == id.as_str())
            .cloned()
            .collect()
    }

    /// Messages the bot sent to this user's DM channel.
    pub fn dm_messages_to(&self, user_id: u64) -> Vec<Value> {
        match self.dm_channel_of(user_id) {
            Some(c) => self
                .bot_messages()
                .into_iter()
                .filter(|m| m["channel_id"] == c.to_string().as_str())
                .collect(),
            None => vec![],
        }
    }

    /// Every message authored by the bot (channel messages, interaction responses, followups).
    pub fn bot_messages(&self) -> Vec<Value> {
        let bot = self.shared.opts.bot_user_id.to_string();
        self.shared
            .lock()
            .messages
            .iter()
            .filter(|m| m["author"]["id"] == bot.as_str())
            .cloned()
            .collect()
    }

    /// Thread channels created through the REST API (channel objects).
    pub fn threads(&self) -> Vec<(u64, Option<u64>, String)> {
        let d = self.shared.lock();
        let mut v: Vec<_> = d
            .channels
            .iter()
            .filter(|(_, c)| c.kind == 11 || c.kind == 12)
            .map(|(id, c)| (*id, c.parent_id, c.name.clone()))
            .collect();
        v.sort();
        v
    }

    pub fn global_commands(&self) -> Vec<Value> {
        self.shared.lock().commands_global.clone()
    }

    pub fn guild_commands(&self, guild_id: u64) -> Vec<Value> {
        self.shared
            .lock()
            .commands_guild
            .get(&guild_id)
            .cloned()
            .unwrap_or_default()
    }

    // ----- requests, limits, validation ------------------------------------------------------

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.lock().requests.clone()
    }

    /// Requests to routes the stand-in does not implement (answered 404).
    pub fn unexpected_requests(&self) -> Vec<RequestRecord> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.unexpected)
            .cloned()
            .collect()
    }

    /// Number of 429 answers (real and injected).
    pub fn rate_limited_count(&self) -> usize {
        self.shared.lock().rate_limited
    }

    /// The next `n` POST /channels/{id}/messages requests get 429 with this retry_after.
    pub fn inject_429(&self, n: usize, retry_after_secs: f64, global: bool) {
        self.shared.lock().inject_429 = Some((n, retry_after_secs, global));
    }

    /// The next `n` POST /channels/{id}/messages requests get 502 Bad Gateway.
    pub fn inject_5xx(&self, n: usize) {
        self.shared.lock().inject_5xx = n;
    }

    /// Whether bodies are checked against the OpenAPI description.
    pub fn validating(&self) -> bool {
        self.shared.spec.is_some()
    }

    /// Violations: `"POST /channels/{channel_id}/messages: at '/content': 5 is not of type ..."`.
    pub fn spec_violations(&self) -> Vec<String> {
        self.shared.lock().violations.clone()
    }

    /// Validates a body against the spec as if it were sent (for tests of the checker).
    pub fn check_body(
        &self,
        method: &str,
        api_path: &str,
        body: &Value,
    ) -> Result<(), Vec<String>> {
        match &self.shared.spec {
            Some(spec) => spec.validate(method, api_path, body),
            None => Ok(()),
        }
    }

    /// Panics listing spec violations and unexpected requests, if any.
    pub fn assert_clean(&self) {
        let violations = self.spec_violations();
        let unexpected = self.unexpected_requests();
        if violations.is_empty() && unexpected.is_empty() {
            return;
        }
        let mut msg = String::from("Discord stand-in saw problems:\n");
        for v in &violations {
            msg.push_str(&format!("  spec violation: {v}\n"));
        }
        for r in &unexpected {
            msg.push_str(&format!(
                "  unexpected request: {} {} body={:?}\n",
                r.method, r.path, r.body
            ));
        }
        panic!("{msg}");
    }

    /// Polls `cond` every 10 ms until it holds or `timeout` passes; returns whether it held.
    pub async fn wait_until(&self, cond: impl Fn(&StandIn) -> bool, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if cond(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.shared.conn_ids.fetch_add(1, Ordering::Relaxed)
    }
}
