//! What the window learns of a file written where the person chose in the
//! system's save dialog. The window never names a path itself: the Tauri
//! edge opens the dialog and hands the picked path to the domain.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SavedFile {
    /// Where it was written, as picked.
    pub path: String,
    /// For a CSV export: the rows written; `None` when the export was
    /// cancelled and no file was left.
    #[ts(type = "number | null")]
    pub rows: Option<u64>,
}
