//! "Connect with Stripe" in the real window: the app opens the system
//! browser (a stand-in that follows Stripe's redirect), and the answer comes
//! back as a deep link through a second process, as on a Linux desktop.

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use std::ffi::OsStr;
use stripe_sim::{KeyAccess, OAuthDecision, OAuthKind};

const PLATFORM_KEY: &str = "sk_test_51WindowPlatform0000000000000888";
const LIVE_PLATFORM_KEY: &str = "sk_live_FAKE_window_platform_key_0999";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_stripe_two_accounts_switch_refusals_and_disconnect() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account("acct_1Platform", "Desk Platform");
    sim.add_key(PLATFORM_KEY, "acct_1Platform", KeyAccess::Full);
    sim.add_oauth_client("ca_WindowClient", PLATFORM_KEY, OAuthKind::Connect);
    sim.add_oauth_client("WindowAppsClient", PLATFORM_KEY, OAuthKind::Apps);
    sim.add_account("acct_1Bakery", "Corner Bakery");
    sim.add_account("acct_1Florist", "Petal Florist");
    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Bakery".into(),
    });

    let data_dir = temp_dir("window-oauth");
    let browser_log = data_dir.join("browser.log");
    install_stand_in_browser();
    let driver = Driver::start_with(
        APP,
        &sim,
        &data_dir,
        &[
            ("STAND_IN_BROWSER_LOG", browser_log.as_os_str()),
            ("STRIPE_DESK_BIN", OsStr::new(APP)),
        ],
    );
    let shots = artifacts_dir();
    // The client secret is this test's own setting: one left by an earlier
    // run in the same keyring would be replaced, not added.
    let _ = std::process::Command::new("secret-tool")
        .args([
            "clear",
            "service",
            "stripe-desk",
            "username",
            "oauth/client-secret",
        ])
        .status();
    let keyring_before = keyring_entries();
    let w = driver.session().await;

    // The OAuth app settings, with a mistake caught first.
    // OAuth is folded away under "For platforms and developers".
    w.click("#path-oauth-title").await;
    // Before the app is set up, Connect says so; the sentence goes once it is.
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#oauth-status", "Set up the OAuth app first")
        .await;
    w.click("#nav-oauth-settings").await;
    w.type_into("#oauth-client-id", "pk_WindowClient").await;
    w.type_into("#oauth-client-secret", PLATFORM_KEY).await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-client-id-message", "starts with ca_")
        .await;
    w.type_into("#oauth-client-id", "ca_WindowClient").await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    let redirect = w
        .execute(
            "const e = document.querySelector('#oauth-redirect'); return e.value || e.textContent",
        )
        .await;
    assert_eq!(
        redirect.as_str().map(str::trim),
        Some("stripe-desk://oauth/callback")
    );
    assert_plain_words(&w, "OAuth").await;
    w.screenshot_both_themes(&shots.join("oauth-01-settings.png"))
        .await;

    // Connect: the browser opens, Stripe approves, the deep link comes back.
    w.click("#nav-connections").await;
    let lingering = w
        .execute("const s = document.getElementById('oauth-status'); return !s.hidden && s.textContent.includes('Set up the OAuth app first');")
        .await;
    assert_eq!(
        lingering,
        serde_json::Value::Bool(false),
        "the set-up sentence lingers"
    );
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    w.wait_for_text("#mode-badge", "TEST").await;
    w.wait_for_text("#connection-list", "acct_1Bakery").await;
    assert_plain_words(&w, "OAuth").await;
    w.screenshot(&shots.join("oauth-02-connected.png")).await;

    // The same link again (a reused link): refused, nothing sent to Stripe.
    let first_link = std::fs::read_to_string(&browser_log)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    let exchanges = |s: &stripe_sim::Simulator| {
        s.requests()
            .iter()
            .filter(|r| r.path == "/oauth/token")
            .count()
    };
    let before = exchanges(&sim);
    deliver(&first_link);
    w.wait_for_text("#oauth-status", "used already").await;
    assert_eq!(exchanges(&sim), before, "a code is never sent twice");

    // A second account, then switch between them.
    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Florist".into(),
    });
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#header-account", "Petal Florist").await;
    assert_eq!(w.count(".connection-card").await, 2);
    w.execute("const s = document.querySelector('#account-switcher'); s.value = [...s.options].find(o => o.text.includes('Corner Bakery')).value; s.dispatchEvent(new Event('change'));").await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    assert_plain_words(&w, "OAuth").await;
    w.screenshot(&shots.join("oauth-03-two-accounts.png")).await;

    // Denied in Stripe.
    sim.set_oauth_decision(OAuthDecision::Deny);
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#oauth-status", "You cancelled the connection in Stripe.")
        .await;
    assert_plain_words(&w, "OAuth").await;
    w.screenshot(&shots.join("oauth-04-denied.png")).await;

    // A forged state, opened through the desktop's URL handler (gio follows
    // the desktop entry the app registered): it reaches the running app,
    // which refuses it and stores nothing.
    let opened = std::process::Command::new("gio")
        .args([
            "open",
            "stripe-desk://oauth/callback?code=ac_forged&state=st_00000000000000000000000000000000",
        ])
        .status()
        .expect("gio runs");
    assert!(opened.success(), "gio found the stripe-desk: handler");
    w.wait_for_text("#oauth-status", "does not belong").await;
    assert_eq!(w.count(".connection-card").await, 2);

    // The window listens to events but may not emit them: an emitted
    // "deep-link://new-url" would reach the app as a link the desktop opened.
    let emitted = w
        .execute(
            "return window.__TAURI__.event.emit('deep-link://new-url', ['stripe-desk://oauth/callback?code=ac_injected&state=st_0']).then(() => 'emitted', e => 'refused: ' + e)",
        )
        .await;
    assert!(
        emitted.as_str().is_some_and(|s| s.starts_with("refused")),
        "{emitted}"
    );

    // Restart: both accounts are still there.
    w.quit().await;
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    w.click("#nav-connections").await;
    w.wait_for_text("#connection-list", "Petal Florist").await;
    w.screenshot(&shots.join("oauth-05-after-restart.png"))
        .await;
    assert_eq!(
        keyring_entries(),
        keyring_before + 1 + 2 * 2,
        "client secret, and a key and refresh token per account"
    );

    // Disconnect both: Stripe is told, the keyring forgets everything but the client secret.
    for _ in 0..2 {
        let n = w.count(".connection-card").await;
        w.click(".connection-card .btn-remove").await;
        w.click("#confirm-yes").await;
        while w.count(".connection-card").await == n {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    w.wait_for_text("#header-account", "Not connected").await;
    let mut deauthorized: Vec<String> = sim
        .deauthorizations()
        .into_iter()
        .map(|(_, acct)| acct)
        .collect();
    deauthorized.sort();
    assert_eq!(deauthorized, ["acct_1Bakery", "acct_1Florist"]);
    assert_eq!(keyring_entries(), keyring_before + 1);

    // The loopback redirect: Stripe sends the browser to a listener of the
    // app's on 127.0.0.1, which takes the answer and closes.
    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Bakery".into(),
    });
    w.click("#nav-oauth-settings").await;
    w.click("#oauth-redirect-loopback").await;
    let shown = w
        .execute("return document.querySelector('#oauth-redirect').value")
        .await;
    assert_eq!(shown.as_str(), Some("http://127.0.0.1/oauth/callback"));
    w.screenshot(&shots.join("oauth-06-loopback-settings.png"))
        .await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    w.screenshot(&shots.join("oauth-06-loopback-settings.png"))
        .await;
    w.click("#nav-connections").await;
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    let loopback_link = std::fs::read_to_string(&browser_log)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert!(
        loopback_link.starts_with("http://127.0.0.1:"),
        "{loopback_link}"
    );
    assert!(
        reqwest::get(&loopback_link).await.is_err(),
        "the listener closed after use"
    );
    w.click(".connection-card .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_for_text("#header-account", "Not connected").await;
    w.click("#nav-oauth-settings").await;

    // Live mode's way back: the user's HTTPS page. An address that is not
    // HTTPS is refused next to the field; the page to host is shown.
    w.click("#oauth-redirect-forwarding_page").await;
    w.type_into("#oauth-redirect", "http://desk.example.com/cb")
        .await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-redirect-message", "only https://")
        .await;
    let page = w
        .execute("return document.querySelector('#oauth-forwarding-page').value")
        .await;
    assert!(
        page.as_str()
            .unwrap()
            .contains("\"stripe-desk://oauth/callback\""),
        "the page forwards to the app link"
    );
    w.screenshot(&shots.join("oauth-06b-forwarding-page.png"))
        .await;
    w.execute("document.getElementById('oauth-redirect-title').scrollIntoView()")
        .await;
    w.screenshot(&shots.join("oauth-06c-redirect-choices.png"))
        .await;
    w.type_into("#oauth-redirect", "https://desk.example.com/cb")
        .await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    assert_eq!(w.text("#oauth-redirect-message").await, "");

    // A live client secret with a way back Stripe refuses in live mode:
    // stopped next to the choice, and the stored secret stays.
    w.click("#oauth-redirect-app_link").await;
    w.type_into("#oauth-client-secret", LIVE_PLATFORM_KEY).await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-redirect-kind-message", "is a live key")
        .await;
    w.screenshot(&shots.join("oauth-06d-live-needs-https.png"))
        .await;
    w.type_into("#oauth-client-secret", "").await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    w.wait_for_text("#oauth-client-secret-stored", "sk_test_...0888")
        .await;

    // Stripe Apps OAuth: the same window flow, an access token instead of
    // Stripe-Account, and no deauthorize call when it is removed.
    w.click("#oauth-provider-apps").await;
    w.type_into("#oauth-client-id", "WindowAppsClient").await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    w.click("#nav-connections").await;
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    w.wait_for_text("#connection-list", "(Stripe App)").await;
    w.screenshot(&shots.join("oauth-06e-stripe-app.png")).await;
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path == "/v1/oauth/token"),
        "the code went to Stripe Apps' token endpoint"
    );
    let deauthorized = sim.deauthorizations().len();
    w.click(".connection-card .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_for_text("#header-account", "Not connected").await;
    assert_eq!(sim.deauthorizations().len(), deauthorized);
    assert_eq!(keyring_entries(), keyring_before + 1);
    w.click("#nav-oauth-settings").await;
    w.click("#oauth-provider-connect").await;
    w.type_into("#oauth-client-id", "ca_WindowClient").await;
    w.click("#btn-save-oauth").await;
    w.wait_for_text("#oauth-settings-status", "Saved").await;
    w.click("#nav-connections").await;

    // Expired: the answer comes more than ten minutes after the start.
    sim.set_oauth_decision(OAuthDecision::Approve {
        account_id: "acct_1Bakery".into(),
    });
    let hold = data_dir.join("browser.log.hold");
    std::fs::write(&hold, "").unwrap();
    let held_link = || async {
        for _ in 0..200 {
            let log = std::fs::read_to_string(&browser_log).unwrap_or_default();
            if let Some(l) = log.lines().last().filter(|l| !l.is_empty()) {
                return l.to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the stand-in browser was never opened");
    };
    std::fs::write(&browser_log, "").unwrap();
    w.click("#btn-connect-stripe").await;
    w.wait_for_text("#oauth-status", "Waiting for Stripe").await;
    assert_plain_words(&w, "OAuth").await;
    w.screenshot(&shots.join("oauth-07-waiting.png")).await;
    let link = held_link().await;
    let pending = data_dir.join("oauth-pending.json");
    let mut flow: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&pending).unwrap()).unwrap();
    flow["started_at"] = (flow["started_at"].as_u64().unwrap() - 601).into();
    std::fs::write(&pending, flow.to_string()).unwrap();
    deliver(&link);
    w.wait_for_text("#oauth-status", "expired").await;

    // Cold start by deep link: start a flow, close the app, and let the
    // answer start it again.
    std::fs::write(&browser_log, "").unwrap();
    w.click("#btn-connect-stripe").await;
    let link = held_link().await;
    w.quit().await;
    let w = driver.session_with_args(&[&link]).await;
    w.wait_for_text("#header-account", "Corner Bakery").await;
    w.screenshot(&shots.join("oauth-08-cold-start.png")).await;
    // Leave the keyring as found, but for the OAuth app's client secret.
    w.click(".connection-card .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_for_text("#header-account", "Not connected").await;
    assert_eq!(keyring_entries(), keyring_before + 1);
    assert_every_call_audited(&data_dir).await;
    w.quit().await;

    // No client secret, key or token reached the data dir, the logs or the IPC replies.
    let audit = std::fs::read_to_string(data_dir.join("ipc-replies.jsonl")).unwrap();
    assert!(
        audit.contains("sk_test_...0888"),
        "the masked client secret was shown"
    );
    let mut secrets = vec![PLATFORM_KEY.to_owned(), LIVE_PLATFORM_KEY.to_owned()];
    secrets.extend(sim.issued_tokens());
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_eq!(files_containing(&data_dir, &secrets), Vec::<String>::new());
}

/// Opens a link the way the desktop does: a second app process with the
/// link as its argument, which hands it to the running app and exits.
fn deliver(link: &str) {
    let status = std::process::Command::new(APP)
        .arg(link)
        .status()
        .expect("second process runs");
    assert!(status.success());
}
