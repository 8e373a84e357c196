//! The pure core: rules over data, an injected clock value and a seeded `Rng`.
//! Nothing in here performs I/O or knows about chat platforms or SQL.

pub mod addressing;
pub mod authz;
pub mod escalation;
pub mod intervisie;
pub mod invites;
pub mod klik;
pub mod language;
pub mod pairing;
pub mod prompts;
pub mod reflection;
pub mod retention;
pub mod roster;
pub mod schedule;
