//! Shared test support: fresh databases (a SQLite file, or a PostgreSQL database of its own),
//! a roster fixture, and an engine on a virtual clock with the recording transport.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Europe::Amsterdam;
use sqlx::Connection;
use std::sync::Arc;

use wandelgang::app::Engine;
use wandelgang::app::ports::VirtualClock;
use wandelgang::chat::recording::RecordingChat;
use wandelgang::config::Config;
use wandelgang::domain::prompts::Catalogue;
use wandelgang::domain::roster::{
    Pairing, Person, PersonId, Role, Roster, School, SchoolId, Team, TeamId,
};
use wandelgang::store::Store;

pub const PG_ENV: &str = "WANDELGANG_TEST_POSTGRES_URL";

/// A database that exists for one test and is removed after it.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self {
            url,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// None (with a notice) when no PostgreSQL is configured for tests.
    pub async fn postgres() -> Option<Self> {
        let Ok(admin) = std::env::var(PG_ENV) else {
            // CI must never pass by skipping the PostgreSQL half.
            assert!(!crate::ci::in_ci(), "{PG_ENV} must be set in CI");
            eprintln!("notice: {PG_ENV} is not set; skipping the PostgreSQL run of this test");
            return None;
        };
        sqlx::any::install_default_drivers();
        let name = format!(
            "wg_test_{}_{:08x}",
            std::process::id(),
            rand::random::<u32>()
        );
        let mut conn = sqlx::AnyConnection::connect(&admin)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(b, _)| b)
            .to_string();
        Some(Self {
            url: format!("{base}/{name}"),
            _dir: None,
            pg: Some((admin, name)),
        })
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.url).await.expect("open store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop runs outside async; a short-lived runtime on its own thread removes the database.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = sqlx::AnyConnection::connect(&admin).await.ok()?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await
                .ok()?;
                Some(())
            })
        })
        .join();
    }
}

/// Runs an async test body on SQLite and, when configured, on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident => $body:expr;)+) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = $crate::support::TestDb::sqlite();
                    ($body)(db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(db) = $crate::support::TestDb::postgres().await {
                        ($body)(db).await;
                    }
                }
            }
        )+
    };
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

/// Local Amsterdam time as UTC.
pub fn at(s: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time");
    Amsterdam
        .from_local_datetime(&naive)
        .earliest()
        .expect("local time exists")
        .with_timezone(&Utc)
}

pub fn pid(s: &str) -> PersonId {
    PersonId::parse(s).expect("test id")
}

pub fn person(id: &str, role: Role, team: Option<&str>) -> Person {
    Person {
        id: pid(id),
        school: SchoolId::parse("school").expect("id"),
        role,
        name: format!("Naam {id}"),
        team: team.map(|t| TeamId::parse(t).expect("id")),
        chat: Some(format!("test:{id}")),
        language: None,
    }
}

/// One school with one schoolopleider `so`, and `n` wpbs `w0..` each paired with student `s0..`
/// from January 2026 to July 2027.
pub fn roster(n: usize) -> Roster {
    let mut people = vec![person("so", Role::Schoolopleider, None)];
    let mut pairings = Vec::new();
    for i in 0..n {
        people.push(person(&format!("w{i}"), Role::Wpb, Some("team")));
        people.push(person(&format!("s{i}"), Role::Student, None));
        pairings.push(Pairing {
            wpb: pid(&format!("w{i}")),
            student: pid(&format!("s{i}")),
            start: day("2026-01-05"),
            end: day("2027-07-10"),
        });
    }
    Roster {
        schools: vec![School {
            id: SchoolId::parse("school").expect("id"),
            name: "School".into(),
        }],
        teams: vec![Team {
            id: TeamId::parse("team").expect("id"),
            school: SchoolId::parse("school").expect("id"),
            name: "Team".into(),
            channel: None,
        }],
        people,
        pairings,
    }
}

pub type TestEngine = Engine<RecordingChat, VirtualClock>;

/// An engine with the default settings, but without the weekly digest: tests that count
/// messages are not about it (`tests/it/digest.rs` is, with [`with_digest`]).
pub fn engine(store: Store, chat: RecordingChat, clock: VirtualClock) -> TestEngine {
    let mut config = Config::default();
    config.defaults.digest.enabled = false;
    engine_with(store, chat, clock, config)
}

/// The default settings, weekly digest included.
pub fn with_digest(store: Store, chat: RecordingChat, clock: VirtualClock) -> TestEngine {
    engine_with(store, chat, clock, Config::default())
}

pub fn engine_with(
    store: Store,
    chat: RecordingChat,
    clock: VirtualClock,
    config: Config,
) -> TestEngine {
    Engine::new(
        store,
        chat,
        clock,
        Arc::new(config),
        Arc::new(Catalogue::builtin()),
    )
}

/// Ticks every `step_minutes` from `from` up to `to`, as a running bot would.
pub async fn run_until(
    engine: &TestEngine,
    clock: &VirtualClock,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step_minutes: i64,
) {
    let mut t = from;
    while t <= to {
        clock.set(t);
        engine.tick().await.expect("tick");
        t += chrono::Duration::minutes(step_minutes);
    }
}

/// A `SELECT COUNT(*) …` (or any single-integer query) on the store.
pub async fn count(store: &Store, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(store.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    n
}

/// Waits until a count query finds something: events from a chat platform are handled
/// asynchronously.
pub async fn eventually(store: &Store, sql: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while count(store, sql).await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never true: {sql}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A TCP relay in front of PostgreSQL that can be cut and restored on the same port, as a
/// database server stopped and started again looks to its clients.
pub struct Relay {
    pub addr: std::net::SocketAddr,
    target: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    /// A relay in front of `db`'s PostgreSQL, and a store connected through it.
    pub async fn in_front_of(db: &TestDb) -> (Relay, Store) {
        let url = url::Url::parse(&db.url).expect("database url");
        let target = format!(
            "{}:{}",
            url.host_str().expect("host"),
            url.port().unwrap_or(5432)
        );
        let relay = Relay::start(target).await;
        let mut via = url.clone();
        via.set_port(Some(relay.addr.port())).expect("port");
        let store = Store::connect(via.as_str())
            .await
            .expect("through the relay");
        (relay, store)
    }

    pub async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut relay = Relay {
            addr,
            target,
            task: None,
        };
        relay.task = Some(relay.spawn(listener));
        relay
    }

    fn spawn(&self, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
        let target = self.target.clone();
        tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                conns.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        })
    }

    /// Closes the port and every connection through it.
    pub fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    pub async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("the same port again");
        self.task = Some(self.spawn(listener));
    }
}
