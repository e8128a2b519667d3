//! The person's own settings for the whole app: the theme, how amounts
//! are typed and how dates are written. Kept in `<data dir>/settings.json`, written atomically (a
//! crash leaves the old file or the new one, never half of one), 0600.
//! Settings that belong to one screen stay with it (Activity's interval
//! and notifications, the run history's retention), and the Settings
//! screen links to them. Also the help a person can hand to support:
//! [`diagnostics`].

pub mod desk;
mod diagnostics;
pub mod place;

pub use diagnostics::diagnostics;

use crate::error::Error;
use crate::money::NumberFormat;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Theme {
    /// The system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

/// The order a date is written in, whatever the system's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DateFormat {
    /// 31/12/2026
    DayMonthYear,
    /// 12/31/2026
    MonthDayYear,
    /// 2026-12-31
    YearMonthDay,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppSettings {
    #[serde(default)]
    pub theme: Theme,
    /// How amounts are typed; `None`: as the system's language writes them.
    #[serde(default)]
    pub number_format: Option<NumberFormat>,
    /// How dates are written; `None`: as the system's language writes them.
    /// (A file from before this setting reads as `None`.)
    #[serde(default)]
    pub date_format: Option<DateFormat>,
}

#[derive(Serialize, Deserialize)]
struct SettingsFile {
    format: String,
    version: u64,
    settings: AppSettings,
}

const FORMAT: &str = "stripe-desk-settings";

pub fn path_for(data_dir: &Path) -> PathBuf {
    data_dir.join("settings.json")
}

/// The saved settings; the defaults when none were saved. A damaged file
/// is said, not silently replaced.
pub fn load(data_dir: &Path) -> Result<AppSettings, Error> {
    let path = path_for(data_dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AppSettings::default()),
        Err(e) => return Err(Error::Storage(format!("{}: {e}", path.display()))),
    };
    let file: SettingsFile = serde_json::from_slice(&bytes)
        .map_err(|e| Error::Storage(format!("{} is damaged ({e})", path.display())))?;
    if file.format != FORMAT || file.version > 1 {
        return Err(Error::Storage(format!(
            "{} was written by another or a newer Stripe Desk.",
            path.display()
        )));
    }
    Ok(file.settings)
}

pub fn save(data_dir: &Path, settings: &AppSettings) -> Result<(), Error> {
    let file = SettingsFile {
        format: FORMAT.into(),
        version: 1,
        settings: settings.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| Error::Storage(e.to_string()))?;
    crate::private_files::write_atomically(&path_for(data_dir), &bytes)
        .map_err(|e| Error::Storage(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn settings_are_kept_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), AppSettings::default());
        let s = AppSettings {
            theme: Theme::Dark,
            number_format: Some(NumberFormat::COMMA),
            date_format: Some(DateFormat::DayMonthYear),
        };
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path()).unwrap(), s);
        let mode = std::fs::metadata(path_for(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        // What was written before a damaged one is not silently replaced by defaults.
        std::fs::write(path_for(dir.path()), b"{not json").unwrap();
        assert!(load(dir.path()).is_err());
    }

    /// A file saved before dates could be chosen keeps its choices.
    #[test]
    fn a_file_from_before_the_date_setting_still_reads() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            path_for(dir.path()),
            br#"{"format":"stripe-desk-settings","version":1,"settings":{"theme":"dark","number_format":{"decimal":"comma"}}}"#,
        )
        .unwrap();
        let s = load(dir.path()).unwrap();
        assert_eq!(s.theme, Theme::Dark);
        assert_eq!(s.number_format, Some(NumberFormat::COMMA));
        assert_eq!(s.date_format, None);
    }
}
