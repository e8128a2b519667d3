//! What the app side does for a command, beyond one call on the domain:
//! the first paint, the system browser, the save and open dialogs, and the
//! OAuth answer that arrives outside any command.

use super::{broadcast_connections, IpcAudit};
use crate::dialogs;
use crate::startup::DeskCell;
use desk_core::balances::{ExportProgress, Filter, Sort};
use desk_core::bulk::{ResultsFormat, SheetView};
use desk_core::saved_file::SavedFile;
use desk_core::settings::place::{self, WindowGeometry};
use desk_core::views::{ConnectionsView, OAuthFlowState};
use desk_core::workflows::review::WorkflowReview;
use desk_core::{AppError, Code, Desk, Error};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_opener::OpenerExt;

/// The page reports its first painted frame; the startup benchmark reads this line.
pub fn first_paint(app: &AppHandle) {
    println!("first-paint");
    if !app.state::<DeskCell>().painted() {
        return;
    }
    // What start-up puts off until the window shows: build the domain now
    // rather than at the first command that needs it, start following every
    // account (Activity), sweep the keyring of entries of removed
    // connections, register the link scheme.
    let handle = app.clone();
    tauri::async_runtime::spawn_blocking(move || crate::register_scheme(&handle));
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match app.state::<DeskCell>().shared().await {
            Ok(desk) => {
                restore_window(&app);
                crate::activity::listen_for_clicks(&app);
                crate::activity::start(&app, desk.clone());
                if let Err(e) = desk.sweep_orphaned_secrets().await {
                    tracing::warn!(code = %e.code(), "could not sweep the keyring for entries of removed connections");
                }
            }
            Err(e) => eprintln!("{}", e.message),
        }
    });
}

/// Shows the sample account, opening it the first time (its simulator, its
/// data, its Activity poller).
pub async fn enter_sample(app: &AppHandle) -> Result<ConnectionsView, Error> {
    let data_dir = app.state::<DataDir>().0.clone();
    let cell = app.state::<DeskCell>();
    let (desk, opened) = cell.enter_sample(|| crate::sample::open(&data_dir)).await?;
    if opened {
        crate::activity::start(app, desk.clone());
    } else {
        crate::sample::connect(desk).await?;
    }
    tracing::info!("the sample account is shown");
    Ok(desk.list_connections())
}

/// Back to the person's own accounts; the sample stays open, as it was,
/// until the app closes.
pub fn leave_sample(app: &AppHandle) {
    app.state::<DeskCell>().leave_sample();
    tracing::info!("the sample account is left");
}

fn browser_unavailable(words: &str, e: impl std::fmt::Display) -> Error {
    Error::invalid(Code::BrowserUnavailable, format!("{words}: {e}"), None)
}

/// Opens a page of the Stripe Dashboard in the system browser; no other page.
pub fn open_in_dashboard(app: &AppHandle, url: String) -> Result<(), Error> {
    if !desk_core::actions::run::is_dashboard_url(&url) {
        return Err(Error::invalid(
            Code::NotDashboard,
            "Only Stripe's own pages open from here.",
            None,
        ));
    }
    app.opener()
        .open_url(url, None::<&str>)
        .map_err(|e| browser_unavailable("Could not open the browser", e))
}

/// Opens Stripe's authorize page in the system browser, never in the app's
/// webview, and for a loopback redirect waits for the answer there too.
pub async fn start_oauth(desk: &Desk, app: &AppHandle) -> Result<OAuthFlowState, Error> {
    let start = desk.start_oauth().await?;
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
            Err(browser_unavailable(
                "Stripe Desk could not open your web browser",
                e,
            ))
        }
    }
}

/// An OAuth answer arrived (deep link, loopback or cold start): finish the
/// flow and tell the window.
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
    broadcast_connections(&app, &desk.list_connections());
}

/// Asks where to save in the system's save dialog (which asks before
/// replacing a file), then writes the CSV there. `None`: the person
/// cancelled the dialog; `rows: None`: they cancelled the export.
pub async fn export_balances(
    desk: &Desk,
    app: &AppHandle,
    connection_id: &str,
    filter: Filter,
    sort: Sort,
    progress: impl Fn(ExportProgress) + Send + 'static,
) -> Result<Option<SavedFile>, Error> {
    let Some(path) = dialogs::save(
        app,
        "Export balance transactions",
        "balance-transactions.csv",
        &dialogs::CSV,
    )
    .await
    else {
        return Ok(None);
    };
    let rows = desk
        .balances_export(connection_id, filter, sort, path.clone(), progress)
        .await?;
    Ok(Some(SavedFile {
        path: path.display().to_string(),
        rows,
    }))
}

/// Asks where to save in the system's save dialog, then writes the
/// workflow there; `None` when the person cancelled.
pub async fn export_workflow(
    desk: &Desk,
    app: &AppHandle,
    workflow_id: &str,
) -> Result<Option<SavedFile>, Error> {
    let name = desk
        .workflow_review(workflow_id)
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
    let Some(path) = dialogs::save(app, "Export workflow", &suggested, &dialogs::WORKFLOW).await
    else {
        return Ok(None);
    };
    desk.export_workflow(workflow_id, &path)?;
    Ok(Some(SavedFile {
        path: path.display().to_string(),
        rows: None,
    }))
}

/// Asks for a workflow file in the system's open dialog, adds it not yet
/// reviewed, and says what it will do; `None` when the person cancelled.
pub async fn import_workflow(
    desk: &Desk,
    app: &AppHandle,
) -> Result<Option<WorkflowReview>, Error> {
    match dialogs::open(app, "Import a workflow", &dialogs::WORKFLOW).await {
        None => Ok(None),
        Some(path) => desk.import_workflow(&path).map(Some),
    }
}

/// Opens the spreadsheet the person picks in the system's open dialog;
/// `None` when they cancelled.
pub async fn open_spreadsheet(desk: &Desk, app: &AppHandle) -> Result<Option<SheetView>, Error> {
    match dialogs::open(app, "Open a spreadsheet", &dialogs::SPREADSHEET).await {
        None => Ok(None),
        Some(path) => desk.bulk_open(&path).await.map(Some),
    }
}

/// Asks where to save a copy of the file with each row's outcome (the
/// system's save dialog), then writes it; `None` when the person cancelled.
pub async fn save_spreadsheet_results(
    desk: &Desk,
    app: &AppHandle,
    file_id: &str,
    format: ResultsFormat,
) -> Result<Option<SavedFile>, Error> {
    let (kind, extension) = match format {
        ResultsFormat::Csv => (&dialogs::CSV, "csv"),
        ResultsFormat::Xlsx => (&dialogs::XLSX, "xlsx"),
    };
    let stem = desk.bulk_file_stem(file_id)?;
    let suggested = format!("{stem} - results.{extension}");
    let Some(path) = dialogs::save(app, "Save the results", &suggested, kind).await else {
        return Ok(None);
    };
    desk.bulk_save_results(file_id, &path, format).await?;
    Ok(Some(SavedFile {
        path: path.display().to_string(),
        rows: None,
    }))
}

/// Where the app writes its log (the data dir's `logs` when overridden).
pub struct LogDir(pub std::path::PathBuf);

/// "Copy diagnostics": versions, the system, the last errors and log
/// lines, with secrets, card numbers and email addresses taken out.
pub fn diagnostics(desk: &Desk, app: &AppHandle) -> Result<String, Error> {
    let log = app.state::<LogDir>().0.join("stripe-desk.log");
    Ok(desk_core::settings::diagnostics(
        &desk.app_info().version,
        &log,
    ))
}

/// Opens the log folder in the system's file manager.
pub fn open_log_folder(app: &AppHandle) -> Result<(), Error> {
    let dir = app.state::<LogDir>().0.clone();
    app.opener()
        .open_path(dir.to_string_lossy(), None::<&str>)
        .map_err(|e| browser_unavailable("Could not open the log folder", e))
}

/// Where the app writes its data (`STRIPE_DESK_DATA_DIR` or the platform's).
pub struct DataDir(pub std::path::PathBuf);

/// Puts the window back where the person left it, after the first paint
/// (start-up reads nothing before it): its size, and its position when
/// that is on a screen this computer has now.
fn restore_window(app: &AppHandle) {
    put_window_back(app);
    // From now on the window's moves are the person's, and kept.
    app.state::<WindowKept>()
        .restored
        .store(true, Ordering::SeqCst);
}

fn put_window_back(app: &AppHandle) {
    let Some(g) = place::load(&app.state::<DataDir>().0).window else {
        return;
    };
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let _ = window.set_size(tauri::PhysicalSize::new(g.width, g.height));
    let on_a_screen = window
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .any(|m| {
            let (p, s) = (m.position(), m.size());
            g.x >= p.x && g.y >= p.y && g.x < p.x + s.width as i32 && g.y < p.y + s.height as i32
        });
    if on_a_screen {
        let _ = window.set_position(tauri::PhysicalPosition::new(g.x, g.y));
    }
    if g.maximized {
        let _ = window.maximize();
    }
}

/// Where the window is kept: only once it was put back where it was left
/// (a size from before then is the default's, not the person's).
#[derive(Default)]
pub struct WindowKept {
    restored: AtomicBool,
    /// The last move or resize; a save waits for the moves to settle.
    moves: AtomicU64,
}

/// How long a move or a resize must have settled before it is kept.
const SETTLED: std::time::Duration = std::time::Duration::from_millis(500);

/// The window was moved, resized or is closing: keep where it is (a move
/// once it settled), so a crash or a kill keeps it too.
pub fn window_changed(window: &tauri::Window, closing: bool) {
    let kept = window.state::<WindowKept>();
    if !kept.restored.load(Ordering::SeqCst) {
        return;
    }
    if closing {
        remember_window(window);
        return;
    }
    let this = kept.moves.fetch_add(1, Ordering::SeqCst) + 1;
    let window = window.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLED).await;
        if window.state::<WindowKept>().moves.load(Ordering::SeqCst) == this {
            remember_window(&window);
        }
    });
}

/// Keeps the window's size and position as the person leaves it.
fn remember_window(window: &tauri::Window) {
    let (Ok(position), Ok(size)) = (window.outer_position(), window.inner_size()) else {
        return;
    };
    let maximized = window.is_maximized().unwrap_or(false);
    let data_dir = window.state::<DataDir>().0.clone();
    let kept = place::update(&data_dir, |p| {
        // A maximized window keeps the size it had before, when that is known.
        let before = p.window;
        p.window = Some(match (maximized, before) {
            (true, Some(b)) => WindowGeometry {
                maximized: true,
                ..b
            },
            _ => WindowGeometry {
                x: position.x,
                y: position.y,
                width: size.width,
                height: size.height,
                maximized,
            },
        });
    });
    if let Err(e) = kept {
        tracing::warn!(code = %e.code(), "could not keep where the window was");
    }
}
