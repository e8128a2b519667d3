//! Running a workflow, safely again and again.
//!
//! - Every run has an ID. A write step's idempotency key is derived from
//!   (run ID, step name, attempt generation): `stripe-desk-<run>-<step>-<n>`.
//!   The generation starts at 0 and moves on only when the last attempt
//!   certainly created nothing (Stripe refused it, or it was never sent),
//!   because Stripe keeps a key's first answer, refusals included, and
//!   refuses the same key with other parameters.
//! - Every object a write step creates carries `metadata[stripe_desk_run]`
//!   and `metadata[stripe_desk_step]`, where the endpoint is a create that
//!   takes metadata ([`super::tags`]); updates and actions (finalize, pay,
//!   cancel) carry none. Stripe forgets keys after 24 hours, so when an
//!   attempt's outcome is unknown (no answer, or the app killed
//!   mid-request) and the first try is older than that, or the fields
//!   changed since (or Stripe answered 5xx, which it replays for the key),
//!   a tagged step first looks the object up by that metadata, from its
//!   first attempt on, and only creates it, under a new generation's key,
//!   when nothing is found. An untagged step cannot be looked up: a Resume
//!   that would send it again is refused unless the person confirmed it
//!   ([`Engine::resend_unchecked`]).
//! - A failed step stops the run; later steps stay waiting. The run record
//!   is written before and after each step, so Resume works after a crash.
//! - One run of a workflow at a time ([`RunHistory::claim`]): a second Run,
//!   or a Resume of the run going on, is refused.
//! - "Only if": a condition is evaluated once per run and its decision
//!   recorded (which branch ran, and why, in words); Resume keeps it. Steps
//!   of the branch not taken are skipped, with the reason.
//! - "For each": each item's keys derive from the run, the step and the
//!   item's ID (`stripe-desk-<run>-<step>-<item>-<n>`) and what it creates
//!   carries `metadata[stripe_desk_item]` too, so Resume repeats nothing for
//!   any item, past 24 hours too. Each item's steps are written, as they
//!   change, to an append-only log beside the run record
//!   (`<run id>.items.jsonl`), not by rewriting the record (which holds the
//!   list itself); loading a run folds the log back in. A list of more than
//!   [`ASK_ABOVE_ITEMS`] items waits for the person's go-ahead. Items run
//!   one after another, or side by side under the client's one rate
//!   limiter; a failed item does not stop the others unless asked.

use super::catalog::{Kind, StepCatalog};
use super::conditions::{self, Subject};
use super::files::write_private;
use super::flow::Resolver;
use super::model::{Flow, Problem, Step, Workflow};
use super::reference::{lookup, resolve_value, Scope, Template};
use crate::error::{AppError, Code, Error};
use crate::money::NumberFormat;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use ts_rs::TS;

pub const RUN_METADATA_KEY: &str = "stripe_desk_run";
pub const STEP_METADATA_KEY: &str = "stripe_desk_step";
/// Names the item of a "For each" on what its steps create.
pub const ITEM_METADATA_KEY: &str = "stripe_desk_item";
/// A list longer than this waits for the person's go-ahead before any item runs.
pub const ASK_ABOVE_ITEMS: usize = 50;
/// How many items of a side-by-side "For each" run at once; the client's
/// rate limiter keeps their requests under Stripe's ceiling.
pub const SIDE_BY_SIDE_ITEMS: usize = 16;
/// How long Stripe keeps an idempotency key.
pub const IDEMPOTENCY_WINDOW_SECS: i64 = 24 * 60 * 60;

/// The key for one attempt generation of one step of one run.
pub fn idempotency_key(run_id: &str, step: &str, generation: u32) -> String {
    format!("stripe-desk-{run_id}-{step}-{generation}")
}

/// The key for one attempt generation of one step of one item of a "For
/// each" (`item` is the item's key: its ID). Step names hold no `-`, so
/// no item's key can be another step's.
pub fn item_idempotency_key(run_id: &str, step: &str, item: &str, generation: u32) -> String {
    format!("stripe-desk-{run_id}-{step}-{item}-{generation}")
}

/// What the executor is asked to do for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepCall {
    pub action: String,
    /// The step's field values with every reference filled in.
    pub fields: Map<String, Value>,
    /// For write steps only.
    pub idempotency_key: Option<String>,
    /// For creates that take metadata only: `stripe_desk_run` and
    /// `stripe_desk_step`, to merge into the created object's metadata.
    pub metadata: Vec<(String, String)>,
    /// Unix seconds of the step's first attempt: what an earlier attempt
    /// created is no older than this (less the clocks' difference).
    pub since: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StepResult {
    /// Stripe's JSON: what later steps reference.
    #[ts(type = "unknown")]
    pub output: Value,
    /// On one line ("Created customer · Name: Jo · ID: cus_..."), for lists of runs.
    pub summary: String,
    /// What the Actions screen shows for this result (headline, summary
    /// rows, list items), drawn by its code; its `json` is left empty, as
    /// `output` holds it. `None` in records from before it was kept.
    #[serde(default)]
    pub shown: Option<Box<crate::actions::ActionResult>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Stripe refused, or nothing was sent: nothing was created.
    Refused,
    /// No answer came (dropped connection, timeout, busy): Stripe may have
    /// done it, and the same key replays whatever it did.
    NoAnswer,
    /// It may have been done and the key cannot tell: Stripe answered with
    /// an error of its own (5xx, which it replays for the key), something
    /// unreadable, or the lookup for it failed. Look before trying again.
    Unclear,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StepFailure {
    pub kind: FailureKind,
    pub code: String,
    /// In plain words, Stripe's own when it gave one.
    pub reason: String,
    /// The Stripe parameter it concerns, as Stripe named it.
    pub param: Option<String>,
    /// The step's field it concerns, when known (the actions map `param`).
    pub field: Option<String>,
}

impl StepFailure {
    pub fn from_error(e: &Error) -> StepFailure {
        let kind = match e {
            Error::Stripe { status, .. } if *status >= 500 => FailureKind::Unclear,
            // Not carried out: a concurrent request, or the rate limit.
            Error::Stripe {
                status: 409 | 429, ..
            } => FailureKind::NoAnswer,
            Error::Stripe { .. } => FailureKind::Refused,
            Error::Network(_) | Error::Timeout => FailureKind::NoAnswer,
            Error::Decode(_) => FailureKind::Unclear,
            Error::Invalid { .. } | Error::Keyring(_) | Error::Storage(_) | Error::NotFound(_) => {
                FailureKind::Refused
            }
        };
        let param = match e {
            Error::Stripe { error, .. } => error.param.clone(),
            Error::Invalid { param, .. } => param.clone(),
            _ => None,
        };
        StepFailure {
            kind,
            code: e.code().to_string(),
            reason: e.plain_message(),
            param,
            field: None,
        }
    }
}

/// Carries out steps: bound to the actions (their checker, their Stripe
/// requests) by the app, and to direct requests in tests.
pub trait StepExecutor: Send + Sync {
    fn execute(
        &self,
        call: &StepCall,
    ) -> impl Future<Output = Result<StepResult, StepFailure>> + Send;

    /// The object an earlier attempt of this write step created, found by
    /// `call.metadata` (a search or a filtered list), if there is one.
    fn find_created(
        &self,
        call: &StepCall,
    ) -> impl Future<Output = Result<Option<StepResult>, StepFailure>> + Send;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum StepState {
    Waiting,
    Running,
    Done {
        #[serde(flatten)]
        result: StepResult,
        /// Found by its metadata rather than created by this attempt.
        #[serde(default)]
        found_existing: bool,
    },
    Failed {
        #[serde(flatten)]
        failure: StepFailure,
    },
}

/// Which way an "Only if" went, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Decision {
    /// The condition held: the step (or the group's steps) ran; otherwise
    /// the "Otherwise" steps did, or nothing.
    pub held: bool,
    /// "Only if: Step 1 (List Customers) found none",
    /// "Otherwise: Step 1 (List Customers) found 1".
    pub why: String,
}

/// A "For each" as it goes: counts, each finished item's outcome, and the
/// steps of items begun but not done (in flight when the app stopped, or
/// failed), which Resume continues.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LoopRecord {
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    /// The person said to go through more than [`ASK_ABOVE_ITEMS`] items.
    #[serde(default)]
    pub go_ahead: bool,
    /// Each finished item, in the order they finished.
    #[serde(default)]
    pub outcomes: Vec<ItemOutcome>,
    #[serde(default)]
    pub unfinished: Vec<ItemRun>,
}

impl LoopRecord {
    /// Items not done and not failed.
    pub fn left(&self) -> u32 {
        self.total.saturating_sub(self.done + self.failed)
    }
}

/// How one item of a "For each" ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ItemOutcome {
    /// 1 for the first item of the list.
    pub number: u32,
    /// Its ID (`cus_...`), or its value for a list of values: what its
    /// keys and tags are made of.
    pub key: String,
    /// The item in words: "Maria Lopez · maria@example.com".
    pub label: String,
    #[serde(flatten)]
    pub state: ItemState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ItemState {
    Done {
        /// What its steps did, on one line.
        summary: String,
    },
    Failed {
        /// The step of the item that failed.
        step: String,
        #[serde(flatten)]
        failure: StepFailure,
    },
}

/// The steps of one item begun but not done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ItemRun {
    pub key: String,
    pub steps: Vec<StepRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StepRecord {
    pub name: String,
    pub action: String,
    #[serde(flatten)]
    pub state: StepState,
    /// The filled-in fields of the last attempt.
    #[serde(default)]
    #[ts(type = "Record<string, unknown> | null")]
    pub sent: Option<Map<String, Value>>,
    #[serde(default)]
    pub generation: u32,
    /// Unix seconds of this step's first attempt in this run.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub first_tried_at: Option<i64>,
    /// For a step with an "Only if": which way it went, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub decision: Option<Decision>,
    /// Why it was not run (its state stays `waiting`): its "Only if" did
    /// not hold, or it is in the branch that was not taken.
    /// "Skipped: Step 1 (List Customers) found 1".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub skipped: Option<String>,
    /// For a "For each": its items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub items: Option<LoopRecord>,
}

impl StepRecord {
    fn waiting(name: &str, action: &str) -> StepRecord {
        StepRecord {
            name: name.to_owned(),
            action: action.to_owned(),
            state: StepState::Waiting,
            sent: None,
            generation: 0,
            first_tried_at: None,
            decision: None,
            skipped: None,
            items: None,
        }
    }

    /// Done, or skipped: nothing more to do for it in this run.
    fn settled(&self) -> bool {
        self.skipped.is_some() || matches!(self.state, StepState::Done { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunAccount {
    /// The account the run writes to: the connection's own, or the one it
    /// acts on (`Stripe-Account`).
    pub id: String,
    pub name: String,
    pub livemode: bool,
    /// When the run acts on another account: the connection it goes through.
    #[serde(default)]
    pub through: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Running now, or interrupted (the app stopped mid-run): Resume continues it.
    Running,
    Succeeded,
    Failed {
        step: String,
    },
    /// Stopped before a "For each" of more than [`ASK_ABOVE_ITEMS`] items:
    /// Resume with the person's go-ahead goes through them.
    WaitingForGoAhead {
        step: String,
        items: u32,
    },
}

/// The event that started a run nobody started by hand (a workflow's
/// trigger, `crate::bulk::triggers`): shown in the run history, and what
/// `{{event.…}}` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunTrigger {
    pub event_id: String,
    /// Stripe's name for it (`customer.created`).
    pub event_type: String,
    /// What happened, in a plain sentence, as Activity says it.
    pub sentence: String,
    /// The object the event is about (`data.object`).
    #[ts(type = "unknown")]
    pub object: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RunRecord {
    pub run_id: String,
    pub workflow_id: String,
    pub workflow_name: String,
    pub account: RunAccount,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// As typed, for "Run again with these inputs".
    pub inputs: BTreeMap<String, String>,
    /// The number convention the inputs were typed in ("12,50" or "12.50").
    #[serde(default)]
    pub number_format: NumberFormat,
    pub steps: Vec<StepRecord>,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Set when an event started the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub trigger: Option<RunTrigger>,
}

impl RunRecord {
    pub fn step(&self, name: &str) -> Option<&StepRecord> {
        self.steps.iter().find(|s| s.name == name)
    }

    fn step_mut(&mut self, name: &str) -> Option<&mut StepRecord> {
        self.steps.iter_mut().find(|s| s.name == name)
    }

    /// The result of a step that is done.
    pub fn output(&self, step: &str) -> Option<&Value> {
        match &self.step(step)?.state {
            StepState::Done { result, .. } => Some(&result.output),
            _ => None,
        }
    }
}

/// Why a run did not start or resume.
#[derive(Debug)]
pub enum RunError {
    /// The workflow or its inputs need fixing first; each at its place.
    Problems(Vec<Problem>),
    Other(Error),
}

impl From<Error> for RunError {
    fn from(e: Error) -> Self {
        RunError::Other(e)
    }
}

impl From<RunError> for Error {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Problems(problems) => {
                let first = problems.first();
                let place = first
                    .and_then(|p| p.step.as_deref())
                    .map(|s| format!("Step {s}: "))
                    .unwrap_or_default();
                Error::invalid(
                    Code::WorkflowNotReady,
                    format!(
                        "{place}{}",
                        first
                            .map(|p| p.reason.as_str())
                            .unwrap_or("The workflow needs fixing.")
                    ),
                    first.and_then(|p| p.field.as_deref()),
                )
            }
            RunError::Other(e) => e,
        }
    }
}

impl From<RunError> for AppError {
    fn from(e: RunError) -> Self {
        Error::from(e).into()
    }
}

const RUN_FORMAT: &str = "stripe-desk-run";
const RUN_VERSION: u64 = 1;

#[derive(Serialize)]
struct RunFileOut<'a> {
    format: &'static str,
    version: u64,
    run: &'a RunRecord,
}

#[derive(Deserialize)]
struct RunFileIn {
    format: String,
    version: u64,
    run: RunRecord,
}

/// Held while a run of one workflow goes on (see [`RunHistory::claim`]).
pub struct RunLock {
    _file: Option<std::fs::File>,
}

/// Keeps run records somewhere other than the history's files: the rows of
/// a run over a spreadsheet keep theirs in its ledger (`crate::bulk`), one
/// per row, side by side.
pub trait RunKeeper: Send + Sync {
    /// Keeps the record, as [`RunHistory::save`] would write it (masked).
    fn keep(&self, run_id: &str, record: &Value) -> Result<(), Error>;
    /// The record kept under `run_id`, as [`RunKeeper::keep`] had it.
    fn kept(&self, run_id: &str) -> Result<Option<Value>, Error>;
}

/// Run history, one file per run: `<data dir>/workflows/runs/<workflow id>/<run id>.json`.
pub struct RunHistory {
    dir: PathBuf,
    /// Set for runs kept elsewhere ([`RunHistory::kept_by`]).
    keeper: Option<std::sync::Arc<dyn RunKeeper>>,
}

impl RunHistory {
    pub fn new(data_dir: &Path) -> RunHistory {
        RunHistory {
            dir: data_dir.join("workflows").join("runs"),
            keeper: None,
        }
    }

    /// A history whose records `keeper` keeps (hook for `crate::bulk`):
    /// `save` and `load` go to it, `list` is empty, and `claim` holds
    /// nothing, since the keeper's owner runs its rows side by side and
    /// holds its own claim.
    pub fn kept_by(keeper: std::sync::Arc<dyn RunKeeper>) -> RunHistory {
        RunHistory {
            dir: PathBuf::new(),
            keeper: Some(keeper),
        }
    }

    /// The folder of one workflow's runs. A workflow ID is `wf_` and
    /// letters and digits: nothing else (`..`, an absolute path) names a
    /// folder, here or anywhere else.
    fn runs_dir(&self, workflow_id: &str) -> Result<PathBuf, Error> {
        if !super::store::is_workflow_id(workflow_id) {
            return Err(Error::NotFound(format!(
                "There is no workflow {workflow_id:?}."
            )));
        }
        Ok(self.dir.join(workflow_id))
    }

    fn path(&self, workflow_id: &str, run_id: &str) -> Result<PathBuf, Error> {
        let safe =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !safe(run_id) {
            return Err(Error::NotFound(format!("There is no run {run_id:?}.")));
        }
        Ok(self.runs_dir(workflow_id)?.join(format!("{run_id}.json")))
    }

    /// Claims the workflow for one run: a second run, or a resume of a run
    /// still going on, is refused until the lock is dropped. An OS file lock
    /// (`running.lock` beside the runs), so two windows or processes on the
    /// same data dir are refused too, and an app killed mid-run leaves no
    /// stale claim: the OS releases it with the process.
    pub fn claim(&self, workflow_id: &str) -> Result<RunLock, Error> {
        if self.keeper.is_some() {
            return Ok(RunLock { _file: None });
        }
        let lock = self.path(workflow_id, "running")?.with_extension("lock");
        let storage = |e: std::io::Error| Error::Storage(format!("{}: {e}", lock.display()));
        if let Some(dir) = lock.parent() {
            crate::private_files::private_dir(dir).map_err(storage)?;
        }
        let file = crate::private_files::open_append(&lock).map_err(storage)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: Some(file) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::invalid(
                Code::WorkflowRunning,
                "This workflow is running now. Wait until its run ends, then run or resume it again.",
                None,
            )),
            Err(std::fs::TryLockError::Error(e)) => Err(storage(e)),
        }
    }

    /// Writes the run's record. Values Stripe marks secret or sensitive
    /// (a webhook endpoint's signing secret, card and bank account numbers,
    /// ID numbers), and values that are secrets wherever they appear, are
    /// masked first ([`crate::sensitive`]): the window shows them once, as
    /// the run goes, and they are never written.
    pub fn save(&self, run: &RunRecord) -> Result<(), Error> {
        let mut file = serde_json::to_value(RunFileOut {
            format: RUN_FORMAT,
            version: RUN_VERSION,
            run,
        })
        .map_err(|e| Error::Storage(e.to_string()))?;
        if let Some(run) = file.get_mut("run") {
            crate::sensitive::mask_json(run, "");
        }
        if let Some(keeper) = &self.keeper {
            return keeper.keep(&run.run_id, &file);
        }
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| Error::Storage(e.to_string()))?;
        write_private(&self.path(&run.workflow_id, &run.run_id)?, &bytes)
    }

    /// Removes the workflow's runs that started more than `keep_days` days
    /// before `now`; returns how many.
    pub fn prune(&self, workflow_id: &str, keep_days: u32, now: i64) -> Result<usize, Error> {
        let oldest = now.saturating_sub(i64::from(keep_days) * 24 * 60 * 60);
        let mut removed = 0;
        for (path, run) in self.files(workflow_id)? {
            if run.started_at < oldest && std::fs::remove_file(&path).is_ok() {
                let _ = std::fs::remove_file(items_path(&path));
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// The log a run's "For each" items are written to as they go.
    fn item_log(&self, workflow_id: &str, run_id: &str) -> Result<ItemLog, Error> {
        Ok(ItemLog {
            path: items_path(&self.path(workflow_id, run_id)?),
            file: std::sync::Mutex::new(None),
        })
    }

    pub fn load(&self, workflow_id: &str, run_id: &str) -> Result<RunRecord, Error> {
        if let Some(keeper) = &self.keeper {
            let kept = keeper
                .kept(run_id)?
                .ok_or_else(|| Error::NotFound(format!("There is no run {run_id:?}.")))?;
            let bytes = serde_json::to_vec(&kept).map_err(|e| Error::Storage(e.to_string()))?;
            return read_run(&bytes)
                .map_err(|why| Error::Storage(format!("run {run_id} was not loaded: {why}")));
        }
        let path = self.path(workflow_id, run_id)?;
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotFound(format!("There is no run {run_id:?}.")),
            _ => Error::Storage(format!("{}: {e}", path.display())),
        })?;
        let mut run = read_run(&bytes)
            .map_err(|why| Error::Storage(format!("{} was not loaded: {why}", path.display())))?;
        fold_items(&mut run, &items_path(&path));
        Ok(run)
    }

    /// The workflow's runs, newest first. Unreadable files are skipped.
    pub fn list(&self, workflow_id: &str) -> Result<Vec<RunRecord>, Error> {
        let mut runs: Vec<RunRecord> = self
            .files(workflow_id)?
            .into_iter()
            .map(|(_, run)| run)
            .collect();
        runs.sort_by(|a, b| {
            b.started_at
                .cmp(&a.started_at)
                .then(b.run_id.cmp(&a.run_id))
        });
        Ok(runs)
    }
}

impl RunHistory {
    /// Every readable run file of the workflow, with its record.
    fn files(&self, workflow_id: &str) -> Result<Vec<(PathBuf, RunRecord)>, Error> {
        if self.keeper.is_some() {
            return Ok(Vec::new());
        }
        let dir = self.runs_dir(workflow_id)?;
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::Storage(format!("{}: {e}", dir.display()))),
        };
        Ok(entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| {
                let mut run = read_run(&std::fs::read(&p).ok()?).ok()?;
                fold_items(&mut run, &items_path(&p));
                Some((p, run))
            })
            .collect())
    }
}

/// `<run id>.items.jsonl` beside `<run id>.json`.
fn items_path(record: &Path) -> PathBuf {
    record.with_extension("items.jsonl")
}

/// One line of an item log: an item's step record as it changed, or how
/// the item ended.
#[derive(Serialize, Deserialize)]
struct ItemLine {
    #[serde(rename = "loop")]
    loop_step: String,
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record: Option<StepRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<ItemOutcome>,
}

/// The append-only log of a run's items. A line is written with one
/// `write`, so a process killed mid-line leaves at most a torn last line,
/// which is skipped when read. Lines are not synced one by one: keys
/// derive from the run, step and item, so a line lost with the machine
/// costs at most an answer Stripe replays.
pub(crate) struct ItemLog {
    path: PathBuf,
    file: std::sync::Mutex<Option<std::fs::File>>,
}

impl ItemLog {
    fn append(&self, line: &ItemLine) -> Result<(), Error> {
        use std::io::Write;
        let storage = |e: std::io::Error| Error::Storage(format!("{}: {e}", self.path.display()));
        let mut value = serde_json::to_value(line).map_err(|e| Error::Storage(e.to_string()))?;
        crate::sensitive::mask_json(&mut value, "");
        let mut bytes = serde_json::to_vec(&value).map_err(|e| Error::Storage(e.to_string()))?;
        bytes.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if file.is_none() {
            if let Some(dir) = self.path.parent() {
                crate::private_files::private_dir(dir).map_err(storage)?;
            }
            *file = Some(crate::private_files::open_append(&self.path).map_err(storage)?);
        }
        file.as_mut()
            .expect("opened above")
            .write_all(&bytes)
            .map_err(storage)
    }

    /// Once the run record holds every item's outcome, the log is not needed.
    fn clear(&self) {
        *self.file.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Folds a run's item log (if any) into its loops: later lines win.
fn fold_items(run: &mut RunRecord, log: &Path) {
    let Ok(text) = std::fs::read_to_string(log) else {
        return;
    };
    for line in text.lines() {
        let Ok(line) = serde_json::from_str::<ItemLine>(line) else {
            continue;
        };
        let Some(record) = run.step_mut(&line.loop_step) else {
            continue;
        };
        let lp = record.items.get_or_insert_with(LoopRecord::default);
        if let Some(step) = line.record {
            match lp.unfinished.iter_mut().find(|u| u.key == line.key) {
                Some(item) => match item.steps.iter_mut().find(|s| s.name == step.name) {
                    Some(old) => *old = step,
                    None => item.steps.push(step),
                },
                None => lp.unfinished.push(ItemRun {
                    key: line.key.clone(),
                    steps: vec![step],
                }),
            }
        }
        if let Some(outcome) = line.outcome {
            if matches!(outcome.state, ItemState::Done { .. }) {
                lp.unfinished.retain(|u| u.key != line.key);
            }
            lp.record_outcome(outcome);
        }
    }
}

impl LoopRecord {
    /// Keeps an item's newest outcome and the counts that follow from them.
    fn record_outcome(&mut self, outcome: ItemOutcome) {
        match self.outcomes.iter_mut().find(|o| o.key == outcome.key) {
            Some(old) => *old = outcome,
            None => self.outcomes.push(outcome),
        }
        self.done = self
            .outcomes
            .iter()
            .filter(|o| matches!(o.state, ItemState::Done { .. }))
            .count() as u32;
        self.failed = self.outcomes.len() as u32 - self.done;
    }
}

fn read_run(bytes: &[u8]) -> Result<RunRecord, String> {
    let file: RunFileIn =
        serde_json::from_slice(bytes).map_err(|e| format!("it is damaged ({e})."))?;
    if file.format != RUN_FORMAT {
        return Err("it is not a Stripe Desk run record.".into());
    }
    if file.version > RUN_VERSION {
        return Err("it was written by a newer Stripe Desk.".into());
    }
    Ok(file.run)
}

pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// What references see: the run's inputs, the results of the steps done
/// (inside a "For each", the item's own steps first) and the current item.
struct RunScope<'a> {
    inputs: &'a BTreeMap<String, Value>,
    run: &'a RunRecord,
    own: &'a [StepRecord],
    item: Option<&'a Value>,
}

impl Scope for RunScope<'_> {
    fn input(&self, name: &str) -> Option<&Value> {
        self.inputs.get(name)
    }
    fn step_output(&self, step: &str) -> Option<&Value> {
        match self.own.iter().find(|r| r.name == step) {
            Some(own) => match &own.state {
                StepState::Done { result, .. } => Some(&result.output),
                _ => None,
            },
            None => self.run.output(step).or_else(|| {
                // `{{event.…}}`: what the event that started the run is about.
                let event = self.run.trigger.as_ref()?;
                (step == super::reference::EVENT_ROOT && self.run.step(step).is_none())
                    .then_some(&event.object)
            }),
        }
    }
    fn item(&self) -> Option<&Value> {
        self.item
    }
}

/// Told about every change of the run (a step starting, ending), with the
/// whole record so the window can draw every step.
pub type Progress<'p> = &'p mut (dyn FnMut(&RunRecord) + Send);

pub struct Engine<'a, E: StepExecutor> {
    pub catalog: &'a dyn StepCatalog,
    pub executor: &'a E,
    pub history: &'a RunHistory,
    /// Unix seconds; the system clock in the app.
    pub clock: &'a (dyn Fn() -> i64 + Send + Sync),
    /// The user's number convention, for inputs typed now.
    pub number_format: NumberFormat,
    /// The person confirmed sending again a step that cannot be looked up
    /// (see [`unchecked_resends`]); without it such a Resume is refused.
    pub resend_unchecked: bool,
}

/// What the person agreed to for this run, beyond what its plan showed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GoAhead {
    /// Go through a "For each" of more than [`ASK_ABOVE_ITEMS`] items.
    pub many_items: bool,
}

/// Whether a write step's next attempt must first look for what an earlier
/// one may have created, rather than trust its idempotency key: its outcome
/// is unknown and the key no longer tells (older than Stripe keeps it, or
/// the fields changed since), or Stripe would replay its own error.
fn must_look(record: &StepRecord, fields: &Map<String, Value>, now: i64) -> bool {
    let expired = record
        .first_tried_at
        .is_some_and(|t| now.saturating_sub(t) > IDEMPOTENCY_WINDOW_SECS);
    let changed = record.sent.as_ref() != Some(fields);
    match &record.state {
        StepState::Waiting | StepState::Done { .. } => false,
        StepState::Running
        | StepState::Failed {
            failure:
                StepFailure {
                    kind: FailureKind::NoAnswer,
                    ..
                },
        } => expired || changed,
        StepState::Failed {
            failure:
                StepFailure {
                    kind: FailureKind::Unclear,
                    ..
                },
        } => true,
        StepState::Failed {
            failure:
                StepFailure {
                    kind: FailureKind::Refused,
                    ..
                },
        } => false,
    }
}

/// A step whose outcome is unknown, that a Resume now would send again
/// without being able to look up what the earlier attempt did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncheckedResend {
    /// The step's place in reading order.
    pub index: usize,
    /// For a step inside a "For each": the item, in words.
    pub item: Option<String>,
}

/// One item of a "For each", as the run goes through it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopItem {
    /// 1 for the first.
    pub number: u32,
    /// Its ID, or its value for a list of values; made unique in the list.
    pub key: String,
    pub label: String,
    pub value: Value,
}

/// The items of a list, each with its key and words. An object's key is
/// its `id`; a value's, the value itself (as far as it is plain); anything
/// else, its place. A key seen before gets `~2`, `~3`...
pub fn loop_items(list: &[Value]) -> Vec<LoopItem> {
    let plain = |s: &str| {
        !s.is_empty()
            && s.len() <= 100
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.@+-".contains(c))
    };
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    list.iter()
        .enumerate()
        .map(|(i, value)| {
            let number = i as u32 + 1;
            let base = match value {
                Value::Object(o) => o
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| plain(id))
                    .map(str::to_owned),
                Value::String(s) if plain(s.trim()) => Some(s.trim().to_owned()),
                Value::Number(n) => Some(n.to_string()).filter(|s| plain(s)),
                _ => None,
            }
            .unwrap_or_else(|| format!("item{number}"));
            let count = seen.entry(base.clone()).or_insert(0);
            *count += 1;
            let key = if *count == 1 {
                base
            } else {
                format!("{base}~{count}")
            };
            let label = match value {
                Value::Object(o) => {
                    let said: Vec<&str> = ["name", "email", "description", "nickname", "id"]
                        .iter()
                        .filter_map(|k| o.get(*k).and_then(Value::as_str))
                        .filter(|s| !s.trim().is_empty())
                        .take(2)
                        .collect();
                    if said.is_empty() {
                        format!("Item {number}")
                    } else {
                        said.join(" · ")
                    }
                }
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            LoopItem {
                number,
                key,
                label,
                value: value.clone(),
            }
        })
        .collect()
}

/// The steps of `run` whose outcome is unknown, that a Resume now would
/// send again without being able to look up what the earlier attempt did
/// (they carry no tags): the run's own, and those of its items.
pub fn unchecked_resends(
    catalog: &dyn StepCatalog,
    workflow: &Workflow,
    run: &RunRecord,
    inputs: &BTreeMap<String, Value>,
    now: i64,
) -> Vec<UncheckedResend> {
    let resolver = Resolver::new(workflow, catalog);
    let resends = |step: &Step, record: &StepRecord, scope: &RunScope<'_>| {
        if step.flow.is_some() || !catalog.writes(&step.action) {
            return false;
        }
        let resolved: Result<Map<String, Value>, _> = step
            .fields
            .iter()
            .map(|(k, v)| resolve_value(v, scope).map(|v| (k.clone(), v)))
            .collect();
        resolved.is_ok_and(|fields| {
            must_look(record, &fields, now) && !catalog.tags(&step.action, &fields)
        })
    };
    let top = RunScope {
        inputs,
        run,
        own: &[],
        item: None,
    };
    let mut out = Vec::new();
    for placed in &resolver.placed {
        match placed.in_loop {
            None => {
                if let Some(record) = run.step(placed.name()) {
                    if resends(placed.step, record, &top) {
                        out.push(UncheckedResend {
                            index: placed.index,
                            item: None,
                        });
                    }
                }
            }
            Some(at) => {
                let lp_step = resolver.placed[at].step;
                let (Some(Flow::ForEach { over, .. }), Some(lp)) = (
                    &lp_step.flow,
                    run.step(&lp_step.name).and_then(|r| r.items.as_ref()),
                ) else {
                    continue;
                };
                let list = match resolve_value(&Value::String(over.clone()), &top) {
                    Ok(Value::Array(list)) => loop_items(&list),
                    _ => continue,
                };
                for unfinished in &lp.unfinished {
                    let (Some(item), Some(record)) = (
                        list.iter().find(|i| i.key == unfinished.key),
                        unfinished.steps.iter().find(|s| s.name == placed.step.name),
                    ) else {
                        continue;
                    };
                    let scope = RunScope {
                        inputs,
                        run,
                        own: &unfinished.steps,
                        item: Some(&item.value),
                    };
                    if resends(placed.step, record, &scope) {
                        out.push(UncheckedResend {
                            index: placed.index,
                            item: Some(item.label.clone()),
                        });
                    }
                }
            }
        }
    }
    out
}

fn unchecked_error(
    catalog: &dyn StepCatalog,
    workflow: &Workflow,
    resend: &UncheckedResend,
) -> Error {
    let item = resend
        .item
        .as_ref()
        .map(|i| format!(", for {i},"))
        .unwrap_or_default();
    Error::invalid(
        Code::UncheckedStep,
        format!(
            "{}{item} may already have been done: no answer came from Stripe, and Stripe Desk cannot look up whether it was. Check in the Stripe Dashboard, and send it again only if it was not done.",
            super::words::step_words(catalog, workflow, resend.index)
        ),
        None,
    )
}

/// Whether the run goes on after a step, or stopped there (a failure, or
/// a wait for the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flowed {
    On,
    Stopped,
}

/// Where the records of the steps being run are kept: the run's own steps,
/// or one item's steps in a "For each".
trait Ledger: Send {
    fn scope<'a>(&'a self, inputs: &'a BTreeMap<String, Value>) -> RunScope<'a>;
    /// The record of a step run here.
    fn record(&mut self, name: &str) -> &mut StepRecord;
    /// Writes down the change of `name`'s record (and tells the window).
    fn keep(&mut self, name: &str) -> Result<(), Error>;
    /// `name` failed: what runs here stops.
    fn stopped_at(&mut self, name: &str) -> Result<(), Error>;
    fn key(&self, step: &str, generation: u32) -> String;
    fn tags(&self, step: &str) -> Vec<(String, String)>;
    /// The run's record, when these are the run's own steps.
    fn run(&mut self) -> Option<&mut RunRecord>;
    /// Tells the window of a change without writing the record.
    fn tell(&mut self);
    /// The item, in words, inside a "For each".
    fn item_words(&self) -> Option<String>;
}

fn record_in<'r>(records: &'r mut Vec<StepRecord>, name: &str) -> &'r mut StepRecord {
    let at = match records.iter().position(|r| r.name == name) {
        Some(at) => at,
        None => {
            records.push(StepRecord::waiting(name, ""));
            records.len() - 1
        }
    };
    &mut records[at]
}

struct RunLedger<'a> {
    run: &'a mut RunRecord,
    progress: &'a mut (dyn FnMut(&RunRecord) + Send),
    history: &'a RunHistory,
    clock: &'a (dyn Fn() -> i64 + Send + Sync),
}

impl Ledger for RunLedger<'_> {
    fn scope<'a>(&'a self, inputs: &'a BTreeMap<String, Value>) -> RunScope<'a> {
        RunScope {
            inputs,
            run: self.run,
            own: &[],
            item: None,
        }
    }
    fn record(&mut self, name: &str) -> &mut StepRecord {
        record_in(&mut self.run.steps, name)
    }
    fn keep(&mut self, _name: &str) -> Result<(), Error> {
        self.run.updated_at = (self.clock)();
        self.history.save(self.run)?;
        (self.progress)(self.run);
        Ok(())
    }
    fn stopped_at(&mut self, name: &str) -> Result<(), Error> {
        self.run.outcome = Outcome::Failed {
            step: name.to_owned(),
        };
        self.keep(name)
    }
    fn key(&self, step: &str, generation: u32) -> String {
        idempotency_key(&self.run.run_id, step, generation)
    }
    fn tags(&self, step: &str) -> Vec<(String, String)> {
        vec![
            (RUN_METADATA_KEY.to_owned(), self.run.run_id.clone()),
            (STEP_METADATA_KEY.to_owned(), step.to_owned()),
        ]
    }
    fn run(&mut self) -> Option<&mut RunRecord> {
        Some(self.run)
    }
    fn tell(&mut self) {
        (self.progress)(self.run);
    }
    fn item_words(&self) -> Option<String> {
        None
    }
}

struct ItemLedger<'a> {
    /// The run as it was when the "For each" began: the results its items use.
    outer: &'a RunRecord,
    records: Vec<StepRecord>,
    item: &'a LoopItem,
    loop_step: &'a str,
    log: &'a ItemLog,
}

impl Ledger for ItemLedger<'_> {
    fn scope<'a>(&'a self, inputs: &'a BTreeMap<String, Value>) -> RunScope<'a> {
        RunScope {
            inputs,
            run: self.outer,
            own: &self.records,
            item: Some(&self.item.value),
        }
    }
    fn record(&mut self, name: &str) -> &mut StepRecord {
        record_in(&mut self.records, name)
    }
    fn keep(&mut self, name: &str) -> Result<(), Error> {
        let record = self.records.iter().find(|r| r.name == name).cloned();
        self.log.append(&ItemLine {
            loop_step: self.loop_step.to_owned(),
            key: self.item.key.clone(),
            record,
            outcome: None,
        })
    }
    fn stopped_at(&mut self, name: &str) -> Result<(), Error> {
        self.keep(name)
    }
    fn key(&self, step: &str, generation: u32) -> String {
        item_idempotency_key(&self.outer.run_id, step, &self.item.key, generation)
    }
    fn tags(&self, step: &str) -> Vec<(String, String)> {
        vec![
            (RUN_METADATA_KEY.to_owned(), self.outer.run_id.clone()),
            (STEP_METADATA_KEY.to_owned(), step.to_owned()),
            (ITEM_METADATA_KEY.to_owned(), self.item.key.clone()),
        ]
    }
    fn run(&mut self) -> Option<&mut RunRecord> {
        None
    }
    fn tell(&mut self) {}
    fn item_words(&self) -> Option<String> {
        Some(self.item.label.clone())
    }
}

/// The list field names of Stripe's list actions, for fetching every page.
const LIMIT_FIELD: &str = "limit";
const AFTER_FIELD: &str = "starting_after";
const SEARCH_PAGE_FIELD: &str = "page";

/// The records a run keeps for its own steps: every step not inside a "For each".
fn run_records(resolver: &Resolver<'_>) -> Vec<StepRecord> {
    resolver
        .placed
        .iter()
        .filter(|p| p.in_loop.is_none())
        .map(|p| StepRecord::waiting(&p.step.name, &p.step.action))
        .collect()
}

fn refused(code: &str, reason: String, field: Option<&str>) -> StepFailure {
    StepFailure {
        kind: FailureKind::Refused,
        code: code.to_owned(),
        reason,
        param: None,
        field: field.map(str::to_owned),
    }
}

impl<E: StepExecutor> Engine<'_, E> {
    /// `triggered`: an event started the run. Its `{{event.…}}` references
    /// were checked against the kind of event when the trigger was set;
    /// here any is let through, and one the event lacks stops its step.
    fn checked(
        &self,
        workflow: &Workflow,
        typed: &BTreeMap<String, String>,
        format: NumberFormat,
        triggered: bool,
    ) -> Result<BTreeMap<String, Value>, RunError> {
        let event = triggered.then_some(super::catalog::Shape::Open);
        let mut problems = workflow.check_started_by(self.catalog, event.as_ref());
        let inputs = workflow.check_inputs(typed, format).unwrap_or_else(|p| {
            problems.extend(p);
            BTreeMap::new()
        });
        if problems.is_empty() {
            Ok(inputs)
        } else {
            Err(RunError::Problems(problems))
        }
    }

    /// A new run. Nothing starts unless the workflow and inputs pass every check.
    pub async fn start(
        &self,
        workflow: &Workflow,
        account: RunAccount,
        typed_inputs: BTreeMap<String, String>,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        self.start_with(
            workflow,
            account,
            typed_inputs,
            GoAhead::default(),
            progress,
        )
        .await
    }

    /// A new run, with what the person agreed to beyond its plan.
    pub async fn start_with(
        &self,
        workflow: &Workflow,
        account: RunAccount,
        typed_inputs: BTreeMap<String, String>,
        go_ahead: GoAhead,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        let run_id = crate::stripe::random_token("run");
        self.begin(
            workflow,
            account,
            run_id,
            None,
            typed_inputs,
            go_ahead,
            progress,
        )
        .await
    }

    /// A run whose ID the caller chose (letters, digits and `_`), so that
    /// its keys derive from what it is for: a spreadsheet's row, an event
    /// (hook for `crate::bulk`). Started again, it continues the run kept
    /// under that ID (with these inputs; a finished run comes back as it
    /// is), so however often it is started it is carried out once.
    pub async fn start_as(
        &self,
        workflow: &Workflow,
        account: RunAccount,
        run_id: &str,
        trigger: Option<RunTrigger>,
        typed_inputs: BTreeMap<String, String>,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        match self.history.load(&workflow.id, run_id) {
            Ok(_) => {
                return self
                    .resume(workflow, run_id, &account, Some(typed_inputs), progress)
                    .await
            }
            Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.begin(
            workflow,
            account,
            run_id.to_owned(),
            trigger,
            typed_inputs,
            GoAhead::default(),
            progress,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn begin(
        &self,
        workflow: &Workflow,
        account: RunAccount,
        run_id: String,
        trigger: Option<RunTrigger>,
        typed_inputs: BTreeMap<String, String>,
        go_ahead: GoAhead,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        let inputs = self.checked(
            workflow,
            &typed_inputs,
            self.number_format,
            trigger.is_some(),
        )?;
        let _running = self.history.claim(&workflow.id)?;
        let now = (self.clock)();
        let mut run = RunRecord {
            run_id,
            workflow_id: workflow.id.clone(),
            workflow_name: workflow.name.clone(),
            account,
            started_at: now,
            updated_at: now,
            inputs: typed_inputs,
            number_format: self.number_format,
            steps: run_records(&Resolver::new(workflow, self.catalog)),
            outcome: Outcome::Running,
            trigger,
        };
        self.history.save(&run)?;
        progress(&run);
        self.drive(workflow, &inputs, &mut run, go_ahead, progress)
            .await?;
        Ok(run)
    }

    /// Continues a failed or interrupted run from where it stopped, with the
    /// workflow as it is now (the user's fixes) and, if given, new inputs.
    /// Steps already done are not repeated; steps are matched by name.
    pub async fn resume(
        &self,
        workflow: &Workflow,
        run_id: &str,
        account: &RunAccount,
        new_inputs: Option<BTreeMap<String, String>>,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        self.resume_with(
            workflow,
            run_id,
            account,
            new_inputs,
            GoAhead::default(),
            progress,
        )
        .await
    }

    /// [`Engine::resume`], with what the person agreed to beyond its plan
    /// (the go-ahead a run waiting before a long list asks for).
    pub async fn resume_with(
        &self,
        workflow: &Workflow,
        run_id: &str,
        account: &RunAccount,
        new_inputs: Option<BTreeMap<String, String>>,
        go_ahead: GoAhead,
        progress: Progress<'_>,
    ) -> Result<RunRecord, RunError> {
        // Before reading the record: a run still going on rewrites it.
        let _running = self.history.claim(&workflow.id)?;
        let mut run = self.history.load(&workflow.id, run_id)?;
        if run.account.id != account.id || run.account.livemode != account.livemode {
            return Err(Error::invalid(
                Code::WrongAccount,
                format!(
                    "This run was made in {} ({} mode). Switch to that account to resume it.",
                    run.account.name,
                    if run.account.livemode { "live" } else { "test" }
                ),
                None,
            )
            .into());
        }
        if run.outcome == Outcome::Succeeded {
            return Ok(run);
        }
        if let Some(typed) = new_inputs {
            run.inputs = typed;
            run.number_format = self.number_format;
        }
        let inputs = self.checked(
            workflow,
            &run.inputs,
            run.number_format,
            run.trigger.is_some(),
        )?;
        let mut previous = std::mem::take(&mut run.steps);
        run.steps = run_records(&Resolver::new(workflow, self.catalog))
            .into_iter()
            .map(
                |fresh| match previous.iter().position(|p| p.name == fresh.name) {
                    Some(i) => {
                        let mut p = previous.swap_remove(i);
                        if !matches!(p.state, StepState::Done { .. }) {
                            p.action = fresh.action;
                        }
                        p
                    }
                    None => fresh,
                },
            )
            .collect();
        run.workflow_name = workflow.name.clone();
        if !self.resend_unchecked {
            let unchecked =
                unchecked_resends(self.catalog, workflow, &run, &inputs, (self.clock)());
            if let Some(first) = unchecked.first() {
                return Err(unchecked_error(self.catalog, workflow, first).into());
            }
        }
        run.outcome = Outcome::Running;
        self.save(&mut run)?;
        progress(&run);
        self.drive(workflow, &inputs, &mut run, go_ahead, progress)
            .await?;
        Ok(run)
    }

    fn save(&self, run: &mut RunRecord) -> Result<(), Error> {
        run.updated_at = (self.clock)();
        self.history.save(run)
    }

    async fn drive(
        &self,
        workflow: &Workflow,
        inputs: &BTreeMap<String, Value>,
        run: &mut RunRecord,
        go_ahead: GoAhead,
        progress: Progress<'_>,
    ) -> Result<(), Error> {
        let resolver = Resolver::new(workflow, self.catalog);
        let mut ledger = RunLedger {
            run,
            progress,
            history: self.history,
            clock: self.clock,
        };
        let flowed = self
            .run_steps(&resolver, &workflow.steps, inputs, &mut ledger, go_ahead)
            .await?;
        if flowed == Flowed::On {
            ledger.run.outcome = Outcome::Succeeded;
            ledger.keep("")?;
        }
        Ok(())
    }

    /// Runs `steps` in order until one stops the run.
    fn run_steps<'s>(
        &'s self,
        resolver: &'s Resolver<'s>,
        steps: &'s [Step],
        inputs: &'s BTreeMap<String, Value>,
        ledger: &'s mut (dyn Ledger + 's),
        go_ahead: GoAhead,
    ) -> Pin<Box<dyn Future<Output = Result<Flowed, Error>> + Send + 's>> {
        Box::pin(async move {
            for step in steps {
                if self
                    .run_step(resolver, step, inputs, &mut *ledger, go_ahead)
                    .await?
                    == Flowed::Stopped
                {
                    return Ok(Flowed::Stopped);
                }
            }
            Ok(Flowed::On)
        })
    }

    /// Marks a step, and the steps inside it, as not run, saying why.
    fn skip(&self, ledger: &mut dyn Ledger, step: &Step, why: &str) {
        let record = ledger.record(&step.name);
        if !matches!(record.state, StepState::Done { .. }) {
            record.state = StepState::Waiting;
            record.skipped = Some(why.to_owned());
        }
        if let Some(Flow::Group { steps, otherwise }) = &step.flow {
            for inner in steps.iter().chain(otherwise) {
                self.skip(ledger, inner, why);
            }
        }
    }

    fn fail(
        &self,
        ledger: &mut dyn Ledger,
        name: &str,
        failure: StepFailure,
    ) -> Result<Flowed, Error> {
        ledger.record(name).state = StepState::Failed { failure };
        ledger.stopped_at(name)?;
        Ok(Flowed::Stopped)
    }

    async fn run_step(
        &self,
        resolver: &Resolver<'_>,
        step: &Step,
        inputs: &BTreeMap<String, Value>,
        ledger: &mut (dyn Ledger + '_),
        go_ahead: GoAhead,
    ) -> Result<Flowed, Error> {
        let name = step.name.as_str();
        let index = resolver.position(name).unwrap_or_default();
        if ledger.record(name).settled() {
            return Ok(Flowed::On);
        }
        // An "Only if" is decided once per run: Resume keeps the branch taken.
        let held = match (&step.only_if, ledger.record(name).decision.clone()) {
            (None, _) => true,
            (Some(_), Some(decided)) => decided.held,
            (Some(condition), None) => {
                let verdict = {
                    let scope = ledger.scope(inputs);
                    conditions::evaluate(condition, &scope, &|r| {
                        resolver.subject_any(index, r).unwrap_or_else(|| Subject {
                            kind: Kind::Any,
                            words: r.dotted(),
                            found_by: None,
                            currency: None,
                        })
                    })
                };
                match verdict {
                    Ok(v) => {
                        let otherwise = matches!(&step.flow, Some(Flow::Group { otherwise, .. }) if !otherwise.is_empty());
                        let why = match (v.held, otherwise) {
                            (true, _) => format!("Only if: {}", v.found),
                            (false, true) => format!("Otherwise: {}", v.found),
                            (false, false) => format!("Skipped: {}", v.found),
                        };
                        ledger.record(name).decision = Some(Decision { held: v.held, why });
                        v.held
                    }
                    Err(p) => {
                        let failure = refused("condition_unreadable", p.reason, Some(&p.field));
                        return self.fail(ledger, name, failure);
                    }
                }
            }
        };
        let why = ledger
            .record(name)
            .decision
            .as_ref()
            .map(|d| d.why.clone())
            .unwrap_or_default();
        match &step.flow {
            Some(Flow::Group { steps, otherwise }) => {
                let (taken, not) = if held {
                    (steps, otherwise)
                } else {
                    (otherwise, steps)
                };
                for inner in not {
                    self.skip(ledger, inner, &why);
                }
                if taken.is_empty() && !held {
                    ledger.record(name).skipped = Some(why);
                    ledger.keep(name)?;
                    return Ok(Flowed::On);
                }
                ledger.record(name).state = StepState::Running;
                ledger.keep(name)?;
                if self
                    .run_steps(resolver, taken, inputs, &mut *ledger, go_ahead)
                    .await?
                    == Flowed::Stopped
                {
                    return Ok(Flowed::Stopped);
                }
                ledger.record(name).state = StepState::Done {
                    result: StepResult {
                        output: Value::Null,
                        summary: if why.is_empty() { "Done".into() } else { why },
                        shown: None,
                    },
                    found_existing: false,
                };
                ledger.keep(name)?;
                Ok(Flowed::On)
            }
            _ if !held => {
                self.skip(ledger, step, &why);
                ledger.keep(name)?;
                Ok(Flowed::On)
            }
            None => self.action_step(resolver, step, inputs, ledger).await,
            Some(Flow::FirstOf { of }) => self.first_of(resolver, step, of, inputs, ledger),
            Some(Flow::ForEach {
                over,
                steps,
                side_by_side,
                stop_at_first_failure,
            }) => {
                let how = LoopHow {
                    over,
                    body: steps,
                    side_by_side: *side_by_side,
                    stop_first: *stop_at_first_failure,
                };
                self.for_each(resolver, step, how, inputs, ledger, go_ahead)
                    .await
            }
        }
    }

    /// An action step: its fields filled in, then read or written.
    async fn action_step(
        &self,
        resolver: &Resolver<'_>,
        step: &Step,
        inputs: &BTreeMap<String, Value>,
        ledger: &mut (dyn Ledger + '_),
    ) -> Result<Flowed, Error> {
        let name = step.name.as_str();
        let workflow = resolver.workflow;
        let resolved: Result<Map<String, Value>, _> = {
            let scope = ledger.scope(inputs);
            step.fields
                .iter()
                .map(|(field, value)| match resolve_value(value, &scope) {
                    Ok(v) => Ok((field.clone(), v)),
                    Err(e) => Err((field.clone(), e)),
                })
                .collect()
        };
        let fields = match resolved {
            Ok(fields) => fields,
            Err((field, e)) => {
                // Say it at the field, in words, before anything is sent.
                let named = Template::parse(&format!("{{{{{}}}}}", e.reference))
                    .ok()
                    .and_then(|t| t.whole_reference().cloned())
                    .map(|r| super::words::reference_words(self.catalog, workflow, &r));
                let reason = match named {
                    Some(named) if e.reason.starts_with("is ") => {
                        format!("{named} {}.", e.reason)
                    }
                    Some(named) => format!(
                        "{named} is not there in this run (the earlier result has nothing there), so this step was not sent."
                    ),
                    None => format!("{e}."),
                };
                let failure = refused("reference_unresolved", reason, Some(&field));
                return self.fail(ledger, name, failure);
            }
        };
        let state = if self.catalog.writes(&step.action) {
            let index = resolver.position(name).unwrap_or_default();
            self.write_step(resolver, index, &step.action, ledger, fields)
                .await?
        } else {
            let call = StepCall {
                action: step.action.clone(),
                fields: fields.clone(),
                idempotency_key: None,
                metadata: Vec::new(),
                since: None,
            };
            let now = (self.clock)();
            let record = ledger.record(name);
            record.state = StepState::Running;
            record.sent = Some(fields);
            record.first_tried_at.get_or_insert(now);
            ledger.keep(name)?;
            match self.read(&call, step.every_page_up_to).await {
                Ok(result) => StepState::Done {
                    result,
                    found_existing: false,
                },
                Err(failure) => StepState::Failed { failure },
            }
        };
        if let StepState::Failed { failure } = state {
            return self.fail(ledger, name, failure);
        }
        ledger.record(name).state = state;
        ledger.keep(name)?;
        Ok(Flowed::On)
    }

    /// A read; with `every_page`, page after page (Stripe's cursor, or a
    /// search's next page, as stripe-node's auto-pagination does) until
    /// there are no more or `every_page` items are in, as one result.
    async fn read(
        &self,
        call: &StepCall,
        every_page: Option<u32>,
    ) -> Result<StepResult, StepFailure> {
        let Some(most) = every_page.map(|m| m as usize) else {
            return self.executor.execute(call).await;
        };
        let mut call = call.clone();
        let mut items: Vec<Value> = Vec::new();
        let mut shown_items = Vec::new();
        let mut first: Option<StepResult> = None;
        let mut more;
        let mut pages = 0;
        loop {
            let want = (most - items.len()).min(crate::stripe::PAGE_SIZE as usize);
            call.fields
                .insert(LIMIT_FIELD.into(), Value::String(want.to_string()));
            let page = self.executor.execute(&call).await?;
            pages += 1;
            let Some(data) = page.output.get("data").and_then(Value::as_array).cloned() else {
                // Not a list after all: its one answer is the result.
                return Ok(page);
            };
            more = page.output.get("has_more") == Some(&Value::Bool(true));
            let next = page
                .output
                .get("next_page")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let last_id = data
                .last()
                .and_then(|o| o.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            if let Some(shown) = &page.shown {
                shown_items.extend(shown.items.iter().cloned());
            }
            items.extend(data.into_iter().take(want));
            if first.is_none() {
                first = Some(page);
            }
            if !more || items.len() >= most {
                break;
            }
            match (next, last_id) {
                (Some(page), _) => {
                    call.fields
                        .insert(SEARCH_PAGE_FIELD.into(), Value::String(page));
                }
                (None, Some(id)) => {
                    call.fields.insert(AFTER_FIELD.into(), Value::String(id));
                }
                (None, None) => break,
            }
        }
        let mut result = first.expect("at least one page was read");
        let found = items.len();
        if let Value::Object(o) = &mut result.output {
            o.insert("data".into(), Value::Array(items));
            o.insert("has_more".into(), Value::Bool(more));
        }
        if let Some(shown) = &mut result.shown {
            shown_items.truncate(found);
            shown.items = shown_items;
            shown.has_more = more;
        }
        result.summary = format!(
            "{found} found, every page ({pages} {}, up to {most})",
            if pages == 1 { "page" } else { "pages" }
        );
        Ok(result)
    }

    /// "First of": the first of its references with a value in this run.
    fn first_of(
        &self,
        resolver: &Resolver<'_>,
        step: &Step,
        of: &[String],
        inputs: &BTreeMap<String, Value>,
        ledger: &mut (dyn Ledger + '_),
    ) -> Result<Flowed, Error> {
        let name = step.name.as_str();
        let catalog = self.catalog;
        let workflow = resolver.workflow;
        let mut tried = Vec::new();
        let chosen = {
            let scope = ledger.scope(inputs);
            of.iter().find_map(|text| {
                let reference = Template::parse(text)
                    .ok()
                    .and_then(|t| t.whole_reference().cloned())?;
                let said = super::words::reference_words(catalog, workflow, &reference);
                let value = lookup(&reference, &scope).unwrap_or(Value::Null);
                if conditions::is_empty_value(&value) {
                    tried.push(said);
                    None
                } else {
                    Some((said, value))
                }
            })
        };
        match chosen {
            Some((said, value)) => {
                let shown = match &value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                ledger.record(name).state = StepState::Done {
                    result: StepResult {
                        output: serde_json::json!({ "value": value }),
                        summary: format!("Used {said}: {shown}"),
                        shown: None,
                    },
                    found_existing: false,
                };
                ledger.keep(name)?;
                Ok(Flowed::On)
            }
            None => {
                let failure = refused(
                    "first_of_empty",
                    format!(
                        "None of these has a value in this run: {}.",
                        tried.join(", ")
                    ),
                    Some("flow.of"),
                );
                self.fail(ledger, name, failure)
            }
        }
    }

    async fn write_step(
        &self,
        resolver: &Resolver<'_>,
        index: usize,
        action: &str,
        ledger: &mut (dyn Ledger + '_),
        fields: Map<String, Value>,
    ) -> Result<StepState, Error> {
        let name = resolver.placed[index].step.name.as_str();
        let now = (self.clock)();
        let tagged = self.catalog.tags(action, &fields);
        let item = ledger.item_words();
        let record = ledger.record(name);
        let look_first = must_look(record, &fields, now);
        if look_first && !tagged && !self.resend_unchecked {
            let resend = UncheckedResend { index, item };
            return Err(unchecked_error(self.catalog, resolver.workflow, &resend));
        }
        if let StepState::Failed {
            failure:
                StepFailure {
                    kind: FailureKind::Refused,
                    ..
                },
        } = &record.state
        {
            // Nothing was created, and the old key holds the refusal.
            if record.sent.is_some() {
                record.generation += 1;
            }
        }
        record.first_tried_at.get_or_insert(now);
        record.state = StepState::Running;
        record.sent = Some(fields.clone());
        let since = record.first_tried_at;
        let metadata = if tagged {
            ledger.tags(name)
        } else {
            Vec::new()
        };
        let mut call = StepCall {
            action: action.to_owned(),
            fields,
            idempotency_key: None,
            metadata,
            since,
        };
        ledger.keep(name)?;
        if look_first && tagged {
            match self.executor.find_created(&call).await {
                Ok(Some(result)) => {
                    return Ok(StepState::Done {
                        result,
                        found_existing: true,
                    })
                }
                Ok(None) => {
                    // Not there: create it under a fresh key, which the old
                    // key's stored answer or parameters cannot block.
                    ledger.record(name).generation += 1;
                    ledger.keep(name)?;
                }
                Err(mut failure) => {
                    // Whatever went wrong, the next attempt must look again.
                    failure.kind = FailureKind::Unclear;
                    return Ok(StepState::Failed { failure });
                }
            }
        } else if look_first {
            // Confirmed by the person: sent again under a fresh key.
            ledger.record(name).generation += 1;
            ledger.keep(name)?;
        }
        let generation = ledger.record(name).generation;
        call.idempotency_key = Some(ledger.key(name, generation));
        Ok(match self.executor.execute(&call).await {
            Ok(result) => StepState::Done {
                result,
                found_existing: false,
            },
            Err(failure) => StepState::Failed { failure },
        })
    }

    /// "For each": the list, the go-ahead for a long one, then every item
    /// not done yet, one after another or side by side.
    async fn for_each(
        &self,
        resolver: &Resolver<'_>,
        step: &Step,
        how: LoopHow<'_>,
        inputs: &BTreeMap<String, Value>,
        ledger: &mut (dyn Ledger + '_),
        go_ahead: GoAhead,
    ) -> Result<Flowed, Error> {
        let name = step.name.as_str();
        let index = resolver.position(name).unwrap_or_default();
        let workflow = resolver.workflow;
        let list = {
            let scope = ledger.scope(inputs);
            resolve_value(&Value::String(how.over.to_owned()), &scope)
        };
        let list = match list {
            Ok(Value::Array(items)) => items,
            // A result left out (nothing found) is an empty list.
            Ok(Value::Null) => Vec::new(),
            Ok(other) => {
                let reason = format!(
                    "{} is {} in this run, not a list.",
                    super::words::text_words(self.catalog, workflow, how.over),
                    match other {
                        Value::String(_) => "text",
                        Value::Number(_) => "a number",
                        Value::Bool(_) => "a yes/no value",
                        _ => "a group of fields",
                    }
                );
                return self.fail(
                    ledger,
                    name,
                    refused("not_a_list", reason, Some("flow.over")),
                );
            }
            Err(e) => {
                let reason = format!("{e}.");
                return self.fail(
                    ledger,
                    name,
                    refused("reference_unresolved", reason, Some("flow.over")),
                );
            }
        };
        if ledger.run().is_none() {
            let reason = "A “For each” cannot run inside another “For each”.".to_owned();
            return self.fail(ledger, name, refused("nested_for_each", reason, None));
        }
        let items = loop_items(&list);
        let total = items.len() as u32;
        let waits = {
            let run = ledger.run().expect("checked above");
            let record = record_in(&mut run.steps, name);
            let lp = record.items.get_or_insert_with(LoopRecord::default);
            lp.total = total;
            if go_ahead.many_items {
                lp.go_ahead = true;
            }
            let waits = items.len() > ASK_ABOVE_ITEMS && !lp.go_ahead;
            record.state = if waits {
                StepState::Waiting
            } else {
                StepState::Running
            };
            if waits {
                run.outcome = Outcome::WaitingForGoAhead {
                    step: name.to_owned(),
                    items: total,
                };
            }
            waits
        };
        ledger.keep(name)?;
        if waits {
            return Ok(Flowed::Stopped);
        }
        // The items not done yet, each with the steps it had begun.
        let body: Vec<&Step> = resolver
            .placed
            .iter()
            .filter(|p| p.in_loop == Some(index))
            .map(|p| p.step)
            .collect();
        let (todo, outer) = {
            let run = ledger.run().expect("checked above");
            let lp = record_in(&mut run.steps, name)
                .items
                .get_or_insert_with(LoopRecord::default);
            let done: HashSet<String> = lp
                .outcomes
                .iter()
                .filter(|o| matches!(o.state, ItemState::Done { .. }))
                .map(|o| o.key.clone())
                .collect();
            let mut todo = Vec::new();
            for item in items {
                if done.contains(&item.key) {
                    continue;
                }
                let begun = lp
                    .unfinished
                    .iter()
                    .position(|u| u.key == item.key)
                    .map(|i| lp.unfinished.swap_remove(i).steps)
                    .unwrap_or_default();
                let records = body
                    .iter()
                    .map(|s| {
                        begun
                            .iter()
                            .find(|r| r.name == s.name)
                            .cloned()
                            .unwrap_or_else(|| StepRecord::waiting(&s.name, &s.action))
                    })
                    .collect::<Vec<_>>();
                todo.push((item, records));
            }
            (todo, run.clone())
        };
        let log = self.history.item_log(&outer.workflow_id, &outer.run_id)?;
        let stop = AtomicBool::new(false);
        let width = if how.side_by_side {
            SIDE_BY_SIDE_ITEMS
        } else {
            1
        };
        let mut left_over: Vec<ItemRun> = Vec::new();
        {
            let cx = ItemCx {
                resolver,
                body: how.body,
                inputs,
                outer: &outer,
                log: &log,
                loop_step: name,
                stop: &stop,
                stop_first: how.stop_first,
                go_ahead,
            };
            let cx = &cx;
            let mut ended = futures_util::stream::iter(todo)
                .map(|(item, records)| self.run_item(cx, item, records))
                .buffer_unordered(width);
            while let Some(finished) = ended.next().await {
                let (item, outcome, records) = finished?;
                let begun = records
                    .iter()
                    .any(|r| !matches!(r.state, StepState::Waiting));
                let failed = outcome
                    .as_ref()
                    .is_some_and(|o| matches!(o.state, ItemState::Failed { .. }));
                if failed || (outcome.is_none() && begun) {
                    left_over.push(ItemRun {
                        key: item.key,
                        steps: records,
                    });
                }
                if let Some(outcome) = outcome {
                    let run = ledger.run().expect("checked above");
                    record_in(&mut run.steps, name)
                        .items
                        .get_or_insert_with(LoopRecord::default)
                        .record_outcome(outcome);
                    ledger.tell();
                }
            }
        }
        let failed = {
            let run = ledger.run().expect("checked above");
            let record = record_in(&mut run.steps, name);
            let lp = record.items.get_or_insert_with(LoopRecord::default);
            lp.unfinished.extend(left_over);
            let first_failure = lp.outcomes.iter().find_map(|o| match &o.state {
                ItemState::Failed { failure, .. } => {
                    Some((o.label.clone(), failure.reason.clone()))
                }
                _ => None,
            });
            let summary = format!(
                "{} of {} items done, {} failed, {} left",
                lp.done,
                lp.total,
                lp.failed,
                lp.left()
            );
            match first_failure {
                Some((label, reason)) => {
                    let stopped = if how.stop_first && lp.left() > 0 {
                        format!(
                            " It stopped at the first failure: {} were not run.",
                            lp.left()
                        )
                    } else {
                        String::new()
                    };
                    record.state = StepState::Failed {
                        failure: refused(
                            "items_failed",
                            format!("{summary}. The first that failed, {label}: {reason}{stopped}"),
                            None,
                        ),
                    };
                    run.outcome = Outcome::Failed {
                        step: name.to_owned(),
                    };
                    true
                }
                None => {
                    record.state = StepState::Done {
                        result: StepResult {
                            output: Value::Null,
                            summary,
                            shown: None,
                        },
                        found_existing: false,
                    };
                    false
                }
            }
        };
        ledger.keep(name)?;
        // The record now holds every item's outcome.
        log.clear();
        Ok(if failed { Flowed::Stopped } else { Flowed::On })
    }

    /// One item: its steps, as the run's own are run, kept in the item log.
    async fn run_item(
        &self,
        cx: &ItemCx<'_>,
        item: LoopItem,
        records: Vec<StepRecord>,
    ) -> Result<(LoopItem, Option<ItemOutcome>, Vec<StepRecord>), Error> {
        if cx.stop.load(Ordering::SeqCst) {
            return Ok((item, None, records));
        }
        let mut ledger = ItemLedger {
            outer: cx.outer,
            records,
            item: &item,
            loop_step: cx.loop_step,
            log: cx.log,
        };
        let flowed = self
            .run_steps(cx.resolver, cx.body, cx.inputs, &mut ledger, cx.go_ahead)
            .await?;
        let ItemLedger { records, .. } = ledger;
        let state = match flowed {
            Flowed::On => {
                let done: Vec<&str> = records
                    .iter()
                    .filter_map(|r| match &r.state {
                        StepState::Done { result, .. }
                            if r.items.is_none() && !r.action.is_empty() =>
                        {
                            Some(result.summary.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                let summary = match done.as_slice() {
                    [] => records
                        .iter()
                        .find_map(|r| r.skipped.clone())
                        .unwrap_or_else(|| "Nothing to do".into()),
                    said => said.join(" · "),
                };
                ItemState::Done { summary }
            }
            Flowed::Stopped => {
                let (step, failure) = records
                    .iter()
                    .find_map(|r| match &r.state {
                        StepState::Failed { failure } => Some((r.name.clone(), failure.clone())),
                        _ => None,
                    })
                    .unwrap_or_else(|| {
                        (
                            cx.loop_step.to_owned(),
                            refused("item_stopped", "It stopped.".into(), None),
                        )
                    });
                if cx.stop_first {
                    cx.stop.store(true, Ordering::SeqCst);
                }
                ItemState::Failed { step, failure }
            }
        };
        let outcome = ItemOutcome {
            number: item.number,
            key: item.key.clone(),
            label: item.label.clone(),
            state,
        };
        cx.log.append(&ItemLine {
            loop_step: cx.loop_step.to_owned(),
            key: item.key.clone(),
            record: None,
            outcome: Some(outcome.clone()),
        })?;
        Ok((item, Some(outcome), records))
    }
}

/// What a "For each" step says about its loop.
struct LoopHow<'a> {
    over: &'a str,
    body: &'a [Step],
    side_by_side: bool,
    stop_first: bool,
}

/// What every item of one "For each" shares.
struct ItemCx<'a> {
    resolver: &'a Resolver<'a>,
    body: &'a [Step],
    inputs: &'a BTreeMap<String, Value>,
    outer: &'a RunRecord,
    log: &'a ItemLog,
    loop_step: &'a str,
    stop: &'a AtomicBool,
    stop_first: bool,
    go_ahead: GoAhead,
}

#[cfg(test)]
mod tests {
    use super::super::files::temp_dir;
    use super::*;
    use crate::error::StripeApiError;

    #[test]
    fn keys_are_derived_from_run_step_and_generation_only() {
        assert_eq!(
            idempotency_key("run_1a", "create_customer", 0),
            "stripe-desk-run_1a-create_customer-0"
        );
        assert_eq!(
            idempotency_key("run_1a", "create_customer", 0),
            idempotency_key("run_1a", "create_customer", 0)
        );
        let all = [
            idempotency_key("run_1a", "create_customer", 0),
            idempotency_key("run_1a", "create_customer", 1),
            idempotency_key("run_1b", "create_customer", 0),
            idempotency_key("run_1a", "create_subscription", 0),
        ];
        let distinct: std::collections::BTreeSet<_> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        // Stripe accepts keys of up to 255 characters.
        let longest = idempotency_key(
            &crate::stripe::random_token("run"),
            &"a".repeat(40),
            u32::MAX,
        );
        assert!(longest.len() <= 255);
    }

    fn stripe(status: u16, param: Option<&str>) -> Error {
        Error::Stripe {
            status,
            error: Box::new(StripeApiError {
                param: param.map(str::to_owned),
                message: Some("The price specified is inactive.".into()),
                ..StripeApiError::default()
            }),
            request_id: None,
        }
    }

    #[test]
    fn failures_say_whether_anything_may_have_been_created() {
        let f = StepFailure::from_error(&stripe(400, Some("items[0][price]")));
        assert_eq!(f.kind, FailureKind::Refused);
        assert_eq!(f.param.as_deref(), Some("items[0][price]"));
        assert_eq!(f.reason, "The price specified is inactive.");
        for (e, kind) in [
            (stripe(402, None), FailureKind::Refused),
            (stripe(404, None), FailureKind::Refused),
            (stripe(409, None), FailureKind::NoAnswer),
            (stripe(429, None), FailureKind::NoAnswer),
            (stripe(500, None), FailureKind::Unclear),
            (Error::Network("reset".into()), FailureKind::NoAnswer),
            (Error::Timeout, FailureKind::NoAnswer),
            (Error::Decode("eof".into()), FailureKind::Unclear),
            (
                Error::invalid(Code::InvalidForm, "Bad email", Some("email")),
                FailureKind::Refused,
            ),
        ] {
            assert_eq!(StepFailure::from_error(&e).kind, kind, "{e:?}");
        }
    }

    fn record(run_id: &str, started_at: i64) -> RunRecord {
        RunRecord {
            run_id: run_id.into(),
            workflow_id: "wf_1".into(),
            workflow_name: "W".into(),
            account: RunAccount {
                id: "acct_1".into(),
                name: "Shop".into(),
                livemode: false,
                through: None,
            },
            started_at,
            updated_at: started_at,
            inputs: BTreeMap::from([("email".into(), "jo@example.com".into())]),
            number_format: Default::default(),
            steps: vec![StepRecord {
                state: StepState::Done {
                    result: StepResult {
                        output: serde_json::json!({"id": "cus_1"}),
                        summary: "Created cus_1".into(),
                        shown: None,
                    },
                    found_existing: false,
                },
                ..StepRecord::waiting("create_customer", "create_customer")
            }],
            outcome: Outcome::Succeeded,
            trigger: None,
        }
    }

    #[test]
    fn history_keeps_runs_newest_first_and_skips_damaged_files() {
        let root = temp_dir("runs");
        let history = RunHistory::new(&root);
        assert_eq!(history.list("wf_1").unwrap(), vec![]);
        history.save(&record("run_old", 100)).unwrap();
        history.save(&record("run_new", 200)).unwrap();
        std::fs::write(root.join("workflows/runs/wf_1/run_bad.json"), b"{").unwrap();
        let runs = history.list("wf_1").unwrap();
        let ids: Vec<&str> = runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!(ids, ["run_new", "run_old"]);
        assert_eq!(
            history.load("wf_1", "run_old").unwrap(),
            record("run_old", 100)
        );
        assert!(history.load("wf_1", "run_bad").is_err());
        assert!(matches!(
            history.load("wf_1", "run_none"),
            Err(Error::NotFound(_))
        ));
        assert!(history.load("wf_1", "../../x").is_err());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn problems_cross_the_boundary_at_their_field() {
        let app = AppError::from(RunError::Problems(vec![Problem {
            step: Some("create_subscription".into()),
            field: Some("customer".into()),
            reason: "there is no step named create_custmer.".into(),
        }]));
        assert_eq!(app.code, "workflow_not_ready");
        assert_eq!(app.param.as_deref(), Some("customer"));
        assert_eq!(
            app.message,
            "Step create_subscription: there is no step named create_custmer."
        );
    }
}
