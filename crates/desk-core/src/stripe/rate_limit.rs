//! Keeps the whole process under Stripe's per-mode request rate (25/s in
//! test mode, 100/s in live mode): never more than N requests in any window
//! of one second.
//!
//! Hand-written as a sliding log of the last N send times rather than a
//! token bucket or the `governor` crate: a bucket of N that refills at N/s
//! (and `governor`'s GCRA with a burst of N) lets N go at once and N more
//! within the same second, so a sync running at the limit would send 2N in
//! one second and earn 429s, which are not retried. The log holds at most N
//! instants, so it stays tiny.
//!
//! It also caps the requests in flight at N: Stripe's concurrency limiter
//! counts "requests that are active at any given time", and a slow answer
//! must not let the next second's N start beside the last second's.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::{Mutex, Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Stripe counts a request when it arrives, and network delay varies from
/// one request to the next; a little slack keeps two of our sends a second
/// apart from arriving less than a second apart.
const ARRIVAL_SLACK: Duration = Duration::from_millis(50);

#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    window: Duration,
    /// When each of the last (at most `limit`) requests went, oldest first.
    sent: Mutex<VecDeque<Instant>>,
    /// One permit per request in flight, at most `limit`.
    in_flight: Semaphore,
}

/// Held while a request is in flight (sent, and its answer being read).
#[derive(Debug)]
pub struct InFlight<'a>(#[allow(dead_code)] SemaphorePermit<'a>);

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        let limit = per_second.max(1) as usize;
        RateLimiter {
            limit,
            window: Duration::from_secs(1) + ARRIVAL_SLACK,
            sent: Mutex::new(VecDeque::with_capacity(limit)),
            in_flight: Semaphore::new(limit),
        }
    }

    /// Waits until one more request may be in flight and may start within
    /// the rate; the request stays counted until the guard is dropped.
    pub async fn start(&self) -> InFlight<'_> {
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the limiter's semaphore is never closed");
        self.acquire().await;
        InFlight(permit)
    }

    /// Waits until one request may go. Callers are served in the order they
    /// asked: tokio's mutex is fair, and a waiter keeps it while it sleeps.
    pub async fn acquire(&self) {
        let mut sent = self.sent.lock().await;
        loop {
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                sent.pop_front();
            }
            match sent.front() {
                Some(oldest) if sent.len() >= self.limit => {
                    let free_at = *oldest + self.window;
                    tokio::time::sleep_until(free_at).await;
                }
                _ => {
                    sent.push_back(now);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_one_second_window() {
        let limiter = Arc::new(RateLimiter::new(25));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..200 {
            let l = limiter.clone();
            tasks.push(tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap().duration_since(start));
        }
        times.sort();
        // Any 26 consecutive sends span at least a second, so no window
        // [t, t + 1 s) holds more than 25.
        for (i, pair) in times.windows(26).enumerate() {
            let span = pair[25] - pair[0];
            assert!(
                span >= Duration::from_secs(1),
                "sends {i}..={} within {span:?}",
                i + 25
            );
        }
        // And the limit is used: 25 at once, then 25 per (second + slack).
        assert_eq!(times[24], Duration::ZERO);
        let last = times[199];
        assert!(last <= Duration::from_millis(7 * 1050 + 10), "{last:?}");
        assert!(last >= Duration::from_secs(7), "{last:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_in_flight_than_start_in_a_second() {
        let limiter = Arc::new(RateLimiter::new(5));
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..30 {
            let (l, now, most) = (limiter.clone(), in_flight.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _guard = l.start().await;
                use std::sync::atomic::Ordering::SeqCst;
                let n = now.fetch_add(1, SeqCst) + 1;
                most.fetch_max(n, SeqCst);
                // A slow answer: three seconds in flight.
                tokio::time::sleep(Duration::from_secs(3)).await;
                now.fetch_sub(1, SeqCst);
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limiter_does_not_save_up_more_than_the_limit() {
        let limiter = RateLimiter::new(10);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..20 {
            limiter.acquire().await;
        }
        assert!(Instant::now().duration_since(start) >= Duration::from_secs(1));
    }
}
