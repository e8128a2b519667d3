//! When to try a request again, as Stripe's own libraries decide it.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (Stripe's libraries use 2).
    pub max_retries: u32,
    pub initial_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(5),
        }
    }
}

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Stripe answered; `should_retry` is its `Stripe-Should-Retry` header, if sent.
    Answered {
        status: u16,
        should_retry: Option<bool>,
    },
    /// The connection failed or dropped before a complete answer.
    ConnectionFailed,
    TimedOut,
}

impl RetryPolicy {
    /// `retries_done` counts the retries already made for this request.
    pub fn should_retry(&self, attempt: Attempt, retries_done: u32) -> bool {
        if retries_done >= self.max_retries {
            return false;
        }
        match attempt {
            Attempt::Answered {
                should_retry: Some(stripe_says),
                ..
            } => stripe_says,
            Attempt::Answered { status, .. } => status == 409 || status == 429 || status >= 500,
            Attempt::ConnectionFailed | Attempt::TimedOut => true,
        }
    }

    /// Wait before retry number `retry` (1-based): min(initial * 2^(retry-1), max),
    /// times `jitter`, which the caller draws from [0.5, 1] so that many
    /// clients that failed together do not come back together.
    pub fn delay(&self, retry: u32, jitter: f64) -> Duration {
        let exp = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        exp.min(self.max_delay).mul_f64(jitter.clamp(0.5, 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, should_retry: Option<bool>) -> Attempt {
        Attempt::Answered {
            status,
            should_retry,
        }
    }

    #[test]
    fn retries_what_stripe_libraries_retry() {
        let p = RetryPolicy::default();
        for a in [
            answered(409, None),
            answered(429, None),
            answered(500, None),
            answered(503, None),
            Attempt::ConnectionFailed,
            Attempt::TimedOut,
            answered(400, Some(true)),
        ] {
            assert!(p.should_retry(a, 0), "{a:?}");
        }
        for a in [
            answered(400, None),
            answered(401, None),
            answered(402, None),
            answered(403, None),
            answered(404, None),
        ] {
            assert!(!p.should_retry(a, 0), "{a:?}");
        }
    }

    #[test]
    fn never_retries_when_stripe_says_no() {
        let p = RetryPolicy::default();
        assert!(!p.should_retry(answered(500, Some(false)), 0));
        assert!(!p.should_retry(answered(409, Some(false)), 0));
    }

    #[test]
    fn stops_after_two_retries() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(Attempt::ConnectionFailed, 1));
        assert!(!p.should_retry(Attempt::ConnectionFailed, 2));
    }

    #[test]
    fn backoff_doubles_up_to_five_seconds_with_jitter() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 1.0), Duration::from_millis(500));
        assert_eq!(p.delay(2, 1.0), Duration::from_secs(1));
        assert_eq!(p.delay(3, 1.0), Duration::from_secs(2));
        assert_eq!(p.delay(5, 1.0), Duration::from_secs(5));
        assert_eq!(p.delay(30, 1.0), Duration::from_secs(5));
        assert_eq!(p.delay(1, 0.5), Duration::from_millis(250));
        // jitter outside [0.5, 1] is clamped, never zero or growing the wait
        assert_eq!(p.delay(2, 0.0), Duration::from_millis(500));
        assert_eq!(p.delay(2, 7.0), Duration::from_secs(1));
    }
}
