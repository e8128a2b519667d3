//! When to try a request again, and how long to wait, as Stripe's own
//! libraries decide it.

use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (Stripe's libraries use 2).
    pub max_retries: u32,
    /// First backoff step, and the shortest wait before any retry.
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

/// A `Retry-After` longer than this is ignored rather than waited for
/// (stripe-python's `HTTPClient.MAX_RETRY_AFTER = 60`).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// What one attempt ended with, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Answered {
        status: u16,
        /// `Stripe-Should-Retry`, when it is exactly `true` or `false`.
        should_retry: Option<bool>,
        /// The error's code is `lock_timeout`: another request holds the object.
        lock_timeout: bool,
        /// `Retry-After`, in whole seconds as Stripe sends it.
        retry_after: Option<Duration>,
    },
    /// The connection failed or dropped before a complete answer.
    ConnectionFailed,
    TimedOut,
}

impl Attempt {
    /// The request may have reached Stripe, but no answer came back.
    pub fn lost_answer(self) -> bool {
        matches!(self, Attempt::ConnectionFailed | Attempt::TimedOut)
    }
}

/// `Stripe-Should-Retry` counts only when exactly `true` or `false`; anything
/// else leaves the decision to the status (stripe-node `_shouldRetry`,
/// stripe-python `_should_retry` and stripe-go `shouldRetry` all compare
/// with `=== 'true'` / `== "false"`).
pub fn parse_should_retry(header: Option<&str>) -> Option<bool> {
    match header {
        Some("true") => Some(true),
        Some("false") => Some(false),
        _ => None,
    }
}

/// `Retry-After` as whole seconds (stripe-python `_retry_after_header` takes
/// `int(...)` and ignores anything else).
pub fn parse_retry_after(header: Option<&str>) -> Option<Duration> {
    header?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

impl RetryPolicy {
    /// `retries_done` counts the retries already made for this request;
    /// `post`: the request is a POST.
    ///
    /// As stripe-go `shouldRetry` and stripe-ruby `should_retry?`: Stripe's
    /// `Stripe-Should-Retry` decides when sent; otherwise retry 409, a 429
    /// only when it is a `lock_timeout` (retrying a rate limit only adds
    /// contention), a 503, and other 5xx only of a non-POST: "POSTs end up
    /// being cached by the idempotency layer so there's no purpose in
    /// retrying them" (Stripe keeps a POST's 500 under its key and replays
    /// it for 24 hours; a new key is the caller's decision, after looking
    /// for what the request may have made).
    pub fn should_retry(&self, post: bool, attempt: Attempt, retries_done: u32) -> bool {
        if retries_done >= self.max_retries {
            return false;
        }
        match attempt {
            Attempt::Answered {
                should_retry: Some(stripe_says),
                ..
            } => stripe_says,
            Attempt::Answered {
                status,
                lock_timeout,
                ..
            } => {
                status == 409
                    || (status == 429 && lock_timeout)
                    || status == 503
                    || (status >= 500 && !post)
            }
            Attempt::ConnectionFailed | Attempt::TimedOut => true,
        }
    }

    /// Wait before retry number `retry` (1-based): min(initial * 2^(retry-1), max)
    /// times `jitter` (drawn by the caller from [0.5, 1], so that clients
    /// that failed together do not come back together), but never less than
    /// `initial_delay`, and never less than a `Retry-After` of at most
    /// [`MAX_RETRY_AFTER`]. This is stripe-python `_sleep_time_seconds`;
    /// stripe-node `_getSleepTimeInMS` has the same floor.
    pub fn delay(&self, retry: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let backoff = exp
            .min(self.max_delay)
            .mul_f64(jitter.clamp(0.5, 1.0))
            .max(self.initial_delay);
        match retry_after {
            Some(asked) if asked <= MAX_RETRY_AFTER => backoff.max(asked),
            _ => backoff,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16, should_retry: Option<bool>) -> Attempt {
        Attempt::Answered {
            status,
            should_retry,
            lock_timeout: false,
            retry_after: None,
        }
    }

    fn lock_timeout() -> Attempt {
        Attempt::Answered {
            status: 429,
            should_retry: None,
            lock_timeout: true,
            retry_after: None,
        }
    }

    #[test]
    fn retries_what_stripe_libraries_retry() {
        let p = RetryPolicy::default();
        for a in [
            answered(409, None),
            lock_timeout(),
            answered(500, None),
            answered(503, None),
            Attempt::ConnectionFailed,
            Attempt::TimedOut,
            answered(400, Some(true)),
            answered(429, Some(true)),
        ] {
            assert!(p.should_retry(false, a, 0), "{a:?}");
        }
        for a in [
            answered(400, None),
            answered(401, None),
            answered(402, None),
            answered(403, None),
            answered(404, None),
            // A rate limit is not retried: that only adds contention.
            answered(429, None),
        ] {
            assert!(!p.should_retry(false, a, 0), "{a:?}");
        }
    }

    #[test]
    fn a_posts_500_is_not_retried_with_its_key_but_a_503_is() {
        let p = RetryPolicy::default();
        assert!(!p.should_retry(true, answered(500, None), 0));
        assert!(!p.should_retry(true, answered(502, None), 0));
        assert!(p.should_retry(true, answered(503, None), 0));
        assert!(p.should_retry(false, answered(500, None), 0));
        // Stripe's own word still decides.
        assert!(p.should_retry(true, answered(500, Some(true)), 0));
        assert!(p.should_retry(true, Attempt::ConnectionFailed, 0));
        assert!(p.should_retry(true, answered(409, None), 0));
    }

    #[test]
    fn stripe_should_retry_counts_only_when_exactly_true_or_false() {
        assert_eq!(parse_should_retry(Some("true")), Some(true));
        assert_eq!(parse_should_retry(Some("false")), Some(false));
        for other in ["TRUE", "True", "yes", "1", "", " true", "false "] {
            assert_eq!(parse_should_retry(Some(other)), None, "{other:?}");
        }
        assert_eq!(parse_should_retry(None), None);
    }

    #[test]
    fn never_retries_when_stripe_says_no() {
        let p = RetryPolicy::default();
        assert!(!p.should_retry(false, answered(500, Some(false)), 0));
        assert!(!p.should_retry(true, answered(409, Some(false)), 0));
    }

    #[test]
    fn stops_after_two_retries() {
        let p = RetryPolicy::default();
        assert!(p.should_retry(true, Attempt::ConnectionFailed, 1));
        assert!(!p.should_retry(true, Attempt::ConnectionFailed, 2));
    }

    #[test]
    fn backoff_doubles_up_to_five_seconds_and_never_waits_under_half_a_second() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, 1.0, None), Duration::from_millis(500));
        assert_eq!(p.delay(2, 1.0, None), Duration::from_secs(1));
        assert_eq!(p.delay(3, 1.0, None), Duration::from_secs(2));
        assert_eq!(p.delay(5, 1.0, None), Duration::from_secs(5));
        assert_eq!(p.delay(30, 1.0, None), Duration::from_secs(5));
        assert_eq!(p.delay(3, 0.5, None), Duration::from_secs(1));
        // The smallest jitter on the first retry still waits the full 0.5 s.
        assert_eq!(p.delay(1, 0.5, None), Duration::from_millis(500));
        for retry in 1..10 {
            for jitter in [0.0, 0.5, 0.6, 0.75, 1.0] {
                assert!(p.delay(retry, jitter, None) >= Duration::from_millis(500));
            }
        }
        // jitter outside [0.5, 1] is clamped, never zero or growing the wait
        assert_eq!(p.delay(2, 0.0, None), Duration::from_millis(500));
        assert_eq!(p.delay(2, 7.0, None), Duration::from_secs(1));
    }

    #[test]
    fn retry_after_is_honoured_up_to_a_minute() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, 1.0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            p.delay(1, 1.0, Some(Duration::from_secs(60))),
            Duration::from_secs(60)
        );
        // A shorter ask does not shorten the backoff.
        assert_eq!(
            p.delay(3, 1.0, Some(Duration::from_secs(1))),
            Duration::from_secs(2)
        );
        // An unreasonable ask is ignored, not waited for.
        assert_eq!(
            p.delay(1, 1.0, Some(Duration::from_secs(61))),
            Duration::from_millis(500)
        );
        assert_eq!(parse_retry_after(Some("7")), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(Some("soon")), None);
        assert_eq!(parse_retry_after(None), None);
    }
}
