//! The real app window, driven through WebDriver under Xvfb, against the
//! local Stripe simulator and a real Secret Service keyring: connecting
//! with an API key, as a new user would click it.

mod support;

use stripe_sim::KeyAccess;
use support::*;

const KEY: &str = "sk_test_51WindowJourneyKey000000000004242";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_an_api_key_survives_a_restart_and_removes_cleanly() {
    require_desktop();
    let sim = simulator().await;
    sim.add_account("acct_1WindowShop", "Acme Test Shop");
    sim.add_key(KEY, "acct_1WindowShop", KeyAccess::Full);
    let data_dir = temp_dir("window-connect");
    let shots = artifacts_dir();
    let driver = Driver::start(&sim, &data_dir);
    let keyring_before = keyring_entries();

    // First launch: no connection yet, so the window leads to connecting.
    let w = driver.session().await;
    w.find("#key-input").await;
    w.screenshot(&shots.join("01-first-launch.png")).await;
    w.wait_for_text("#header-account", "Not connected").await;
    w.wait_for_text("#banner", &sim.base_url()).await;

    // A publishable key is refused next to the field, before anything is sent.
    w.type_into("#key-input", "pk_test_51WindowJourneyPublishable0000")
        .await;
    w.wait_for_text(
        "#key-message",
        "This is a publishable key; paste the secret or restricted key from Developers > API keys",
    )
    .await;
    w.screenshot(&shots.join("02-publishable-key-refused.png"))
        .await;

    // A key Stripe does not know: the refusal shows Stripe's request ID,
    // for support, with a Copy button.
    w.type_into("#key-input", "sk_test_51WindowNeverIssued0000000000001")
        .await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    w.click("#btn-test-key").await;
    w.wait_for_text("#test-result", "Stripe does not recognise this key")
        .await;
    w.wait_for_text("#test-result .request-id", "Request ID req_")
        .await;
    w.find("#test-result .request-id-copy").await;
    w.screenshot(&shots.join("02b-request-id.png")).await;

    // A valid test key: its verdict replaces the refusal under the field
    // (the buttons move up as it does: wait, as a person would see it,
    // before clicking), then test it and save it.
    w.type_into("#key-input", KEY).await;
    w.wait_for_text("#key-message", "Secret key, test mode")
        .await;
    w.click("#btn-test-key").await;
    w.wait_for_text(
        "#test-result",
        "Connection available: Acme Test Shop (acct_1WindowShop), test mode",
    )
    .await;
    w.screenshot(&shots.join("03-test-connection.png")).await;
    w.click("#btn-save-key").await;
    w.wait_for_text("#header-account", "Acme Test Shop").await;
    w.wait_for_text("#mode-badge", "TEST").await;
    w.wait_for_text("#connection-list", "sk_test_...4242").await;
    w.screenshot(&shots.join("04-connected.png")).await;
    assert_eq!(
        keyring_entries(),
        keyring_before + 1,
        "the key is in the keyring"
    );
    w.quit().await;

    // Restart: still connected, from the keyring and the data dir.
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Acme Test Shop").await;
    w.wait_for_text("#mode-badge", "TEST").await;
    w.click("#nav-connections").await;
    w.wait_for_text("#connection-list", "Acme Test Shop").await;
    w.screenshot(&shots.join("05-after-restart.png")).await;

    // Remove, with confirmation: gone from the window and from the keyring.
    w.click(".connection-card .btn-remove").await;
    w.find("#confirm-yes").await;
    w.screenshot(&shots.join("06-remove-confirmation.png"))
        .await;
    w.click("#confirm-yes").await;
    w.wait_until_gone(".connection-card").await;
    w.wait_for_text("#header-account", "Not connected").await;
    w.screenshot(&shots.join("07-removed.png")).await;
    w.quit().await;
    assert_eq!(
        keyring_entries(),
        keyring_before,
        "the key left the keyring"
    );

    // The key never reached the data dir, the logs or any IPC reply.
    let audit = data_dir.join("ipc-replies.jsonl");
    assert!(
        std::fs::metadata(&audit)
            .map(|m| m.len() > 0)
            .unwrap_or(false),
        "IPC replies were recorded for the scan"
    );
    assert!(
        data_dir.join("logs/stripe-desk.log").exists(),
        "the app wrote its log"
    );
    assert_eq!(files_containing(&data_dir, &[KEY]), Vec::<String>::new());
}
