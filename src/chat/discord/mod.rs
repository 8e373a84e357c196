//! Discord, on serenity and poise. The adapter only translates: Discord ids and payloads to
//! the one answering path (`chat::answer`), and the `Chat` port to Discord requests.

pub mod bot;
pub mod catch_up;
pub mod commands;
mod localize;
pub mod outbound;
pub mod pacer;
mod people;
pub mod transport;
pub mod wire;

pub use bot::{DiscordOptions, RunningBot, start};
pub use people::DISCORD;
pub use transport::DiscordChat;
