//! The "many at once" entry points on [`Desk`]: a file opened, mapped,
//! dry-run, matched against what exists, run and saved with its results
//! (workflows' triggers are `trigger_desk.rs`). Each is what one window
//! command calls.
//!
//! Files are named only by what the system's open and save dialogs hand
//! the edge; opened files stay in memory (their cells, the person's fixes)
//! until closed. Runs over a file and triggered runs that write in live
//! mode run only with the one-time confirmation their plan handed out.

use super::job::{plural, thousands, Job};
use super::ledger::{job_id, Ledger};
use super::mapping::{propose, slots, TargetDef};
use super::matching::find_existing;
use super::runner::{Control, Runner, Which};
use super::sheet::{self, Opened};
use super::wire::*;
use crate::connections::ExpectedConnection;
use crate::error::{Code, Error};
use crate::workflows::{review, words, ActionCatalog, WorkflowStore};
use crate::Desk;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a confirmation shown to the person stays good.
const CONFIRMATION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// An opened file.
struct OpenFile {
    name: String,
    /// As the system's open dialog handed it, for another sheet.
    path: PathBuf,
    opened: Arc<Opened>,
    header: Option<usize>,
    detected: Option<usize>,
    job: Option<Job>,
    /// The ledger's job for the account of the last dry run or run.
    job_id: Option<String>,
    control: Option<Arc<Control>>,
}

struct Pending {
    subject: String,
    connection_id: String,
    issued: Instant,
}

/// The "many at once" state in [`Desk`].
#[derive(Default)]
pub struct BulkState {
    files: Mutex<HashMap<String, Arc<Mutex<OpenFile>>>>,
    confirmations: Mutex<HashMap<String, Pending>>,
    ledger: Mutex<Option<Arc<Ledger>>>,
    /// One round of triggers at a time.
    pub(super) triggers: tokio::sync::Mutex<()>,
}

pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the target's steps send out of the account (money, data), in
/// words: such a run is confirmed first in test mode too, as a workflow's.
pub(super) fn moves_out(def: &TargetDef) -> Vec<String> {
    match def {
        TargetDef::Workflow(w) if w.over_limit().is_none() => (0..w.steps.len())
            .filter_map(|i| {
                let what = review::plan_step(w, i, None).moves_out?;
                Some(format!(
                    "{} {what}",
                    words::step_words(&ActionCatalog, w, i)
                ))
            })
            .collect(),
        TargetDef::Workflow(_) => Vec::new(),
        TargetDef::Action(a) => {
            let (method, path) = crate::workflows::bound::method_and_path(a, &Default::default());
            review::moves_out(&method, &path)
                .map(|what| vec![format!("{} {what}", a.name)])
                .unwrap_or_default()
        }
    }
}

fn no_file() -> Error {
    Error::NotFound("This file is not open any more: open it again.".into())
}

fn no_dry_run() -> Error {
    Error::invalid(
        Code::BulkNotChecked,
        "Check the rows first (the dry run): nothing was sent.",
        None,
    )
}

impl Desk {
    pub(super) fn bulk(&self) -> &BulkState {
        self.bulk_state()
    }

    pub(super) fn bulk_ledger(&self) -> Result<Arc<Ledger>, Error> {
        let mut ledger = lock(&self.bulk().ledger);
        if let Some(l) = ledger.as_ref() {
            return Ok(l.clone());
        }
        let opened = Arc::new(Ledger::open(&Ledger::path_for(self.data_dir()))?);
        *ledger = Some(opened.clone());
        Ok(opened)
    }

    fn bulk_file(&self, file_id: &str) -> Result<Arc<Mutex<OpenFile>>, Error> {
        lock(&self.bulk().files)
            .get(file_id)
            .cloned()
            .ok_or_else(no_file)
    }

    fn bulk_target(&self, target: &BulkTarget) -> Result<TargetDef, Error> {
        match target {
            BulkTarget::Workflow { workflow_id } => {
                let w = WorkflowStore::new(self.data_dir()).load(workflow_id)?;
                if !w.reviewed {
                    return Err(Error::invalid(
                        Code::WorkflowNotReviewed,
                        "This workflow came from a file and has not been reviewed yet: read what it does, and accept it, first.",
                        None,
                    ));
                }
                Ok(TargetDef::Workflow(w))
            }
            BulkTarget::Action { action_id } => match crate::actions::find(action_id) {
                Some(a) if !a.path.is_empty() => Ok(TargetDef::Action(a)),
                _ => Err(Error::invalid(
                    Code::ActionUnknown,
                    "That action cannot run for every row: pick a workflow or one of the actions offered.",
                    None,
                )),
            },
        }
    }

    /// Opens a spreadsheet the person picked in the system's open dialog:
    /// its first sheet, with the header row found.
    pub async fn bulk_open(&self, path: &Path) -> Result<SheetView, Error> {
        let owned: PathBuf = path.to_path_buf();
        let opened = tokio::task::spawn_blocking(move || sheet::open(&owned, None))
            .await
            .map_err(|e| Error::Storage(e.to_string()))??;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let detected = sheet::detect_header(&opened.table);
        let file_id = crate::stripe::random_token("file");
        let view = sheet::view(&file_id, &name, &opened, detected, detected);
        lock(&self.bulk().files).insert(
            file_id.clone(),
            Arc::new(Mutex::new(OpenFile {
                name,
                path: path.to_path_buf(),
                opened: Arc::new(opened),
                header: detected,
                detected,
                job: None,
                job_id: None,
                control: None,
            })),
        );
        Ok(view)
    }

    /// Another sheet of the same workbook, read again from the file.
    pub async fn bulk_choose_sheet(
        &self,
        file_id: &str,
        sheet_name: &str,
    ) -> Result<SheetView, Error> {
        let file = self.bulk_file(file_id)?;
        let owned = lock(&file).path.clone();
        let wanted = sheet_name.to_owned();
        let opened = tokio::task::spawn_blocking(move || sheet::open(&owned, Some(&wanted)))
            .await
            .map_err(|e| Error::Storage(e.to_string()))??;
        let mut f = lock(&file);
        let detected = sheet::detect_header(&opened.table);
        f.opened = Arc::new(opened);
        f.header = detected;
        f.detected = detected;
        f.job = None;
        f.job_id = None;
        Ok(sheet::view(
            file_id, &f.name, &f.opened, f.header, f.detected,
        ))
    }

    /// The header row: its number in the spreadsheet, or `None` for a
    /// sheet without one (columns are then named by letter).
    pub fn bulk_set_header_row(&self, file_id: &str, row: Option<u32>) -> Result<SheetView, Error> {
        let file = self.bulk_file(file_id)?;
        let mut f = lock(&file);
        let header = match row {
            None => None,
            Some(n) => Some(f.opened.table.index_of(n).ok_or_else(|| {
                Error::invalid(
                    Code::HeaderRowEmpty,
                    format!("Row {n} is empty or not in this sheet: pick a row that has the column names."),
                    None,
                )
            })?),
        };
        f.header = header;
        f.job = None;
        f.job_id = None;
        Ok(sheet::view(
            file_id, &f.name, &f.opened, f.header, f.detected,
        ))
    }

    /// What the target takes, and the mapping found by the columns' names.
    pub fn bulk_propose_mapping(
        &self,
        file_id: &str,
        target: &BulkTarget,
    ) -> Result<MappingProposal, Error> {
        let def = self.bulk_target(target)?;
        let file = self.bulk_file(file_id)?;
        let f = lock(&file);
        let columns = sheet::columns(&f.opened.table, f.header);
        let mapping = propose(&def, &columns);
        Ok(MappingProposal {
            slots: slots(&def, Some(&mapping)),
            mapping,
        })
    }

    /// The dry run: every row through the forms' checks with this mapping,
    /// nothing sent. Fixes and rows left out stay across dry runs of the
    /// same file; rows an earlier run over this file (on this account)
    /// finished are counted apart.
    pub async fn bulk_dry_run(
        &self,
        file_id: &str,
        expected: &ExpectedConnection,
        target: &BulkTarget,
        mapping: Mapping,
        options: BulkOptions,
    ) -> Result<DryRunSummary, Error> {
        let def = self.bulk_target(target)?;
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let file = self.bulk_file(file_id)?;
        let mut job = {
            let f = lock(&file);
            let mut job = Job::new(
                f.name.clone(),
                f.opened.clone(),
                f.header,
                target.clone(),
                def,
                mapping,
                options,
            );
            if let Some(previous) = &f.job {
                job.fixes = previous.fixes.clone();
                job.left_out = previous.left_out.clone();
            }
            job
        };
        let job = tokio::task::spawn_blocking(move || {
            job.dry_run();
            job
        })
        .await
        .map_err(|e| Error::Storage(e.to_string()))?;
        let id = job_id(
            &account.id,
            account.livemode,
            job.content_hash(),
            &job.target_key,
        );
        let done = self.done_before(&id)?;
        let summary = job.summary(&done);
        let mut f = lock(&file);
        f.job = Some(job);
        f.job_id = Some(id);
        Ok(summary)
    }

    /// Rows an earlier run finished (created or skipped).
    fn done_before(&self, job_id: &str) -> Result<BTreeSet<u32>, Error> {
        Ok(self
            .bulk_ledger()?
            .rows(job_id)?
            .into_iter()
            .filter(|(_, s)| matches!(s, RowState::Created { .. } | RowState::Skipped { .. }))
            .map(|(r, _)| r)
            .collect())
    }

    /// The summary as it stands (after fixes, rows left out, matching).
    pub fn bulk_summary(&self, file_id: &str) -> Result<DryRunSummary, Error> {
        let file = self.bulk_file(file_id)?;
        let f = lock(&file);
        let job = f.job.as_ref().ok_or_else(no_dry_run)?;
        let done = match &f.job_id {
            Some(id) => self.done_before(id)?,
            None => BTreeSet::new(),
        };
        Ok(job.summary(&done))
    }

    /// A page of the table, in the file's order, of the rows `filter` selects.
    pub fn bulk_rows(&self, query: &RowsQuery) -> Result<RowsPage, Error> {
        let file = self.bulk_file(&query.file_id)?;
        let f = lock(&file);
        let job = f.job.as_ref().ok_or_else(no_dry_run)?;
        let known = match &f.job_id {
            Some(id) => self.bulk_ledger()?.rows(id)?,
            None => BTreeMap::new(),
        };
        let limit = match query.limit {
            0 => 100,
            n => n.clamp(1, 500) as usize,
        };
        let mut total = 0u64;
        let mut rows = Vec::new();
        for i in job.data_rows() {
            let view = row_view(job, i, &known);
            let wanted = match query.filter {
                RowFilter::All => true,
                RowFilter::NeedsFixing => view.state == RowState::NeedsFixing,
                RowFilter::Ready => view.state == RowState::Ready,
                RowFilter::Skipped => matches!(view.state, RowState::Skipped { .. }),
                RowFilter::Created => matches!(view.state, RowState::Created { .. }),
                RowFilter::Failed => matches!(view.state, RowState::Failed { .. }),
            };
            if !wanted {
                continue;
            }
            if total >= u64::from(query.offset) && rows.len() < limit {
                rows.push(view);
            }
            total += 1;
        }
        Ok(RowsPage { rows, total })
    }

    /// Fixes one cell in place and checks its row again. The fix stays in
    /// memory (and in what the row's run sends); the file is not changed.
    pub fn bulk_fix_cell(
        &self,
        file_id: &str,
        row: u32,
        column: u32,
        value: String,
    ) -> Result<RowView, Error> {
        let file = self.bulk_file(file_id)?;
        let mut f = lock(&file);
        let known = match &f.job_id {
            Some(id) => self.bulk_ledger()?.rows(id)?,
            None => BTreeMap::new(),
        };
        let job = f.job.as_mut().ok_or_else(no_dry_run)?;
        let i = job
            .table()
            .index_of(row)
            .filter(|i| job.data_rows().contains(i))
            .ok_or_else(|| Error::NotFound(format!("There is no row {row} to fix.")))?;
        if column as usize >= job.columns.len() {
            return Err(Error::NotFound(format!("There is no column {column}.")));
        }
        job.fixes.insert((row, column), value);
        job.recheck(i);
        Ok(row_view(job, i, &known))
    }

    /// Leaves rows out of the run (or takes them back).
    pub fn bulk_leave_out(
        &self,
        file_id: &str,
        rows: &[u32],
        left_out: bool,
    ) -> Result<DryRunSummary, Error> {
        {
            let file = self.bulk_file(file_id)?;
            let mut f = lock(&file);
            let job = f.job.as_mut().ok_or_else(no_dry_run)?;
            for r in rows {
                if left_out {
                    job.left_out.insert(*r);
                } else {
                    job.left_out.remove(r);
                }
            }
        }
        self.bulk_summary(file_id)
    }

    /// "Skip the bad rows": every row that needs fixing is left out.
    pub fn bulk_leave_out_rows_to_fix(&self, file_id: &str) -> Result<DryRunSummary, Error> {
        let rows: Vec<u32> = {
            let file = self.bulk_file(file_id)?;
            let f = lock(&file);
            let job = f.job.as_ref().ok_or_else(no_dry_run)?;
            job.problems.keys().copied().collect()
        };
        self.bulk_leave_out(file_id, &rows, true)
    }

    /// "Skip rows whose customer already exists": asks Stripe for each
    /// ready row, by the dry run's choice; `progress` hears how far it got.
    pub async fn bulk_find_existing(
        &self,
        file_id: &str,
        expected: &ExpectedConnection,
        progress: &mut (dyn FnMut(&MatchProgress) + Send),
    ) -> Result<MatchProgress, Error> {
        let (_, auth) = self.connections().expected_auth(expected).await?;
        let file = self.bulk_file(file_id)?;
        let job = lock(&file).job.clone().ok_or_else(no_dry_run)?;
        let mut last = None;
        let mut tell = |p: &MatchProgress| {
            last = Some(p.clone());
            progress(p);
        };
        let found = find_existing(
            self.client(),
            &auth,
            &job,
            &job.options.skip_existing,
            &mut tell,
        )
        .await?;
        if let Some(j) = lock(&file).job.as_mut() {
            j.existing = found;
        }
        Ok(last.unwrap_or(MatchProgress {
            checked: 0,
            total: 0,
            existing: 0,
            sentence: None,
        }))
    }

    /// What a run over the file will do on the connection the person sees;
    /// in live mode, with the confirmation Run must carry.
    pub async fn bulk_plan(
        &self,
        file_id: &str,
        expected: &ExpectedConnection,
        retry_failed: bool,
    ) -> Result<BulkPlan, Error> {
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let file = self.bulk_file(file_id)?;
        let (rows, writes, name, out) = {
            let f = lock(&file);
            let job = f.job.as_ref().ok_or_else(no_dry_run)?;
            let id = job_id(
                &account.id,
                account.livemode,
                job.content_hash(),
                &job.target_key,
            );
            let known = self.bulk_ledger()?.rows(&id)?;
            let rows = job
                .data_rows()
                .filter(|i| {
                    let row = job.table().number(*i);
                    let state = known.get(&row);
                    let take = match state {
                        Some(RowState::Created { .. } | RowState::Skipped { .. }) => false,
                        Some(RowState::Failed { .. }) => retry_failed,
                        Some(RowState::Running) => true,
                        _ => !retry_failed,
                    };
                    take && job.skip_reason(row).is_none() && !job.problems.contains_key(&row)
                })
                .count() as u64;
            (
                rows,
                rows * job.target.writes(),
                job.target.name(),
                moves_out(&job.target),
            )
        };
        let mode = if account.livemode { "live" } else { "test" };
        let sentence = format!(
            "Run “{name}” for {} {} in {} ({mode} mode): {} {} to Stripe.",
            thousands(rows),
            plural(rows, "row", "rows"),
            account.name,
            thousands(writes),
            plural(writes, "write", "writes"),
        );
        let sentence = match out.is_empty() {
            true => sentence,
            false => format!(
                "{sentence} It sends out of the account: {}.",
                out.join("; ")
            ),
        };
        let confirmation = (account.livemode || !out.is_empty()).then(|| {
            self.issue_bulk_confirmation(format!("bulk:{file_id}:{retry_failed}"), &record.id)
        });
        Ok(BulkPlan {
            account,
            rows,
            writes,
            sentence,
            moves_out: out,
            confirmation,
        })
    }

    pub(super) fn issue_bulk_confirmation(&self, subject: String, connection_id: &str) -> String {
        let token = crate::stripe::random_token("confirm");
        let mut pending = lock(&self.bulk().confirmations);
        pending.retain(|_, p| p.issued.elapsed() < CONFIRMATION_LIFETIME);
        pending.insert(
            token.clone(),
            Pending {
                subject,
                connection_id: connection_id.to_owned(),
                issued: Instant::now(),
            },
        );
        token
    }

    pub(super) fn take_bulk_confirmation(
        &self,
        subject: &str,
        connection_id: &str,
        token: Option<&str>,
    ) -> Result<(), Error> {
        let refused = || {
            Error::invalid(
                Code::ConfirmationNeeded,
                "This writes to your live account and needs your confirmation first. Nothing was sent: press Run again and read what it will do.",
                None,
            )
        };
        let token = token.ok_or_else(refused)?;
        let pending = lock(&self.bulk().confirmations)
            .remove(token)
            .ok_or_else(refused)?;
        if pending.subject != subject
            || pending.connection_id != connection_id
            || pending.issued.elapsed() >= CONFIRMATION_LIFETIME
        {
            return Err(Error::invalid(
                Code::ConfirmationStale,
                "What you confirmed is not what would run now (the file, the account, or ten minutes passed). Nothing was sent: press Run again.",
                None,
            ));
        }
        Ok(())
    }

    /// Runs the file's ready rows (or, with `retry_failed`, the failed ones
    /// again) on the connection the person sees; `progress` hears each
    /// change. Live mode needs the plan's confirmation.
    pub async fn bulk_run(
        &self,
        file_id: &str,
        expected: &ExpectedConnection,
        retry_failed: bool,
        confirmation: Option<&str>,
        progress: &mut (dyn FnMut(&BulkProgress) + Send),
    ) -> Result<BulkProgress, Error> {
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let file = self.bulk_file(file_id)?;
        let sends_out = {
            let f = lock(&file);
            let job = f.job.as_ref().ok_or_else(no_dry_run)?;
            !moves_out(&job.target).is_empty()
        };
        if account.livemode || sends_out {
            self.take_bulk_confirmation(
                &format!("bulk:{file_id}:{retry_failed}"),
                &record.id,
                confirmation,
            )?;
        }
        let control = Arc::new(Control::default());
        let job = {
            let mut f = lock(&file);
            if f.control.as_ref().is_some_and(|c| {
                !matches!(c.state(), BulkRunState::Cancelled | BulkRunState::Finished)
            }) {
                return Err(Error::invalid(
                    Code::BulkRunning,
                    "This file is being run now. Wait until that run ends, or stop it, then try again.",
                    None,
                ));
            }
            f.control = Some(control.clone());
            f.job.clone().ok_or_else(no_dry_run)?
        };
        let runner = Runner {
            client: self.client(),
            auth: &auth,
            ledger: self.bulk_ledger()?,
            data_dir: self.data_dir(),
            account,
            control: control.clone(),
            concurrency: None,
        };
        let which = if retry_failed {
            Which::Failed
        } else {
            Which::NotDone
        };
        let result = runner.run(&job, which, progress).await;
        control.cancel();
        let mut f = lock(&file);
        f.control = None;
        if let Ok(p) = &result {
            f.job_id = Some(p.job_id.clone());
        }
        if let Err(e) = &result {
            self.note_call_error(&record.id, e);
        }
        result
    }

    fn bulk_control(&self, file_id: &str) -> Result<Arc<Control>, Error> {
        let file = self.bulk_file(file_id)?;
        let f = lock(&file);
        f.control.clone().ok_or_else(|| {
            Error::invalid(
                Code::BulkNotRunning,
                "This file is not being run now.",
                None,
            )
        })
    }

    /// Pause: rows already sent finish, no new one starts until Resume.
    pub fn bulk_pause(&self, file_id: &str) -> Result<(), Error> {
        self.bulk_control(file_id)?.pause();
        Ok(())
    }

    pub fn bulk_resume(&self, file_id: &str) -> Result<(), Error> {
        self.bulk_control(file_id)?.resume();
        Ok(())
    }

    /// Cancel: rows already sent finish, and the run ends. Running the
    /// file again later continues where it stopped.
    pub fn bulk_cancel(&self, file_id: &str) -> Result<(), Error> {
        self.bulk_control(file_id)?.cancel();
        Ok(())
    }

    /// Writes the file with each row's outcome to `to`, a path the person
    /// picked in the system's save dialog.
    pub async fn bulk_save_results(
        &self,
        file_id: &str,
        to: &Path,
        format: ResultsFormat,
    ) -> Result<(), Error> {
        let file = self.bulk_file(file_id)?;
        let (job, id) = {
            let f = lock(&file);
            (f.job.clone().ok_or_else(no_dry_run)?, f.job_id.clone())
        };
        let states = match id {
            Some(id) => self.bulk_ledger()?.rows(&id)?,
            None => BTreeMap::new(),
        };
        let to = to.to_path_buf();
        tokio::task::spawn_blocking(move || super::results::write(&job, &states, &to, format))
            .await
            .map_err(|e| Error::Storage(e.to_string()))?
    }

    /// The opened file's name without its extension, for the name the
    /// save dialog suggests.
    pub fn bulk_file_stem(&self, file_id: &str) -> Result<String, Error> {
        let file = self.bulk_file(file_id)?;
        let name = lock(&file).name.clone();
        Ok(Path::new(&name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or(name))
    }

    /// Forgets an opened file (its cells and fixes).
    pub fn bulk_close(&self, file_id: &str) {
        lock(&self.bulk().files).remove(file_id);
    }

    /// Every run over a file on this computer, newest first.
    pub fn bulk_jobs(&self) -> Result<Vec<BulkJobSummary>, Error> {
        self.bulk_ledger()?.jobs()
    }
}

/// A row of the table: its cells (with fixes, sensitive ones hidden), its
/// state and mistakes.
fn row_view(job: &Job, i: usize, known: &BTreeMap<u32, RowState>) -> RowView {
    let row = job.table().number(i);
    let cells = (0..job.columns.len())
        .map(|c| super::mask::shown(job.cell_text(i, c as u32), job.columns[c].sensitive))
        .collect();
    let problems = job.problems.get(&row).cloned().unwrap_or_default();
    let state = match known.get(&row) {
        Some(s @ (RowState::Created { .. } | RowState::Skipped { .. })) => s.clone(),
        Some(s @ (RowState::Failed { .. } | RowState::Running)) if problems.is_empty() => s.clone(),
        _ => match job.skip_reason(row) {
            Some(reason) => RowState::Skipped { reason },
            None if !problems.is_empty() => RowState::NeedsFixing,
            None => RowState::Ready,
        },
    };
    let fixed = job
        .fixes
        .keys()
        .filter(|(r, _)| *r == row)
        .map(|(_, c)| *c)
        .collect();
    RowView {
        row,
        cells,
        state,
        problems,
        fixed,
    }
}
