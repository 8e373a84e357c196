//! `wandelgang run` as the built binary, as an operator runs it under systemd: pointed at the
//! Discord stand-in through `[discord] api_url`, stopped with SIGTERM in the middle of a
//! fan-out and started again. Nothing is lost or sent twice, the stop gives its batch back at
//! once, a second process on the same SQLite file is refused, and `/readyz`, `/metrics` and
//! `wandelgang status` tell the truth about it.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::discord::{GUILD, TOKEN, discord_roster, uid};
use crate::discord_standin::{RouteLimit, StandIn, StandInOptions};
use crate::support::*;
use wandelgang::app::Engine;
use wandelgang::app::ports::{OfflineChat, SystemClock};
use wandelgang::app::privacy::Operator;
use wandelgang::config::Config;
use wandelgang::domain::prompts::Catalogue;

const WPBS: usize = 60;
const WAIT: Duration = Duration::from_secs(60);

/// Every day a school day, all day long, so an on-demand prompt is due whenever CI runs.
pub(crate) fn config_text(db: &str, api_url: &str, requests_per_second: u32) -> String {
    format!(
        "database_url = \"{db}\"\n\
         [service]\nlisten = \"127.0.0.1:0\"\n\
         [defaults]\nschool_days = [\"ma\", \"di\", \"wo\", \"do\", \"vr\", \"za\", \"zo\"]\n\
         working_hours = {{ start = \"00:00\", end = \"23:59\" }}\ncadence = 1\nreminder = false\n\
         [defaults.digest]\nenabled = false\n\
         [discord]\napi_url = \"{api_url}\"\nrequests_per_second = {requests_per_second}\n\
         [discord.guilds]\n\"{GUILD}\" = \"school\"\n"
    )
}

/// The binary with `command`, on the test's configuration file and token only.
pub(crate) fn wandelgang(dir: &Path, command: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wandelgang"));
    c.arg(command)
        .current_dir(dir)
        .env("WANDELGANG_CONFIG", dir.join("wandelgang.toml"))
        .env("WANDELGANG_DISCORD_TOKEN", TOKEN)
        .env_remove("WANDELGANG_DATABASE_URL")
        .env_remove("WANDELGANG_LISTEN");
    c
}

/// A started `wandelgang run` and the address its endpoints answer on.
pub(crate) struct Running {
    pub child: Child,
    pub endpoints: String,
    _stderr: mpsc::Receiver<String>,
}

pub(crate) fn start(dir: &Path) -> Running {
    spawn_run(wandelgang(dir, "run"))
}

/// Starts `run` as `command` and waits for its start line.
pub(crate) fn spawn_run(mut command: Command) -> Running {
    let mut child = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start wandelgang run");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    // `WANDELGANG_TEST_RUN_LOGS=<dir>` keeps each process's stderr there, to read after a failure.
    let mut keep = std::env::var_os("WANDELGANG_TEST_RUN_LOGS").and_then(|dir| {
        std::fs::File::create(std::path::Path::new(&dir).join(format!("run-{}.log", child.id())))
            .ok()
    });
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(file) = keep.as_mut() {
                use std::io::Write;
                let _ = writeln!(file, "{line}");
            }
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // The start line names where the endpoints answer (port 0 was asked for).
    let deadline = Instant::now() + WAIT;
    let endpoints = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the start line");
        if let Some(rest) = line.split("http://").nth(1) {
            break rest.split('/').next().expect("address").to_string();
        }
    };
    Running {
        child,
        endpoints,
        _stderr: rx,
    }
}

/// SIGTERM, as systemd stops a unit; waits for the exit and returns how long it took.
pub(crate) fn terminate(running: &mut Running) -> Duration {
    let started = Instant::now();
    let pid = libc::pid_t::try_from(running.child.id()).expect("a pid");
    // SAFETY: kill(2) with a child's pid and a signal number touches no memory of ours.
    let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(sent, 0, "SIGTERM: {}", std::io::Error::last_os_error());
    loop {
        if let Some(status) = running.child.try_wait().expect("wait") {
            assert!(status.success(), "exit after SIGTERM: {status}");
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Writes `text` as the configuration every process of the test reads, and asks a prompt now
/// for wpbs w0..w{n-1} as the operator would (`wandelgang prompt send`), before any bot runs.
pub(crate) async fn configure_and_ask_prompts(
    dir: &Path,
    text: &str,
    store: &wandelgang::store::Store,
    n: usize,
) {
    std::fs::write(dir.join("wandelgang.toml"), text).expect("configuration file");
    let config = Config::from_toml_str(text, "wandelgang.toml", &BTreeMap::new()).expect("config");
    let operator = Engine::new(
        store.clone(),
        OfflineChat,
        SystemClock,
        std::sync::Arc::new(config),
        std::sync::Arc::new(Catalogue::builtin()),
    );
    // Planned first, as a running bot has them: a prompt now then takes the place of the week's
    // planned one. (Asked before any planning, the week's slot was planned after it and could
    // fall due during the test: a second prompt, depending on the hour the test ran.)
    operator
        .plan(chrono::Utc::now())
        .await
        .expect("plan the week's slots");
    for i in 0..n {
        operator
            .prompt_now_as(&Operator::Cli, &pid(&format!("w{i}")))
            .await
            .unwrap_or_else(|e| panic!("prompt for w{i}: {e:?}"));
    }
}

pub(crate) async fn get(address: &str, path: &str) -> (u16, String) {
    let r = reqwest::get(format!("http://{address}{path}"))
        .await
        .expect("request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

fn prompts_per_wpb(standin: &StandIn) -> Vec<usize> {
    (0..WPBS)
        .map(|i| standin.dm_messages_to(uid(&format!("w{i}"))).len())
        .collect()
}

/// The stand-in for a fan-out: the bot's token and guild, quick heartbeats, and DM channels
/// opened without a limit (opening hundreds is not what these tests are about).
pub(crate) async fn fan_out_standin() -> StandIn {
    StandIn::start(StandInOptions {
        token: Some(TOKEN.into()),
        guild_ids: vec![GUILD],
        heartbeat_interval_ms: 1_000,
        route_limits: vec![RouteLimit::new(
            "POST",
            "/users/@me/channels",
            1_000,
            Duration::from_secs(1),
        )],
        ..Default::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_fan_out_then_a_restart_sends_every_prompt_once() {
    let standin = fan_out_standin().await;
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("wandelgang.db").display());
    let text = config_text(&db, &standin.api_url(), 20);
    let store = wandelgang::store::Store::open(&db).await.unwrap();
    store.import_roster(&discord_roster(WPBS)).await.unwrap();
    configure_and_ask_prompts(dir.path(), &text, &store, WPBS).await;

    let mut first = start(dir.path());
    assert!(
        standin
            .wait_until(|s| s.bot_messages().len() >= 12, WAIT)
            .await,
        "the fan-out never started"
    );
    let took = terminate(&mut first);
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");
    let sent_first: usize = prompts_per_wpb(&standin).iter().sum();
    assert!(
        sent_first < WPBS,
        "the fan-out ended before the stop ({sent_first})"
    );
    // What was not sent went back at once: nothing waits out a lease.
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE status = 'claimed'"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'prompt' AND status = 'sent'"
        )
        .await,
        sent_first as i64
    );
    assert_eq!(
        count(
            &store,
            "SELECT COUNT(*) FROM processes WHERE stopped_at IS NOT NULL"
        )
        .await,
        1
    );

    let mut second = start(dir.path());
    // One process per SQLite file: a third is refused while the second runs.
    let refused = wandelgang(dir.path(), "run").output().unwrap();
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        said.contains("er draait al een `wandelgang run`") && said.contains("PostgreSQL"),
        "{said}"
    );

    assert!(
        standin
            .wait_until(|s| prompts_per_wpb(s).iter().all(|&n| n >= 1), WAIT)
            .await,
        "not every wpb got a prompt: {:?}",
        prompts_per_wpb(&standin)
    );
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = get(&second.endpoints, "/readyz").await;
        if status == 200 {
            assert_eq!(body, "ready\n");
            break;
        }
        assert!(Instant::now() < deadline, "never ready: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The tick records its batch once the batch is through: wait for that tick to end.
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, metrics) = get(&second.endpoints, "/metrics").await;
        assert_eq!(status, 200);
        let scrape = prometheus_parse::Scrape::parse(metrics.lines().map(|l| Ok(l.to_string())))
            .expect("the Prometheus text format");
        let sample = |name: &str, label: Option<(&str, &str)>| {
            scrape
                .samples
                .iter()
                .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
                .map(|s| s.value.clone())
        };
        let ticked = matches!(
            sample("wandelgang_tick_duration_seconds", None),
            Some(prometheus_parse::Value::Histogram(h)) if h.last().is_some_and(|b| b.count >= 1.0)
        );
        if ticked {
            // The parser reads an OpenMetrics counter's `_total` sample as untyped.
            let number = |v: Option<prometheus_parse::Value>| match v {
                Some(
                    prometheus_parse::Value::Counter(n)
                    | prometheus_parse::Value::Gauge(n)
                    | prometheus_parse::Value::Untyped(n),
                ) => Some(n),
                _ => None,
            };
            assert_eq!(
                number(sample(
                    "wandelgang_messages_sent_total",
                    Some(("kind", "prompt"))
                )),
                Some((WPBS - sent_first) as f64),
                "{metrics}"
            );
            assert_eq!(
                number(sample("wandelgang_chat_connected", None)),
                Some(1.0),
                "{metrics}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "no tick ended: {metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = wandelgang(dir.path(), "status").output().unwrap();
    let report = String::from_utf8_lossy(&status.stdout);
    assert!(status.status.success(), "{report}");
    assert!(
        report.contains("(1 live") && report.contains("In orde / all well"),
        "{report}"
    );

    let took = terminate(&mut second);
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");
    assert_eq!(
        prompts_per_wpb(&standin),
        vec![1; WPBS],
        "every wpb exactly one prompt"
    );
    assert_eq!(standin.rate_limited_count(), 0, "the stand-in answered 429");
    standin.assert_clean();

    // Nobody runs now: status says so, with its exit code.
    let status = wandelgang(dir.path(), "status").output().unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&status.stdout).contains("no `wandelgang run` process"));
    store.close().await;
}
