//! The local ledger of runs over spreadsheets and of triggered runs:
//! `<data dir>/bulk/ledger.sqlite3` (0600 in a 0700 folder). A job is one
//! file (by its content hash) run for one target on one account; each of
//! its rows keeps its state, the IDs it made, its message and the engine's
//! record of its run (masked as run history is), so re-running the file
//! any day creates nothing twice. Triggers keep each event they decided
//! on, once per workflow.
//!
//! Nothing from a spreadsheet is kept but what a row's run sent (masked:
//! no card, bank account or ID numbers), its outcome and the file's name.

use super::wire::{BulkJobSummary, BulkTarget, RowState};
use crate::error::Error;
use crate::private_files;
use crate::workflows::engine::RunKeeper;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    livemode INTEGER NOT NULL,
    target TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sheet TEXT NOT NULL,
    rows INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE job_rows (
    job_id TEXT NOT NULL,
    row INTEGER NOT NULL,
    -- running | created | skipped | failed
    state TEXT NOT NULL,
    ids TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    found INTEGER NOT NULL DEFAULT 0,
    run TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (job_id, row)
) WITHOUT ROWID;
CREATE TABLE trigger_events (
    workflow_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    -- running | done | failed | skipped
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    -- The run whose write caused the event, when one of ours did.
    cause_run TEXT,
    decided_at INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, event_id)
) WITHOUT ROWID;
CREATE INDEX trigger_events_run ON trigger_events (run_id);
"#];

fn db(e: rusqlite::Error) -> Error {
    Error::Storage(format!("bulk ledger: {e}"))
}

pub struct Ledger {
    conn: Mutex<Connection>,
}

/// A job's identity: the account, the file's content, the target.
pub fn job_id(account_id: &str, livemode: bool, content_hash: &str, target: &BulkTarget) -> String {
    let mode = if livemode { "live" } else { "test" };
    let h = super::job::hex_sha256(&[account_id, mode, content_hash, &target.key()]);
    format!("job_{}", &h[..32])
}

/// What a job is, for [`Ledger::begin_job`].
pub struct JobRecord<'a> {
    pub job_id: &'a str,
    pub account_id: &'a str,
    pub livemode: bool,
    pub target: &'a BulkTarget,
    pub content_hash: &'a str,
    pub file_name: &'a str,
    pub sheet: &'a str,
    pub rows: u64,
}

fn state_of(state: &str, ids: &str, message: &str, found: bool) -> RowState {
    match state {
        "created" => RowState::Created {
            ids: ids.split_whitespace().map(str::to_owned).collect(),
            found_existing: found,
        },
        "skipped" => RowState::Skipped {
            reason: message.to_owned(),
        },
        "failed" => RowState::Failed {
            message: message.to_owned(),
        },
        _ => RowState::Running,
    }
}

impl Ledger {
    pub fn path_for(data_dir: &Path) -> PathBuf {
        data_dir.join("bulk").join("ledger.sqlite3")
    }

    pub fn open(path: &Path) -> Result<Ledger, Error> {
        let storage = |e: std::io::Error| Error::Storage(e.to_string());
        let dir = path
            .parent()
            .ok_or_else(|| Error::Storage("no folder for the bulk ledger".into()))?;
        private_files::private_dir(dir).map_err(storage)?;
        // 0600 before SQLite opens it: its -wal and -shm take its mode.
        private_files::open_append(path).map_err(storage)?;
        let mut conn = Connection::open(path).map_err(db)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(db)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db)?;
        for (n, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = conn.transaction().map_err(db)?;
            tx.execute_batch(step).map_err(db)?;
            tx.pragma_update(None, "user_version", n as i64 + 1)
                .map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(Ledger {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the job (once; later calls only touch it).
    pub fn begin_job(&self, job: &JobRecord<'_>, now: i64) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO jobs (job_id, account_id, livemode, target, content_hash, file_name, sheet, rows, started_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
                 ON CONFLICT (job_id) DO UPDATE SET updated_at = ?9, file_name = ?6",
                params![
                    job.job_id,
                    job.account_id,
                    job.livemode,
                    serde_json::to_string(job.target).unwrap_or_default(),
                    job.content_hash,
                    job.file_name,
                    job.sheet,
                    job.rows as i64,
                    now
                ],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Every row of the job the ledger knows, by row number.
    pub fn rows(&self, job_id: &str) -> Result<BTreeMap<u32, RowState>, Error> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached("SELECT row, state, ids, message, found FROM job_rows WHERE job_id = ?")
            .map_err(db)?;
        let rows = q
            .query_map([job_id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    state_of(
                        &r.get::<_, String>(1)?,
                        &r.get::<_, String>(2)?,
                        &r.get::<_, String>(3)?,
                        r.get::<_, bool>(4)?,
                    ),
                ))
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// Sets a row's outcome (not its run record).
    pub fn set_row(&self, job_id: &str, row: u32, state: &RowState, now: i64) -> Result<(), Error> {
        let (name, ids, message, found) = match state {
            RowState::Created {
                ids,
                found_existing,
            } => ("created", ids.join(" "), String::new(), *found_existing),
            RowState::Skipped { reason } => ("skipped", String::new(), reason.clone(), false),
            RowState::Failed { message } => ("failed", String::new(), message.clone(), false),
            _ => ("running", String::new(), String::new(), false),
        };
        self.conn()
            .execute(
                "INSERT INTO job_rows (job_id, row, state, ids, message, found, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (job_id, row) DO UPDATE SET state = ?3, ids = ?4, message = ?5, found = ?6, updated_at = ?7",
                params![job_id, row, name, ids, message, found, now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn keep_run(&self, job_id: &str, row: u32, record: &Value) -> Result<(), Error> {
        let json = serde_json::to_string(record).map_err(|e| Error::Storage(e.to_string()))?;
        let now = crate::workflows::engine::system_clock();
        self.conn()
            .execute(
                "INSERT INTO job_rows (job_id, row, state, run, updated_at) VALUES (?1, ?2, 'running', ?3, ?4)
                 ON CONFLICT (job_id, row) DO UPDATE SET run = ?3, updated_at = ?4",
                params![job_id, row, json, now],
            )
            .map_err(db)?;
        Ok(())
    }

    fn kept_run(&self, job_id: &str, row: u32) -> Result<Option<Value>, Error> {
        let json: Option<Option<String>> = self
            .conn()
            .query_row(
                "SELECT run FROM job_rows WHERE job_id = ? AND row = ?",
                params![job_id, row],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        match json.flatten() {
            Some(j) => serde_json::from_str(&j)
                .map(Some)
                .map_err(|e| Error::Storage(format!("bulk ledger: a row's run is damaged ({e})"))),
            None => Ok(None),
        }
    }

    /// The jobs run on this computer, newest first, with their counts.
    pub fn jobs(&self) -> Result<Vec<BulkJobSummary>, Error> {
        let conn = self.conn();
        let mut q = conn
            .prepare(
                "SELECT j.job_id, j.file_name, j.sheet, j.target, j.account_id, j.livemode, j.rows, j.started_at, j.updated_at,
                   (SELECT COUNT(*) FROM job_rows r WHERE r.job_id = j.job_id AND r.state = 'created'),
                   (SELECT COUNT(*) FROM job_rows r WHERE r.job_id = j.job_id AND r.state = 'skipped'),
                   (SELECT COUNT(*) FROM job_rows r WHERE r.job_id = j.job_id AND r.state = 'failed')
                 FROM jobs j ORDER BY j.updated_at DESC",
            )
            .map_err(db)?;
        let rows = q
            .query_map([], |r| {
                let target: String = r.get(3)?;
                Ok((
                    BulkJobSummary {
                        job_id: r.get(0)?,
                        file_name: r.get(1)?,
                        sheet: r.get(2)?,
                        target: BulkTarget::Action {
                            action_id: String::new(),
                        },
                        account_id: r.get(4)?,
                        livemode: r.get(5)?,
                        rows: r.get::<_, i64>(6)? as u64,
                        started_at: r.get(7)?,
                        updated_at: r.get(8)?,
                        created: r.get::<_, i64>(9)? as u64,
                        skipped: r.get::<_, i64>(10)? as u64,
                        failed: r.get::<_, i64>(11)? as u64,
                    },
                    target,
                ))
            })
            .map_err(db)?;
        let mut out = Vec::new();
        for row in rows {
            let (mut summary, target) = row.map_err(db)?;
            match serde_json::from_str(&target) {
                Ok(t) => summary.target = t,
                Err(_) => continue,
            }
            out.push(summary);
        }
        Ok(out)
    }

    // ----- Triggers -----

    /// The event's decision for this workflow, if one was made.
    pub fn trigger_event(
        &self,
        workflow_id: &str,
        event_id: &str,
    ) -> Result<Option<String>, Error> {
        self.conn()
            .query_row(
                "SELECT state FROM trigger_events WHERE workflow_id = ? AND event_id = ?",
                params![workflow_id, event_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)
    }

    /// Records what was decided for the event (before its run starts, as
    /// `running`, so a crash leaves it to be continued, never forgotten).
    #[allow(clippy::too_many_arguments)]
    pub fn set_trigger_event(
        &self,
        workflow_id: &str,
        event_id: &str,
        run_id: &str,
        state: &str,
        reason: &str,
        cause_run: Option<&str>,
        now: i64,
    ) -> Result<(), Error> {
        self.conn()
            .execute(
                "INSERT INTO trigger_events (workflow_id, event_id, run_id, state, reason, cause_run, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (workflow_id, event_id) DO UPDATE SET state = ?4, reason = ?5, decided_at = ?7",
                params![workflow_id, event_id, run_id, state, reason, cause_run, now],
            )
            .map_err(db)?;
        Ok(())
    }

    /// The workflow a triggered run belongs to, and the run whose write
    /// caused its event (for loops that go through other workflows).
    pub fn triggered_run(&self, run_id: &str) -> Result<Option<(String, Option<String>)>, Error> {
        self.conn()
            .query_row(
                "SELECT workflow_id, cause_run FROM trigger_events WHERE run_id = ?",
                [run_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db)
    }

    /// The target of the job whose row ran as `run_id` (`bulk_<hash>_<row>`).
    pub fn bulk_run_target(&self, run_id: &str) -> Result<Option<BulkTarget>, Error> {
        let conn = self.conn();
        let mut q = conn
            .prepare_cached("SELECT DISTINCT target, content_hash FROM jobs")
            .map_err(db)?;
        let jobs = q
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(db)?;
        let row: Option<u32> = run_id.rsplit('_').next().and_then(|r| r.parse().ok());
        for job in jobs {
            let (target, hash) = job.map_err(db)?;
            let (Ok(target), Some(row)) = (serde_json::from_str::<BulkTarget>(&target), row) else {
                continue;
            };
            if super::job::row_run_id(&hash, &target, row) == run_id {
                return Ok(Some(target));
            }
        }
        Ok(None)
    }
}

/// The rows of one job keep their runs in the ledger: the engine's
/// [`RunKeeper`] for `RunHistory::kept_by`.
pub struct RowKeeper {
    pub ledger: Arc<Ledger>,
    pub job_id: String,
}

fn row_of(run_id: &str) -> Result<u32, Error> {
    run_id
        .rsplit('_')
        .next()
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| Error::Storage(format!("{run_id} is not a row's run")))
}

impl RunKeeper for RowKeeper {
    fn keep(&self, run_id: &str, record: &Value) -> Result<(), Error> {
        self.ledger.keep_run(&self.job_id, row_of(run_id)?, record)
    }

    fn kept(&self, run_id: &str) -> Result<Option<Value>, Error> {
        self.ledger.kept_run(&self.job_id, row_of(run_id)?)
    }
}
