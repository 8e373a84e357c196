#![warn(missing_docs)]
//! Wandelgang: short informal prompts for werkplekbegeleiders, one-line reflections,
//! klik signals and escalation to the schoolopleider.
//!
//! `domain` is pure (no I/O), `app` holds the use-cases over the ports in `app::ports`,
//! `store` and `chat` are the adapters.

pub mod app;
pub mod chart;
pub mod chat;
pub mod cli;
pub mod config;
pub mod domain;
pub mod malloc_arenas;
pub mod roster_import;
pub mod scale;
pub mod service;
pub mod simulate;
pub mod store;
pub mod telemetry;
