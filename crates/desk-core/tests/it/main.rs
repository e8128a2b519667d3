//! desk-core against the Stripe simulator over real HTTP, in one binary:
//! one module per part of the domain. What they share with the benchmarks
//! is the `desk-testkit` crate.

mod actions_against_simulator;
mod actions_contract;
mod activity;
mod against_simulator;
mod balances;
mod bulk;
mod exactly_once;
mod oauth_against_simulator;
mod security;
mod support;
mod triggers;
mod workflows_against_simulator;
mod workflows_bound_to_actions;
mod workflows_branching;
mod workflows_desk;
mod workflows_for_each;
