//! Stripe Desk's tests of the app, in one binary: the real window driven
//! through WebDriver under Xvfb (`window_*`, one at a time, see
//! `desk_testkit::window::one_window_at_a_time`; the others run beside
//! them), the package's desktop entry and capabilities, and the checkout
//! standing alone. What they share is the `desk-testkit` crate.

/// The app under test, built by cargo for this binary.
const APP: &str = env!("CARGO_BIN_EXE_stripe-desk");

mod packaging;
mod self_contained;
mod window_actions;
mod window_actions_live;
mod window_activity;
mod window_balances;
mod window_connect;
mod window_key_guide;
mod window_keyboard;
mod window_no_keyring;
mod window_oauth;
mod window_sample;
mod window_settings;
mod window_spreadsheet;
mod window_workflows;
mod window_workflows_live;
