//! Gateway v10 over plain websocket (JSON text frames, no compression).

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::{Shared, payloads};

pub(crate) enum ConnCmd {
    Text(String),
    Close(u16),
    Drop,
}

pub(crate) struct ConnHandle {
    pub id: u64,
    pub tx: mpsc::UnboundedSender<ConnCmd>,
    /// Identified or resumed: dispatches go to it.
    pub live: bool,
}

#[derive(Default)]
pub(crate) struct GatewayState {
    pub session_id: Option<String>,
    pub seq: u64,
    /// Every dispatch of the current session (full payload), for RESUME replay.
    pub log: Vec<(u64, Value)>,
    /// Dispatches made before any session existed; sent after READY.
    pub pending: Vec<(String, Value)>,
    pub conn: Option<ConnHandle>,
    pub identify_count: usize,
    pub resume_count: usize,
    pub intents: Vec<u64>,
    pub connect_uris: Vec<String>,
    pub heartbeats: usize,
}

impl GatewayState {
    pub fn live(&self) -> bool {
        self.conn.as_ref().is_some_and(|c| c.live)
    }
}

fn frame(op: u8, d: Value) -> String {
    json!({"op": op, "d": d, "s": null, "t": null}).to_string()
}

/// Assigns a sequence number and sends (or buffers) a dispatch. Caller must not hold the lock.
pub(crate) fn dispatch(shared: &Shared, t: &str, d: Value) {
    let mut data = shared.lock();
    let gw = &mut data.gw;
    if gw.session_id.is_none() {
        gw.pending.push((t.to_string(), d));
        return;
    }
    push_dispatch(gw, t, d);
}

fn push_dispatch(gw: &mut GatewayState, t: &str, d: Value) {
    gw.seq += 1;
    let payload = json!({"op": 0, "t": t, "s": gw.seq, "d": d});
    let text = payload.to_string();
    gw.log.push((gw.seq, payload));
    if let Some(conn) = &gw.conn
        && conn.live
    {
        let _ = conn.tx.send(ConnCmd::Text(text));
    }
}

pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = Arc::clone(&shared);
        conns.spawn(async move {
            let _ = connection(stream, shared).await;
        });
        while conns.try_join_next().is_some() {}
    }
}

async fn connection(
    stream: TcpStream,
    shared: Arc<Shared>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut uri = String::new();
    // The callback's signature is fixed by tungstenite (its error type is large).
    #[allow(clippy::result_large_err)]
    let ws = tokio_tungstenite::accept_hdr_async(stream, |req: &Request, resp: Response| {
        uri = req.uri().to_string();
        Ok(resp)
    })
    .await?;
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let conn_id = shared
        .conn_ids
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    {
        let mut d = shared.lock();
        d.gw.connect_uris.push(uri);
        // A new connection replaces the old one (Discord would end the old session's socket).
        if let Some(old) = d.gw.conn.take() {
            let _ = old.tx.send(ConnCmd::Drop);
        }
        d.gw.conn = Some(ConnHandle {
            id: conn_id,
            tx: tx.clone(),
            live: false,
        });
    }
    let hello = frame(
        10,
        json!({"heartbeat_interval": shared.opts.heartbeat_interval_ms, "_trace": ["discord-standin"]}),
    );
    sink.send(Message::Text(hello)).await?;

    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(ConnCmd::Text(t)) => sink.send(Message::Text(t)).await?,
                Some(ConnCmd::Close(code)) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code: CloseCode::from(code),
                            reason: "stand-in disconnect".into(),
                        })))
                        .await;
                    let _ = sink.flush().await;
                    break;
                }
                Some(ConnCmd::Drop) | None => break,
            },
            msg = stream.next() => {
                let Some(Ok(msg)) = msg else { break };
                let text = match msg {
                    Message::Text(t) => t,
                    Message::Close(_) => break,
                    _ => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    let _ = sink.send(Message::Close(Some(CloseFrame { code: CloseCode::from(4002), reason: "Error while decoding payload.".into() }))).await;
                    break;
                };
                handle_op(&shared, conn_id, &tx, &v);
            }
        }
    }
    let mut d = shared.lock();
    if d.gw.conn.as_ref().is_some_and(|c| c.id == conn_id) {
        d.gw.conn = None;
    }
    Ok(())
}

fn handle_op(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<ConnCmd>, v: &Value) {
    let op = v["op"].as_u64().unwrap_or(u64::MAX);
    let mut data = shared.lock();
    let is_current = data.gw.conn.as_ref().is_some_and(|c| c.id == conn_id);
    match op {
        1 => {
            data.gw.heartbeats += 1;
            let _ = tx.send(ConnCmd::Text(frame(11, Value::Null)));
        }
        2 => {
            // IDENTIFY: a new session.
            if let Some(tok) = &shared.opts.token {
                let sent = v["d"]["token"].as_str().unwrap_or("");
                if sent.trim_start_matches("Bot ") != tok.trim_start_matches("Bot ") {
                    let _ = tx.send(ConnCmd::Close(4004));
                    return;
                }
            }
            let gw = &mut data.gw;
            gw.identify_count += 1;
            gw.intents.push(v["d"]["intents"].as_u64().unwrap_or(0));
            let session = format!("standin-session-{}", payloads::snowflake());
            gw.session_id = Some(session.clone());
            gw.seq = 0;
            gw.log.clear();
            if is_current && let Some(c) = gw.conn.as_mut() {
                c.live = true;
            }
            let shard = v["d"]["shard"].clone();
            let ready = json!({
                "v": 10,
                "user": {
                    "id": shared.opts.bot_user_id.to_string(),
                    "username": shared.opts.bot_name,
                    "discriminator": "0",
                    "global_name": null,
                    "avatar": null,
                    "bot": true,
                    "verified": true,
                    "mfa_enabled": false,
                    "email": null,
                    "flags": 0,
                },
                "guilds": shared.opts.guild_ids.iter().map(|g| json!({"id": g.to_string(), "unavailable": true})).collect::<Vec<_>>(),
                "session_id": session,
                "session_type": "normal",
                "resume_gateway_url": shared.ws_url,
                "shard": if shard.is_array() { shard } else { json!([0, 1]) },
                "application": {"id": shared.opts.application_id.to_string(), "flags": 0},
                "private_channels": [],
                "presences": [],
                "relationships": [],
                "guild_join_requests": [],
                "user_settings": {},
                "geo_ordered_rtc_regions": ["rotterdam"],
                "_trace": ["discord-standin"],
            });
            push_dispatch(gw, "READY", ready);
            if shared.opts.send_guild_create {
                for g in shared.opts.guild_ids.clone() {
                    let guild =
                        payloads::guild_create(g, shared.opts.bot_user_id, shared.bot_user());
                    push_dispatch(&mut data.gw, "GUILD_CREATE", guild);
                }
            }
            let pending = std::mem::take(&mut data.gw.pending);
            for (t, d) in pending {
                push_dispatch(&mut data.gw, &t, d);
            }
        }
        6 => {
            // RESUME: replay what the client missed, then RESUMED.
            let sid = v["d"]["session_id"].as_str().unwrap_or("");
            let client_seq = v["d"]["seq"].as_u64().unwrap_or(0);
            let gw = &mut data.gw;
            if gw.session_id.as_deref() != Some(sid) || client_seq > gw.seq {
                let _ = tx.send(ConnCmd::Text(frame(9, json!(false))));
                return;
            }
            gw.resume_count += 1;
            for (s, payload) in &gw.log {
                if *s > client_seq {
                    let _ = tx.send(ConnCmd::Text(payload.to_string()));
                }
            }
            if is_current && let Some(c) = gw.conn.as_mut() {
                c.live = true;
            }
            push_dispatch(gw, "RESUMED", json!({"_trace": ["discord-standin"]}));
        }
        3 | 4 | 8 => {
            // Presence update, voice state, request guild members: accepted, ignored.
        }
        _ => {
            let _ = tx.send(ConnCmd::Close(4001));
        }
    }
}
