//! The system's save and open dialogs, opened by the backend: every file a
//! command reads or writes is one the person picked there, never a path
//! the page names (a compromised page could otherwise write over
//! `~/.bashrc` or read `/dev/zero`). The window has no permission to open
//! dialogs itself (capabilities/default.json).

use std::path::PathBuf;
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

/// One kind of file a dialog offers: its name and extensions.
pub struct Kind {
    pub name: &'static str,
    pub extensions: &'static [&'static str],
}

pub const WORKFLOW: Kind = Kind {
    name: "Stripe Desk workflow",
    extensions: &["json"],
};

pub const CSV: Kind = Kind {
    name: "CSV",
    extensions: &["csv"],
};

pub const SPREADSHEET: Kind = Kind {
    name: "Spreadsheet",
    extensions: &["csv", "tsv", "txt", "xlsx", "xlsm", "xls", "ods"],
};

pub const XLSX: Kind = Kind {
    name: "Excel workbook",
    extensions: &["xlsx"],
};

fn builder(app: &AppHandle, title: &str, kind: &Kind) -> FileDialogBuilder<tauri::Wry> {
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter(kind.name, kind.extensions);
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    dialog
}

fn picked(file: Option<FilePath>) -> Option<PathBuf> {
    file.and_then(|f| f.into_path().ok())
}

/// Where the person chose to save (the dialog asks before replacing a
/// file), or `None` when they cancelled.
pub async fn save(app: &AppHandle, title: &str, suggested: &str, kind: &Kind) -> Option<PathBuf> {
    let (tell, answer) = tokio::sync::oneshot::channel();
    builder(app, title, kind)
        .set_file_name(suggested)
        .save_file(move |file| {
            let _ = tell.send(picked(file));
        });
    answer.await.ok().flatten()
}

/// The file the person chose to open, or `None` when they cancelled.
pub async fn open(app: &AppHandle, title: &str, kind: &Kind) -> Option<PathBuf> {
    let (tell, answer) = tokio::sync::oneshot::channel();
    builder(app, title, kind).pick_file(move |file| {
        let _ = tell.send(picked(file));
    });
    answer.await.ok().flatten()
}
