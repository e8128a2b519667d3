//! Saves a connection as the app's first screen does (the key checked with
//! Stripe, kept in the OS keyring), from outside the window: the start-up
//! benchmark prepares an account this way before it times the launch to
//! the account's name on screen.
//!
//! desk-connect --data-dir PATH
//! The key is read from `STRIPE_DESK_CONNECT_KEY` (never in a process
//! list); Stripe's addresses from the app's own `STRIPE_DESK_*_BASE`.

use desk_core::connections::secret_store::{KeyringStore, KEYRING_SERVICE};
use desk_core::desk::{Desk, DeskConfig};
use desk_core::views::{SaveKeyOutcome, WhenAlreadySaved};
use desk_core::Bases;
use std::path::PathBuf;
use std::sync::Arc;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut data_dir = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--data-dir" => data_dir = args.next().map(PathBuf::from),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let (Some(data_dir), Ok(key)) = (data_dir, std::env::var("STRIPE_DESK_CONNECT_KEY")) else {
        eprintln!("usage: STRIPE_DESK_CONNECT_KEY=… desk-connect --data-dir PATH");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let desk = Desk::new(
        DeskConfig::new(Bases::from_env(), data_dir),
        Arc::new(KeyringStore::open(KEYRING_SERVICE)),
    )
    .unwrap_or_else(|e| {
        eprintln!("{}", e.plain_message());
        std::process::exit(1);
    });
    match runtime.block_on(desk.save_key_as(&key, false, WhenAlreadySaved::Replace)) {
        Ok(SaveKeyOutcome::Saved { .. }) => {
            let name = desk
                .list_connections()
                .connections
                .first()
                .map(|c| c.display_name.clone())
                .unwrap_or_default();
            println!("connected {name}");
        }
        Ok(_) => {
            eprintln!("the key was not saved");
            std::process::exit(1);
        }
        Err(e) => {
            eprintln!("{}", e.plain_message());
            std::process::exit(1);
        }
    }
}
