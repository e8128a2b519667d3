//! Stripe Desk's domain: everything the app does, with no knowledge of Tauri.
//!
//! The Tauri layer (`src-tauri/`) holds a [`Desk`] and turns each command into
//! one call on it, so every behaviour here is tested without a window.

pub mod balances;
pub mod config;
pub mod connection_test;
pub mod connections;
pub mod deep_link;
pub mod desk;
pub mod error;
pub mod form;
pub mod keys;
pub mod loopback;
pub mod money;
pub mod oauth;
pub mod rate_limit;
pub mod retry;
pub mod secret;
pub mod secret_store;
pub mod stripe;
pub mod views;

pub use config::Bases;
pub use desk::Desk;
pub use error::{AppError, Error};
pub use secret::Secret;
