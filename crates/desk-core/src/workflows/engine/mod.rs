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
//!
//! The Engine and its steps are here; what a run writes down is in `record`,
//! where it is kept in `history`, the ledgers in `ledger`, "For each" in `items`.

mod history;
mod items;
mod ledger;
mod record;
#[cfg(test)]
mod tests;

pub use history::{RunHistory, RunKeeper, RunLock};
pub use ledger::{loop_items, unchecked_resends, LoopItem, UncheckedResend};
pub use record::{
    idempotency_key, item_idempotency_key, Decision, FailureKind, ItemOutcome, ItemRun, ItemState,
    LoopRecord, Outcome, RunAccount, RunError, RunRecord, RunTrigger, StepCall, StepFailure,
    StepRecord, StepResult, StepState, ASK_ABOVE_ITEMS, IDEMPOTENCY_WINDOW_SECS, ITEM_METADATA_KEY,
    RUN_METADATA_KEY, SIDE_BY_SIDE_ITEMS, STEP_METADATA_KEY,
};

use super::catalog::{Kind, StepCatalog};
use super::conditions::{self, Subject};
use super::flow::Resolver;
use super::model::{Flow, Step, Workflow};
use super::reference::{lookup, resolve_value, Template};
use crate::error::{Code, Error};
use crate::money::NumberFormat;
use items::LoopHow;
use ledger::{must_look, refused, run_records, unchecked_error, Flowed, Ledger, RunLedger};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

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

pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

/// The list field names of Stripe's list actions, for fetching every page.
const LIMIT_FIELD: &str = "limit";
const AFTER_FIELD: &str = "starting_after";
const SEARCH_PAGE_FIELD: &str = "page";

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
}
