//! The real app window, driven through WebDriver under Xvfb, against the
//! local Stripe simulator and a real Secret Service keyring: connecting
//! with an API key, as a new user would click it.

use crate::APP;
use desk_testkit::window::*;
use stripe_sim::KeyAccess;

const KEY: &str = "sk_test_51WindowJourneyKey000000000004242";
const READ_ONLY: &str = "rk_test_51WindowJourneyReadOnly0000001111";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_an_api_key_survives_a_restart_and_removes_cleanly() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account("acct_1WindowShop", "Acme Test Shop");
    sim.add_key(KEY, "acct_1WindowShop", KeyAccess::Full);
    sim.add_key(
        READ_ONLY,
        "acct_1WindowShop",
        KeyAccess::Restricted(["rak_customer_read".to_owned()].into()),
    );
    sim.add_account("acct_1WindowCafe", "Window Cafe");
    sim.connect_account("acct_1WindowShop", "acct_1WindowCafe");
    let data_dir = temp_dir("window-connect");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let keyring_before = keyring_entries();

    // First launch: no connection yet, so the window leads to pasting a
    // key, guided; OAuth (an app of one's own) is folded away for platforms
    // and developers.
    let w = driver.session().await;
    w.find("#key-input").await;
    w.wait_for_text("#path-key-title", "Paste your API key")
        .await;
    w.find("#btn-open-api-keys").await;
    let oauth_open = w
        .execute("return document.querySelector('#oauth-path').open")
        .await;
    assert_eq!(oauth_open, serde_json::json!(false), "OAuth starts folded");
    assert_eq!(w.text("#btn-connect-stripe").await, "", "not shown folded");
    w.wait_for_text("#path-oauth-title", "For platforms and developers")
        .await;
    plain_words::assert_plain_words(&w, "first").await;
    w.screenshot_both_themes(&shots.join("01-first-launch.png"))
        .await;
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
    w.screenshot_both_themes(&shots.join("04-connected.png"))
        .await;
    plain_words::assert_plain_words(&w, "Connections").await;
    assert_eq!(
        keyring_entries(),
        keyring_before + 1,
        "the key is in the keyring"
    );

    // A restricted key of the same account asks before it replaces the
    // full-access one; Cancel saves nothing and says so.
    w.type_into("#key-input", READ_ONLY).await;
    w.wait_for_text("#key-message", "Restricted key, test mode")
        .await;
    w.click("#btn-save-key").await;
    w.wait_for_text(
        "#confirm-body",
        "This replaces your full-access key (sk_test_...4242) for Acme Test Shop with a restricted key (rk_test_...1111)",
    )
    .await;
    w.screenshot(&shots.join("04b-replace-asks.png")).await;
    w.click("#confirm-no").await;
    w.wait_for_text("#test-result", "Nothing was saved").await;
    assert_eq!(w.count(".connection-card").await, 1);
    assert_eq!(w.count(".connection-card .tag-restricted").await, 0);
    // Keep both: two connections, named by what each key can do.
    w.click("#btn-save-key").await;
    w.click("#confirm-keep_both").await;
    w.wait_for_text("#connection-list", "Acme Test Shop (restricted key)")
        .await;
    assert_eq!(w.count(".connection-card").await, 2);
    w.screenshot(&shots.join("04c-kept-both.png")).await;
    // Removing one confirms what happened, and the other stays.
    w.click(".connection-card.is-active .btn-remove").await;
    w.click("#confirm-yes").await;
    w.wait_for_text(
        "#connections-removed",
        "Removed Acme Test Shop (restricted key): its key was deleted from this computer's keyring.",
    )
    .await;
    assert_eq!(w.count(".connection-card").await, 1);
    assert_eq!(
        w.text("#test-result").await,
        "",
        "no \"Saved\" for a removed key"
    );
    // The one left becomes the current one.
    w.wait_for_text(".connection-card.is-active", "sk_test_...4242")
        .await;

    // A connected account's ID is checked with Stripe when entered: a typo
    // is refused at the field, not later shown as a disconnection.
    w.click(".connection-card .btn-account").await;
    w.type_into(".connection-card .card-edit input", "acct_1WindowCafx")
        .await;
    w.click(".connection-card .card-edit button[type=submit]")
        .await;
    w.wait_for_text(
        ".connection-card .card-edit .field-message",
        "No such connected account: acct_1WindowCafx is not connected to Acme Test Shop.",
    )
    .await;
    assert_eq!(w.count(".connection-card.is-revoked").await, 0);
    w.screenshot(&shots.join("04d-no-such-connected-account.png"))
        .await;
    w.type_into(".connection-card .card-edit input", "acct_1WindowCafe")
        .await;
    w.click(".connection-card .card-edit button[type=submit]")
        .await;
    w.wait_for_text(
        ".connection-card",
        "Working in connected account Window Cafe (acct_1WindowCafe)",
    )
    .await;
    w.wait_for_text("#header-sub", "Working in Window Cafe")
        .await;
    plain_words::assert_plain_words(&w, "Connections").await;
    // Back to the account's own data.
    w.click(".connection-card .btn-account").await;
    w.type_into(".connection-card .card-edit input", "").await;
    w.click(".connection-card .card-edit button[type=submit]")
        .await;
    w.wait_until_gone(".connection-card .card-edit input").await;
    w.wait_for_text("#header-sub", "acct_1WindowShop").await;
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
    assert_every_call_audited(&data_dir).await;
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
    assert_eq!(
        files_containing(&data_dir, &[KEY, READ_ONLY]),
        Vec::<String>::new()
    );
}
