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
        let request = match *path {
            "/v1/balance" => Request::get(*path),
            _ => Request::get(*path).params(Params::new().text("limit", "1")),
        };
        let (state, detail) = match client.send(auth, &request).await {
            Ok(_) => (PermissionState::Allowed, None),
            Err(e) => {
                let detail = match e.missing_permission() {
                    Some(p) => format!("Not allowed: the key needs the {p} permission"),
                    None => format!("Could not check: {}", e.plain_message()),
                };
                (PermissionState::Denied, Some(detail))
            }
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
