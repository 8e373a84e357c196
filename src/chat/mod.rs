//! Transports: how messages reach people and how their answers come back as `Inbound` events.

pub mod answer;
pub mod command;
pub mod console;
pub mod discord;
pub mod input;
pub mod matrix;
pub mod pictures;
#[cfg(any(test, feature = "testing"))]
pub mod recording;
pub mod render;
pub mod ticker;
