//! Logs go to `stripe-desk.log` in the log dir. Secrets cannot reach them:
//! they are `Secret` values, which print as `***`.

use desk_core::private_files;
use std::path::Path;
use std::sync::Mutex;
use tracing_subscriber::EnvFilter;

pub fn init(log_dir: &Path) -> std::io::Result<()> {
    // Logs name accounts and connections: private like the data dir.
    private_files::private_dir(log_dir)?;
    let file = private_files::open_append(&log_dir.join("stripe-desk.log"))?;
    // HTTP internals stay quiet: their debug output is not for people.
    let filter = EnvFilter::try_from_env("STRIPE_DESK_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,reqwest=warn,rustls=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(Mutex::new(file))
        .try_init();
    Ok(())
}
