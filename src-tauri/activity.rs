//! Activity at the edge: the poller, started once the window has painted,
//! for every connection; after each round the window hears the unread
//! count and the new lines (`activity-round`), the desktop shows the
//! notifications the domain decided, event triggers run on what was heard,
//! and a click on a notification opens its event in the window
//! (`activity-open`); the window hears what triggers ran or wait for a
//! word (`triggers-round`).

use crate::commands::{broadcast_connections, IpcAudit};
use crate::startup::DeskCell;
use desk_core::activity::{
    ActivityPoller, DesktopNotification, FollowProblem, NotificationTarget, PollReport,
};
use desk_core::{AppError, Desk};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

/// Where a notification keeps what its click opens.
const OPEN: &str = "open";

/// Starts following every account of a domain (the person's, after first
/// paint; the sample's, when it opens).
pub fn start(app: &AppHandle, desk: Arc<Desk>) {
    let rounds = Arc::new(Round {
        app: app.clone(),
        desk: desk.clone(),
        disconnected: Mutex::default(),
        first: AtomicBool::new(true),
    });
    // It runs for the app's life: the handle is not needed to keep it.
    let _running = ActivityPoller::start(desk, move |report| rounds.heard(report));
}

/// What the edge does with each round's report.
struct Round {
    app: AppHandle,
    desk: Arc<Desk>,
    /// Connections already told to the window as disconnected.
    disconnected: Mutex<HashSet<String>>,
    first: AtomicBool,
}

impl Round {
    fn heard(&self, report: PollReport) {
        // While the sample account is shown, the person's own accounts are
        // still followed (and their triggers run) but not told to the
        // window; and the sample's rounds only while it is shown.
        let shown = self.app.state::<DeskCell>().shows(&self.desk);
        if shown {
            self.tell_window(&report);
        }
        self.run_triggers(&report, shown);
    }

    fn tell_window(&self, report: &PollReport) {
        for n in &report.notifications {
            show(&self.app, n);
        }
        self.app
            .state::<IpcAudit>()
            .record("activity-round", &Ok::<_, AppError>(&report));
        let _ = self.app.emit("activity-round", &report);

        // A connection Stripe ended: the header and the list say so once
        // (again if it ends again after a reconnection).
        let newly_disconnected = {
            let mut told = self.disconnected.lock().unwrap_or_else(|e| e.into_inner());
            let mut newly = false;
            for a in &report.accounts {
                if a.problem == Some(FollowProblem::Disconnected) {
                    newly |= told.insert(a.connection_id.clone());
                } else {
                    told.remove(&a.connection_id);
                }
            }
            newly
        };
        if newly_disconnected {
            broadcast_connections(&self.app, &self.desk.list_connections());
        }
    }

    /// Event triggers run on what Activity heard (and, at the first round,
    /// on what came while the app was closed).
    fn run_triggers(&self, report: &PollReport, shown: bool) {
        let first = self.first.swap(false, Ordering::SeqCst);
        if first || report.new_events() > 0 {
            let desk = self.desk.clone();
            let app = self.app.clone();
            tauri::async_runtime::spawn(async move {
                match desk.triggers_run_due(&mut |_| {}).await {
                    // The Workflows screen shows the runs and asks about a backlog.
                    Ok(round) if shown && (!round.runs.is_empty() || !round.waiting.is_empty()) => {
                        app.state::<IpcAudit>()
                            .record("triggers-round", &Ok::<_, AppError>(&round));
                        let _ = app.emit("triggers-round", &round);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::info!(code = %e.code(), "event triggers did not run this round; the next one tries again");
                    }
                }
            });
        }
    }
}

static NEXT_ID: AtomicI32 = AtomicI32::new(1);

/// Hands one notification to the desktop, with what its click opens.
fn show(app: &AppHandle, n: &DesktopNotification) {
    let shown = app
        .notification()
        .builder()
        .id(NEXT_ID.fetch_add(1, Ordering::Relaxed))
        .title(&n.title)
        .body(&n.body)
        .extra(OPEN, &n.open)
        .show();
    match shown {
        Ok(()) => {
            tracing::info!(kind = ?n.kind, events = n.events, connection = %n.open.connection_id, "activity: desktop notification handed to the notification server")
        }
        Err(e) => {
            tracing::warn!(error = %e, kind = ?n.kind, "activity: the desktop did not take a notification")
        }
    }
}

/// A click on a notification (Linux: the server reports the `default`
/// action, the plugin a `tap`) brings the window up on its event. Once.
pub fn listen_for_clicks(app: &AppHandle) {
    let handle = app.clone();
    let listening = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let Some(target) = performed
            .notification()
            .and_then(|n| n.extra().get(OPEN))
            .and_then(|v| serde_json::from_value::<NotificationTarget>(v.clone()).ok())
        else {
            return;
        };
        if let Some(window) = handle.get_webview_window("main") {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        handle
            .state::<IpcAudit>()
            .record("activity-open", &Ok::<_, AppError>(&target));
        let _ = handle.emit("activity-open", &target);
    });
    if let Err(e) = listening {
        tracing::warn!(error = %e, "activity: clicks on notifications will not open the app");
    }
}
