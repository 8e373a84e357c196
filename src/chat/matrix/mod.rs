//! Matrix, on matrix-sdk without end-to-end encryption. Like the Discord adapter it only
//! translates: events to the core's `Inbound`, the `Chat` port to Matrix requests.

pub mod bot;
pub mod commands;
mod invites;
mod people;
pub mod transport;
pub mod wire;

pub use bot::{MatrixOptions, RunningMatrixBot, start};
pub use transport::MatrixChat;
