//! Running every ready row: side by side, as many in flight as the
//! account's rate ceiling lets start in a second (25 in test mode, 100 in
//! live mode), with the one client's limiter pacing what is sent. Each row
//! is a run of the exactly-once engine under an ID derived from the file's
//! content, the target and the row ([`super::job::row_run_id`]), kept in
//! the ledger: a row done is never sent again, a row interrupted (a crash,
//! a kill, Cancel) continues under the same keys, and past Stripe's 24
//! hours the engine looks its object up by its tag before creating.
//!
//! Pause lets the rows in flight finish and starts no more until Resume;
//! Cancel the same, and ends the run. One run of a job at a time: an OS
//! lock on `<data dir>/bulk/<job>.lock`, released with a killed process.

use super::job::Job;
use super::ledger::{job_id, JobRecord, Ledger, RowKeeper};
use super::wire::{BulkProgress, BulkRunState, RowOutcome, RowState};
use crate::error::{Code, Error};
use crate::stripe::{Auth, StripeClient};
use crate::views::Mode;
use crate::workflows::engine::{
    system_clock, Outcome, RunAccount, RunError, RunHistory, RunRecord, StepState,
};
use crate::workflows::{words, ActionCatalog, ActionSteps};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Pause, Resume and Cancel of a run going on.
#[derive(Debug)]
pub struct Control {
    state: watch::Sender<BulkRunState>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            state: watch::channel(BulkRunState::Running).0,
        }
    }
}

impl Control {
    pub fn pause(&self) {
        self.state.send_if_modified(|s| {
            let change = *s == BulkRunState::Running;
            if change {
                *s = BulkRunState::Paused;
            }
            change
        });
    }

    pub fn resume(&self) {
        self.state.send_if_modified(|s| {
            let change = *s == BulkRunState::Paused;
            if change {
                *s = BulkRunState::Running;
            }
            change
        });
    }

    pub fn cancel(&self) {
        self.state.send_replace(BulkRunState::Cancelling);
    }

    pub fn state(&self) -> BulkRunState {
        *self.state.borrow()
    }

    /// Waits while paused; `false` once cancelled.
    async fn may_start(&self) -> bool {
        let mut rx = self.state.subscribe();
        loop {
            match *rx.borrow_and_update() {
                BulkRunState::Running => return true,
                BulkRunState::Paused => {}
                _ => return false,
            }
            if rx.changed().await.is_err() {
                return false;
            }
        }
    }
}

/// Which rows a run goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// Rows never run, and rows a run left half-way (a crash, Cancel).
    NotDone,
    /// Rows that failed (after a fix, say), and rows left half-way.
    Failed,
}

pub struct Runner<'a> {
    pub client: &'a StripeClient,
    pub auth: &'a Auth,
    pub ledger: Arc<Ledger>,
    pub data_dir: &'a Path,
    pub account: RunAccount,
    pub control: Arc<Control>,
    /// Rows in flight at once; `None`: the mode's rate ceiling.
    pub concurrency: Option<usize>,
}

/// Held while a run of a job goes on.
pub struct JobLock {
    _file: std::fs::File,
}

/// Claims the job for one run: a second run of it (another window, another
/// process) is refused until this one ends or its process dies.
pub fn claim(data_dir: &Path, job_id: &str) -> Result<JobLock, Error> {
    let path = data_dir.join("bulk").join(format!("{job_id}.lock"));
    let storage = |e: std::io::Error| Error::Storage(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        crate::private_files::private_dir(dir).map_err(storage)?;
    }
    let file = crate::private_files::open_append(&path).map_err(storage)?;
    match file.try_lock() {
        Ok(()) => Ok(JobLock { _file: file }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::invalid(
            Code::BulkRunning,
            "This file is being run now. Wait until that run ends, or stop it, then try again.",
            None,
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(storage(e)),
    }
}

/// The IDs of what a finished run made or found, step by step.
fn ids_of(run: &RunRecord) -> (Vec<String>, bool) {
    let mut ids = Vec::new();
    let mut found = false;
    for s in &run.steps {
        if let StepState::Done {
            result,
            found_existing,
        } = &s.state
        {
            found |= *found_existing;
            if let Some(id) = result.output.get("id").and_then(|v| v.as_str()) {
                ids.push(id.to_owned());
            }
        }
    }
    (ids, found)
}

/// A failed run's reason, at its step when the workflow has several.
fn failure_words(run: &RunRecord, row: &super::job::RowRun) -> String {
    let Outcome::Failed { step } = &run.outcome else {
        return "It stopped before the end; run the file again to continue it.".into();
    };
    let reason = run
        .step(step)
        .and_then(|s| match &s.state {
            StepState::Failed { failure } => Some(failure.reason.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "It failed.".into());
    if row.workflow.steps.len() > 1 {
        let words = words::named_step_words(&ActionCatalog, &row.workflow, step)
            .unwrap_or_else(|| step.clone());
        format!("{words}: {reason}")
    } else {
        reason
    }
}

/// The rate over the last few seconds.
struct Pace {
    done: VecDeque<Instant>,
    started: Instant,
}

impl Pace {
    const WINDOW: Duration = Duration::from_secs(10);

    fn tick(&mut self) {
        let now = Instant::now();
        self.done.push_back(now);
        while self
            .done
            .front()
            .is_some_and(|t| now.duration_since(*t) > Self::WINDOW)
        {
            self.done.pop_front();
        }
    }

    fn per_second(&self) -> f64 {
        let span = Instant::now()
            .duration_since(self.started)
            .min(Self::WINDOW)
            .as_secs_f64();
        if span < 0.2 {
            return 0.0;
        }
        self.done.len() as f64 / span
    }
}

impl Runner<'_> {
    fn concurrency(&self) -> usize {
        self.concurrency.unwrap_or(match self.auth.mode {
            Mode::Test => 25,
            Mode::Live => 100,
        })
    }

    pub fn job_id(&self, job: &Job) -> String {
        job_id(
            &self.account.id,
            self.account.livemode,
            job.content_hash(),
            &job.target_key,
        )
    }

    /// Runs the rows `which` selects among the ready ones; `progress` hears
    /// every change (at most a few times a second) and the end.
    pub async fn run(
        &self,
        job: &Job,
        which: Which,
        progress: &mut (dyn FnMut(&BulkProgress) + Send),
    ) -> Result<BulkProgress, Error> {
        if !job.mapping_problems.is_empty() || !job.workflow_problems.is_empty() {
            return Err(Error::invalid(
                Code::BulkNotReady,
                "Fix the mapping (or the workflow) first: nothing was sent.",
                None,
            ));
        }
        let job_id = self.job_id(job);
        let _lock = claim(self.data_dir, &job_id)?;
        let ledger = self.ledger.clone();
        let now = system_clock();
        ledger.begin_job(
            &JobRecord {
                job_id: &job_id,
                account_id: &self.account.id,
                livemode: self.account.livemode,
                target: &job.target_key,
                content_hash: job.content_hash(),
                file_name: &job.file_name,
                sheet: &job.opened.sheet,
                rows: job.data_rows().len() as u64,
            },
            now,
        )?;
        let known = ledger.rows(&job_id)?;
        let mut rows = Vec::new();
        for i in job.data_rows() {
            let row = job.table().number(i);
            if job.left_out.contains(&row) || job.problems.contains_key(&row) {
                continue;
            }
            let take = match (known.get(&row), which) {
                (Some(RowState::Created { .. } | RowState::Skipped { .. }), _) => false,
                (Some(RowState::Running), _) => true,
                (Some(RowState::Failed { .. }), w) => w == Which::Failed,
                (_, w) => w == Which::NotDone,
            };
            if take {
                rows.push(i);
            }
        }
        let history = RunHistory::kept_by(Arc::new(RowKeeper {
            ledger: ledger.clone(),
            job_id: job_id.clone(),
        }));
        let steps = ActionSteps {
            client: self.client,
            auth: self.auth,
        };
        let engine = steps.engine(&history, job.options.number_format);
        let mut report = BulkProgress {
            job_id: job_id.clone(),
            state: BulkRunState::Running,
            total: rows.len() as u64,
            done: 0,
            created: 0,
            skipped: 0,
            failed: 0,
            rows_per_second: 0.0,
            seconds_left: None,
            changed: Vec::new(),
        };
        progress(&report);
        let mut pace = Pace {
            done: VecDeque::new(),
            started: Instant::now(),
        };
        let mut last_told = Instant::now();
        let mut next = rows.into_iter();
        let mut in_flight = FuturesUnordered::new();
        let limit = self.concurrency().max(1);
        let mut stopping = false;
        loop {
            while !stopping && in_flight.len() < limit {
                if self.control.state() == BulkRunState::Paused && !in_flight.is_empty() {
                    break;
                }
                if self.control.state() == BulkRunState::Paused {
                    report.state = BulkRunState::Paused;
                    report.rows_per_second = 0.0;
                    progress(&report);
                }
                if !self.control.may_start().await {
                    stopping = true;
                    break;
                }
                report.state = BulkRunState::Running;
                let Some(i) = next.next() else { break };
                let row = job.table().number(i);
                let engine = &engine;
                let ledger = &ledger;
                let job_id = &job_id;
                let account = self.account.clone();
                in_flight.push(async move {
                    let state = match job.row_run(i) {
                        Err(_) => RowState::Failed {
                            message: "This row needs fixing first.".into(),
                        },
                        Ok(run) => {
                            let _ = ledger.set_row(job_id, row, &RowState::Running, system_clock());
                            if let Some(id) = job.existing.get(&row) {
                                RowState::Skipped {
                                    reason: format!("Already in Stripe: {id}."),
                                }
                            } else {
                                let run_id = job.run_id(row);
                                let result = engine
                                    .start_as(
                                        &run.workflow,
                                        account,
                                        &run_id,
                                        None,
                                        run.inputs.clone(),
                                        &mut |_: &RunRecord| {},
                                    )
                                    .await;
                                match result {
                                    Ok(rec) if rec.outcome == Outcome::Succeeded => {
                                        let (ids, found_existing) = ids_of(&rec);
                                        RowState::Created {
                                            ids,
                                            found_existing,
                                        }
                                    }
                                    Ok(rec) => RowState::Failed {
                                        message: failure_words(&rec, &run),
                                    },
                                    Err(RunError::Problems(p)) => RowState::Failed {
                                        message: p
                                            .first()
                                            .map(|p| p.reason.clone())
                                            .unwrap_or_else(|| "It could not start.".into()),
                                    },
                                    Err(RunError::Other(e)) => {
                                        return (row, Err(e));
                                    }
                                }
                            }
                        }
                    };
                    let kept = ledger.set_row(job_id, row, &state, system_clock());
                    (row, kept.map(|()| state))
                });
            }
            let Some((row, outcome)) = in_flight.next().await else {
                break;
            };
            let state = match outcome {
                Ok(s) => s,
                Err(e) => {
                    // The account, the key or the disk: the rest would fail
                    // the same way. What was sent is kept; a re-run continues.
                    if e.is_revoked() || matches!(e, Error::Storage(_)) {
                        self.control.cancel();
                    }
                    let state = RowState::Failed {
                        message: e.plain_message(),
                    };
                    let _ = ledger.set_row(&job_id, row, &state, system_clock());
                    state
                }
            };
            match &state {
                RowState::Created { .. } => report.created += 1,
                RowState::Skipped { .. } => report.skipped += 1,
                _ => report.failed += 1,
            }
            report.done += 1;
            report.changed.push(RowOutcome { row, state });
            pace.tick();
            report.rows_per_second = pace.per_second();
            report.seconds_left = (report.rows_per_second > 0.0).then(|| {
                ((report.total - report.done) as f64 / report.rows_per_second).ceil() as u64
            });
            if self.control.state() == BulkRunState::Cancelling {
                report.state = BulkRunState::Cancelling;
            }
            if last_told.elapsed() >= Duration::from_millis(250) {
                progress(&report);
                report.changed.clear();
                last_told = Instant::now();
            }
        }
        report.state = if stopping || self.control.state() == BulkRunState::Cancelling {
            BulkRunState::Cancelled
        } else {
            BulkRunState::Finished
        };
        report.seconds_left = None;
        progress(&report);
        report.changed.clear();
        Ok(report)
    }
}
