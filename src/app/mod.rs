//! Use-cases over the ports: the scheduler tick, inbound events, escalation actions and privacy.
//! They return outcomes; what reaches people goes through the outbox and the `Chat` port.

pub mod access;
mod addressing;
pub mod digest;
pub mod engine;
pub mod escalations;
pub mod events;
pub mod inbox;
pub mod intervisie;
mod klik;
pub mod manage;
pub mod messages;
pub mod metrics;
pub mod on_demand;
pub mod outcome;
pub mod ports;
pub mod privacy;
mod refusals;
pub mod scheduler;

pub use engine::Engine;
