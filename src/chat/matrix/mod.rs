//! Matrix, on matrix-sdk with end-to-end encryption (its SQLite store keeps the device and
//! keys). Like the Discord adapter it only translates: events to the one answering path
//! (`chat::answer`), the `Chat` port to Matrix requests.

pub mod bot;
pub mod commands;
pub mod dm;
mod inbound;
mod invites;
pub mod pace;
mod people;
mod session;
pub mod transport;
pub mod wire;

pub use bot::{MatrixError, MatrixOptions, RunningMatrixBot, run, start};
pub use people::MATRIX;
pub use transport::MatrixChat;
