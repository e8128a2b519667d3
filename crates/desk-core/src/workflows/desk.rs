//! The workflows as the window uses them: stored in the data dir, checked
//! against the real actions, run on the connection the person saw.
//!
//! A run that needs confirming (live mode with writes, a step that sends
//! money or data out of the account, or a step sent again that cannot be
//! looked up) runs only with the one-time confirmation [`RunPlan`] handed
//! out for that workflow, those inputs, that connection and mode.

use super::bound::{ActionCatalog, ActionSteps};
use super::engine::{
    system_clock, unchecked_resends, GoAhead, RunAccount, RunError, RunHistory, RunRecord,
    StepState, ASK_ABOVE_ITEMS,
};
use super::flow::Resolver;
use super::menu::{menu, MenuEntry};
use super::model::{Flow, Problem, Workflow};
use super::reference::{Root, Template};
use super::review::{self, StepPlan, WorkflowReview};
use super::settings::{SettingsFile, WorkflowSettings};
use super::store::{Listing, WorkflowStore};
use super::words::{self, ReferenceWords};
use super::{templates, StepCatalog};
use crate::connections::saved::ConnectionRecord;
use crate::connections::ExpectedConnection;
use crate::error::{Code, Error};
use crate::money::NumberFormat;
use crate::stripe::Auth;
use crate::views::Mode;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use ts_rs::TS;

/// How long a confirmation shown to the person stays good.
const CONFIRMATION_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// What a run will do, and whether the person must confirm it first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunPlan {
    /// The account the run writes to (the one acted on, not the platform).
    pub account: RunAccount,
    /// Each step that creates or changes something, with its whole path
    /// and parameters (inputs as typed, earlier results in words).
    pub writes: Vec<StepPlan>,
    /// Steps that send money or data out of the account, in words.
    pub moves_out: Vec<String>,
    /// Steps that cannot be checked after 24 hours (they carry no tags).
    pub unchecked: Vec<String>,
    /// For a Resume: steps that may already have been done and would be
    /// sent again without a way to check.
    pub resend_unchecked: Vec<String>,
    /// Each "For each": how many items (when known now) and writes.
    pub loops: Vec<LoopPlan>,
    /// Present when the run must be confirmed: passed back with Run or
    /// Resume, once, within ten minutes.
    pub confirmation: Option<String>,
}

/// What a "For each" will go through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LoopPlan {
    /// The "For each" step's name in the file.
    pub step: String,
    /// Its number in reading order, from 1.
    pub number: u32,
    /// How many items it will go through, when that is known before the
    /// run: a list typed as an input, or a Resume's list already fetched.
    pub items: Option<u32>,
    /// At most this many, when the list is fetched during the run (every
    /// page, up to the limit set on the list step).
    pub at_most: Option<u32>,
    /// Creates or changes for each item.
    pub writes_per_item: u32,
    /// Items that are done already (a Resume).
    pub done: u32,
    /// More than 50 items: the run asks before it goes through them.
    pub asks_first: bool,
    /// In words, naming the account and mode: "Step 2 (For each) will go
    /// through 250 items, with 1 change each: 250 changes in Shop (live mode)."
    pub says: String,
}

/// What the editor shows beside the fields: references in words, and notes
/// on steps (cannot be checked after a day, sends data out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct EditorWords {
    pub references: Vec<ReferenceWords>,
    pub notes: Vec<StepNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StepNote {
    /// The step's name in the file.
    pub step: String,
    pub note: String,
}

/// A confirmation handed out with a plan, until it is used or expires.
struct Pending {
    workflow_id: String,
    run_id: Option<String>,
    connection_id: String,
    mode: Mode,
    digest: u64,
    resend_unchecked: bool,
    many_items: bool,
    issued: Instant,
}

/// What a confirmation the person gave covers, beyond the plan.
#[derive(Debug, Clone, Copy, Default)]
struct Confirmed {
    resend_unchecked: bool,
    many_items: bool,
}

/// The workflows' state in [`crate::Desk`]: confirmations handed out.
#[derive(Default)]
pub struct WorkflowsState {
    confirmations: Mutex<HashMap<String, Pending>>,
}

/// Ties a confirmation to exactly what was shown: the workflow as saved,
/// the inputs and, for a Resume, the run.
fn digest(workflow: &Workflow, typed: &BTreeMap<String, String>, run_id: Option<&str>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(workflow)
        .unwrap_or_default()
        .hash(&mut h);
    typed.hash(&mut h);
    run_id.hash(&mut h);
    h.finish()
}

fn unchecked_sentence(step: &str) -> String {
    format!("{step} cannot be checked after 24 hours: if a run stops there with no answer from Stripe and is resumed more than a day later, Stripe Desk cannot tell whether it was done.")
}

/// How a run begins: new with its inputs, or resumed (with new inputs, if given).
enum Begin<'a> {
    New(BTreeMap<String, String>),
    Resume {
        run_id: &'a str,
        inputs: Option<BTreeMap<String, String>>,
    },
}

impl Begin<'_> {
    fn run_id(&self) -> Option<&str> {
        match self {
            Begin::New(_) => None,
            Begin::Resume { run_id, .. } => Some(run_id),
        }
    }
}

impl crate::Desk {
    fn workflow_store(&self) -> WorkflowStore {
        WorkflowStore::new(self.data_dir())
    }

    fn run_history(&self) -> RunHistory {
        RunHistory::new(self.data_dir())
    }

    fn workflow_settings_file(&self) -> SettingsFile {
        SettingsFile::new(self.data_dir())
    }

    /// Every saved workflow by name, and the files that were refused.
    pub fn list_workflows(&self) -> Result<Listing, Error> {
        self.workflow_store().list()
    }

    /// The ready templates, each a new unsaved workflow.
    pub fn workflow_templates(&self) -> Vec<Workflow> {
        templates::all()
    }

    /// A new, empty and saved workflow with its own ID.
    pub fn new_workflow(&self) -> Result<Workflow, Error> {
        let workflow = Workflow::new("New workflow");
        self.workflow_store().save(&workflow)?;
        Ok(workflow)
    }

    /// Saves `workflow`, keeping whether it was reviewed as stored: the
    /// window cannot mark an imported workflow reviewed by saving it.
    fn save_keeping_review(&self, workflow: &mut Workflow) -> Result<(), Error> {
        let store = self.workflow_store();
        if let Ok(stored) = store.load(&workflow.id) {
            workflow.reviewed = stored.reviewed;
        }
        store.save(workflow)
    }

    /// Saves a workflow (new or changed) and says what would stop it from
    /// running; a workflow with problems is still saved, as typed.
    pub fn save_workflow(&self, workflow: &Workflow) -> Result<Vec<Problem>, Error> {
        let mut workflow = workflow.clone();
        self.save_keeping_review(&mut workflow)?;
        Ok(workflow.check(&ActionCatalog))
    }

    /// Every problem that would stop a run, each at its step and field.
    pub fn check_workflow(&self, workflow: &Workflow) -> Vec<Problem> {
        workflow.check(&ActionCatalog)
    }

    pub fn rename_workflow(&self, id: &str, name: &str) -> Result<Workflow, Error> {
        self.workflow_store().rename(id, name)
    }

    /// Renames a step and every reference to it (`{{old.id}}` becomes
    /// `{{new.id}}`), then saves the workflow.
    pub fn rename_workflow_step(
        &self,
        mut workflow: Workflow,
        old: &str,
        new: &str,
    ) -> Result<Workflow, Error> {
        workflow
            .rename_step(old, new)
            .map_err(|why| Error::invalid(Code::InvalidStepName, why, Some(old)))?;
        self.save_keeping_review(&mut workflow)?;
        Ok(workflow)
    }

    /// Renames an input and every `{{input.<old>}}` in the steps, then
    /// saves the workflow. A clash or an invalid name is refused at the input.
    pub fn rename_workflow_input(
        &self,
        mut workflow: Workflow,
        old: &str,
        new: &str,
    ) -> Result<Workflow, Error> {
        workflow
            .rename_input(old, new)
            .map_err(|why| Error::invalid(Code::InvalidInputName, why, Some(old)))?;
        self.save_keeping_review(&mut workflow)?;
        Ok(workflow)
    }

    pub fn duplicate_workflow(&self, id: &str) -> Result<Workflow, Error> {
        self.workflow_store().duplicate(id)
    }

    /// Deletes the workflow and returns it, so the window can undo by saving it again.
    pub fn delete_workflow(&self, id: &str) -> Result<Workflow, Error> {
        self.workflow_store().delete(id)
    }

    /// Writes the workflow to `to`: a path the person picked in the
    /// system's save dialog (the window never names one).
    pub fn export_workflow(&self, id: &str, to: &Path) -> Result<(), Error> {
        self.workflow_store().export(id, to)
    }

    /// Adds the workflow in `from` (picked in the system's open dialog),
    /// not yet reviewed, and says what it will do.
    pub fn import_workflow(&self, from: &Path) -> Result<WorkflowReview, Error> {
        let imported = self.workflow_store().import(from)?;
        Ok(review::review(&imported))
    }

    /// What a saved workflow will do, step by step, in words.
    pub fn workflow_review(&self, id: &str) -> Result<WorkflowReview, Error> {
        Ok(review::review(&self.workflow_store().load(id)?))
    }

    /// The person read what an imported workflow does and accepts it: it
    /// may run from now on.
    pub fn accept_workflow(&self, id: &str) -> Result<Workflow, Error> {
        let store = self.workflow_store();
        let mut workflow = store.load(id)?;
        workflow.reviewed = true;
        store.save(&workflow)?;
        Ok(workflow)
    }

    /// What the `{{` menu offers in `field` of `step`, filtered by `typed`,
    /// with examples from the workflow's last run.
    pub fn workflow_menu(
        &self,
        workflow: &Workflow,
        step: &str,
        field: &str,
        typed: &str,
    ) -> Vec<MenuEntry> {
        let runs = self.run_history().list(&workflow.id).unwrap_or_default();
        menu(workflow, step, field, &ActionCatalog, runs.first(), typed)
    }

    /// The references in the workflow in words, and notes on its steps.
    pub fn workflow_words(&self, workflow: &Workflow) -> EditorWords {
        let catalog = &ActionCatalog;
        let mut notes = Vec::new();
        if workflow.over_limit().is_none() {
            for (i, placed) in workflow.placed().iter().enumerate() {
                let step = placed.step;
                let plan = review::plan_step(workflow, i, None);
                if let Some(what) = &plan.moves_out {
                    notes.push(StepNote {
                        step: step.name.clone(),
                        note: format!(
                            "This step {what}. Every run asks you first, in test mode too."
                        ),
                    });
                }
                if plan.unchecked {
                    notes.push(StepNote {
                        step: step.name.clone(),
                        note: "If a run stops at this step with no answer from Stripe, Stripe Desk can check whether it was done only within 24 hours.".into(),
                    });
                }
            }
        }
        EditorWords {
            references: words::references_in(catalog, workflow),
            notes,
        }
    }

    /// How long run history is kept.
    pub fn workflow_settings(&self) -> WorkflowSettings {
        self.workflow_settings_file().load()
    }

    /// Changes how long run history is kept; older runs go at once.
    pub fn set_workflow_settings(
        &self,
        settings: WorkflowSettings,
    ) -> Result<WorkflowSettings, Error> {
        self.workflow_settings_file().save(settings)
    }

    /// The workflow's runs, newest first, once those older than the
    /// history's length are removed.
    pub fn workflow_runs(&self, workflow_id: &str) -> Result<Vec<RunRecord>, Error> {
        let history = self.run_history();
        history.prune(
            workflow_id,
            self.workflow_settings().run_history_days,
            system_clock(),
        )?;
        history.list(workflow_id)
    }

    /// The account a run on this connection writes to: its own, or the
    /// one it acts on (named by Stripe, or by its ID if Stripe cannot say).
    pub(crate) async fn run_account(&self, record: &ConnectionRecord, auth: &Auth) -> RunAccount {
        let livemode = record.mode == Mode::Live;
        match &record.account_override {
            Some(acting_on) => {
                let name = crate::connections::connection_test::fetch_account(self.client(), auth)
                    .await
                    .map(|a| a.display_name())
                    .unwrap_or_else(|_| acting_on.clone());
                RunAccount {
                    id: acting_on.clone(),
                    name,
                    livemode,
                    through: Some(record.display_name.clone()),
                }
            }
            None => RunAccount {
                id: auth
                    .stripe_account
                    .clone()
                    .unwrap_or_else(|| record.account_id.clone()),
                name: record.display_name.clone(),
                livemode,
                through: None,
            },
        }
    }

    /// What a run (or, with `run_id`, a Resume) with these inputs will do
    /// on the connection the person sees, and whether it must be confirmed.
    pub async fn workflow_plan(
        &self,
        workflow_id: &str,
        expected: &ExpectedConnection,
        inputs: BTreeMap<String, String>,
        run_id: Option<&str>,
        number_format: NumberFormat,
    ) -> Result<RunPlan, Error> {
        let workflow = self.workflow_store().load(workflow_id)?;
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let run = match run_id {
            Some(id) => Some(self.run_history().load(workflow_id, id)?),
            None => None,
        };
        let mut plan = plan_for(&workflow, account, &inputs, run.as_ref(), number_format);
        if needs_confirmation(&plan) {
            let token = crate::stripe::random_token("confirm");
            let mut pending = self.workflows_state().confirmations.lock().unwrap();
            pending.retain(|_, p| p.issued.elapsed() < CONFIRMATION_LIFETIME);
            pending.insert(
                token.clone(),
                Pending {
                    workflow_id: workflow.id.clone(),
                    run_id: run_id.map(str::to_owned),
                    connection_id: record.id.clone(),
                    mode: record.mode,
                    digest: digest(&workflow, &inputs, run_id),
                    resend_unchecked: !plan.resend_unchecked.is_empty(),
                    many_items: plan.loops.iter().any(|l| l.asks_first),
                    issued: Instant::now(),
                },
            );
            plan.confirmation = Some(token);
        }
        Ok(plan)
    }

    /// Runs the saved workflow on the connection the person saw; `progress`
    /// hears of every step starting and ending.
    pub async fn run_workflow(
        &self,
        workflow_id: &str,
        expected: &ExpectedConnection,
        inputs: BTreeMap<String, String>,
        number_format: NumberFormat,
        confirmation: Option<&str>,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        let begin = Begin::New(inputs);
        self.drive_workflow(
            workflow_id,
            expected,
            begin,
            number_format,
            confirmation,
            progress,
        )
        .await
    }

    /// Continues a failed or interrupted run with the workflow as saved now
    /// (the user's fixes) and, if given, new inputs.
    #[allow(clippy::too_many_arguments)]
    pub async fn resume_workflow(
        &self,
        workflow_id: &str,
        run_id: &str,
        expected: &ExpectedConnection,
        inputs: Option<BTreeMap<String, String>>,
        number_format: NumberFormat,
        confirmation: Option<&str>,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        let begin = Begin::Resume { run_id, inputs };
        self.drive_workflow(
            workflow_id,
            expected,
            begin,
            number_format,
            confirmation,
            progress,
        )
        .await
    }

    fn workflows_state(&self) -> &WorkflowsState {
        self.workflows()
    }

    /// Takes the confirmation handed out for exactly this run, if the run
    /// needs one: refused when it is missing, used, expired, or was shown
    /// for another workflow, other inputs, connection or mode. Returns
    /// what it covers: sending unchecked steps again, many items.
    fn take_confirmation(
        &self,
        plan: &RunPlan,
        workflow: &Workflow,
        record: &ConnectionRecord,
        typed: &BTreeMap<String, String>,
        run_id: Option<&str>,
        confirmation: Option<&str>,
    ) -> Result<Confirmed, Error> {
        if !needs_confirmation(plan) {
            return Ok(Confirmed::default());
        }
        let missing = || {
            Error::invalid(
                Code::ConfirmationNeeded,
                "This run needs your confirmation first. Nothing was sent: press Run again and read what it will do.",
                None,
            )
        };
        let token = confirmation.ok_or_else(missing)?;
        let pending = self
            .workflows_state()
            .confirmations
            .lock()
            .unwrap()
            .remove(token)
            .ok_or_else(missing)?;
        let same = pending.workflow_id == workflow.id
            && pending.run_id.as_deref() == run_id
            && pending.connection_id == record.id
            && pending.mode == record.mode
            && pending.digest == digest(workflow, typed, run_id)
            && pending.issued.elapsed() < CONFIRMATION_LIFETIME;
        if !same {
            return Err(Error::invalid(
                Code::ConfirmationStale,
                "What you confirmed is not what would run now (the workflow, its inputs or the account changed, or ten minutes passed). Nothing was sent: press Run again to see what it will do.",
                None,
            ));
        }
        Ok(Confirmed {
            resend_unchecked: pending.resend_unchecked,
            many_items: pending.many_items,
        })
    }

    /// The engine bound to the actions on the connection the person saw,
    /// for a new run or a resumed one.
    async fn drive_workflow(
        &self,
        workflow_id: &str,
        expected: &ExpectedConnection,
        begin: Begin<'_>,
        number_format: NumberFormat,
        confirmation: Option<&str>,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        let workflow = self.workflow_store().load(workflow_id)?;
        if !workflow.reviewed {
            return Err(Error::invalid(
                Code::WorkflowNotReviewed,
                "This workflow came from a file and has not been reviewed yet. Nothing was sent: read what it does, and accept it, before running it.",
                None,
            )
            .into());
        }
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let history = self.run_history();
        let run = match &begin {
            Begin::Resume { run_id, .. } => Some(history.load(workflow_id, run_id)?),
            Begin::New(_) => None,
        };
        let typed = match &begin {
            Begin::New(inputs) => inputs.clone(),
            Begin::Resume { inputs, .. } => inputs
                .clone()
                .or_else(|| run.as_ref().map(|r| r.inputs.clone()))
                .unwrap_or_default(),
        };
        let plan = plan_for(
            &workflow,
            account.clone(),
            &typed,
            run.as_ref(),
            number_format,
        );
        let confirmed = self.take_confirmation(
            &plan,
            &workflow,
            &record,
            &typed,
            begin.run_id(),
            confirmation,
        )?;
        let steps = ActionSteps {
            client: self.client(),
            auth: &auth,
        };
        let mut engine = steps.engine(&history, number_format);
        engine.resend_unchecked = confirmed.resend_unchecked;
        let go_ahead = GoAhead {
            many_items: confirmed.many_items,
        };
        let run = match begin {
            Begin::New(inputs) => {
                // Old runs go before a new one is added.
                let days = self.workflow_settings().run_history_days;
                let _ = history.prune(&workflow.id, days, system_clock());
                engine
                    .start_with(&workflow, account, inputs, go_ahead, progress)
                    .await
            }
            Begin::Resume { run_id, inputs } => {
                engine
                    .resume_with(&workflow, run_id, &account, inputs, go_ahead, progress)
                    .await
            }
        };
        self.note_revoked(&record.id, &run);
        run
    }

    /// A step refused because the connection was revoked marks it, as
    /// the actions do.
    fn note_revoked(&self, connection_id: &str, run: &Result<RunRecord, RunError>) {
        if let Err(RunError::Other(e)) = run {
            self.note_call_error(connection_id, e);
        }
    }
}

/// Whether the person must confirm before the run: it writes in live mode,
/// sends money or data out of the account, sends again a step that cannot
/// be checked, or goes through more than 50 items.
fn needs_confirmation(plan: &RunPlan) -> bool {
    (plan.account.livemode && !plan.writes.is_empty())
        || !plan.moves_out.is_empty()
        || !plan.resend_unchecked.is_empty()
        || plan.loops.iter().any(|l| l.asks_first)
}

/// The plan of a new run (`run` is `None`) or of a Resume of `run`.
pub fn plan_for(
    workflow: &Workflow,
    account: RunAccount,
    typed: &BTreeMap<String, String>,
    run: Option<&RunRecord>,
    number_format: NumberFormat,
) -> RunPlan {
    let catalog = &ActionCatalog;
    let too_big = workflow.over_limit().is_some();
    let resolver = Resolver::new(workflow, catalog);
    let record = |name: &str| run.and_then(|r| r.step(name));
    let done = |name: &str| record(name).is_some_and(|s| matches!(s.state, StepState::Done { .. }));
    // A step inside a "For each" that is done is done for every item.
    let loop_done = |p: &crate::workflows::flow::Placed<'_>| {
        p.in_loop.is_some_and(|at| done(resolver.placed[at].name()))
    };
    let writes: Vec<StepPlan> = if too_big {
        Vec::new()
    } else {
        resolver
            .placed
            .iter()
            .filter(|p| p.step.flow.is_none() && catalog.writes(&p.step.action))
            .filter(|p| !done(p.name()) && !loop_done(p))
            // A Resume does not send what its branch skipped.
            .filter(|p| record(p.name()).is_none_or(|r| r.skipped.is_none()))
            .map(|p| review::plan_step(workflow, p.index, Some(typed)))
            .filter(|p| p.writes)
            .collect()
    };
    let step_words = |p: &StepPlan| words::step_words(catalog, workflow, p.number as usize - 1);
    let moves_out = writes
        .iter()
        .filter_map(|p| {
            let what = p.moves_out.as_ref()?;
            Some(format!(
                "{} {what}: {} {}.",
                step_words(p),
                p.method,
                p.path
            ))
        })
        .collect();
    let unchecked = writes
        .iter()
        .filter(|p| p.unchecked)
        .map(|p| unchecked_sentence(&step_words(p)))
        .collect();
    let inputs = workflow.check_inputs(typed, number_format).ok();
    let resend_unchecked = match (run, &inputs) {
        (Some(run), Some(inputs)) => {
            unchecked_resends(catalog, workflow, run, inputs, system_clock())
                .into_iter()
                .map(|u| {
                    let item = u.item.map(|i| format!(", for {i},")).unwrap_or_default();
                    format!(
                        "{}{item} may already have been done: Stripe did not answer, and more than a day has passed, so Stripe Desk cannot check. Look in the Stripe Dashboard first; confirm only if it was not done.",
                        words::step_words(catalog, workflow, u.index)
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let loops = if too_big {
        Vec::new()
    } else {
        loop_plans(&resolver, &account, &writes, run, inputs.as_ref())
    };
    RunPlan {
        account,
        writes,
        moves_out,
        unchecked,
        resend_unchecked,
        loops,
        confirmation: None,
    }
}

/// Each "For each" not done yet: its items when known now, its writes.
fn loop_plans(
    resolver: &Resolver<'_>,
    account: &RunAccount,
    writes: &[StepPlan],
    run: Option<&RunRecord>,
    inputs: Option<&BTreeMap<String, serde_json::Value>>,
) -> Vec<LoopPlan> {
    let workflow = resolver.workflow;
    let mut out = Vec::new();
    for placed in &resolver.placed {
        let Some(Flow::ForEach { over, .. }) = &placed.step.flow else {
            continue;
        };
        let record = run.and_then(|r| r.step(placed.name()));
        if record.is_some_and(|r| matches!(r.state, StepState::Done { .. })) {
            continue;
        }
        let writes_per_item = writes
            .iter()
            .filter(|w| resolver.placed[w.number as usize - 1].in_loop == Some(placed.index))
            .count() as u32;
        let reference = Template::parse(over)
            .ok()
            .and_then(|t| t.whole_reference().cloned());
        // Known now: a list typed as an input, or the list a Resume fetched.
        let known = reference.as_ref().and_then(|r| {
            let value = match &r.root {
                Root::Input => inputs?.get(r.path.first()?)?.clone(),
                Root::Step(s) => {
                    let mut v = run?.output(s)?;
                    for seg in &r.path {
                        v = match v {
                            serde_json::Value::Object(o) => o.get(seg)?,
                            serde_json::Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
                            _ => return None,
                        };
                    }
                    v.clone()
                }
                Root::Item => return None,
            };
            value.as_array().map(|a| a.len() as u32)
        });
        let at_most = reference.as_ref().and_then(|r| match &r.root {
            Root::Step(s) => workflow.find(s)?.every_page_up_to,
            _ => None,
        });
        let lp = record.and_then(|r| r.items.as_ref());
        let done = lp.map(|l| l.done).unwrap_or(0);
        let gone_ahead = lp.is_some_and(|l| l.go_ahead);
        let asks_first = known.is_some_and(|n| n as usize > ASK_ABOVE_ITEMS) && !gone_ahead;
        let whose = resolver.step_words(placed.index);
        let place = format!(
            "in {} ({} mode)",
            account.name,
            if account.livemode { "live" } else { "test" }
        );
        let changes = |n: u32| {
            if n == 1 {
                "1 change".to_owned()
            } else {
                format!("{n} changes")
            }
        };
        let says = match (known, at_most) {
            (Some(n), _) => format!(
                "{whose} will go through {n} items{}, with {} each: {} {place}.",
                if done > 0 {
                    format!(" ({done} done already, {} left)", n.saturating_sub(done))
                } else {
                    String::new()
                },
                changes(writes_per_item),
                changes(n.saturating_sub(done) * writes_per_item)
            ),
            (None, Some(most)) => format!(
                "{whose} will go through every item found, up to {most}, with {} each: up to {} {place}. If there are more than {ASK_ABOVE_ITEMS}, the run asks you first.",
                changes(writes_per_item),
                changes(most * writes_per_item)
            ),
            (None, None) => format!(
                "{whose} will go through every item of {}, with {} each, {place}. If there are more than {ASK_ABOVE_ITEMS}, the run asks you first.",
                words::text_words(resolver.catalog, workflow, over),
                changes(writes_per_item)
            ),
        };
        out.push(LoopPlan {
            step: placed.step.name.clone(),
            number: placed.index as u32 + 1,
            items: known,
            at_most,
            writes_per_item,
            done,
            asks_first,
            says,
        });
    }
    out
}
