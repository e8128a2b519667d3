//! Stripe Desk's Tauri edge: start-up, plugins, and the commands the window
//! calls, declared once in `commands/list.rs`: each a thin adapter over
//! [`desk_core::Desk`].

mod activity;
pub mod commands;
mod dialogs;
mod logging;
mod sample;
mod startup;

use desk_core::connections::secret_store::{KeyringStore, KEYRING_SERVICE};
use desk_core::desk::DeskConfig;
use desk_core::{Bases, Desk};
use startup::{BuildDesk, DeskCell};
use std::path::PathBuf;
use std::sync::Arc;
use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

pub fn run() {
    tauri::Builder::default()
        // First, so a second launch (a deep link on Linux/Windows) is handed
        // to this process before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        // The system save and open dialogs, opened by the backend only
        // (src-tauri/dialogs.rs): the window may not open them itself.
        .plugin(tauri_plugin_dialog::init())
        // Activity's desktop notifications, shown by the backend only: the
        // window has no permission of the plugin's.
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            // Only what costs no I/O here: the window paints first (see startup.rs).
            let (data_dir, log_dir) = dirs(app.handle())?;
            let demo = std::env::var("STRIPE_DESK_DEMO").is_ok_and(|v| v == "1");
            let desk_dir = data_dir.clone();
            app.manage(commands::app::LogDir(log_dir.clone()));
            app.manage(commands::app::DataDir(data_dir.clone()));
            app.manage(commands::app::WindowKept::default());
            let build: BuildDesk = Arc::new(move || {
                logging::init(&log_dir).map_err(|e| e.to_string())?;
                let mut config = DeskConfig::new(Bases::from_env(), desk_dir.clone());
                config.demo = demo;
                let secrets = Arc::new(KeyringStore::open(KEYRING_SERVICE));
                let desk = Desk::new(config, secrets).map_err(|e| e.plain_message())?;
                tracing::info!(data_dir = %desk_dir.display(), bases = ?desk.bases().non_default(), "Stripe Desk started");
                Ok(desk)
            });
            app.manage(DeskCell::new(build));
            app.manage(commands::IpcAudit::from_env(&data_dir));
            listen_for_deep_links(app)?;
            Ok(())
        })
        .invoke_handler(commands::list::handler())
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::Moved(_) | tauri::WindowEvent::Resized(_) => {
                commands::app::window_changed(window, false)
            }
            tauri::WindowEvent::CloseRequested { .. } => commands::app::window_changed(window, true),
            _ => {}
        })
        .run(tauri::generate_context!())
        .expect("Stripe Desk failed to start");
}

/// OAuth answers come back as `stripe-desk://oauth/callback?...`: to the
/// running app (through single-instance, from a second process), or as the
/// URL this process was started with (a cold start).
fn listen_for_deep_links(app: &tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let deep_link = app.deep_link();
    let handle = app.handle().clone();
    deep_link.on_open_url(move |event| {
        for url in event.urls() {
            tauri::async_runtime::spawn(commands::take_oauth_answer(
                handle.clone(),
                url.to_string(),
            ));
        }
    });
    if let Some(urls) = deep_link.get_current()? {
        for url in urls {
            tauri::async_runtime::spawn(commands::take_oauth_answer(
                app.handle().clone(),
                url.to_string(),
            ));
        }
    }
    Ok(())
}

/// Run from a source tree (scripts/run.sh, cargo run), the app registers
/// the scheme with the desktop itself; an installed package does it through
/// its desktop entry (packaging/stripe-desk.desktop). It runs desktop tools
/// (xdg-mime, update-desktop-database) that compete with the window for the
/// CPU: called after first paint.
pub(crate) fn register_scheme(app: &tauri::AppHandle) {
    #[cfg(any(target_os = "linux", windows))]
    if !installed_by_package() {
        if let Err(e) = app.deep_link().register_all() {
            tracing::warn!(error = %e, "could not register the stripe-desk: scheme");
        }
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    let _ = app;
}

/// Whether this binary was installed by the .deb (under /usr), whose
/// desktop entry registers the scheme.
#[cfg(any(target_os = "linux", windows))]
fn installed_by_package() -> bool {
    cfg!(target_os = "linux") && std::env::current_exe().is_ok_and(|exe| exe.starts_with("/usr"))
}

/// The data dir (`STRIPE_DESK_DATA_DIR` or the platform's app data dir) and
/// the log dir (inside an overridden data dir, so tests can read it).
fn dirs(app: &tauri::AppHandle) -> Result<(PathBuf, PathBuf), Box<dyn std::error::Error>> {
    let paths = app.path();
    match std::env::var_os("STRIPE_DESK_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            Ok((dir.clone(), dir.join("logs")))
        }
        None => Ok((paths.app_data_dir()?, paths.app_log_dir()?)),
    }
}
