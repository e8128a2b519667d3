//! Where the person left the app: the window's size and position, the
//! screen they were on, and how they sorted the Balances table. Kept in
//! `<data dir>/window.json` (0600, written whole) and read back after the
//! first paint, so start-up does no I/O before it.

use crate::balances::Sort;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The window's outer position and inner size, in physical pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WindowGeometry {
    pub x: i32,
    pub y: i32,
    pub width: u32,
    pub height: u32,
    pub maximized: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Place {
    #[serde(default)]
    pub window: Option<WindowGeometry>,
    /// The screen shown last (`balances`), for the next start.
    #[serde(default)]
    pub route: Option<String>,
    #[serde(default)]
    pub balances_sort: Option<Sort>,
}

/// The screens a start may open on: never a half-done flow's.
const ROUTES: &[&str] = &[
    "connections",
    "actions",
    "workflows",
    "balances",
    "activity",
    "settings",
];

pub fn path_for(data_dir: &Path) -> PathBuf {
    data_dir.join("window.json")
}

/// What was kept; nothing when none was, or when it cannot be read (a
/// window placed by default is no loss worth a message).
pub fn load(data_dir: &Path) -> Place {
    let Ok(bytes) = std::fs::read(path_for(data_dir)) else {
        return Place::default();
    };
    let mut place: Place = serde_json::from_slice(&bytes).unwrap_or_default();
    if place.route.as_deref().is_some_and(|r| !ROUTES.contains(&r)) {
        place.route = None;
    }
    if place
        .window
        .is_some_and(|w| w.width < 200 || w.height < 150)
    {
        place.window = None;
    }
    place
}

/// One change at a time: the window's moves and the screens' choices are
/// kept from different threads, and each reads the file before writing it.
static UPDATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Changes what is kept with `change`, and writes it whole.
pub fn update(data_dir: &Path, change: impl FnOnce(&mut Place)) -> Result<Place, Error> {
    let _one_at_a_time = UPDATING.lock().unwrap_or_else(|e| e.into_inner());
    let mut place = load(data_dir);
    change(&mut place);
    let bytes = serde_json::to_vec_pretty(&place).map_err(|e| Error::Storage(e.to_string()))?;
    crate::private_files::write_atomically(&path_for(data_dir), &bytes)
        .map_err(|e| Error::Storage(e.to_string()))?;
    Ok(place)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window kept from one thread and the sort from another: neither
    /// change is lost.
    #[test]
    fn changes_from_two_threads_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_path_buf();
        let windows = std::thread::spawn({
            let path = path.clone();
            move || {
                for i in 0..60 {
                    update(&path, |p| {
                        p.window = Some(WindowGeometry {
                            x: 0,
                            y: 0,
                            width: 900 + i,
                            height: 600,
                            maximized: false,
                        })
                    })
                    .unwrap();
                }
            }
        });
        for route in ROUTES.iter().cycle().take(60) {
            update(&path, |p| p.route = Some((*route).to_owned())).unwrap();
        }
        windows.join().unwrap();
        let kept = load(&path);
        assert_eq!(kept.window.map(|w| w.width), Some(959));
        assert_eq!(
            kept.route.as_deref(),
            ROUTES.iter().cycle().nth(59).copied()
        );
    }

    #[test]
    fn a_place_is_kept_and_nonsense_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()), Place::default());
        update(dir.path(), |p| {
            p.route = Some("balances".into());
            p.window = Some(WindowGeometry {
                x: 10,
                y: 20,
                width: 1000,
                height: 700,
                maximized: false,
            });
        })
        .unwrap();
        update(dir.path(), |p| p.balances_sort = None).unwrap();
        let back = load(dir.path());
        assert_eq!(back.route.as_deref(), Some("balances"));
        assert_eq!(back.window.unwrap().width, 1000);
        update(dir.path(), |p| {
            p.route = Some("oauth-settings".into());
            p.window = Some(WindowGeometry {
                x: 0,
                y: 0,
                width: 5,
                height: 5,
                maximized: false,
            });
        })
        .unwrap();
        let back = load(dir.path());
        assert_eq!((back.route, back.window), (None, None));
    }
}
