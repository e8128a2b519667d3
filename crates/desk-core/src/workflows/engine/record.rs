//! What a run writes down: its record, each step's state and result, and the
//! keys and tags derived from them; the history, the ledgers and the window share these.

use crate::error::{AppError, Code, Error};
use crate::money::NumberFormat;
use crate::workflows::model::Problem;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
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

    /// Keeps an item's newest outcome and the counts that follow from them.
    pub(super) fn record_outcome(&mut self, outcome: ItemOutcome) {
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
    pub(super) fn waiting(name: &str, action: &str) -> StepRecord {
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
    pub(super) fn settled(&self) -> bool {
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

    pub(super) fn step_mut(&mut self, name: &str) -> Option<&mut StepRecord> {
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
