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

    /// Waits up to `within` for the ticking to end by itself (after the engine was told to
    /// stop claiming), then stops it as [`Ticker::stop`] does. True when it ended by itself.
    pub async fn finish(self, within: Duration) -> bool {
        let Some(mut task) = self.0 else {
            return true;
        };
        match tokio::time::timeout(within, &mut task).await {
            Ok(_) => true,
            Err(_) => {
                task.abort();
                false
            }
        }
    }
}
