//! The Workflows screen's settings, kept in `<data dir>/workflows/settings.json`:
//! how long run history is kept (shown on the screen, and changed there).

use super::files::write_private;
use crate::error::{Code, Error};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Runs older than this are removed unless the person chose otherwise.
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
/// The longest history that can be asked for: ten years.
pub const MAX_HISTORY_DAYS: u32 = 3650;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WorkflowSettings {
    /// Runs that started longer ago than this many days are removed.
    pub run_history_days: u32,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        WorkflowSettings {
            run_history_days: DEFAULT_HISTORY_DAYS,
        }
    }
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn new(data_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: data_dir.join("workflows").join("settings.json"),
        }
    }

    /// The saved settings; the defaults when none were saved or the file
    /// cannot be read.
    pub fn load(&self) -> WorkflowSettings {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice::<WorkflowSettings>(&b).ok())
            .filter(|s| (1..=MAX_HISTORY_DAYS).contains(&s.run_history_days))
            .unwrap_or_default()
    }

    /// Saves the settings; a number of days out of range is refused in words.
    pub fn save(&self, settings: WorkflowSettings) -> Result<WorkflowSettings, Error> {
        if !(1..=MAX_HISTORY_DAYS).contains(&settings.run_history_days) {
            return Err(Error::invalid(
                Code::HistoryDays,
                format!("Keep run history for 1 to {MAX_HISTORY_DAYS} days (ten years)."),
                Some("run_history_days"),
            ));
        }
        let bytes =
            serde_json::to_vec_pretty(&settings).map_err(|e| Error::Storage(e.to_string()))?;
        write_private(&self.path, &bytes)?;
        Ok(settings)
    }
}
