//! Two `wandelgang run` processes (the built binary) on one PostgreSQL against the Discord
//! stand-in: they share a fan-out of 500 prompts and the request budget, one of them at a
//! time holds the gateway, and the other takes it over when the holder is killed (kill -9) or
//! stopped (a rolling restart). Every wpb gets exactly one prompt, every reply is answered
//! once, and the stand-in never answers 429.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::discord::{actor, discord_roster, uid};
use crate::discord_standin::StandIn;
use crate::run_process::{
    Running, config_text, configure_and_ask_prompts, fan_out_standin, get, start, terminate,
};
use crate::support::*;
use wandelgang::store::Store;

const WPBS: usize = 500;
/// The configured budget for both processes together.
const BUDGET: u32 = 40;
/// The rolling restart's budget: slower, so each step falls in the middle of the fan-out.
const SLOW_BUDGET: u32 = 20;
/// A killed process's claimed rows come back after the 60 s claim lease.
const DRAIN: Duration = Duration::from_secs(150);
const WAIT: Duration = Duration::from_secs(60);

/// The stand-in, a fresh PostgreSQL database with 500 wpbs, each with a prompt asked now, and
/// the configuration file both processes read.
struct Fixture {
    budget: u32,
    standin: StandIn,
    store: Store,
    dir: tempfile::TempDir,
    _db: TestDb,
}

async fn fixture(budget: u32) -> Option<Fixture> {
    let db = TestDb::postgres().await?;
    let standin = fan_out_standin().await;
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(&db.url, &standin.api_url(), budget);
    let store = db.store().await;
    store.import_roster(&discord_roster(WPBS)).await.unwrap();
    configure_and_ask_prompts(dir.path(), &text, &store, WPBS).await;
    Some(Fixture {
        budget,
        standin,
        store,
        dir,
        _db: db,
    })
}

impl Fixture {
    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The prompts each wpb got: the bot's DM messages with buttons (its answers have none).
    fn prompts_per_wpb(&self) -> Vec<usize> {
        (0..WPBS)
            .map(|i| {
                self.standin
                    .dm_messages_to(uid(&format!("w{i}")))
                    .iter()
                    .filter(|m| m["components"].as_array().is_some_and(|c| !c.is_empty()))
                    .count()
            })
            .collect()
    }

    fn sent(&self) -> usize {
        self.prompts_per_wpb().iter().sum()
    }

    /// Waits until the gateway has been identified `n` times; how long that took.
    async fn until_identified(&self, n: usize, within: Duration) -> Duration {
        let started = Instant::now();
        assert!(
            self.standin
                .wait_until(|s| s.identify_count() >= n && s.gateway_live(), within)
                .await,
            "the gateway was identified {} times, not {n}, within {within:?}",
            self.standin.identify_count()
        );
        started.elapsed()
    }

    /// wpb `i` answers their prompt in a DM; waits for the bot's answer.
    async fn reply(&self, i: usize) {
        let person = format!("w{i}");
        assert!(
            self.standin
                .wait_until(|s| !s.dm_messages_to(uid(&person)).is_empty(), DRAIN)
                .await,
            "{person} never got a prompt"
        );
        self.standin
            .send_dm_message(&actor(&person), "Vandaag vroeg ze zelf om feedback.");
        self.until_answered(i).await;
    }

    /// A wpb whose prompt is recorded as sent answers it now, while perhaps no process
    /// listens; returns which wpb.
    async fn reply_unheard(&self) -> usize {
        let wpb: String = sqlx::query_scalar(
            "SELECT recipient FROM outbox WHERE kind = 'prompt' AND status = 'sent'
             AND recipient NOT IN ('w0', 'w1') ORDER BY recipient LIMIT 1",
        )
        .fetch_one(self.store.pool())
        .await
        .expect("a prompt recorded as sent");
        self.standin
            .send_dm_message(&actor(&wpb), "Ze durfde vandaag de klas zelf te openen.");
        wpb.trim_start_matches('w').parse().expect("a wpb id")
    }

    /// Waits until wpb `i`'s reply is answered.
    async fn until_answered(&self, i: usize) {
        assert!(
            self.standin
                .wait_until(|s| s.dm_messages_to(uid(&format!("w{i}"))).len() >= 2, WAIT)
                .await,
            "the reply of w{i} was never answered"
        );
    }

    /// Everything that must hold once both processes are done, `repliers` having replied once.
    async fn assert_all_once(&self, repliers: &[usize]) {
        assert!(
            self.standin
                .wait_until(|_| self.prompts_per_wpb().iter().all(|&n| n >= 1), DRAIN)
                .await,
            "not every wpb got a prompt: {} of {WPBS}",
            self.prompts_per_wpb().iter().filter(|&&n| n >= 1).count()
        );
        assert_eq!(
            self.prompts_per_wpb(),
            vec![1; WPBS],
            "exactly one prompt each"
        );
        for &i in repliers {
            assert_eq!(
                self.standin.dm_messages_to(uid(&format!("w{i}"))).len(),
                2,
                "w{i}: one prompt and one answer"
            );
        }
        assert_eq!(
            count(&self.store, "SELECT COUNT(*) FROM reflections").await,
            repliers.len() as i64,
            "each reply stored once"
        );
        assert_eq!(
            count(
                &self.store,
                "SELECT COUNT(*) FROM outbox WHERE status = 'claimed'"
            )
            .await,
            0
        );
        assert_eq!(
            self.standin.rate_limited_count(),
            0,
            "the stand-in answered 429"
        );
        let busiest = busiest_second(&self.standin);
        // Each process spaces its part evenly; where their seconds meet, each may fit one more.
        assert!(
            busiest <= self.budget as usize + 2,
            "{busiest} requests in one second; the budget is {}",
            self.budget
        );
        self.standin.assert_clean();
    }
}

/// The most REST requests the stand-in saw in any one second (interactions are exempt from
/// Discord's global limit, and the bot sends none here).
fn busiest_second(standin: &StandIn) -> usize {
    let at: Vec<Duration> = standin.requests().iter().map(|r| r.at).collect();
    let mut busiest = 0;
    let mut first = 0;
    for (last, t) in at.iter().enumerate() {
        while *t - at[first] >= Duration::from_secs(1) {
            first += 1;
        }
        busiest = busiest.max(last - first + 1);
    }
    busiest
}

/// A sample of the process's `/metrics`.
pub(crate) async fn metric(
    endpoints: &str,
    name: &str,
    label: Option<(&str, &str)>,
) -> Option<f64> {
    let (_, text) = get(endpoints, "/metrics").await;
    let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).ok()?;
    scrape
        .samples
        .into_iter()
        .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
        .and_then(|s| match s.value {
            prometheus_parse::Value::Counter(n)
            | prometheus_parse::Value::Gauge(n)
            | prometheus_parse::Value::Untyped(n) => Some(n),
            _ => None,
        })
}

/// Waits until the process has sent at least one prompt of its own.
async fn until_sending(process: &Running) {
    let deadline = Instant::now() + WAIT;
    while metric(
        &process.endpoints,
        "wandelgang_messages_sent_total",
        Some(("kind", "prompt")),
    )
    .await
    .unwrap_or(0.0)
        < 1.0
    {
        assert!(Instant::now() < deadline, "the process never sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the process reports `value` for the metric `name`.
async fn until_metric(process: &Running, name: &str, value: f64) {
    let deadline = Instant::now() + WAIT;
    while metric(&process.endpoints, name, None).await != Some(value) {
        assert!(Instant::now() < deadline, "{name} never became {value}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A standby is ready and holds no connection.
pub(crate) async fn assert_standby(process: &Running) {
    assert_eq!(
        metric(&process.endpoints, "wandelgang_chat_standby", None).await,
        Some(1.0)
    );
    assert_eq!(
        metric(&process.endpoints, "wandelgang_chat_connected", None).await,
        Some(0.0)
    );
    assert_eq!(
        get(&process.endpoints, "/readyz").await,
        (200, "ready\n".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_of_the_gateway_holder_mid_fan_out_the_other_takes_over_within_30_s() {
    let Some(f) = fixture(BUDGET).await else {
        return;
    };
    let mut a = start(f.path());
    f.until_identified(1, WAIT).await;
    let mut b = start(f.path());
    // A holds the gateway: a reply is answered once, by A, while B stands by and sends.
    f.reply(0).await;
    until_sending(&b).await;
    assert_standby(&b).await;

    a.child.kill().expect("kill -9");
    a.child.wait().expect("reaped");
    let at_kill = f.sent();
    assert!(
        at_kill < WPBS,
        "the fan-out ended before the kill ({at_kill})"
    );
    // While no process listens, a wpb answers a prompt the dead process recorded as sent.
    let gap = f.reply_unheard().await;
    let takeover = f.until_identified(2, Duration::from_secs(30)).await;
    eprintln!("take-over after kill -9: {takeover:?}, with {at_kill} of {WPBS} prompts sent");
    // The stand-in sees the identify before the process has its session ready.
    until_metric(&b, "wandelgang_chat_connected", 1.0).await;
    until_metric(&b, "wandelgang_chat_standby", 0.0).await;
    f.reply(1).await;
    // Discord never delivers the gap's message to the new session; the new holder reads it back.
    f.until_answered(gap).await;
    f.assert_all_once(&[0, 1, gap]).await;
    // One session per holder: the two never fought over the gateway.
    assert_eq!(f.standin.identify_count(), 2);
    assert_eq!(f.standin.resume_count(), 0);
    let took = terminate(&mut b);
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");
    f.store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_restart_of_two_processes_loses_and_doubles_nothing() {
    let Some(f) = fixture(SLOW_BUDGET).await else {
        return;
    };
    let mut a = start(f.path());
    f.until_identified(1, WAIT).await;
    let mut b = start(f.path());
    until_sending(&b).await;

    // Restart A, the holder: B takes the gateway over on its next beat, not a lease later.
    let took = terminate(&mut a);
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");
    let gap = f.reply_unheard().await;
    let handed = f.until_identified(2, Duration::from_secs(10)).await;
    eprintln!("hand-over after SIGTERM: {handed:?}");
    let mid = f.sent();
    assert!(mid < WPBS, "the fan-out ended before the restart ({mid})");
    let mut a = start(f.path());
    assert_standby(&a).await;
    f.reply(0).await;

    // Then B: A takes over, once its joining wait (one heartbeat) is over.
    let mid = f.sent();
    assert!(
        mid < WPBS,
        "the fan-out ended before the second restart ({mid})"
    );
    let took = terminate(&mut b);
    assert!(took < Duration::from_secs(10), "the stop took {took:?}");
    f.until_identified(3, Duration::from_secs(20)).await;
    f.reply(1).await;
    f.until_answered(gap).await;

    f.assert_all_once(&[0, 1, gap]).await;
    assert_eq!(f.standin.identify_count(), 3);
    assert_eq!(f.standin.resume_count(), 0);
    // The restarted A sent what B gave back.
    until_sending(&a).await;
    terminate(&mut a);
    f.store.close().await;
}
