//! Where secrets live: the OS keyring, and nowhere else. The in-memory store
//! holds session-only keys (no keyring service) and serves as a test double.

use crate::error::Error;
use crate::secret::Secret;
use crate::views::KeyringStatus;
use std::collections::HashMap;
use std::sync::Mutex;

pub trait SecretStore: Send + Sync {
    fn put(&self, name: &str, secret: &Secret) -> Result<(), Error>;
    fn get(&self, name: &str) -> Result<Option<Secret>, Error>;
    /// Deleting what is not there is fine.
    fn delete(&self, name: &str) -> Result<(), Error>;
    fn status(&self) -> KeyringStatus;
}

/// The OS keyring (Secret Service on Linux, Keychain on macOS, Credential
/// Manager on Windows; elsewhere none). Calls block on D-Bus: run them off
/// the async threads.
pub struct KeyringStore {
    service: String,
    status: KeyringStatus,
}

/// The keyring service every Stripe Desk secret is kept under (the app's,
/// and `desk-connect`'s, which saves for it).
pub const KEYRING_SERVICE: &str = "stripe-desk";

impl KeyringStore {
    /// Probes the keyring once so the window can say at start whether keys
    /// can be kept.
    pub fn open(service: &str) -> Self {
        let unavailable = |problem: String| KeyringStatus {
            available: false,
            problem: Some(problem),
        };
        let status = match keyring::Entry::new(service, "stripe-desk-probe") {
            // On a platform without a native store enabled (Cargo.toml),
            // `keyring` falls back to its in-memory mock: every key would be
            // lost at exit, so that is no keyring.
            Ok(probe) if probe.get_credential().is::<keyring::mock::MockCredential>() => {
                unavailable("this system has no keyring Stripe Desk can use".into())
            }
            Ok(probe) => match probe.get_password() {
                Ok(_) | Err(keyring::Error::NoEntry) => KeyringStatus {
                    available: true,
                    problem: None,
                },
                Err(e) => unavailable(keyring_problem(&e)),
            },
            Err(e) => unavailable(keyring_problem(&e)),
        };
        KeyringStore {
            service: service.to_owned(),
            status,
        }
    }

    fn entry(&self, name: &str) -> Result<keyring::Entry, Error> {
        keyring::Entry::new(&self.service, name).map_err(|e| Error::Keyring(keyring_problem(&e)))
    }
}

fn keyring_problem(e: &keyring::Error) -> String {
    match e {
        keyring::Error::NoStorageAccess(_) => "the keyring is locked or refused access".into(),
        keyring::Error::PlatformFailure(_) => "no keyring service is running".into(),
        other => other.to_string(),
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        self.entry(name)?
            .set_password(secret.expose())
            .map_err(|e| Error::Keyring(keyring_problem(&e)))
    }

    fn get(&self, name: &str) -> Result<Option<Secret>, Error> {
        match self.entry(name)?.get_password() {
            Ok(s) => Ok(Some(Secret::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(Error::Keyring(keyring_problem(&e))),
        }
    }

    fn delete(&self, name: &str) -> Result<(), Error> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(Error::Keyring(keyring_problem(&e))),
        }
    }

    fn status(&self) -> KeyringStatus {
        self.status.clone()
    }
}

/// Secrets kept in this process's memory only.
#[derive(Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, Secret>>,
}

impl MemoryStore {
    /// The names of the entries held, sorted (for tests).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.secrets.lock().unwrap().keys().cloned().collect();
        names.sort();
        names
    }
}

impl SecretStore for MemoryStore {
    fn put(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        self.secrets
            .lock()
            .unwrap()
            .insert(name.to_owned(), secret.clone());
        Ok(())
    }
    fn get(&self, name: &str) -> Result<Option<Secret>, Error> {
        Ok(self.secrets.lock().unwrap().get(name).cloned())
    }
    fn delete(&self, name: &str) -> Result<(), Error> {
        self.secrets.lock().unwrap().remove(name);
        Ok(())
    }
    fn status(&self) -> KeyringStatus {
        KeyringStatus {
            available: true,
            problem: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where `keyring` has no native store enabled it falls back to its
    /// in-memory mock, which forgets every key when the app closes: that is
    /// no keyring, and the window must say so.
    #[test]
    fn a_keyring_that_would_forget_everything_is_reported_as_none() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let status = KeyringStore::open("stripe-desk-test").status();
        assert!(!status.available, "{status:?}");
        assert!(
            status
                .problem
                .as_deref()
                .unwrap_or("")
                .contains("no keyring"),
            "{status:?}"
        );
    }
}
