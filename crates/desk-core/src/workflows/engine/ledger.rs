//! Where a step's record is kept as it runs (the run's own, or an item's), and
//! what a Resume would send again unchecked: the Engine reads and writes runs through these.

use super::history::{ItemLine, ItemLog, RunHistory};
use super::record::{
    idempotency_key, item_idempotency_key, FailureKind, Outcome, RunRecord, StepFailure,
    StepRecord, StepState, IDEMPOTENCY_WINDOW_SECS, ITEM_METADATA_KEY, RUN_METADATA_KEY,
    STEP_METADATA_KEY,
};
use crate::error::{Code, Error};
use crate::workflows::catalog::StepCatalog;
use crate::workflows::flow::Resolver;
use crate::workflows::model::{Flow, Step, Workflow};
use crate::workflows::reference::{resolve_value, Scope};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What references see: the run's inputs, the results of the steps done
/// (inside a "For each", the item's own steps first) and the current item.
pub(super) struct RunScope<'a> {
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
                (step == crate::workflows::reference::EVENT_ROOT && self.run.step(step).is_none())
                    .then_some(&event.object)
            }),
        }
    }
    fn item(&self) -> Option<&Value> {
        self.item
    }
}

/// Whether a write step's next attempt must first look for what an earlier
/// one may have created, rather than trust its idempotency key: its outcome
/// is unknown and the key no longer tells (older than Stripe keeps it, or
/// the fields changed since), or Stripe would replay its own error.
pub(super) fn must_look(record: &StepRecord, fields: &Map<String, Value>, now: i64) -> bool {
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

pub(super) fn unchecked_error(
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
            crate::workflows::words::step_words(catalog, workflow, resend.index)
        ),
        None,
    )
}

/// Whether the run goes on after a step, or stopped there (a failure, or
/// a wait for the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flowed {
    On,
    Stopped,
}

/// Where the records of the steps being run are kept: the run's own steps,
/// or one item's steps in a "For each".
pub(super) trait Ledger: Send {
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

pub(super) fn record_in<'r>(records: &'r mut Vec<StepRecord>, name: &str) -> &'r mut StepRecord {
    let at = match records.iter().position(|r| r.name == name) {
        Some(at) => at,
        None => {
            records.push(StepRecord::waiting(name, ""));
            records.len() - 1
        }
    };
    &mut records[at]
}

pub(super) struct RunLedger<'a> {
    pub(super) run: &'a mut RunRecord,
    pub(super) progress: &'a mut (dyn FnMut(&RunRecord) + Send),
    pub(super) history: &'a RunHistory,
    pub(super) clock: &'a (dyn Fn() -> i64 + Send + Sync),
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

pub(super) struct ItemLedger<'a> {
    /// The run as it was when the "For each" began: the results its items use.
    pub(super) outer: &'a RunRecord,
    pub(super) records: Vec<StepRecord>,
    pub(super) item: &'a LoopItem,
    pub(super) loop_step: &'a str,
    pub(super) log: &'a ItemLog,
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

/// The records a run keeps for its own steps: every step not inside a "For each".
pub(super) fn run_records(resolver: &Resolver<'_>) -> Vec<StepRecord> {
    resolver
        .placed
        .iter()
        .filter(|p| p.in_loop.is_none())
        .map(|p| StepRecord::waiting(&p.step.name, &p.step.action))
        .collect()
}

pub(super) fn refused(code: &str, reason: String, field: Option<&str>) -> StepFailure {
    StepFailure {
        kind: FailureKind::Refused,
        code: code.to_owned(),
        reason,
        param: None,
        field: field.map(str::to_owned),
    }
}
