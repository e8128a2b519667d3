//! A client-side token bucket that keeps the whole process under Stripe's
//! per-mode request rate (25/s in test mode, 100/s in live mode).

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    /// A bucket that starts full, so a burst of `per_second` goes at once
    /// and the rate over any second stays at or under `per_second`.
    pub fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second.max(1));
        RateLimiter {
            per_second,
            state: Mutex::new(Bucket {
                tokens: per_second,
                last: Instant::now(),
            }),
        }
    }

    /// Waits until one request may go.
    pub async fn acquire(&self) {
        loop {
            let wait = {
                let mut b = self.state.lock().await;
                let now = Instant::now();
                let refill = now.duration_since(b.last).as_secs_f64() * self.per_second;
                b.tokens = (b.tokens + refill).min(self.per_second);
                b.last = now;
                if b.tokens >= 1.0 {
                    b.tokens -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - b.tokens) / self.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn holds_the_rate_under_concurrent_callers() {
        let limiter = Arc::new(RateLimiter::new(25));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..100 {
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
        // 25 at once, then 75 more at 25/s: the last one near 3 s, not before.
        assert!(times[99] >= Duration::from_millis(2990), "{:?}", times[99]);
        assert!(times[99] <= Duration::from_millis(3100), "{:?}", times[99]);
        // No one-second window holds more than 25 + 25 (burst plus refill).
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 50, "window at {t:?} holds {in_window}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_does_not_save_up_more_than_one_second() {
        let limiter = RateLimiter::new(10);
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..20 {
            limiter.acquire().await;
        }
        assert!(Instant::now().duration_since(start) >= Duration::from_millis(990));
    }
}
