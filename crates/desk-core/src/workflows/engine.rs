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

use super::catalog::StepCatalog;
use super::files::write_private;
use super::model::{Problem, Workflow};
use super::reference::{resolve_value, Scope, Template};
use crate::error::{AppError, Error};
use crate::money::NumberFormat;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use ts_rs::TS;

pub const RUN_METADATA_KEY: &str = "stripe_desk_run";
pub const STEP_METADATA_KEY: &str = "stripe_desk_step";
/// How long Stripe keeps an idempotency key.
pub const IDEMPOTENCY_WINDOW_SECS: i64 = 24 * 60 * 60;

/// The key for one attempt generation of one step of one run.
pub fn idempotency_key(run_id: &str, step: &str, generation: u32) -> String {
    format!("stripe-desk-{run_id}-{step}-{generation}")
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
            code: e.code(),
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
        }
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

impl From<RunError> for AppError {
    fn from(e: RunError) -> Self {
        match e {
            RunError::Problems(problems) => {
                let first = problems.first();
                let place = first
                    .and_then(|p| p.step.as_deref())
                    .map(|s| format!("Step {s}: "))
                    .unwrap_or_default();
                AppError {
                    code: "workflow_not_ready".into(),
                    message: format!(
                        "{place}{}",
                        first
                            .map(|p| p.reason.as_str())
                            .unwrap_or("The workflow needs fixing.")
                    ),
                    param: first.and_then(|p| p.field.clone()),
                    request_id: None,
                    stripe_message: None,
                    status: None,
                }
            }
            RunError::Other(e) => e.into(),
        }
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
                "workflow_running",
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
                removed += 1;
            }
        }
        Ok(removed)
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
        read_run(&bytes)
            .map_err(|why| Error::Storage(format!("{} was not loaded: {why}", path.display())))
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
                let run = read_run(&std::fs::read(&p).ok()?).ok()?;
                Some((p, run))
            })
            .collect())
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

struct RunScope<'a> {
    inputs: &'a BTreeMap<String, Value>,
    run: &'a RunRecord,
}

impl Scope for RunScope<'_> {
    fn input(&self, name: &str) -> Option<&Value> {
        self.inputs.get(name)
    }
    fn step_output(&self, step: &str) -> Option<&Value> {
        self.run.output(step).or_else(|| {
            // `{{event.…}}`: what the event that started the run is about.
            let event = self.run.trigger.as_ref()?;
            (step == super::reference::EVENT_ROOT && self.run.step(step).is_none())
                .then_some(&event.object)
        })
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

/// The steps of `run` whose outcome is unknown, that a Resume now would
/// send again without being able to look up what the earlier attempt did
/// (they carry no tags): by index.
pub fn unchecked_resends(
    catalog: &dyn StepCatalog,
    workflow: &Workflow,
    run: &RunRecord,
    inputs: &BTreeMap<String, Value>,
    now: i64,
) -> Vec<usize> {
    let scope = RunScope { inputs, run };
    workflow
        .steps
        .iter()
        .enumerate()
        .filter(|(i, step)| {
            let Some(record) = run.steps.get(*i).filter(|r| r.name == step.name) else {
                return false;
            };
            if !catalog.writes(&step.action) {
                return false;
            }
            let resolved: Result<Map<String, Value>, _> = step
                .fields
                .iter()
                .map(|(k, v)| resolve_value(v, &scope).map(|v| (k.clone(), v)))
                .collect();
            resolved.is_ok_and(|fields| {
                must_look(record, &fields, now) && !catalog.tags(&step.action, &fields)
            })
        })
        .map(|(i, _)| i)
        .collect()
}

fn unchecked_error(catalog: &dyn StepCatalog, workflow: &Workflow, index: usize) -> Error {
    Error::invalid(
        "unchecked_step",
        format!(
            "{} may already have been done: no answer came from Stripe, and Stripe Desk cannot look up whether it was. Check in the Stripe Dashboard, and send it again only if it was not done.",
            super::words::step_words(catalog, workflow, index)
        ),
        None,
    )
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
        let run_id = crate::stripe::random_token("run");
        self.begin(workflow, account, run_id, None, typed_inputs, progress)
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
            progress,
        )
        .await
    }

    async fn begin(
        &self,
        workflow: &Workflow,
        account: RunAccount,
        run_id: String,
        trigger: Option<RunTrigger>,
        typed_inputs: BTreeMap<String, String>,
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
            steps: workflow
                .steps
                .iter()
                .map(|s| StepRecord::waiting(&s.name, &s.action))
                .collect(),
            outcome: Outcome::Running,
            trigger,
        };
        self.history.save(&run)?;
        progress(&run);
        self.drive(workflow, &inputs, &mut run, progress).await?;
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
        // Before reading the record: a run still going on rewrites it.
        let _running = self.history.claim(&workflow.id)?;
        let mut run = self.history.load(&workflow.id, run_id)?;
        if run.account.id != account.id || run.account.livemode != account.livemode {
            return Err(Error::invalid(
                "wrong_account",
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
        run.steps = workflow
            .steps
            .iter()
            .map(|s| match previous.iter().position(|p| p.name == s.name) {
                Some(i) => {
                    let mut p = previous.swap_remove(i);
                    if !matches!(p.state, StepState::Done { .. }) {
                        p.action = s.action.clone();
                    }
                    p
                }
                None => StepRecord::waiting(&s.name, &s.action),
            })
            .collect();
        run.workflow_name = workflow.name.clone();
        if !self.resend_unchecked {
            let unchecked =
                unchecked_resends(self.catalog, workflow, &run, &inputs, (self.clock)());
            if let Some(index) = unchecked.first() {
                return Err(unchecked_error(self.catalog, workflow, *index).into());
            }
        }
        run.outcome = Outcome::Running;
        self.save(&mut run)?;
        progress(&run);
        self.drive(workflow, &inputs, &mut run, progress).await?;
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
        progress: Progress<'_>,
    ) -> Result<(), Error> {
        for (index, step) in workflow.steps.iter().enumerate() {
            if matches!(run.steps[index].state, StepState::Done { .. }) {
                continue;
            }
            let scope = RunScope { inputs, run };
            let resolved: Result<Map<String, Value>, _> = step
                .fields
                .iter()
                .map(|(field, value)| match resolve_value(value, &scope) {
                    Ok(v) => Ok((field.clone(), v)),
                    Err(e) => Err((field.clone(), e)),
                })
                .collect();
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
                    let failure = StepFailure {
                        kind: FailureKind::Refused,
                        code: "reference_unresolved".into(),
                        reason,
                        param: None,
                        field: Some(field),
                    };
                    return self.fail(run, index, failure, progress);
                }
            };
            let state = if self.catalog.writes(&step.action) {
                self.write_step(workflow, run, index, fields, progress)
                    .await?
            } else {
                let call = StepCall {
                    action: step.action.clone(),
                    fields: fields.clone(),
                    idempotency_key: None,
                    metadata: Vec::new(),
                    since: None,
                };
                let record = &mut run.steps[index];
                record.state = StepState::Running;
                record.sent = Some(fields);
                record.first_tried_at.get_or_insert((self.clock)());
                self.save(run)?;
                progress(run);
                match self.executor.execute(&call).await {
                    Ok(result) => StepState::Done {
                        result,
                        found_existing: false,
                    },
                    Err(failure) => StepState::Failed { failure },
                }
            };
            if let StepState::Failed { failure } = state {
                return self.fail(run, index, failure, progress);
            }
            run.steps[index].state = state;
            self.save(run)?;
            progress(run);
        }
        run.outcome = Outcome::Succeeded;
        self.save(run)?;
        progress(run);
        Ok(())
    }

    fn fail(
        &self,
        run: &mut RunRecord,
        index: usize,
        failure: StepFailure,
        progress: Progress<'_>,
    ) -> Result<(), Error> {
        run.steps[index].state = StepState::Failed { failure };
        run.outcome = Outcome::Failed {
            step: run.steps[index].name.clone(),
        };
        self.save(run)?;
        progress(run);
        Ok(())
    }

    async fn write_step(
        &self,
        workflow: &Workflow,
        run: &mut RunRecord,
        index: usize,
        fields: Map<String, Value>,
        progress: Progress<'_>,
    ) -> Result<StepState, Error> {
        let now = (self.clock)();
        let record = &mut run.steps[index];
        let tagged = self.catalog.tags(&record.action, &fields);
        let look_first = must_look(record, &fields, now);
        if look_first && !tagged && !self.resend_unchecked {
            return Err(unchecked_error(self.catalog, workflow, index));
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
        let metadata = if tagged {
            vec![
                (RUN_METADATA_KEY.to_owned(), run.run_id.clone()),
                (STEP_METADATA_KEY.to_owned(), record.name.clone()),
            ]
        } else {
            Vec::new()
        };
        let mut call = StepCall {
            action: record.action.clone(),
            fields,
            idempotency_key: None,
            metadata,
            since: record.first_tried_at,
        };
        self.save(run)?;
        progress(run);
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
                    run.steps[index].generation += 1;
                    self.save(run)?;
                }
                Err(mut failure) => {
                    // Whatever went wrong, the next attempt must look again.
                    failure.kind = FailureKind::Unclear;
                    return Ok(StepState::Failed { failure });
                }
            }
        } else if look_first {
            // Confirmed by the person: sent again under a fresh key.
            run.steps[index].generation += 1;
            self.save(run)?;
        }
        let record = &run.steps[index];
        call.idempotency_key = Some(idempotency_key(
            &run.run_id,
            &record.name,
            record.generation,
        ));
        Ok(match self.executor.execute(&call).await {
            Ok(result) => StepState::Done {
                result,
                found_existing: false,
            },
            Err(failure) => StepState::Failed { failure },
        })
    }
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
                Error::invalid("email_invalid", "Bad email", Some("email")),
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
