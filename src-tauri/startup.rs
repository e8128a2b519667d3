//! Nothing but the window before first paint: the domain (`Desk`: the
//! keyring probe, the data dir, the saved files, the log file) is built on a
//! worker thread once the page has painted, and every command waits for it.
//! While the person explores the sample account, commands reach its own
//! `Desk` instead (see `sample.rs`); their own stays as it was.

use desk_core::{AppError, Code, Desk};
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// The sample account's, opened the first time it is asked for and
    /// kept while the app runs (leaving and coming back finds it as it was).
    sample: OnceCell<Arc<Desk>>,
    in_sample: AtomicBool,
    build: BuildDesk,
    painted: watch::Sender<bool>,
}

impl DeskCell {
    pub fn new(build: BuildDesk) -> Self {
        DeskCell {
            desk: OnceCell::new(),
            sample: OnceCell::new(),
            in_sample: AtomicBool::new(false),
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

    /// The domain the window shows (the sample's while it is explored), as
    /// a task that outlives a command holds it.
    pub async fn shared(&self) -> Result<&Arc<Desk>, AppError> {
        if self.in_sample.load(Ordering::SeqCst) {
            if let Some(sample) = self.sample.get() {
                return Ok(sample);
            }
        }
        self.person().await
    }

    /// The person's own domain (their connections, the keyring, their
    /// settings), whatever the window shows.
    pub async fn person(&self) -> Result<&Arc<Desk>, AppError> {
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

impl DeskCell {
    /// Shows the sample account, opening it (with `open`) the first time.
    /// True if it was opened now.
    pub async fn enter_sample<F, Fut>(
        &self,
        open: F,
    ) -> Result<(&Arc<Desk>, bool), desk_core::Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Desk, desk_core::Error>>,
    {
        let mut opened = false;
        let sample = self
            .sample
            .get_or_try_init(|| async {
                opened = true;
                open().await.map(Arc::new)
            })
            .await?;
        self.in_sample.store(true, Ordering::SeqCst);
        Ok((sample, opened))
    }

    /// Back to the person's own accounts.
    pub fn leave_sample(&self) {
        self.in_sample.store(false, Ordering::SeqCst);
    }

    /// Whether the window shows this domain now (a round of a poller that
    /// follows the other one is not the window's).
    pub fn shows(&self, desk: &Arc<Desk>) -> bool {
        let showing = if self.in_sample.load(Ordering::SeqCst) {
            self.sample.get()
        } else {
            self.desk.get()
        };
        showing.is_some_and(|d| Arc::ptr_eq(d, desk))
    }
}
