//! The simulator's tests, in one binary: one module per part of Stripe it
//! plays, over raw HTTP (`common`).

mod api;
mod balances;
mod billing;
mod binary;
mod common;
mod events;
mod oauth;
mod requests;
