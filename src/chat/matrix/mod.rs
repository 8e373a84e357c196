//! Matrix, on matrix-sdk with end-to-end encryption (its SQLite store keeps the device and
//! keys). Like the Discord adapter it only translates: events to the core's `Inbound`, the `Chat` port to Matrix requests.

pub mod bot;
pub mod commands;
pub mod dm;
mod invites;
pub mod pace;
mod people;
pub mod transport;
pub mod wire;

pub use bot::{MatrixError, MatrixOptions, RunningMatrixBot, run, start};
pub use transport::MatrixChat;
