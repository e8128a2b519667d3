//! How often a run tells the window how it is going. The engine tells of
//! every change, and a "For each" of 1,000 items changes 1,000 times, each
//! time with the whole record: sent every time, that floods the window.
//! A step starting, ending or being skipped always goes at once (a person
//! waiting on a slow step sees it running); changes that only move a
//! "For each"'s counts go at most a few times a second. The last change is
//! also the command's answer, so none is lost for good.

use super::engine::{RunRecord, StepState};
use std::time::{Duration, Instant};

/// Counts changes go at most this often.
pub const EVERY: Duration = Duration::from_millis(250);

/// Decides which changes of a run go to the window.
pub struct ProgressThrottle {
    every: Duration,
    last_sent: Option<Instant>,
    last_steps: Vec<(String, u8, bool)>,
}

impl Default for ProgressThrottle {
    fn default() -> Self {
        ProgressThrottle::new(EVERY)
    }
}

/// Passes to `send` only the changes that are due (see [`ProgressThrottle`]).
pub fn throttled(mut send: impl FnMut(&RunRecord) + Send) -> impl FnMut(&RunRecord) + Send {
    let mut throttle = ProgressThrottle::default();
    move |run: &RunRecord| {
        if throttle.due(run, Instant::now()) {
            send(run)
        }
    }
}

impl ProgressThrottle {
    pub fn new(every: Duration) -> ProgressThrottle {
        ProgressThrottle {
            every,
            last_sent: None,
            last_steps: Vec::new(),
        }
    }

    /// Whether this change of `run`, at `now`, goes to the window.
    pub fn due(&mut self, run: &RunRecord, now: Instant) -> bool {
        let steps: Vec<(String, u8, bool)> = run
            .steps
            .iter()
            .map(|s| {
                let state = match s.state {
                    StepState::Waiting => 0,
                    StepState::Running => 1,
                    StepState::Done { .. } => 2,
                    StepState::Failed { .. } => 3,
                };
                (s.name.clone(), state, s.skipped.is_some())
            })
            .collect();
        let moved = steps != self.last_steps;
        let waited = self
            .last_sent
            .is_none_or(|at| now.duration_since(at) >= self.every);
        if moved || waited {
            self.last_steps = steps;
            self.last_sent = Some(now);
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::engine::LoopRecord;

    fn run(state: &str, done: u32) -> RunRecord {
        let mut run: RunRecord = serde_json::from_value(serde_json::json!({
            "run_id": "run_1", "workflow_id": "wf_1", "workflow_name": "W",
            "account": {"id": "acct_1", "name": "Shop", "livemode": false},
            "started_at": 0, "updated_at": 0, "inputs": {},
            "steps": [{"name": "each", "action": "", "state": state, "output": null, "summary": ""}],
            "outcome": "running",
        }))
        .unwrap();
        run.steps[0].items = Some(LoopRecord {
            total: 1000,
            done,
            ..LoopRecord::default()
        });
        run
    }

    #[test]
    fn a_thousand_items_send_a_few_changes_a_second_and_every_step_change() {
        let mut throttle = ProgressThrottle::new(Duration::from_millis(250));
        let start = Instant::now();
        assert!(throttle.due(&run("running", 0), start));
        // 1,000 items over one second: four or five counts go, not 1,000.
        let sent = (1..=1000)
            .filter(|i| {
                throttle.due(
                    &run("running", *i),
                    start + Duration::from_millis(*i as u64),
                )
            })
            .count();
        assert!((3..=5).contains(&sent), "{sent}");
        // The step ending goes at once, however soon after the last.
        let end = start + Duration::from_millis(1001);
        assert!(throttle.due(&run("done", 1000), end));
        assert!(!throttle.due(&run("done", 1000), end));
    }
}
