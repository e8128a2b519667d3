//! The workflows as the window uses them: stored in the data dir, checked
//! against the real actions, run on the current connection.

use super::bound::{ActionCatalog, ActionSteps};
use super::engine::{RunAccount, RunError, RunHistory, RunRecord};
use super::menu::{menu, MenuEntry};
use super::model::{Problem, Workflow};
use super::store::{Listing, WorkflowStore};
use super::templates;
use crate::error::Error;
use crate::money::NumberFormat;
use crate::views::Mode;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use ts_rs::TS;

/// What a run will do, for the one confirmation a live-mode run asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RunPlan {
    pub account: RunAccount,
    /// "create_customer: Create Customer", one per write step, in order.
    pub writes: Vec<String>,
}

impl crate::Desk {
    fn workflow_store(&self) -> WorkflowStore {
        WorkflowStore::new(self.data_dir())
    }

    fn run_history(&self) -> RunHistory {
        RunHistory::new(self.data_dir())
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

    /// Saves a workflow (new or changed) and says what would stop it from
    /// running; a workflow with problems is still saved, as typed.
    pub fn save_workflow(&self, workflow: &Workflow) -> Result<Vec<Problem>, Error> {
        self.workflow_store().save(workflow)?;
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
            .map_err(|why| Error::invalid("invalid_step_name", why, Some(old)))?;
        self.workflow_store().save(&workflow)?;
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
            .map_err(|why| Error::invalid("invalid_input_name", why, Some(old)))?;
        self.workflow_store().save(&workflow)?;
        Ok(workflow)
    }

    pub fn duplicate_workflow(&self, id: &str) -> Result<Workflow, Error> {
        self.workflow_store().duplicate(id)
    }

    /// Deletes the workflow and returns it, so the window can undo by saving it again.
    pub fn delete_workflow(&self, id: &str) -> Result<Workflow, Error> {
        self.workflow_store().delete(id)
    }

    pub fn export_workflow(&self, id: &str, to: &Path) -> Result<(), Error> {
        self.workflow_store().export(id, to)
    }

    pub fn import_workflow(&self, from: &Path) -> Result<Workflow, Error> {
        self.workflow_store().import(from)
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

    /// The workflow's runs, newest first.
    pub fn workflow_runs(&self, workflow_id: &str) -> Result<Vec<RunRecord>, Error> {
        self.run_history().list(workflow_id)
    }

    async fn run_account(&self) -> Result<RunAccount, Error> {
        let (record, _) = self.current_auth().await?;
        Ok(RunAccount {
            id: record.account_id,
            name: record.display_name,
            livemode: record.mode == Mode::Live,
        })
    }

    /// The account a run would use and the steps that would create or
    /// change something there.
    pub async fn workflow_plan(&self, workflow_id: &str) -> Result<RunPlan, Error> {
        let workflow = self.workflow_store().load(workflow_id)?;
        let writes = workflow
            .write_steps(&ActionCatalog)
            .into_iter()
            .map(|s| {
                let field = |id: &str| s.fields.get(id).and_then(|v| v.as_str()).unwrap_or("");
                match crate::actions::find(&s.action) {
                    // The request to any endpoint: say which.
                    Some(a) if a.path.is_empty() => {
                        format!("{}: {} {}", s.name, field("method"), field("path"))
                    }
                    Some(a) => format!("{}: {}", s.name, a.name),
                    None => format!("{}: {}", s.name, s.action),
                }
            })
            .collect();
        Ok(RunPlan {
            account: self.run_account().await?,
            writes,
        })
    }

    /// Runs the saved workflow on the current connection; `progress` hears
    /// of every step starting and ending.
    pub async fn run_workflow(
        &self,
        workflow_id: &str,
        inputs: BTreeMap<String, String>,
        number_format: NumberFormat,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        self.drive_workflow(workflow_id, Begin::New(inputs), number_format, progress)
            .await
    }

    /// Continues a failed or interrupted run with the workflow as saved now
    /// (the user's fixes) and, if given, new inputs.
    pub async fn resume_workflow(
        &self,
        workflow_id: &str,
        run_id: &str,
        inputs: Option<BTreeMap<String, String>>,
        number_format: NumberFormat,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        let begin = Begin::Resume { run_id, inputs };
        self.drive_workflow(workflow_id, begin, number_format, progress)
            .await
    }

    /// The engine bound to the actions on the current connection, for a new
    /// run or a resumed one.
    async fn drive_workflow(
        &self,
        workflow_id: &str,
        begin: Begin<'_>,
        number_format: NumberFormat,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<RunRecord, RunError> {
        let workflow = self.workflow_store().load(workflow_id)?;
        let account = self.run_account().await?;
        let (record, auth) = self.current_auth().await?;
        let history = self.run_history();
        let steps = ActionSteps {
            client: self.client(),
            auth: &auth,
        };
        let engine = steps.engine(&history, number_format);
        let run = match begin {
            Begin::New(inputs) => engine.start(&workflow, account, inputs, progress).await,
            Begin::Resume { run_id, inputs } => {
                engine
                    .resume(&workflow, run_id, &account, inputs, progress)
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

/// How a run begins: new with its inputs, or resumed (with new inputs, if given).
enum Begin<'a> {
    New(BTreeMap<String, String>),
    Resume {
        run_id: &'a str,
        inputs: Option<BTreeMap<String, String>>,
    },
}
