//! Many at once: a workflow, or one action, run for every row of a
//! spreadsheet; and a workflow started by itself when an event arrives.
//!
//! - `sheet.rs`: opening CSV (any delimiter and encoding), XLSX and ODS;
//! - `mapping.rs`: columns to a workflow's inputs or an action's fields;
//! - `job.rs`: what each row becomes, and the dry run (the forms' checks);
//! - `matching.rs`: rows whose customer already exists;
//! - `ledger.rs`: the local record of every row's run, for ever;
//! - `runner.rs`: rows side by side through the exactly-once engine;
//! - `results.rs`: the spreadsheet with each row's outcome, CSV or XLSX;
//! - `triggers.rs`: workflows started by events from Activity;
//! - `mask.rs`: what of a spreadsheet is never kept;
//! - `desk.rs`: the entry points on [`crate::Desk`]; `wire.rs`: their types.

pub mod desk;
pub mod job;
pub mod ledger;
pub mod mapping;
pub mod mask;
pub mod matching;
pub mod results;
pub mod runner;
pub mod sheet;
mod trigger_desk;
pub mod triggers;
pub mod wire;

pub use wire::*;
