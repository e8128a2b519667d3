//! The settings' entry points on [`Desk`].

use super::AppSettings;
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
}
