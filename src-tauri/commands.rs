//! The window's commands: each takes its arguments, calls the domain, and
//! returns a view or one `AppError`. Changes are broadcast as events.

use crate::dialogs;
use crate::startup::DeskCell;
use desk_core::actions::desk::ActionAvailability;
use desk_core::actions::drafts::ConnectionDrafts;
use desk_core::actions::lookup::{LookupAnswer, LookupChoice};
use desk_core::actions::{Action, ActionResult, FieldError, FieldValue, FilledForm, Submission};
use desk_core::balances::{
    Bucket, ChartSeries, CurrencyTotals, ExportProgress, Filter, FilterChoices, Page, PageRequest,
    PayoutDetail, PeriodSummary, Reconciliation, Sort, StoreStats, SyncOutcome, SyncProgress,
};
use desk_core::connections::ExpectedConnection;
use desk_core::money::{self, NumberFormat, ParsedAmount};
use desk_core::saved_file::SavedFile;
use desk_core::views::{
    AppInfo, ConnectionTest, ConnectionsView, KeyCheck, OAuthFlowState, OAuthSettingsForm,
    OAuthSettingsView, SaveKeyOutcome, WhenAlreadySaved,
};
use desk_core::workflows::desk::{EditorWords, RunPlan};
use desk_core::workflows::menu::MenuEntry;
use desk_core::workflows::review::WorkflowReview;
use desk_core::workflows::settings::WorkflowSettings;
use desk_core::workflows::store::Listing;
use desk_core::workflows::{Problem, RunRecord, Workflow};
use desk_core::{private_files, AppError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use tauri::ipc::Channel;
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
            private_files::private_dir(data_dir)?;
            private_files::open_append(&data_dir.join("ipc-replies.jsonl")).map(Mutex::new)
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
pub fn first_paint(app: AppHandle) {
    println!("first-paint");
    if !app.state::<DeskCell>().painted() {
        return;
    }
    // What start-up puts off until the window shows: build the domain now
    // rather than at the first command that needs it, sweep the keyring of
    // entries of removed connections, register the link scheme.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || crate::register_scheme(&handle));
    tauri::async_runtime::spawn(async move {
        match app.state::<DeskCell>().get().await {
            Ok(desk) => {
                if let Err(e) = desk.sweep_orphaned_secrets().await {
                    tracing::warn!(code = %e.code(), "could not sweep the keyring for entries of removed connections");
                }
            }
            Err(e) => eprintln!("{}", e.message),
        }
    });
}

#[tauri::command]
pub async fn app_info(desk: State<'_, DeskCell>, audit: State<'_, IpcAudit>) -> Reply<AppInfo> {
    let desk = desk.get().await?;
    audited(&audit, "app_info", Ok(desk.app_info()))
}

#[tauri::command]
pub async fn list_connections(
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let desk = desk.get().await?;
    audited(&audit, "list_connections", Ok(desk.list_connections()))
}

#[tauri::command]
pub async fn classify_key(
    key: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<KeyCheck> {
    let desk = desk.get().await?;
    audited(&audit, "classify_key", Ok(desk.classify_key(&key)))
}

#[tauri::command]
pub async fn test_key(
    key: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionTest> {
    let desk = desk.get().await?;
    let reply = desk.test_key(&key).await.map_err(AppError::from);
    audited(&audit, "test_key", reply)
}

#[tauri::command]
pub async fn save_key_connection(
    key: String,
    session_only: bool,
    when_saved: WhenAlreadySaved,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<SaveKeyOutcome> {
    let desk = desk.get().await?;
    let reply = desk
        .save_key_as(&key, session_only, when_saved)
        .await
        .map_err(AppError::from);
    if matches!(reply, Ok(SaveKeyOutcome::Saved { .. })) {
        broadcast(&app, &desk.list_connections());
    }
    audited(&audit, "save_key_connection", reply)
}

#[tauri::command]
pub async fn test_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionTest> {
    let desk = desk.get().await?;
    let reply = desk.test_connection(&id).await.map_err(AppError::from);
    // The test may have found the connection revoked (or working again).
    broadcast(&app, &desk.list_connections());
    audited(&audit, "test_connection", reply)
}

#[tauri::command]
pub async fn remove_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let desk = desk.get().await?;
    let reply = desk.remove_connection(&id).await.map_err(AppError::from);
    if let Ok(view) = &reply {
        broadcast(&app, view);
    }
    audited(&audit, "remove_connection", reply)
}

#[tauri::command]
pub async fn set_active_connection(
    id: String,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let desk = desk.get().await?;
    changed(&app, &audit, "set_active_connection", desk.set_active(&id))
}

#[tauri::command]
pub async fn rename_connection(
    id: String,
    name: String,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let desk = desk.get().await?;
    changed(&app, &audit, "rename_connection", desk.rename(&id, &name))
}

#[tauri::command]
pub async fn set_account_override(
    id: String,
    account_id: Option<String>,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionsView> {
    let desk = desk.get().await?;
    changed(
        &app,
        &audit,
        "set_account_override",
        desk.set_account_override(&id, account_id.as_deref()).await,
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
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<OAuthSettingsView>> {
    let desk = desk.get().await?;
    let reply = desk.oauth_settings().await.map_err(AppError::from);
    audited(&audit, "get_oauth_settings", reply)
}

#[tauri::command]
pub async fn save_oauth_settings(
    form: OAuthSettingsForm,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthSettingsView> {
    let desk = desk.get().await?;
    let reply = desk.save_oauth_settings(form).await.map_err(AppError::from);
    audited(&audit, "save_oauth_settings", reply)
}

/// Opens Stripe's authorize page in the system browser, never in the app's
/// webview, and for a loopback redirect waits for the answer there too.
#[tauri::command]
pub async fn start_oauth(
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthFlowState> {
    let desk = desk.get().await?;
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
                        request_id: None,
                        stripe_message: None,
                        status: None,
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
pub async fn cancel_oauth(
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthFlowState> {
    let desk = desk.get().await?;
    let reply = desk.cancel_oauth().map_err(AppError::from);
    if let Ok(state) = &reply {
        let _ = app.emit("oauth-state", state);
    }
    audited(&audit, "cancel_oauth", reply)
}

#[tauri::command]
pub async fn oauth_state(
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<OAuthFlowState> {
    let desk = desk.get().await?;
    audited(&audit, "oauth_state", Ok(desk.oauth_state()))
}

/// An OAuth answer arrived (deep link or cold start): finish the flow and
/// tell the window.
pub async fn take_oauth_answer(app: AppHandle, link: String) {
    let cell = app.state::<DeskCell>();
    let desk = match cell.get().await {
        Ok(desk) => desk,
        Err(e) => {
            tracing::error!(error = %e.message, "an OAuth answer arrived but Stripe Desk could not start");
            return;
        }
    };
    let state = desk.finish_oauth(&link).await;
    app.state::<IpcAudit>()
        .record("oauth-state", &Ok::<_, AppError>(&state));
    let _ = app.emit("oauth-state", &state);
    broadcast(&app, &desk.list_connections());
}

/// Every action's description, for the window's one form renderer.
#[tauri::command]
pub async fn list_actions(
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<Action>> {
    let desk = desk.get().await?;
    audited(&audit, "list_actions", Ok(desk.actions().to_vec()))
}

/// The form's mistakes, each at its field; nothing is sent.
#[tauri::command]
pub async fn check_action(
    action_id: String,
    form: FilledForm,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<FieldError>> {
    let desk = desk.get().await?;
    let reply = desk.check_action(&action_id, &form).map_err(AppError::from);
    audited(&audit, "check_action", reply)
}

/// Runs an action on the connection the person saw (`expected`). The window
/// makes one submission per form sent and passes it again on "Try again".
#[tauri::command]
pub async fn run_action(
    action_id: String,
    form: FilledForm,
    submission: Submission,
    expected: ExpectedConnection,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ActionResult> {
    let desk = desk.get().await?;
    let reply = desk
        .run_action(&action_id, &form, &submission, &expected)
        .await;
    // Only a revoked connection changes the list; any broadcast redraws
    // the screen, which would wipe the refusal shown at its field.
    if reply.as_ref().is_err_and(|e| e.is_revoked()) {
        broadcast(&app, &desk.list_connections());
    }
    audited(&audit, "run_action", reply.map_err(AppError::from))
}

/// The amount as understood ("12.50 EUR"), shown next to the field as the user types.
#[tauri::command]
pub fn understand_amount(
    amount: String,
    currency: String,
    number_format: NumberFormat,
    audit: State<'_, IpcAudit>,
) -> Reply<ParsedAmount> {
    let reply = money::parse_amount(&amount, &currency, number_format).map_err(|e| {
        AppError::from(desk_core::Error::invalid(
            "invalid_amount",
            e.message(&currency),
            Some("amount"),
        ))
    });
    audited(&audit, "understand_amount", reply)
}

/// An update form's starting values: the object as it is now in Stripe.
#[tauri::command]
pub async fn action_current_values(
    action_id: String,
    object_id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<BTreeMap<String, FieldValue>> {
    let desk = desk.get().await?;
    let reply = desk
        .action_current_values(&action_id, &object_id)
        .await
        .map_err(AppError::from);
    audited(&audit, "action_current_values", reply)
}

/// Before a create: an existing object with the same email (or the
/// action's duplicate field), to offer instead.
#[tauri::command]
pub async fn action_duplicate(
    action_id: String,
    form: FilledForm,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<LookupChoice>> {
    let desk = desk.get().await?;
    let reply = desk
        .action_duplicate(&action_id, &form)
        .await
        .map_err(AppError::from);
    audited(&audit, "action_duplicate", reply)
}

/// Whether the current connection may run the action, before the form is filled.
#[tauri::command]
pub async fn action_availability(
    action_id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ActionAvailability> {
    let desk = desk.get().await?;
    let reply = desk
        .action_availability(&action_id)
        .await
        .map_err(AppError::from);
    audited(&audit, "action_availability", reply)
}

/// The current connection's half-filled forms, kept across restarts.
#[tauri::command]
pub async fn action_drafts(
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<ConnectionDrafts> {
    let desk = desk.get().await?;
    audited(&audit, "action_drafts", Ok(desk.action_drafts()))
}

/// Keeps one action's half-filled form for the current connection.
#[tauri::command]
pub async fn save_action_draft(
    action_id: String,
    form: FilledForm,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<()> {
    let desk = desk.get().await?;
    let reply = desk
        .save_action_draft(&action_id, &form)
        .map_err(AppError::from);
    audited(&audit, "save_action_draft", reply)
}

/// A field's picker: customers by name or email, a product's recurring prices.
#[tauri::command]
pub async fn lookup_choices(
    action_id: String,
    field_id: String,
    query: String,
    parent: Option<String>,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<LookupAnswer> {
    let desk = desk.get().await?;
    let reply = desk
        .lookup_choices(&action_id, &field_id, &query, parent.as_deref())
        .await
        .map_err(AppError::from);
    audited(&audit, "lookup_choices", reply)
}

/// Opens an object of a result in the Stripe Dashboard, in the system browser.
#[tauri::command]
pub fn open_in_dashboard(url: String, app: AppHandle, audit: State<'_, IpcAudit>) -> Reply<()> {
    let reply = if desk_core::actions::run::is_dashboard_url(&url) {
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|e| AppError {
                code: "browser_unavailable".into(),
                message: format!("Could not open the browser: {e}"),
                param: None,
                request_id: None,
                stripe_message: None,
                status: None,
            })
    } else {
        Err(AppError {
            code: "not_dashboard".into(),
            message: "Only Stripe's own pages open from here.".into(),
            param: None,
            request_id: None,
            stripe_message: None,
            status: None,
        })
    };
    audited(&audit, "open_in_dashboard", reply)
}

// ---- Balances: thin adapters over the local copy (desk_core::balances) ----

/// Syncs the connection's copy; progress goes to the window on `on_progress`.
#[tauri::command]
pub async fn balances_sync(
    id: String,
    on_progress: Channel<SyncProgress>,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<SyncOutcome> {
    let desk = desk.get().await?;
    let reply = desk
        .balances_sync(&id, move |p| {
            let _ = on_progress.send(p);
        })
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_sync", reply)
}

#[tauri::command]
pub async fn balances_cancel_sync(id: String, desk: State<'_, DeskCell>) -> Reply<()> {
    desk.get().await?.balances_cancel_sync(&id);
    Ok(())
}

#[tauri::command]
pub async fn balances_status(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<StoreStats> {
    let desk = desk.get().await?;
    let reply = desk.balances_status(&id).await.map_err(AppError::from);
    audited(&audit, "balances_status", reply)
}

#[tauri::command]
pub async fn balances_page(
    id: String,
    request: PageRequest,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Page> {
    let desk = desk.get().await?;
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
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<CurrencyTotals>> {
    let desk = desk.get().await?;
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
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<ChartSeries>> {
    let desk = desk.get().await?;
    let reply = desk
        .balances_chart(&id, filter, bucket)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_chart", reply)
}

#[tauri::command]
pub async fn balances_period_summary(
    id: String,
    filter: Filter,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<PeriodSummary>> {
    let desk = desk.get().await?;
    let reply = desk
        .balances_period_summary(&id, filter)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_period_summary", reply)
}

#[tauri::command]
pub async fn balances_filter_choices(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<FilterChoices> {
    let desk = desk.get().await?;
    let reply = desk
        .balances_filter_choices(&id)
        .await
        .map_err(AppError::from);
    audited(&audit, "balances_filter_choices", reply)
}

#[tauri::command]
pub async fn balances_payout(
    id: String,
    payout: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<PayoutDetail> {
    let desk = desk.get().await?;
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
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<serde_json::Value> {
    let desk = desk.get().await?;
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
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Reconciliation> {
    let desk = desk.get().await?;
    let reply = desk.balances_reconcile(&id).await.map_err(AppError::from);
    // Reading the balance may have found the connection revoked.
    broadcast(&app, &desk.list_connections());
    audited(&audit, "balances_reconcile", reply)
}

/// Asks where to save in the system's save dialog (which asks before
/// replacing a file), then writes the CSV there. `None`: the person
/// cancelled the dialog; `rows: None`: they cancelled the export.
#[tauri::command]
pub async fn balances_export(
    id: String,
    filter: Filter,
    sort: Sort,
    on_progress: Channel<ExportProgress>,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<SavedFile>> {
    let desk = desk.get().await?;
    let Some(path) = dialogs::save(
        &app,
        "Export balance transactions",
        "balance-transactions.csv",
        &dialogs::CSV,
    )
    .await
    else {
        return audited(&audit, "balances_export", Ok(None));
    };
    let reply = desk
        .balances_export(&id, filter, sort, path.clone(), move |p| {
            let _ = on_progress.send(p);
        })
        .await
        .map(|rows| {
            Some(SavedFile {
                path: path.display().to_string(),
                rows,
            })
        })
        .map_err(AppError::from);
    audited(&audit, "balances_export", reply)
}

#[tauri::command]
pub async fn balances_cancel_export(id: String, desk: State<'_, DeskCell>) -> Reply<()> {
    desk.get().await?.balances_cancel_export(&id);
    Ok(())
}

#[tauri::command]
pub async fn balances_delete_copy(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<()> {
    let desk = desk.get().await?;
    let reply = desk.balances_delete_copy(&id).map_err(AppError::from);
    audited(&audit, "balances_delete_copy", reply)
}

#[tauri::command]
pub async fn balances_has_copy(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<bool> {
    let desk = desk.get().await?;
    let reply = desk.balances_has_copy(&id).map_err(AppError::from);
    audited(&audit, "balances_has_copy", reply)
}

// Workflows: thin adapters over `desk_core::workflows::desk`.

#[tauri::command]
pub async fn list_workflows(
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Listing> {
    let desk = desk.get().await?;
    audited(
        &audit,
        "list_workflows",
        desk.list_workflows().map_err(AppError::from),
    )
}

#[tauri::command]
pub async fn new_workflow(desk: State<'_, DeskCell>) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.new_workflow().map_err(AppError::from)
}

#[tauri::command]
pub async fn workflow_templates(desk: State<'_, DeskCell>) -> Reply<Vec<Workflow>> {
    let desk = desk.get().await?;
    Ok(desk.workflow_templates())
}

/// Saves the workflow as edited and returns what would stop it from running.
#[tauri::command]
pub async fn save_workflow(
    workflow: Workflow,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<Problem>> {
    let desk = desk.get().await?;
    audited(
        &audit,
        "save_workflow",
        desk.save_workflow(&workflow).map_err(AppError::from),
    )
}

#[tauri::command]
pub async fn check_workflow(workflow: Workflow, desk: State<'_, DeskCell>) -> Reply<Vec<Problem>> {
    let desk = desk.get().await?;
    Ok(desk.check_workflow(&workflow))
}

#[tauri::command]
pub async fn rename_workflow(
    id: String,
    name: String,
    desk: State<'_, DeskCell>,
) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.rename_workflow(&id, &name).map_err(AppError::from)
}

/// Renames a step; references to it follow.
#[tauri::command]
pub async fn rename_workflow_step(
    workflow: Workflow,
    old: String,
    new: String,
    desk: State<'_, DeskCell>,
) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.rename_workflow_step(workflow, &old, &new)
        .map_err(AppError::from)
}

/// Renames an input; `{{input.<old>}}` references follow.
#[tauri::command]
pub async fn rename_workflow_input(
    workflow: Workflow,
    old: String,
    new: String,
    desk: State<'_, DeskCell>,
) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.rename_workflow_input(workflow, &old, &new)
        .map_err(AppError::from)
}

#[tauri::command]
pub async fn duplicate_workflow(id: String, desk: State<'_, DeskCell>) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.duplicate_workflow(&id).map_err(AppError::from)
}

/// Returns the deleted workflow: Undo saves it again.
#[tauri::command]
pub async fn delete_workflow(id: String, desk: State<'_, DeskCell>) -> Reply<Workflow> {
    let desk = desk.get().await?;
    desk.delete_workflow(&id).map_err(AppError::from)
}

/// Asks where to save in the system's save dialog, then writes the
/// workflow there; `None` when the person cancelled.
#[tauri::command]
pub async fn export_workflow(
    id: String,
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<SavedFile>> {
    let desk = desk.get().await?;
    let name = desk
        .workflow_review(&id)
        .map(|r| r.workflow.name)
        .unwrap_or_default();
    let suggested: String = name
        .chars()
        .filter(|c| c.is_alphanumeric() || " _-".contains(*c))
        .collect();
    let suggested = match suggested.trim() {
        "" => "workflow.json".to_owned(),
        s => format!("{s}.json"),
    };
    let reply = match dialogs::save(&app, "Export workflow", &suggested, &dialogs::WORKFLOW).await {
        None => Ok(None),
        Some(path) => desk
            .export_workflow(&id, &path)
            .map(|()| {
                Some(SavedFile {
                    path: path.display().to_string(),
                    rows: None,
                })
            })
            .map_err(AppError::from),
    };
    audited(&audit, "export_workflow", reply)
}

/// Asks for a workflow file in the system's open dialog, adds it not yet
/// reviewed, and says what it will do; `None` when the person cancelled.
#[tauri::command]
pub async fn import_workflow(
    app: AppHandle,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Option<WorkflowReview>> {
    let desk = desk.get().await?;
    let reply = match dialogs::open(&app, "Import a workflow", &dialogs::WORKFLOW).await {
        None => Ok(None),
        Some(path) => desk
            .import_workflow(&path)
            .map(Some)
            .map_err(AppError::from),
    };
    audited(&audit, "import_workflow", reply)
}

/// What a saved workflow will do, step by step, in words.
#[tauri::command]
pub async fn workflow_review(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<WorkflowReview> {
    let desk = desk.get().await?;
    audited(
        &audit,
        "workflow_review",
        desk.workflow_review(&id).map_err(AppError::from),
    )
}

/// The person accepts an imported workflow after reading what it does.
#[tauri::command]
pub async fn accept_workflow(
    id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Workflow> {
    let desk = desk.get().await?;
    audited(
        &audit,
        "accept_workflow",
        desk.accept_workflow(&id).map_err(AppError::from),
    )
}

/// The workflow's references in words and notes on its steps.
#[tauri::command]
pub async fn workflow_words(workflow: Workflow, desk: State<'_, DeskCell>) -> Reply<EditorWords> {
    let desk = desk.get().await?;
    Ok(desk.workflow_words(&workflow))
}

/// How long run history is kept.
#[tauri::command]
pub async fn workflow_settings(desk: State<'_, DeskCell>) -> Reply<WorkflowSettings> {
    let desk = desk.get().await?;
    Ok(desk.workflow_settings())
}

#[tauri::command]
pub async fn set_workflow_settings(
    settings: WorkflowSettings,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<WorkflowSettings> {
    let desk = desk.get().await?;
    let reply = desk.set_workflow_settings(settings).map_err(AppError::from);
    audited(&audit, "set_workflow_settings", reply)
}

/// What the `{{` menu offers in one field, filtered by what follows `{{`.
#[tauri::command]
pub async fn workflow_menu(
    workflow: Workflow,
    step: String,
    field: String,
    typed: String,
    desk: State<'_, DeskCell>,
) -> Reply<Vec<MenuEntry>> {
    let desk = desk.get().await?;
    Ok(desk.workflow_menu(&workflow, &step, &field, &typed))
}

#[tauri::command]
pub async fn workflow_runs(
    workflow_id: String,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<Vec<RunRecord>> {
    let desk = desk.get().await?;
    let reply = desk.workflow_runs(&workflow_id).map_err(AppError::from);
    audited(&audit, "workflow_runs", reply)
}

/// What a run (or, with `run_id`, a Resume) with these inputs will do on
/// the connection the person sees, with the confirmation to pass back
/// when it must be confirmed.
#[tauri::command]
pub async fn workflow_plan(
    workflow_id: String,
    expected: ExpectedConnection,
    inputs: BTreeMap<String, String>,
    run_id: Option<String>,
    number_format: NumberFormat,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<RunPlan> {
    let desk = desk.get().await?;
    let reply = desk
        .workflow_plan(
            &workflow_id,
            &expected,
            inputs,
            run_id.as_deref(),
            number_format,
        )
        .await
        .map_err(AppError::from);
    audited(&audit, "workflow_plan", reply)
}

/// Runs the saved workflow on the connection the person saw; every change
/// of the run goes to `progress`.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn run_workflow(
    workflow_id: String,
    expected: ExpectedConnection,
    inputs: BTreeMap<String, String>,
    number_format: NumberFormat,
    confirmation: Option<String>,
    progress: Channel<RunRecord>,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<RunRecord> {
    let desk = desk.get().await?;
    let mut tell = |run: &RunRecord| {
        let _ = progress.send(run.clone());
    };
    let reply = desk
        .run_workflow(
            &workflow_id,
            &expected,
            inputs,
            number_format,
            confirmation.as_deref(),
            &mut tell,
        )
        .await;
    audited(&audit, "run_workflow", reply.map_err(AppError::from))
}

/// Resumes a failed or interrupted run with the saved workflow's fixes.
#[tauri::command]
#[allow(clippy::too_many_arguments)]
pub async fn resume_workflow(
    workflow_id: String,
    run_id: String,
    expected: ExpectedConnection,
    inputs: Option<BTreeMap<String, String>>,
    number_format: NumberFormat,
    confirmation: Option<String>,
    progress: Channel<RunRecord>,
    desk: State<'_, DeskCell>,
    audit: State<'_, IpcAudit>,
) -> Reply<RunRecord> {
    let desk = desk.get().await?;
    let mut tell = |run: &RunRecord| {
        let _ = progress.send(run.clone());
    };
    let reply = desk
        .resume_workflow(
            &workflow_id,
            &run_id,
            &expected,
            inputs,
            number_format,
            confirmation.as_deref(),
            &mut tell,
        )
        .await;
    audited(&audit, "resume_workflow", reply.map_err(AppError::from))
}
