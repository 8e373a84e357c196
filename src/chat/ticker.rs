//! The scheduler's ticking beside a running bot: started with it (or left to the caller, as
//! the tests do) and stopped with it, whatever the platform.

use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use crate::app::Engine;
use crate::app::ports::{Chat, Clock};

/// The ticking task of a running bot, if it ticks by itself.
pub struct Ticker(Option<JoinHandle<()>>);

impl Ticker {
    /// Ticks `engine` every `every`; with `None` the caller ticks.
    pub fn start<C: Chat + 'static, K: Clock + 'static>(
        engine: &Arc<Engine<C, K>>,
        every: Option<Duration>,
    ) -> Ticker {
        Ticker(every.map(|every| engine.spawn_ticker(every)))
    }

    /// Stops ticking at once, as a crash would.
    pub fn stop(&self) {
        if let Some(t) = &self.0 {
            t.abort();
        }
    }
}
