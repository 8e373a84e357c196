//! The pure core: rules over data, an injected clock value and a seeded `Rng`.
//! Nothing in here performs I/O or knows about chat platforms or SQL.

pub mod addressing;
pub mod authz;
pub mod digest;
pub mod escalation;
pub mod intervisie;
pub mod intervisie_call;
pub mod invites;
pub mod klik;
pub mod language;
pub mod lean;
pub mod pairing;
pub mod prompts;
pub mod reflection;
pub mod reminder;
pub mod retention;
pub mod retry;
pub mod roster;
pub mod schedule;
pub mod school_settings;
pub mod school_year;
pub mod seed;
