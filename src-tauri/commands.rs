//! The window's commands: each takes its arguments, calls the domain, and
//! returns a view or one `AppError`. Changes are broadcast as events.

use desk_core::views::{
    AppInfo, ConnectionSummary, ConnectionTest, ConnectionsView, KeyCheck, OAuthFlowState,
    OAuthSettingsForm, OAuthSettingsView,
};
use desk_core::{AppError, Desk};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use tauri::{AppHandle, Emitter, Manager, State};
use tauri_plugin_opener::OpenerExt;

type Reply<T> = Result<T, AppError>;

/// With `STRIPE_DESK_IPC_AUDIT=1`, every reply is also appended to
/// `ipc-replies.jsonl` in the data dir, so tests can prove no secret ever
/// reached the window.
pub struct IpcAudit(Option<Mutex<std::fs::File>>);

impl IpcAudit {
    pub fn from_env(data_dir: &Path) -> Self {
        let enabled = std::env::var("STRIPE_DESK_IPC_AUDIT").is_ok_and(|v| v == "1");
        let file = enabled.then(|| {
            std::fs::create_dir_all(data_dir).ok();
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(data_dir.join("ipc-replies.jsonl"))
                .map(Mutex::new)
        });
        IpcAudit(file.and_then(Result::ok))
    }

    fn record<T: Serialize>(&self, command: &str, reply: &Reply<T>) {
        if let Some(file) = &self.0 {
            let line = serde_json::json!({ "command": command, "reply": match reply {
                Ok(v) => serde_json::to_value(v).unwrap_or_default(),
                Err(e) => serde_json::to_value(e).unwrap_or_default(),
            }});
            let _ = writeln!(file.lock().unwrap(), "{line}");
        }
    }
}

fn audited<T: Serialize>(audit: &IpcAudit, command: &str, reply: Reply<T>) -> Reply<T> {
    audit.record(command, &reply);
    reply
}

fn broadcast(app: &AppHandle, view: &ConnectionsView) {
    let _ = app.emit("connections-changed", view);
}

/// The page reports its first painted frame; the startup benchmark reads this line.
#[tauri::command]
pub fn first_paint() {
    println!("first-paint");
}

#[tauri::command]
pub fn app_info(desk: State<'_, Desk>, audit: State<'_, IpcAudit>) -> Reply<AppInfo> {
    audited(&audit, "app_info", Ok(desk.app_info()))
}

#[tauri::command]
pub fn list_connections(
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    audited(&audit, "list_connections", Ok(desk.list_connections()))
}

#[tauri::command]
pub fn classify_key(
    key: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<KeyCheck> {
    audited(&audit, "classify_key", Ok(desk.classify_key(&key)))
}

#[tauri::command]
pub async fn test_key(
    key: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionTest> {
    let reply = desk.test_key(&key).await.map_err(AppError::from);
    audited(&audit, "test_key", reply)
}

#[tauri::command]
pub async fn save_key_connection(
    key: String,
    session_only: bool,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionSummary> {
    let reply = desk
        .save_key_connection(&key, session_only)
        .await
        .map_err(AppError::from);
    if reply.is_ok() {
        broadcast(&app, &desk.list_connections());
    }
    audited(&audit, "save_key_connection", reply)
}

#[tauri::command]
pub async fn test_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionTest> {
    let reply = desk.test_connection(&id).await.map_err(AppError::from);
    // The test may have found the connection revoked (or working again).
    broadcast(&app, &desk.list_connections());
    audited(&audit, "test_connection", reply)
}

#[tauri::command]
pub async fn remove_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let reply = desk.remove_connection(&id).await.map_err(AppError::from);
    if let Ok(view) = &reply {
        broadcast(&app, view);
    }
    audited(&audit, "remove_connection", reply)
}

#[tauri::command]
pub fn set_active_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    changed(&app, &audit, "set_active_connection", desk.set_active(&id))
}

#[tauri::command]
pub fn rename_connection(
    id: String,
    name: String,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    changed(&app, &audit, "rename_connection", desk.rename(&id, &name))
}

#[tauri::command]
pub fn set_account_override(
    id: String,
    account_id: Option<String>,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    changed(
        &app,
        &audit,
        "set_account_override",
        desk.set_account_override(&id, account_id.as_deref()),
    )
}

fn changed(
    app: &AppHandle,
    audit: &IpcAudit,
    command: &str,
    result: Result<ConnectionsView, desk_core::Error>,
) -> Reply<ConnectionsView> {
    let reply = result.map_err(AppError::from);
    if let Ok(view) = &reply {
        broadcast(app, view);
    }
    audited(audit, command, reply)
}

#[tauri::command]
pub async fn get_oauth_settings(
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<OAuthSettingsView>> {
    let reply = desk.oauth_settings().await.map_err(AppError::from);
    audited(&audit, "get_oauth_settings", reply)
}

#[tauri::command]
pub async fn save_oauth_settings(
    form: OAuthSettingsForm,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthSettingsView> {
    let reply = desk.save_oauth_settings(form).await.map_err(AppError::from);
    audited(&audit, "save_oauth_settings", reply)
}

/// Opens Stripe's authorize page in the system browser, never in the app's
/// webview, and for a loopback redirect waits for the answer there too.
#[tauri::command]
pub async fn start_oauth(
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthFlowState> {
    let reply = match desk.start_oauth().await {
        Ok(start) => {
            if let Some(wait) = start.loopback {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    if let Some(link) = wait.await {
                        take_oauth_answer(app, link).await;
                    }
                });
            }
            match app.opener().open_url(start.authorize_url, None::<&str>) {
                Ok(()) => Ok(start.state),
                Err(e) => {
                    let _ = desk.cancel_oauth();
                    Err(AppError {
                        code: "browser_unavailable".into(),
                        message: format!("Stripe Desk could not open your web browser: {e}"),
                        param: None,
                    })
                }
            }
        }
        Err(e) => Err(AppError::from(e)),
    };
    if let Ok(state) = &reply {
        let _ = app.emit("oauth-state", state);
    }
    audited(&audit, "start_oauth", reply)
}

#[tauri::command]
pub fn cancel_oauth(
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthFlowState> {
    let reply = desk.cancel_oauth().map_err(AppError::from);
    if let Ok(state) = &reply {
        let _ = app.emit("oauth-state", state);
    }
    audited(&audit, "cancel_oauth", reply)
}

#[tauri::command]
pub fn oauth_state(desk: State<'_, Desk>, audit: State<'_, IpcAudit>) -> Reply<OAuthFlowState> {
    audited(&audit, "oauth_state", Ok(desk.oauth_state()))
}

/// An OAuth answer arrived (deep link or cold start): finish the flow and
/// tell the window.
pub async fn take_oauth_answer(app: AppHandle, link: String) {
    let desk = app.state::<Desk>();
    let state = desk.finish_oauth(&link).await;
    app.state::<IpcAudit>()
        .record("oauth-state", &Ok::<_, AppError>(&state));
    let _ = app.emit("oauth-state", &state);
    broadcast(&app, &desk.list_connections());
}

// ---- Balances: thin adapters over the local copy (desk_core::balances) ----

use desk_core::balances::{
    Bucket, ChartSeries, CurrencyTotals, ExportProgress, Filter, Page, PageRequest, PayoutDetail,
    PeriodSummary, Reconciliation, Sort, StoreStats, SyncOutcome, SyncProgress, TimeRange,
};
use tauri::ipc::Channel;

/// Syncs the connection's copy; progress goes to the window on `on_progress`.
#[tauri::command]
pub async fn balances_sync(
    id: String,
    on_progress: Channel<SyncProgress>,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<SyncOutcome> {
    let reply = desk
        .balances_sync(&id, move |p| {
            let _ = on_progress.send(p);
        })
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_sync", reply)
}

#[tauri::command]
pub fn balances_cancel_sync(id: String, desk: State<'_, Desk>) {
    desk.balances_cancel_sync(&id);
}

#[tauri::command]
pub async fn balances_status(
    id: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<StoreStats> {
    let reply = desk.balances_status(&id).await.map_err(AppError::from);
    audited(&audit, "balances_status", reply)
}

#[tauri::command]
pub async fn balances_page(
    id: String,
    request: PageRequest,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Page> {
    let reply = desk
        .balances_page(&id, request)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_page", reply)
}

#[tauri::command]
pub async fn balances_totals(
    id: String,
    filter: Filter,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<CurrencyTotals>> {
    let reply = desk
        .balances_totals(&id, filter)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_totals", reply)
}

#[tauri::command]
pub async fn balances_chart(
    id: String,
    filter: Filter,
    bucket: Bucket,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<ChartSeries>> {
    let reply = desk
        .balances_chart(&id, filter, bucket)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_chart", reply)
}

#[tauri::command]
pub async fn balances_period_summary(
    id: String,
    period: TimeRange,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<PeriodSummary>> {
    let reply = desk
        .balances_period_summary(&id, period)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_period_summary", reply)
}

#[tauri::command]
pub async fn balances_payout(
    id: String,
    payout: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<PayoutDetail> {
    let reply = desk
        .balances_payout(&id, payout)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_payout", reply)
}

#[tauri::command]
pub async fn balances_transaction(
    id: String,
    transaction_id: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<serde_json::Value> {
    let reply = desk
        .balances_transaction(&id, transaction_id)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_transaction", reply)
}

#[tauri::command]
pub async fn balances_reconcile(
    id: String,
    app: AppHandle,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Reconciliation> {
    let reply = desk.balances_reconcile(&id).await.map_err(AppError::from);
    // Reading the balance may have found the connection revoked.
    broadcast(&app, &desk.list_connections());
    audited(&audit, "balances_reconcile", reply)
}

/// Writes the CSV to `path` (chosen by the user in the save dialog).
#[tauri::command]
pub async fn balances_export(
    id: String,
    filter: Filter,
    sort: Sort,
    path: String,
    on_progress: Channel<ExportProgress>,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<u64>> {
    let reply = desk
        .balances_export(&id, filter, sort, path.into(), move |p| {
            let _ = on_progress.send(p);
        })
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_export", reply)
}

#[tauri::command]
pub fn balances_cancel_export(id: String, desk: State<'_, Desk>) {
    desk.balances_cancel_export(&id);
}

#[tauri::command]
pub fn balances_delete_copy(
    id: String,
    desk: State<'_, Desk>,
    audit: State<'_, IpcAudit>,
) -> Reply<()> {
    let reply = desk.balances_delete_copy(&id).map_err(AppError::from);
    audited(&audit, "balances_delete_copy", reply)
}
