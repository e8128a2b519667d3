//! The settings' entry points on [`Desk`].

use super::place::{self, Place};
use super::AppSettings;
use crate::balances::Sort;
use crate::error::Error;
use crate::Desk;

impl Desk {
    pub fn app_settings(&self) -> Result<AppSettings, Error> {
        super::load(self.data_dir())
    }

    /// Saves them whole (atomically) and returns them as saved.
    pub fn save_app_settings(&self, settings: AppSettings) -> Result<AppSettings, Error> {
        super::save(self.data_dir(), &settings)?;
        Ok(settings)
    }

    /// Where the person left the app, read after the first paint.
    pub fn place(&self) -> Place {
        place::load(self.data_dir())
    }

    /// Keeps the screen shown or the Balances sort (whichever is given) for the next start.
    pub fn remember(
        &self,
        route: Option<String>,
        balances_sort: Option<Sort>,
    ) -> Result<Place, Error> {
        place::update(self.data_dir(), |p| {
            if route.is_some() {
                p.route = route;
            }
            if balances_sort.is_some() {
                p.balances_sort = balances_sort;
            }
        })
    }
}
