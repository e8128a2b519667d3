//! "Explore with sample data": the demo shop's simulator, started inside
//! the app on 127.0.0.1, and a `Desk` of its own that talks only to it. Its
//! files are in a folder of its own, emptied each time the app opens it;
//! its key is kept in memory. It never touches the keyring or the person's
//! connections, drafts, workflows or settings.

use desk_core::config::Bases;
use desk_core::connections::secret_store::MemoryStore;
use desk_core::desk::DeskConfig;
use desk_core::{Code, Desk, Error};
use std::path::Path;
use std::sync::Arc;
use stripe_sim::{SimConfig, Simulator};

/// The sample's folder inside the app's data folder.
const FOLDER: &str = "sample";

/// Starts the demo shop's simulator and a `Desk` connected to it.
pub async fn open(data_dir: &Path) -> Result<Desk, Error> {
    let started = std::time::Instant::now();
    let sim = Simulator::start(SimConfig::bundled())
        .await
        .map_err(|e| failed(e.to_string()))?;
    // A year of the shop's trading, made up on a worker thread; its
    // trading goes on for as long as the app runs.
    let seeding = sim.clone();
    tauri::async_runtime::spawn_blocking(move || {
        stripe_sim::demo::setup(&seeding);
    })
    .await
    .map_err(|e| failed(e.to_string()))?;

    let dir = data_dir.join(FOLDER);
    match std::fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(failed(e.to_string())),
        _ => {}
    }
    let base = sim.base_url();
    let mut config = DeskConfig::new(
        Bases {
            api: base.clone(),
            connect: base.clone(),
            marketplace: base,
        },
        dir,
    );
    config.sample = true;
    let desk = Desk::new(config, Arc::new(MemoryStore::default()))?;
    connect(&desk).await?;
    tracing::info!(
        ms = started.elapsed().as_millis() as u64,
        "the sample account is open"
    );
    Ok(desk)
}

/// Connects the sample's domain to the demo shop, unless it is already
/// (the person may have removed the connection while exploring).
pub async fn connect(desk: &Desk) -> Result<(), Error> {
    if desk.list_connections().connections.is_empty() {
        desk.save_key_connection(stripe_sim::demo::KEY, true)
            .await?;
    }
    Ok(())
}

fn failed(detail: String) -> Error {
    Error::invalid(
        Code::StartupFailed,
        format!("The sample account could not open: {detail}"),
        None,
    )
}
