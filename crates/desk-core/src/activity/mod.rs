//! Activity: what just happened in every connected account, without a
//! webhook URL. A desktop app has no public address for Stripe to call, so
//! it follows each account by polling `GET /v1/events` (kept by Stripe for
//! 30 days), stores every event once on this computer, reads each as a
//! plain sentence, decides which desktop notifications to show, and acts on
//! what changes the app (a disconnection; money moving, for Balances).
//!
//! - `poll.rs`: fetching since a moment, side by side when there is a lot;
//! - `store.rs`: the SQLite file per account and mode, keyset pages;
//! - `catalog.rs`: what each event type means, described once as data;
//! - `sentences.rs`: the plain sentences;
//! - `notify.rs`: which notifications to show;
//! - `settings.rs`: interval, retention and notification choices;
//! - `desk.rs`: the entry points on [`crate::Desk`]; `poller.rs`: the task.

mod catalog;
pub mod desk;
mod notify;
mod poll;
mod poller;
mod sentences;
mod settings;
mod store;
mod wire;

pub use desk::{system_clock, ActivityOptions, Clock};
pub use poller::ActivityPoller;
pub use wire::*;
