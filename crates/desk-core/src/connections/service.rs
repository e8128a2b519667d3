//! The connections service: saved connections, their secrets, testing
//! them, and sending requests as one of them.

use super::connection_test::{self, fetch_account};
use super::keys::{ApiKey, KeyKind};
use super::oauth::{PendingFile, SettingsFile};
use super::oauth_flow::record_auth;
use super::saved::{
    secret_names_of, ConnectionFile, ConnectionRecord, KeyringLedger, SavedConnections,
};
use super::secret_store::{MemoryStore, SecretStore};
use crate::config::Bases;
use crate::error::{Code, Error};
use crate::secret::Secret;
use crate::stripe::{random_token, Auth, Request, StripeClient};
use crate::views::{
    ConnectionMethod, ConnectionSummary, ConnectionTest, ConnectionsView, FlowStage, KeyCheck,
    KeyringStatus, Mode, OAuthFlowState, SaveKeyOutcome, WhenAlreadySaved,
};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Connections {
    pub(super) bases: Bases,
    pub(super) client: StripeClient,
    pub(super) file: ConnectionFile,
    pub(super) ledger: KeyringLedger,
    /// The OS keyring (or a test double).
    pub(super) secrets: Arc<dyn SecretStore>,
    /// Keys the user chose to keep for this session only: never written anywhere.
    pub(super) session_secrets: Arc<MemoryStore>,
    pub(super) state: Mutex<State>,
    pub(super) oauth_file: SettingsFile,
    pub(super) pending_file: PendingFile,
    pub(super) flow: Mutex<OAuthFlowState>,
    /// Codes already sent to Stripe: a code is never sent twice.
    pub(super) used_codes: Mutex<HashSet<String>>,
    /// Answers refused for not carrying the waiting flow's state.
    pub(super) refused_answers: Arc<AtomicU64>,
    /// One writer of connections' keyring entries at a time: a token
    /// refresh, a removal, a new connection, the sweep at start.
    pub(super) secrets_lock: tokio::sync::Mutex<()>,
    /// Ends the loopback listener of the flow that is waiting, if any.
    pub(super) loopback_stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    /// Rotated refresh tokens whose keyring write has not succeeded yet.
    pub(super) unsaved_refresh: Mutex<HashMap<String, Secret>>,
    pub(super) token_refresh_margin: Duration,
}

#[derive(Default)]
pub(super) struct State {
    pub(super) saved: SavedConnections,
    pub(super) session: Vec<ConnectionRecord>,
}

impl State {
    pub(super) fn find(&self, id: &str) -> Option<(&ConnectionRecord, bool)> {
        let saved = self
            .saved
            .connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| (c, false));
        saved.or_else(|| self.session.iter().find(|c| c.id == id).map(|c| (c, true)))
    }

    pub(super) fn find_mut(&mut self, id: &str) -> Option<&mut ConnectionRecord> {
        self.saved
            .connections
            .iter_mut()
            .chain(self.session.iter_mut())
            .find(|c| c.id == id)
    }

    /// What goes to `connections.json`: saved connections only, and the
    /// current one only if it is one of them.
    fn to_disk(&self) -> SavedConnections {
        let mut saved = self.saved.clone();
        if self
            .session
            .iter()
            .any(|c| Some(&c.id) == saved.active_id.as_ref())
        {
            saved.active_id = None;
        }
        saved
    }

    fn view(&self) -> ConnectionsView {
        let saved = self.saved.connections.iter().map(|c| c.summary(false));
        let session = self.session.iter().map(|c| c.summary(true));
        ConnectionsView {
            connections: saved.chain(session).collect(),
            active_id: self.saved.active_id.clone(),
        }
    }
}

impl Connections {
    pub fn new(
        bases: Bases,
        client: StripeClient,
        data_dir: &Path,
        secrets: Arc<dyn SecretStore>,
        token_refresh_margin: Duration,
    ) -> Connections {
        let file = ConnectionFile::new(data_dir);
        let saved = match file.load() {
            Ok(saved) => saved,
            Err(e) => {
                // Keep the damaged file aside instead of overwriting it later.
                let aside = data_dir.join("connections.json.damaged");
                let _ = std::fs::rename(data_dir.join("connections.json"), &aside);
                tracing::error!(error = %e, aside = %aside.display(), "connections file unreadable; starting empty");
                SavedConnections::default()
            }
        };
        Connections {
            ledger: KeyringLedger::new(data_dir),
            oauth_file: SettingsFile::new(data_dir),
            pending_file: PendingFile::new(data_dir),
            flow: Mutex::new(OAuthFlowState {
                state: FlowStage::Idle,
                message: None,
                seq: 0,
            }),
            used_codes: Mutex::new(HashSet::new()),
            refused_answers: Arc::default(),
            secrets_lock: tokio::sync::Mutex::new(()),
            loopback_stop: Mutex::new(None),
            unsaved_refresh: Mutex::new(HashMap::new()),
            token_refresh_margin,
            client,
            bases,
            file,
            secrets,
            session_secrets: Arc::new(MemoryStore::default()),
            state: Mutex::new(State {
                saved,
                session: Vec::new(),
            }),
        }
    }

    pub fn keyring_status(&self) -> KeyringStatus {
        self.secrets.status()
    }

    pub fn list_connections(&self) -> ConnectionsView {
        self.state.lock().unwrap().view()
    }

    /// Instant feedback while the user types; sends nothing.
    pub fn classify_key(&self, input: &str) -> KeyCheck {
        match ApiKey::parse(input) {
            Ok(key) => KeyCheck {
                valid: true,
                masked: Some(key.masked()),
                mode: Some(key.mode),
                restricted: key.kind == KeyKind::Restricted,
                message: Some(key.describe()),
            },
            Err(problem) => KeyCheck {
                valid: false,
                masked: None,
                mode: None,
                restricted: false,
                message: Some(problem.message().into()),
            },
        }
    }

    /// Tests a key before it is saved. `Err` only for text that is no key.
    pub async fn test_key(&self, input: &str) -> Result<ConnectionTest, Error> {
        let key = parse_key(input)?;
        let auth = key.auth();
        let restricted = key.kind == KeyKind::Restricted;
        Ok(
            connection_test::test_connection(&self.client, &auth, restricted)
                .await
                .unwrap_or_else(|e| connection_test::unavailable(&e)),
        )
    }

    /// Checks a pasted key against what the person chose in "Create a key
    /// for Stripe Desk". `Err` only for text that is no key.
    pub async fn check_key_for(
        &self,
        input: &str,
        goals: &[super::key_guide::KeyGoal],
    ) -> Result<super::key_guide::KeyGuideCheck, Error> {
        let key = parse_key(input)?;
        Ok(super::key_guide::check_key(&self.client, &key, goals).await)
    }

    /// Tests the key, then keeps it in the keyring (or, if asked, for this
    /// session only) and the account's details in the data dir. Another key
    /// of the same account and mode is replaced (see [`Self::save_key_as`]).
    pub async fn save_key_connection(
        &self,
        input: &str,
        session_only: bool,
    ) -> Result<ConnectionSummary, Error> {
        match self
            .save_key_as(input, session_only, WhenAlreadySaved::Replace)
            .await?
        {
            SaveKeyOutcome::Saved { connection } => Ok(connection),
            SaveKeyOutcome::AlreadySaved { .. } => unreachable!("Replace never asks"),
        }
    }

    /// Like [`Self::save_key_connection`], but when the account already has
    /// a different key saved in this mode, `when_saved` decides: ask first
    /// (nothing is saved), replace it, or keep both. Saving the very key that
    /// is saved only refreshes the account's details.
    pub async fn save_key_as(
        &self,
        input: &str,
        session_only: bool,
        when_saved: WhenAlreadySaved,
    ) -> Result<SaveKeyOutcome, Error> {
        let key = parse_key(input)?;
        let keyring = self.secrets.status();
        if !session_only && !keyring.available {
            return Err(Error::invalid(
                Code::KeyringUnavailable,
                format!(
                    "This computer has no working keyring ({}), so the key cannot be stored safely. Choose \"Use for this session only\".",
                    keyring.problem.unwrap_or_default()
                ),
                Some("key"),
            ));
        }
        let auth = key.auth();
        let account = fetch_account(&self.client, &auth).await.map_err(|e| {
            Error::invalid(
                Code::ConnectionUnavailable,
                format!("Connection unavailable: {}", e.plain_message()),
                Some("key"),
            )
        })?;

        let mut existing = self.find_existing(ConnectionMethod::ApiKey, &account.id, key.mode);
        if let Some(saved) = existing.clone() {
            if !self.holds_key(&saved, &key).await? {
                match when_saved {
                    WhenAlreadySaved::Ask => {
                        let session = self.record(&saved.id).map(|(_, s)| s).unwrap_or(false);
                        return Ok(SaveKeyOutcome::AlreadySaved {
                            question: replace_question(&saved, &key),
                            existing: saved.summary(session),
                        });
                    }
                    WhenAlreadySaved::Replace => {}
                    WhenAlreadySaved::KeepBoth => existing = None,
                }
            }
        }
        let keeps_both = existing.is_none()
            && self
                .find_existing(ConnectionMethod::ApiKey, &account.id, key.mode)
                .is_some();
        let record = ConnectionRecord {
            id: existing
                .as_ref()
                .map_or_else(|| random_token("conn"), |c| c.id.clone()),
            display_name: match &existing {
                Some(c) => c.display_name.clone(),
                None if keeps_both => format!("{} ({})", account.display_name(), key_words(&key)),
                None => account.display_name(),
            },
            account_id: account.id.clone(),
            account_override: existing.as_ref().and_then(|c| c.account_override.clone()),
            account_override_name: existing
                .as_ref()
                .and_then(|c| c.account_override_name.clone()),
            mode: key.mode,
            method: ConnectionMethod::ApiKey,
            masked_key: Some(key.masked()),
            restricted: key.kind == KeyKind::Restricted,
            revoked: None,
            scope: None,
            oauth_client_id: None,
            token_expires_at: None,
        };
        let _writing = self.secrets_lock.lock().await;
        if !session_only {
            self.ledger.add(&record.id)?;
        }
        let store = self.store_for(session_only);
        let name = record.secret_name();
        let secret = key.secret().clone();
        blocking(move || store.put(&name, &secret)).await?;
        let saved = self.upsert(record.clone(), session_only);
        if saved.is_err() && existing.is_none() {
            let _ = self.store_for(session_only).delete(&record.secret_name());
        }
        saved.map(|connection| SaveKeyOutcome::Saved { connection })
    }

    /// Whether `saved` already holds exactly this key (read from the keyring:
    /// two keys can share their masked form).
    async fn holds_key(&self, saved: &ConnectionRecord, key: &ApiKey) -> Result<bool, Error> {
        let (_, session_only) = self.record(&saved.id)?;
        let store = self.store_for(session_only);
        let name = saved.secret_name();
        let held: Option<Secret> = blocking(move || store.get(&name)).await?;
        Ok(held.is_some_and(|h| h.expose() == key.secret().expose()))
    }

    pub(super) fn find_existing(
        &self,
        method: ConnectionMethod,
        account_id: &str,
        mode: Mode,
    ) -> Option<ConnectionRecord> {
        let state = self.state.lock().unwrap();
        state
            .saved
            .connections
            .iter()
            .chain(state.session.iter())
            .find(|c| c.method == method && c.account_id == account_id && c.mode == mode)
            .cloned()
    }

    /// Adds or replaces a connection and makes it the current one.
    pub(super) fn upsert(
        &self,
        record: ConnectionRecord,
        session_only: bool,
    ) -> Result<ConnectionSummary, Error> {
        let mut state = self.state.lock().unwrap();
        let before = (state.saved.clone(), state.session.clone());
        state.saved.connections.retain(|c| c.id != record.id);
        state.session.retain(|c| c.id != record.id);
        if session_only {
            state.session.push(record.clone());
        } else {
            state.saved.connections.push(record.clone());
        }
        state.saved.active_id = Some(record.id.clone());
        if let Err(e) = self.file.save(&state.to_disk()) {
            (state.saved, state.session) = before;
            return Err(e);
        }
        tracing::info!(connection = %record.id, account = %record.account_id, mode = record.mode.word(), method = ?record.method, session_only, "connection saved");
        Ok(record.summary(session_only))
    }

    /// Tests a saved connection; marks it revoked if Stripe says so.
    pub async fn test_connection(&self, id: &str) -> Result<ConnectionTest, Error> {
        let (record, auth) = self.auth_for(id).await?;
        match connection_test::test_connection(&self.client, &auth, record.restricted).await {
            Ok(test) => {
                if record.revoked.is_some() {
                    self.set_revoked(id, None);
                }
                Ok(test)
            }
            Err(e) => {
                self.note_error(id, &e);
                Ok(connection_test::unavailable(&e))
            }
        }
    }

    /// Sends a request as the given connection. Every feature goes through
    /// here, so a revoked key is noticed wherever it shows up.
    pub async fn call(&self, id: &str, request: &Request) -> Result<Value, Error> {
        let (_, auth) = self.auth_for(id).await?;
        match self.client.send(&auth, request).await {
            Ok(v) => Ok(v),
            Err(e) => {
                self.note_error(id, &e);
                Err(e)
            }
        }
    }

    /// Forgets the connection. It leaves the list first, so a token
    /// refresh in flight finds it gone and stores nothing; then, once no
    /// refresh is writing, its secrets leave the keyring. Any that cannot
    /// be deleted now are swept at the next start.
    pub async fn remove_connection(&self, id: &str) -> Result<ConnectionsView, Error> {
        let (record, session_only) = self.record(id)?;
        let store = self.store_for(session_only);
        if record.method == ConnectionMethod::ConnectOauth {
            // Best effort: the account owner may have disconnected already.
            let s = store.clone();
            let name = record.secret_name();
            if let Ok(Some(platform_key)) = blocking(move || s.get(&name)).await {
                if let Err(e) = self.deauthorize(&record, platform_key).await {
                    tracing::warn!(code = %e.code(), "Stripe did not confirm the deauthorization");
                }
            }
        }
        let view = self.update(|state| {
            state.saved.connections.retain(|c| c.id != id);
            state.session.retain(|c| c.id != id);
            if state.saved.active_id.as_deref() == Some(id) {
                state.saved.active_id = state
                    .saved
                    .connections
                    .iter()
                    .chain(state.session.iter())
                    .next()
                    .map(|c| c.id.clone());
            }
            Ok(())
        })?;
        let _writing = self.secrets_lock.lock().await;
        self.unsaved_refresh.lock().unwrap().remove(id);
        let names = record.secret_names();
        match blocking(move || names.iter().try_for_each(|n| store.delete(n))).await {
            Ok(()) => {
                if let Err(e) = self.ledger.remove(&[id.to_owned()]) {
                    tracing::warn!(error = %e, "could not update the keyring ledger");
                }
            }
            Err(e) => {
                tracing::warn!(connection = %id, error = %e, "could not delete the connection's secrets; they are swept at the next start")
            }
        }
        tracing::info!(connection = %id, "connection removed");
        Ok(view)
    }

    /// Deletes keyring entries of connections that no longer exist (a
    /// keyring write that failed partway through adding one, or a removal
    /// whose deletes failed, leaves them). Returns how many connections'
    /// entries went. Run it at start, off the start-up path.
    pub async fn sweep_orphaned_secrets(&self) -> Result<usize, Error> {
        let _writing = self.secrets_lock.lock().await;
        let orphans: Vec<String> = {
            let state = self.state.lock().unwrap();
            self.ledger
                .load()
                .into_iter()
                .filter(|id| !state.saved.connections.iter().any(|c| &c.id == id))
                .collect()
        };
        if orphans.is_empty() {
            return Ok(0);
        }
        let store = self.secrets.clone();
        let names: Vec<String> = orphans.iter().flat_map(|id| secret_names_of(id)).collect();
        blocking(move || names.iter().try_for_each(|n| store.delete(n))).await?;
        self.ledger.remove(&orphans)?;
        tracing::info!(
            count = orphans.len(),
            "deleted keyring entries of connections that no longer exist"
        );
        Ok(orphans.len())
    }

    pub fn set_active(&self, id: &str) -> Result<ConnectionsView, Error> {
        self.record(id)?;
        self.update(|state| {
            state.saved.active_id = Some(id.to_owned());
            Ok(())
        })
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<ConnectionsView, Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(Error::invalid(
                Code::InvalidName,
                "Give the connection a name of 1 to 80 characters.",
                Some("name"),
            ));
        }
        self.update(|state| {
            state
                .find_mut(id)
                .ok_or_else(|| not_found(id))?
                .display_name = name.to_owned();
            Ok(())
        })
    }

    /// Acts on a connected account with this key (`Stripe-Account`).
    /// Makes the connection act for an account connected to it
    /// (`Stripe-Account`), or, with `None`, for its own again. The ID is
    /// checked with Stripe first, so a mistyped one is refused at the field
    /// ("no such connected account") instead of later reading as a revoked
    /// connection.
    pub async fn set_account_override(
        &self,
        id: &str,
        account: Option<&str>,
    ) -> Result<ConnectionsView, Error> {
        let account = account.map(str::trim).filter(|a| !a.is_empty());
        let (record, _) = self.record(id)?;
        if record.method != ConnectionMethod::ApiKey {
            return Err(Error::invalid(
                Code::NotApiKey,
                "Only API-key connections can act on another account.",
                Some("accountId"),
            ));
        }
        let mut name = None;
        if let Some(a) = account {
            let valid = a.starts_with("acct_")
                && a.len() > 5
                && a[5..].chars().all(|c| c.is_ascii_alphanumeric());
            if !valid {
                return Err(Error::invalid(
                    Code::InvalidAccountId,
                    "An account ID starts with acct_ followed by letters and digits, like acct_1A2b3C.",
                    Some("accountId"),
                ));
            }
            let (_, mut auth) = self.auth_for(id).await?;
            auth.stripe_account = Some(a.to_owned());
            match fetch_account(&self.client, &auth).await {
                Ok(found) => name = Some(found.display_name()).filter(|n| n != a),
                // 403 account_invalid: this key may not act for that account.
                Err(e) if e.is_revoked() && e.status() == Some(403) => {
                    return Err(Error::invalid(
                        Code::NoSuchConnectedAccount,
                        format!(
                            "No such connected account: {a} is not connected to {}. Check the ID on the account's page in your Stripe Dashboard, under Connect.",
                            record.display_name
                        ),
                        Some("accountId"),
                    ));
                }
                Err(e) => {
                    self.note_error(id, &e);
                    return Err(Error::invalid(
                        Code::AccountCheckFailed,
                        e.plain_message(),
                        Some("accountId"),
                    ));
                }
            }
        }
        self.update(|state| {
            let record = state.find_mut(id).ok_or_else(|| not_found(id))?;
            record.account_override = account.map(str::to_owned);
            record.account_override_name = name.clone();
            // A working account (or none) ends a disconnected state it caused.
            if record.revoked.is_some() {
                record.revoked = None;
            }
            Ok(())
        })
    }

    pub(super) fn update(
        &self,
        change: impl FnOnce(&mut State) -> Result<(), Error>,
    ) -> Result<ConnectionsView, Error> {
        let mut state = self.state.lock().unwrap();
        let before = (state.saved.clone(), state.session.clone());
        change(&mut state)?;
        if let Err(e) = self.file.save(&state.to_disk()) {
            (state.saved, state.session) = before;
            return Err(e);
        }
        Ok(state.view())
    }

    pub(crate) fn record(&self, id: &str) -> Result<(ConnectionRecord, bool), Error> {
        let state = self.state.lock().unwrap();
        state
            .find(id)
            .map(|(c, s)| (c.clone(), s))
            .ok_or_else(|| not_found(id))
    }

    /// Every connection, saved or for this session only.
    pub(crate) fn records(&self) -> Vec<ConnectionRecord> {
        let state = self.state.lock().unwrap();
        state
            .saved
            .connections
            .iter()
            .chain(&state.session)
            .cloned()
            .collect()
    }

    pub(crate) fn client(&self) -> &StripeClient {
        &self.client
    }

    /// The current connection, and who it acts as.
    pub(crate) async fn current_auth(&self) -> Result<(ConnectionRecord, Auth), Error> {
        let active = self.state.lock().unwrap().saved.active_id.clone();
        let id = active.ok_or_else(|| Error::NotFound("Connect a Stripe account first.".into()))?;
        self.auth_for(&id).await
    }

    pub(crate) async fn auth_for(&self, id: &str) -> Result<(ConnectionRecord, Auth), Error> {
        let (record, session_only) = self.record(id)?;
        if record.method == ConnectionMethod::AppsOauth {
            let token = self.fresh_apps_token(&record).await?;
            return Ok((record.clone(), record_auth(&record, token)));
        }
        let store = self.store_for(session_only);
        let name = record.secret_name();
        let secret: Option<Secret> = blocking(move || store.get(&name)).await?;
        let secret = secret.ok_or_else(|| {
            Error::NotFound(format!(
                "The key for {} is no longer in this computer's keyring. Remove the connection and add it again.",
                record.display_name
            ))
        })?;
        let auth = record_auth(&record, secret);
        Ok((record, auth))
    }

    pub(crate) fn note_error(&self, id: &str, e: &Error) {
        if !e.is_revoked() {
            return;
        }
        // A 403 while acting for a connected account says that account left
        // (the override was checked when it was entered); the key still works.
        self.set_revoked(
            id,
            Some(self.disconnected_message(id, e.status() == Some(403))),
        );
    }

    /// Stripe said the account disconnected this app (an
    /// `account.application.deauthorized` event): the state a refusal gives.
    pub(crate) fn mark_deauthorized(&self, id: &str) {
        self.set_revoked(id, Some(self.disconnected_message(id, true)));
    }

    fn disconnected_message(&self, id: &str, account_left: bool) -> String {
        let acting_for = self.record(id).ok().and_then(|(r, _)| r.account_override);
        match acting_for {
            Some(account) if account_left => format!(
                "Stripe says this key can no longer act for the connected account {account}: it was disconnected. Choose another connected account, or work in this account."
            ),
            _ => "Disconnected by Stripe: reconnect".into(),
        }
    }

    pub(super) fn set_revoked(&self, id: &str, revoked: Option<String>) {
        let changed = self.update(|state| {
            if let Some(r) = state.find_mut(id) {
                r.revoked = revoked.clone();
            }
            Ok(())
        });
        if let Err(e) = changed {
            tracing::warn!(error = %e, "could not record the connection's state");
        }
    }

    pub(super) fn store_for(&self, session_only: bool) -> Arc<dyn SecretStore> {
        if session_only {
            self.session_secrets.clone()
        } else {
            self.secrets.clone()
        }
    }
}

fn parse_key(input: &str) -> Result<ApiKey, Error> {
    ApiKey::parse(input).map_err(|p| Error::invalid(Code::InvalidKey, p.message(), Some("key")))
}

pub(super) fn not_found(id: &str) -> Error {
    Error::NotFound(format!(
        "No connection with id {id}. It may have been removed."
    ))
}

/// Keyring calls block on D-Bus: keep them off the async worker threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Keyring(e.to_string()))?
}

/// A key as a person names it: by what it may do.
fn key_words(key: &ApiKey) -> &'static str {
    match key.kind {
        KeyKind::Secret => "full-access key",
        KeyKind::Restricted => "restricted key",
    }
}

/// What saving `key` would do to the key `saved` holds, in plain words.
fn replace_question(saved: &ConnectionRecord, key: &ApiKey) -> String {
    let old = if saved.restricted {
        "restricted key"
    } else {
        "full-access key"
    };
    let old_masked = saved.masked_key.as_deref().unwrap_or_default();
    let downgrade = !saved.restricted && key.kind == KeyKind::Restricted;
    format!(
        "This replaces your {old} ({old_masked}) for {name} with a {new} ({masked}){then}. Replace it, or keep both keys as two connections?",
        name = saved.display_name,
        new = key_words(key),
        masked = key.masked(),
        then = if downgrade {
            ", which may not be allowed to do everything the saved one does"
        } else {
            ""
        },
    )
}
