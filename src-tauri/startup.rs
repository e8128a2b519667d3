//! Nothing but the window before first paint: the domain (`Desk`: the
//! keyring probe, the data dir, the saved files, the log file) is built on a
//! worker thread once the page has painted, and every command waits for it.

use desk_core::{AppError, Code, Desk};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, OnceCell};

/// Builds the domain; may be called again if an earlier try failed.
pub type BuildDesk = Arc<dyn Fn() -> Result<Desk, String> + Send + Sync>;

/// If the page never reports its first paint (hidden window, broken page),
/// the domain is built anyway after this long.
const PAINT_GRACE: Duration = Duration::from_secs(2);

pub struct DeskCell {
    /// Shared with the tasks that outlive a command (the Activity poller).
    desk: OnceCell<Arc<Desk>>,
    build: BuildDesk,
    painted: watch::Sender<bool>,
}

impl DeskCell {
    pub fn new(build: BuildDesk) -> Self {
        DeskCell {
            desk: OnceCell::new(),
            build,
            painted: watch::Sender::new(false),
        }
    }

    /// The page has painted: I/O may start. True the first time only (a
    /// reloaded page paints again).
    pub fn painted(&self) -> bool {
        !self.painted.send_replace(true)
    }

    /// The domain, built on first use after first paint; callers that come
    /// earlier wait for it, so nothing is lost, only answered a little later.
    pub async fn get(&self) -> Result<&Desk, AppError> {
        self.shared().await.map(|desk| &**desk)
    }

    /// The domain as a task that outlives a command holds it.
    pub async fn shared(&self) -> Result<&Arc<Desk>, AppError> {
        if let Some(desk) = self.desk.get() {
            return Ok(desk);
        }
        let mut painted = self.painted.subscribe();
        let _ = tokio::time::timeout(PAINT_GRACE, painted.wait_for(|p| *p)).await;
        self.desk
            .get_or_try_init(|| async {
                let build = self.build.clone();
                tauri::async_runtime::spawn_blocking(move || build())
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|r| r)
                    .map(Arc::new)
                    .map_err(|detail| {
                        AppError::new(
                            Code::StartupFailed,
                            format!("Stripe Desk could not open its data: {detail}"),
                        )
                    })
            })
            .await
    }
}
