//! "Connect with Stripe" end to end in the domain, against the simulator's
//! OAuth endpoints: the browser is a plain HTTP client that reads the
//! authorize redirect, and the deep link is handed to `finish_oauth`.

use desk_core::connections::secret_store::{MemoryStore, SecretStore};
use desk_core::desk::{Desk, DeskConfig};
use desk_core::stripe::{ClientConfig, Request};
use desk_core::views::{
    ConnectionMethod, FlowStage, KeyringStatus, Mode, OAuthProvider, OAuthSettingsForm,
    RedirectKind,
};
use desk_core::{Bases, Error, Secret};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use stripe_sim::{KeyAccess, OAuthDecision, OAuthKind, SimConfig, Simulator};

const PLATFORM_KEY: &str = "sk_test_51PlatformKey0000000000000000777";
const CONNECT_CLIENT: &str = "ca_DeskTestClient";
const APPS_CLIENT: &str = "apps_DeskTestClient";

async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled()).await.unwrap();
    sim.add_account("acct_1Platform", "Desk Platform");
    sim.add_key(PLATFORM_KEY, "acct_1Platform", KeyAccess::Full);
    sim.add_oauth_client(CONNECT_CLIENT, PLATFORM_KEY, OAuthKind::Connect);
    sim.add_oauth_client(APPS_CLIENT, PLATFORM_KEY, OAuthKind::Apps);
    sim.add_account("acct_1Connected", "Corner Bakery");
    sim
}

fn data_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("desk-oauth-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn desk(sim: &Simulator, dir: &Path, secrets: Arc<dyn SecretStore>) -> Desk {
    let base = sim.base_url();
    let bases = Bases {
        api: base.clone(),
        connect: base.clone(),
        marketplace: base.clone(),
    };
    let mut cfg = DeskConfig::new(bases, dir.to_path_buf());
    let mut client = ClientConfig::new(&base, &base);
    client.retry.initial_delay = Duration::from_millis(5);
    cfg.client = client;
    Desk::new(cfg, secrets).unwrap()
}

/// What the system browser does: load Stripe's page, which redirects to
/// the app's deep link.
async fn browser(authorize_url: &str) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = http.get(authorize_url).send().await.unwrap();
    assert_eq!(
        answer.status().as_u16(),
        302,
        "Stripe's authorize page redirects"
    );
    answer.headers()["location"].to_str().unwrap().to_owned()
}

fn token_calls(sim: &Simulator, path: &str) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == path)
        .count()
}

fn form(
    provider: OAuthProvider,
    client_id: &str,
    client_secret: Option<&str>,
    scope: &str,
    redirect: RedirectKind,
) -> OAuthSettingsForm {
    OAuthSettingsForm {
        provider,
        client_id: client_id.into(),
        client_secret: client_secret.map(Secret::new),
        scope: scope.into(),
        redirect,
        forwarding_page: None,
    }
}

async fn set_up(d: &Desk, provider: OAuthProvider) {
    let (client, scope) = match provider {
        OAuthProvider::Connect => (CONNECT_CLIENT, "read_write"),
        OAuthProvider::Apps => (APPS_CLIENT, ""),
    };
    let view = d
        .save_oauth_settings(form(
            provider,
            client,
            Some(PLATFORM_KEY),
            scope,
            RedirectKind::AppLink,
        ))
        .await
        .unwrap();
    assert_eq!(
        view.client_secret_masked.as_deref(),
        Some("sk_test_...0777")
    );
    assert_eq!(view.redirect_uri, "stripe-desk://oauth/callback");
}

#[tokio::test]
async fn connect_oauth_connects_acts_for_the_account_and_disconnects() {
    let sim = sim().await;
    let keyring: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let dir = data_dir("connect");
    let d = desk(&sim, &dir, keyring.clone());
    set_up(&d, OAuthProvider::Connect).await;

    let start = d.start_oauth().await.unwrap();
    let (url, waiting) = (start.authorize_url, start.state);
    assert_eq!(waiting.state, FlowStage::Waiting);
    let link = browser(&url).await;
    assert!(link.starts_with("stripe-desk://oauth/callback?"), "{link}");
    let done = d.finish_oauth(&link).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
    assert_eq!(
        done.message.as_deref(),
        Some("Connected Corner Bakery (acct_1Connected), test mode.")
    );

    let view = d.list_connections();
    let c = &view.connections[0];
    assert_eq!(
        (c.method, c.account_id.as_str(), c.display_name.as_str()),
        (
            ConnectionMethod::ConnectOauth,
            "acct_1Connected",
            "Corner Bakery"
        )
    );
    assert_eq!(view.active_id.as_deref(), Some(c.id.as_str()));

    // Calls go with the platform key and Stripe-Account.
    d.call(&c.id, &Request::get("/v1/customers")).await.unwrap();
    let last = sim
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path == "/v1/customers")
        .unwrap();
    assert!(last
        .headers
        .contains(&("stripe-account".into(), "acct_1Connected".into())));

    // The same link again is refused, and its code is never sent twice.
    let exchanges = token_calls(&sim, "/oauth/token");
    let again = d.finish_oauth(&link).await;
    assert_eq!(again.state, FlowStage::Failed);
    assert!(again.message.unwrap().contains("used already"));
    assert_eq!(token_calls(&sim, "/oauth/token"), exchanges);

    // A restart keeps it.
    let d2 = desk(&sim, &dir, keyring.clone());
    assert_eq!(d2.list_connections().connections.len(), 1);
    d2.call(&c.id, &Request::get("/v1/customers"))
        .await
        .unwrap();

    // Disconnect: Stripe is told, the keyring forgets.
    let after = d2.remove_connection(&c.id).await.unwrap();
    assert!(after.connections.is_empty());
    assert_eq!(
        sim.deauthorizations(),
        vec![(CONNECT_CLIENT.to_string(), "acct_1Connected".to_string())]
    );
    assert!(keyring
        .get(&format!("connection/{}", c.id))
        .unwrap()
        .is_none());
    let on_disk = std::fs::read_to_string(dir.join("connections.json")).unwrap();
    assert!(!on_disk.contains(PLATFORM_KEY));
}

#[tokio::test]
async fn denied_wrong_state_and_expired_answers_store_nothing() {
    let sim = sim().await;
    let dir = data_dir("refusals");
    let d = desk(&sim, &dir, Arc::new(MemoryStore::default()));
    set_up(&d, OAuthProvider::Connect).await;

    sim.set_oauth_decision(OAuthDecision::Deny);
    let url = d.start_oauth().await.unwrap().authorize_url;
    let denied = d.finish_oauth(&browser(&url).await).await;
    assert_eq!(denied.state, FlowStage::Failed);
    assert_eq!(
        denied.message.as_deref(),
        Some("You cancelled the connection in Stripe.")
    );

    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Connected".into(),
    });
    let url = d.start_oauth().await.unwrap().authorize_url;
    let link = browser(&url).await;
    let forged = link.replace("state=st_", "state=st_f0");
    // Refused, and the flow goes on waiting for Stripe's own answer.
    let wrong = d.finish_oauth(&forged).await;
    assert_eq!(wrong.state, FlowStage::Waiting);
    assert_eq!(d.refused_oauth_answers(), 1);

    // Ten minutes and more after it started, the answer is refused.
    let pending = dir.join("oauth-pending.json");
    let mut flow: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&pending).unwrap()).unwrap();
    flow["started_at"] = (flow["started_at"].as_u64().unwrap() - 601).into();
    std::fs::write(&pending, flow.to_string()).unwrap();
    let expired = d.finish_oauth(&link).await;
    assert_eq!(expired.state, FlowStage::Failed);
    assert!(expired.message.unwrap().contains("expired"));

    let hostile = d
        .finish_oauth("stripe-desk://oauth/callback?code=<script>&state=x")
        .await;
    assert_eq!(hostile.state, FlowStage::Failed);
    assert!(d.list_connections().connections.is_empty());
    assert_eq!(
        token_calls(&sim, "/oauth/token"),
        0,
        "no code was exchanged"
    );
}

#[tokio::test]
async fn an_answer_that_starts_the_app_cold_still_completes() {
    let sim = sim().await;
    let dir = data_dir("cold");
    let keyring: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let first = desk(&sim, &dir, keyring.clone());
    set_up(&first, OAuthProvider::Connect).await;
    let url = first.start_oauth().await.unwrap().authorize_url;
    drop(first); // the app was closed while the browser was open
    let link = browser(&url).await;
    let cold = desk(&sim, &dir, keyring);
    assert_eq!(cold.finish_oauth(&link).await.state, FlowStage::Finished);
}

#[tokio::test]
async fn settings_are_checked_before_anything_opens() {
    let sim = sim().await;
    let d = desk(
        &sim,
        &data_dir("settings"),
        Arc::new(MemoryStore::default()),
    );
    let err = desk_core::AppError::from(d.start_oauth().await.err().expect("refused"));
    assert_eq!(err.code, "oauth_not_set_up");
    let err = desk_core::AppError::from(
        d.save_oauth_settings(form(
            OAuthProvider::Connect,
            "ca_x",
            None,
            "read_write",
            RedirectKind::AppLink,
        ))
        .await
        .unwrap_err(),
    );
    assert_eq!(err.param.as_deref(), Some("clientSecret"));
    let err = desk_core::AppError::from(
        d.save_oauth_settings(form(
            OAuthProvider::Connect,
            "pk_x",
            Some(PLATFORM_KEY),
            "read_write",
            RedirectKind::AppLink,
        ))
        .await
        .unwrap_err(),
    );
    assert_eq!(err.param.as_deref(), Some("clientId"));
}

/// A keyring whose writes of refresh tokens fail a set number of times.
struct FlakyKeyring {
    inner: MemoryStore,
    refresh_failures_left: AtomicU32,
}

impl SecretStore for FlakyKeyring {
    fn put(&self, name: &str, secret: &Secret) -> Result<(), Error> {
        if name.ends_with("/refresh")
            && self
                .refresh_failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
        {
            return Err(Error::Keyring("simulated write failure".into()));
        }
        self.inner.put(name, secret)
    }
    fn get(&self, name: &str) -> Result<Option<Secret>, Error> {
        self.inner.get(name)
    }
    fn delete(&self, name: &str) -> Result<(), Error> {
        self.inner.delete(name)
    }
    fn status(&self) -> KeyringStatus {
        self.inner.status()
    }
}

#[tokio::test]
async fn apps_tokens_rotate_and_a_failing_store_never_loses_the_connection() {
    let sim = sim().await;
    let keyring = Arc::new(FlakyKeyring {
        inner: MemoryStore::default(),
        refresh_failures_left: AtomicU32::new(0),
    });
    let dir = data_dir("apps");
    let base = sim.base_url();
    let mut cfg = DeskConfig::new(
        Bases {
            api: base.clone(),
            connect: base.clone(),
            marketplace: base.clone(),
        },
        dir.clone(),
    );
    cfg.client = ClientConfig::new(&base, &base);
    // Every call counts as near expiry, so every call refreshes.
    cfg.token_refresh_margin = Duration::from_secs(2 * 3600);
    let d = Desk::new(cfg, keyring.clone()).unwrap();
    set_up(&d, OAuthProvider::Apps).await;
    let url = d.start_oauth().await.unwrap().authorize_url;
    assert!(url.contains("/oauth/v2/authorize?"));
    let done = d.finish_oauth(&browser(&url).await).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
    let id = d.list_connections().connections[0].id.clone();
    let refresh_name = format!("connection/{id}/refresh");
    let first_refresh = keyring.get(&refresh_name).unwrap().unwrap();

    // A refresh that stores on the second try.
    keyring.refresh_failures_left.store(1, Ordering::SeqCst);
    d.call(&id, &Request::get("/v1/customers")).await.unwrap();
    let second_refresh = keyring.get(&refresh_name).unwrap().unwrap();
    assert_ne!(first_refresh, second_refresh, "the rotated token is stored");

    // A store that keeps failing: the call fails, the keyring still holds the
    // last stored token, and the rotated one is not lost...
    keyring.refresh_failures_left.store(10, Ordering::SeqCst);
    assert!(d.call(&id, &Request::get("/v1/customers")).await.is_err());
    assert_eq!(keyring.get(&refresh_name).unwrap().unwrap(), second_refresh);
    // ...it is stored at the next call, which then refreshes with it.
    keyring.refresh_failures_left.store(0, Ordering::SeqCst);
    let refreshes_before = token_calls(&sim, "/v1/oauth/token");
    d.call(&id, &Request::get("/v1/customers")).await.unwrap();
    assert_eq!(token_calls(&sim, "/v1/oauth/token"), refreshes_before + 1);
    let connection = &d.list_connections().connections[0];
    assert!(
        connection.revoked.is_none(),
        "the connection survived: {:?}",
        connection.revoked
    );
}

#[tokio::test]
async fn a_connection_revoked_by_stripe_says_so_and_keeps_its_place() {
    let sim = sim().await;
    let d = desk(&sim, &data_dir("revoked"), Arc::new(MemoryStore::default()));
    set_up(&d, OAuthProvider::Connect).await;
    let url = d.start_oauth().await.unwrap().authorize_url;
    let link = browser(&url).await;
    assert_eq!(d.finish_oauth(&link).await.state, FlowStage::Finished);
    let id = d.list_connections().connections[0].id.clone();

    // Someone replays the code: Stripe revokes the connection.
    let code = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let replay = reqwest::Client::new()
        .post(format!("{}/oauth/token", sim.base_url()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_secret", PLATFORM_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status().as_u16(), 400);

    let err = d
        .call(&id, &Request::get("/v1/customers"))
        .await
        .unwrap_err();
    assert!(err.is_revoked(), "{err:?}");
    let view = d.list_connections();
    assert_eq!(
        view.connections.len(),
        1,
        "the connection and its data stay"
    );
    assert_eq!(
        view.connections[0].revoked.as_deref(),
        Some("Disconnected by Stripe: reconnect")
    );
    let test = d.test_connection(&id).await.unwrap();
    assert!(!test.available);
}

#[tokio::test]
async fn the_loopback_redirect_brings_the_answer_and_closes_its_port() {
    let sim = sim().await;
    let d = desk(
        &sim,
        &data_dir("loopback"),
        Arc::new(MemoryStore::default()),
    );
    let view = d
        .save_oauth_settings(form(
            OAuthProvider::Connect,
            CONNECT_CLIENT,
            Some(PLATFORM_KEY),
            "read_write",
            RedirectKind::Loopback,
        ))
        .await
        .unwrap();
    assert_eq!(
        view.redirect_uri, "http://127.0.0.1/oauth/callback",
        "what to register with Stripe"
    );

    let start = d.start_oauth().await.unwrap();
    let wait = tokio::spawn(start.loopback.expect("a loopback flow waits on 127.0.0.1"));
    let redirect = browser(&start.authorize_url).await;
    assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
    // The browser follows Stripe's redirect to the app's listener.
    let page = reqwest::get(&redirect).await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("You can close this tab"));
    let link = wait.await.unwrap().expect("the listener took the answer");
    let done = d.finish_oauth(&link).await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
    assert_eq!(
        d.list_connections().connections[0].account_id,
        "acct_1Connected"
    );
    assert!(
        reqwest::get(&redirect).await.is_err(),
        "the port closed after use"
    );

    // A flow that ends another way (cancelled) closes its port too.
    let start = d.start_oauth().await.unwrap();
    let wait = tokio::spawn(start.loopback.unwrap());
    let port = url::Url::parse(&start.authorize_url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| url::Url::parse(&v).unwrap().port().unwrap())
        .unwrap();
    d.cancel_oauth().unwrap();
    assert_eq!(wait.await.unwrap(), None);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "closed on cancel"
    );
}

#[tokio::test]
async fn live_mode_goes_through_the_https_forwarding_page() {
    let sim = sim().await;
    let live_platform = "sk_live_FAKE_live_platform_key_0001";
    sim.add_key(live_platform, "acct_1Platform", KeyAccess::Full);
    sim.add_oauth_client("ca_LiveClient", live_platform, OAuthKind::Connect);
    let keyring: Arc<dyn SecretStore> = Arc::new(MemoryStore::default());
    let d = desk(&sim, &data_dir("live"), keyring.clone());

    // A live key with a redirect Stripe would refuse: stopped at save,
    // before anything opens, and nothing is stored.
    for redirect in [RedirectKind::AppLink, RedirectKind::Loopback] {
        let err = desk_core::AppError::from(
            d.save_oauth_settings(form(
                OAuthProvider::Connect,
                "ca_LiveClient",
                Some(live_platform),
                "read_write",
                redirect,
            ))
            .await
            .unwrap_err(),
        );
        assert_eq!(
            (err.code.as_str(), err.param.as_deref()),
            ("live_needs_https", Some("redirect"))
        );
    }
    assert!(keyring.get("oauth/client-secret").unwrap().is_none());
    assert!(d.oauth_settings().await.unwrap().is_none());

    let page = "https://desk.example.com/stripe/callback";
    let view = d
        .save_oauth_settings(OAuthSettingsForm {
            forwarding_page: Some(page.into()),
            ..form(
                OAuthProvider::Connect,
                "ca_LiveClient",
                Some(live_platform),
                "read_write",
                RedirectKind::ForwardingPage,
            )
        })
        .await
        .unwrap();
    assert_eq!(view.redirect_uri, page, "what to register with Stripe");

    let start = d.start_oauth().await.unwrap();
    assert!(start.loopback.is_none());
    let answer = browser(&start.authorize_url).await;
    let query = answer
        .strip_prefix(&format!("{page}?"))
        .unwrap_or_else(|| panic!("Stripe sends the answer to the page: {answer}"));
    // What the forwarding page does: the same query, on to the app link.
    let done = d
        .finish_oauth(&format!("stripe-desk://oauth/callback?{query}"))
        .await;
    assert_eq!(done.state, FlowStage::Finished, "{:?}", done.message);
    assert_eq!(
        done.message.as_deref(),
        Some("Connected Corner Bakery (acct_1Connected), live mode.")
    );
    assert_eq!(d.list_connections().connections[0].mode, Mode::Live);
}
