//! Where runs are kept: one record file per run, the log of its "For each"
//! items beside it, and the lock that lets one run of a workflow go on at a time.

use super::record::{ItemOutcome, ItemRun, ItemState, LoopRecord, RunRecord, StepRecord};
use crate::error::{Code, Error};
use crate::workflows::files::write_private;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

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
        if !crate::workflows::store::is_workflow_id(workflow_id) {
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
    pub(super) fn item_log(&self, workflow_id: &str, run_id: &str) -> Result<ItemLog, Error> {
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
pub(super) struct ItemLine {
    #[serde(rename = "loop")]
    pub(super) loop_step: String,
    pub(super) key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) record: Option<StepRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) outcome: Option<ItemOutcome>,
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
    pub(super) fn append(&self, line: &ItemLine) -> Result<(), Error> {
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
    pub(super) fn clear(&self) {
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
