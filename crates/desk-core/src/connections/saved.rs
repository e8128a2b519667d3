//! Saved connections: the non-secret part, in a JSON file in the data dir.
//! The secrets they need are in the keyring under [`ConnectionRecord::secret_name`].

use crate::error::Error;
use crate::private_files;
use crate::views::{ConnectionMethod, ConnectionSummary, Mode};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ConnectionRecord {
    pub id: String,
    pub display_name: String,
    pub account_id: String,
    #[serde(default)]
    pub account_override: Option<String>,
    /// The connected account's name, as Stripe gave it when the override was checked.
    #[serde(default)]
    pub account_override_name: Option<String>,
    pub mode: Mode,
    pub method: ConnectionMethod,
    #[serde(default)]
    pub masked_key: Option<String>,
    #[serde(default)]
    pub restricted: bool,
    #[serde(default)]
    pub revoked: Option<String>,
    /// OAuth: the scope granted and the client it was granted to.
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub oauth_client_id: Option<String>,
    /// Stripe Apps: when the access token expires (Unix seconds).
    #[serde(default)]
    pub token_expires_at: Option<u64>,
}

impl ConnectionRecord {
    /// The keyring entry holding what calls authenticate with: the API key,
    /// the platform key (Connect OAuth) or the access token (Stripe Apps).
    pub fn secret_name(&self) -> String {
        secret_names_of(&self.id)[0].clone()
    }

    /// The keyring entry holding the OAuth refresh token.
    pub fn refresh_token_name(&self) -> String {
        secret_names_of(&self.id)[1].clone()
    }

    /// Stripe Apps: the developer's secret key, needed to refresh.
    pub fn client_secret_name(&self) -> String {
        secret_names_of(&self.id)[2].clone()
    }

    pub fn secret_names(&self) -> [String; 3] {
        secret_names_of(&self.id)
    }

    pub fn summary(&self, session_only: bool) -> ConnectionSummary {
        ConnectionSummary {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            account_id: self.account_id.clone(),
            account_override: self.account_override.clone(),
            account_override_name: self.account_override_name.clone(),
            mode: self.mode,
            method: self.method,
            masked_key: self.masked_key.clone(),
            restricted: self.restricted,
            session_only,
            revoked: self.revoked.clone(),
        }
    }
}

/// Every keyring entry a connection may have: what calls authenticate
/// with, the refresh token, and (Stripe Apps) the developer's key.
pub fn secret_names_of(id: &str) -> [String; 3] {
    [
        format!("connection/{id}"),
        format!("connection/{id}/refresh"),
        format!("connection/{id}/client-secret"),
    ]
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct SavedConnections {
    #[serde(default)]
    pub active_id: Option<String>,
    #[serde(default)]
    pub connections: Vec<ConnectionRecord>,
}

/// The file `connections.json`, written whole, atomically and private.
pub struct ConnectionFile {
    path: PathBuf,
}

impl ConnectionFile {
    pub fn new(data_dir: &Path) -> Self {
        ConnectionFile {
            path: data_dir.join("connections.json"),
        }
    }

    pub fn load(&self) -> Result<SavedConnections, Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Storage(format!(
                    "{} is damaged ({e}); it was left untouched",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SavedConnections::default()),
            Err(e) => Err(Error::Storage(e.to_string())),
        }
    }

    pub fn save(&self, saved: &SavedConnections) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(saved).map_err(|e| Error::Storage(e.to_string()))?;
        private_files::write_atomically(&self.path, &bytes)
            .map_err(|e| Error::Storage(e.to_string()))
    }
}

/// `keyring-ids.json`: the connections this data dir has put secrets in the
/// keyring for, each written here before its first secret. Entries of ids
/// listed here with no connection left are what a failed write or removal
/// left behind, and the sweep at start deletes them. The keyring is shared
/// by every data dir (the demo has one of its own), so the sweep goes by
/// this list, never by what the keyring holds.
pub struct KeyringLedger {
    path: PathBuf,
}

impl KeyringLedger {
    pub fn new(data_dir: &Path) -> Self {
        KeyringLedger {
            path: data_dir.join("keyring-ids.json"),
        }
    }

    pub fn load(&self) -> BTreeSet<String> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn add(&self, id: &str) -> Result<(), Error> {
        let mut ids = self.load();
        if ids.insert(id.to_owned()) {
            self.save(&ids)?;
        }
        Ok(())
    }

    pub fn remove(&self, gone: &[String]) -> Result<(), Error> {
        let mut ids = self.load();
        let before = ids.len();
        ids.retain(|id| !gone.contains(id));
        if ids.len() != before {
            self.save(&ids)?;
        }
        Ok(())
    }

    fn save(&self, ids: &BTreeSet<String>) -> Result<(), Error> {
        let bytes = serde_json::to_vec(ids).map_err(|e| Error::Storage(e.to_string()))?;
        private_files::write_atomically(&self.path, &bytes)
            .map_err(|e| Error::Storage(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_tolerates_a_missing_file() {
        let dir = std::env::temp_dir().join(format!("desk-conn-{}", std::process::id()));
        let file = ConnectionFile::new(&dir);
        assert_eq!(file.load().unwrap(), SavedConnections::default());
        let saved = SavedConnections {
            active_id: Some("c1".into()),
            connections: vec![ConnectionRecord {
                id: "c1".into(),
                display_name: "Acme".into(),
                account_id: "acct_1".into(),
                account_override: None,
                account_override_name: None,
                mode: Mode::Test,
                method: ConnectionMethod::ApiKey,
                masked_key: Some("sk_test_...4242".into()),
                restricted: false,
                revoked: None,
                scope: None,
                oauth_client_id: None,
                token_expires_at: None,
            }],
        };
        file.save(&saved).unwrap();
        assert_eq!(file.load().unwrap(), saved);
        std::fs::write(dir.join("connections.json"), b"{not json").unwrap();
        assert!(file.load().unwrap_err().to_string().contains("damaged"));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
