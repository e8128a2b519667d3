//! The rate and time left that a sync reports: averaged over the last
//! [`WINDOW`] seconds, or since the start when shorter, counting the start as
//! one second earlier. The rate limiter lets a whole second's requests go at
//! once, so a plain average since the start shows that opening burst as more
//! than the ceiling for many seconds (8,000/s and more against 2,500/s in
//! test mode); with the start moved back by the second the burst belongs to,
//! the average never exceeds the limiter's pace.

use std::collections::VecDeque;

/// Seconds the rate is averaged over.
const WINDOW: f64 = 10.0;
/// The limiter's window: its first second of requests goes at once.
const BURST: f64 = 1.0;

/// Samples of one phase of a sync: (seconds since its start, objects
/// stored, share of the work done from 0 to 1), oldest first.
#[derive(Debug)]
pub(super) struct RateWindow {
    samples: VecDeque<(f64, u64, f64)>,
}

impl RateWindow {
    pub(super) fn new() -> Self {
        RateWindow {
            samples: VecDeque::from([(-BURST, 0, 0.0)]),
        }
    }

    /// Records where the phase stands `at` seconds after its start; returns
    /// objects per second over the window and, after the first second, the
    /// seconds left at the pace the work went in the window.
    pub(super) fn record(&mut self, at: f64, stored: u64, done: f64) -> (f64, Option<f64>) {
        self.samples.push_back((at, stored, done));
        // The base is the newest sample at or before the window's start.
        while self.samples.len() > 2 && self.samples[1].0 <= at - WINDOW {
            self.samples.pop_front();
        }
        let (t0, stored0, done0) = self.samples[0];
        let span = at - t0;
        let rate = stored.saturating_sub(stored0) as f64 / span;
        let pace = (done - done0) / span;
        let eta = (at >= BURST && pace > 0.0).then(|| (1.0 - done).max(0.0) / pace);
        (rate, eta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A million-object sync at the test-mode ceiling (25 requests/s x 100
    /// objects = 2,500/s) as the limiter paces it: each second, 25 pages
    /// arrive within 0.3 s (150 ms after they went), then none until the
    /// next second. Sampled after every page: (at, rate, time left).
    fn at_the_ceiling(seconds: u32) -> (RateWindow, Vec<(f64, f64, Option<f64>)>) {
        let mut w = RateWindow::new();
        let mut seen = Vec::new();
        let mut stored = 0;
        for second in 0..seconds {
            for page in 0..25 {
                stored += 100;
                let at = f64::from(second) + 0.15 + f64::from(page) * 0.012;
                let (rate, eta) = w.record(at, stored, stored as f64 / 1_000_000.0);
                seen.push((at, rate, eta));
            }
        }
        (w, seen)
    }

    #[test]
    fn the_opening_burst_is_not_shown_as_more_than_the_ceiling() {
        let (_, seen) = at_the_ceiling(30);
        // An average since the start read 8,333/s after the first 25 pages,
        // 3,477/s after the second second's, 2,548/s still at 29.4 s.
        for (at, rate, _) in &seen {
            assert!(*rate <= 2_510.0, "{rate:.0}/s at {at:.3} s");
        }
        // Past the first seconds it reads the pace the limiter keeps.
        for (at, rate, _) in seen.iter().filter(|s| s.0 > 12.0) {
            assert!(*rate > 2_300.0, "{rate:.0}/s at {at:.3} s");
        }
        let (_, last, _) = seen.last().unwrap();
        assert!((last - 2_500.0).abs() < 10.0, "{last:.0}/s");
    }

    #[test]
    fn the_time_left_follows_the_pace_of_the_last_seconds() {
        let (_, seen) = at_the_ceiling(30);
        // After 30 s: 75,000 stored, 925,000 to go at 2,500/s.
        let (_, _, eta) = *seen.last().unwrap();
        let eta = eta.expect("a time left after 30 s");
        assert!((eta - 370.0).abs() < 2.0, "{eta:.1} s left, not 370");
        // Nothing is promised from the first second's burst alone.
        assert!(seen.iter().filter(|s| s.0 < BURST).all(|s| s.2.is_none()));
    }

    #[test]
    fn a_window_holds_only_its_last_seconds() {
        let (w, _) = at_the_ceiling(60);
        // 25 samples a second over 10 s, and the base before them.
        assert!(w.samples.len() <= 252, "{}", w.samples.len());
    }
}
