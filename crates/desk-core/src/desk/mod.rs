//! The application service: what each window command does, without Tauri.
//! A thin composition of the capabilities; each lives in its own folder.

use crate::config::Bases;
use crate::connections::saved::ConnectionRecord;
use crate::connections::secret_store::SecretStore;
use crate::connections::Connections;
use crate::error::Error;
use crate::private_files;
use crate::stripe::{Auth, ClientConfig, Request, StripeClient};
use crate::views::{
    AppInfo, ConnectionSummary, ConnectionTest, ConnectionsView, KeyCheck, OAuthFlowState,
    OAuthSettingsForm, OAuthSettingsView, SaveKeyOutcome, WhenAlreadySaved,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub use crate::connections::{LoopbackWait, OAuthStart};

pub struct DeskConfig {
    pub bases: Bases,
    pub data_dir: PathBuf,
    /// Running against the local simulator with sample data.
    pub demo: bool,
    /// The sample account inside the app: its simulator, its own data
    /// folder, secrets in memory. The window offers to leave it.
    pub sample: bool,
    pub client: ClientConfig,
    /// Stripe Apps access tokens are refreshed this long before they expire.
    pub token_refresh_margin: Duration,
    /// Activity's clock, look-back and pace.
    pub activity: crate::activity::ActivityOptions,
}

impl DeskConfig {
    pub fn new(bases: Bases, data_dir: PathBuf) -> Self {
        DeskConfig {
            client: ClientConfig::new(bases.api.clone(), bases.connect.clone()),
            bases,
            data_dir,
            demo: false,
            sample: false,
            token_refresh_margin: Duration::from_secs(5 * 60),
            activity: Default::default(),
        }
    }
}

pub struct Desk {
    bases: Bases,
    demo: bool,
    sample: bool,
    connections: Connections,
    /// Where capabilities keep their files (workflows, run history, balances copies, drafts).
    data_dir: PathBuf,
    balances: crate::balances::desk::BalancesState,
    drafts: crate::actions::drafts::Drafts,
    workflows: crate::workflows::desk::WorkflowsState,
    activity: crate::activity::desk::ActivityState,
    bulk: crate::bulk::desk::BulkState,
}

impl Desk {
    /// Makes the data dir private (tightening one an older version left
    /// open, and saying so in the log), then loads what is saved there.
    pub fn new(config: DeskConfig, secrets: Arc<dyn SecretStore>) -> Result<Desk, Error> {
        let tightened = private_files::private_dir(&config.data_dir)
            .map_err(|e| Error::Storage(e.to_string()))?;
        if !tightened.is_empty() {
            tracing::warn!(
                data_dir = %config.data_dir.display(),
                dir_was = ?tightened.dir_was.map(|m| format!("{m:o}")),
                files = tightened.files.len(),
                "the data dir was readable by other users; made it private (0700, files 0600)"
            );
        }
        let client = StripeClient::new(config.client)?;
        Ok(Desk {
            connections: Connections::new(
                config.bases.clone(),
                client,
                &config.data_dir,
                secrets,
                config.token_refresh_margin,
            ),
            drafts: crate::actions::drafts::Drafts::new(&config.data_dir),
            activity: crate::activity::desk::ActivityState::new(&config.data_dir, config.activity),
            bases: config.bases,
            data_dir: config.data_dir,
            demo: config.demo || config.sample,
            sample: config.sample,
            balances: Default::default(),
            workflows: Default::default(),
            bulk: Default::default(),
        })
    }

    pub fn bases(&self) -> &Bases {
        &self.bases
    }

    /// Where capabilities keep their files (0700).
    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub(crate) fn balances_state(&self) -> &crate::balances::desk::BalancesState {
        &self.balances
    }

    pub(crate) fn workflows(&self) -> &crate::workflows::desk::WorkflowsState {
        &self.workflows
    }

    pub(crate) fn activity_state(&self) -> &crate::activity::desk::ActivityState {
        &self.activity
    }

    pub(crate) fn bulk_state(&self) -> &crate::bulk::desk::BulkState {
        &self.bulk
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            // The sample's simulator is where it is meant to be.
            non_default_bases: if self.sample {
                Vec::new()
            } else {
                self.bases.non_default()
            },
            demo: self.demo,
            sample: self.sample,
            keyring: self.connections.keyring_status(),
        }
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    pub fn list_connections(&self) -> ConnectionsView {
        self.connections.list_connections()
    }

    pub fn classify_key(&self, input: &str) -> KeyCheck {
        self.connections.classify_key(input)
    }

    pub async fn test_key(&self, input: &str) -> Result<ConnectionTest, Error> {
        self.connections.test_key(input).await
    }

    pub async fn save_key_connection(
        &self,
        input: &str,
        session_only: bool,
    ) -> Result<ConnectionSummary, Error> {
        let saved = self
            .connections
            .save_key_connection(input, session_only)
            .await?;
        self.activity_follow_new();
        Ok(saved)
    }

    /// Saves a key; see [`Connections::save_key_as`] for another key of the same account.
    pub async fn save_key_as(
        &self,
        input: &str,
        session_only: bool,
        when_saved: WhenAlreadySaved,
    ) -> Result<SaveKeyOutcome, Error> {
        let outcome = self
            .connections
            .save_key_as(input, session_only, when_saved)
            .await?;
        self.activity_follow_new();
        Ok(outcome)
    }

    pub async fn test_connection(&self, id: &str) -> Result<ConnectionTest, Error> {
        self.connections.test_connection(id).await
    }

    /// Sends a request as the given connection.
    pub async fn call(&self, id: &str, request: &Request) -> Result<Value, Error> {
        self.connections.call(id, request).await
    }

    pub async fn remove_connection(&self, id: &str) -> Result<ConnectionsView, Error> {
        let view = self.connections.remove_connection(id).await?;
        self.drafts.forget(id);
        Ok(view)
    }

    pub fn set_active(&self, id: &str) -> Result<ConnectionsView, Error> {
        self.connections.set_active(id)
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<ConnectionsView, Error> {
        self.connections.rename(id, name)
    }

    pub async fn set_account_override(
        &self,
        id: &str,
        account: Option<&str>,
    ) -> Result<ConnectionsView, Error> {
        self.connections.set_account_override(id, account).await
    }

    pub async fn oauth_settings(&self) -> Result<Option<OAuthSettingsView>, Error> {
        self.connections.oauth_settings().await
    }

    pub async fn save_oauth_settings(
        &self,
        form: OAuthSettingsForm,
    ) -> Result<OAuthSettingsView, Error> {
        self.connections.save_oauth_settings(form).await
    }

    pub async fn start_oauth(&self) -> Result<OAuthStart, Error> {
        self.connections.start_oauth().await
    }

    pub fn cancel_oauth(&self) -> Result<OAuthFlowState, Error> {
        self.connections.cancel_oauth()
    }

    pub fn oauth_state(&self) -> OAuthFlowState {
        self.connections.oauth_state()
    }

    /// For `actions/`: the half-filled forms kept per connection.
    pub(crate) fn drafts(&self) -> &crate::actions::drafts::Drafts {
        &self.drafts
    }

    /// For capability modules (`actions/`, ...): the one Stripe client.
    pub(crate) fn client(&self) -> &StripeClient {
        self.connections.client()
    }

    /// The current connection, and who it acts as.
    pub(crate) async fn current_auth(&self) -> Result<(ConnectionRecord, Auth), Error> {
        self.connections.current_auth().await
    }

    /// A connection and whether it is kept for this session only.
    pub(crate) fn record(&self, id: &str) -> Result<(ConnectionRecord, bool), Error> {
        self.connections.record(id)
    }

    pub(crate) fn records(&self) -> Vec<ConnectionRecord> {
        self.connections.records()
    }

    /// Who a request on this connection acts as.
    pub(crate) async fn auth_for(&self, id: &str) -> Result<(ConnectionRecord, Auth), Error> {
        self.connections.auth_for(id).await
    }

    /// What [`Desk::call`] does after a failed call (marks a revoked connection).
    pub(crate) fn note_call_error(&self, id: &str, e: &Error) {
        self.connections.note_error(id, e);
    }

    /// Stripe said the account left this app (an event): the same state.
    pub(crate) fn mark_deauthorized(&self, id: &str) {
        self.connections.mark_deauthorized(id);
    }

    pub async fn finish_oauth(&self, link: &str) -> OAuthFlowState {
        let state = self.connections.finish_oauth(link).await;
        self.activity_follow_new();
        state
    }

    /// At start, off the start-up path: see [`Connections::sweep_orphaned_secrets`].
    pub async fn sweep_orphaned_secrets(&self) -> Result<usize, Error> {
        self.connections.sweep_orphaned_secrets().await
    }

    pub fn refused_oauth_answers(&self) -> u64 {
        self.connections.refused_oauth_answers()
    }
}
