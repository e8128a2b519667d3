//! What the Balances screen sends and gets back: the filter, the sort, a
//! page of rows, totals, chart series, a period's summary, a payout, the
//! reconciliation and the filters' choices. Amounts are integer minor units.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `[from, to)` in unix seconds; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TimeRange {
    #[ts(type = "number | null")]
    pub from: Option<i64>,
    #[ts(type = "number | null")]
    pub to: Option<i64>,
}

/// What the table, totals, chart and export select. Empty lists match all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct Filter {
    pub types: Vec<String>,
    pub reporting_categories: Vec<String>,
    pub statuses: Vec<String>,
    pub currencies: Vec<String>,
    pub created: TimeRange,
    pub available_on: TimeRange,
    pub payout: Option<String>,
    pub source: Option<String>,
    /// Text the description contains (case-insensitive for ASCII).
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SortColumn {
    #[default]
    Created,
    Type,
    ReportingCategory,
    Description,
    Amount,
    Fee,
    Net,
    Currency,
    Status,
    AvailableOn,
    Source,
    Payout,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sort {
    pub column: SortColumn,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(untagged)]
#[ts(export)]
pub enum CursorValue {
    Int(#[ts(type = "number")] i64),
    Text(String),
}

/// A row's position in a sort: its sort key values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Cursor(pub Vec<CursorValue>);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct PageRequest {
    pub filter: Filter,
    pub sort: Sort,
    /// Rows after this one in the sort (scrolling down)...
    pub after: Option<Cursor>,
    /// ...or before it (scrolling up). Neither: the first page...
    pub before: Option<Cursor>,
    /// ...or, with `from_end`, the last page: the first page of the
    /// reversed sort, so a jump to the end reads no row above it.
    pub from_end: bool,
    #[ts(type = "number")]
    pub limit: u32,
    /// Pages of `limit` rows to pass over first, in the direction of
    /// travel: a jump far from any page the table holds walks the keys
    /// alone (the sort's index) and reads the rows of the one page it lands on.
    #[ts(type = "number")]
    pub skip_pages: u32,
}

/// One row of the table. Amounts in minor units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BalanceRow {
    pub id: String,
    #[ts(type = "number")]
    pub created: i64,
    #[ts(type = "number")]
    pub available_on: i64,
    #[ts(type = "number")]
    pub amount: i64,
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
    pub currency: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub reporting_category: String,
    pub status: String,
    pub description: Option<String>,
    pub source: Option<String>,
    pub payout: Option<String>,
    /// The balance it moves: `payments`, `issuing`, ... (Stripe's `balance_type`).
    pub balance_type: String,
    /// Where the row sits in the requested sort, for the next request.
    pub cursor: Cursor,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Page {
    pub rows: Vec<BalanceRow>,
    /// More rows exist beyond this page in the direction of travel.
    pub has_more: bool,
    /// Where each page passed over (`skip_pages`) ends in the direction of
    /// travel: its last row's cursor walking forward, its first row's
    /// backward. Fewer than asked when the rows ran out.
    pub skipped: Vec<Cursor>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CurrencyTotals {
    pub currency: String,
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub amount: i64,
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Bucket {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartPoint {
    /// The bucket's first day at 00:00 UTC, a date marker: the days are the
    /// account's (see [`BalanceStore::chart`]); weeks start on Monday.
    #[ts(type = "number")]
    pub start: i64,
    /// `2026-11-25`, the bucket's first day.
    pub label: String,
    #[ts(type = "number")]
    pub net: i64,
    /// Sum of amounts.
    #[ts(type = "number")]
    pub gross: i64,
    #[ts(type = "number")]
    pub fees: i64,
    #[ts(type = "number")]
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChartSeries {
    pub currency: String,
    pub points: Vec<ChartPoint>,
}

/// Count, gross (Stripe's `amount`), fees and net of some transactions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sums {
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub gross: i64,
    /// Stripe's fees on them (positive: what Stripe took; net = gross - fee).
    #[ts(type = "number")]
    pub fee: i64,
    #[ts(type = "number")]
    pub net: i64,
}

impl Sums {
    pub(super) fn add(&mut self, other: Sums) {
        self.count += other.count;
        self.gross += other.gross;
        self.fee += other.fee;
        self.net += other.net;
    }
}

/// One reporting category's line of a period summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CategoryActivity {
    /// Stripe's `reporting_category`.
    pub category: String,
    /// The category in words ("Charges").
    pub label: String,
    pub sums: Sums,
}

/// One currency of what the filters select, as Stripe's balance summary
/// report shows it: activity per reporting category, and their total (the
/// totals table's line for the currency, by construction and by test).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PeriodSummary {
    pub currency: String,
    /// The balance before the period: only when the filters select whole
    /// days of the balance (dates and currencies, nothing narrower).
    #[ts(type = "number | null")]
    pub starting_balance: Option<i64>,
    pub activity: Vec<CategoryActivity>,
    pub total: Sums,
    #[ts(type = "number | null")]
    pub ending_balance: Option<i64>,
}

/// What the last sync found of a payout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PayoutState {
    /// Stripe listed what it settled, and it is linked.
    Linked,
    /// Requested by hand: Stripe does not list what it settled.
    Manual,
    /// Stripe is still reconciling it; a later sync links it.
    Reconciling,
    /// Stripe did not answer for it; the next sync tries again.
    Failed,
    /// No sync has looked at it yet.
    NotLookedAt,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PayoutDetail {
    pub payout: String,
    /// The payout's own balance transaction, when it is in the copy.
    pub payout_transaction: Option<BalanceRow>,
    pub currency: Option<String>,
    /// The payout's amount (positive: money sent to the bank).
    #[ts(type = "number | null")]
    pub payout_amount: Option<i64>,
    pub state: PayoutState,
    /// Why it failed, in plain words (state `failed`).
    pub message: Option<String>,
    /// How many transactions it settled, and their net.
    #[ts(type = "number")]
    pub count: u64,
    #[ts(type = "number")]
    pub settled_net: i64,
    /// The newest of them, at most [`PAYOUT_PREVIEW`]: the window shows
    /// these and the count, never the whole list.
    pub newest: Vec<BalanceRow>,
    /// `settled_net` equals `payout_amount`.
    pub matches: bool,
}

/// One part of one currency's balance: Stripe's figure and the copy's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReconciliationLine {
    pub currency: String,
    /// `payments`, `issuing`, `refund_and_dispute_prefunding`,
    /// `risk_reserved` (transactions only: `GET /v1/balance` has no such
    /// part) or `connect_reserved` (Stripe's only: no transaction of the
    /// account moves it).
    pub part: String,
    /// The part in words.
    pub label: String,
    /// The net of the copy's transactions of this part; `None` when no
    /// transaction moves it.
    #[ts(type = "number | null")]
    pub in_copy: Option<i64>,
    /// Stripe's figures; `None` when Stripe's balance has no such figure.
    #[ts(type = "number | null")]
    pub available: Option<i64>,
    #[ts(type = "number | null")]
    pub pending: Option<i64>,
    /// Stripe's total less the copy's: zero when they agree; `None` where
    /// the two cannot be compared (one side has no figure, or the copy's
    /// first sync has not finished).
    #[ts(type = "number | null")]
    pub difference: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Reconciliation {
    /// Unix seconds when the balance was read from Stripe.
    #[ts(type = "number")]
    pub read_at: i64,
    /// A first sync has finished: the copy can be compared with Stripe.
    pub synced: bool,
    pub lines: Vec<ReconciliationLine>,
    /// Synced, and every part that can be compared agrees.
    pub matches: bool,
}

/// A value a filter can take, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Choice {
    /// Stripe's code, what the filter sends.
    pub value: String,
    pub label: String,
}

/// The values present in the copy, for the filters' drop-downs, in words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FilterChoices {
    pub types: Vec<Choice>,
    pub reporting_categories: Vec<Choice>,
    pub statuses: Vec<Choice>,
    /// Lowercase ISO codes.
    pub currencies: Vec<String>,
    /// Every part of a balance (a transaction's `balance_type`), in words.
    pub balances: Vec<Choice>,
}
