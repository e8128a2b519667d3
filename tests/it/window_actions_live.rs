//! A live-mode write from the Actions screen asks first, naming the account;
//! cancelling sends nothing; a switch of the account on screen while the
//! question is open sends nothing either, and says so. Half-filled forms
//! survive a restart, a sent one does not. (Its own binary: one app window
//! per test process.)

use crate::APP;
use desk_testkit::window::plain_words::assert_plain_words;
use desk_testkit::window::*;
use std::time::{Duration, Instant};
use stripe_sim::KeyAccess;

const LIVE_KEY: &str = "sk_live_FAKE_window_actions_key_0777";
const TEST_KEY: &str = "sk_test_51WindowActionsLiveOther000000042";

/// Calls one of the app's commands from the window, as its own code does,
/// and waits for the answer.
async fn invoke(
    w: &webdriver::Session,
    command: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    w.execute(&format!(
        "window.__answer = undefined; window.__TAURI__.core.invoke({command:?}, {args}).then(v => window.__answer = {{ok: v}}, e => window.__answer = {{err: e}});"
    ))
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let answer = w
            .execute("return window.__answer === undefined ? null : window.__answer")
            .await;
        if !answer.is_null() {
            return answer["ok"].clone();
        }
        assert!(Instant::now() < deadline, "{command} never answered");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn connection_id(w: &webdriver::Session, name: &str) -> String {
    let view = invoke(w, "connection_list", serde_json::json!({})).await;
    view["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["displayName"] == name)
        .and_then(|c| c["id"].as_str())
        .unwrap_or_else(|| panic!("no connection {name} in {view}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_mode_write_asks_first_and_cancel_sends_nothing() {
    let _window = one_window_at_a_time().await;
    let sim = simulator().await;
    sim.add_account("acct_1WindowLive", "Acme Live Shop");
    sim.add_key(LIVE_KEY, "acct_1WindowLive", KeyAccess::Full);
    sim.add_account("acct_1WindowLiveCafe", "Corner Cafe");
    sim.connect_account("acct_1WindowLive", "acct_1WindowLiveCafe");
    sim.add_account("acct_1WindowOther", "Other Test Shop");
    sim.add_key(TEST_KEY, "acct_1WindowOther", KeyAccess::Full);
    let data_dir = temp_dir("window-actions-live");
    let shots = artifacts_dir();
    let driver = Driver::start(APP, &sim, &data_dir);
    let w = driver.session().await;

    connect_with_key(&w, TEST_KEY, "test mode", "Other Test Shop").await;
    w.click("#nav-connections").await;
    connect_with_key(&w, LIVE_KEY, "live mode", "Acme Live Shop").await;
    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    w.type_into("[data-field='name'] input", "Real Person")
        .await;
    sim.clear_requests();
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Create Customer in Acme Live Shop?")
        .await;
    w.screenshot_both_themes(&shots.join("actions-05-live-confirm.png"))
        .await;
    w.click("#confirm-no").await;
    w.wait_until_gone("#confirm-dialog").await;
    assert!(sim.requests().iter().all(|r| r.method != "POST"));
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 0);

    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Acme Live Shop").await;
    w.click("#confirm-yes").await;
    w.wait_for_text(".action-result h3", "Created").await;
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 1);

    // Working in a connected account: the question names the account that
    // changes, not the platform whose key sends it.
    let live = connection_id(&w, "Acme Live Shop").await;
    invoke(
        &w,
        "connection_override_account",
        serde_json::json!({ "connectionId": live, "accountId": "acct_1WindowLiveCafe" }),
    )
    .await;
    w.wait_for_text("#header-sub", "Working in Corner Cafe")
        .await;
    // Another account: the screen is drawn afresh for it.
    w.wait_for_text(".action-form h2", "Create Customer").await;
    w.type_into("[data-field='name'] input", "Cafe Person")
        .await;
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Create Customer in Corner Cafe?")
        .await;
    w.wait_for_text(
        "#confirm-dialog",
        "This changes live data in Corner Cafe, the account connected to Acme Live Shop.",
    )
    .await;
    w.screenshot(&shots.join("actions-05c-live-confirm-connected-account.png"))
        .await;
    w.click("#confirm-yes").await;
    w.wait_for_text(".action-result h3", "Created").await;
    assert_eq!(sim.count("acct_1WindowLiveCafe", "customers"), 1);
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 1);
    invoke(
        &w,
        "connection_override_account",
        serde_json::json!({ "connectionId": live, "accountId": null }),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while w
        .execute(
            "return document.getElementById('header-sub').textContent.includes('Corner Cafe');",
        )
        .await
        != serde_json::Value::Bool(false)
    {
        assert!(
            Instant::now() < deadline,
            "the header still names Corner Cafe"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The account on screen changes while the question is open: the answer
    // "yes" was about Acme Live Shop, so nothing is sent anywhere. (Back
    // on the platform, the screen was drawn afresh for it.)
    w.wait_for_text(".action-form h2", "Create Customer").await;
    w.type_into("[data-field='name'] input", "Switch Person")
        .await;
    tokio::time::sleep(Duration::from_millis(800)).await; // kept as a draft
    sim.clear_requests();
    w.click(".action-form button[type='submit']").await;
    w.wait_for_text("#confirm-title", "Create Customer in Acme Live Shop?")
        .await;
    let other = connection_id(&w, "Other Test Shop").await;
    invoke(
        &w,
        "connection_activate",
        serde_json::json!({ "connectionId": other }),
    )
    .await;
    w.wait_for_text("#header-account", "Other Test Shop").await;
    w.click("#confirm-yes").await;
    w.wait_for_text(
        ".action-form > .field-message",
        "Nothing was sent: the account on screen changed to Other Test Shop (test mode). Look at it and try again.",
    )
    .await;
    assert_plain_words(&w, "Actions").await;
    w.screenshot(&shots.join("actions-05b-account-changed-nothing-sent.png"))
        .await;
    assert!(
        sim.requests().iter().all(|r| r.method != "POST"),
        "{:?}",
        sim.requests()
    );
    assert_eq!(sim.count("acct_1WindowLive", "customers"), 1);
    assert_eq!(sim.count("acct_1WindowOther", "customers"), 0);

    // Back on the live account: a half-filled form survives an app restart
    // (kept per connection in the data dir); the sent one was cleared.
    let live = connection_id(&w, "Acme Live Shop").await;
    invoke(
        &w,
        "connection_activate",
        serde_json::json!({ "connectionId": live }),
    )
    .await;
    w.wait_for_text("#header-account", "Acme Live Shop").await;
    w.click("[data-action='create_product']").await;
    w.wait_for_text(".action-form h2", "Create Product").await;
    w.type_into("[data-field='name'] input", "Half-typed tea")
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    w.quit().await;
    let w = driver.session().await;
    w.wait_for_text("#header-account", "Acme Live Shop").await;
    w.click("#nav-actions").await;
    w.wait_for_text(".action-form h2", "Create Customer").await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='name'] input\").value")
        .await;
    assert_eq!(
        kept, "Switch Person",
        "the unsent form is kept, the sent one is not"
    );
    w.click("[data-action='create_product']").await;
    w.wait_for_text(".action-form h2", "Create Product").await;
    let kept = w
        .execute("return document.querySelector(\"[data-field='name'] input\").value")
        .await;
    assert_eq!(kept, "Half-typed tea");
    w.screenshot(&shots.join("actions-12-draft-after-restart.png"))
        .await;
    assert_every_call_audited(&data_dir).await;
    w.quit().await;
}
