//! "Test connection": does this key work, for which account, in which mode,
//! and (for a restricted key) what is it allowed to do.

use crate::error::Error;
use crate::stripe::{Auth, Params, Request, StripeClient};
use crate::views::{ConnectionTest, PermissionCheck, PermissionState};
use serde::Deserialize;

/// The account as `GET /v1/account` describes it; only what we show.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub business_profile: Option<BusinessProfile>,
    #[serde(default)]
    pub settings: Option<AccountSettings>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BusinessProfile {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountSettings {
    #[serde(default)]
    pub dashboard: Option<Dashboard>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Dashboard {
    #[serde(default)]
    pub display_name: Option<String>,
}

impl Account {
    /// The name people know the account by, falling back to what is there.
    pub fn display_name(&self) -> String {
        let dashboard = self
            .settings
            .as_ref()
            .and_then(|s| s.dashboard.as_ref())
            .and_then(|d| d.display_name.clone());
        let business = self.business_profile.as_ref().and_then(|b| b.name.clone());
        [dashboard, business, self.email.clone()]
            .into_iter()
            .flatten()
            .find(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.id.clone())
    }
}

/// The cheap reads that show what a restricted key may do, one per feature.
const READ_PROBES: [(&str, &str); 8] = [
    ("Read customers", "/v1/customers"),
    ("Read products", "/v1/products"),
    ("Read prices", "/v1/prices"),
    ("Read plans", "/v1/plans"),
    ("Read subscriptions", "/v1/subscriptions"),
    ("Read balance", "/v1/balance"),
    ("Read balance transactions", "/v1/balance_transactions"),
    ("Read events (activity)", "/v1/events"),
];

/// Writes cannot be probed without changing the account.
const WRITES: [&str; 3] = [
    "Create and update customers",
    "Create products",
    "Create subscriptions",
];

pub async fn fetch_account(client: &StripeClient, auth: &Auth) -> Result<Account, Error> {
    client.send_as(auth, &Request::get("/v1/account")).await
}

/// Runs the test. `Err` is why the connection is unavailable; turn it into
/// the answer with [`unavailable`].
pub async fn test_connection(
    client: &StripeClient,
    auth: &Auth,
    restricted: bool,
) -> Result<ConnectionTest, Error> {
    let account = fetch_account(client, auth).await?;
    let name = account.display_name();
    let permissions = if restricted {
        probe_permissions(client, auth).await
    } else {
        Vec::new()
    };
    Ok(ConnectionTest {
        available: true,
        headline: format!(
            "Connection available: {name} ({}), {} mode",
            auth.stripe_account.as_deref().unwrap_or(&account.id),
            auth.mode.word()
        ),
        account_id: Some(account.id),
        account_name: Some(name),
        mode: Some(auth.mode),
        permissions,
        request_id: None,
    })
}

pub fn unavailable(e: &Error) -> ConnectionTest {
    ConnectionTest {
        available: false,
        headline: format!("Connection unavailable: {}", e.plain_message()),
        account_id: None,
        account_name: None,
        mode: None,
        permissions: Vec::new(),
        request_id: e.request_id().map(str::to_owned),
    }
}

async fn probe_permissions(client: &StripeClient, auth: &Auth) -> Vec<PermissionCheck> {
    let probes = READ_PROBES.iter().map(|(label, path)| async move {
        let (state, detail) = match probe_read(client, auth, path).await {
            Probe::Allowed => (PermissionState::Allowed, None),
            Probe::Missing(p) => (
                PermissionState::Denied,
                Some(format!(
                    "Not allowed: the key needs {}",
                    crate::error::permission_words(&p)
                )),
            ),
            Probe::Unknown(why) => (
                PermissionState::Denied,
                Some(format!("Could not check: {why}")),
            ),
        };
        PermissionCheck {
            label: (*label).to_owned(),
            state,
            detail,
        }
    });
    let mut list = futures_util::future::join_all(probes).await;
    list.extend(WRITES.iter().map(|label| PermissionCheck {
        label: (*label).to_owned(),
        state: PermissionState::CheckedWhenUsed,
        detail: Some("Checked when first used".into()),
    }));
    list
}

/// What a probe learnt about one permission of a restricted key.
#[derive(Debug)]
pub(crate) enum Probe {
    Allowed,
    /// Stripe refused and named the permission (`rak_customer_write`).
    Missing(String),
    /// Stripe answered otherwise (down, key revoked): nothing learnt, and why.
    Unknown(String),
}

/// Reads one item of the list at `list_path` (the balance is one object).
pub(crate) async fn probe_read(client: &StripeClient, auth: &Auth, list_path: &str) -> Probe {
    let request = match list_path {
        "/v1/balance" => Request::get(list_path),
        _ => Request::get(list_path).params(Params::new().text("limit", "1")),
    };
    match client.send(auth, &request).await {
        Ok(_) => Probe::Allowed,
        Err(e) => match e.missing_permission() {
            Some(p) => Probe::Missing(p),
            None => Probe::Unknown(e.plain_message()),
        },
    }
}

/// A write that cannot succeed: Stripe checks the key's permission before
/// the parameters, so a parameter no endpoint takes gets a 403 naming the
/// missing permission, or a 400 that creates nothing.
pub(crate) async fn probe_write(client: &StripeClient, auth: &Auth, list_path: &str) -> Probe {
    let request = Request::post(list_path).params(Params::new().text(WRITE_PROBE_PARAM, "1"));
    match client.send(auth, &request).await {
        Err(e) => match e.missing_permission() {
            Some(p) => Probe::Missing(p),
            None if e.status() == Some(400) => Probe::Allowed,
            None => Probe::Unknown(e.plain_message()),
        },
        // Stripe took a parameter it never takes: say nothing rather than guess.
        Ok(_) => Probe::Unknown("Stripe's answer did not say".into()),
    }
}

/// A parameter no Stripe endpoint takes, so a write probe is always refused.
const WRITE_PROBE_PARAM: &str = "stripe_desk_permission_probe";
