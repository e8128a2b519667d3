//! Balances: a complete, exact local copy of an account's balance
//! transactions in SQLite (one database per account and mode), kept up to
//! date by a resumable sync, and the queries the Balances screen runs on it:
//! keyset pages, per-currency totals, chart series, period summaries, payout
//! details, reconciliation with `GET /v1/balance`, the filters' choices in
//! words, and CSV export.
//!
//! Money is integer minor units everywhere; it becomes a decimal only when
//! shown or exported ([`crate::money`]).

pub mod desk;
mod export;
mod query;
mod rate;
mod store;
mod sync;
mod words;

pub use export::{export_csv, ExportProgress};
pub use query::{
    BalanceRow, Bucket, CategoryActivity, ChartPoint, ChartSeries, Choice, CurrencyTotals, Cursor,
    CursorValue, Filter, FilterChoices, Page, PageRequest, PayoutDetail, PayoutState,
    PeriodSummary, Reconciliation, ReconciliationLine, Sort, SortColumn, Sums, TimeRange,
    PAYOUT_PREVIEW,
};
pub use store::{BalanceStore, StoreStats};
pub use sync::{fetch_balance, sync, Cancel, SyncOptions, SyncOutcome, SyncPhase, SyncProgress};
