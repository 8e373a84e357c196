//! A real Matrix homeserver (Synapse) on loopback for integration tests.
//!
//! ```ignore
//! #[path = "../matrix_synapse/mod.rs"]
//! mod matrix_synapse;
//!
//! let Some(hs) = matrix_synapse::Synapse::start().await else { return }; // skipped
//! let bot = hs.register("bot", "secret-pw", false).await;
//! // hs.url() == "http://127.0.0.1:PORT", hs.server_name() == "localhost"
//! ```
//!
//! Synapse is pip-installed once into `<target>/synapse-venv` (override with
//! `WANDELGANG_SYNAPSE_VENV`) by `install.sh`, which CI can also run up front:
//! `sh tests/matrix_synapse/install.sh target/synapse-venv`.  When the install
//! fails, `start` panics if `CI` is set, else prints one notice and returns
//! `None` so the Matrix tests are skipped.
//!
//! Each instance gets its own temp dir (config, SQLite db, media, logs),
//! listens on 127.0.0.1 on a free port with only the client API (no
//! federation), has rate limits opened wide (or Synapse's defaults, with
//! `start_with_default_limits`), and is killed on `stop`/drop.
//! The Python child also exits by itself (removing its data dir) when the
//! test process dies.  Do not use it from `start_paused` tokio tests: the
//! readiness polling uses tokio timers.
//!
//! Env: `WANDELGANG_SYNAPSE_VENV` (venv dir), `SYNAPSE_PYTHON` (interpreter
//! for the venv, default `python3`), `SYNAPSE_TEST_VERBOSE` (print start-up
//! times), `SYNAPSE_KEEP_DIR` (keep the data dir when a test panics), `CI`.
#![allow(dead_code)]

mod install;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use install::{INSTALL_SH, ensure_installed, target_dir, venv_dir};

/// How long to wait for `/_matrix/client/versions` to answer.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Grace period between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The server name of every instance (user ids are `@name:localhost`).
pub const SERVER_NAME: &str = "localhost";

/// The homeserver's rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limits {
    /// Effectively none: most tests are about something else.
    Lifted,
    /// Synapse's defaults.
    Default,
}

/// A user made with the shared-secret admin registration API.
#[derive(Debug, Clone)]
pub struct Registered {
    pub user_id: String,
    pub access_token: String,
    pub device_id: String,
}

/// A running Synapse child process with its own data directory.
pub struct Synapse {
    child: Option<Child>,
    port: u16,
    server_name: String,
    shared_secret: String,
    http: reqwest::Client,
    // Dropped last (after the child is stopped in Drop).
    dir: tempfile::TempDir,
}

impl Synapse {
    /// Installs (once, cached) and starts a fresh homeserver; `None` when
    /// Synapse cannot be installed outside CI.  Panics when it is installed
    /// but does not come up.
    pub async fn start() -> Option<Synapse> {
        Self::start_with(Limits::Lifted).await
    }

    /// A homeserver with Synapse's default rate limits (`rc_room_creation`: 10, then one per
    /// 62.5 s; `rc_message`: 10, then one per 5 s; ...), as a school's would have.
    pub async fn start_with_default_limits() -> Option<Synapse> {
        Self::start_with(Limits::Default).await
    }

    pub async fn start_with(limits: Limits) -> Option<Synapse> {
        let venv = match tokio::task::spawn_blocking(|| ensure_installed().clone()).await {
            Ok(Ok(venv)) => venv,
            Ok(Err(why)) => {
                if crate::ci::in_ci() {
                    panic!("Synapse could not be installed (CI is set, not skipping):\n{why}");
                }
                static NOTICE: AtomicBool = AtomicBool::new(false);
                if !NOTICE.swap(true, Ordering::SeqCst) {
                    let first = why
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("")
                        .trim()
                        .to_owned();
                    // Straight to the stderr handle: libtest's capture of
                    // eprintln! would hide this notice in a passing run.
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "Synapse could not be installed ({first}); Matrix tests are skipped\n{}",
                        install::tail(&why, 15)
                    );
                }
                return None;
            }
            Err(e) => panic!("Synapse install task failed: {e}"),
        };
        let python = install::venv_python(&venv);
        let mut last_err = String::new();
        // A free port can be taken by someone else before Synapse binds it:
        // retry with a new port when that is why it died.
        for _attempt in 0..3 {
            match Self::try_start(&python, limits).await {
                Ok(hs) => return Some(hs),
                Err((err, port_clash)) => {
                    last_err = err;
                    if !port_clash {
                        break;
                    }
                }
            }
        }
        panic!("Synapse did not start:\n{last_err}");
    }

    async fn try_start(python: &Path, limits: Limits) -> Result<Synapse, (String, bool)> {
        let started = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("synapse-test-")
            .tempdir()
            .map_err(|e| (format!("tempdir: {e}"), false))?;
        let port = free_port().map_err(|e| (format!("free port: {e}"), false))?;
        let shared_secret = random_hex(32);
        write_config(dir.path(), port, &shared_secret, limits)
            .map_err(|e| (format!("writing config: {e}"), false))?;

        let stdout = std::fs::File::create(dir.path().join("stdout.log"))
            .map_err(|e| (e.to_string(), false))?;
        let stderr = std::fs::File::create(dir.path().join("stderr.log"))
            .map_err(|e| (e.to_string(), false))?;
        let child = Command::new(python)
            .arg("-c")
            .arg(LAUNCHER_PY)
            .arg("--config-path")
            .arg(dir.path().join("homeserver.yaml"))
            .current_dir(dir.path())
            .env("WANDELGANG_SYNAPSE_DATA_DIR", dir.path())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| (format!("spawning {}: {e}", python.display()), false))?;

        let http = reqwest::Client::builder()
            .no_proxy()
            // No pooled connections: a `Synapse` kept in a static is used from
            // many `#[tokio::test]` runtimes, and a pooled connection dies
            // with the runtime that opened it.
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("reqwest client");
        let mut hs = Synapse {
            child: Some(child),
            port,
            server_name: SERVER_NAME.to_owned(),
            shared_secret,
            http,
            dir,
        };

        let versions = format!("{}/_matrix/client/versions", hs.url());
        loop {
            if let Some(status) = hs.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                hs.child = None;
                let report = hs.failure_report(&format!("Synapse exited early with {status}"));
                let clash = report.contains("Address already in use")
                    || report.contains("CannotListenError");
                return Err((report, clash));
            }
            if let Ok(resp) = hs
                .http
                .get(&versions)
                .timeout(Duration::from_secs(2))
                .send()
                .await
                && resp.status().is_success()
            {
                break;
            }
            if started.elapsed() > START_TIMEOUT {
                hs.stop();
                return Err((
                    hs.failure_report(&format!(
                        "Synapse did not answer {versions} within {START_TIMEOUT:?}"
                    )),
                    false,
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if std::env::var_os("SYNAPSE_TEST_VERBOSE").is_some() {
            eprintln!(
                "matrix_synapse: Synapse up at {} in {:.2}s (dir {})",
                hs.url(),
                started.elapsed().as_secs_f64(),
                hs.dir.path().display()
            );
        }
        Ok(hs)
    }

    /// `http://127.0.0.1:PORT`, the homeserver (client API) base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The Matrix server name (`localhost`): user ids are `@name:localhost`.
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// This instance's data directory (homeserver.yaml, homeserver.log, db).
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Path of Synapse's own log (WARNING level and up).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("homeserver.log")
    }

    /// The last `lines` lines of Synapse's log and stderr, for assertions
    /// that want to show what the server said.
    pub fn log_tail(&self, lines: usize) -> String {
        let mut out = String::new();
        for name in ["homeserver.log", "stderr.log", "stdout.log"] {
            let text = std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default();
            if !text.trim().is_empty() {
                let _ = writeln!(
                    out,
                    "--- {name} (tail) ---\n{}",
                    install::tail(&text, lines)
                );
            }
        }
        out
    }

    fn failure_report(&self, what: &str) -> String {
        format!(
            "{what}\ndata dir: {}\n{}",
            self.dir.path().display(),
            self.log_tail(60)
        )
    }

    /// Registers a user with the shared-secret admin API
    /// (`/_synapse/admin/v1/register`); panics on failure.
    pub async fn register(&self, localpart: &str, password: &str, admin: bool) -> Registered {
        use hmac::{KeyInit, Mac};
        let url = format!("{}/_synapse/admin/v1/register", self.url());
        let nonce_resp: serde_json::Value = self
            .http
            .get(&url)
            .send()
            .await
            .expect("GET register nonce")
            .error_for_status()
            .expect("GET register nonce status")
            .json()
            .await
            .expect("nonce json");
        let nonce = nonce_resp["nonce"].as_str().expect("nonce").to_owned();

        let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(self.shared_secret.as_bytes())
            .expect("hmac key");
        mac.update(nonce.as_bytes());
        mac.update(b"\0");
        mac.update(localpart.as_bytes());
        mac.update(b"\0");
        mac.update(password.as_bytes());
        mac.update(b"\0");
        mac.update(if admin {
            b"admin".as_slice()
        } else {
            b"notadmin".as_slice()
        });
        let digest = mac.finalize().into_bytes();
        let mac_hex = hex(&digest);

        let body = serde_json::json!({
            "nonce": nonce,
            "username": localpart,
            "password": password,
            "admin": admin,
            "mac": mac_hex,
        });
        let resp = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .expect("POST register");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(
            status.is_success(),
            "registering {localpart} failed: {status} {text}"
        );
        let v: serde_json::Value = serde_json::from_str(&text).expect("register json");
        let field = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("register response lacks {k}: {text}"))
                .to_owned()
        };
        Registered {
            user_id: field("user_id"),
            access_token: field("access_token"),
            device_id: field("device_id"),
        }
    }

    /// Lifts every rate limit for `user_id` with the admin API
    /// (`POST /_synapse/admin/v1/users/<user_id>/override_ratelimit`, zeros meaning "none"),
    /// as the README advises for the bot; `admin_token` is a server admin's access token.
    pub async fn override_ratelimit(&self, admin_token: &str, user_id: &str) {
        let url = format!(
            "{}/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            self.url()
        );
        let resp = self
            .http
            .post(&url)
            .bearer_auth(admin_token)
            .json(&serde_json::json!({"messages_per_second": 0, "burst_count": 0}))
            .send()
            .await
            .expect("POST override_ratelimit");
        let status = resp.status();
        let text = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "override_ratelimit: {status} {text}");
    }

    /// Stops the server: SIGTERM, then SIGKILL after a grace period, and
    /// waits for it.  Idempotent; also done on drop.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() && std::env::var_os("SYNAPSE_KEEP_DIR").is_some() {
            self.dir.disable_cleanup(true);
            eprintln!(
                "matrix_synapse: kept data dir {}",
                self.dir.path().display()
            );
        }
    }
}

/// Runs `synapse.app.homeserver` like `python -m`, plus a watchdog thread
/// that ends the server when the test process (its parent) goes away, so a
/// killed or aborted test run leaves no homeserver behind.
const LAUNCHER_PY: &str = r#"
import os, shutil, sys, threading, time, runpy
parent = os.getppid()
def watchdog():
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            # Orphaned: no Drop will run, so also remove the data dir.
            shutil.rmtree(os.environ.get("WANDELGANG_SYNAPSE_DATA_DIR", "/nonexistent"), ignore_errors=True)
            os._exit(1)
threading.Thread(target=watchdog, daemon=True).start()
sys.argv = ["synapse.app.homeserver"] + sys.argv[1:]
runpy.run_module("synapse.app.homeserver", run_name="__main__", alter_sys=True)
"#;

fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

fn random_bytes(n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .expect("read /dev/urandom");
    buf
}

fn random_hex(n: usize) -> String {
    hex(&random_bytes(n))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unpadded standard base64 (what Synapse signing key files use).
fn base64_unpadded(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Writes homeserver.yaml, log.config and an ed25519 signing key (a random
/// 32-byte seed; saves the ~1.5 s of `--generate-keys`) into `dir`.
fn write_config(dir: &Path, port: u16, shared_secret: &str, limits: Limits) -> std::io::Result<()> {
    let d = dir.display();
    let key_id: String = random_hex(3);
    std::fs::write(
        dir.join("signing.key"),
        format!(
            "ed25519 a_{key_id} {}\n",
            base64_unpadded(&random_bytes(32))
        ),
    )?;
    std::fs::write(
        dir.join("log.config"),
        format!(
            r#"version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: {d}/homeserver.log
    encoding: utf8
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"#
        ),
    )?;
    // Rate limits: effectively off, or Synapse's defaults (none written).
    let rl = "{per_second: 100000, burst_count: 1000000}";
    let lifted = format!(
        r#"rc_message: {rl}
rc_registration: {rl}
rc_registration_token_validity: {rl}
rc_login:
  address: {rl}
  account: {rl}
  failed_attempts: {rl}
rc_admin_redaction: {rl}
rc_joins:
  local: {rl}
  remote: {rl}
rc_joins_per_room: {rl}
rc_key_requests: {rl}
rc_3pid_validation: {rl}
rc_invites:
  per_room: {rl}
  per_user: {rl}
  per_issuer: {rl}
rc_third_party_invite: {rl}
rc_media_create: {rl}
rc_presence:
  per_user: {rl}
rc_delayed_event_mgmt: {rl}
rc_room_creation: {rl}
rc_reports: {rl}
rc_user_directory: {rl}
rc_profile: {rl}
"#
    );
    let rate_limits = match limits {
        Limits::Lifted => lifted.as_str(),
        Limits::Default => "",
    };
    let config = format!(
        r#"server_name: "{SERVER_NAME}"
public_baseurl: "http://127.0.0.1:{port}/"
pid_file: {d}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {d}/homeserver.db
log_config: {d}/log.config
media_store_path: {d}/media_store
signing_key_path: {d}/signing.key
registration_shared_secret: "{shared_secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
enable_registration: false
report_stats: false
bcrypt_rounds: 4
enable_metrics: false
url_preview_enabled: false
trusted_key_servers: []
suppress_key_server_warning: true
federation_domain_whitelist: []
allow_public_rooms_over_federation: false
{rate_limits}"#,
        macaroon = random_hex(24),
        form = random_hex(24),
    );
    std::fs::write(dir.join("homeserver.yaml"), config)
}
