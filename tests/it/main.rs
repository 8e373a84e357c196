//! One integration binary: store conformance on both backends, the scheduler end to end
//! (restart, downtime, two engines), the escalation flow, privacy (export, forget, retention, audit), and the command line.

mod access;
mod chat_lease;
#[path = "../ci/mod.rs"]
mod ci;
mod ci_guards;
mod cli;
mod concurrency;
mod digest;
mod digest_summary;
mod discord;
#[path = "../discord_standin/mod.rs"]
mod discord_standin;
#[path = "../discord_standin/selftest.rs"]
mod discord_standin_selftest;
mod escalation_flow;
mod failover;
mod intervisie;
mod manage;
mod matrix;
#[path = "../matrix_synapse/mod.rs"]
mod matrix_synapse;
mod privacy;
mod prompt_now;
mod refusals;
mod run_process;
mod scale;
mod scenarios;
mod scheduler;
mod schema_parity;
mod service;
mod store_conformance;
mod support;
mod texts;
mod trust;
