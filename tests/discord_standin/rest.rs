//! REST API v10 over TLS (HTTP/1.1), or plain HTTP on the same port for a bot pointed at it
//! through `[discord] api_url`; with Discord-style rate limit headers and errors.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{Bucket, ChannelInfo, Data, RequestRecord, Shared, payloads};

const API_PREFIX: &str = "/api/v10";

pub(crate) async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    // Connection tasks live in the JoinSet, so aborting `serve` also ends them.
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = Arc::clone(&shared);
        conns.spawn(async move {
            // A TLS connection opens with a handshake record (0x16); anything else is plain
            // HTTP, as a bot sends through `[discord] api_url` (serenity's proxy mode).
            let mut first = [0u8; 1];
            let tls = matches!(tcp.peek(&mut first).await, Ok(1) if first[0] == 0x16);
            if !tls {
                return serve_connection(tcp, shared).await;
            }
            if let Ok(stream) = acceptor.accept(tcp).await {
                serve_connection(stream, shared).await;
            }
        });
        while conns.try_join_next().is_some() {}
    }
}

async fn serve_connection<S>(stream: S, shared: Arc<Shared>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let io = hyper_util::rt::TokioIo::new(stream);
    let svc = hyper::service::service_fn(move |req| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(shared, req).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, svc)
        .await;
}

/// What a handler answers: status, JSON body (None = empty), extra headers.
struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: vec![],
        }
    }
    fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: vec![],
        }
    }
}

fn err(status: u16, code: u64, message: &str) -> Reply {
    Reply::json(status, json!({"message": message, "code": code}))
}

fn form_error(field: &str, code: &str, message: &str) -> Reply {
    Reply::json(
        400,
        json!({
            "code": 50035,
            "message": "Invalid Form Body",
            "errors": {field: {"_errors": [{"code": code, "message": message}]}},
        }),
    )
}

struct Parsed {
    body: Option<Value>,
    files: Vec<(String, String, usize)>,
    /// Per file part: its Content-Type and whether its bytes look like that type.
    file_types: Vec<(Option<String>, bool)>,
    bad_json: bool,
}

async fn parse_body(content_type: &str, bytes: Bytes) -> Parsed {
    let mut parsed = Parsed {
        body: None,
        files: vec![],
        file_types: vec![],
        bad_json: false,
    };
    if content_type.starts_with("multipart/form-data") {
        let Ok(boundary) = multer::parse_boundary(content_type) else {
            parsed.bad_json = true;
            return parsed;
        };
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(bytes) });
        let mut mp = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = mp.next_field().await {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(String::from);
            let content_type = field.content_type().map(|m| m.essence_str().to_string());
            let Ok(data) = field.bytes().await else { break };
            match file_name {
                Some(f) => {
                    let looks_right = match content_type.as_deref() {
                        Some("image/png") => data.starts_with(b"\x89PNG\r\n\x1a\n"),
                        Some("application/json") => serde_json::from_slice::<Value>(&data).is_ok(),
                        _ => true,
                    };
                    parsed.file_types.push((content_type, looks_right));
                    parsed.files.push((name, f, data.len()));
                }
                None if name == "payload_json" => match serde_json::from_slice(&data) {
                    Ok(v) => parsed.body = Some(v),
                    Err(_) => parsed.bad_json = true,
                },
                None => {}
            }
        }
    } else if !bytes.is_empty() {
        match serde_json::from_slice(&bytes) {
            Ok(v) => parsed.body = Some(v),
            Err(_) => parsed.bad_json = true,
        }
    }
    parsed
}

/// Route templates the stand-in serves, matched segment by segment (`{x}` = any segment).
const ROUTES: &[(&str, &str)] = &[
    ("GET", "/gateway"),
    ("GET", "/gateway/bot"),
    ("GET", "/users/@me"),
    ("GET", "/oauth2/applications/@me"),
    ("POST", "/users/@me/channels"),
    ("POST", "/channels/{channel_id}/messages"),
    ("GET", "/channels/{channel_id}/messages"),
    ("POST", "/channels/{channel_id}/threads"),
    (
        "POST",
        "/channels/{channel_id}/messages/{message_id}/threads",
    ),
    (
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
    ),
    (
        "GET",
        "/webhooks/{application_id}/{interaction_token}/messages/@original",
    ),
    (
        "PATCH",
        "/webhooks/{application_id}/{interaction_token}/messages/@original",
    ),
    (
        "DELETE",
        "/webhooks/{application_id}/{interaction_token}/messages/@original",
    ),
    (
        "PATCH",
        "/webhooks/{application_id}/{interaction_token}/messages/{message_id}",
    ),
    ("POST", "/webhooks/{application_id}/{interaction_token}"),
    (
        "PUT",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ),
    (
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands",
    ),
    ("PUT", "/applications/{application_id}/commands"),
    ("GET", "/applications/{application_id}/commands"),
];

/// Returns the template and the path parameters.
fn match_route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(&'static str, Vec<String>, usize)> = None;
    for (m, template) in ROUTES {
        if *m != method {
            continue;
        }
        let segs: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if segs.len() != parts.len() {
            continue;
        }
        let mut params = vec![];
        let mut literals = 0;
        let ok = segs.iter().zip(&parts).all(|(s, p)| {
            if s.starts_with('{') {
                params.push(p.to_string());
                !p.is_empty()
            } else {
                literals += 1;
                s == p
            }
        });
        if ok && best.as_ref().is_none_or(|b| literals > b.2) {
            best = Some((template, params, literals));
        }
    }
    best.map(|(t, p, _)| (t, p))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_string();
    let full_path = req.uri().path().to_string();
    let query = req.uri().query().map(String::from);
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let bytes = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let parsed = parse_body(&content_type, bytes).await;
    let at = shared.start.elapsed();

    let api_path = full_path.strip_prefix(API_PREFIX).unwrap_or("");
    let matched = if full_path.starts_with(API_PREFIX) {
        match_route(&method, api_path)
    } else {
        None
    };

    // Spec validation (before limits, so every body is checked once per attempt).
    if let (Some(spec), Some(body)) = (&shared.spec, &parsed.body)
        && matches!(method.as_str(), "POST" | "PUT" | "PATCH")
        && let Err(errors) = spec.validate(&method, api_path, body)
    {
        let template = spec
            .match_path(&method, api_path)
            .unwrap_or_else(|| api_path.to_string());
        let mut d = shared.lock();
        for e in errors {
            let v = format!("{method} {template}: {e}");
            if !d.violations.contains(&v) {
                d.violations.push(v);
            }
        }
    }

    // A file part must say what it is, and be it; the payload's attachments must name parts
    // that were sent (`files[<id>]`).
    {
        let mut found = Vec::new();
        for ((part, file, _), (kind, right)) in parsed.files.iter().zip(&parsed.file_types) {
            let expected = match file.rsplit('.').next() {
                Some("png") => Some("image/png"),
                Some("json") => Some("application/json"),
                _ => None,
            };
            match (kind.as_deref(), expected) {
                (None, _) => found.push(format!(
                    "{method} {api_path}: file part {part} ({file}) has no Content-Type"
                )),
                (Some(k), Some(e)) if k != e => found.push(format!(
                    "{method} {api_path}: file part {part} ({file}) is sent as {k}, not {e}"
                )),
                _ => {}
            }
            if !right {
                found.push(format!("{method} {api_path}: file part {part} ({file}) is not what its Content-Type says"));
            }
        }
        let attachments = parsed
            .body
            .as_ref()
            .map(|b| {
                if b.get("data").is_some() {
                    &b["data"]["attachments"]
                } else {
                    &b["attachments"]
                }
            })
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for a in &attachments {
            let part = format!("files[{}]", a["id"].as_str().unwrap_or("?"));
            if !parsed.files.iter().any(|(p, ..)| *p == part) {
                found.push(format!(
                    "{method} {api_path}: attachment {a} names no file part"
                ));
            }
        }
        if !found.is_empty() {
            let mut d = shared.lock();
            for v in found {
                if !d.violations.contains(&v) {
                    d.violations.push(v);
                }
            }
        }
    }

    let unexpected = matched.is_none();
    let (route, reply, bucket) = match matched {
        None => ("?", err(404, 0, "404: Not Found"), None),
        Some((template, params)) => {
            let mut d = shared.lock();
            let (reply, bucket) = process(
                &shared,
                &mut d,
                &method,
                template,
                &params,
                query.as_deref(),
                auth.as_deref(),
                &parsed,
            );
            (template, reply, bucket)
        }
    };

    let mut d = shared.lock();
    if reply.status == 429 {
        d.rate_limited += 1;
    }
    d.requests.push(RequestRecord {
        method: method.clone(),
        path: full_path.clone(),
        query,
        route: route.to_string(),
        body: parsed.body.clone(),
        files: parsed
            .files
            .iter()
            .map(|(n, f, _)| (n.clone(), f.clone()))
            .collect(),
        file_types: parsed
            .file_types
            .iter()
            .map(|(t, _)| t.clone().unwrap_or_default())
            .collect(),
        status: reply.status,
        at,
        unexpected,
    });
    drop(d);

    let mut resp = Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
    if let Some(b) = &bucket {
        let now = Instant::now();
        let reset_after = b.reset_at.saturating_duration_since(now).as_secs_f64();
        let reset_epoch = (SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + b.reset_at.saturating_duration_since(now))
        .as_secs_f64();
        resp = resp
            .header("x-ratelimit-limit", b.limit.to_string())
            .header(
                "x-ratelimit-remaining",
                b.limit.saturating_sub(b.count).to_string(),
            )
            .header("x-ratelimit-reset", format!("{reset_epoch:.3}"))
            .header("x-ratelimit-reset-after", format!("{reset_after:.3}"))
            .header("x-ratelimit-bucket", b.hash.clone());
    }
    for (k, v) in &reply.headers {
        resp = resp.header(k.as_str(), v.as_str());
    }
    let body = match &reply.body {
        Some(v) => {
            resp = resp.header("content-type", "application/json");
            Bytes::from(v.to_string())
        }
        None => Bytes::new(),
    };
    resp.body(Full::new(body)).unwrap()
}

fn fnv_hex(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Seconds for the Retry-After header: an integer when whole (as Discord sends it), else
/// with millisecond precision (serenity parses it as f64).
fn retry_after_header(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{}", secs as u64)
    } else {
        format!("{secs:.3}")
    }
}

fn rate_limited(retry_after: f64, global: bool) -> Reply {
    let mut r = Reply::json(
        429,
        json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": global}),
    );
    r.headers
        .push(("retry-after".into(), retry_after_header(retry_after)));
    if global {
        r.headers.push(("x-ratelimit-global".into(), "true".into()));
        r.headers
            .push(("x-ratelimit-scope".into(), "global".into()));
    } else {
        r.headers.push(("x-ratelimit-scope".into(), "user".into()));
    }
    r
}

#[allow(clippy::too_many_arguments)]
fn process(
    shared: &Shared,
    d: &mut Data,
    method: &str,
    template: &'static str,
    params: &[String],
    query: Option<&str>,
    auth: Option<&str>,
    parsed: &Parsed,
) -> (Reply, Option<Bucket>) {
    let interaction_route =
        template.starts_with("/interactions/") || template.starts_with("/webhooks/");
    // Authorization (interaction routes are authenticated by their token).
    if !interaction_route {
        let ok = match (&shared.opts.token, auth) {
            (_, None) => false,
            (None, Some(a)) => a.starts_with("Bot "),
            (Some(t), Some(a)) => a.trim_start_matches("Bot ") == t.trim_start_matches("Bot "),
        };
        if !ok {
            return (err(401, 0, "401: Unauthorized"), None);
        }
    }
    if parsed.bad_json {
        return (
            err(400, 50109, "The request body contains invalid JSON."),
            None,
        );
    }

    let now = Instant::now();
    let is_message_post = method == "POST" && template == "/channels/{channel_id}/messages";

    // Injected failures.
    if is_message_post {
        if d.inject_5xx > 0 {
            d.inject_5xx -= 1;
            return (err(502, 0, "502: Bad Gateway"), None);
        }
        if let Some((n, retry, global)) = d.inject_429 {
            d.inject_429 = if n > 1 {
                Some((n - 1, retry, global))
            } else {
                None
            };
            let mut r = rate_limited(retry, global);
            if !global {
                let b = Bucket {
                    hash: fnv_hex(&format!("{method} {template}")),
                    limit: 5,
                    per: Duration::from_secs_f64(retry),
                    count: 5,
                    reset_at: now + Duration::from_secs_f64(retry),
                };
                return (r, Some(b));
            }
            r.headers.push((
                "x-ratelimit-bucket".into(),
                fnv_hex(&format!("{method} {template}")),
            ));
            return (r, None);
        }
    }

    // Global limit (interaction endpoints are not bound to it, as on Discord).
    if !interaction_route {
        let limit = shared.opts.global_rate_limit.max(1);
        let window = match d.global_window {
            Some((start, n)) if now.duration_since(start) < Duration::from_secs(1) => (start, n),
            _ => (now, 0),
        };
        if window.1 >= limit {
            let retry = (Duration::from_secs(1) - now.duration_since(window.0))
                .as_secs_f64()
                .max(0.001);
            d.global_window = Some(window);
            return (rate_limited((retry * 1000.0).ceil() / 1000.0, true), None);
        }
        d.global_window = Some((window.0, window.1 + 1));
    }

    // Route bucket, per major parameter.
    let (limit, per) = shared
        .opts
        .route_limits
        .iter()
        .find(|r| r.method == method && r.route == template)
        .map(|r| (r.limit, r.per))
        .unwrap_or(shared.opts.default_route_limit);
    let major = params.first().cloned().unwrap_or_default();
    let key = format!("{method} {template} {major}");
    let bucket = d.buckets.entry(key).or_insert_with(|| Bucket {
        hash: fnv_hex(&format!("{method} {template}")),
        limit,
        per,
        count: 0,
        reset_at: now + per,
    });
    if now >= bucket.reset_at {
        bucket.count = 0;
        bucket.reset_at = now + bucket.per;
    }
    if bucket.count >= bucket.limit {
        let retry = bucket
            .reset_at
            .saturating_duration_since(now)
            .as_secs_f64()
            .max(0.001);
        let b = bucket.clone();
        return (
            rate_limited((retry * 1000.0).ceil() / 1000.0, false),
            Some(b),
        );
    }
    bucket.count += 1;
    let b = bucket.clone();

    let reply = route(shared, d, method, template, params, query, parsed);
    (reply, Some(b))
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

pub(crate) fn dm_channel_for(d: &mut Data, user_id: u64) -> u64 {
    if let Some(c) = d.dm_by_user.get(&user_id) {
        return *c;
    }
    let id = payloads::snowflake();
    d.dm_by_user.insert(user_id, id);
    d.channels.insert(
        id,
        ChannelInfo {
            kind: 1,
            guild_id: None,
            parent_id: None,
            recipient: Some(user_id),
            name: String::new(),
        },
    );
    id
}

pub(crate) fn find_message(d: &Data, id: u64) -> Option<&Value> {
    let s = id.to_string();
    d.messages.iter().find(|m| m["id"] == s.as_str())
}

fn find_message_mut(d: &mut Data, id: u64) -> Option<&mut Value> {
    let s = id.to_string();
    d.messages.iter_mut().find(|m| m["id"] == s.as_str())
}

/// GET a channel's messages as Discord answers it: `around`, `before` or `after` (at most one)
/// and `limit` (1 to 100, default 50); newest first. With `after`, the oldest `limit` messages
/// after that id.
fn channel_messages(d: &Data, channel_id: u64, query: Option<&str>) -> Reply {
    let params: Vec<(&str, &str)> = query
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let get = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
    let anchors = ["around", "before", "after"]
        .iter()
        .filter(|a| get(a).is_some())
        .count();
    if anchors > 1 {
        return err(400, 50035, "Invalid Form Body");
    }
    let limit = match get("limit").map(str::parse::<usize>) {
        None => 50,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            return form_error(
                "limit",
                "NUMBER_TYPE_MAX",
                "int value should be <= 100 and >= 1",
            );
        }
    };
    if !d.channels.contains_key(&channel_id) {
        return err(404, 10003, "Unknown Channel");
    }
    let id_of_message = |m: &Value| {
        m["id"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let channel = channel_id.to_string();
    let mut found: Vec<Value> = d
        .messages
        .iter()
        .filter(|m| m["channel_id"] == channel.as_str())
        .cloned()
        .collect();
    found.sort_by_key(|m| id_of_message(m));
    let mut page: Vec<Value> = match (get("after"), get("before")) {
        (Some(after), _) => {
            let Ok(after) = after.parse::<u64>() else {
                return form_error("after", "NUMBER_TYPE_COERCE", "Value is not snowflake.");
            };
            found
                .into_iter()
                .filter(|m| id_of_message(m) > after)
                .take(limit)
                .collect()
        }
        (None, Some(before)) => {
            let Ok(before) = before.parse::<u64>() else {
                return form_error("before", "NUMBER_TYPE_COERCE", "Value is not snowflake.");
            };
            let older: Vec<Value> = found
                .into_iter()
                .filter(|m| id_of_message(m) < before)
                .collect();
            older[older.len().saturating_sub(limit)..].to_vec()
        }
        (None, None) => found[found.len().saturating_sub(limit)..].to_vec(),
    };
    page.reverse();
    Reply::json(200, Value::Array(page))
}

fn route(
    shared: &Shared,
    d: &mut Data,
    method: &str,
    template: &str,
    params: &[String],
    query: Option<&str>,
    parsed: &Parsed,
) -> Reply {
    let body = parsed.body.clone().unwrap_or(Value::Null);
    let opts = &shared.opts;
    match (method, template) {
        ("GET", "/gateway") => Reply::json(200, json!({"url": shared.ws_url})),
        ("GET", "/gateway/bot") => Reply::json(
            200,
            json!({
                "url": shared.ws_url,
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1},
            }),
        ),
        ("GET", "/users/@me") => {
            let mut u = shared.bot_user();
            u["verified"] = json!(true);
            u["mfa_enabled"] = json!(false);
            u["email"] = Value::Null;
            u["locale"] = json!("en-US");
            Reply::json(200, u)
        }
        ("GET", "/oauth2/applications/@me") => Reply::json(
            200,
            json!({
                "id": opts.application_id.to_string(),
                "name": opts.bot_name,
                "icon": null,
                "description": "",
                "summary": "",
                "type": null,
                "bot_public": false,
                "bot_require_code_grant": false,
                "verify_key": "0".repeat(64),
                "flags": 0,
                "hook": true,
                "rpc_origins": [],
                "tags": [],
                "team": null,
                "owner": payloads::user(1_100_000_000_000_000_099, "owner", false),
                "bot": shared.bot_user(),
                "integration_types_config": {"0": {}},
                "redirect_uris": [],
                "interactions_endpoint_url": null,
                "approximate_guild_count": opts.guild_ids.len(),
            }),
        ),
        ("POST", "/users/@me/channels") => {
            let Some(user_id) = id_of(&body["recipient_id"]) else {
                return form_error(
                    "recipient_id",
                    "BASE_TYPE_REQUIRED",
                    "This field is required",
                );
            };
            let channel_id = dm_channel_for(d, user_id);
            let recipient = d
                .users
                .get(&user_id)
                .cloned()
                .unwrap_or_else(|| payloads::user(user_id, &format!("user{user_id}"), false));
            Reply::json(200, payloads::dm_channel(channel_id, recipient))
        }
        ("POST", "/channels/{channel_id}/messages") => {
            let Some(channel_id) = parse_id(&params[0]) else {
                return err(404, 10003, "Unknown Channel");
            };
            create_channel_message(shared, d, channel_id, &body, &parsed.files)
        }
        ("GET", "/channels/{channel_id}/messages") => {
            let Some(channel_id) = parse_id(&params[0]) else {
                return err(404, 10003, "Unknown Channel");
            };
            channel_messages(d, channel_id, query)
        }
        ("POST", "/channels/{channel_id}/threads") => {
            let Some(parent) = parse_id(&params[0]) else {
                return err(404, 10003, "Unknown Channel");
            };
            let Some(name) = body["name"].as_str() else {
                return form_error("name", "BASE_TYPE_REQUIRED", "This field is required");
            };
            // Discord (API v9+) makes a PRIVATE_THREAD when `type` is not given.
            let kind = body["type"].as_u64().unwrap_or(12) as u8;
            create_thread(shared, d, parent, payloads::snowflake(), name, kind, &body)
        }
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads") => {
            let (Some(parent), Some(mid)) = (parse_id(&params[0]), parse_id(&params[1])) else {
                return err(404, 10008, "Unknown Message");
            };
            let Some(name) = body["name"].as_str() else {
                return form_error("name", "BASE_TYPE_REQUIRED", "This field is required");
            };
            if find_message(d, mid).is_none() {
                return err(404, 10008, "Unknown Message");
            }
            // A thread started from a message has the message's id.
            create_thread(shared, d, parent, mid, name, 11, &body)
        }
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            interaction_callback(shared, d, params, query, &body)
        }
        (_, t) if t.starts_with("/webhooks/") => {
            webhook(shared, d, method, template, params, &body, &parsed.files)
        }
        ("PUT", "/applications/{application_id}/commands") => {
            put_commands(shared, d, params, None, &body)
        }
        ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands") => {
            let guild = parse_id(&params[1]);
            put_commands(shared, d, params, Some(guild.unwrap_or(0)), &body)
        }
        ("GET", "/applications/{application_id}/commands") => {
            Reply::json(200, json!(d.commands_global))
        }
        ("GET", "/applications/{application_id}/guilds/{guild_id}/commands") => {
            let guild = parse_id(&params[1]).unwrap_or(0);
            Reply::json(
                200,
                json!(d.commands_guild.get(&guild).cloned().unwrap_or_default()),
            )
        }
        _ => err(404, 0, "404: Not Found"),
    }
}

fn attachments_of(files: &[(String, String, usize)], channel_id: u64) -> Vec<Value> {
    files
        .iter()
        .map(|(_, name, size)| {
            let id = payloads::snowflake();
            let url = format!("https://cdn.discordapp.com/attachments/{channel_id}/{id}/{name}");
            json!({"id": id.to_string(), "filename": name, "size": size, "url": url, "proxy_url": url, "content_type": "application/octet-stream"})
        })
        .collect()
}

/// Checks shared by every message-creating route: 2000 chars, empty message.
fn check_message_body(body: &Value, files: &[(String, String, usize)]) -> Result<(), Reply> {
    let content = body["content"].as_str().unwrap_or("");
    if content.chars().count() > 2000 {
        return Err(form_error(
            "content",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 2000 or fewer in length.",
        ));
    }
    let nonempty = |k: &str| body[k].as_array().is_some_and(|a| !a.is_empty());
    if content.is_empty()
        && files.is_empty()
        && !nonempty("embeds")
        && !nonempty("components")
        && !nonempty("sticker_ids")
        && body["poll"].is_null()
    {
        return Err(err(400, 50006, "Cannot send an empty message"));
    }
    Ok(())
}

/// A bot-authored message object built from a create body.
fn build_message(
    shared: &Shared,
    channel_id: u64,
    guild_id: Option<u64>,
    body: &Value,
    files: &[(String, String, usize)],
) -> Value {
    let mut m = payloads::message(
        payloads::snowflake(),
        channel_id,
        shared.bot_user(),
        body["content"].as_str().unwrap_or(""),
    );
    for k in ["embeds", "components"] {
        if let Some(a) = body[k].as_array() {
            m[k] = json!(a);
        }
    }
    if let Some(f) = body["flags"].as_u64() {
        m["flags"] = json!(f);
    }
    if let Some(t) = body["tts"].as_bool() {
        m["tts"] = json!(t);
    }
    if !body["nonce"].is_null() {
        m["nonce"] = body["nonce"].clone();
    }
    m["attachments"] = json!(attachments_of(files, channel_id));
    if let Some(g) = guild_id {
        m["guild_id"] = json!(g.to_string());
    }
    if let Some(r) = body.get("message_reference").filter(|r| !r.is_null()) {
        m["message_reference"] = json!({
            "type": 0,
            "message_id": r["message_id"].clone(),
            "channel_id": r.get("channel_id").cloned().unwrap_or(json!(channel_id.to_string())),
        });
        m["type"] = json!(19);
    }
    m
}

fn create_channel_message(
    shared: &Shared,
    d: &mut Data,
    channel_id: u64,
    body: &Value,
    files: &[(String, String, usize)],
) -> Reply {
    let info = match d.channels.get(&channel_id) {
        Some(c) => c.clone(),
        None if shared.opts.strict_channels => return err(404, 10003, "Unknown Channel"),
        None => {
            let c = ChannelInfo {
                kind: 0,
                guild_id: shared.opts.guild_ids.first().copied(),
                parent_id: None,
                recipient: None,
                name: format!("channel-{channel_id}"),
            };
            d.channels.insert(channel_id, c.clone());
            c
        }
    };
    if info.kind == 1 && info.recipient.is_some_and(|u| d.closed_dms.contains(&u)) {
        return err(403, 50007, "Cannot send messages to this user");
    }
    let nonce = match &body["nonce"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(n) = &nonce
        && n.chars().count() > 25
    {
        return form_error(
            "nonce",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        );
    }
    if let Err(r) = check_message_body(body, files) {
        return r;
    }
    let author = shared.opts.bot_user_id;
    let now = Instant::now();
    if let (Some(n), true) = (&nonce, body["enforce_nonce"].as_bool() == Some(true))
        && let Some((when, mid)) = d.nonces.get(&(author, n.clone()))
        && now.duration_since(*when) < shared.opts.nonce_window
        && let Some(m) = find_message(d, *mid)
    {
        return Reply::json(200, m.clone());
    }
    let guild_id = if info.kind == 1 { None } else { info.guild_id };
    let mut m = build_message(shared, channel_id, guild_id, body, files);
    if let Some(r) = m
        .get("message_reference")
        .and_then(|r| id_of(&r["message_id"]))
        && let Some(refd) = find_message(d, r)
    {
        m["referenced_message"] = refd.clone();
    }
    let mid = id_of(&m["id"]).unwrap();
    if let Some(n) = nonce {
        d.nonces.insert((author, n), (now, mid));
    }
    d.messages.push(m.clone());
    Reply::json(200, m)
}

fn create_thread(
    shared: &Shared,
    d: &mut Data,
    parent: u64,
    id: u64,
    name: &str,
    kind: u8,
    body: &Value,
) -> Reply {
    let parent_info = match d.channels.get(&parent) {
        Some(c) => c.clone(),
        None if shared.opts.strict_channels => return err(404, 10003, "Unknown Channel"),
        None => ChannelInfo {
            kind: 0,
            guild_id: shared.opts.guild_ids.first().copied(),
            parent_id: None,
            recipient: None,
            name: format!("channel-{parent}"),
        },
    };
    if parent_info.kind == 1 || parent_info.guild_id.is_none() {
        return err(400, 50024, "Cannot execute action on this channel type");
    }
    if d.channels
        .get(&id)
        .is_some_and(|c| c.kind == 11 || c.kind == 12)
    {
        return err(
            400,
            160004,
            "A thread has already been created for this message",
        );
    }
    let guild_id = parent_info.guild_id.unwrap_or(0);
    d.channels.insert(
        id,
        ChannelInfo {
            kind,
            guild_id: Some(guild_id),
            parent_id: Some(parent),
            recipient: None,
            name: name.into(),
        },
    );
    let archive = body["auto_archive_duration"].as_u64().unwrap_or(4320);
    Reply::json(
        201,
        payloads::thread_channel(
            id,
            guild_id,
            parent,
            shared.opts.bot_user_id,
            name,
            kind,
            archive,
        ),
    )
}

fn interaction_callback(
    shared: &Shared,
    d: &mut Data,
    params: &[String],
    query: Option<&str>,
    body: &Value,
) -> Reply {
    let Some(iid) = parse_id(&params[0]) else {
        return err(404, 10062, "Unknown interaction");
    };
    let Some(rec) = d.interactions.get(&iid).cloned() else {
        return err(404, 10062, "Unknown interaction");
    };
    if rec.token != params[1] {
        return err(401, 50027, "Invalid Webhook Token");
    }
    if rec.callback.is_some() {
        return err(400, 40060, "Interaction has already been acknowledged.");
    }
    let kind = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(json!({}));
    let original = match kind {
        4 | 5 => {
            if kind == 4
                && let Err(r) = check_message_body(&data, &[])
            {
                return r;
            }
            let mut m = build_message(shared, rec.channel_id, rec.guild_id, &data, &[]);
            if kind == 5 {
                let flags = data["flags"].as_u64().unwrap_or(0) | 128;
                m["flags"] = json!(flags);
            }
            m["webhook_id"] = json!(shared.opts.application_id.to_string());
            m["application_id"] = json!(shared.opts.application_id.to_string());
            m["type"] = json!(if rec.kind == 2 { 20 } else { 19 });
            m["interaction_metadata"] = json!({
                "id": iid.to_string(),
                "type": rec.kind,
                "user": rec.user.clone(),
                "authorizing_integration_owners": {},
            });
            let mid = id_of(&m["id"]).unwrap();
            d.messages.push(m);
            Some(mid)
        }
        6 | 7 => {
            let mid = rec.message.as_ref().and_then(|m| id_of(&m["id"]));
            if kind == 7
                && let Some(mid) = mid
                && let Some(m) = find_message_mut(d, mid)
            {
                apply_edit(m, &data);
            }
            mid
        }
        1 | 8 | 9 | 10 | 12 => None,
        _ => {
            return form_error(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 4, 5, 6, 7, 8, 9, 10, 12).",
            );
        }
    };
    let r = d.interactions.get_mut(&iid).unwrap();
    r.callback = Some(body.clone());
    r.original_message_id = original;
    if query.is_some_and(|q| q.split('&').any(|kv| kv == "with_response=true")) {
        let msg = original.and_then(|m| find_message(d, m).cloned());
        return Reply::json(
            200,
            json!({
                "interaction": {
                    "id": iid.to_string(),
                    "type": rec.kind,
                    "activity_instance_id": null,
                    "response_message_id": original.map(|m| m.to_string()),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": data["flags"].as_u64().unwrap_or(0) & 64 != 0,
                },
                "resource": {"type": kind, "message": msg},
            }),
        );
    }
    Reply::empty(204)
}

fn apply_edit(m: &mut Value, data: &Value) {
    for k in ["content", "embeds", "components", "flags"] {
        if let Some(v) = data.get(k)
            && !v.is_null()
        {
            m[k] = v.clone();
        }
    }
    // A deferred response loses its LOADING flag when edited.
    if let Some(f) = m["flags"].as_u64() {
        m["flags"] = json!(f & !128);
    }
    m["edited_timestamp"] = json!(payloads::now_iso());
}

fn webhook(
    shared: &Shared,
    d: &mut Data,
    method: &str,
    template: &str,
    params: &[String],
    body: &Value,
    files: &[(String, String, usize)],
) -> Reply {
    let app_ok = parse_id(&params[0]) == Some(shared.opts.application_id);
    let found = d
        .interactions
        .iter()
        .find(|(_, r)| r.token == params[1])
        .map(|(id, r)| (*id, r.clone()));
    let (Some((iid, rec)), true) = (found, app_ok) else {
        return err(404, 10015, "Unknown Webhook");
    };
    match (method, template) {
        ("GET", "/webhooks/{application_id}/{interaction_token}/messages/@original") => {
            match rec
                .original_message_id
                .and_then(|m| find_message(d, m).cloned())
            {
                Some(m) => Reply::json(200, m),
                None => err(404, 10008, "Unknown Message"),
            }
        }
        ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/@original") => {
            let Some(mid) = rec.original_message_id else {
                return err(404, 10008, "Unknown Message");
            };
            if body["content"]
                .as_str()
                .is_some_and(|c| c.chars().count() > 2000)
            {
                return form_error(
                    "content",
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 2000 or fewer in length.",
                );
            }
            match find_message_mut(d, mid) {
                Some(m) => {
                    apply_edit(m, body);
                    if !files.is_empty() {
                        m["attachments"] = json!(attachments_of(files, rec.channel_id));
                    }
                    Reply::json(200, m.clone())
                }
                None => err(404, 10008, "Unknown Message"),
            }
        }
        ("DELETE", "/webhooks/{application_id}/{interaction_token}/messages/@original") => {
            let Some(mid) = rec.original_message_id else {
                return err(404, 10008, "Unknown Message");
            };
            let s = mid.to_string();
            d.messages.retain(|m| m["id"] != s.as_str());
            if let Some(r) = d.interactions.get_mut(&iid) {
                r.original_message_id = None;
            }
            Reply::empty(204)
        }
        ("PATCH", "/webhooks/{application_id}/{interaction_token}/messages/{message_id}") => {
            let Some(mid) = parse_id(&params[2]) else {
                return err(404, 10008, "Unknown Message");
            };
            match find_message_mut(d, mid) {
                Some(m) if m["webhook_id"].is_string() => {
                    apply_edit(m, body);
                    Reply::json(200, m.clone())
                }
                _ => err(404, 10008, "Unknown Message"),
            }
        }
        ("POST", "/webhooks/{application_id}/{interaction_token}") => {
            if rec.callback.is_none() {
                return err(404, 10015, "Unknown Webhook");
            }
            if let Err(r) = check_message_body(body, files) {
                return r;
            }
            let mut m = build_message(shared, rec.channel_id, rec.guild_id, body, files);
            m["webhook_id"] = json!(shared.opts.application_id.to_string());
            m["application_id"] = json!(shared.opts.application_id.to_string());
            d.messages.push(m.clone());
            Reply::json(200, m)
        }
        _ => err(404, 0, "404: Not Found"),
    }
}

fn put_commands(
    shared: &Shared,
    d: &mut Data,
    params: &[String],
    guild: Option<u64>,
    body: &Value,
) -> Reply {
    if parse_id(&params[0]) != Some(shared.opts.application_id) {
        return err(403, 50001, "Missing Access");
    }
    let Some(list) = body.as_array() else {
        return form_error("_root", "BASE_TYPE_ARRAY", "Must be an array.");
    };
    let previous = match guild {
        Some(g) => d.commands_guild.get(&g).cloned().unwrap_or_default(),
        None => d.commands_global.clone(),
    };
    let mut out = Vec::new();
    for cmd in list {
        let Some(name) = cmd["name"].as_str() else {
            return form_error("name", "BASE_TYPE_REQUIRED", "This field is required");
        };
        let kind = cmd["type"].as_u64().unwrap_or(1);
        let id = previous
            .iter()
            .find(|c| c["name"] == name && c["type"].as_u64() == Some(kind))
            .and_then(|c| c["id"].as_str().map(String::from))
            .unwrap_or_else(|| payloads::snowflake().to_string());
        let mut c = json!({
            "id": id,
            "application_id": shared.opts.application_id.to_string(),
            "version": payloads::snowflake().to_string(),
            "type": kind,
            "name": name,
            "name_localizations": cmd.get("name_localizations").cloned().unwrap_or(Value::Null),
            "description": cmd["description"].as_str().unwrap_or(""),
            "description_localizations": cmd.get("description_localizations").cloned().unwrap_or(Value::Null),
            "options": cmd.get("options").filter(|o| !o.is_null()).cloned().unwrap_or(json!([])),
            "default_member_permissions": cmd.get("default_member_permissions").cloned().unwrap_or(Value::Null),
            "nsfw": cmd["nsfw"].as_bool().unwrap_or(false),
            "integration_types": cmd.get("integration_types").filter(|o| !o.is_null()).cloned().unwrap_or(json!([0])),
            "contexts": cmd.get("contexts").cloned().unwrap_or(Value::Null),
        });
        match guild {
            Some(g) => c["guild_id"] = json!(g.to_string()),
            None => c["dm_permission"] = json!(cmd["dm_permission"].as_bool().unwrap_or(true)),
        }
        out.push(c);
    }
    match guild {
        Some(g) => {
            d.commands_guild.insert(g, out.clone());
        }
        None => d.commands_global = out.clone(),
    }
    Reply::json(200, json!(out))
}
