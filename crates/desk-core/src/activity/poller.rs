//! The poller the edge starts once the window has painted: a tokio task
//! that runs a round over every account, hands the report (new lines,
//! unread counts, notifications to show) to the edge, and waits the
//! interval. It does nothing at all before it is started, and with no
//! connection it makes no request and reads no file: it only looks, in
//! memory, whether one was added.

use super::wire::PollReport;
use crate::Desk;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// The running poller; dropping it leaves it running, [`Self::stop`] ends it.
pub struct ActivityPoller {
    stop: Arc<Notify>,
    stopped: Arc<AtomicBool>,
    wake: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl ActivityPoller {
    /// Starts polling at once, then every interval (the person's setting,
    /// read each round). `on_round` hears each round's report.
    pub fn start<D>(
        desk: D,
        on_round: impl Fn(PollReport) + Send + Sync + 'static,
    ) -> ActivityPoller
    where
        D: AsRef<Desk> + Send + Sync + 'static,
    {
        let stop = Arc::new(Notify::new());
        let stopped = Arc::new(AtomicBool::new(false));
        let wake = desk.as_ref().activity_wake();
        let (stop_rx, stopped_rx, wake_rx) = (stop.clone(), stopped.clone(), wake.clone());
        let task = tokio::spawn(async move {
            loop {
                let desk = desk.as_ref();
                let woken = wake_rx.notified();
                let stopping = stop_rx.notified();
                if stopped_rx.load(Ordering::SeqCst) {
                    return;
                }
                let interval = if desk.activity_has_accounts() {
                    on_round(desk.activity_poll_all().await);
                    desk.activity_interval()
                } else {
                    // Nothing to follow: look again later, in memory only.
                    desk.activity_idle_interval()
                };
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = woken => {}
                    _ = stopping => return,
                }
            }
        });
        ActivityPoller {
            stop,
            stopped,
            wake,
            task,
        }
    }

    /// A round now, instead of at the end of the interval.
    pub fn poll_now(&self) {
        self.wake.notify_waiters();
    }

    /// Ends the task (a round in flight is abandoned: what it stored stays).
    pub async fn stop(self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.stop.notify_waiters();
        self.task.abort();
        let _ = self.task.await;
    }
}
