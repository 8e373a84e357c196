//! Spaces the bot's own requests evenly below Discord's global limit (50 requests per second),
//! so a fan-out of thousands of prompts never runs into 429s. serenity's rate limiter still
//! handles the per-route buckets and any 429 that comes anyway.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Evenly spaced turns for the bot's REST requests, shared by all of them, so together they
/// never exceed the configured rate. When several processes share the bot's token, each
/// takes an equal part of the rate: `peers` is how many run now (see `service::Presence`).
pub struct Pacer {
    interval: Duration,
    peers: Arc<AtomicUsize>,
    next: Mutex<Instant>,
}

impl Pacer {
    /// `per_second` requests at most, evenly spaced; values below 1 are taken as 1.
    pub fn new(per_second: f64) -> Self {
        Self::shared(per_second, Arc::new(AtomicUsize::new(1)))
    }

    /// `per_second` requests at most for all `peers` processes together.
    pub fn shared(per_second: f64, peers: Arc<AtomicUsize>) -> Self {
        Self {
            interval: Duration::from_secs_f64(1.0 / per_second.max(1.0)),
            peers,
            next: Mutex::new(Instant::now()),
        }
    }

    /// Waits for this request's turn.
    pub async fn wait(&self) {
        let share = u32::try_from(self.peers.load(Ordering::Relaxed).max(1)).unwrap_or(u32::MAX);
        let slot = {
            let mut next = self.next.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval * share;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_rate_in_any_second() {
        let pacer = Pacer::new(40.0);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..120 {
            pacer.wait().await;
            times.push(start.elapsed());
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 40, "{in_window} requests within one second");
        }
        // And it does not dawdle: 120 requests at 40/s take about three seconds.
        assert!(times[119] < Duration::from_millis(3000));
    }

    #[tokio::test(start_paused = true)]
    async fn each_of_several_processes_takes_its_part_of_the_rate() {
        let peers = Arc::new(AtomicUsize::new(1));
        let pacer = Pacer::shared(40.0, peers.clone());
        let start = Instant::now();
        for _ in 0..40 {
            pacer.wait().await;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "alone: the whole rate"
        );
        // A second process comes: from now on this one takes half.
        peers.store(2, Ordering::Relaxed);
        pacer.wait().await;
        let start = Instant::now();
        for _ in 0..40 {
            pacer.wait().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(1950),
            "two: half the rate each ({took:?})"
        );
        assert!(took <= Duration::from_millis(2100), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_pacer_does_not_bank_a_burst() {
        let pacer = Pacer::new(10.0);
        pacer.wait().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        for _ in 0..3 {
            pacer.wait().await;
        }
        assert!(start.elapsed() >= Duration::from_millis(200));
    }
}
