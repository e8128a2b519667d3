//! What the "many at once" screens and their commands exchange with the
//! domain. TypeScript twins are generated into `ui/src/bindings/` by ts-rs.

use crate::money::NumberFormat;
use crate::workflows::engine::RunAccount;
use crate::workflows::{Kind, Problem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// How the file was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum FileFormat {
    /// `delimiter` and `encoding` in words ("semicolon", "Latin-1 (Windows)").
    Csv {
        delimiter: String,
        encoding: String,
    },
    Xlsx,
    Ods,
    Xls,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ColumnInfo {
    /// 0 for column A.
    pub index: u32,
    pub letter: String,
    /// From the header row, or "Column C" without one.
    pub name: String,
    /// The first few values, for the mapping screen (hidden where sensitive).
    pub sample: Vec<String>,
    /// Card numbers, bank account or ID numbers by its name: never kept,
    /// shown hidden, and left out of results.
    pub sensitive: bool,
}

/// An opened spreadsheet, as the mapping screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SheetView {
    pub file_id: String,
    pub file_name: String,
    pub format: FileFormat,
    pub sheets: Vec<String>,
    pub sheet: String,
    /// The header row's number in the spreadsheet; `None`: no header row.
    pub header_row: Option<u32>,
    /// What Stripe Desk found, for "use the row found".
    pub detected_header_row: Option<u32>,
    pub columns: Vec<ColumnInfo>,
    /// Rows below the header that hold anything.
    pub rows: u32,
    pub first_row: Option<u32>,
    pub last_row: Option<u32>,
    /// The most Stripe Desk reads, in words.
    pub limits: String,
}

/// What runs for every row: a saved workflow, or one action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum BulkTarget {
    Workflow { workflow_id: String },
    Action { action_id: String },
}

impl BulkTarget {
    /// How the ledger and the row keys name it.
    pub fn key(&self) -> String {
        match self {
            BulkTarget::Workflow { workflow_id } => format!("workflow:{workflow_id}"),
            BulkTarget::Action { action_id } => format!("action:{action_id}"),
        }
    }
}

/// Something a column can fill: a workflow's input, or an action's field
/// (an address's part, one metadata key, the first subscription item's
/// price or quantity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Slot {
    /// `email`, `address.city`, `metadata.external_id`, `items.price`.
    pub id: String,
    /// "Billing address → City".
    pub label: String,
    /// What goes in it, in words ("an email address", "an amount").
    pub takes: String,
    pub required: bool,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum SlotSource {
    /// Left out.
    Nothing,
    Column {
        column: u32,
    },
    /// The same value on every row.
    Constant {
        value: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SlotMapping {
    pub slot: String,
    pub source: SlotSource,
    /// Matched by the column's name, not chosen by the person.
    #[serde(default)]
    pub by_name: bool,
}

/// Columns to slots. An action's metadata keys are slots `metadata.<key>`
/// the person adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Mapping {
    pub slots: Vec<SlotMapping>,
}

impl Mapping {
    pub fn source(&self, slot: &str) -> &SlotSource {
        self.slots
            .iter()
            .find(|m| m.slot == slot)
            .map(|m| &m.source)
            .unwrap_or(&SlotSource::Nothing)
    }
}

/// The slots of a target and the mapping found by the columns' names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MappingProposal {
    pub slots: Vec<Slot>,
    pub mapping: Mapping,
}

/// "Skip rows whose customer already exists", and how they are found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum ExistingMatch {
    #[default]
    Nothing,
    /// A customer whose email is exactly this column's (Stripe's list filter).
    Email { column: u32 },
    /// A customer whose `metadata[key]` is this column's value.
    Metadata { key: String, column: u32 },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BulkOptions {
    /// How amounts and numbers are typed in the file's text cells.
    pub number_format: NumberFormat,
    pub skip_existing: ExistingMatch,
}

/// A mistake at a cell: "row 214, Price: “12,5O” is not an amount".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CellProblem {
    /// The spreadsheet's row number.
    pub row: u32,
    /// `None`: a constant, or the row as a whole.
    pub column: Option<u32>,
    /// The column's name, or what the constant stands for.
    pub column_name: String,
    pub message: String,
}

/// Where a row stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
#[ts(export)]
pub enum RowState {
    Ready,
    NeedsFixing,
    /// Left out by the person, matched to what exists, or (after a run)
    /// not carried out, with why.
    Skipped {
        reason: String,
    },
    Running,
    /// Done: the IDs of what it created or found.
    Created {
        ids: Vec<String>,
        /// Found by its tag or its key: made by an earlier attempt.
        #[serde(default)]
        found_existing: bool,
    },
    Failed {
        /// In plain words, Stripe's own where it gave them.
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DryRunSummary {
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub ready: u64,
    #[ts(type = "number")]
    pub needs_fixing: u64,
    /// Left out by the person.
    #[ts(type = "number")]
    pub skipped: u64,
    /// Matched to a customer that exists (after "Find existing").
    #[ts(type = "number")]
    pub existing: u64,
    /// Done by an earlier run of this file (created or skipped there).
    #[ts(type = "number")]
    pub done_before: u64,
    /// "1,982 rows ready, 18 need fixing".
    pub sentence: String,
    /// What is wrong with the mapping itself (a required field with no
    /// column, a constant that is not valid), said once.
    pub mapping_problems: Vec<String>,
    /// Problems in the workflow itself, at their step and field.
    pub workflow_problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RowFilter {
    #[default]
    All,
    NeedsFixing,
    Ready,
    Skipped,
    Created,
    Failed,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowsQuery {
    pub file_id: String,
    pub filter: RowFilter,
    pub offset: u32,
    /// 1 to 500; 0 means 100.
    pub limit: u32,
}

/// One row of the virtual table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowView {
    pub row: u32,
    /// As the file has them, with fixes; sensitive values hidden.
    pub cells: Vec<String>,
    pub state: RowState,
    pub problems: Vec<CellProblem>,
    /// Columns fixed in place.
    pub fixed: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowsPage {
    pub rows: Vec<RowView>,
    /// Rows the filter selects (the table's height).
    #[ts(type = "number")]
    pub total: u64,
}

/// How "Find existing" went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MatchProgress {
    #[ts(type = "number")]
    pub checked: u64,
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub existing: u64,
    /// Said once it is done: "212 of 2,000 rows match a customer that exists".
    pub sentence: Option<String>,
}

/// What a run over the file will do, and the confirmation live mode needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BulkPlan {
    pub account: RunAccount,
    #[ts(type = "number")]
    pub rows: u64,
    /// Writes to Stripe: rows times the steps that create or change something.
    #[ts(type = "number")]
    pub writes: u64,
    /// "Run “Create Customer” for 1,982 rows in Shop (live mode): 1,982 writes to Stripe."
    pub sentence: String,
    /// Steps that send money or data out of the account, in words.
    pub moves_out: Vec<String>,
    /// Present in live mode, or when something is sent out of the account:
    /// passed back with Run, once, within ten minutes.
    pub confirmation: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum BulkRunState {
    Running,
    Paused,
    /// Cancel was pressed: rows already sent finish, no new one starts.
    Cancelling,
    Cancelled,
    Finished,
}

/// A row that just changed, so the table can redraw it alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RowOutcome {
    pub row: u32,
    pub state: RowState,
}

/// Progress of a run, as values for a Channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BulkProgress {
    pub job_id: String,
    pub state: BulkRunState,
    /// Rows this run goes through.
    #[ts(type = "number")]
    pub total: u64,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub failed: u64,
    /// Over the last few seconds.
    pub rows_per_second: f64,
    #[ts(type = "number | null")]
    pub seconds_left: Option<u64>,
    /// Rows that changed since the last value.
    pub changed: Vec<RowOutcome>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ResultsFormat {
    Csv,
    Xlsx,
}

/// One earlier run over a file, for the list of runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BulkJobSummary {
    pub job_id: String,
    pub file_name: String,
    pub sheet: String,
    pub target: BulkTarget,
    pub account_id: String,
    pub livemode: bool,
    #[ts(type = "number")]
    pub rows: u64,
    #[ts(type = "number")]
    pub created: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    #[ts(type = "number")]
    pub failed: u64,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
}

// ----- Triggers -----

/// A kind of event a workflow can start on, with the fields `{{event.…}}` offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerKind {
    /// Stripe's name (`customer.created`).
    pub event_type: String,
    /// "A customer is created".
    pub words: String,
    pub fields: Vec<EventField>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EventField {
    /// `email`, `address.country`: `{{event.email}}`.
    pub path: String,
    pub label: String,
    pub kind: Kind,
}

/// The comparison words, as workflow conditions have them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TriggerComparison {
    Equals,
    Contains,
    EndsWith,
    GreaterThan,
}

/// "Email ends with @example.com", "Amount greater than 100,00".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerCondition {
    /// A field of the event ([`EventField::path`]).
    pub field: String,
    pub comparison: TriggerComparison,
    /// As typed; an amount in the person's convention.
    pub value: String,
}

/// A workflow's trigger as the person sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerSpec {
    pub event_type: String,
    #[serde(default)]
    pub conditions: Vec<TriggerCondition>,
    /// The workflow's inputs, the same for every run (as typed).
    #[serde(default)]
    pub inputs: BTreeMap<String, String>,
    #[serde(default)]
    pub number_format: NumberFormat,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerView {
    pub workflow_id: String,
    pub connection_id: String,
    pub account: RunAccount,
    pub spec: TriggerSpec,
    pub paused: bool,
    /// Events from this moment on start the workflow (unix seconds).
    #[ts(type = "number")]
    pub since: i64,
    /// "When a customer is created and their email ends with @example.com".
    pub sentence: String,
    /// More events than run without asking are waiting.
    #[ts(type = "number | null")]
    pub waiting: Option<u64>,
}

/// Switching a trigger on: in live mode, asked once, naming the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerPlan {
    pub account: RunAccount,
    pub sentence: String,
    pub confirmation: Option<String>,
}

/// One event's run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggeredRun {
    pub workflow_id: String,
    pub event_id: String,
    /// In the workflow's run history under this ID.
    pub run_id: String,
    /// "Ran for: Jane Cooper was added as a customer".
    pub sentence: String,
    pub succeeded: bool,
}

/// A backlog bigger than runs without asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerBacklog {
    pub workflow_id: String,
    pub workflow_name: String,
    pub account_name: String,
    #[ts(type = "number")]
    pub events: u64,
}

/// What one round over the triggers did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TriggerRound {
    pub runs: Vec<TriggeredRun>,
    pub waiting: Vec<TriggerBacklog>,
}
