//! What crosses the IPC boundary. TypeScript twins are generated into
//! `ui/src/bindings/` by ts-rs (`cargo test -p desk-core export_bindings`),
//! and a test fails if the committed ones drift from these.

use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ConnectionMethod {
    ApiKey,
    ConnectOauth,
    AppsOauth,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyringStatus {
    pub available: bool,
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppInfo {
    pub version: String,
    pub non_default_bases: Vec<String>,
    pub demo: bool,
    /// The sample account inside the app, which the window offers to leave.
    pub sample: bool,
    pub keyring: KeyringStatus,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionSummary {
    pub id: String,
    pub display_name: String,
    pub account_id: String,
    pub account_override: Option<String>,
    /// The connected account's name, when Stripe gave one.
    pub account_override_name: Option<String>,
    pub mode: Mode,
    pub method: ConnectionMethod,
    pub masked_key: Option<String>,
    pub restricted: bool,
    pub session_only: bool,
    /// `None` while the connection works; otherwise what to tell the user.
    pub revoked: Option<String>,
}

/// What saving a key does when the same account already has another key
/// saved in the same mode: the person decides, never the app silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WhenAlreadySaved {
    /// Save nothing yet; answer with the question to put to the person.
    Ask,
    /// The new key takes the saved one's place.
    Replace,
    /// Keep both, each named by what its key can do.
    KeepBoth,
}

/// How saving a key ended.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[ts(export)]
pub enum SaveKeyOutcome {
    #[serde(rename = "saved")]
    Saved { connection: ConnectionSummary },
    /// Another key of this account is saved in this mode; nothing was saved.
    #[serde(rename = "alreadySaved")]
    AlreadySaved {
        existing: ConnectionSummary,
        /// "This replaces your full-access key for … with a restricted one …"
        question: String,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionsView {
    pub connections: Vec<ConnectionSummary>,
    pub active_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyCheck {
    pub valid: bool,
    pub masked: Option<String>,
    pub mode: Option<Mode>,
    pub restricted: bool,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PermissionState {
    Allowed,
    Denied,
    CheckedWhenUsed,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PermissionCheck {
    pub label: String,
    pub state: PermissionState,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTest {
    pub available: bool,
    pub headline: String,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub mode: Option<Mode>,
    pub permissions: Vec<PermissionCheck>,
    /// Stripe's `Request-Id` when Stripe refused the test, for support.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum OAuthProvider {
    Connect,
    Apps,
}

/// Where Stripe sends the browser back with its answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RedirectKind {
    /// `stripe-desk://oauth/callback`, straight into the app (live mode
    /// needs an HTTPS page that forwards to it).
    #[default]
    AppLink,
    /// `http://127.0.0.1:<port>/oauth/callback`, a listener of the app's
    /// own for the length of one connection (test mode).
    Loopback,
    /// An HTTPS page of the user's that forwards Stripe's answer to the
    /// app link: the way live mode works, since Stripe sends live-mode
    /// answers only to HTTPS addresses.
    ForwardingPage,
}

/// The OAuth app settings as typed on the settings screen.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OAuthSettingsForm {
    pub provider: OAuthProvider,
    pub client_id: String,
    /// `None` or empty keeps the stored secret. A [`Secret`] from the
    /// moment it arrives, so it never prints.
    #[ts(as = "Option<String>")]
    pub client_secret: Option<Secret>,
    pub scope: String,
    pub redirect: RedirectKind,
    /// The HTTPS page's address, for [`RedirectKind::ForwardingPage`].
    pub forwarding_page: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OAuthSettingsView {
    pub provider: OAuthProvider,
    pub client_id: String,
    pub scope: String,
    pub redirect: RedirectKind,
    /// What to register with Stripe (for a forwarding page, its address).
    pub redirect_uri: String,
    pub client_secret_masked: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum FlowStage {
    Idle,
    Waiting,
    Finished,
    Failed,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OAuthFlowState {
    pub state: FlowStage,
    pub message: Option<String>,
    /// Grows with every change. Replies and events travel separately, so the
    /// window keeps the newest state by this, not by arrival.
    pub seq: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_form_never_prints_the_client_secret() {
        let form: OAuthSettingsForm = serde_json::from_value(serde_json::json!({
            "provider": "connect",
            "clientId": "ca_Test123",
            "clientSecret": "sk_test_51VerySecretPlatformKey0001",
            "scope": "read_write",
            "redirect": "app_link",
            "forwardingPage": null,
        }))
        .unwrap();
        let printed = format!("{form:?} {form:#?}");
        assert!(!printed.contains("VerySecret"), "{printed}");
    }
}

/// An object as Stripe sent it, shown to the person as JSON.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StripeObject(#[ts(type = "unknown")] pub serde_json::Value);
