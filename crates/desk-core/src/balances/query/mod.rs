//! Reads of the local copy, one file per operation: a page of the table
//! ([`page`]), totals, the chart, the period summary, a payout, the
//! reconciliation with Stripe's balance and the filters' choices, with the
//! wire types in [`wire`] and what filters and sorts mean in SQL in
//! [`filter`]. All sums are SQLite integer sums of minor units; nothing
//! passes through a float.

mod chart;
mod choices;
mod filter;
mod page;
mod payout;
mod reconcile;
mod summary;
mod totals;
mod wire;

pub use payout::PAYOUT_PREVIEW;
pub use wire::*;
