//! "Connect with Stripe" on the `Desk`: settings, starting a flow, taking
//! the answer from a deep link, storing what Stripe gave, and keeping Stripe
//! Apps tokens fresh.

use super::connection_test::fetch_account;
use super::deep_link::{self, Callback};
use super::keys::mask;
use super::loopback::LoopbackListener;
use super::oauth::{
    unix_now, validate_client_secret, OAuthSettings, PendingFlow, StateProblem, TokenEndpoint,
    Tokens, CLIENT_SECRET_ENTRY, STATE_LIFETIME,
};
use super::saved::ConnectionRecord;
use super::secret_store::SecretStore;
use super::service::{blocking, Connections};
use crate::error::{Code, Error};
use crate::secret::Secret;
use crate::stripe::{random_token, Auth, Host, Params, Request};
use crate::views::{
    ConnectionMethod, ConnectionSummary, FlowStage, Mode, OAuthFlowState, OAuthProvider,
    OAuthSettingsForm, OAuthSettingsView,
};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// The wait for an answer on the loopback redirect: `Some(link)` when the
/// browser brought one, `None` when the flow ended otherwise.
pub type LoopbackWait = Pin<Box<dyn Future<Output = Option<String>> + Send>>;

pub struct OAuthStart {
    pub authorize_url: String,
    pub state: OAuthFlowState,
    pub loopback: Option<LoopbackWait>,
}

/// How often a keyring write of a rotated refresh token is tried before the
/// token is held in memory and the write retried at the next call.
const STORE_ATTEMPTS: u32 = 3;

impl Connections {
    pub async fn oauth_settings(&self) -> Result<Option<OAuthSettingsView>, Error> {
        let Some(settings) = self.oauth_file.load() else {
            return Ok(None);
        };
        let secrets = self.secrets.clone();
        let secret = blocking(move || secrets.get(CLIENT_SECRET_ENTRY)).await?;
        Ok(Some(settings.view(secret.map(|s| mask(s.expose())))))
    }

    /// Checks and saves the OAuth app settings. An empty client secret
    /// keeps the stored one. Nothing is stored unless all of it is right.
    pub async fn save_oauth_settings(
        &self,
        form: OAuthSettingsForm,
    ) -> Result<OAuthSettingsView, Error> {
        let settings = OAuthSettings::validate(&form)?;
        let typed = form
            .client_secret
            .as_ref()
            .map(|s| s.expose().trim())
            .filter(|s| !s.is_empty())
            .map(validate_client_secret)
            .transpose()?;
        let secrets = self.secrets.clone();
        let secret = match typed.clone() {
            Some(secret) => secret,
            None => blocking(move || secrets.get(CLIENT_SECRET_ENTRY))
                .await?
                .ok_or_else(|| {
                    Error::invalid(
                        Code::InvalidClientSecret,
                        "Enter the client secret: your platform's secret key from Developers > API keys.",
                        Some("clientSecret"),
                    )
                })?,
        };
        settings.check_mode(&secret)?;
        if let Some(secret) = typed {
            let secrets = self.secrets.clone();
            blocking(move || secrets.put(CLIENT_SECRET_ENTRY, &secret)).await?;
        }
        self.oauth_file.save(&settings)?;
        Ok(settings.view(Some(mask(secret.expose()))))
    }

    /// Starts a flow: the address to open in the system browser and, for a
    /// loopback redirect, the wait for the answer there (run it; it ends
    /// with the flow, or after ten minutes).
    pub async fn start_oauth(&self) -> Result<OAuthStart, Error> {
        let settings = self.oauth_file.load().ok_or_else(|| {
            Error::invalid(
                Code::OauthNotSetUp,
                "Set up the OAuth app first: client ID, client secret and scope.",
                Some("clientId"),
            )
        })?;
        let secrets = self.secrets.clone();
        let secret = blocking(move || secrets.get(CLIENT_SECRET_ENTRY))
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    Code::OauthNotSetUp,
                    "Enter the client secret in the OAuth app settings first.",
                    Some("clientSecret"),
                )
            })?;
        settings.check_mode(&secret)?;
        let flow = PendingFlow::start(settings);
        let (redirect_uri, listener) = match flow.settings.fixed_redirect_uri() {
            Some(uri) => (uri.to_owned(), None),
            None => {
                let listener = LoopbackListener::bind()
                    .await
                    .map_err(|e| Error::Network(format!("could not listen on 127.0.0.1: {e}")))?;
                (listener.redirect_uri(), Some(listener))
            }
        };
        self.pending_file.save(Some(&flow))?;
        let authorize_url =
            flow.authorize_url(&self.bases.connect, &self.bases.marketplace, &redirect_uri);
        tracing::info!(provider = ?flow.settings.provider, "OAuth flow started");
        let state = self.set_flow(
            FlowStage::Waiting,
            Some("Waiting for Stripe… Finish in your browser.".into()),
        );
        let loopback = listener.map(|listener| {
            let answer = listener.next_answer(flow.state.clone(), self.refused_answers.clone());
            let (stop, stopped) = oneshot::channel::<()>();
            *self.loopback_stop.lock().unwrap() = Some(stop);
            let wait: LoopbackWait = Box::pin(async move {
                tokio::select! {
                    link = answer => Some(link),
                    _ = stopped => None,
                    _ = tokio::time::sleep(STATE_LIFETIME) => None,
                }
            });
            wait
        });
        Ok(OAuthStart {
            authorize_url,
            state,
            loopback,
        })
    }

    pub fn cancel_oauth(&self) -> Result<OAuthFlowState, Error> {
        self.pending_file.save(None)?;
        Ok(self.set_flow(FlowStage::Idle, None))
    }

    pub fn oauth_state(&self) -> OAuthFlowState {
        self.flow.lock().unwrap().clone()
    }

    /// How many answers were refused for not carrying the waiting flow's
    /// state (forged, stray or replayed), by deep link or on the loopback port.
    pub fn refused_oauth_answers(&self) -> u64 {
        self.refused_answers.load(Ordering::SeqCst)
    }

    /// Takes an answer that arrived by deep link (or loopback). Whatever
    /// happens, the result is the flow's new state, with plain words. An
    /// answer without the waiting flow's state is refused and counted, and
    /// the flow goes on waiting for Stripe's: anyone can send such a link.
    pub async fn finish_oauth(&self, link: &str) -> OAuthFlowState {
        let (pending, callback) = match self.take_pending(link) {
            Ok(Some(answered)) => answered,
            Ok(None) => return self.oauth_state(),
            Err(e) => return self.set_flow(FlowStage::Failed, Some(e.plain_message())),
        };
        match self.complete_flow(pending, callback).await {
            Ok(summary) => {
                let message = format!(
                    "Connected {} ({}), {} mode.",
                    summary.display_name,
                    summary.account_id,
                    summary.mode.word()
                );
                self.set_flow(FlowStage::Finished, Some(message))
            }
            Err(e) => {
                tracing::warn!(code = %e.code(), "OAuth answer refused");
                self.set_flow(FlowStage::Failed, Some(e.plain_message()))
            }
        }
    }

    /// The pending flow an answer carries the state of, consumed: a state
    /// is good for one answer only, whatever comes of it. `Ok(None)` when
    /// the answer was refused while a flow waits, which goes on waiting; an
    /// error (in the app's own words: nothing from the link is shown) when
    /// nothing waits.
    fn take_pending(&self, link: &str) -> Result<Option<(PendingFlow, Callback)>, Error> {
        let _guard = self.flow.lock().unwrap();
        let pending = self.pending_file.load();
        let (refusal, why) = match deep_link::parse(link) {
            Ok(callback) => match pending {
                Some(p) if p.is_answered_by(&callback) => {
                    self.pending_file.save(None)?;
                    return Ok(Some((p, callback)));
                }
                Some(_) | None => (state_error(StateProblem::Unknown), "unknown state"),
            },
            Err(e) => (
                Error::invalid(Code::BadLink, e.message(), None),
                "malformed link",
            ),
        };
        let refused = self.refused_answers.fetch_add(1, Ordering::SeqCst) + 1;
        tracing::warn!(refused, why, "refused an OAuth answer");
        if pending.is_some() {
            Ok(None)
        } else {
            Err(refusal)
        }
    }

    async fn complete_flow(
        &self,
        pending: PendingFlow,
        callback: Callback,
    ) -> Result<ConnectionSummary, Error> {
        pending
            .check(self.oauth_file.load().as_ref(), unix_now())
            .map_err(state_error)?;
        let code = match callback {
            Callback::Code { code, .. } => code,
            Callback::Error { error, .. } if error == "access_denied" => {
                return Err(Error::invalid(
                    Code::OauthDenied,
                    "You cancelled the connection in Stripe.",
                    None,
                ));
            }
            Callback::Error {
                error, description, ..
            } => {
                return Err(Error::invalid(
                    Code::OauthError,
                    format!(
                        "Stripe could not connect the account: {}",
                        description.unwrap_or(error)
                    ),
                    None,
                ));
            }
        };
        if !self.used_codes.lock().unwrap().insert(code.clone()) {
            // Sending a code twice makes Stripe revoke the connection.
            return Err(state_error(StateProblem::Unknown));
        }
        let settings = pending.settings;
        let secrets = self.secrets.clone();
        let client_secret = blocking(move || secrets.get(CLIENT_SECRET_ENTRY))
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    Code::OauthNotSetUp,
                    "The client secret is missing from the keyring.",
                    Some("clientSecret"),
                )
            })?;
        let endpoint = TokenEndpoint::new(
            settings.provider,
            &settings.client_id,
            &client_secret,
            &self.bases.connect,
            &self.bases.api,
        )?;
        let tokens = endpoint.exchange_code(&code).await?;
        self.store_oauth_connection(&settings, &client_secret, tokens)
            .await
    }

    async fn store_oauth_connection(
        &self,
        settings: &OAuthSettings,
        client_secret: &Secret,
        tokens: Tokens,
    ) -> Result<ConnectionSummary, Error> {
        let mode = if tokens.livemode {
            Mode::Live
        } else {
            Mode::Test
        };
        let method = match settings.provider {
            OAuthProvider::Connect => ConnectionMethod::ConnectOauth,
            OAuthProvider::Apps => ConnectionMethod::AppsOauth,
        };
        // Connect calls go with the platform key and Stripe-Account; Apps
        // calls with the access token.
        let call_secret = match settings.provider {
            OAuthProvider::Connect => client_secret.clone(),
            OAuthProvider::Apps => tokens.access_token.clone(),
        };
        let existing = self.find_existing(method, &tokens.stripe_user_id, mode);
        let record = ConnectionRecord {
            id: existing
                .as_ref()
                .map_or_else(|| random_token("conn"), |c| c.id.clone()),
            display_name: tokens.stripe_user_id.clone(),
            account_id: tokens.stripe_user_id.clone(),
            account_override: None,
            account_override_name: None,
            mode,
            method,
            masked_key: None,
            restricted: false,
            revoked: None,
            scope: tokens
                .scope
                .clone()
                .or_else(|| Some(settings.scope.clone()))
                .filter(|s| !s.is_empty()),
            oauth_client_id: Some(settings.client_id.clone()),
            token_expires_at: tokens.expires_in.map(|d| unix_now() + d.as_secs()),
        };
        let _writing = self.secrets_lock.lock().await;
        self.ledger.add(&record.id)?;
        let stored = async {
            // The refresh token first: with it, everything else can be had again.
            if let Some(refresh) = &tokens.refresh_token {
                self.put_secret(&record.refresh_token_name(), refresh)
                    .await?;
            }
            self.put_secret(&record.secret_name(), &call_secret).await?;
            if settings.provider == OAuthProvider::Apps {
                self.put_secret(&record.client_secret_name(), client_secret)
                    .await?;
            }
            Ok::<_, Error>(())
        }
        .await;
        if let Err(e) = stored {
            if existing.is_none() {
                // Best effort; what stays is swept at the next start.
                let (store, names) = (self.secrets.clone(), record.secret_names());
                let _ = blocking(move || names.iter().try_for_each(|n| store.delete(n))).await;
            }
            return Err(e);
        }
        let auth = record_auth(&record, call_secret);
        let mut record = record;
        match fetch_account(&self.client, &auth).await {
            Ok(account) => {
                record.display_name =
                    existing.map_or_else(|| account.display_name(), |c| c.display_name)
            }
            Err(e) => {
                tracing::warn!(code = %e.code(), "connected, but the account's name could not be read")
            }
        }
        self.upsert(record, false)
    }

    pub(super) async fn put_secret(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        let store = self.secrets.clone();
        let (name, secret) = (name.to_owned(), secret.clone());
        blocking(move || store.put(&name, &secret)).await
    }

    /// Stripe Apps: a fresh access token when the stored one is near expiry.
    /// The new refresh token is stored before the new access token is used;
    /// until it is, the old one stays in the keyring and the new one is
    /// held here and stored at the next call.
    pub(super) async fn fresh_apps_token(
        &self,
        record: &ConnectionRecord,
    ) -> Result<Secret, Error> {
        let _one_at_a_time = self.secrets_lock.lock().await;
        let record = self.record(&record.id)?.0;
        let store = self.secrets.clone();
        self.store_unsaved_refresh(&record, &store).await?;
        let near_expiry = record
            .token_expires_at
            .is_none_or(|t| t <= unix_now() + self.token_refresh_margin.as_secs());
        if !near_expiry {
            let name = record.secret_name();
            let s = store.clone();
            if let Some(token) = blocking(move || s.get(&name)).await? {
                return Ok(token);
            }
        }
        let (refresh_name, client_name) =
            (record.refresh_token_name(), record.client_secret_name());
        let s = store.clone();
        let (refresh, developer_key) =
            blocking(move || Ok((s.get(&refresh_name)?, s.get(&client_name)?))).await?;
        let (Some(refresh), Some(developer_key)) = (refresh, developer_key) else {
            return Err(Error::NotFound(format!(
                "{} needs to be connected again: its tokens are missing from the keyring.",
                record.display_name
            )));
        };
        let client_id = record.oauth_client_id.clone().unwrap_or_default();
        let endpoint = TokenEndpoint::new(
            OAuthProvider::Apps,
            &client_id,
            &developer_key,
            &self.bases.connect,
            &self.bases.api,
        )?;
        let tokens = match endpoint.refresh(&refresh).await {
            Ok(t) => t,
            Err(e) => {
                if e.code() == "oauth_refused" {
                    self.set_revoked(&record.id, Some("Disconnected by Stripe: reconnect".into()));
                }
                return Err(e);
            }
        };
        // Removed while the refresh was on its way: store nothing. (Removal
        // takes the connection off the list before waiting for this lock.)
        self.record(&record.id)?;
        let new_refresh = tokens
            .refresh_token
            .clone()
            .ok_or_else(|| Error::Decode("Stripe sent no new refresh token".into()))?;
        self.unsaved_refresh
            .lock()
            .unwrap()
            .insert(record.id.clone(), new_refresh);
        self.store_unsaved_refresh(&record, &store).await?;
        self.put_secret(&record.secret_name(), &tokens.access_token)
            .await?;
        let expires = tokens.expires_in.map(|d| unix_now() + d.as_secs());
        let id = record.id.clone();
        self.update(|state| {
            if let Some(r) = state.find_mut(&id) {
                r.token_expires_at = expires;
            }
            Ok(())
        })?;
        tracing::info!(connection = %record.id, "Stripe Apps token refreshed");
        Ok(tokens.access_token)
    }

    /// Writes a rotated refresh token held in memory, retrying a few times.
    async fn store_unsaved_refresh(
        &self,
        record: &ConnectionRecord,
        store: &Arc<dyn SecretStore>,
    ) -> Result<(), Error> {
        let Some(token) = self
            .unsaved_refresh
            .lock()
            .unwrap()
            .get(&record.id)
            .cloned()
        else {
            return Ok(());
        };
        let mut last = None;
        for attempt in 0..STORE_ATTEMPTS {
            let (s, name, t) = (store.clone(), record.refresh_token_name(), token.clone());
            match blocking(move || s.put(&name, &t)).await {
                Ok(()) => {
                    self.unsaved_refresh.lock().unwrap().remove(&record.id);
                    return Ok(());
                }
                Err(e) => {
                    tracing::warn!(attempt, "could not store the new refresh token; retrying");
                    last = Some(e);
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                }
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// Connect OAuth: tells Stripe to end the app's access to the account.
    pub(super) async fn deauthorize(
        &self,
        record: &ConnectionRecord,
        platform_key: Secret,
    ) -> Result<(), Error> {
        let auth = Auth {
            secret: platform_key,
            mode: record.mode,
            stripe_account: None,
        };
        let request = Request::post("/oauth/deauthorize")
            .on(Host::Connect)
            .params(
                Params::new()
                    .text(
                        "client_id",
                        record.oauth_client_id.clone().unwrap_or_default(),
                    )
                    .text("stripe_user_id", record.account_id.clone()),
            );
        self.client.send(&auth, &request).await.map(|_| ())
    }

    fn set_flow(&self, stage: FlowStage, message: Option<String>) -> OAuthFlowState {
        if stage != FlowStage::Waiting {
            // Dropping the sender ends the loopback wait and closes its port.
            self.loopback_stop.lock().unwrap().take();
        }
        let mut flow = self.flow.lock().unwrap();
        *flow = OAuthFlowState {
            state: stage,
            message,
            seq: flow.seq + 1,
        };
        flow.clone()
    }
}

/// How a connection's calls authenticate, given its secret.
pub(super) fn record_auth(record: &ConnectionRecord, secret: Secret) -> Auth {
    let stripe_account = match record.method {
        ConnectionMethod::ConnectOauth => Some(record.account_id.clone()),
        ConnectionMethod::ApiKey => record.account_override.clone(),
        ConnectionMethod::AppsOauth => None,
    };
    Auth {
        secret,
        mode: record.mode,
        stripe_account,
    }
}

fn state_error(p: StateProblem) -> Error {
    Error::invalid(Code::OauthState, p.message(), None)
}
