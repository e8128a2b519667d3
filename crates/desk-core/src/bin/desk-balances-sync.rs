//! The balance sync as a process of its own: the crash test kills it at
//! random moments (SIGKILL, not a cancelled task) and resumes it, and the
//! benchmark times it.
//!
//! desk-balances-sync --api-base URL --db PATH [--workers N] [--rate N] [--no-payouts]
//! The key is read from the `STRIPE_DESK_SYNC_KEY` environment variable, so
//! it never shows in a process list.

use desk_core::balances::{sync, BalanceStore, Cancel, SyncOptions};
use desk_core::stripe::{Auth, ClientConfig, StripeClient};
use desk_core::views::Mode;
use desk_core::Secret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut base = None;
    let mut db = None;
    let mut options = SyncOptions::default();
    let mut rate = 25;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--api-base" => base = args.next(),
            "--db" => db = args.next().map(PathBuf::from),
            "--workers" => options.workers = args.next().and_then(|v| v.parse().ok()).unwrap_or(8),
            "--rate" => rate = args.next().and_then(|v| v.parse().ok()).unwrap_or(25),
            "--no-payouts" => options.link_payouts = false,
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    let (Some(base), Some(db)) = (base, db) else {
        eprintln!("usage: desk-balances-sync --api-base URL --db PATH [--workers N] [--rate N] [--no-payouts]");
        std::process::exit(2);
    };
    let Ok(key) = std::env::var("STRIPE_DESK_SYNC_KEY") else {
        eprintln!("set STRIPE_DESK_SYNC_KEY");
        std::process::exit(2);
    };
    let mut config = ClientConfig::new(base.clone(), base);
    config.test_mode_rate = rate;
    config.retry.initial_delay = Duration::from_millis(50);
    config.timeout = Duration::from_secs(10);
    options.page_retry_delay = Duration::from_millis(100);
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let code = runtime.block_on(async move {
        let client = StripeClient::new(config).expect("client");
        let auth = Auth {
            secret: Secret::new(key),
            mode: Mode::Test,
            stripe_account: None,
        };
        let store = match BalanceStore::open(&db) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                eprintln!("{}", e.plain_message());
                return 1;
            }
        };
        let cancel = Cancel::new();
        match sync(&client, &auth, store, &options, &cancel, &|_| {}).await {
            Ok(o) => {
                println!("{}", serde_json::to_string(&o).unwrap_or_default());
                0
            }
            Err(e) => {
                eprintln!("{}", e.plain_message());
                1
            }
        }
    });
    std::process::exit(code);
}
