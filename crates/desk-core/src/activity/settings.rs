//! Activity's settings, in `<data dir>/activity/settings.json` (0600): how
//! often to poll, how long to keep events, and each account's notification
//! choices with the moment each kind was switched on (nothing older than
//! that moment is ever notified). Read on first use, never at start-up.

use super::wire::{ActivitySettings, NotificationChoices, NotificationKind};
use crate::error::{Code, Error};
use crate::private_files;
use crate::views::Mode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const MIN_INTERVAL_SECONDS: u32 = 10;
pub const MAX_INTERVAL_SECONDS: u32 = 3600;
pub const MIN_RETENTION_DAYS: u32 = 30;
pub const MAX_RETENTION_DAYS: u32 = 3650;

impl ActivitySettings {
    /// Refuses values the app cannot honour, in words, at the field.
    pub fn check(&self) -> Result<(), Error> {
        if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&self.poll_interval_seconds) {
            return Err(Error::invalid(
                Code::InvalidInterval,
                "Check for new activity every 10 seconds at the most often, and at least once an hour.",
                Some("poll_interval_seconds"),
            ));
        }
        if !(MIN_RETENTION_DAYS..=MAX_RETENTION_DAYS).contains(&self.retention_days) {
            return Err(Error::invalid(
                Code::InvalidRetention,
                "Keep activity for 30 days to 10 years. Stripe itself keeps it for 30 days, so a shorter time would lose events.",
                Some("retention_days"),
            ));
        }
        Ok(())
    }
}

/// One account's notification choices as saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AccountChoices {
    pub choices: NotificationChoices,
    /// The person chose them (otherwise: the mode's defaults).
    #[serde(default)]
    pub chosen: bool,
    /// Unix seconds each kind that is on was switched on.
    #[serde(default)]
    pub on_since: BTreeMap<NotificationKind, i64>,
}

impl AccountChoices {
    pub fn defaults(mode: Mode, now: i64) -> AccountChoices {
        let choices = NotificationChoices::defaults(mode);
        AccountChoices {
            choices,
            chosen: false,
            on_since: NotificationKind::ALL
                .into_iter()
                .filter(|k| choices.get(*k))
                .map(|k| (k, now))
                .collect(),
        }
    }

    /// The person's choices: a kind switched on now counts from now; one
    /// that stays on keeps its moment.
    pub fn choose(&mut self, choices: NotificationChoices, now: i64) {
        for kind in NotificationKind::ALL {
            match (self.choices.get(kind), choices.get(kind)) {
                (false, true) => {
                    self.on_since.insert(kind, now);
                }
                (_, false) => {
                    self.on_since.remove(&kind);
                }
                (true, true) => {
                    self.on_since.entry(kind).or_insert(now);
                }
            }
        }
        self.choices = choices;
        self.chosen = true;
    }

    /// Whether an event of `kind` made at `created` may be notified.
    pub fn wants(&self, kind: NotificationKind, created: i64) -> bool {
        self.choices.get(kind)
            && self
                .on_since
                .get(&kind)
                .is_some_and(|since| created >= *since)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SettingsData {
    #[serde(default)]
    pub settings: ActivitySettings,
    /// By connection ID.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountChoices>,
}

pub(crate) struct SettingsFile {
    path: PathBuf,
    loaded: Mutex<Option<SettingsData>>,
}

impl SettingsFile {
    pub fn new(data_dir: &Path) -> SettingsFile {
        SettingsFile {
            path: data_dir.join("activity").join("settings.json"),
            loaded: Mutex::new(None),
        }
    }

    fn load(&self) -> SettingsData {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::error!(error = %e, "activity settings unreadable; using the defaults");
                SettingsData::default()
            }),
            Err(_) => SettingsData::default(),
        }
    }

    /// Reads (from disk the first time) and, when `change` says so, saves.
    pub fn with<T>(
        &self,
        change: impl FnOnce(&mut SettingsData) -> Result<(T, bool), Error>,
    ) -> Result<T, Error> {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        let data = loaded.get_or_insert_with(|| self.load());
        let mut copy = data.clone();
        let (out, save) = change(&mut copy)?;
        if save && copy != *data {
            let storage = |e: std::io::Error| Error::Storage(e.to_string());
            if let Some(dir) = self.path.parent() {
                private_files::private_dir(dir).map_err(storage)?;
            }
            let bytes =
                serde_json::to_vec_pretty(&copy).map_err(|e| Error::Storage(e.to_string()))?;
            private_files::write_atomically(&self.path, &bytes).map_err(storage)?;
            *data = copy;
        }
        Ok(out)
    }

    pub fn read<T>(&self, f: impl FnOnce(&SettingsData) -> T) -> T {
        self.with(|d| Ok((f(d), false)))
            .expect("reading never fails")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_switched_on_counts_from_that_moment() {
        let mut c = AccountChoices::defaults(Mode::Live, 100);
        assert!(c.wants(NotificationKind::FailedPayments, 100));
        assert!(
            !c.wants(NotificationKind::FailedPayments, 99),
            "older than switch-on"
        );
        assert!(
            !c.wants(NotificationKind::SuccessfulPayments, 500),
            "off by default"
        );
        let mut choices = c.choices;
        choices.successful_payments = true;
        c.choose(choices, 300);
        assert!(!c.wants(NotificationKind::SuccessfulPayments, 299));
        assert!(c.wants(NotificationKind::SuccessfulPayments, 300));
        assert!(
            c.wants(NotificationKind::FailedPayments, 150),
            "kept its moment"
        );
        choices.failed_payments = false;
        c.choose(choices, 400);
        assert!(!c.wants(NotificationKind::FailedPayments, 500));
        choices.failed_payments = true;
        c.choose(choices, 600);
        assert!(
            !c.wants(NotificationKind::FailedPayments, 500),
            "switched on again: counts from then"
        );
        let test = AccountChoices::defaults(Mode::Test, 0);
        assert!(NotificationKind::ALL
            .into_iter()
            .all(|k| !test.wants(k, 10)));
    }

    #[test]
    fn limits_are_refused_at_their_field() {
        let bad = ActivitySettings {
            poll_interval_seconds: 2,
            retention_days: 365,
        };
        let e = bad.check().unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { param: Some(p), .. } if p == "poll_interval_seconds")
        );
        let short = ActivitySettings {
            poll_interval_seconds: 30,
            retention_days: 7,
        };
        assert!(short
            .check()
            .unwrap_err()
            .plain_message()
            .contains("30 days"));
        assert!(ActivitySettings::default().check().is_ok());
    }
}
