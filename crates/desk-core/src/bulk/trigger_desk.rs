//! Workflows that start by themselves: the `Desk` entry points of a
//! workflow's trigger (set, planned, paused, removed, its backlog decided)
//! and the round the Activity poller's edge runs after each poll. Events
//! and their conditions are `triggers.rs`; each event's outcome is kept in
//! the same ledger as runs over a file.

use super::desk::moves_out;
use super::ledger::Ledger;
use super::mapping::TargetDef;
use super::triggers::{self, BACKLOG_WITHOUT_ASKING, EVENTS_KEPT_SECS};
use super::wire::*;
use crate::connections::ExpectedConnection;
use crate::error::{Code, Error};
use crate::workflows::engine::{Outcome, RunAccount, RunError, RunHistory, RunRecord, RunTrigger};
use crate::workflows::menu::MenuEntry;
use crate::workflows::{ActionCatalog, ActionSteps, Problem, StepCatalog, Workflow, WorkflowStore};
use crate::Desk;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;

/// Events a trigger looks at again, for events Stripe lists late.
const TRIGGER_LOOK_BACK_SECS: i64 = 10 * 60;

/// A trigger as kept in `<data dir>/bulk/triggers.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredTrigger {
    workflow_id: String,
    connection_id: String,
    account: RunAccount,
    spec: TriggerSpec,
    paused: bool,
    since: i64,
    /// The person said yes to a backlog of events up to this moment.
    #[serde(default)]
    approved_until: Option<i64>,
    /// Every event up to this moment was decided.
    #[serde(default)]
    checked_through: Option<i64>,
    #[serde(default)]
    waiting: Option<u64>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TriggersFile {
    format: String,
    version: u64,
    triggers: Vec<StoredTrigger>,
}

const TRIGGERS_FORMAT: &str = "stripe-desk-triggers";

fn view_of(t: &StoredTrigger) -> TriggerView {
    TriggerView {
        workflow_id: t.workflow_id.clone(),
        connection_id: t.connection_id.clone(),
        account: t.account.clone(),
        sentence: triggers::sentence(&t.spec),
        spec: t.spec.clone(),
        paused: t.paused,
        since: t.since,
        waiting: t.waiting,
    }
}

impl Desk {
    fn triggers_path(&self) -> PathBuf {
        self.data_dir().join("bulk").join("triggers.json")
    }

    fn load_triggers(&self) -> Result<Vec<StoredTrigger>, Error> {
        let path = self.triggers_path();
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::Storage(format!("{}: {e}", path.display()))),
        };
        let file: TriggersFile = serde_json::from_slice(&bytes)
            .map_err(|e| Error::Storage(format!("{} is damaged ({e})", path.display())))?;
        if file.format != TRIGGERS_FORMAT || file.version > 1 {
            return Err(Error::Storage(format!(
                "{} was written by another or a newer Stripe Desk.",
                path.display()
            )));
        }
        Ok(file.triggers)
    }

    fn save_triggers(&self, triggers: Vec<StoredTrigger>) -> Result<(), Error> {
        let file = TriggersFile {
            format: TRIGGERS_FORMAT.into(),
            version: 1,
            triggers,
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| Error::Storage(e.to_string()))?;
        crate::private_files::write_atomically(&self.triggers_path(), &bytes)
            .map_err(|e| Error::Storage(e.to_string()))
    }

    fn change_trigger(
        &self,
        workflow_id: &str,
        change: impl FnOnce(&mut StoredTrigger),
    ) -> Result<TriggerView, Error> {
        let mut all = self.load_triggers()?;
        let t = all
            .iter_mut()
            .find(|t| t.workflow_id == workflow_id)
            .ok_or_else(|| Error::NotFound("This workflow has no trigger.".into()))?;
        change(t);
        let view = view_of(t);
        self.save_triggers(all)?;
        Ok(view)
    }

    /// The kinds of event a workflow can start on, with their fields.
    pub fn trigger_kinds(&self) -> Vec<TriggerKind> {
        triggers::kinds()
    }

    /// Every problem of a workflow started by `event_type` events: the
    /// workflow's own, with `{{event.…}}` checked against that kind.
    pub fn trigger_check_workflow(&self, workflow: &Workflow, event_type: &str) -> Vec<Problem> {
        let shape = triggers::kind(event_type).map(|k| triggers::shape(&k));
        workflow.check_started_by(&ActionCatalog, shape.as_ref())
    }

    /// The `{{` menu of a step's field in a workflow started by
    /// `event_type` events: the event's fields first, then the usual.
    pub fn trigger_menu(
        &self,
        workflow: &Workflow,
        event_type: &str,
        step: &str,
        field: &str,
        typed: &str,
    ) -> Vec<MenuEntry> {
        let mut out = Vec::new();
        let Some(at) = workflow.find(step) else {
            return out;
        };
        let target = ActionCatalog
            .field_kind(&at.action, field)
            .unwrap_or(crate::workflows::Kind::Any);
        let typed_words = typed.trim().to_lowercase();
        if let Some(kind) = triggers::kind(event_type) {
            for f in &kind.fields {
                let path = format!("{}.{}", crate::workflows::reference::EVENT_ROOT, f.path);
                let words = format!("The event → {}", f.label);
                if !typed_words.is_empty()
                    && !path.contains(&typed_words)
                    && !words.to_lowercase().contains(&typed_words)
                {
                    continue;
                }
                out.push(MenuEntry {
                    insert: format!("{{{{{path}}}}}"),
                    path,
                    words,
                    fits: f.kind.fits(&target),
                    kind: f.kind.clone(),
                    example: None,
                    may_be_missing: None,
                });
            }
        }
        out.extend(self.workflow_menu(workflow, step, field, typed));
        out
    }

    /// The workflow's trigger, if it has one.
    pub fn workflow_trigger(&self, workflow_id: &str) -> Result<Option<TriggerView>, Error> {
        Ok(self
            .load_triggers()?
            .iter()
            .find(|t| t.workflow_id == workflow_id)
            .map(view_of))
    }

    /// What switching the trigger on does; in live mode, with the
    /// confirmation [`Desk::set_workflow_trigger`] must carry.
    pub async fn trigger_plan(
        &self,
        workflow_id: &str,
        expected: &ExpectedConnection,
        spec: &TriggerSpec,
    ) -> Result<TriggerPlan, Error> {
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        let workflow = WorkflowStore::new(self.data_dir()).load(workflow_id)?;
        let mode = if account.livemode { "live" } else { "test" };
        let sentence = format!(
            "{}, “{}” runs by itself in {} ({mode} mode), once for each event.",
            triggers::sentence(spec),
            workflow.name,
            account.name
        );
        let out = moves_out(&TargetDef::Workflow(workflow));
        let sentence = match out.is_empty() {
            true => sentence,
            false => format!(
                "{sentence} It sends out of the account: {}.",
                out.join("; ")
            ),
        };
        let confirmation = (account.livemode || !out.is_empty())
            .then(|| self.issue_bulk_confirmation(format!("trigger:{workflow_id}"), &record.id));
        Ok(TriggerPlan {
            account,
            sentence,
            confirmation,
        })
    }

    /// Sets (or changes) the workflow's trigger on the connection the
    /// person sees, switched on. Events from now on start it; in live mode
    /// only with the plan's confirmation.
    pub async fn set_workflow_trigger(
        &self,
        workflow_id: &str,
        expected: &ExpectedConnection,
        spec: TriggerSpec,
        confirmation: Option<&str>,
    ) -> Result<TriggerView, Error> {
        let workflow = WorkflowStore::new(self.data_dir()).load(workflow_id)?;
        if !workflow.reviewed {
            return Err(Error::invalid(
                Code::WorkflowNotReviewed,
                "This workflow came from a file and has not been reviewed yet: read what it does, and accept it, first.",
                None,
            ));
        }
        if let Some(problem) = triggers::check_spec(&spec).into_iter().next() {
            return Err(Error::invalid(Code::TriggerInvalid, problem, None));
        }
        let mut problems = self.trigger_check_workflow(&workflow, &spec.event_type);
        if let Err(p) = workflow.check_inputs(&spec.inputs, spec.number_format) {
            problems.extend(p);
        }
        if !problems.is_empty() {
            return Err(problems_error(problems));
        }
        let (record, auth) = self.connections().expected_auth(expected).await?;
        let account = self.run_account(&record, &auth).await;
        if account.livemode || !moves_out(&TargetDef::Workflow(workflow.clone())).is_empty() {
            self.take_bulk_confirmation(
                &format!("trigger:{workflow_id}"),
                &record.id,
                confirmation,
            )?;
        }
        let now = self.activity_now();
        let mut all = self.load_triggers()?;
        all.retain(|t| t.workflow_id != workflow_id);
        let stored = StoredTrigger {
            workflow_id: workflow_id.to_owned(),
            connection_id: record.id.clone(),
            account,
            spec,
            paused: false,
            since: now,
            approved_until: None,
            checked_through: None,
            waiting: None,
        };
        let view = view_of(&stored);
        all.push(stored);
        self.save_triggers(all)?;
        Ok(view)
    }

    /// Pauses the trigger, or switches it on again (live mode: with the
    /// confirmation of [`Desk::trigger_plan`]). Events that came while it
    /// was paused do not start the workflow.
    pub async fn pause_workflow_trigger(
        &self,
        workflow_id: &str,
        paused: bool,
        confirmation: Option<&str>,
    ) -> Result<TriggerView, Error> {
        let current = self
            .workflow_trigger(workflow_id)?
            .ok_or_else(|| Error::NotFound("This workflow has no trigger.".into()))?;
        let sends_out = WorkflowStore::new(self.data_dir())
            .load(workflow_id)
            .map(|w| !moves_out(&TargetDef::Workflow(w)).is_empty())
            .unwrap_or(true);
        if !paused && current.paused && (current.account.livemode || sends_out) {
            self.take_bulk_confirmation(
                &format!("trigger:{workflow_id}"),
                &current.connection_id,
                confirmation,
            )?;
        }
        let now = self.activity_now();
        self.change_trigger(workflow_id, |t| {
            if t.paused && !paused {
                t.since = now;
                t.checked_through = None;
                t.approved_until = None;
                t.waiting = None;
            }
            t.paused = paused;
        })
    }

    pub fn remove_workflow_trigger(&self, workflow_id: &str) -> Result<(), Error> {
        let mut all = self.load_triggers()?;
        all.retain(|t| t.workflow_id != workflow_id);
        self.save_triggers(all)
    }

    /// A backlog bigger than runs without asking: run it all (`run`), or
    /// let those events go without running.
    pub async fn trigger_backlog(
        &self,
        workflow_id: &str,
        run: bool,
    ) -> Result<TriggerView, Error> {
        let now = self.activity_now();
        if run {
            return self.change_trigger(workflow_id, |t| {
                t.approved_until = Some(now);
                t.waiting = None;
            });
        }
        // Every event waiting is decided: not run.
        let _round = self.bulk().triggers.lock().await;
        let t = self
            .load_triggers()?
            .into_iter()
            .find(|t| t.workflow_id == workflow_id)
            .ok_or_else(|| Error::NotFound("This workflow has no trigger.".into()))?;
        let ledger = self.bulk_ledger()?;
        let from = t
            .checked_through
            .map_or(t.since, |c| c - TRIGGER_LOOK_BACK_SECS)
            .max(t.since);
        let events = self
            .activity_events_of_type(&t.connection_id, &t.spec.event_type, from, 100_000)
            .await?;
        for (event, _) in events {
            let Some(id) = event["id"].as_str() else {
                continue;
            };
            if ledger.trigger_event(workflow_id, id)?.is_none() {
                let run_id = triggers::run_id_for(id, workflow_id).unwrap_or_default();
                ledger.set_trigger_event(
                    workflow_id,
                    id,
                    &run_id,
                    "skipped",
                    "You chose not to run the events that were waiting.",
                    None,
                    now,
                )?;
            }
        }
        self.change_trigger(workflow_id, |t| {
            t.waiting = None;
            t.checked_through = Some(now);
        })
    }

    /// Whether an event came from a write of this workflow: one of its runs
    /// (by hand, over a file, or started by an event), or a run started by
    /// an event one of its runs caused, however many workflows between.
    fn caused_by_itself(
        &self,
        ledger: &Ledger,
        workflow_id: &str,
        event: &Value,
    ) -> Result<bool, Error> {
        let Some(mut run) = triggers::writing_run(event) else {
            return Ok(false);
        };
        let history = RunHistory::new(self.data_dir());
        for _ in 0..20 {
            if history.load(workflow_id, &run).is_ok() {
                return Ok(true);
            }
            if let Some(BulkTarget::Workflow { workflow_id: w }) = ledger.bulk_run_target(&run)? {
                if w == workflow_id {
                    return Ok(true);
                }
            }
            match ledger.triggered_run(&run)? {
                Some((w, _)) if w == workflow_id => return Ok(true),
                Some((_, Some(cause))) => run = cause,
                _ => return Ok(false),
            }
        }
        Ok(false)
    }

    /// One round over every trigger that is on: each matching event heard
    /// by Activity since the trigger was switched on (at most Stripe's 30
    /// days back, so events that came while the app was closed too) runs
    /// its workflow once. More than [`BACKLOG_WITHOUT_ASKING`] new ones
    /// wait for the person's word. The edge calls this after each poll.
    pub async fn triggers_run_due(
        &self,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<TriggerRound, Error> {
        let _round = self.bulk().triggers.lock().await;
        let mut round = TriggerRound::default();
        let all = self.load_triggers()?;
        if all.iter().all(|t| t.paused) {
            return Ok(round);
        }
        let ledger = self.bulk_ledger()?;
        for t in all.iter().filter(|t| !t.paused) {
            match self.trigger_round(&ledger, t, &mut round, progress).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::info!(workflow = %t.workflow_id, code = %e.code(), "a trigger's round did not finish; the next one tries again");
                }
            }
        }
        Ok(round)
    }

    async fn trigger_round(
        &self,
        ledger: &Ledger,
        t: &StoredTrigger,
        round: &mut TriggerRound,
        progress: &mut (dyn FnMut(&RunRecord) + Send),
    ) -> Result<(), Error> {
        let Some(kind) = triggers::kind(&t.spec.event_type) else {
            return Ok(());
        };
        let (record, auth) = self.auth_for(&t.connection_id).await?;
        let account = self.run_account(&record, &auth).await;
        if account.id != t.account.id || account.livemode != t.account.livemode {
            // The connection acts for another account now: not this trigger's.
            return Ok(());
        }
        let workflow = WorkflowStore::new(self.data_dir()).load(&t.workflow_id)?;
        if !workflow.reviewed {
            return Ok(());
        }
        let now = self.activity_now();
        let floor = t.since.max(now - EVENTS_KEPT_SECS);
        let from = t
            .checked_through
            .map_or(floor, |c| (c - TRIGGER_LOOK_BACK_SECS).max(floor));
        let events = self
            .activity_events_of_type(&t.connection_id, &t.spec.event_type, from, 100_000)
            .await?;
        let mut pending = Vec::new();
        let mut newest = t.checked_through;
        for (event, sentence) in events {
            let (Some(id), Some(created)) = (event["id"].as_str(), event["created"].as_i64())
            else {
                continue;
            };
            if created < t.since {
                continue;
            }
            newest = Some(newest.map_or(created, |n| n.max(created)));
            let Some(run_id) = triggers::run_id_for(id, &t.workflow_id) else {
                continue;
            };
            let resumed = match ledger.trigger_event(&t.workflow_id, id)?.as_deref() {
                Some("running") => true,
                Some(_) => continue,
                None => false,
            };
            let cause = triggers::writing_run(&event);
            if !resumed {
                let object = &event["data"]["object"];
                if !triggers::meets(&kind, &t.spec.conditions, t.spec.number_format, object) {
                    ledger.set_trigger_event(
                        &t.workflow_id,
                        id,
                        &run_id,
                        "skipped",
                        "Its conditions were not met.",
                        cause.as_deref(),
                        now,
                    )?;
                    continue;
                }
                if self.caused_by_itself(ledger, &t.workflow_id, &event)? {
                    ledger.set_trigger_event(
                        &t.workflow_id,
                        id,
                        &run_id,
                        "skipped",
                        "This workflow's own run made this change, so it does not start again.",
                        cause.as_deref(),
                        now,
                    )?;
                    continue;
                }
            }
            pending.push((event, sentence, run_id, created, resumed));
        }
        let new: Vec<i64> = pending.iter().filter(|p| !p.4).map(|p| p.3).collect();
        let approved = |c: i64| t.approved_until.is_some_and(|a| c <= a);
        let unapproved = new.iter().filter(|c| !approved(**c)).count() as u64;
        let waiting = unapproved > BACKLOG_WITHOUT_ASKING;
        if waiting {
            round.waiting.push(TriggerBacklog {
                workflow_id: t.workflow_id.clone(),
                workflow_name: workflow.name.clone(),
                account_name: t.account.name.clone(),
                events: unapproved,
            });
        }
        let steps = ActionSteps {
            client: self.client(),
            auth: &auth,
        };
        let history = RunHistory::new(self.data_dir());
        let engine = steps.engine(&history, t.spec.number_format);
        let mut all_decided = !waiting;
        for (event, sentence, run_id, _, resumed) in pending {
            if waiting && !resumed {
                continue;
            }
            let id = event["id"].as_str().unwrap_or_default().to_owned();
            let cause = triggers::writing_run(&event);
            ledger.set_trigger_event(
                &t.workflow_id,
                &id,
                &run_id,
                "running",
                "",
                cause.as_deref(),
                now,
            )?;
            let trigger = RunTrigger {
                event_id: id.clone(),
                event_type: t.spec.event_type.clone(),
                sentence: sentence.clone(),
                object: event["data"]["object"].clone(),
            };
            let result = engine
                .start_as(
                    &workflow,
                    t.account.clone(),
                    &run_id,
                    Some(trigger),
                    t.spec.inputs.clone(),
                    progress,
                )
                .await;
            let (state, reason, succeeded) = match result {
                Ok(run) if run.outcome == Outcome::Succeeded => ("done", String::new(), true),
                Ok(_) => (
                    "failed",
                    "The run failed: see it in the run history.".to_owned(),
                    false,
                ),
                Err(RunError::Other(Error::Invalid {
                    code: Code::WorkflowRunning,
                    ..
                })) => {
                    // A run of it by hand goes on: this event waits for the next round.
                    all_decided = false;
                    continue;
                }
                Err(RunError::Other(e)) => {
                    self.note_call_error(&record.id, &e);
                    ("failed", e.plain_message(), false)
                }
                Err(e) => ("failed", crate::error::AppError::from(e).message, false),
            };
            ledger.set_trigger_event(
                &t.workflow_id,
                &id,
                &run_id,
                state,
                &reason,
                cause.as_deref(),
                now,
            )?;
            round.runs.push(TriggeredRun {
                workflow_id: t.workflow_id.clone(),
                event_id: id,
                run_id,
                sentence,
                succeeded,
            });
        }
        self.change_trigger(&t.workflow_id, |stored| {
            stored.waiting = waiting.then_some(unapproved);
            if all_decided {
                stored.checked_through = newest;
            }
        })?;
        Ok(())
    }
}

/// Problems as one refusal, at the first and in its words.
fn problems_error(problems: Vec<Problem>) -> Error {
    let first = problems.into_iter().next();
    let place = first
        .as_ref()
        .and_then(|p| p.step.clone())
        .map(|s| format!("Step {s}: "))
        .unwrap_or_default();
    Error::Invalid {
        code: Code::WorkflowNotReady,
        message: format!(
            "{place}{}",
            first
                .as_ref()
                .map_or("The workflow needs fixing.", |p| p.reason.as_str())
        ),
        param: first.and_then(|p| p.field),
    }
}
