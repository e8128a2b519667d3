//! Stripe Desk's domain: everything the app does, with no knowledge of Tauri.
//!
//! The Tauri layer (`src-tauri/`) holds a [`Desk`] and turns each command into
//! one call on it, so every behaviour here is tested without a window.

pub mod actions;
pub mod activity;
pub mod balances;
pub mod bulk;
pub mod config;
pub mod connections;
pub mod desk;
pub mod error;
pub mod money;
pub mod private_files;
pub mod saved_file;
pub mod secret;
pub mod sensitive;
pub mod settings;
pub mod stripe;
pub mod views;
pub mod workflows;

pub use config::Bases;
pub use desk::Desk;
pub use error::{AppError, Code, Error};
pub use secret::Secret;
